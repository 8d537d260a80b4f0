// Persistence figures, redis-server and respite-server side by side in the same run:
//   - SAVE and startup-load throughput (keys/s) for N mixed keys (70% strings, 10% hashes,
//     10% lists, 5% sets, 5% sorted sets), and the RDB size,
//   - BGSAVE's extra memory while a client rewrites keys (respite: RSS peak over the baseline and
//     its copy-on-write bytes; redis: rdb_last_cow_size of the forked child), and how many
//     commands the server answered during the BGSAVE,
//   - AOF write throughput (redis-benchmark SET) with appendfsync always and everysec.
// Usage: node dist/bench/persistence.js [--keys N] [--requests N] [--aof-only]
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBenchmark } from './redis-benchmark';
import { freePort, machineInfo, rssBytes } from './servers';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const CLI = path.join(__dirname, '..', 'bundle', 'cli.js');
type Kind = 'redis' | 'respite';

interface Proc {
  proc: ChildProcess;
  port: number;
}

async function start(kind: Kind, dir: string, extra: string[]): Promise<Proc> {
  const port = await freePort();
  const base = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra];
  const proc = kind === 'redis' ? spawn('redis-server', [...base, '--daemonize', 'no'], { stdio: 'ignore' }) : spawn(process.execPath, ['--max-old-space-size=8192', CLI, ...base], { stdio: 'ignore' });
  for (let i = 0; i < 2000; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return { proc, port };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${kind} did not start`);
}

function stop(p: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (p.proc.exitCode !== null) return resolve();
    p.proc.once('exit', () => resolve());
    p.proc.kill('SIGKILL');
  });
}

function encode(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

/** A connection sending pipelined commands and returning the raw replies of each batch. */
class Conn {
  private buf = '';
  private waiting: { n: number; resolve: (r: string[]) => void } | null = null;
  private replies: string[] = [];
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.parse();
    });
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  /** Parses complete replies (only the kinds these commands return: + - : $ and *-of-bulks). */
  private parse(): void {
    for (;;) {
      const end = replyEnd(this.buf, 0);
      if (end < 0) break;
      this.replies.push(this.buf.slice(0, end));
      this.buf = this.buf.slice(end);
    }
    if (this.waiting && this.replies.length >= this.waiting.n) {
      const w = this.waiting;
      this.waiting = null;
      const r = this.replies.splice(0, w.n);
      w.resolve(r);
    }
  }

  send(cmds: string[][]): Promise<string[]> {
    return new Promise((resolve) => {
      this.waiting = { n: cmds.length, resolve };
      this.sock.write(cmds.map(encode).join(''), 'latin1');
      this.parse();
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function replyEnd(s: string, p: number): number {
  const eol = s.indexOf('\r\n', p);
  if (eol < 0) return -1;
  const t = s[p];
  if (t === '+' || t === '-' || t === ':' || t === ',' || t === '_') return eol + 2;
  const n = Number(s.slice(p + 1, eol));
  if (t === '$') return n < 0 ? eol + 2 : eol + 2 + n + 2 <= s.length ? eol + 2 + n + 2 : -1;
  if (t === '*' || t === '%' || t === '~') {
    let q = eol + 2;
    const items = t === '%' ? 2 * n : n;
    for (let i = 0; i < Math.max(0, items); i++) {
      q = replyEnd(s, q);
      if (q < 0) return -1;
    }
    return q;
  }
  return -1;
}

function keyCommands(i: number): string[] {
  const k = `key:${i}`;
  const r = i % 20;
  if (r < 14) return ['SET', k, `value-${i}-${'x'.repeat(i % 32)}`];
  if (r < 16) return ['HSET', k, 'a', '1', 'b', '2', 'c', String(i), 'd', 'dddd', 'e', 'eeeeeeee'];
  if (r < 18) return ['RPUSH', k, 'one', 'two', 'three', String(i), 'five', 'six'];
  if (r < 19) return ['SADD', k, '1', '2', '3', String(i), 'member'];
  return ['ZADD', k, '1', 'a', '2', 'b', '3.5', 'c', String(i), 'd'];
}

async function populate(port: number, n: number): Promise<void> {
  const c = await Conn.open(port);
  for (let i = 0; i < n; i += 5000) {
    const batch: string[][] = [];
    for (let j = i; j < Math.min(n, i + 5000); j++) batch.push(keyCommands(j));
    await c.send(batch);
  }
  c.close();
}

async function info(c: Conn, section: string): Promise<Record<string, string>> {
  const [raw] = await c.send([['INFO', section]]);
  const out: Record<string, string> = {};
  for (const line of raw.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

async function rdbFigures(kind: Kind, keys: number): Promise<Record<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-persist-${kind}-`));
  const p = await start(kind, dir, []);
  await populate(p.port, keys);
  const c = await Conn.open(p.port);
  let t0 = performance.now();
  await c.send([['SAVE']]);
  const saveS = (performance.now() - t0) / 1000;
  const size = fs.statSync(path.join(dir, 'dump.rdb')).size;

  // BGSAVE while one client keeps rewriting collections and strings.
  const baseline = rssBytes(p.proc.pid!);
  let peak = baseline;
  let served = 0;
  t0 = performance.now();
  await c.send([['BGSAVE']]);
  const writer = await Conn.open(p.port);
  for (;;) {
    const batch: string[][] = [];
    for (let j = 0; j < 100; j++) batch.push(keyCommands(Math.floor(Math.random() * keys)));
    await writer.send(batch);
    served += 100;
    peak = Math.max(peak, rssBytes(p.proc.pid!));
    const i = await info(c, 'persistence');
    if (i.rdb_bgsave_in_progress === '0') {
      if (i.rdb_last_bgsave_status !== 'ok') throw new Error(`${kind} BGSAVE failed`);
      var cow = Number(i.rdb_last_cow_size);
      break;
    }
  }
  const bgsaveS = (performance.now() - t0) / 1000;
  writer.close();
  c.close();
  await stop(p);

  // Load at startup: time until the dataset answers.
  t0 = performance.now();
  const q = await start(kind, dir, []);
  const c2 = await Conn.open(q.port);
  for (;;) {
    const [r] = await c2.send([['DBSIZE']]);
    if (r.startsWith(':')) break;
    await new Promise((res) => setTimeout(res, 5));
  }
  const loadS = (performance.now() - t0) / 1000;
  c2.close();
  await stop(q);
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    'SAVE (keys/s)': fmt(keys / saveS),
    'load at startup (keys/s)': fmt(keys / loadS),
    'RDB size': mb(size),
    'BGSAVE time (s), with a writer': bgsaveS.toFixed(2),
    'commands served during BGSAVE': fmt(served),
    'BGSAVE extra RSS (peak - before)': mb(peak - baseline),
    'rdb_last_cow_size': mb(cow!),
  };
}

