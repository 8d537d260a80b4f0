// DEBUG RESTART and DEBUG CRASH-AND-RECOVER on respite-server: the server stops and starts again
// from its command line and config file, in the same process (Redis re-execs itself: same pid).
// RESTART rewrites the config file and saves the data first; CRASH-AND-RECOVER saves nothing.
// An embedded server cannot restart its application's process and answers Redis's failure reply.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './helpers/differential';
import { RespClient } from './helpers/resp-client';
import { killAfterTests } from './helpers/leftovers';
import { startServer } from '../src/index';
import { Reply, SimpleString } from '../src/resp/reply';

const text = (r: Reply): string => (r instanceof SimpleString ? r.value : String(r));

const CLI = path.join(__dirname, '..', 'src', 'cli.js');

/** Processes to kill whatever happens, so a failed assertion does not leave servers running. */
const leftovers = killAfterTests();

/** Connects once the server answers PING (it may be restarting). */
async function connectWhenUp(port: number, ms = 20_000): Promise<RespClient> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const c = await RespClient.connect(port);
      const r = await c.call('PING');
      if (text(r) === 'PONG') return c;
      c.close();
    } catch {
      // not listening yet, or still loading
    }
    if (Date.now() > end) assert.fail(`no server on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function infoField(info: unknown, name: string): string {
  const m = new RegExp(`^${name}:(.*)\\r$`, 'm').exec(String(info));
  assert.ok(m, `INFO has no ${name}`);
  return m[1];
}

async function startCli(lines: string[]): Promise<{ port: number; dir: string; conf: string; pid: number; log: () => string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-restart-'));
  const port = await freePort();
  const conf = path.join(dir, 'redis.conf');
  const logfile = path.join(dir, 'server.log');
  fs.writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', 'enable-debug-command yes', `dir ${dir}`, `logfile ${logfile}`, ...lines, ''].join('\n'));
  const proc = spawn(process.execPath, [CLI, conf], { stdio: 'ignore' });
  leftovers.push(proc.pid!);
  return { port, dir, conf, pid: proc.pid!, log: () => (fs.existsSync(logfile) ? fs.readFileSync(logfile, 'latin1') : '') };
}

test('DEBUG RESTART: config rewritten, data saved, the same process starts again from its config file', async () => {
  // Default save points: the restart's shutdown step writes dump.rdb.
  const s = await startCli(['appendonly no']);
  let c = await connectWhenUp(s.port);
  const before = await c.call('INFO', 'server');
  assert.equal(infoField(before, 'process_id'), String(s.pid));
  assert.equal(text(await c.call('SET', 'kept', 'v\x00\xff')), 'OK');
  assert.equal(text(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')), 'OK');
  // Bad delay: Redis's integer error, and nothing happens.
  const bad = await c.callRaw('DEBUG', 'RESTART', 'soon');
  assert.equal(bad.raw.toString('latin1'), '-ERR value is not an integer or out of range\r\n');
  // No reply: the connection closes with the old server.
  await assert.rejects(c.call('DEBUG', 'RESTART', '50'), /connection closed/);
  c.close();
  c = await connectWhenUp(s.port);
  const afterInfo = await c.call('INFO', 'server');
  assert.equal(infoField(afterInfo, 'process_id'), String(s.pid), 'the same process serves again');
  assert.notEqual(infoField(afterInfo, 'run_id'), infoField(before, 'run_id'), 'a new server (new run id)');
  assert.equal(text(await c.call('GET', 'kept')), 'v\x00\xff');
  assert.deepEqual(String(await c.call('CONFIG', 'GET', 'maxmemory-policy')), 'maxmemory-policy,allkeys-lru');
  assert.match(fs.readFileSync(s.conf, 'latin1'), /^maxmemory-policy allkeys-lru$/m);
  assert.ok(fs.existsSync(path.join(s.dir, 'dump.rdb')));
  const log = s.log();
  assert.equal((log.match(/respite is starting/g) ?? []).length, 2, 'started twice');
  assert.match(log, /DB saved on disk/);
  // SHUTDOWN still stops the restarted server and the process.
  await assert.rejects(c.call('SHUTDOWN', 'NOSAVE'), /connection closed/);
  c.close();
  for (const end = Date.now() + 10_000; ; ) {
    try {
      process.kill(s.pid, 0);
    } catch {
      break;
    }
    if (Date.now() > end) assert.fail('the process did not exit after SHUTDOWN');
    await new Promise((r) => setTimeout(r, 25));
  }
});

test('DEBUG CRASH-AND-RECOVER: nothing saved, the data comes back from what is on disk', async () => {
  const s = await startCli(['save ""', 'appendonly no']);
  let c = await connectWhenUp(s.port);
  assert.equal(text(await c.call('SET', 'saved', '1')), 'OK');
  assert.equal(text(await c.call('SAVE')), 'OK');
  assert.equal(text(await c.call('SET', 'unsaved', '2')), 'OK');
  await assert.rejects(c.call('DEBUG', 'CRASH-AND-RECOVER'), /connection closed/);
  c.close();
  c = await connectWhenUp(s.port);
  assert.equal(text(await c.call('GET', 'saved')), '1');
  assert.equal(await c.call('GET', 'unsaved'), null);
  assert.equal(infoField(await c.call('INFO', 'server'), 'process_id'), String(s.pid));
  c.close();
  process.kill(s.pid, 'SIGKILL');
});

test('DEBUG RESTART in an embedded server: Redis failure reply, the server goes on', async () => {
  const s = await startServer({ port: null, enableDebugCommand: 'yes' });
  await assert.rejects(s.call('DEBUG', 'RESTART'), /^RespiteError: ERR failed to restart the server\. Check server logs\.$/);
  await assert.rejects(s.call('DEBUG', 'CRASH-AND-RECOVER', '10'), /ERR failed to restart the server\. Check server logs\./);
  assert.equal(await s.call('PING'), 'PONG');
  await s.close();
});
