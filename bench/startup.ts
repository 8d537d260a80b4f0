// Startup times (issue 16), each in a fresh process, median of several rounds:
// - embedded: `require('respite')` to the first PONG of startServer(), wall and CPU time, with
//   Node's own boot (`node -e 0`) beside it since that is paid before any require. The package
//   entry is the bundle with its code cache (dist/bundle, scripts/bundle-server.mjs); the same
//   through dist/src (one file per module, no cache) is measured beside it;
// - redis-server spawned to its first PONG (the reference);
// - `npm start` (prestart included) to the first PONG, with a current build.
//
//   node dist/bench/startup.js [--rounds 5] [--no-npm]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, median } from './servers';

const ROOT = path.join(__dirname, '..', '..');

/** Milliseconds until a PING on port gets +PONG (polling), from t0 (performance.now()). */
async function untilPong(port: number, t0: number, limitMs = 60_000): Promise<number> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection({ port, host: '127.0.0.1' });
      s.once('error', () => resolve(false));
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
    if (ok) return performance.now() - t0;
    if (performance.now() - t0 > limitMs) throw new Error(`no PONG on ${port}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The embedded measurement, run in a child so the require is a cold one. */
function embedded(entry: string): string {
  return `
const c0 = process.cpuUsage(); const t0 = performance.now();
const { startServer } = require(${JSON.stringify(entry)});
startServer({ port: null }).then(async (s) => {
  await s.call('PING');
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, boot: (c0.user + c0.system) / 1000 }));
  await s.close();
});`;
}
/** The package's entry, as `require('respite')` resolves it. */
const PACKAGE_ENTRY = ROOT;
const UNBUNDLED_ENTRY = path.join(ROOT, 'dist', 'src', 'index.js');

async function spawnToPong(cmd: string, args: string[], port: number, cwd = ROOT): Promise<number> {
  const t0 = performance.now();
  const p = spawn(cmd, args, { cwd, stdio: 'ignore', detached: true });
  try {
    return await untilPong(port, t0);
  } finally {
    // npm start runs node under a shell: stop the whole process group it leads.
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      p.kill('SIGKILL');
    }
  }
}

export interface StartupResult {
  rounds: number;
  load: [number, number];
  /** require('respite') -> first PONG, per round (ms). */
  embedded: { wall: number; cpu: number; boot: number }[];
  /** The same through dist/src, without the bundle and its code cache. */
  unbundled: { wall: number; cpu: number; boot: number }[];
  /** `node -e 0`, wall (ms). */
  nodeBoot: number[];
  redis: number[];
  /** `npm start` with a current build -> first PONG (ms); empty when not measured. */
  npmStart: number[];
}

export async function measureStartup(rounds: number, npm: boolean): Promise<StartupResult> {
  const res: StartupResult = { rounds, load: [os.loadavg()[0], 0], embedded: [], unbundled: [], nodeBoot: [], redis: [], npmStart: [] };
  for (let r = 0; r < rounds; r++) {
    res.embedded.push(JSON.parse(execFileSync(process.execPath, ['-e', embedded(PACKAGE_ENTRY)], { encoding: 'utf8' })));
    res.unbundled.push(JSON.parse(execFileSync(process.execPath, ['-e', embedded(UNBUNDLED_ENTRY)], { encoding: 'utf8' })));
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    res.nodeBoot.push(performance.now() - t0);
    const rp = await freePort();
    res.redis.push(await spawnToPong('redis-server', ['--port', String(rp), '--save', '', '--appendonly', 'no'], rp));
    if (npm) {
      const np = await freePort();
      res.npmStart.push(await spawnToPong('npm', ['start', '--silent', '--', '--port', String(np), '--save', '', '--appendonly', 'no', '--dir', mkdtempSync(path.join(os.tmpdir(), 'respite-startup-'))], np));
    }
  }
  res.load[1] = os.loadavg()[0];
  return res;
}

/** Issue 16's startup targets: embedded require -> PONG CPU, and npm start with a current build. */
export const STARTUP_TARGETS = { embeddedCpuMs: 60, npmStartMs: 2000 };

export function startupLines(res: StartupResult): string[] {
  const f = (x: number) => `${x.toFixed(0)} ms`;
  const { embedded: emb, unbundled, nodeBoot, redis, npmStart } = res;
  const cpu = median(emb.map((e) => e.cpu));
  const lines = [
    `Startup, median of ${res.rounds} rounds, load average ${res.load[0].toFixed(1)} -> ${res.load[1].toFixed(1)}:`,
    `- embedded require('respite') -> first PONG: wall ${f(median(emb.map((e) => e.wall)))}, CPU ${f(cpu)} (rounds, wall: ${emb.map((e) => e.wall.toFixed(0)).join(' ')}; CPU: ${emb.map((e) => e.cpu.toFixed(0)).join(' ')}); target CPU <= ${STARTUP_TARGETS.embeddedCpuMs} ms: ${cpu <= STARTUP_TARGETS.embeddedCpuMs ? 'met' : '**not met**'}`,
    `- the same through dist/src (no bundle, no code cache): wall ${f(median(unbundled.map((e) => e.wall)))}, CPU ${f(median(unbundled.map((e) => e.cpu)))} (rounds, CPU: ${unbundled.map((e) => e.cpu.toFixed(0)).join(' ')})`,
    `- node -e 0 (Node's own boot, before any require): wall ${f(median(nodeBoot))}; CPU before the require ${f(median(emb.map((e) => e.boot)))}`,
    `- redis-server spawned -> first PONG: ${f(median(redis))} (rounds: ${redis.map((x) => x.toFixed(0)).join(' ')})`,
  ];
  if (npmStart.length) {
    const m = median(npmStart);
    lines.push(`- npm start (current build) -> first PONG: ${f(m)} (rounds: ${npmStart.map((x) => x.toFixed(0)).join(' ')}); target < ${STARTUP_TARGETS.npmStartMs} ms: ${m < STARTUP_TARGETS.npmStartMs ? 'met' : '**not met**'}`);
  }
  return lines;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(argv[i + 1]) : 5;
  const res = await measureStartup(rounds, !argv.includes('--no-npm'));
  process.stdout.write(startupLines(res).join('\n') + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
