// respite-server as a process: flags, redis.conf, errors and exit codes, logging, signals.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, REDIS_SERVER } from './helpers/differential';
import { RespClient } from './helpers/resp-client';
import { Reply, SimpleString } from '../src/resp/reply';
import { ReplyError } from '../src/errors';

function replyText(r: Reply): string {
  return r instanceof SimpleString ? r.value : r instanceof ReplyError ? r.message : String(r);
}

const CLI = path.join(__dirname, '..', 'src', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-cli-'));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, input, encoding: 'latin1', timeout: 10000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeConf(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

/** Starts the server and resolves once it logs that it is ready. */
function start(args: string[]): Promise<{ proc: ReturnType<typeof spawn>; out: () => string; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), 10000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve({ proc, out: () => out, exited });
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
    proc.once('exit', () => reject(new Error(`exited early:\n${out}`)));
  });
}

test('--version and --help', () => {
  const v = run(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^respite server v=\d+\.\d+\.\d+ redis=7\.0\.15 /);
  assert.equal(run(['-v']).stdout, v.stdout);
  const h = run(['--help']);
  assert.equal(h.code, 1);
  assert.match(h.stderr, /^Usage: respite-server \[\/path\/to\/redis.conf\] \[options\] \[-\]/);
});

test('bad options and config files stop startup with exit code 1 and the offending line', () => {
  const bad = writeConf('bad.conf', '# comment\nport 7000\n\nmaxmemory 10zb\n');
  const ok = writeConf('ok.conf', '# comment\nport 7000\n\nmaxmemory 10mb\n');
  const cases: [string[], RegExp][] = [
    [['--port', 'abc'], /at line 2\n>>> 'port "abc"'\nargument couldn't be parsed into an integer\n$/],
    [['--foo', 'bar'], /at line 2\n>>> 'foo "bar"'\nBad directive or wrong number of arguments\n$/],
    [['--port'], />>> 'port'\nwrong number of arguments\n$/],
    [[bad], /at line 4\n>>> 'maxmemory 10zb'\nargument must be a memory value\n$/],
    [[ok, '--maxmemory', '1mb', '--port', 'x'], /at line 7\n>>> 'port "x"'\n/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(r.stderr.startsWith('\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line '), r.stderr);
    assert.match(r.stderr, re);
  }
  const missing = run([path.join(tmp, 'nope.conf')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /# Fatal error, can't open config file '.*nope\.conf': No such file or directory/);
  const nowhere = run(['--port', '0']);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stdout, /Configured to not listen anywhere, exiting\./);
});

test('startup errors print exactly what redis-server prints', { skip: !REDIS_SERVER && 'redis-server not found' }, () => {
  const bad = writeConf('bad2.conf', 'port 7529\nsave 900 1 300\n');
  const cases = [
    ['--port', 'abc'],
    ['--maxmemory', '1x'],
    ['--databases', '0'],
    ['--loglevel', 'loud'],
    ['--port', '1', '2'],
    ['--unixsocketperm', '999'],
    ['--maxmemory-clients', '200%'],
    ['--client-output-buffer-limit', 'foo'],
    ['--notify-keyspace-events', 'X'],
    ['--dbfilename', 'a/b'],
    ['--dir', '/nonexistent-dir'],
    ['--save', '1'],
    ['--bogus', 'x'],
    ['--port 1 2'],
    [bad],
    [bad, '--port', '7529', '--appendfilename'],
  ];
  for (const args of cases) {
    const ours = run(args);
    const ref = spawnSync(REDIS_SERVER!, args, { cwd: tmp, encoding: 'latin1', timeout: 10000 });
    assert.equal(ours.code, ref.status, args.join(' '));
    assert.equal(ours.stderr, ref.stderr, args.join(' '));
  }
});

test('a config file with overrides, include, pidfile, CONFIG REWRITE and SIGTERM', async () => {
  const port = await freePort();
  const inc = writeConf('inc.conf', 'maxmemory-policy allkeys-lru\n');
  const pidfile = path.join(tmp, 'respite.pid');
  const conf = writeConf(
    'good.conf',
    `# respite test\nport ${port}\nbind 127.0.0.1\nmaxmemory 1mb\nsave 900 1\nsave 300 10\ninclude ${inc}\nrename-command FLUSHALL ""\nloglevel verbose\n`,
  );
  const s = await start([conf, '--maxmemory', '2mb', '--pidfile', pidfile, '--requirepass', 'a b']);
  const c = await RespClient.connect(port);
  try {
    assert.match(s.out(), /\* Configuration loaded\n/);
    assert.match(s.out(), /Running mode=standalone, port=\d+\./);
    assert.equal(fs.readFileSync(pidfile, 'utf8'), `${s.proc.pid}\n`);
    assert.equal(replyText(await c.call('AUTH', 'a b')), 'OK');
    const get = async (name: string) => ((await c.call('CONFIG', 'GET', name)) as string[])[1];
    assert.equal(await get('maxmemory'), '2097152'); // the command line wins over the file
    assert.equal(await get('save'), '900 1 300 10');
    assert.equal(await get('maxmemory-policy'), 'allkeys-lru');
    assert.equal(await get('loglevel'), 'verbose');
    assert.match(replyText(await c.call('FLUSHALL')), /unknown command 'FLUSHALL'/);
    assert.equal(replyText(await c.call('CONFIG', 'SET', 'maxmemory', '3gb')), 'OK');
    assert.equal(replyText(await c.call('CONFIG', 'REWRITE')), 'OK');
    const text = fs.readFileSync(conf, 'utf8');
    assert.ok(text.startsWith(`# respite test\nport ${port}\nbind 127.0.0.1\nmaxmemory 3gb\nsave 900 1\nsave 300 10\ninclude ${inc}\nrename-command FLUSHALL ""\nloglevel verbose\n`), text);
    assert.match(text, /\n# Generated by CONFIG REWRITE\n[^]*\nrequirepass "a b"\n/);
    assert.match(text, /\npidfile "[^"]+respite\.pid"\n/);
  } finally {
    c.close();
  }
  s.proc.kill('SIGTERM');
  assert.equal(await s.exited, 0);
  assert.match(s.out(), /# Received SIGTERM scheduling shutdown\.\.\.\n.*# User requested shutdown\.\.\./);
  assert.match(s.out(), /is now ready to exit, bye bye\.\.\.\n$/);
  assert.equal(fs.existsSync(pidfile), false);
});

test('logfile, stdin configuration and SIGINT', async () => {
  const port = await freePort();
  const logfile = path.join(tmp, 'respite.log');
  const proc = spawn(process.execPath, [CLI, '--port', String(port), '--logfile', logfile, '-'], { cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  proc.stdin.end('hz 20\nsave ""\n');
  for (let i = 0; i < 800 && !(fs.existsSync(logfile) && fs.readFileSync(logfile, 'utf8').includes('Ready to accept')); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const c = await RespClient.connect(port);
  assert.deepEqual(await c.call('CONFIG', 'GET', 'hz'), ['hz', '20']);
  assert.deepEqual(await c.call('CONFIG', 'GET', 'save'), ['save', '']);
  c.close();
  proc.kill('SIGINT');
  assert.equal(await exited, 0);
  const log = fs.readFileSync(logfile, 'utf8');
  assert.match(log, /^\d+:M \d\d \w{3} \d{4} [\d:.]+ \* Configuration loaded$/m);
  assert.match(log, /Received SIGINT scheduling shutdown/);
});

test('cleanup', () => {
  fs.rmSync(tmp, { recursive: true, force: true });
});
