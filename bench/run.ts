// npm run bench: redis-benchmark against the reference redis-server and respite-server side by
// side, interleaved over several rounds, then the memory scenarios of bench/memory.ts (strings,
// small and big collections, large values, the empty server) and startup (bench/startup.ts);
// writes bench/results.md.
//
//   node dist/bench/run.js [--rounds 5] [--only SET,GET] [--quick] [--no-memory] [--memory]
//                          [--keys 1000000] [--memory-rounds 3] [--no-startup] [--startup-rounds 5]
//                          [--out file.md]
//
// --quick (or BENCH_QUICK=1) runs a fifth of the requests, 3 rounds, no memory and no startup
// tests: a few minutes. Server CPU per request is read from /proc/<pid>/stat around each run, for redis-server,
// respite and (PING/SET/GET/INCR) a bare Node.js RESP server, the ceiling of a Node server.
//
// A benchmark is a measurement, never a test: nothing here fails on a slow result.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchTest, runBenchmark } from './redis-benchmark';
import { BenchServer, ReferenceServer, cpuSeconds, machineInfo, median, startRedis, startReference, startRespite } from './servers';
import { SCRIPT_TESTS } from './script-tests';
import { LEADERBOARD_TESTS } from './leaderboard-tests';
import { command, memorySuite, memoryTable, ScenarioResult } from './memory';
import { measureStartup, startupLines, StartupResult } from './startup';

/** Settings shared by the collection tests. */
const COLLECTION = { rounds: 3, requests: { plain: 50_000, pipelined: 200_000 } };

/** `prefix` followed by `count` generated arguments, split into commands of at most 10,000. */
function chunked(prefix: string[], count: number, arg: (i: number) => string | string[]): string[][] {
  const out: string[][] = [];
  for (let start = 0; start < count; start += 10_000) {
    const cmd = [...prefix];
    for (let i = start; i < Math.min(count, start + 10_000); i++) {
      const a = arg(i);
      if (typeof a === 'string') cmd.push(a);
      else cmd.push(...a);
    }
    out.push(cmd);
  }
  return out;
}

/** The throughput tests. Add a line here to benchmark another command. */
export const TESTS: BenchTest[] = [
  { name: 'PING', t: 'ping_mbulk', row: 'PING_MBULK', reference: true },
  { name: 'SET', t: 'set', reference: true },
  { name: 'GET', t: 'get', reference: true },
  { name: 'INCR', t: 'incr', reference: true },
  { name: 'MSET', t: 'mset', row: 'MSET (10 keys)', requests: { plain: 50_000, pipelined: 150_000 } },
  // Collections (issue 3): fewer rounds and requests so one `npm run bench` stays near 5 minutes.
  // Pops start from a collection holding one element per request, so none of them finds it empty.
  { name: 'LPUSH', t: 'lpush', ...COLLECTION },
  { name: 'RPOP', t: 'rpop', ...COLLECTION, setup: (n) => [['DEL', 'mylist'], ...chunked(['RPUSH', 'mylist'], n, () => 'xxx')] },
  { name: 'SADD', t: 'sadd', ...COLLECTION },
  { name: 'SPOP', t: 'spop', ...COLLECTION, setup: (n) => [['DEL', 'myset'], ...chunked(['SADD', 'myset'], n, (i) => `element:${i}`)] },
  { name: 'HSET', t: 'hset', ...COLLECTION },
  { name: 'ZADD', t: 'zadd', ...COLLECTION },
  {
    name: 'ZRANGE',
    command: ['ZRANGE', 'bench:zset', '0', '99'],
    ...COLLECTION,
    requests: { plain: 50_000, pipelined: 100_000 },
    setup: () => [['DEL', 'bench:zset'], ...chunked(['ZADD', 'bench:zset'], 1000, (i) => [String(i), `member:${i}`])],
  },
  {
    name: 'LRANGE_100',
    command: ['LRANGE', 'bench:list', '0', '99'],
    ...COLLECTION,
    requests: { plain: 30_000, pipelined: 60_000 },
    setup: () => [['DEL', 'bench:list'], ...chunked(['RPUSH', 'bench:list'], 100, () => 'xxx')],
  },
  // One stream growing by one entry per request (redis-benchmark 7.0 has no xadd test).
  { name: 'XADD', command: ['XADD', 'bench:stream', '*', 'field', '__rand_int__'], ...COLLECTION, setup: () => [['DEL', 'bench:stream']] },
  // Scripts (issue 18): EVALSHA / FCALL, trivial and ten redis.calls.
  ...SCRIPT_TESTS,
  // Leaderboards (issue 16): ZUNION / ZINTER / ZINTERSTORE of two 100k-member sorted sets.
  ...LEADERBOARD_TESTS,
];

