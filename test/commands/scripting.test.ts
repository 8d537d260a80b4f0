// EVAL family through the embedded API: atomic runs, the script client (SELECT, MONITOR, blocking
// commands), the frozen clock, blocked clients served after a script, and runaway scripts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { SimpleString } from '../../src/resp/reply';

test('EVAL runs commands and converts replies; EVALSHA uses the cache', async () => {
  const s = await startServer({ port: null });
  try {
    assert.equal(await s.call('EVAL', "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])", 1, 'k', 'v'), 'v');
    const sha = (await s.call('SCRIPT', 'LOAD', 'return {KEYS[1], tonumber(ARGV[1]) * 2}')) as string;
    assert.equal(sha.length, 40);
    assert.deepEqual(await s.call('EVALSHA', sha, 1, 'a', 21), ['a', 42]);
    assert.deepEqual(await s.call('SCRIPT', 'EXISTS', sha, 'ffff'), [1, 0]);
    assert.equal(await s.call('SCRIPT', 'FLUSH'), 'OK');
    await assert.rejects(s.call('EVALSHA', sha, 0), /^RespiteError: NOSCRIPT No matching script/);
  } finally {
    await s.close();
  }
});

test('Lua 5.1 number semantics that real scripts rely on', async () => {
  const s = await startServer({ port: null });
  try {
    // BullMQ's priority score: priority * 0x100000000 + counter % 0x100000000.
    assert.equal(await s.call('EVAL', 'return tostring(3 * 0x100000000 + 7 % 0x100000000)', 0), '12884901895');
    assert.equal(await s.call('EVAL', "return tostring(tonumber('3600000') * 1000)", 0), '3600000000');
    assert.equal(await s.call('EVAL', 'return tostring(10 / 2)', 0), '5');
    assert.equal(await s.call('EVAL', 'return 7.9', 0), 7);
  } finally {
    await s.close();
  }
});

test('the script client follows the caller database; SELECT inside does not leak back', async () => {
  const s = await startServer({ port: null });
  try {
    const c = s.connect();
    await c.send(['SELECT', '3']);
    await c.send(['EVAL', "redis.call('SET', 'k', 'in3') redis.call('SELECT', 5) redis.call('SET', 'k', 'in5')", '0']);
    assert.equal(await c.send(['GET', 'k']), 'in3');
    await c.send(['SELECT', '5']);
    assert.equal(await c.send(['GET', 'k']), 'in5');
  } finally {
    await s.close();
  }
});

test('blocking commands inside a script answer at once; a script push serves blocked clients', async () => {
  const s = await startServer({ port: null });
  try {
    const t0 = Date.now();
    assert.equal(await s.call('EVAL', "return redis.call('BLMPOP', 0, 1, 'empty', 'LEFT')", 0), null);
    assert.ok(Date.now() - t0 < 1000);
    const waiter = s.connect();
    const popped = waiter.send(['BLPOP', 'q', '0']);
    await s.call('EVAL', "redis.call('RPUSH', KEYS[1], 'job1') return 1", 1, 'q');
    assert.deepEqual(await popped, ['q', 'job1']);
  } finally {
    await s.close();
  }
});

test('the keyspace clock stands still while a script runs', async () => {
  const s = await startServer({ port: null });
  try {
    // The key expires 1 ms after it is set, and the script spins for ~20 ms of real time.
    const r = await s.call(
      'EVAL',
      "redis.call('SET', 'k', 'v', 'PX', 1) local t = os_clock_free or 0 for i = 1, 3000000 do t = t + 1 end return redis.call('GET', 'k')",
      0,
    ).catch((e: Error) => e.message);
    // os_clock_free is not a global: the sandbox refuses it (proves globals protection too).
    assert.match(String(r), /Script attempted to access nonexistent global variable 'os_clock_free'/);
    const v = await s.call('EVAL', "redis.call('SET', 'k', 'v', 'PX', 1) local t = 0 for i = 1, 3000000 do t = t + 1 end return redis.call('GET', 'k')", 0);
    assert.equal(v, 'v');
    await new Promise((res) => setTimeout(res, 5));
    assert.equal(await s.call('GET', 'k'), null);
  } finally {
    await s.close();
  }
});

test('MONITOR shows EVAL and then the script commands as [db lua]', async () => {
  const s = await startServer({ port: null });
  try {
    const m = s.connect();
    await m.send(['MONITOR']);
    await s.call('EVAL', "return redis.call('SET', 'mk', 'mv')", 0);
    await new Promise((res) => setImmediate(res));
    const lines = m.pushes.map((p) => (p as SimpleString).value);
    assert.ok(lines.some((l) => /\[0 embedded\] "EVAL"/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /\[0 lua\] "SET" "mk" "mv"/.test(l)), lines.join('\n'));
  } finally {
    await s.close();
  }
});

test('EVAL inside MULTI runs at EXEC; write checks for EVAL_RO and no-writes', async () => {
  const s = await startServer({ port: null });
  try {
    const c = s.connect();
    await c.send(['MULTI']);
    await c.send(['EVAL', "return redis.call('INCR', 'n')", '0']);
    await c.send(['EVAL', "return redis.call('INCR', 'n')", '0']);
    assert.deepEqual(await c.send(['EXEC']), [1, 2]);
    const e = await c.send(['EVAL_RO', "return redis.call('DEL', 'n')", '0']);
    assert.ok(e instanceof ReplyError);
    assert.match(e.message, /^ERR Write commands are not allowed from read-only scripts\. script: [0-9a-f]{40}, on @user_script:1\.$/);
    assert.equal(await c.send(['GET', 'n']), '2');
  } finally {
    await s.close();
  }
});

test('math.random follows Redis: one shared sequence, reseeded by math.randomseed', async () => {
  const s = await startServer({ port: null });
  try {
    assert.equal(await s.call('EVAL', 'return math.random(100)', 0), 40);
    assert.equal(await s.call('EVAL', 'return tostring(math.random())', 0), '0.84048536971234');
    assert.deepEqual(await s.call('EVAL', 'math.randomseed(0) return {math.random(100), math.random(100)}', 0), [18, 75]);
  } finally {
    await s.close();
  }
});

test('redis.log writes to the server log', async () => {
  const lines: string[] = [];
  const s = await startServer({ port: null, log: (l: string) => lines.push(l) });
  try {
    await s.call('EVAL', "redis.log(redis.LOG_WARNING, 'from lua')", 0);
    assert.ok(lines.some((l) => l.includes('from lua')), lines.join('\n'));
  } finally {
    await s.close();
  }
});

test('a script returning a table that contains itself gets an error, and the server keeps serving', async () => {
  const s = await startServer({ port: null });
  try {
    await assert.rejects(s.call('EVAL', 'local t = {} t[1] = t return t', 0), /reached lua stack limit/);
    await assert.rejects(s.call('EVAL', 'local a, b = {}, {} a[1] = b b[1] = a return {1, a}', 0), /reached lua stack limit/);
    await s.call('FUNCTION', 'LOAD', "#!lua name=selfref\nredis.register_function('loop', function() local t = {} t[1] = t return t end)");
    await assert.rejects(s.call('FCALL', 'loop', 0), /reached lua stack limit/);
    // Deep but finite nesting still converts.
    assert.deepEqual(await s.call('EVAL', 'return {1, {2, {3}}}', 0), [1, [2, [3]]]);
    assert.equal(await s.call('PING'), 'PONG');
  } finally {
    await s.close();
  }
});
