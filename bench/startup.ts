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
import { freePort } from './servers';

const ROOT = path.join(__dirname, '..', '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(argv[i + 1]) : 5;
  const npm = !argv.includes('--no-npm');
  const load0 = os.loadavg()[0];
  const emb: { wall: number; cpu: number; boot: number }[] = [];
  const unbundled: { wall: number; cpu: number; boot: number }[] = [];
  const nodeBoot: number[] = [];
  const redis: number[] = [];
  const npmStart: number[] = [];
  for (let r = 0; r < rounds; r++) {
    emb.push(JSON.parse(execFileSync(process.execPath, ['-e', embedded(PACKAGE_ENTRY)], { encoding: 'utf8' })));
    unbundled.push(JSON.parse(execFileSync(process.execPath, ['-e', embedded(UNBUNDLED_ENTRY)], { encoding: 'utf8' })));
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    nodeBoot.push(performance.now() - t0);
    const rp = await freePort();
    redis.push(await spawnToPong('redis-server', ['--port', String(rp), '--save', '', '--appendonly', 'no'], rp));
    if (npm) {
      const np = await freePort();
      npmStart.push(await spawnToPong('npm', ['start', '--silent', '--', '--port', String(np), '--save', '', '--appendonly', 'no', '--dir', mkdtempSync(path.join(os.tmpdir(), 'respite-startup-'))], np));
    }
  }
  const f = (x: number) => `${x.toFixed(0)} ms`;
  const lines = [
    `Startup, median of ${rounds} rounds, load average ${load0.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)}:`,
    `- embedded require('respite') -> first PONG: wall ${f(median(emb.map((e) => e.wall)))}, CPU ${f(median(emb.map((e) => e.cpu)))} (rounds, wall: ${emb.map((e) => e.wall.toFixed(0)).join(' ')}; CPU: ${emb.map((e) => e.cpu.toFixed(0)).join(' ')})`,
    `- the same through dist/src (no bundle, no code cache): wall ${f(median(unbundled.map((e) => e.wall)))}, CPU ${f(median(unbundled.map((e) => e.cpu)))} (rounds, CPU: ${unbundled.map((e) => e.cpu.toFixed(0)).join(' ')})`,
    `- node -e 0 (Node's own boot, before any require): wall ${f(median(nodeBoot))}; CPU before the require ${f(median(emb.map((e) => e.boot)))}`,
    `- redis-server spawned -> first PONG: ${f(median(redis))} (rounds: ${redis.map((x) => x.toFixed(0)).join(' ')})`,
  ];
  if (npm) lines.push(`- npm start (current build) -> first PONG: ${f(median(npmStart))} (rounds: ${npmStart.map((x) => x.toFixed(0)).join(' ')})`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
