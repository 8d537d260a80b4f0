// Scripts that run past busy-reply-threshold: a script that has not written by then starts over on
// the server's worker VM and keeps running there while the server answers other clients with -BUSY,
// takes SCRIPT KILL / FUNCTION KILL (refused once the script wrote) and SHUTDOWN NOSAVE; the caller
// gets its reply when the script ends. A script that wrote before the threshold is stopped.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply } from '../../src/resp/reply';
import { RespClient } from '../helpers/resp-client';
import { errorOf, raw } from '../helpers/embedded';
import { BUSY_EVAL, BUSY_FUNCTION, UNKILLABLE, busyServer, message, status, waitWritten } from '../helpers/busy-scripts';

const LOOP = 'local i = 0 while true do i = i + 1 end';
/** Spins (about 0.3-0.5 s of Lua), writes, spins again: it writes while it is already busy. */
const SPIN_WRITE_SPIN = "local x = 0 for i = 1, 2e7 do x = x + i end redis.call('SET', 'k', 'v') for i = 1, 2e7 do x = x + i end return redis.call('GET', 'k')";

test('a looping EVAL: others get BUSY, SCRIPT KILL stops it, the caller gets the kill error', async () => {
  const s = await busyServer();
  try {
    const caller = s.connect();
    const pending = caller.send(['EVAL', LOOP, 0]);
    assert.equal(await errorOf(s, 'GET', 'x'), BUSY_EVAL);
    assert.equal(await errorOf(s, 'PING'), BUSY_EVAL);
    assert.equal(await errorOf(s, 'FUNCTION', 'STATS'), BUSY_EVAL);
    assert.equal(await errorOf(s, 'FUNCTION', 'KILL'), BUSY_EVAL);
    assert.equal(await errorOf(s, 'SHUTDOWN'), BUSY_EVAL);
    // Transaction commands are allowed (allow_busy); what is queued meanwhile is refused.
    const other = s.connect();
    assert.equal(status(await other.send(['MULTI'])), 'OK');
    assert.equal(message(await other.send(['SET', 'a', '1'])), BUSY_EVAL);
    assert.equal(status(await raw(s, 'SCRIPT', 'KILL')), 'OK');
    assert.match(message(await pending), /^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/);
    assert.match(message(await other.send(['EXEC'])), /^EXECABORT /);
    assert.equal(await errorOf(s, 'SCRIPT', 'KILL'), 'NOTBUSY No scripts in execution right now.');
    // Served again, and scripting works on a fresh VM.
    assert.equal(await s.call('PING'), 'PONG');
    assert.equal(await s.call('EVAL', 'return 1 + 1', 0), 2);
    assert.equal(await caller.call(['EVAL', "return redis.call('PING')", 0]), 'PONG');
    assert.equal(await s.call('INFO', 'errorstats').then((i) => /errorstat_BUSY:count=\d+/.test(String(i))), true);
  } finally {
    await s.close();
  }
});

test('a busy script that wrote cannot be killed; it finishes, its caller and pipelined commands go on in order', async () => {
  const s = await busyServer();
  try {
    const caller = s.connect();
    const first = caller.send(['EVAL', SPIN_WRITE_SPIN, 0]);
    const second = caller.send(['GET', 'k']);
    await waitWritten(s);
    assert.equal(await errorOf(s, 'SCRIPT', 'KILL'), UNKILLABLE);
    assert.equal(await errorOf(s, 'GET', 'k'), BUSY_EVAL);
    assert.equal(await first, 'v');
    assert.equal(await second, 'v');
    assert.equal(await s.call('GET', 'k'), 'v');
  } finally {
    await s.close();
  }
});

