// What Redis 7.0's unit/scripting and unit/functions suites check, through the embedded API (the
// byte-for-byte comparisons with redis-server are in test/differential/scripting-suite.test.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { errorOf, raw, withServer } from '../helpers/embedded';

const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;

test('returning _G or a table with a metatable: its array part, read raw', () =>
  withServer(async (s) => {
    assert.deepEqual(await s.call('EVAL', 'return _G', 0), []);
    assert.deepEqual(await s.call('EVAL', "return setmetatable({1, 2}, {__index = function() error('no') end})", 0), [1, 2]);
    await s.call('FUNCTION', 'LOAD', lib('g', "redis.register_function('g', function() return _G end)"));
    assert.deepEqual(await s.call('FCALL', 'g', 0), []);
    assert.equal(await s.call('EVAL', 'return 1', 0), 1);
  }));

test('FCALL finds functions whatever the case of their name; collisions ignore case', () =>
  withServer(async (s) => {
    await s.call('FUNCTION', 'LOAD', lib('test', "redis.register_function('test', function() return 1 end)"));
    assert.equal(await s.call('FCALL', 'TEST', 0), 1);
    assert.equal(await errorOf(s, 'FCALL_RO', 'TeSt', 0), 'ERR Can not execute a script with write flag using *_ro command.');
    assert.equal(await errorOf(s, 'FUNCTION', 'LOAD', lib('other', "redis.register_function('TEST', function() end)")), 'ERR Function TEST already exists');
    await s.call('FUNCTION', 'DELETE', 'test');
    assert.equal(await errorOf(s, 'FCALL', 'TEST', 0), 'ERR Function not found');
  }));

test('library metadata is split like sdssplitargs; name checked before the engine', () =>
  withServer(async (s) => {
    const fn = "\nredis.register_function('foo', function() return 1 end)";
    assert.equal(await s.call('FUNCTION', 'LOAD', '#!lua name="foo"' + fn), 'foo');
    assert.equal(await errorOf(s, 'FUNCTION', 'LOAD', '#! name=test' + fn), "ERR Engine '' not found");
    assert.equal(await errorOf(s, 'FUNCTION', 'LOAD', '#!lua name="foo' + fn), 'ERR Invalid library metadata');
    assert.match(await errorOf(s, 'FUNCTION', 'LOAD', '#!js name=bad-name' + fn), /^ERR Library names can only contain/);
    assert.equal(await errorOf(s, 'FUNCTION', 'LOAD', '#!lua name=x'), 'ERR Invalid library metadata');
    assert.equal(await errorOf(s, 'FUNCTION', 'RESTORE', 'a', 'b', 'c'), "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.");
    assert.equal(await errorOf(s, 'FUNCTION', 'FLUSH', 'a', 'b'), "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.");
  }));

test('library code loads with only a read-only redis; its functions run with the usual globals', () =>
  withServer(async (s) => {
    const load = (body: string) => errorOf(s, 'FUNCTION', 'LOAD', 'REPLACE', lib('bad', body));
    assert.equal(await load('return math.random()'), "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'math'");
    assert.equal(await load('redis.x = 5'), 'ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table');
    await s.call(
      'FUNCTION',
      'LOAD',
      lib(
        'lib1',
        [
          'local lib = redis',
          "lib.register_function('f1', function () lib.redis = redis end)",
          "lib.register_function('f2', function () lib.register_function('f1', function () return 1 end) end)",
          "lib.register_function('f3', function () return redis.register_function('a', function() end) end)",
          "lib.register_function('f4', function () return math.floor(2.5) .. string.upper('x') end)",
          "lib.register_function('f5', function () redis = 1 end)",
        ].join('\n'),
      ),
    );
    assert.equal(await errorOf(s, 'FCALL', 'f1', 0), 'ERR user_function:3: Attempt to modify a readonly table script: f1, on @user_function:3.');
    assert.equal(await errorOf(s, 'FCALL', 'f2', 0), 'ERR redis.register_function can only be called on FUNCTION LOAD command script: f2, on @user_function:4.');
    assert.equal(
      await errorOf(s, 'FCALL', 'f3', 0),
      "ERR user_function:5: attempt to call field 'register_function' (a nil value) script: f3, on @user_function:5.",
    );
    assert.equal(await s.call('FCALL', 'f4', 0), '2X');
    assert.equal(await errorOf(s, 'FCALL', 'f5', 0), 'ERR user_function:7: Attempt to modify a readonly table script: f5, on @user_function:7.');
  }));