async function aofFigures(kind: Kind, fsync: string, requests: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-aof-${kind}-`));
  const p = await start(kind, dir, ['--appendonly', 'yes', '--appendfsync', fsync]);
  try {
    return await runBenchmark({ name: 'SET', t: 'set' }, { port: p.port, clients: 50, requests, pipeline: 1, keyspace: 100000 });
  } finally {
    await stop(p);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const keys = arg('--keys', 1_000_000);
  const requests = arg('--requests', 100_000);
  const m = machineInfo();
  const lines: string[] = [];
  lines.push(`## Persistence (bench/persistence.ts)`, '');
  lines.push(`${fmt(keys)} mixed keys (70% strings, 10% hashes, 10% lists, 5% sets, 5% sorted sets). ${m.cpus} cpus, node ${m.node}, redis ${m.redis}, ${m.date}.`, '');
  if (!process.argv.includes('--aof-only')) {
    const rows: Record<Kind, Record<string, string>> = { redis: await rdbFigures('redis', keys), respite: await rdbFigures('respite', keys) };
    lines.push('| | redis | respite |', '| --- | ---: | ---: |');
    for (const k of Object.keys(rows.redis)) lines.push(`| ${k} | ${rows.redis[k]} | ${rows.respite[k]} |`);
  }
  lines.push('', `AOF: redis-benchmark SET, 50 clients, ${fmt(requests)} requests, no pipelining (requests per second).`, '');
  lines.push('| appendfsync | redis | respite | ratio |', '| --- | ---: | ---: | ---: |');
  for (const fsync of ['always', 'everysec']) {
    const a = await aofFigures('redis', fsync, requests);
    const b = await aofFigures('respite', fsync, requests);
    lines.push(`| ${fsync} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)}x |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
