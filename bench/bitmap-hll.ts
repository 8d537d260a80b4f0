// Bitmap and HyperLogLog throughput, respite-server vs redis-server in the same run (not part of
// npm test). Appends (or replaces) a "Bitmaps and HyperLogLog" section in bench/results.md.
//
//   node dist/bench/bitmap-hll.js [--requests 100000] [--rounds 2] [--no-write]
//
// Most rows are redis-benchmark with custom commands. redis-benchmark writes __rand_int__ as a
// 12-digit zero-padded number, which is not a valid integer for Redis (string2ll refuses leading
// zeros), so it cannot produce random bit offsets: the "random offsets" row uses a small
// pipelined client of our own, run the same way against both servers.
//
// A benchmark is a measurement, never a test: nothing here fails on a slow result.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { BenchTest, runBenchmark } from './redis-benchmark';
import { BenchServer, machineInfo, median, startRedis, startRespite } from './servers';

interface Args {
  requests: number;
  rounds: number;
  write: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { requests: 100_000, rounds: 2, write: true, out: path.join(__dirname, '..', '..', 'bench', 'results.md') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--requests') a.requests = Number(argv[++i]);
    else if (argv[i] === '--rounds') a.rounds = Number(argv[++i]);
    else if (argv[i] === '--no-write') a.write = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

const BITMAP_BYTES = 1 << 20; // the 1 MB bitmap most rows work on
const LAST_BIT = BITMAP_BYTES * 8 - 1;

/** The tests, with the share of --requests each runs (full-bitmap scans are slow by nature). */
const TESTS: (BenchTest & { share: number; note: string })[] = [
  { name: 'SETBIT (new small keys)', command: ['SETBIT', 'bench:bits:__rand_int__', '1000', '1'], share: 1, note: 'random keys, 126-byte strings' },
  { name: 'SETBIT (1 MB bitmap)', command: ['SETBIT', 'bench:bits', String(LAST_BIT - 12345), '1'], share: 1, note: 'same bit: lookup only after the first' },
  { name: 'BITFIELD INCRBY (1 MB bitmap)', command: ['BITFIELD', 'bench:bits', 'INCRBY', 'u8', '#100000', '1'], share: 1, note: 'a write on every call' },
  { name: 'GETBIT (1 MB bitmap)', command: ['GETBIT', 'bench:bits', '4000000'], share: 1, note: '' },
  { name: 'BITCOUNT 0 4095 (1 MB bitmap)', command: ['BITCOUNT', 'bench:bits', '0', '4095'], share: 1, note: '4 KB range' },
  { name: 'BITCOUNT (1 MB bitmap)', command: ['BITCOUNT', 'bench:bits'], share: 0.1, note: 'whole 1 MB' },
  { name: 'PFADD', command: ['PFADD', 'bench:hll', 'el:__rand_int__'], share: 1, note: 'random elements, 1M range' },
  { name: 'PFCOUNT (one key)', command: ['PFCOUNT', 'bench:hll'], share: 1, note: 'cached cardinality' },
  { name: 'PFCOUNT (two keys)', command: ['PFCOUNT', 'bench:hll', 'bench:hll2'], share: 0.2, note: 'union recomputed each call' },
];

interface Row {
  name: string;
  note: string;
  rps: Record<'redis' | 'respite', number[]>;
}

function cli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1' }).trim();
}

/** The 1 MB bitmap and a second HLL for the union test. */
function prepare(port: number): void {
  cli(port, 'SETBIT', 'bench:bits', String(LAST_BIT), '1');
  cli(port, 'PFADD', 'bench:hll2', ...Array.from({ length: 200 }, (_, i) => `other:${i}`));
  cli(port, 'PFDEBUG', 'TODENSE', 'bench:hll2');
}

/**
 * SETBIT at random offsets of the 1 MB bitmap: `conns` connections, each sending batches of
 * `pipeline` commands and waiting for their replies. Requests per second.
 */
async function randomSetbit(port: number, total: number, conns: number, pipeline: number): Promise<number> {
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const perConn = Math.floor(total / conns);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      const sock = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
        s.once('error', reject);
      });
      sock.setNoDelay(true);
      let pendingLines = 0;
      let wake: (() => void) | null = null;
      sock.on('data', (d: Buffer) => {
        for (let i = 0; i < d.length; i++) if (d[i] === 10) pendingLines--;
        if (pendingLines === 0 && wake) wake();
      });
      for (let sent = 0; sent < perConn; sent += pipeline) {
        let batch = '';
        const n = Math.min(pipeline, perConn - sent);
        for (let i = 0; i < n; i++) {
          const off = String(rand() % (LAST_BIT + 1));
          batch += `*4\r\n$6\r\nSETBIT\r\n$10\r\nbench:bits\r\n$${off.length}\r\n${off}\r\n$1\r\n${rand() & 1}\r\n`;
        }
        pendingLines = n;
        await new Promise<void>((resolve) => {
          wake = resolve;
          sock.write(batch);
        });
      }
      sock.destroy();
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return (perConn * conns) / secs;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const random = { name: 'SETBIT random offsets (1 MB bitmap)', note: 'own client, 50 connections' };
  const pipelines = [1, 16];
  const results = new Map<string, Row>();
  for (let round = 0; round < args.rounds; round++) {
    for (const start of round % 2 === 0 ? [startRedis, startRespite] : [startRespite, startRedis]) {
      const srv: BenchServer = await start();
      try {
        prepare(srv.port);
        for (const pipeline of pipelines) {
          for (let i = 0; i < TESTS.length; i++) {
            const t = TESTS[i];
            const requests = Math.max(1000, Math.floor(args.requests * t.share));
            const rps = await runBenchmark(t, { port: srv.port, clients: 50, requests, pipeline, keyspace: 1_000_000 });
            const key = `${t.name}|${pipeline}`;
            if (!results.has(key)) results.set(key, { name: t.name, note: t.note, rps: { redis: [], respite: [] } });
            results.get(key)!.rps[srv.name].push(rps);
            console.log(`${srv.name} ${t.name} -P ${pipeline}: ${fmt(rps)}/s`);
          }
          const key = `${random.name}|${pipeline}`;
          if (!results.has(key)) results.set(key, { name: random.name, note: random.note, rps: { redis: [], respite: [] } });
          const rps = await randomSetbit(srv.port, args.requests, 50, pipeline);
          results.get(key)!.rps[srv.name].push(rps);
          console.log(`${srv.name} ${random.name} -P ${pipeline}: ${fmt(rps)}/s`);
        }
      } finally {
        await srv.stop();
      }
    }
  }
  const text = report(args, results);
  console.log('\n' + text);
  if (args.write) writeSection(args.out, text);
}

