// Review of the busy-script machinery and the call-site rewriting (runner.ts, vm/, call-args.ts):
// events while a script runs past busy-reply-threshold, payloads bigger than the channel's shared
// area, helper names that a script's own names could shadow.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../../src/index';
import { NULL_ARRAY, SimpleString } from '../../src/resp/reply';
import { errorOf, raw } from '../helpers/embedded';
import { BUSY_EVAL, busyServer as busyServerMs, message, waitBusy, waitWritten } from '../helpers/busy-scripts';

/** The review's servers use a 30 ms threshold. */
const busyServer = (opts: Record<string, unknown> = {}) => busyServerMs(30, opts);

/** About 0.2-0.5 s of Lua on the VM: enough to run past a 30 ms threshold. */
const SPIN = 'local x = 0 for i = 1, 1e7 do x = x + i end ';

test('a client blocked on a key the busy script pushes to is served after the script, not in the middle', async () => {
  const s = await busyServer();
  try {
    const waiter = s.connect();
    const popped = waiter.send(['BLPOP', 'q', '0']);
    const caller = s.connect();
    const script = SPIN + "redis.call('RPUSH', KEYS[1], 'x') " + SPIN + SPIN + 'return redis.call(\'LLEN\', KEYS[1])';
    const result = caller.send(['EVAL', script, 1, 'q']);
    await waitWritten(s);
    // Commands that run while a script is busy (allow_busy) must not hand the list to the waiter.
    const other = s.connect();
    assert.ok((await other.send(['WATCH', 'w'])) instanceof SimpleString);
    assert.ok((await other.send(['MULTI'])) instanceof SimpleString);
    assert.ok((await other.send(['DISCARD'])) instanceof SimpleString);
    assert.equal(await result, 1); // the script still saw its own push
    assert.deepEqual(await popped, ['q', 'x']);
    assert.equal(await s.call('EXISTS', 'q'), 0);
  } finally {
    await s.close();
  }
});

test('WATCH taken while a script is busy is invalidated by the script\'s later write', async () => {
  const s = await busyServer();
  try {
    const caller = s.connect();
    const result = caller.send(['EVAL', SPIN + SPIN + "return redis.call('SET', 'k', 'script')", 0]);
    await waitBusy(s);
    const other = s.connect();
    assert.ok((await other.send(['WATCH', 'k'])) instanceof SimpleString);
    assert.ok((await result) instanceof SimpleString);
    await other.send(['MULTI']);
    await other.send(['SET', 'k', 'mine']);
    assert.equal(await other.send(['EXEC']), NULL_ARRAY);
    assert.equal(await s.call('GET', 'k'), 'script');
  } finally {
    await s.close();
  }
});

test('EXEC refused while a script is busy discards the transaction (EXECABORT), in or out of MULTI', async () => {
  const s = await busyServer();
  try {
    const other = s.connect();
    await other.send(['MULTI']);
    await other.send(['SET', 'a', '1']);
    const caller = s.connect();
    const result = caller.send(['EVAL', 'while true do end', 0]);
    await waitBusy(s);
    assert.equal(message(await other.send(['EXEC'])), `EXECABORT Transaction discarded because of: ${BUSY_EVAL}`);
    assert.equal(message(await other.send(['DISCARD'])), 'ERR DISCARD without MULTI');
    assert.equal(message(await other.send(['EXEC'])), `EXECABORT Transaction discarded because of: ${BUSY_EVAL}`);
    assert.ok((await raw(s, 'SCRIPT', 'KILL')) instanceof SimpleString);
    assert.match(message(await result), /^ERR Script killed by user/);
    assert.equal(await s.call('EXISTS', 'a'), 0);
  } finally {
    await s.close();
  }
});

