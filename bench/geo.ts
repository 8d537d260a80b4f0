// Geo throughput, respite-server vs redis-server in the same run (not part of npm test): GEOSEARCH
// variants on a set of 10,000 seeded points, plus GEOADD, GEODIST and GEOPOS, with redis-benchmark
// custom commands. Prints a markdown table; --write appends (or replaces) a "Geo" section in
// bench/results.md.
//
//   node dist/bench/geo.js [--requests 50000] [--rounds 2] [--write]
//
// A benchmark is a measurement, never a test: nothing here fails on a slow result.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BenchTest, runBenchmark } from './redis-benchmark';
import { BenchServer, machineInfo, startRedis, startRespite } from './servers';

interface Args {
  requests: number;
  rounds: number;
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { requests: 50_000, rounds: 2, write: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--requests') a.requests = Number(argv[++i]);
    else if (argv[i] === '--rounds') a.rounds = Number(argv[++i]);
    else if (argv[i] === '--write') a.write = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

const POINTS = 10_000;
const KEY = 'bench:geo';

/** 10,000 points spread evenly over about 1,600 x 1,600 km (lon 5..20, lat 35..50). */
function points(): string[] {
  let seed = 42;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const args: string[] = [];
  for (let i = 0; i < POINTS; i++) args.push((5 + rand() * 15).toFixed(6), (35 + rand() * 15).toFixed(6), `p${i}`);
  return args;
}

const TESTS: (BenchTest & { share: number; note: string })[] = [
  { name: 'GEOSEARCH BYRADIUS 50 km', command: ['GEOSEARCH', KEY, 'FROMLONLAT', '13.4', '42.1', 'BYRADIUS', '50', 'km'], share: 1, note: 'about 30 results, unsorted' },
  { name: 'GEOSEARCH BYRADIUS 200 km ASC COUNT 10 WITHDIST', command: ['GEOSEARCH', KEY, 'FROMLONLAT', '13.4', '42.1', 'BYRADIUS', '200', 'km', 'ASC', 'COUNT', '10', 'WITHDIST'], share: 0.5, note: 'about 490 candidates, partial sort' },
  { name: 'GEOSEARCH BYBOX 100x100 km WITHCOORD', command: ['GEOSEARCH', KEY, 'FROMMEMBER', 'p5000', 'BYBOX', '100', '100', 'km', 'ASC', 'WITHCOORD'], share: 1, note: 'about 40 results with coordinates' },
  { name: 'GEORADIUS 10 km', command: ['GEORADIUS', KEY, '13.4', '42.1', '10', 'km'], share: 1, note: 'deprecated form, small area' },
  { name: 'GEOADD (random members)', command: ['GEOADD', 'bench:geo:add', '13.361389', '38.115556', 'm:__rand_int__'], share: 1, note: '' },
  { name: 'GEODIST', command: ['GEODIST', KEY, 'p1', 'p2', 'km'], share: 1, note: '' },
  { name: 'GEOPOS (2 members)', command: ['GEOPOS', KEY, 'p1', 'p2'], share: 1, note: '' },
];

function load(port: number, args: string[]): void {
  for (let i = 0; i < args.length; i += 3000) execFileSync('redis-cli', ['-p', String(port), 'GEOADD', KEY, ...args.slice(i, i + 3000)], { encoding: 'latin1' });
  const n = execFileSync('redis-cli', ['-p', String(port), 'ZCARD', KEY], { encoding: 'latin1' }).trim();
  if (n !== String(POINTS)) throw new Error(`loaded ${n} points on port ${port}`);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const servers: BenchServer[] = [await startRedis(), await startRespite()];
  const rows: { name: string; note: string; rps: Record<string, number> }[] = [];
  try {
    const pts = points();
    for (const s of servers) load(s.port, pts);
    for (const t of TESTS) {
      const rps: Record<string, number> = {};
      for (const s of servers) {
        let best = 0;
        for (let r = 0; r < a.rounds; r++) {
          const v = await runBenchmark(t, { port: s.port, clients: 50, requests: Math.max(1000, Math.round(a.requests * t.share)), pipeline: 1, keyspace: 1_000_000 });
          best = Math.max(best, v);
        }
        rps[s.name] = best;
      }
      rows.push({ name: t.name, note: t.note, rps });
      console.error(`${t.name}: redis ${rps.redis.toFixed(0)} rps, respite ${rps.respite.toFixed(0)} rps`);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  const m = machineInfo();
  const lines = [
    '## Geo',
    '',
    `GEOSEARCH and friends on a geo set of ${POINTS} points (lon 5..20, lat 35..50), redis-benchmark with 50 clients, no pipelining, best of ${a.rounds} rounds. ${m.cpus} CPUs (${m['cpu model']}), node ${m.node}, redis ${m.redis}, ${m.date}.`,
    '',
    '| command | redis-server rps | respite rps | respite / redis | note |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.name} | ${r.rps.redis.toFixed(0)} | ${r.rps.respite.toFixed(0)} | ${(r.rps.respite / r.rps.redis).toFixed(2)} | ${r.note} |`),
    '',
  ];
  const text = lines.join('\n');
  console.log(text);
  if (a.write) {
    const file = path.join(__dirname, '..', '..', 'bench', 'results.md');
    const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const re = /## Geo\n[\s\S]*?(?=\n## |$)/;
    writeFileSync(file, re.test(old) ? old.replace(re, text.trimEnd() + '\n') : `${old.trimEnd()}\n\n${text}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
