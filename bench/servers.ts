// Starting and measuring the two servers the benchmark compares: the reference redis-server and
// respite-server (dist/bundle/cli.js, as npm start runs it), each in its own process on a free port.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface BenchServer {
  name: 'redis' | 'respite';
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** The bare Node.js reference server (bench/reference-server.ts). */
export interface ReferenceServer extends Omit<BenchServer, 'name'> {
  name: 'node';
}

/** BENCH_PORTS=7900-7999: hand out ports from that range (in turn) instead of any free one. */
const RANGE = /^(\d+)-(\d+)$/.exec(process.env.BENCH_PORTS ?? '');
let nextInRange = RANGE ? Number(RANGE[1]) : 0;

export async function freePort(): Promise<number> {
  if (RANGE) {
    for (let tries = Number(RANGE[2]) - Number(RANGE[1]) + 1; tries > 0; tries--) {
      const port = nextInRange;
      nextInRange = port >= Number(RANGE[2]) ? Number(RANGE[1]) : port + 1;
      if (await portIsFree(port)) return port;
    }
    throw new Error(`no free port in BENCH_PORTS=${process.env.BENCH_PORTS}`);
  }
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Seconds of CPU (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may hold spaces): utime is the 14th field.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

async function waitForPort(port: number, proc: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not start listening on ${port}`);
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
}

export async function startRedis(): Promise<BenchServer> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', '/tmp'], {
    stdio: 'ignore',
  });
  await waitForPort(port, proc, 'redis-server');
  return { name: 'redis', port, proc, stop: stopper(proc) };
}

/** respite-server from the build; extra node flags (e.g. --cpu-prof) go before the script. */
export async function startRespite(nodeFlags: string[] = []): Promise<BenchServer> {
  const port = await freePort();
  const cli = path.join(__dirname, '..', 'bundle', 'cli.js');
  // An empty directory of its own: never load a dump.rdb lying around in the working directory.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-bench-'));
  const proc = spawn(process.execPath, [...nodeFlags, cli, '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await waitForPort(port, proc, 'respite-server');
  return { name: 'respite', port, proc, stop: stopper(proc) };
}

/** The bare Node.js RESP server (bench/reference-server.ts): the ceiling respite is read against. */
export async function startReference(): Promise<ReferenceServer> {
  const port = await freePort();
  const script = path.join(__dirname, 'reference-server.js');
  const proc = spawn(process.execPath, [script, '--port', String(port)], { stdio: 'ignore' });
  await waitForPort(port, proc, 'reference server');
  return { name: 'node', port, proc, stop: stopper(proc) };
}

/** Resident set size of a process in bytes (VmRSS from /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export function machineInfo(): Record<string, string> {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  const version = (bin: string, args: string[]) => {
    try {
      return execFileSync(bin, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpus: version('nproc', []),
    'cpu model': cpu ? cpu[1].trim() : 'unknown',
    node: process.version,
    redis: version('redis-server', ['--version']).replace(/^Redis server v=(\S+).*/, '$1'),
    date: new Date().toISOString(),
  };
}

/** The median of the rounds (the mean of the middle two for an even count; NaN for none). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