test('a script that writes and then runs past the threshold on the first VM is stopped; its writes stay', async () => {
  const s = await busyServer();
  try {
    assert.match(
      await errorOf(s, 'EVAL', "redis.call('SET', 'before', '1')\nwhile true do end", 0),
      /^ERR Script wrote and then ran past busy-reply-threshold; respite stopped it script: [0-9a-f]{40}, on @user_script:2\.$/,
    );
    assert.equal(await s.call('GET', 'before'), '1');
    assert.equal(await s.call('PING'), 'PONG');
  } finally {
    await s.close();
  }
});

test('a looping function: FUNCTION STATS reports it, SCRIPT KILL is refused, FUNCTION KILL stops it', async () => {
  const s = await busyServer();
  try {
    await s.call('FUNCTION', 'LOAD', "#!lua name=spinlib\nredis.register_function('spin', function(keys, args)\n  while true do end\nend)");
    const caller = s.connect();
    const pending = caller.send(['FCALL', 'spin', 0]);
    assert.equal(await errorOf(s, 'GET', 'x'), BUSY_FUNCTION);
    assert.equal(await errorOf(s, 'SCRIPT', 'KILL'), BUSY_FUNCTION);
    // RESP2: maps arrive flattened.
    const stats = (await raw(s, 'FUNCTION', 'STATS')) as Reply[];
    assert.equal(stats[0], 'running_script');
    const running = stats[1] as Reply[];
    assert.deepEqual(running.slice(0, 5), ['name', 'spin', 'command', ['FCALL', 'spin', '0'], 'duration_ms']);
    assert.ok((running[5] as number) >= 50);
    assert.equal(status(await raw(s, 'FUNCTION', 'KILL')), 'OK');
    assert.equal(message(await pending), 'ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:1.');
    assert.equal(((await raw(s, 'FUNCTION', 'STATS')) as Reply[])[1], null);
    await assert.rejects(s.call('FCALL', 'nosuch', 0), /Function not found/);
  } finally {
    await s.close();
  }
});

test('SHUTDOWN NOSAVE stops a busy script that wrote, and the server', async () => {
  const s = await busyServer();
  let closed = false;
  try {
    const caller = s.connect();
    const pending = caller.send(['EVAL', SPIN_WRITE_SPIN.replace('2e7 do x = x + i end return', '2e9 do x = x + i end return'), 0]);
    await waitWritten(s);
    assert.equal(await errorOf(s, 'SHUTDOWN'), BUSY_EVAL);
    assert.equal(status(await raw(s, 'SHUTDOWN', 'NOSAVE')), 'OK');
    assert.match(message(await pending), /^ERR Script killed by user/);
    await s.close();
    closed = true;
  } finally {
    if (!closed) await s.close();
  }
});

