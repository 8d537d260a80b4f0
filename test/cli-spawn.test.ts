// respite-server started the way Redis's own test suite starts redis-server: a config file like
// its tests/assets/default.conf, the startup banner with " PID: <pid>", the pid file, SIGTERM with
// a final save, corrupt data files refused with Redis's log lines, the AOF manifest checks, and
// the crash report on fatal signals.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './helpers/differential';
import { RespClient } from './helpers/resp-client';
import { Reply, SimpleString } from '../src/resp/reply';

const CLI = path.join(__dirname, '..', 'src', 'cli.js');

/** The directives of Redis 7.0's tests/assets/default.conf, as the suite writes them. */
function defaultConf(dir: string, port: number, extra = ''): string {
  return [
    'always-show-logo yes',
    'notify-keyspace-events KEA',
    'daemonize no',
    `pidfile ${path.join(dir, 'redis.pid')}`,
    `port ${port}`,
    'timeout 0',
    'bind 127.0.0.1',
    'loglevel verbose',
    "logfile ''",
    'databases 16',
    'latency-monitor-threshold 1',
    'repl-diskless-sync-delay 0',
    'save 900 1',
    'rdbcompression yes',
    'dbfilename dump.rdb',
    `dir ${dir}`,
    'slave-serve-stale-data yes',
    'appendonly no',
    'appendfsync everysec',
    'no-appendfsync-on-rewrite no',
    'activerehashing yes',
    'enable-protected-configs yes',
    'enable-debug-command yes',
    'enable-module-command yes',
    'propagation-error-behavior panic',
    `unixsocket ${path.join(dir, 'socket')}`,
    extra,
  ].join('\n');
}

interface Proc {
  pid: number;
  log: () => string;
  /** Resolves with [exit code, signal]. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  kill: (sig: NodeJS.Signals) => void;
}

/** Starts respite-server on a config file, stdout and stderr appended to one log (as the suite does). */
function launch(dir: string, conf: string): Proc {
  const file = path.join(dir, 'redis.conf');
  fs.writeFileSync(file, conf);
  const proc = spawn(process.execPath, [CLI, file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => proc.once('exit', (code, sig) => r([code, sig])));
  return { pid: proc.pid!, log: () => out, exited, kill: (sig) => proc.kill(sig) };
}

async function until(what: string, cond: () => boolean, p: Proc): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`${what} did not happen; log:\n${p.log()}`);
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'respite-spawn-'));
}

function text(r: Reply): string {
  return r instanceof SimpleString ? r.value : String(r);
}

