// FUNCTION / FCALL through the embedded API.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';

const LIB = `#!lua name=counter
local function bump(keys, args) return redis.call('INCRBY', keys[1], args[1] or 1) end
redis.register_function('bump', bump)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads'}`;

test('FUNCTION LOAD, FCALL, FCALL_RO, REPLACE, DELETE', async () => {
  const s = await startServer({ port: null });
  try {
    assert.equal(await s.call('FUNCTION', 'LOAD', LIB), 'counter');
    assert.equal(await s.call('FCALL', 'bump', 1, 'c', 5), 5);
    assert.equal(await s.call('FCALL', 'bump', 1, 'c'), 6);
    assert.equal(await s.call('FCALL_RO', 'peek', 1, 'c'), '6');
    await assert.rejects(s.call('FCALL_RO', 'bump', 1, 'c'), /Can not execute a script with write flag using \*_ro command/);
    await assert.rejects(s.call('FUNCTION', 'LOAD', LIB), /Library 'counter' already exists/);
    const v2 = LIB.replace("args[1] or 1", "(args[1] or 1) * 10");
    assert.equal(await s.call('FUNCTION', 'LOAD', 'REPLACE', v2), 'counter');
    assert.equal(await s.call('FCALL', 'bump', 1, 'c', 1), 16);
    assert.equal(await s.call('FUNCTION', 'DELETE', 'counter'), 'OK');
    await assert.rejects(s.call('FCALL', 'bump', 1, 'c'), /Function not found/);
  } finally {
    await s.close();
  }
});

/** RESP2 maps arrive as flat arrays: [k1, v1, k2, v2...] -> object (recursively for nested maps). */
function obj(flat: unknown): Record<string, unknown> {
  const a = flat as unknown[];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < a.length; i += 2) o[String(a[i])] = a[i + 1];
  return o;
}