test('redis.sha1hex takes one argument; redis.call takes unpack() of 7999 numbers', () =>
  withServer(async (s) => {
    assert.match(await errorOf(s, 'EVAL', 'return redis.sha1hex()', 0), /^ERR wrong number of arguments script: \w+, on @user_script:1\.$/);
    const many = 'local a = {} for i=1,7999 do a[i] = 1 end return redis.call("lpush", "l", 2, unpack(a))';
    assert.equal(await s.call('EVAL', many, 0), 8000);
  }));

test('pcall sees "Script attempted to access nonexistent global variable"', () =>
  withServer(async (s) => {
    const r = await s.call('EVAL', 'local ok, e = pcall(function() return foo end) return e', 0);
    assert.equal(r, "user_script:1: Script attempted to access nonexistent global variable 'foo'");
  }));

test('read-only scripts refuse may-replicate commands; SORT BY <constant> of a set is sorted in scripts', () =>
  withServer(async (s) => {
    const ro = 'ERR Write commands are not allowed from read-only scripts.';
    assert.ok((await errorOf(s, 'EVAL_RO', "return redis.call('publish','ch','msg')", 0)).startsWith(ro));
    assert.ok((await errorOf(s, 'EVAL', "#!lua flags=no-writes\nreturn redis.call('publish','ch','msg')", 0)).startsWith(ro));
    assert.equal(await s.call('EVAL', "return redis.call('publish','ch','msg')", 0), 0);
    await s.call('SADD', 'myset', 'b', 'a', 'c', 'aa');
    assert.deepEqual(await s.call('EVAL', "return redis.call('sort', KEYS[1], 'by', '_')", 1, 'myset'), ['a', 'aa', 'b', 'c']);
  }));

test('commands refused inside a script count as rejected calls; a redis.call error is counted once', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'RESETSTAT');
    await errorOf(s, 'EVAL_RO', "return redis.call('set','x','y')", 1, 'x');
    const info = String(await s.call('INFO', 'all'));
    assert.match(info, /cmdstat_set:calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0/);
    assert.match(info, /cmdstat_eval_ro:calls=1,.*rejected_calls=0,failed_calls=1/);
    assert.match(info, /total_error_replies:1\r\n/);
    await s.call('CONFIG', 'RESETSTAT');
    await errorOf(s, 'EVAL', "return redis.call('select', 99)", 0);
    assert.match(String(await s.call('INFO', 'stats')), /total_error_replies:1\r\n/);
  }));

test('DEBUG SET-DISABLE-DENY-SCRIPTS lets scripts run noscript commands, but not scripts', async () => {
  const s = await startServer({ port: null, 'enable-debug-command': 'yes' });
  try {
    const deny = /^ERR This Redis command is not allowed from script/;
    assert.match(await errorOf(s, 'EVAL', "return redis.call('client','list')", 0), deny);
    assert.equal(await s.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'), 'OK');
    assert.equal(await s.call('EVAL', "return type(redis.call('client','list'))", 0), 'string');
    assert.match(await errorOf(s, 'EVAL', "return redis.call('eval', 'return 1', 0)", 0), deny);
    assert.equal(await s.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'), 'OK');
    assert.match(await errorOf(s, 'EVAL', "return redis.call('client','list')", 0), deny);
    assert.ok(!(await raw(s, 'DEBUG', 'HELP') as string[]).some((l) => String(l).includes('DISABLE-DENY')));
  } finally {
    await s.close();
  }
});
