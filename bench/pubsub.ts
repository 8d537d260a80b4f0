// Pub/sub benchmark, respite-server vs redis-server in the same run (not part of npm test):
//   1. PUBLISH throughput (redis-benchmark) with N subscribers reading every message;
//   2. fan-out latency: time from sending one PUBLISH until the last of 1 000 subscribers has it.
// Appends (or replaces) a "Pub/sub" section in bench/results.md.
//
//   node dist/bench/pubsub.js [--subs 0,1,10,50] [--requests 50000] [--fanout 1000] [--rounds 200] [--no-write]
//
// A benchmark is a measurement, never a test: nothing here fails on a slow result.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runBenchmark } from './redis-benchmark';
import { BenchServer, machineInfo, startRedis, startRespite } from './servers';

interface Args {
  subs: number[];
  requests: number;
  fanout: number;
  rounds: number;
  write: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { subs: [0, 1, 10, 50], requests: 50_000, fanout: 1000, rounds: 200, write: true, out: path.join(__dirname, '..', '..', 'bench', 'results.md') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--subs':
        a.subs = v.split(',').map(Number);
        i++;
        break;
      case '--requests':
        a.requests = Number(v);
        i++;
        break;
      case '--fanout':
        a.fanout = Number(v);
        i++;
        break;
      case '--rounds':
        a.rounds = Number(v);
        i++;
        break;
      case '--no-write':
        a.write = false;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

const CHANNEL = 'bench:ch';
const PAYLOAD = 'x'.repeat(64);

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

function command(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/** A subscriber that counts the bytes it receives (no parsing: the bench must stay cheap). */
interface Subscriber {
  sock: net.Socket;
  bytes: number;
}

async function subscribe(port: number, n: number, channel: string): Promise<Subscriber[]> {
  const subs: Subscriber[] = [];
  for (let i = 0; i < n; i++) {
    const sock = await connect(port);
    const sub: Subscriber = { sock, bytes: 0 };
    await new Promise<void>((resolve) => {
      sock.once('data', () => resolve());
      sock.write(command(['SUBSCRIBE', channel]));
    });
    sock.on('data', (d: Buffer) => (sub.bytes += d.length));
    sock.on('error', () => {});
    subs.push(sub);
  }
  return subs;
}

async function numsub(port: number, channel: string): Promise<number> {
  const s = await connect(port);
  const reply = await new Promise<string>((resolve) => {
    s.once('data', (d: Buffer) => resolve(d.toString()));
    s.write(command(['PUBSUB', 'NUMSUB', channel]));
  });
  s.destroy();
  return Number(/:(\d+)\r\n$/.exec(reply)?.[1] ?? -1);
}

interface ThroughputRow {
  subs: number;
  pipeline: number;
  rps: Record<'redis' | 'respite', number>;
  /** Subscribers still connected at the end (output buffer limits may drop slow readers). */
  kept: Record<'redis' | 'respite', number>;
}

async function throughput(srv: BenchServer, subs: number, pipeline: number, requests: number): Promise<[number, number]> {
  const list = await subscribe(srv.port, subs, CHANNEL);
  const rps = await runBenchmark({ name: 'PUBLISH', command: ['PUBLISH', CHANNEL, PAYLOAD] }, { port: srv.port, clients: 50, requests, pipeline, keyspace: 1 });
  const kept = subs === 0 ? 0 : await numsub(srv.port, CHANNEL);
  for (const s of list) s.sock.destroy();
  return [rps, kept];
}

/**
 * Fan-out latency: `rounds` PUBLISHes one after the other; each is timed from the write of the
 * command to the moment the last subscriber's socket delivered the message.
 */
async function fanout(srv: BenchServer, n: number, rounds: number): Promise<number[]> {
  const subs = await subscribe(srv.port, n, 'bench:fan');
  const pub = await connect(srv.port);
  pub.on('data', () => {});
  // Each message is the same size, so "received" is a byte count per subscriber.
  const msg = command(['PUBLISH', 'bench:fan', PAYLOAD]);
  const perMessage = `*3\r\n$7\r\nmessage\r\n$9\r\nbench:fan\r\n$${PAYLOAD.length}\r\n${PAYLOAD}\r\n`.length;
  for (const s of subs) s.bytes = 0;
  const times: number[] = [];
  for (let r = 1; r <= rounds + 10; r++) {
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    let waiting = n;
    const target = r * perMessage;
    const handlers: [Subscriber, (d: Buffer) => void][] = [];
    for (const s of subs) {
      const h = () => {
        if (s.bytes >= target) {
          s.sock.off('data', h);
          if (--waiting === 0) done();
        }
      };
      handlers.push([s, h]);
      s.sock.on('data', h);
    }
    const t0 = process.hrtime.bigint();
    pub.write(msg);
    await all;
    // The first rounds warm up both servers (and V8's JIT for respite).
    if (r > 10) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  pub.destroy();
  for (const s of subs) s.sock.destroy();
  return times;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const redis = await startRedis();
  const respite = await startRespite();
  const servers = [redis, respite];
  const rows: ThroughputRow[] = [];
  const lat: Record<string, number[]> = {};
  try {
    for (const pipeline of [1, 16]) {
      for (const subs of args.subs) {
        const row: ThroughputRow = { subs, pipeline, rps: { redis: 0, respite: 0 }, kept: { redis: 0, respite: 0 } };
        for (const srv of servers) {
          const [rps, kept] = await throughput(srv, subs, pipeline, args.requests);
          row.rps[srv.name] = rps;
          row.kept[srv.name] = kept;
        }
        rows.push(row);
        console.log(`PUBLISH, ${subs} subscribers, -P ${pipeline}: redis ${fmt(row.rps.redis)}/s respite ${fmt(row.rps.respite)}/s`);
      }
    }
    for (const srv of servers) {
      lat[srv.name] = (await fanout(srv, args.fanout, args.rounds)).sort((a, b) => a - b);
      const t = lat[srv.name];
      console.log(`fan-out to ${args.fanout}: ${srv.name} p50 ${pct(t, 50).toFixed(2)} ms p99 ${pct(t, 99).toFixed(2)} ms`);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  const text = report(args, rows, lat);
  console.log('\n' + text);
  if (args.write) writeSection(args.out, text);
}

function report(args: Args, rows: ThroughputRow[], lat: Record<string, number[]>): string {
  const m = machineInfo();
  const out: string[] = [];
  out.push('## Pub/sub');
  out.push('');
  out.push(`Measured by \`node dist/bench/pubsub.js\` on ${m.date.slice(0, 10)}: ${m.cpus} CPUs (${m['cpu model']}), node ${m.node}, redis ${m.redis}.`);
  out.push('Both servers run in the same session, one after the other, on loopback; the subscribers live in the');
  out.push('bench process and read every message, so at 50 subscribers and at the 1 000-subscriber fan-out the');
  out.push('figures include that node process reading its sockets, on the same 2 cores as the server and');
  out.push('redis-benchmark. On a shared machine, repeated runs differ by up to about 30%.');
  out.push('');
  out.push(`### PUBLISH throughput (redis-benchmark, 50 clients, ${fmt(args.requests)} requests, ${PAYLOAD.length}-byte payload)`);
  out.push('');
  out.push('| subscribers | pipeline | redis-server | respite | respite / redis |');
  out.push('|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const kept = r.subs > 0 && (r.kept.redis !== r.subs || r.kept.respite !== r.subs) ? ` (kept ${r.kept.redis}/${r.kept.respite})` : '';
    out.push(`| ${r.subs}${kept} | ${r.pipeline} | ${fmt(r.rps.redis)}/s | ${fmt(r.rps.respite)}/s | ${(r.rps.respite / r.rps.redis).toFixed(2)} |`);
  }
  out.push('');
  out.push(`### Fan-out latency to ${fmt(args.fanout)} subscribers (${args.rounds} messages, after 10 warm-up ones)`);
  out.push('');
  out.push('From writing one PUBLISH to the last subscriber having the message, in ms.');
  out.push('');
  out.push('| server | p50 | p90 | p99 | max |');
  out.push('|---|---:|---:|---:|---:|');
  for (const name of ['redis', 'respite']) {
    const t = lat[name];
    if (!t) continue;
    out.push(`| ${name === 'redis' ? 'redis-server' : 'respite'} | ${pct(t, 50).toFixed(2)} | ${pct(t, 90).toFixed(2)} | ${pct(t, 99).toFixed(2)} | ${t[t.length - 1].toFixed(2)} |`);
  }
  out.push('');
  return out.join('\n');
}

const NOTES_MARKER = '<!-- notes: kept across runs -->';

/**
 * Replaces the "## Pub/sub" section of results.md, or appends it. It goes below the notes marker
 * of bench/run.ts so that re-running the main benchmark keeps it.
 */
function writeSection(file: string, section: string): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf('## Pub/sub');
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    if (!text.includes(NOTES_MARKER)) text += (text && !text.endsWith('\n') ? '\n' : '') + '\n' + NOTES_MARKER + '\n';
    text += '\n' + section;
  }
  writeFileSync(file, text.endsWith('\n') ? text : text + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