interface Mode {
  key: 'plain' | 'pipelined';
  label: string;
  pipeline: number;
  requests: number;
}

const MODES: Mode[] = [
  { key: 'plain', label: 'no pipeline', pipeline: 1, requests: 100_000 },
  { key: 'pipelined', label: '-P 16', pipeline: 16, requests: 500_000 },
];

/**
 * Goals on requests per second (ratio respite/redis, at least). For the one-client leaderboard
 * rows that is the inverse of the time per call: 0.67 means at most 1.5x redis-server's time.
 */
const TARGETS: Record<Mode['key'], Record<string, number>> = {
  plain: { SET: 0.75, GET: 0.75, INCR: 0.75, LPUSH: 0.7, RPOP: 0.7, SADD: 0.7, SPOP: 0.7, HSET: 0.7, ZADD: 0.7, ZRANGE: 0.7, LRANGE_100: 0.7, ZUNION: 0.67, ZINTER: 0.67, ZINTERSTORE: 0.67 },
  pipelined: { SET: 0.6, GET: 0.6, INCR: 0.6 },
};
/**
 * Goals on server CPU per request (ratio respite/redis, at most): the machine's other load
 * disturbs it less than requests per second. Issue 16: SET/GET/INCR at -P 16 <= 1.6x, every
 * collection family <= 2.0x, the leaderboard commands <= 1.5x; issue 18 for the scripts.
 */
const CPU_TARGETS: Record<Mode['key'], Record<string, number>> = {
  plain: { EVALSHA: 3, EVALSHA_10: 2.5, FCALL: 3, FCALL_10: 2.5, ZUNION: 1.5, ZINTER: 1.5, ZINTERSTORE: 1.5 },
  pipelined: {
    SET: 1.6,
    GET: 1.6,
    INCR: 1.6,
    MSET: 2,
    LPUSH: 2,
    RPOP: 2,
    SADD: 2,
    SPOP: 2,
    HSET: 2,
    ZADD: 2,
    ZRANGE: 2,
    LRANGE_100: 2,
    XADD: 2,
    EVALSHA: 3,
    EVALSHA_10: 2.5,
    FCALL: 3,
    FCALL_10: 2.5,
  },
};
const CLIENTS = 50;
const KEYSPACE = 100_000;
/** --quick (or BENCH_QUICK=1): a fifth of the requests, 3 rounds, no memory tests. */
const QUICK_DIVISOR = 5;