test('EXEC with extra arguments is refused as EXECABORT without the ERR code, as Redis', async () => {
  const s = await startServer({ port: null });
  try {
    const c = s.connect();
    assert.equal(message(await c.send(['EXEC', 'foo'])), "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    await c.send(['MULTI']);
    assert.equal(message(await c.send(['EXEC', 'foo'])), "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    assert.equal(message(await c.send(['EXEC'])), 'ERR EXEC without MULTI');
  } finally {
    await s.close();
  }
});

test('close() while a script is busy returns at once and releases the busy state', async () => {
  const s = await busyServer();
  const caller = s.connect();
  const pending = caller.send(['EVAL', 'while true do end', 0]);
  await waitBusy(s);
  const t0 = Date.now();
  await s.close();
  assert.ok(Date.now() - t0 < 2000);
  await assert.rejects(pending, /connection closed/);
  assert.equal(s.server.busyScript, null);
  assert.equal(s.server.callDepth, 0);
});

test('SHUTDOWN NOSAVE during a busy script that wrote: its writes do not reach the AOF (Redis propagates at the end)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-review-aof-'));
  try {
    let s = await busyServer({ dir, appendonly: 'yes', appendfsync: 'always' });
    await s.call('SET', 'pre', '1');
    const caller = s.connect();
    void caller.send(['EVAL', SPIN + "redis.call('SET', 'half', '1') while true do end", 0]);
    await waitWritten(s);
    assert.ok((await raw(s, 'SHUTDOWN', 'NOSAVE')) instanceof SimpleString);
    await s.close();
    s = await startServer({ port: null, dir, appendonly: 'yes' });
    try {
      assert.deepEqual(await s.call('MGET', 'pre', 'half'), ['1', null]);
    } finally {
      await s.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a busy script\'s writes reach the AOF as one MULTI/EXEC when it finishes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-review-aof-'));
  try {
    let s = await busyServer({ dir, appendonly: 'yes', appendfsync: 'always' });
    const caller = s.connect();
    const result = caller.send(['EVAL', SPIN + "redis.call('SET', 'a', '1') redis.call('SET', 'b', '2') return 'done'", 0]);
    await waitBusy(s);
    assert.equal(await result, 'done');
    const aofDir = path.join(dir, 'appendonlydir');
    const incr = fs.readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'))!;
    const text = fs.readFileSync(path.join(aofDir, incr), 'latin1');
    assert.match(text, /\*1\r\n\$5\r\nMULTI\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\na\r\n\$1\r\n1\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\nb\r\n\$1\r\n2\r\n\*1\r\n\$4\r\nEXEC\r\n$/);
    await s.close();
    s = await startServer({ port: null, dir, appendonly: 'yes' });
    try {
      assert.deepEqual(await s.call('MGET', 'a', 'b'), ['1', '2']);
    } finally {
      await s.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('after SCRIPT KILL a second long script goes busy on a fresh worker and finishes', async () => {
  const s = await busyServer();
  try {
    const first = s.connect().send(['EVAL', 'while true do end', 0]);
    await waitBusy(s);
    assert.ok((await raw(s, 'SCRIPT', 'KILL')) instanceof SimpleString);
    assert.match(message(await first), /^ERR Script killed by user/);
    const second = s.connect().send(['EVAL', SPIN + 'return x', 0]);
    await waitBusy(s);
    assert.equal(await second, 50000005000000);
    assert.equal(await s.call('PING'), 'PONG');
  } finally {
    await s.close();
  }
});

test('payloads over the 1 MB shared area both ways from a busy script (5 MB SET and GET, big log lines)', async () => {
  const s = await busyServer();
  try {
    const big = Buffer.alloc(5 * 1024 * 1024, 0xe9); // latin1 bytes above 0x7f survive
    const caller = s.connect();
    const setting = caller.send(['EVAL', SPIN + "redis.call('SET', KEYS[1], ARGV[1]) return #redis.call('GET', KEYS[1])", 1, 'big', big]);
    await waitBusy(s);
    assert.equal(await setting, big.length);
    const getting = s.connect().send(['EVAL', SPIN + "redis.log(redis.LOG_DEBUG, string.rep('L', 2 * 1024 * 1024)) return redis.call('GET', KEYS[1])", 1, 'big']);
    await waitBusy(s);
    const got = await getting;
    assert.equal(typeof got, 'string');
    assert.ok(Buffer.from(got as string, 'latin1').equals(big));
    const many = s.connect().send(['EVAL', SPIN + "local t = {} for i = 1, 3 do t[i] = string.rep('z', 1024 * 1024) end return t", 0]);
    await waitBusy(s);
    assert.deepEqual(((await many) as string[]).map((v) => v.length), [1048576, 1048576, 1048576]);
  } finally {
    await s.close();
  }
});

test('redis.setresp(3) inside a busy script: nulls arrive as nil, maps as tables', async () => {
  const s = await busyServer();
  try {
    await s.call('HSET', 'h', 'f', 'v');
    const r = s.connect().send([
      'EVAL',
      SPIN + "redis.setresp(3) local n = redis.call('GET', 'nokey') local m = redis.call('HGETALL', 'h') local ok, v = pcall(redis.call, 'GET', 'nokey') return {tostring(n == nil), m.map.f, tostring(ok), type(v)}",
      0,
    ]);
    await waitBusy(s);
    assert.deepEqual(await r, ['true', 'v', 'true', 'nil']);
  } finally {
    await s.close();
  }
});

test('helper names never collide with the script\'s own names (__n, __r)', async () => {
  const s = await startServer({ port: null });
  try {
    assert.deepEqual(await s.call('EVAL', "local __n = 5 return {__n, redis.call('ECHO', __n * 1.1)}", 0), [5, '5.5']);
    assert.equal(await s.call('EVAL', "local function __n(x) return 'user' end return redis.call('ECHO', __n(1))", 0), 'user');
    assert.deepEqual(await s.call('EVAL', "redis.setresp(3) local __r = 7 return {tostring(redis.call('GET', 'nokey') == nil), __r}", 0), ['true', 7]);
    assert.match(await errorOf(s, 'EVAL', "return redis.call('ECHO', __n)", 0), /Script attempted to access nonexistent global variable '__n'/);
  } finally {
    await s.close();
  }
});

test('pcall(redis.call, ...) formats number arguments as %.17g, as Redis', async () => {
  const s = await startServer({ port: null });
  try {
    assert.deepEqual(await s.call('EVAL', "local ok, v = pcall(redis.call, 'ECHO', 0.1) return {tostring(ok), v}", 0), ['true', '0.10000000000000001']);
    assert.deepEqual(await s.call('EVAL', "local rc = redis.pcall local ok, v = pcall(rc, 'ECHO', 1/3) return v", 0), '0.33333333333333331');
  } finally {
    await s.close();
  }
});

test('a script that catches the budget error with pcall starts over on the worker and finishes its loop', async () => {
  const s = await busyServer();
  try {
    const caller = s.connect();
    const r = caller.send(['EVAL', 'local ok, v = pcall(function() ' + SPIN + "return x end) redis.call('SET', 'k', tostring(v)) return {tostring(ok), v}", 0]);
    await waitBusy(s);
    assert.deepEqual(await r, ['true', 50000005000000]);
    assert.equal(await s.call('GET', 'k'), '50000005000000');
  } finally {
    await s.close();
  }
});

test('the slow log and commandstats of a busy script cover its whole run, in one entry', async () => {
  const s = await busyServer();
  try {
    await s.call('SLOWLOG', 'RESET');
    await s.call('CONFIG', 'RESETSTAT');
    const caller = s.connect();
    const t0 = performance.now();
    const r = caller.send(['EVAL', SPIN + SPIN + 'return 1', 0]);
    await waitBusy(s);
    assert.equal(await r, 1);
    const wallUs = (performance.now() - t0) * 1000;
    const entries = (await s.call('SLOWLOG', 'GET', '10')) as unknown[][];
    const evals = entries.filter((e) => (e[3] as string[])[0] === 'EVAL');
    assert.equal(evals.length, 1);
    const micros = evals[0][2] as number;
    assert.ok(micros > wallUs * 0.7 && micros <= wallUs, `slow log says ${micros} us of ${wallUs}`);
    const stats = String(await s.call('INFO', 'commandstats'));
    const usec = Number(/cmdstat_eval:calls=1,usec=(\d+)/.exec(stats)![1]);
    assert.ok(usec > wallUs * 0.7 && usec <= wallUs, `commandstats say ${usec} us of ${wallUs}`);
  } finally {
    await s.close();
  }
});
