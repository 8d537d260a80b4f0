// Memory per key: loaders for bench/run.ts, and a suite of its own (main below) that measures the
// RSS growth of strings, small hashes, sets, sorted sets and lists, a big sorted set and large
// values against redis-server in the same run.
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchServer, freePort, median, rssBytes, startRedis } from './servers';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

const pad = (i: number, w: number) => String(i).padStart(w, '0');

/** SET key:<12 digits> val:<12 digits> for i in [0, count): 16-byte keys and values. */
export async function loadKeys(port: number, count: number, batch = 10_000): Promise<void> {
  await loadMany(port, count, (i) => ['SET', `key:${pad(i, 12)}`, `val:${pad(i, 12)}`], batch);
}

/** One command's reply as text (enough for INFO and DBSIZE in this tool). */
export async function command(port: number, ...args: string[]): Promise<string> {
  const sock = await connect(port);
  try {
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    return await new Promise<string>((resolve, reject) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        const complete = buf[0] === '$' ? buf.length >= buf.indexOf('\r\n') + 2 + Number(buf.slice(1, buf.indexOf('\r\n'))) + 2 : buf.endsWith('\r\n');
        if (buf.indexOf('\r\n') > 0 && complete) resolve(buf);
      });
      sock.once('error', reject);
      sock.write(s);
    });
  } finally {
    sock.destroy();
  }
}

/**
 * Fills one sorted set (`ZADD key <i> member:<9 digits>`) or one hash (`HSET key field:<10
 * digits> value:<10 digits>`) with `count` 16-byte members, 1,000 per command, 10 commands per
 * round trip.
 */
export async function loadCollection(port: number, kind: 'zset' | 'hash', key: string, count: number): Promise<void> {
  const sock = await connect(port);
  const perCommand = 1000;
  const perTrip = 10;
  try {
    for (let start = 0; start < count; ) {
      let payload = '';
      let commands = 0;
      for (; commands < perTrip && start < count; commands++) {
        const n = Math.min(perCommand, count - start);
        payload += `*${2 + 2 * n}\r\n$${kind === 'zset' ? '4\r\nZADD' : '4\r\nHSET'}\r\n$${key.length}\r\n${key}\r\n`;
        for (let i = start; i < start + n; i++) {
          const d = String(i).padStart(kind === 'zset' ? 9 : 10, '0');
          const a = kind === 'zset' ? String(i) : `field:${d}`;
          const b = kind === 'zset' ? `member:${d}` : `value:${d}`;
          payload += `$${a.length}\r\n${a}\r\n$${b.length}\r\n${b}\r\n`;
        }
        start += n;
      }
      const reply = await readLines(sock, Buffer.from(payload, 'latin1'), commands);
      if (reply.includes('-')) throw new Error(`unexpected reply while loading: ${reply.slice(0, 200)}`);
    }
  } finally {
    sock.destroy();
  }
}

/** Writes `payload` and resolves with the replies once `lines` CRLF-terminated lines arrived. */
function readLines(sock: net.Socket, payload: Buffer, lines: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let seen = 0;
    const onData = (d: Buffer) => {
      const chunk = d.toString('latin1');
      text += chunk;
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) seen++;
      if (seen >= lines) {
        sock.off('data', onData);
        sock.off('error', reject);
        resolve(text);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(payload);
  });
}

// ---- The memory suite: `node dist/bench/memory.js [--rounds 3] [--n 1000000] [--only a,b]` ----
// Each scenario starts a fresh redis-server and a fresh respite-server, measures RSS before and
// after loading, and reports the growth of both and their ratio. Rounds alternate the servers.

/** Sends `count` commands built by `make(i)` in pipelined batches; every reply must be one line. */
export async function loadMany(port: number, count: number, make: (i: number) => string[], batch = 5000): Promise<void> {
  const sock = await connect(port);
  try {
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      let s = '';
      for (let i = start; i < start + n; i++) {
        const argv = make(i);
        s += `*${argv.length}\r\n`;
        for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
      }
      const reply = await readLines(sock, Buffer.from(s, 'latin1'), n);
      if (reply.includes('-')) throw new Error(`unexpected reply while loading: ${reply.slice(0, 200)}`);
    }
  } finally {
    sock.destroy();
  }
}


/** What one scenario loads, and how many keys DBSIZE must report afterwards. */
/**
 * What a scenario's target applies to: `growth` (RSS growth while loading, respite / redis),
 * `total` (RSS once loaded, respite / redis), `absolute` (respite's RSS in MB, empty server), or
 * `values` (respite's RSS after MEMORY PURGE over the size of the values, large values).
 */
export type Measure = 'growth' | 'total' | 'absolute' | 'values';

export interface Scenario {
  name: string;
  what: string;
  target: number | null;
  measure: Measure;
  /** Keys (or values) loaded for a run of n; the empty server and large values ignore n. */
  count?: (n: number) => number;
  load(port: number, n: number): Promise<number>;
}