test('FUNCTION LIST (pattern, WITHCODE) and STATS', async () => {
  const s = await startServer({ port: null });
  try {
    await s.call('FUNCTION', 'LOAD', LIB);
    const list = ((await s.call('FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'count*')) as unknown[]).map(obj);
    assert.equal(list.length, 1);
    assert.equal(list[0].library_name, 'counter');
    assert.equal(list[0].engine, 'LUA');
    assert.equal(list[0].library_code, LIB);
    const fns = (list[0].functions as unknown[]).map(obj);
    const peek = fns.find((f) => f.name === 'peek')!;
    assert.equal(peek.description, 'reads');
    assert.deepEqual(peek.flags, ['no-writes']);
    assert.deepEqual(await s.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'nope*'), []);
    assert.deepEqual(await s.call('FUNCTION', 'STATS'), ['running_script', null, 'engines', ['LUA', ['libraries_count', 1, 'functions_count', 2]]]);
  } finally {
    await s.close();
  }
});

test('FUNCTION DUMP / RESTORE with APPEND, REPLACE and FLUSH policies; a payload from redis-server', async () => {
  const s = await startServer({ port: null });
  try {
    await s.call('FUNCTION', 'LOAD', LIB);
    const dump = (await s.callBuffer('FUNCTION', 'DUMP')) as Buffer;
    await assert.rejects(s.call('FUNCTION', 'RESTORE', dump), /Library counter already exists/);
    assert.equal(await s.call('FUNCTION', 'RESTORE', dump, 'REPLACE'), 'OK');
    assert.equal(await s.call('FUNCTION', 'FLUSH'), 'OK');
    assert.equal(await s.call('FUNCTION', 'RESTORE', dump), 'OK');
    assert.equal(await s.call('FCALL', 'bump', 1, 'x'), 1);
    // Redis 7.0.15's DUMP of "#!lua name=zz\nredis.register_function('zz', function() return 1 end)".
    const fromRedis = Buffer.concat([
      Buffer.from('f54044', 'hex'),
      Buffer.from("#!lua name=zz\nredis.register_function('zz', function() return 1 end)", 'latin1'),
      Buffer.from('0a0064badfda6d83349e', 'hex'),
    ]);
    assert.equal(await s.call('FUNCTION', 'RESTORE', fromRedis, 'FLUSH'), 'OK');
    assert.equal(await s.call('FCALL', 'zz', 0), 1);
    await assert.rejects(s.call('FCALL', 'bump', 1, 'x'), /Function not found/);
    const corrupt = Buffer.from(fromRedis);
    corrupt[5] ^= 1;
    await assert.rejects(s.call('FUNCTION', 'RESTORE', corrupt), /DUMP payload version or checksum are wrong/);
  } finally {
    await s.close();
  }
});

test('function errors name the function and @user_function line', async () => {
  const s = await startServer({ port: null });
  try {
    await s.call('FUNCTION', 'LOAD', "#!lua name=bad\nredis.register_function('oops', function()\n  return missing_var\nend)");
    await assert.rejects(
      s.call('FCALL', 'oops', 0),
      /^RespiteError: ERR user_function:3: Script attempted to access nonexistent global variable 'missing_var' script: oops, on @user_function:3\.$/,
    );
    await assert.rejects(s.call('FUNCTION', 'LOAD', '#!lua name=c\nreturn 1 +'), /ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'/);
  } finally {
    await s.close();
  }
});

test('FCALL of one function of a many-function library: helpers, upvalues, errors at Redis line numbers', async () => {
  const lib = [
    '#!lua name=many',
    'local prefix = "p:"',
    'local function key(k) return prefix .. k end',
    "redis.register_function('setp', function(keys, args) return redis.call('SET', key(keys[1]), args[1]) end)",
    "redis.register_function{function_name = 'getp', callback = function(keys) return redis.call('GET', key(keys[1])) end, flags = {'no-writes'}}",
    "redis.register_function('boom', function(keys, args)",
    '  local x = nil',
    '  return x.field',
    'end)',
    "redis.register_function('num', function(keys, args) return redis.call('SET', keys[1], 2^53 + 2) end)",
    "redis.register_function('multi', function() return 1, 2 end)",
    "redis.register_function('fn', function() return function() end end)",
    "redis.register_function('plain', function(k, a)",
    "  if a[1] == 'err' then return redis.call('NOSUCHCOMMAND') end",
    "  return redis.call('GET', key(k[1]))",
    'end)',
  ].join('\n');
  const s = await startServer({ port: null });
  try {
    assert.equal(await s.call('FUNCTION', 'LOAD', lib), 'many');
    assert.equal(await s.call('FCALL', 'setp', 1, 'a', 'v'), 'OK');
    assert.equal(await s.call('GET', 'p:a'), 'v');
    assert.equal(await s.call('FCALL_RO', 'getp', 1, 'a'), 'v');
    await assert.rejects(s.call('FCALL', 'boom', 0), /user_function:8: attempt to index local 'x' \(a nil value\)/);
    assert.equal(await s.call('FCALL', 'num', 1, 'n'), 'OK');
    assert.equal(await s.call('GET', 'n'), '9007199254740994');
    assert.equal(await s.call('FCALL', 'multi', 0), 1);
    assert.equal(await s.call('FCALL', 'fn', 0), null);
    assert.equal(await s.call('FCALL', 'plain', 1, 'a'), 'v');
    await assert.rejects(s.call('FCALL', 'plain', 0, 'err'), { message: 'ERR Unknown Redis command called from script script: plain, on @user_function:14.' });
  } finally {
    await s.close();
  }
});

test('FCALL of a sliced library: its top-level locals named KEYS, ARGV or type are its own, not what FCALL passes or converts with', async () => {
  // Replies are redis-server 7.0's.
  const s = await startServer({ port: null });
  try {
    await s.call('FUNCTION', 'LOAD', "#!lua name=k\nlocal KEYS = {'mine'}\nredis.register_function('k', function(k, a) return k[1] end)");
    assert.equal(await s.call('FCALL', 'k', 1, 'x'), 'x');
    await s.call('FUNCTION', 'LOAD', "#!lua name=a\nlocal ARGV = {'mine'}\nredis.register_function('a', function(k, a) return {a[1]} end)");
    assert.deepEqual(await s.call('FCALL', 'a', 0, 'x'), ['x']);
    await s.call('FUNCTION', 'LOAD', "#!lua name=t\nlocal type = 5\nredis.register_function('t', function(k, a) return {1} end)");
    assert.deepEqual(await s.call('FCALL', 't', 0), [1]);
  } finally {
    await s.close();
  }
});

test('FCALL of a library whose table registration gives function_name twice calls the function of the last one', async () => {
  // As redis-server 7.0: the constructor's last function_name is the one registered.
  const s = await startServer({ port: null });
  try {
    const lib =
      "#!lua name=dup\nredis.register_function{function_name='x', function_name='a', callback=function() return 'f1' end}" +
      "\nredis.register_function{function_name='a', function_name='y', callback=function() return 'f2' end}";
    assert.equal(await s.call('FUNCTION', 'LOAD', lib), 'dup');
    assert.equal(await s.call('FCALL', 'a', 0), 'f1');
    assert.equal(await s.call('FCALL', 'y', 0), 'f2');
    await assert.rejects(s.call('FCALL', 'x', 0), /Function not found/);
  } finally {
    await s.close();
  }
});

test('FCALL errors name a top-level local read by the callback an upvalue, as Redis does; 210 locals still run', async () => {
  // Texts are redis-server 7.0's.
  const s = await startServer({ port: null });
  try {
    await s.call('FUNCTION', 'LOAD', "#!lua name=u1\nlocal cfg = nil\nredis.register_function('u1', function(k, a) local y = cfg.x return 1 end)");
    await assert.rejects(s.call('FCALL', 'u1', 0), {
      message: "ERR user_function:3: attempt to index upvalue 'cfg' (a nil value) script: u1, on @user_function:3.",
    });
    await s.call('FUNCTION', 'LOAD', "#!lua name=u2\nlocal h\nredis.register_function('u2', function(k, a)\n  h()\n  return 1\nend)");
    await assert.rejects(s.call('FCALL', 'u2', 0), {
      message: "ERR user_function:4: attempt to call upvalue 'h' (a nil value) script: u2, on @user_function:4.",
    });
    await s.call('FUNCTION', 'LOAD', "#!lua name=u3\nlocal n = 'x'\nredis.register_function('u3', function(k, a)\n  local z = n + 1\n  return 1\nend)");
    await assert.rejects(s.call('FCALL', 'u3', 0), {
      message: "ERR user_function:4: attempt to perform arithmetic on upvalue 'n' (a string value) script: u3, on @user_function:4.",
    });
    const names = (p: string, n: number) => Array.from({ length: n }, (_, i) => p + i).join(', ');
    await s.call('FUNCTION', 'LOAD', `#!lua name=many\nlocal ${names('a', 150)}\nredis.register_function('many', function(k, a)\n local ${names('b', 60)}\n return 1\nend)`);
    assert.equal(await s.call('FCALL', 'many', 0), 1);
  } finally {
    await s.close();
  }
});
