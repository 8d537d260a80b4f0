// Runs redis-benchmark against a port and reads the requests per second from its CSV output.
import { execFile } from 'node:child_process';

/** One benchmark: a built-in redis-benchmark test (-t) or a custom command line. */
export interface BenchTest {
  /** Row label in the results. */
  name: string;
  /** redis-benchmark -t name (set, get, incr, lpush, ...); the CSV row it produces is `row`. */
  t?: string;
  /** A custom command instead (e.g. ['ZADD', 'bench:z', '__rand_int__', 'm:__rand_int__']). */
  command?: string[];
  /** The CSV row to read ("SET", "MSET (10 keys)"); defaults to the first row. */
  row?: string;
  /** Requests per run, per pipelining mode (scaled down for slow commands). */
  requests?: { plain?: number; pipelined?: number };
  /** Commands sent before every run (fresh data for pops and ranges), given the run's requests. */
  setup?: (requests: number) => string[][];
  /** Setup is skipped when this key exists already (data the test only reads). */
  keep?: string;
  /** At most this many rounds (the slower collection tests run fewer than the core ones). */
  rounds?: number;
  /** Concurrent clients (default 50); 1 to time one slow command at a time. */
  clients?: number;
  /** The pipelining modes it runs in (default both). */
  modes?: ('plain' | 'pipelined')[];
  /** The bare Node.js reference server (bench/reference-server.ts) answers it too. */
  reference?: boolean;
}

export interface RunOptions {
  port: number;
  clients: number;
  requests: number;
  pipeline: number;
  keyspace: number;
}

export function runBenchmark(test: BenchTest, o: RunOptions): Promise<number> {
  const args = ['-h', '127.0.0.1', '-p', String(o.port), '-c', String(o.clients), '-n', String(o.requests), '-r', String(o.keyspace), '-P', String(o.pipeline), '-q', '--csv'];
  if (test.command) args.push(...test.command);
  else args.push('-t', test.t ?? test.name.toLowerCase());
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', args, { encoding: 'utf8', timeout: 600_000 }, (err, stdout) => {
      if (err) return reject(new Error(`redis-benchmark ${args.join(' ')} failed: ${err.message}`));
      const rows = parseCsv(stdout);
      const row = test.row ? rows.find((r) => r.test === test.row) : rows[0];
      if (!row || !(row.rps > 0)) return reject(new Error(`no result for ${test.name} in:\n${stdout}`));
      resolve(row.rps);
    });
  });
}

/** `"test","rps",...` header then one quoted row per test. */
export function parseCsv(out: string): { test: string; rps: number }[] {
  const rows: { test: string; rps: number }[] = [];
  for (const line of out.split('\n')) {
    const cells = line.trim().split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length < 2 || cells[0] === 'test') continue;
    const rps = Number(cells[1]);
    if (Number.isFinite(rps)) rows.push({ test: cells[0], rps });
  }
  return rows;
}