interface Args {
  rounds: number;
  only: Set<string> | null;
  quick: boolean;
  memory: boolean;
  /** Keys (or members) per memory scenario, and rounds of each. */
  keys: number;
  memoryRounds: number;
  startup: boolean;
  startupRounds: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick') || /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
  const a: Args = {
    rounds: quick ? 3 : 5,
    only: null,
    quick,
    memory: !quick,
    keys: 1_000_000,
    memoryRounds: 3,
    startup: !quick,
    startupRounds: 5,
    out: path.join(__dirname, '..', '..', 'bench', 'results.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--rounds') a.rounds = Number(argv[++i]);
    else if (v === '--only') a.only = new Set(argv[++i].toUpperCase().split(','));
    else if (v === '--quick') a.quick = true;
    else if (v === '--no-memory') a.memory = false;
    else if (v === '--memory') a.memory = true;
    else if (v === '--keys') a.keys = Number(argv[++i]);
    else if (v === '--memory-rounds') a.memoryRounds = Number(argv[++i]);
    else if (v === '--no-startup') a.startup = false;
    else if (v === '--startup') a.startup = true;
    else if (v === '--startup-rounds') a.startupRounds = Number(argv[++i]);
    else if (v === '--out') a.out = argv[++i];
    else throw new Error(`unknown option ${v}`);
  }
  return a;
}

type AnyServer = BenchServer | ReferenceServer;
type ServerName = AnyServer['name'];

interface Row {
  test: BenchTest;
  mode: Mode;
  /** Requests per second and server CPU (user + system) per request in µs, per round. */
  rps: Record<ServerName, number[]>;
  cpu: Record<ServerName, number[]>;
  ratios: number[];
  cpuRatios: number[];
  /** The machine's 1-minute load average when each round of this row started. */
  load: number[];
}

/** The requests one run of a test makes in a mode. */
function requestsFor(t: BenchTest, mode: Mode, quick: boolean): number {
  const requests = t.requests?.[mode.key] ?? mode.requests;
  return quick && requests > 5_000 ? Math.max(5_000, Math.floor(requests / QUICK_DIVISOR)) : requests;
}

async function throughput(args: Args): Promise<Row[]> {
  const tests = TESTS.filter((t) => !args.only || args.only.has(t.name));
  const rows: Row[] = [];
  const empty = () => ({ redis: [], respite: [], node: [] });
  for (const mode of MODES) {
    for (const t of tests) {
      if (t.modes && !t.modes.includes(mode.key)) continue;
      rows.push({ test: t, mode, rps: empty(), cpu: empty(), ratios: [], cpuRatios: [], load: [] });
    }
  }
  const redis = await startRedis();
  const respite = await startRespite();
  const node = tests.some((t) => t.reference) ? await startReference() : null;
  try {
    for (let round = 0; round < args.rounds; round++) {
      // Alternate who goes first so drift (other load, thermal) does not favour one side.
      const all: AnyServer[] = [redis, respite, ...(node ? [node] : [])];
      const order: AnyServer[] = round % 2 === 0 ? all : all.reverse();
      for (const row of rows) {
        const t = row.test;
        if (round >= (t.rounds ?? args.rounds)) continue;
        const requests = requestsFor(t, row.mode, args.quick);
        const rps: Partial<Record<ServerName, number>> = {};
        const cpu: Partial<Record<ServerName, number>> = {};
        row.load.push(os.loadavg()[0]);
        for (const srv of order) {
          if (srv.name === 'node' && !t.reference) continue;
          if (t.keep === undefined || !(await command(srv.port, 'EXISTS', t.keep)).startsWith(':1')) {
            for (const cmd of t.setup?.(requests) ?? []) await command(srv.port, ...cmd);
          }
          const cpu0 = cpuSeconds(srv.proc.pid!);
          rps[srv.name] = await runBenchmark(t, { port: srv.port, clients: t.clients ?? CLIENTS, requests, pipeline: row.mode.pipeline, keyspace: KEYSPACE });
          cpu[srv.name] = ((cpuSeconds(srv.proc.pid!) - cpu0) * 1e6) / requests;
        }
        for (const name of ['redis', 'respite', 'node'] as const) {
          if (rps[name] === undefined) continue;
          row.rps[name].push(rps[name]!);
          row.cpu[name].push(cpu[name]!);
        }
        const ratio = rps.respite! / rps.redis!;
        const cpuRatio = cpu.respite! / cpu.redis!;
        row.ratios.push(ratio);
        row.cpuRatios.push(cpuRatio);
        const ref = rps.node === undefined ? '' : ` node ${cpu.node!.toFixed(1)} (${(cpu.node! / cpu.redis!).toFixed(2)}x)`;
        log(
          `round ${round + 1} ${t.name.padEnd(11)} ${row.mode.label.padEnd(11)} load ${row.load[row.load.length - 1].toFixed(1).padStart(4)}` +
            ` rps redis ${fmt(rps.redis!)} respite ${fmt(rps.respite!)} (${ratio.toFixed(2)})` +
            `  cpu us/req redis ${cpu.redis!.toFixed(1)} respite ${cpu.respite!.toFixed(1)} (${cpuRatio.toFixed(2)}x)${ref}`,
        );
      }
    }
  } finally {
    await redis.stop();
    await respite.stop();
    await node?.stop();
  }
  return rows;
}

