// Stream benchmark, redis-server and respite-server side by side in the same run:
//   - XADD throughput (redis-benchmark custom command, plain and pipelined),
//   - XREADGROUP throughput (one entry per call with '>', each delivery creating a PEL entry),
//   - memory for 1 M entries (RSS growth of each server process).
// Usage: node dist/bench/stream.js [--requests N] [--entries N]
import * as net from 'node:net';
import { runBenchmark } from './redis-benchmark';
import { BenchServer, machineInfo, rssBytes, startRedis, startRespite } from './servers';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function encode(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

/** Sends commands in pipelined batches over one connection and waits for all replies. */
async function pipeline(port: number, total: number, make: (i: number) => string[], batch = 5000): Promise<void> {
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  for (let done = 0; done < total; ) {
    const n = Math.min(batch, total - done);
    let payload = '';
    for (let i = 0; i < n; i++) payload += encode(make(done + i));
    await new Promise<void>((resolve, reject) => {
      let lines = 0;
      const onData = (d: Buffer) => {
        // Every reply here is one line (+OK, $n plus its data counted as two, or :n).
        for (let k = 0; k < d.length; k++) if (d[k] === 10) lines++;
        if (lines >= expected) {
          sock.off('data', onData);
          sock.off('error', reject);
          resolve();
        }
      };
      const first = make(done)[0].toUpperCase();
      const expected = first === 'XADD' ? 2 * n : n;
      sock.on('data', onData);
      sock.once('error', reject);
      sock.write(payload, 'latin1');
    });
    done += n;
  }
  sock.destroy();
}

async function command(port: number, ...args: string[]): Promise<void> {
  await pipeline(port, 1, () => args, 1);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function measure(server: BenchServer, requests: number, entries: number): Promise<Record<string, number>> {
  const r: Record<string, number> = {};
  const o = { port: server.port, clients: 50, requests, pipeline: 1, keyspace: 1 };
  r.xadd = await runBenchmark({ name: 'XADD', command: ['XADD', 'bench:s', '*', 'f', 'v'] }, o);
  r.xaddP16 = await runBenchmark({ name: 'XADD', command: ['XADD', 'bench:s2', '*', 'f', 'v'] }, { ...o, pipeline: 16 });
  // XREADGROUP: a group at 0 over the entries XADD just wrote; one entry per call.
  await command(server.port, 'XGROUP', 'CREATE', 'bench:s', 'g', '0');
  r.xreadgroup = await runBenchmark({ name: 'XREADGROUP', command: ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'bench:s', '>'] }, o);
  await command(server.port, 'FLUSHALL');
  await new Promise((res) => setTimeout(res, 300));
  const before = rssBytes(server.proc.pid!);
  await pipeline(server.port, entries, (i) => ['XADD', 'mem:s', `${1700000000000 + Math.floor(i / 16)}-${i % 16}`, 'user', String(100000 + (i % 5000)), 'action', 'login']);
  await new Promise((res) => setTimeout(res, 500));
  r.rssDelta = rssBytes(server.proc.pid!) - before;
  return r;
}

async function main(): Promise<void> {
  const requests = arg('--requests', 200_000);
  const entries = arg('--entries', 1_000_000);
  console.log('machine', machineInfo());
  const results: Record<string, Record<string, number>> = {};
  for (const start of [startRedis, startRespite]) {
    const server = await start();
    try {
      results[server.name] = await measure(server, requests, entries);
    } finally {
      await server.stop();
    }
  }
  const rows: [string, string][] = [
    ['XADD s * f v (50 clients), req/s', 'xadd'],
    ['XADD s * f v (50 clients, -P 16), req/s', 'xaddP16'],
    ['XREADGROUP COUNT 1 > (50 clients), req/s', 'xreadgroup'],
  ];
  console.log(`\n| benchmark | redis-server | respite | ratio |\n|---|---:|---:|---:|`);
  for (const [label, k] of rows) {
    console.log(`| ${label} | ${fmt(results.redis[k])} | ${fmt(results.respite[k])} | ${(results.respite[k] / results.redis[k]).toFixed(2)} |`);
  }
  const mb = (b: number) => (b / 1048576).toFixed(1);
  console.log(
    `| RSS growth for ${fmt(entries)} entries (user <n> action login) | ${mb(results.redis.rssDelta)} MB (${(results.redis.rssDelta / entries).toFixed(1)} B/entry) | ${mb(results.respite.rssDelta)} MB (${(results.respite.rssDelta / entries).toFixed(1)} B/entry) | ${(results.respite.rssDelta / results.redis.rssDelta).toFixed(2)} |`,
  );
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
