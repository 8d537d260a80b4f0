// Issue 18: the per-run Lua text was made cheaper (bodies whose every return is a redis.call /
// pcall or a literal run without the return wrapper; the nesting guard is compiled only when a
// returned table holds a table; the text stays resident in the VM heap). The replies must not move.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../../src/index';
import { returnsPlainValues } from '../../src/scripting/prelude';

test('returnsPlainValues vouches only for bodies the wrapper cannot change', () => {
  const cases: [string, boolean][] = [
    ["return redis.call('incr', KEYS[1])", true],
    ["return redis.call('incr', KEYS[1]) -- done", true],
    ["local x = 1 if x then return redis.pcall('get', 'a') else return nil end", true],
    ["redis.call('set', 'a', 'b')", true],
    ["local s = 'return {1}' return redis.call('get', s)", true],
    ["--[[ return x ]] return 0", true],
    ["return redis.call('get', ')') ;", true],
    ["return redis.call('get', 'a') .. 'x'", false],
    ["return redis.call('get', 'a'), 2", false],
    ["return redis.call('get', 'a')[1]", false],
    ['return {1, 2}', false],
    ['return 1.5', false],
    ["return 'x' .. 'y'", false],
    ['return KEYS[1]', false],
    ["local function f() return print end return redis.call('ping')", false],
    ["local redis = {call = function() return print end} return redis.call('x')", false],
    ["error('x', 2)", false],
    ['return', false],
  ];
  for (const [body, want] of cases) assert.equal(returnsPlainValues(body), want, body);
});

test('scripts reply the same whichever text runs them', async () => {
  const s = await startServer({ port: null });
  try {
    // Unwrapped bodies.
    assert.equal(await s.call('EVAL', "return redis.call('incr', KEYS[1])", '1', 'n'), 1);
    assert.equal(await s.call('EVAL', "redis.call('set', KEYS[1], 'v')", '1', 'k'), null);
    assert.equal(await s.call('EVAL', "return redis.call('get', KEYS[1]) -- c", '1', 'k'), 'v');
    assert.equal(await s.call('EVAL', "if #KEYS > 0 then return redis.call('get', KEYS[1]) else return nil end", '0'), null);
    await assert.rejects(s.call('EVAL', "return redis.pcall('nosuchcommand')", '0'), /Unknown Redis command called from script/);
    // Wrapped ones: first value only, functions give nil, NaN, the nesting guard.
    assert.equal(await s.call('EVAL', 'return 1, 2', '0'), 1);
    assert.equal(await s.call('EVAL', 'return tostring', '0'), null);
    assert.equal(await s.call('EVAL', 'local z = 0 return z / z', '0'), -9223372036854775808n);
    assert.deepEqual(await s.call('EVAL', 'return {1, {2, {3}}}', '0'), [1, [2, [3]]]);
    await assert.rejects(s.call('EVAL', 'local t = {} t[1] = t return t', '0'), /reached lua stack limit/);
    // The resident text follows the script that runs: alternate two bodies by SHA.
    const a = (await s.call('SCRIPT', 'LOAD', "return redis.call('incr', KEYS[1])")) as string;
    const b = (await s.call('SCRIPT', 'LOAD', "return {redis.call('incrby', KEYS[1], 10)}")) as string;
    for (let i = 1; i <= 3; i++) {
      assert.equal(await s.call('EVALSHA', a, '1', 'x'), 11 * i - 10);
      assert.deepEqual(await s.call('EVALSHA', b, '1', 'x'), [11 * i]);
    }
  } finally {
    await s.close();
  }
});