const five = [0, 1, 2, 3, 4];
const LARGE_VALUES = 600;
export const SCENARIOS: Scenario[] = [
  { name: 'empty', what: 'empty server (respite RSS, MB)', target: 40, measure: 'absolute', count: () => 0, load: async () => 0 },
  // Issue 16 asks for the RSS of the loaded server (the empty server's RSS included).
  { name: 'strings', what: 'N string keys, 16-byte keys and values (RSS loaded)', target: 1.5, measure: 'total', load: async (p, n) => (await loadKeys(p, n), n) },
  {
    name: 'hashes',
    what: 'N hashes of 5 fields (HSET hash:<10 digits> field0 value:<8 digits> ... field4 ...)',
    target: 1.5,
    measure: 'growth',
    load: async (p, n) => (await loadMany(p, n, (i) => ['HSET', `hash:${pad(i, 10)}`, ...five.flatMap((f) => [`field${f}`, `value:${pad(i + f, 8)}`])]), n),
  },
  {
    name: 'intsets',
    what: 'N sets of 5 integer members (SADD set:<10 digits> <5 integers>: intset)',
    target: 1.5,
    measure: 'growth',
    load: async (p, n) => (await loadMany(p, n, (i) => ['SADD', `set:${pad(i, 10)}`, ...five.map((f) => String(i * 5 + f))]), n),
  },
  {
    name: 'sets',
    what: 'N sets of 5 string members (SADD set:<10 digits> member:<8 digits> x5: hashtable in Redis 7.0)',
    target: 1.5,
    measure: 'growth',
    load: async (p, n) => (await loadMany(p, n, (i) => ['SADD', `set:${pad(i, 10)}`, ...five.map((f) => `member:${pad(i + f, 8)}`)]), n),
  },
  {
    name: 'zsets',
    what: 'N sorted sets of 5 members (ZADD zset:<10 digits> <i> member:<8 digits> x5)',
    target: 1.5,
    measure: 'growth',
    load: async (p, n) => (await loadMany(p, n, (i) => ['ZADD', `zset:${pad(i, 10)}`, ...five.flatMap((f) => [String(i + f), `member:${pad(i + f, 8)}`])]), n),
  },
  {
    name: 'bigzset',
    what: 'one sorted set of N members (16-byte members)',
    target: 1.6,
    measure: 'growth',
    load: async (p, n) => (await loadCollection(p, 'zset', 'bench:zset', n), 1),
  },
  {
    name: 'bighash',
    what: 'one hash of N fields (16-byte fields and values)',
    target: null,
    measure: 'growth',
    load: async (p, n) => (await loadCollection(p, 'hash', 'bench:hash', n), 1),
  },
  {
    name: 'lists',
    what: 'N lists of 5 elements (RPUSH list:<10 digits> element:<8 digits> x5)',
    target: null,
    measure: 'growth',
    load: async (p, n) => (await loadMany(p, n, (i) => ['RPUSH', `list:${pad(i, 10)}`, ...five.map((f) => `element:${pad(i + f, 8)}`)]), n),
  },
  {
    name: 'large',
    what: `${LARGE_VALUES} values of 1 MB through ioredis auto-pipelining (respite RSS after MEMORY PURGE / their size)`,
    target: 1.3,
    measure: 'values',
    count: () => LARGE_VALUES,
    load: async (p) => (await largeValues(p, LARGE_VALUES), LARGE_VALUES),
  },
];

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` values of 1 MB written and read back through ioredis with auto-pipelining, then RSS. */
async function largeValues(port: number, count: number): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const IORedis = require('ioredis') as typeof import('ioredis').default;
  const client = new IORedis({ port, host: '127.0.0.1', enableAutoPipelining: true, lazyConnect: false });
  try {
    const value = Buffer.alloc(1 << 20, 'x');
    const keys = Array.from({ length: count }, (_, i) => `large:${i}`);
    await Promise.all(keys.map((k, i) => client.set(k, Buffer.concat([Buffer.from(String(i).padStart(8, '0')), value.subarray(8)]))));
    const back = await Promise.all(keys.map((k) => client.getBuffer(k)));
    back.forEach((b, i) => {
      if (b === null || b.length !== value.length || b.subarray(0, 8).toString() !== String(i).padStart(8, '0')) throw new Error(`large value ${i} came back wrong`);
    });
  } finally {
    client.disconnect();
  }
}

/** RSS of one server (bytes) before loading, once loaded, and after MEMORY PURGE and a second. */
export interface Sample {
  before: number;
  after: number;
  afterGc: number;
}

async function runScenario(sc: Scenario, n: number, start: () => Promise<BenchServer>): Promise<Sample> {
  const srv = await start();
  try {
    // redis-server loads a dump.rdb it finds in its --dir: start from an empty keyspace.
    await command(srv.port, 'FLUSHALL');
    await settle(500);
    const before = rssBytes(srv.proc.pid!);
    const keys = await sc.load(srv.port, n);
    await settle(1000);
    const size = await command(srv.port, 'DBSIZE');
    if (Number(size.slice(1)) !== keys) throw new Error(`${srv.name}: DBSIZE ${size.trim()}, expected ${keys}`);
    const after = rssBytes(srv.proc.pid!);
    await command(srv.port, 'MEMORY', 'PURGE');
    await settle(1000);
    return { before, after, afterGc: rssBytes(srv.proc.pid!) };
  } finally {
    await srv.stop();
  }
}

/**
 * respite-server as servers.ts starts it, but waiting up to a minute for its port: on a loaded
 * machine its start takes longer than servers.ts allows, and a server that fails is killed.
 */
async function startRespite(): Promise<BenchServer> {
  const port = await freePort();
  const cli = path.join(__dirname, '..', 'bundle', 'cli.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-bench-'));
  const proc = spawn(process.execPath, [cli, '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  for (const until = Date.now() + 60_000; ; ) {
    try {
      await command(port, 'PING');
      return { name: 'respite', port, proc, stop };
    } catch (e) {
      if (Date.now() > until || proc.exitCode !== null) {
        await stop();
        throw e;
      }
      await settle(100);
    }
  }
}

const MB = (b: number) => (b / 1048576).toFixed(1);

export interface ScenarioResult {
  scenario: Scenario;
  n: number;
  rounds: { redis: Sample; respite: Sample; value: number }[];
  /** Median over the rounds of the figure the target applies to (see Measure). */
  value: number;
}

/** The figure a scenario's target is read against, for one round. */
function valueOf(sc: Scenario, n: number, redis: Sample, respite: Sample): number {
  switch (sc.measure) {
    case 'absolute':
      return respite.before / 1048576;
    case 'total':
      return respite.after / redis.after;
    case 'values':
      return respite.afterGc / ((sc.count?.(n) ?? n) * 1048576);
    case 'growth':
      return (respite.after - respite.before) / (redis.after - redis.before);
  }
}

/** Runs the named scenarios (all by default), `rounds` times each, redis-server then respite. */
export async function memorySuite(n: number, rounds: number, names?: string[], log: (s: string) => void = () => undefined): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const sc of SCENARIOS.filter((x) => !names || names.includes(x.name))) {
    const count = sc.count?.(n) ?? n;
    const res: ScenarioResult = { scenario: sc, n: count, rounds: [], value: NaN };
    for (let r = 0; r < rounds; r++) {
      const redis = await runScenario(sc, count, startRedis);
      const respite = await runScenario(sc, count, startRespite);
      const value = valueOf(sc, count, redis, respite);
      res.rounds.push({ redis, respite, value });
      log(`memory ${sc.name} round ${r + 1}: redis ${MB(redis.before)} -> ${MB(redis.after)} MB, respite ${MB(respite.before)} -> ${MB(respite.after)} MB (${MB(respite.afterGc)} after PURGE): ${value.toFixed(2)}`);
    }
    res.value = median(res.rounds.map((x) => x.value));
    out.push(res);
  }
  return out;
}

const unit = (m: Measure) => (m === 'absolute' ? ' MB' : 'x');

/** Markdown table of a memory suite's results (the median round of each scenario). */
export function memoryTable(results: ScenarioResult[]): string[] {
  const lines = [
    '| scenario | redis before → after (growth) | respite before → after (growth) | respite after MEMORY PURGE (growth) | growth ratio | total ratio | target | per round |',
    '|---|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const r of results) {
    const sc = r.scenario;
    const mid = [...r.rounds].sort((a, b) => a.value - b.value)[r.rounds.length >> 1];
    const { redis, respite } = mid;
    const g1 = redis.after - redis.before;
    const g2 = respite.after - respite.before;
    const growth = sc.measure === 'absolute' ? '' : `${(g2 / g1).toFixed(2)}x`;
    const fig = `${r.value.toFixed(sc.measure === 'absolute' ? 1 : 2)}${unit(sc.measure)}`;
    const target = sc.target === null ? '' : `${sc.measure === 'absolute' ? 'RSS' : sc.measure} ${fig} <= ${sc.target}${unit(sc.measure)}: ${r.value <= sc.target ? 'met' : '**not met**'}`;
    lines.push(
      `| ${sc.name}: ${sc.what.replace(/\bN\b/g, r.n.toLocaleString('en-US'))} | ${MB(redis.before)} → ${MB(redis.after)} MB (${MB(g1)}) | ${MB(respite.before)} → ${MB(respite.after)} MB (${MB(g2)}) | ${MB(respite.afterGc)} MB (${MB(respite.afterGc - respite.before)}) | ${growth} | ${(respite.after / redis.after).toFixed(2)}x | ${target} | ${r.rounds.map((x) => x.value.toFixed(2)).join(' ')} |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const rounds = Number(opt('--rounds', '1'));
  const n = Number(opt('--n', '1000000'));
  const only = opt('--only', '');
  const results = await memorySuite(n, rounds, only ? only.split(',') : undefined, (s) => console.log(s));
  console.log(['', ...memoryTable(results)].join('\n'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
