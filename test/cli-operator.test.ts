// respite-server as an operator runs it: the distribution's stock redis.conf (daemonize yes,
// pidfile, logfile), supervision by systemd (readiness through NOTIFY_SOCKET), --test-memory and
// --version, and progress lines while a large data file loads.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './helpers/differential';
import { RespClient } from './helpers/resp-client';
import { killAfterTests } from './helpers/leftovers';
import { Reply, SimpleString } from '../src/resp/reply';

const CLI = path.join(__dirname, '..', 'src', 'cli.js');
const STOCK_CONF = '/etc/redis/redis.conf';
const CI = process.env.CI === 'true';

/** Processes to kill whatever happens, so a failed assertion does not leave servers running. */
const leftovers = killAfterTests();

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'respite-op-'));
}

/** The pid in a pid file once it is completely written, else undefined. */
function readPid(file: string): number | undefined {
  const s = fs.existsSync(file) ? fs.readFileSync(file, 'latin1') : '';
  return /^\d+\n$/.test(s) ? Number(s.trim()) : undefined;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function text(r: Reply): string {
  return r instanceof SimpleString ? r.value : String(r);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("Debian's stock redis.conf: daemonizes, writes pidfile and logfile, SHUTDOWN removes the pidfile", async (t) => {
  if (!fs.existsSync(STOCK_CONF)) {
    if (CI) assert.fail(`${STOCK_CONF} is missing (apt-get install redis-server)`);
    t.skip(`${STOCK_CONF} not found: install Debian's redis-server package to run this test`);
    return;
  }
  const dir = tmpDir();
  const port = await freePort();
  // Only what must differ on a test machine: port and paths.
  const conf = fs
    .readFileSync(STOCK_CONF, 'latin1')
    .replace(/^port .*$/m, `port ${port}`)
    .replace(/^pidfile .*$/m, `pidfile ${path.join(dir, 'redis.pid')}`)
    .replace(/^logfile .*$/m, `logfile ${path.join(dir, 'redis.log')}`)
    .replace(/^dir .*$/m, `dir ${dir}`);
  assert.match(conf, /^daemonize yes$/m);
  fs.writeFileSync(path.join(dir, 'redis.conf'), conf);

  // The command returns at once with status 0 and prints nothing, as redis-server does.
  const r = spawnSync(process.execPath, [CLI, path.join(dir, 'redis.conf')], { encoding: 'latin1', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '');

  const pidFile = path.join(dir, 'redis.pid');
  const pid = await waitFor('pid file', () => readPid(pidFile));
  leftovers.push(pid);
  assert.notEqual(pid, r.pid);
  const log = () => (fs.existsSync(path.join(dir, 'redis.log')) ? fs.readFileSync(path.join(dir, 'redis.log'), 'latin1') : '');
  await waitFor('ready line in the log file', () => log().includes('Ready to accept connections'));
  assert.match(log(), new RegExp(`^${pid}:M .* Configuration loaded$`, 'm'));

  const c = await RespClient.connect(port);
  assert.equal(text(await c.call('SET', 'k', 'v')), 'OK');
  const info = String(await c.call('INFO', 'server'));
  assert.match(info, new RegExp(`process_id:${pid}\r\n`));
  assert.match(info, /process_supervised:no\r\n/);
  assert.deepEqual(await c.call('CONFIG', 'GET', 'daemonize'), ['daemonize', 'yes']);
  await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  c.close();
  await waitFor('process exit', () => !alive(pid));
  assert.equal(fs.existsSync(pidFile), false);
  assert.match(log(), /Removing the pid file\.\n.*ready to exit, bye bye\.\.\.\n$/s);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('daemonize yes without pidfile: the pid goes to /var/run/redis.pid as with Redis', async (t) => {
  let writable = true;
  try {
    fs.accessSync('/var/run', fs.constants.W_OK);
  } catch {
    writable = false;
  }
  if (!writable || fs.existsSync('/var/run/redis.pid')) {
    t.skip('/var/run is not writable or already holds a redis.pid');
    return;
  }
  const dir = tmpDir();
  const port = await freePort();
  const r = spawnSync(process.execPath, [CLI, '--port', String(port), '--daemonize', 'yes', '--dir', dir, '--save', ''], { timeout: 20000 });
  assert.equal(r.status, 0);
  const pid = await waitFor('default pid file', () => readPid('/var/run/redis.pid'));
  leftovers.push(pid);
  const c = await waitFor('connect', () => true).then(() => RespClient.connect(port));
  assert.deepEqual(await c.call('CONFIG', 'GET', 'pidfile'), ['pidfile', '/var/run/redis.pid']);
  await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  c.close();
  await waitFor('process exit', () => !alive(pid));
  assert.equal(fs.existsSync('/var/run/redis.pid'), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A NOTIFY_SOCKET listener: an AF_UNIX datagram socket, which Node cannot open, so Python's. */
function notifyListener(sock: string): { messages: () => string[]; stop: () => void } | null {
  const py = spawnSync('python3', ['-c', 'import socket'], { timeout: 10000 });
  if (py.status !== 0) return null;
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    `s.bind(${JSON.stringify(sock)})`,
    "print('listening', flush=True)",
    'while True:',
    '    m = s.recv(4096)',
    "    print(m.decode('latin1').strip(), flush=True)",
  ].join('\n');
  const p = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  // systemd-notify adds MAINPID= (the pid it was given) and a BARRIER=1 exchange: not ours to check.
  const ours = (l: string) => l !== '' && l !== 'listening' && !l.startsWith('MAINPID=') && !l.startsWith('BARRIER=');
  return { messages: () => out.split('\n').filter(ours), stop: () => p.kill('SIGKILL') };
}

test('supervised systemd: STATUS and READY=1 reach NOTIFY_SOCKET, STOPPING=1 on shutdown; INFO says so', async (t) => {
  const notify = spawnSync('systemd-notify', ['--help'], { timeout: 10000 });
  if (notify.error) {
    t.skip('systemd-notify not found (it comes with the systemd package)');
    return;
  }
  const dir = tmpDir();
  const sock = path.join(dir, 'notify.sock');
  const listener = notifyListener(sock);
  if (listener === null) {
    t.skip('python3 not found: needed to listen on an AF_UNIX datagram socket');
    return;
  }
  try {
    await waitFor('notify socket', () => fs.existsSync(sock));
    const port = await freePort();
    // daemonize yes is ignored under supervision: the process stays in the foreground.
    const p = spawn(process.execPath, [CLI, '--port', String(port), '--supervised', 'systemd', '--daemonize', 'yes', '--save', '', '--dir', dir], {
      env: { ...process.env, NOTIFY_SOCKET: sock },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    leftovers.push(p.pid!);
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const exited = new Promise((r) => p.once('exit', r));
    await waitFor('READY=1', () => listener.messages().includes('READY=1'));
    assert.deepEqual(listener.messages(), ['STATUS=Redis is loading...', 'STATUS=Ready to accept connections', 'READY=1']);
    assert.match(out, /Supervised by systemd\. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit\./);
    const c = await RespClient.connect(port);
    assert.match(String(await c.call('INFO', 'server')), /process_supervised:systemd\r\n/);
    c.close();
    p.kill('SIGTERM');
    await exited;
    await waitFor('STOPPING=1', () => listener.messages().includes('STOPPING=1'));
  } finally {
    listener.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('supervised systemd without NOTIFY_SOCKET: Redis\'s warning, and the server runs unsupervised', async () => {
  const dir = tmpDir();
  const port = await freePort();
  const env = { ...process.env };
  delete env.NOTIFY_SOCKET;
  const p = spawn(process.execPath, [CLI, '--port', String(port), '--supervised', 'systemd', '--save', '', '--dir', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  leftovers.push(p.pid!);
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const exited = new Promise((r) => p.once('exit', r));
  await waitFor('ready', () => out.includes('Ready to accept connections'));
  assert.match(out, /# systemd supervision error: NOTIFY_SOCKET not found!/);
  const c = await RespClient.connect(port);
  assert.match(String(await c.call('INFO', 'server')), /process_supervised:no\r\n/);
  c.close();
  p.kill('SIGTERM');
  await exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('--test-memory: Redis\'s usage text without a size; refused with one', () => {
  const a = spawnSync(process.execPath, [CLI, '--test-memory'], { encoding: 'latin1' });
  assert.equal(a.status, 1);
  assert.equal(a.stderr, 'Please specify the amount of memory to test in megabytes.\nExample: ./redis-server --test-memory 4096\n\n');
  const b = spawnSync(process.execPath, [CLI, '--test-memory', '64'], { encoding: 'latin1' });
  assert.equal(b.status, 1);
  assert.match(b.stderr, /--test-memory is not supported/);
});

test('progress lines while a large RDB loads: share, MB/s and keys so far', async () => {
  const dir = tmpDir();
  const port = await freePort();
  // Build a dump with enough keys that loading takes over a second under key-load-delay.
  const a = spawn(process.execPath, [CLI, '--port', String(port), '--dir', dir, '--save', '', '--enable-debug-command', 'yes'], { stdio: 'ignore' });
  leftovers.push(a.pid!);
  const c = await waitFor('first server', () => true).then(async () => {
    for (;;) {
      try {
        return await RespClient.connect(port);
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  assert.equal(text(await c.call('DEBUG', 'POPULATE', '3000')), 'OK');
  assert.equal(text(await c.call('SAVE')), 'OK');
  c.close();
  a.kill('SIGKILL');
  await new Promise((r) => a.once('exit', r));

  const port2 = await freePort();
  const b = spawn(process.execPath, [CLI, '--port', String(port2), '--dir', dir, '--save', '', '--key-load-delay', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  leftovers.push(b.pid!);
  let out = '';
  b.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  await waitFor('loaded', () => out.includes('Done loading RDB'), 30000);
  b.kill('SIGKILL');
  await new Promise((r) => b.once('exit', r));
  const lines = out.split('\n').filter((l) => l.includes('Loading RDB: '));
  assert.ok(lines.length >= 1, out);
  for (const l of lines) assert.match(l, /Loading RDB: \d+% \(\d+\.\d MB of \d+\.\d MB, \d+\.\d MB\/s\), \d+ keys loaded$/);
  assert.match(out, /Done loading RDB, keys loaded: 3000, keys expired: 0\./);
  fs.rmSync(dir, { recursive: true, force: true });
});