test("default.conf: banner with ' PID: <pid>' before 'Ready to accept', pid file, SIGTERM saves and says bye", async () => {
  const dir = tmpDir();
  const port = await freePort();
  const p = launch(dir, defaultConf(dir, port));
  await until('ready', () => p.log().includes('Ready to accept connections'), p);
  const log = p.log();
  const pidAt = log.indexOf(` PID: ${p.pid}\n`);
  assert.ok(pidAt > 0, log);
  assert.ok(pidAt < log.indexOf('Ready to accept connections'), log);
  assert.match(log, new RegExp(`^${p.pid}:M \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\* Configuration loaded$`, 'm'));
  assert.doesNotMatch(log, /Bad directive|FATAL CONFIG/);
  assert.equal(fs.readFileSync(path.join(dir, 'redis.pid'), 'utf8'), `${p.pid}\n`);

  const c = await RespClient.connect(port);
  assert.equal(text(await c.call('SET', 'k', 'v')), 'OK');
  c.close();
  p.kill('SIGTERM');
  assert.deepEqual(await p.exited, [0, null]);
  const end = p.log().slice(log.length);
  assert.match(end, /# Received SIGTERM scheduling shutdown\.\.\.\n/);
  assert.match(end, /\* Saving the final RDB snapshot before exiting\.\n.*\* DB saved on disk\n/);
  assert.match(end, /ready to exit, bye bye\.\.\.\n$/);
  assert.equal(fs.existsSync(path.join(dir, 'redis.pid')), false);

  // The final save is what the next start loads.
  const port2 = await freePort();
  const q = launch(dir, defaultConf(dir, port2));
  await until('ready again', () => q.log().includes('Ready to accept connections'), q);
  assert.match(q.log(), /Done loading RDB, keys loaded: 1, keys expired: 0\./);
  const c2 = await RespClient.connect(port2);
  assert.equal(await c2.call('GET', 'k'), 'v');
  c2.close();
  q.kill('SIGTERM');
  await q.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a port in use is reported as Redis words it (the suite retries on another port)', async () => {
  const dir = tmpDir();
  const port = await freePort();
  const a = launch(dir, defaultConf(dir, port, 'save ""'));
  await until('ready', () => a.log().includes('Ready to accept connections'), a);
  const bdir = tmpDir();
  const b = launch(bdir, defaultConf(bdir, port, 'save ""'));
  assert.deepEqual(await b.exited, [1, null]);
  assert.match(b.log(), new RegExp(`Failed listening on port ${port} \\(TCP\\), aborting\\.`));
  assert.doesNotMatch(b.log(), / PID: /);
  a.kill('SIGTERM');
  await a.exited;
});

test('an RDB file with a wrong checksum stops startup with the CRC error and the reading-failure line', async () => {
  const dir = tmpDir();
  const port = await freePort();
  const p = launch(dir, defaultConf(dir, port));
  await until('ready', () => p.log().includes('Ready to accept connections'), p);
  const c = await RespClient.connect(port);
  await c.call('SET', 'a', 'b');
  await c.call('SAVE');
  c.close();
  p.kill('SIGTERM');
  await p.exited;
  const file = path.join(dir, 'dump.rdb');
  const buf = fs.readFileSync(file);
  buf.write('foobar00', buf.length - 8, 'latin1');
  fs.writeFileSync(file, buf);
  const q = launch(dir, defaultConf(dir, await freePort()));
  assert.deepEqual(await q.exited, [1, null]);
  const lines = q.log().trimEnd().split('\n').slice(-3);
  assert.match(lines[0], /# Wrong RDB checksum expected: \([0-9a-f]+\) but got \(30307261626f6f66\)\. Aborting now\./);
  assert.match(lines[1], /RDB CRC error/);
  assert.match(lines[2], /# Terminating server after rdb file reading failure\.$/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('keys without elements in an RDB file are skipped, logged and counted', async () => {
  const dir = tmpDir();
  // REDIS0010, SELECTDB 0, an empty set 'set', an empty hash 'hash', a string 'ok', EOF, no CRC.
  const body = Buffer.from([
    ...Buffer.from('REDIS0010', 'latin1'),
    0xfe, 0x00,
    0x02, 0x03, ...Buffer.from('set'), 0x00,
    0x04, 0x04, ...Buffer.from('hash'), 0x00,
    0x00, 0x02, ...Buffer.from('ok'), 0x01, 0x31,
    0xff, 0, 0, 0, 0, 0, 0, 0, 0,
  ]);
  fs.writeFileSync(path.join(dir, 'dump.rdb'), body);
  const port = await freePort();
  const p = launch(dir, defaultConf(dir, port));
  await until('ready', () => p.log().includes('Ready to accept connections'), p);
  assert.match(p.log(), /skipping empty key: set\n/);
  assert.match(p.log(), /skipping empty key: hash\n/);
  assert.match(p.log(), /# Done loading RDB, keys loaded: 1, keys expired: 0, empty keys skipped: 2\./);
  const c = await RespClient.connect(port);
  assert.equal(await c.call('DBSIZE'), 1);
  c.close();
  p.kill('SIGTERM');
  await p.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

test("malformed AOF manifests stop startup with Redis's reasons", async () => {
  const cases: [string, RegExp][] = [
    ['', /Found an empty AOF manifest/],
    ['file appendonly.aof.1.incr.aof seq 1 type i\n\nfile appendonly.aof.2.incr.aof seq 2 type i\n', /Reading the manifest file, at line 2\n[^]*Invalid AOF manifest file format/],
    ['file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n', /Found a non-monotonic sequence number/],
    ['file appendonly.aof.1.base.aof seq 1 type x\n', /Unknown AOF file type/],
    [`file appendonly.aof.1.base.aof seq 1 type b ${'x '.repeat(600)}\n`, /The AOF manifest file contains too long line/],
    ['file a/b seq 1 type b\n', /File can't be a path, just a filename/],
  ];
  for (const [manifest, re] of cases) {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'appendonlydir'));
    fs.writeFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), manifest);
    const p = launch(dir, defaultConf(dir, await freePort(), 'appendonly yes'));
    assert.deepEqual(await p.exited, [1, null], p.log());
    assert.match(p.log(), re);
    assert.match(p.log(), /FATAL AOF MANIFEST FILE ERROR/);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a single-file AOF of an older Redis is moved into the AOF directory as its base', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'appendonly.aof'), '*3\r\n$3\r\nset\r\n$2\r\nk1\r\n$2\r\nv1\r\n');
  const port = await freePort();
  const p = launch(dir, defaultConf(dir, port, 'appendonly yes'));
  await until('ready', () => p.log().includes('Ready to accept connections'), p);
  assert.match(p.log(), /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./);
  assert.equal(fs.existsSync(path.join(dir, 'appendonly.aof')), false);
  assert.equal(
    fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'),
    'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
  );
  const c = await RespClient.connect(port);
  assert.equal(await c.call('GET', 'k1'), 'v1');
  c.close();
  p.kill('SIGTERM');
  await p.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('fatal signals and DEBUG SEGFAULT write a crash report, then the process dies by the signal', async () => {
  for (const how of ['SIGABRT', 'DEBUG SEGFAULT'] as const) {
    const dir = tmpDir();
    const port = await freePort();
    const p = launch(dir, defaultConf(dir, port, 'save ""'));
    await until('ready', () => p.log().includes('Ready to accept connections'), p);
    if (how === 'SIGABRT') p.kill('SIGABRT');
    else {
      const c = await RespClient.connect(port);
      void c.call('DEBUG', 'SEGFAULT').catch(() => undefined);
    }
    const [code, sig] = await p.exited;
    assert.equal(code, null);
    assert.equal(sig, how === 'SIGABRT' ? 'SIGABRT' : 'SIGSEGV');
    assert.match(p.log(), how === 'SIGABRT' ? /crashed by signal: 6 \(SIGABRT\)/ : /crashed by signal: 11 \(SIGSEGV\)/);
    assert.match(p.log(), /BUG REPORT START[^]*BUG REPORT END/);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A client over the unix socket at `file`. */
function connectUnix(file: string): Promise<RespClient> {
  return new Promise((resolve, reject) => {
    const s = net.connect(file);
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(new RespClient(s));
    });
  });
}

test('unixsocket and unixsocketperm: clients connect through the socket (flag U, address <path>:0), bind "" leaves only it, shutdown removes it', async () => {
  const dir = tmpDir();
  const sock = path.join(dir, 'socket');
  const port = await freePort();
  const p = launch(dir, defaultConf(dir, port, 'unixsocketperm 700\nsave ""'));
  await until('ready', () => p.log().includes(`The server is now ready to accept connections at ${sock}`), p);
  assert.ok(p.log().includes('Ready to accept connections'), 'TCP is open too');
  assert.equal(fs.statSync(sock).mode & 0o777, 0o700);
  const c = await connectUnix(sock);
  assert.equal(text(await c.call('PING')), 'PONG');
  const info = text(await c.call('CLIENT', 'INFO'));
  assert.match(info, new RegExp(`^id=\\d+ addr=${sock}:0 laddr=${sock}:0 fd=\\d+ name= age=\\d+ idle=\\d+ flags=U `));
  assert.deepEqual(await c.call('CONFIG', 'GET', 'unixsocketperm'), ['unixsocketperm', '700']);
  // No TCP listener: the server still starts, as redis-server does, and logs no TCP readiness.
  assert.equal(text(await c.call('CONFIG', 'SET', 'bind', '')), 'OK');
  assert.equal(text(await c.call('CONFIG', 'REWRITE')), 'OK');
  c.close();
  p.kill('SIGTERM');
  assert.deepEqual(await p.exited, [0, null]);
  assert.match(p.log(), /\* Removing the unix socket file\.\n/);
  assert.equal(fs.existsSync(sock), false);

  const q = launch(dir, fs.readFileSync(path.join(dir, 'redis.conf'), 'utf8'));
  await until('ready on the socket only', () => q.log().includes(`The server is now ready to accept connections at ${sock}`), q);
  assert.ok(!q.log().includes('Ready to accept connections'), q.log());
  await assert.rejects(RespClient.connect(port));
  const c2 = await connectUnix(sock);
  assert.deepEqual(await c2.call('CONFIG', 'GET', 'bind'), ['bind', '']);
  c2.close();
  q.kill('SIGTERM');
  await q.exited;

  // Nothing to listen on at all: refused at startup.
  const r = launch(dir, defaultConf(dir, 0, 'bind ""').replace(/^unixsocket .*$/m, ''));
  assert.deepEqual(await r.exited, [1, null]);
  assert.match(r.log(), /Configured to not listen anywhere, exiting\./);
  fs.rmSync(dir, { recursive: true, force: true });
});