function fmt(n: number): string {
  // The one-client leaderboard rows run a few calls per second.
  if (n < 100) return n.toFixed(2).padStart(9);
  return Math.round(n).toLocaleString('en-US').padStart(9);
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function log(s: string): void {
  process.stdout.write(s + '\n');
}

function report(args: Args, rows: Row[], mem: ScenarioResult[] | null, startup: StartupResult | null, seconds: number, loadBefore: number): string {
  const info = machineInfo();
  // Other work on the machine skews the numbers: say how busy it was.
  info['load average (1 min) before / after'] = `${loadBefore.toFixed(2)} / ${os.loadavg()[0].toFixed(2)}`;
  const out: string[] = [];
  out.push('# respite benchmark results', '');
  out.push(`Generated by \`npm run bench\` (${seconds.toFixed(0)} s). redis-benchmark, ${CLIENTS} clients, random keys over ${KEYSPACE.toLocaleString('en-US')}, ${args.rounds} interleaved rounds (at most ${COLLECTION.rounds} for the collection tests)${args.quick ? `, quick mode (1/${QUICK_DIVISOR} of the requests)` : ''}.`, '');
  out.push('| machine | |', '| --- | --- |');
  for (const [k, v] of Object.entries(info)) out.push(`| ${k} | ${v} |`);
  out.push('', '## Throughput (requests per second, median of the rounds)', '');
  out.push(
    'load: the 1-minute load average at the start of each round (median). node: the bare Node.js reference server (bench/reference-server.ts). For the one-client rows (ZUNION, ZINTER, ZINTERSTORE) the ratio is the inverse of the time per call.',
    '',
  );
  out.push('| test | mode | load | redis | respite | node | ratio per round | median ratio | target |', '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | --- |');
  for (const r of rows) {
    const target = TARGETS[r.mode.key][r.test.name];
    const med = median(r.ratios);
    const verdict = target === undefined ? '' : `>= ${target}x ${med >= target ? 'met' : '**missed**'}`;
    const nodeRps = r.rps.node.length ? fmt(median(r.rps.node)).trim() : '';
    out.push(
      `| ${r.test.name} | ${r.mode.label} | ${median(r.load).toFixed(1)} | ${fmt(median(r.rps.redis)).trim()} | ${fmt(median(r.rps.respite)).trim()} | ${nodeRps} | ${r.ratios.map((x) => x.toFixed(2)).join(' ')} | ${med.toFixed(2)}x | ${verdict} |`,
    );
  }
  out.push('', '## Server CPU per request (µs of user + system time, /proc/<pid>/stat, median of the rounds)', '');
  out.push('| test | mode | load | redis | respite | node | respite/redis per round | respite/redis | node/redis | target |', '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |');
  for (const r of rows) {
    const target = CPU_TARGETS[r.mode.key][r.test.name];
    const med = median(r.cpuRatios);
    const verdict = target === undefined ? '' : `<= ${target}x ${med <= target ? 'met' : '**missed**'}`;
    const nodeCpu = r.cpu.node.length ? median(r.cpu.node).toFixed(1) : '';
    const nodeRatio = r.cpu.node.length ? `${median(r.cpu.node.map((x, i) => x / r.cpu.redis[i])).toFixed(2)}x` : '';
    out.push(
      `| ${r.test.name} | ${r.mode.label} | ${median(r.load).toFixed(1)} | ${median(r.cpu.redis).toFixed(1)} | ${median(r.cpu.respite).toFixed(1)} | ${nodeCpu} | ${r.cpuRatios.map((x) => x.toFixed(2)).join(' ')} | ${med.toFixed(2)}x | ${nodeRatio} | ${verdict} |`,
    );
  }
  out.push('', '## Targets', '');
  for (const mode of MODES) {
    for (const [test, target] of Object.entries(TARGETS[mode.key])) {
      const r = rows.find((x) => x.test.name === test && x.mode === mode);
      if (!r) continue;
      const med = median(r.ratios);
      const spread = `${Math.min(...r.ratios).toFixed(2)}-${Math.max(...r.ratios).toFixed(2)}`;
      out.push(`- ${test}, ${mode.label}: ${med.toFixed(2)}x of redis (rounds ${spread}); target >= ${target}x: ${med >= target ? 'met' : 'not met'}.`);
    }
  }
  for (const mode of MODES) {
    for (const [test, target] of Object.entries(CPU_TARGETS[mode.key])) {
      const r = rows.find((x) => x.test.name === test && x.mode === mode);
      if (!r) continue;
      const med = median(r.cpuRatios);
      const spread = `${Math.min(...r.cpuRatios).toFixed(2)}-${Math.max(...r.cpuRatios).toFixed(2)}`;
      out.push(`- ${test}, ${mode.label}: server CPU per request ${med.toFixed(2)}x of redis (rounds ${spread}); target <= ${target}x: ${med <= target ? 'met' : 'not met'}.`);
    }
  }
  if (mem) {
    out.push('', `## Memory (bench/memory.ts, ${args.memoryRounds} round${args.memoryRounds === 1 ? '' : 's'} per scenario, the median round shown)`, '');
    out.push(
      'Each scenario starts a fresh redis-server and a fresh respite-server, loads the data, waits a second and reads RSS (/proc); then MEMORY PURGE (a full GC in respite) and a second. growth ratio: respite RSS growth / redis RSS growth; total ratio: RSS once loaded. The target column says which figure each target of issue 16 is read on.',
      '',
    );
    out.push(...memoryTable(mem));
  }
  if (startup) {
    out.push('', '## Startup (bench/startup.ts)', '');
    out.push(...startupLines(startup));
  }
  return out.join('\n') + '\n';
}

const NOTES_MARKER = '<!-- notes: kept across runs -->';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const loadBefore = os.loadavg()[0];
  const rows = await throughput(args);
  let mem: ScenarioResult[] | null = null;
  if (args.memory) {
    log(`memory: ${args.memoryRounds} round(s) of each scenario, ${args.keys.toLocaleString('en-US')} keys or members...`);
    mem = await memorySuite(args.keys, args.memoryRounds, undefined, log);
  }
  let startup: StartupResult | null = null;
  if (args.startup) {
    log(`startup: ${args.startupRounds} rounds...`);
    startup = await measureStartup(args.startupRounds, true);
    for (const l of startupLines(startup)) log(l);
  }
  let text = report(args, rows, mem, startup, (Date.now() - t0) / 1000, loadBefore);
  // Hand-written analysis below the marker survives re-runs.
  if (existsSync(args.out)) {
    const old = readFileSync(args.out, 'utf8');
    const at = old.indexOf(NOTES_MARKER);
    if (at >= 0) text += '\n' + old.slice(at);
  }
  writeFileSync(args.out, text);
  log('\n' + text);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