test('over TCP: BUSY for other connections, the caller gets its reply after SCRIPT KILL', async () => {
  const s = await startServer({ port: 0 });
  const a = await RespClient.connect(s.port);
  const b = await RespClient.connect(s.port);
  try {
    await a.call('CONFIG', 'SET', 'busy-reply-threshold', '50');
    const pending = a.callRaw('EVAL', LOOP, '0');
    const pipelined = a.callRaw('PING');
    assert.equal((await b.callRaw('GET', 'x')).raw.toString(), `-${BUSY_EVAL}\r\n`);
    assert.equal((await b.callRaw('SCRIPT', 'KILL')).raw.toString(), '+OK\r\n');
    assert.match((await pending).raw.toString(), /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal((await pipelined).raw.toString(), '+PONG\r\n');
    assert.equal((await b.callRaw('PING')).raw.toString(), '+PONG\r\n');
  } finally {
    a.close();
    b.close();
    await s.close();
  }
});

test('a caller that disconnects during a busy script leaves the server healthy', async () => {
  const s = await startServer({ port: 0 });
  const a = await RespClient.connect(s.port);
  try {
    await s.call('CONFIG', 'SET', 'busy-reply-threshold', '20');
    const script = "local x = 0 for i = 1, 2e7 do x = x + i end return redis.call('SET', 'done', '1')";
    a.write(`*3\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n0\r\n`);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(await errorOf(s, 'PING'), BUSY_EVAL);
    a.close();
    // The script still completes (Redis runs it to the end too); then everyone is served.
    for (let i = 0; i < 100 && (await raw(s, 'PING')) instanceof ReplyError; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await s.call('GET', 'done'), '1');
  } finally {
    a.close();
    await s.close();
  }
});

test('where the caller cannot wait (inside EXEC), a script past the threshold is stopped', async () => {
  const s = await busyServer();
  try {
    const c = s.connect();
    await c.send(['MULTI']);
    await c.send(['EVAL', LOOP, 0]);
    await c.send(['SET', 'after', '1']);
    const r = (await c.send(['EXEC'])) as Reply[];
    assert.match(message(r[0]), /^ERR Script ran past busy-reply-threshold inside a transaction and was stopped script: [0-9a-f]{40}, on @user_script:1\.$/);
    assert.equal(status(r[1]), 'OK');
    assert.equal(await s.call('EVAL', 'return 5', 0), 5);
  } finally {
    await s.close();
  }
});

test('FUNCTION LOAD stops library code that runs past 500 ms, as Redis does', async () => {
  const s = await startServer({ port: null });
  try {
    assert.equal(
      await errorOf(s, 'FUNCTION', 'LOAD', '#!lua name=slow\nlocal i = 0\nwhile true do i = i + 1 end'),
      'ERR Error registering functions: ERR FUNCTION LOAD timeout',
    );
    assert.deepEqual(await s.call('FUNCTION', 'LIST'), []);
    assert.equal(await s.call('PING'), 'PONG');
  } finally {
    await s.close();
  }
});

test('keys do not expire while a script is busy, even when the embedded clock moves', async () => {
  const s = await busyServer();
  try {
    s.clock.freeze();
    await s.call('SET', 'k', 'v', 'PX', '100');
    const caller = s.connect();
    const pending = caller.send(['EVAL', "local x = 0 for i = 1, 3e7 do x = x + i end return redis.call('GET', 'k')", 0]);
    assert.equal(await errorOf(s, 'GET', 'k'), BUSY_EVAL);
    s.clock.advance(1000);
    assert.equal(await pending, 'v');
    assert.equal(await s.call('GET', 'k'), null);
  } finally {
    await s.close();
  }
});

test('scripting starts after the working directory was deleted (the process moves to the temp dir)', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const before = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-gone-'));
  const s = await busyServer();
  try {
    process.chdir(dir);
    fs.rmSync(dir, { recursive: true });
    assert.equal(await s.call('EVAL', 'return 40 + 2', 0), 42);
    // A script past the threshold needs the worker VM, which needs a working directory.
    assert.equal(await s.call('EVAL', 'local x = 0 for i = 1, 3e7 do x = x + i end return x', 0), 450000015000000);
    assert.equal(fs.realpathSync(process.cwd()), fs.realpathSync(os.tmpdir()));
  } finally {
    process.chdir(before);
    await s.close();
  }
});

test('a blocked client does not time out during a busy script; the script serves it first', async () => {
  const s = await busyServer();
  try {
    const waiter = s.connect();
    const popped = waiter.send(['BLPOP', 'q', '0.1']);
    const caller = s.connect();
    // Busy for well over the waiter's 100 ms timeout, then pushes.
    const pending = caller.send(['EVAL', "local x = 0 for i = 1, 4e7 do x = x + i end return redis.call('RPUSH', 'q', 'v')", 0]);
    assert.equal(await pending, 1);
    assert.deepEqual(await popped, ['q', 'v']);
  } finally {
    await s.close();
  }
});

test('closing the server fails the commands still waiting on embedded connections', async () => {
  const s = await busyServer();
  const blocked = s.connect().send(['BLPOP', 'nothing', '0']);
  const busy = s.connect().send(['EVAL', LOOP, 0]);
  await s.close();
  await assert.rejects(blocked, /connection closed/);
  await assert.rejects(busy, /connection closed/);
});