function report(args: Args, results: Map<string, Row>): string {
  const m = machineInfo();
  const out: string[] = [];
  out.push('## Bitmaps and HyperLogLog');
  out.push('');
  out.push(`Measured by \`node dist/bench/bitmap-hll.js\` on ${m.date.slice(0, 10)}: ${m.cpus} CPUs (${m['cpu model']}), node ${m.node}, redis ${m.redis}.`);
  out.push(`redis-benchmark, 50 clients, ${fmt(args.requests)} requests (fewer for the full-bitmap rows), median of ${args.rounds} rounds;`);
  out.push('each server runs alone, alternating which goes first. The 1 MB bitmap is created before the');
  out.push('runs. "random offsets" uses a small pipelined client of ours (redis-benchmark cannot make');
  out.push('random integers without leading zeros).');
  out.push('');
  out.push('| command | pipeline | redis-server | respite | respite / redis | note |');
  out.push('|---|---:|---:|---:|---:|---|');
  for (const [key, r] of results) {
    const pipeline = key.split('|')[1];
    const a = median(r.rps.redis);
    const b = median(r.rps.respite);
    out.push(`| ${r.name} | ${pipeline} | ${fmt(a)}/s | ${fmt(b)}/s | ${(b / a).toFixed(2)} | ${r.note} |`);
  }
  out.push('');
  return out.join('\n');
}

const NOTES_MARKER = '<!-- notes: kept across runs -->';

/** Replaces the section in results.md, or appends it below the notes marker of bench/run.ts. */
function writeSection(file: string, section: string): void {
  const title = '## Bitmaps and HyperLogLog';
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(title);
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
