// CPU profile of respite's hot path under redis-benchmark: the server runs in this process with
// the V8 sampling profiler on, redis-benchmark drives it, and the functions with the most self
// time are printed. The .cpuprofile is written too (open it in Chrome DevTools).
//
//   node dist/bench/profile.js [--tests set,get,zrange (a bench row or a redis-benchmark -t name)] [--pipeline 16] [--requests 300000] [--out /tmp/respite.cpuprofile]
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { startServer } from '../src/index';
import { BenchTest, runBenchmark } from './redis-benchmark';
import { TESTS } from './run';
import { command } from './memory';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : def;
  };
  const tests = opt('tests', 'set,get').split(',');
  const pipeline = Number(opt('pipeline', '16'));
  const requests = Number(opt('requests', pipeline > 1 ? '400000' : '100000'));
  const out = opt('out', '/tmp/respite.cpuprofile');

  const server = await startServer({ port: 0 });
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  await post(session, 'Profiler.start');
  for (const t of tests) {
    // A row of the bench (ZRANGE, XADD, ...) with its setup, else a redis-benchmark -t name.
    const test: BenchTest = TESTS.find((x) => x.name === t.toUpperCase()) ?? { name: t.toUpperCase(), t };
    for (const cmd of test.setup?.(requests) ?? []) await command(server.port, ...cmd);
    const rps = await runBenchmark(test, { port: server.port, clients: 50, requests, pipeline, keyspace: 100_000 });
    process.stdout.write(`${t} -P ${pipeline}: ${Math.round(rps)} rps (profiler on)\n`);
  }
  const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
  session.disconnect();
  await server.close();
  writeFileSync(out, JSON.stringify(profile));

  // Self time per function (samples are taken at a fixed interval, so counts are proportional).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(dist|node:)/, '$1')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  process.stdout.write(`\nTop self time (${total} samples), profile in ${out}\n`);
  for (const [name, n] of top) process.stdout.write(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}\n`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
