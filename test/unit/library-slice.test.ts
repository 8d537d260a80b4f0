// FCALL's text for one function of a library whose top level only declares and registers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { sliceLibrary } from '../../src/scripting/library-slice';

const LIB = `
local function helper(x) return x .. '!' end
local N, M = 5, "x" -- a comment
redis.register_function('first', function(KEYS, ARGV) return helper(ARGV[1]) end)
redis.register_function{function_name='second', callback=function(k, a) return N end, flags={'no-writes'}}
redis.register_function(
  'third',
  function(keys, args)
    return M
  end
);
redis.register_function({function_name = "fourth", description = 'd', callback = function() return 4 end})`;

const lines = (s: string): number => s.split('\n').length;

test('only the called registration is left, as an assignment of its callback; lines stay', () => {
  const first = sliceLibrary(LIB, 'first')!;
  assert.ok(first.includes("__fn = ({'first', function(KEYS, ARGV) return helper(ARGV[1]) end})[2]"), first);
  assert.ok(first.includes('local function helper(x)') && first.includes('local N, M = 5, "x"'));
  assert.ok(!first.includes('second') && !first.includes('third') && !first.includes('fourth') && !first.includes('register_function'));
  assert.equal(lines(first), lines(LIB));
  const second = sliceLibrary(LIB, 'second')!;
  assert.ok(second.includes("__fn = ({function_name='second', callback=function(k, a) return N end, flags={'no-writes'}}).callback"), second);
  const third = sliceLibrary(LIB, 'third')!;
  assert.ok(third.includes("__fn = ({\n  'third',\n  function(keys, args)\n    return M\n  end\n})[2];"), third);
  assert.equal(third.split('\n').findIndex((l) => l.includes("'third'")), LIB.split('\n').findIndex((l) => l.includes("'third'")));
  const fourth = sliceLibrary(LIB, 'fourth')!;
  assert.ok(fourth.includes('__fn = (({function_name = "fourth", description = \'d\', callback = function() return 4 end})).callback'), fourth);
  assert.equal(sliceLibrary(LIB, 'nope'), null);
});

test('a top level that may run code keeps the whole library', () => {
  const reg = "\nredis.register_function('a', function() return 1 end)";
  for (const top of [
    'local x = f()', // a call
    "local t = setmetatable({}, {})",
    'for i = 1, 2 do end',
    'if x then end',
    'x = 1', // an assignment to a global
    "redis.log(redis.LOG_NOTICE, 'loading')",
    'local s = "a" .. "b"', // an operator
    "redis.register_function('b', make())", // an argument that calls
    "local function reg(n) redis.register_function(n, function() end) end reg('b')",
    'return',
    '-- register_function in a comment',
    'local __fn = 1',
  ]) {
    assert.equal(sliceLibrary(`\n${top}${reg}`, 'a'), null, top);
  }
  assert.equal(sliceLibrary("\nredis.register_function('a', function() end)('x')", 'a'), null);
  assert.equal(sliceLibrary("\nredis.register_function(name, function() end)", 'a'), null, 'a name not given as a literal');
  assert.notEqual(sliceLibrary(`\nlocal rcall = redis.call local x, y = {1, 'a', {b = -2}}, nil${reg}`, 'a'), null);
});

test('in place: the callback body runs in a do block bound to KEYS and ARGV, lines kept', () => {
  const lib = "\nlocal x = 1\nredis.register_function(\n 'a',\n function(\n k,\n a)\n return redis.call('GET', k[1])\n end\n)\nlocal y = 2";
  const out = sliceLibrary(lib, 'a', true)!;
  assert.equal(out, "\nlocal x = 1\n\n\ndo local k, a = KEYS, ARGV \n\n\n return redis.call('GET', k[1])\n end\n\nlocal y = 2");
  assert.equal(lines(out), lines(lib));
  assert.equal(sliceLibrary("\nredis.register_function('a', function() return 1 end)", 'a', true), "\ndo  return 1 end");
  // Not in place: a callback given by name, a vararg one, the table form, a library local named KEYS.
  assert.equal(sliceLibrary("\nlocal function f() return 1 end\nredis.register_function('a', f)", 'a', true), null);
  assert.equal(sliceLibrary("\nredis.register_function('a', function(...) return 1 end)", 'a', true), null);
  assert.equal(sliceLibrary("\nredis.register_function{function_name = 'a', callback = function() return 1 end}", 'a', true), null);
  assert.equal(sliceLibrary("\nlocal KEYS = {}\nredis.register_function('a', function(KEYS) return 1 end)", 'a', true), null);
});

test('a table giving function_name twice keeps the whole library (the last one is the name)', () => {
  const lib =
    "\nredis.register_function{function_name='x', function_name='a', callback=function() return 'f1' end}" +
    "\nredis.register_function{function_name='a', function_name='y', callback=function() return 'f2' end}";
  assert.equal(sliceLibrary(lib, 'a'), null);
  assert.equal(sliceLibrary(lib, 'y'), null);
});

test('in place only when the callback reads no top-level local (an upvalue in Redis) and the locals stay within 200', () => {
  const reg = (body: string) => `\nredis.register_function('a', function(k, a)\n${body}\nend)`;
  // Reading a top-level local: not in place (its errors would say "local 'cfg'", Redis's "upvalue 'cfg'").
  assert.equal(sliceLibrary('\nlocal cfg = nil' + reg('local y = cfg.x return 1'), 'a', true), null);
  assert.equal(sliceLibrary('\nlocal h' + reg('h() return 1'), 'a', true), null);
  // A top-level local function may be called; used any other way it is an upvalue too.
  assert.notEqual(sliceLibrary('\nlocal function h() return 1 end' + reg('h() return 1'), 'a', true), null);
  assert.equal(sliceLibrary('\nlocal function h() return 1 end' + reg('h = nil h() return 1'), 'a', true), null);
  assert.equal(sliceLibrary('\nlocal function h() return 1 end local h' + reg('h() return 1'), 'a', true), null);
  // A field of the same name is not the local.
  assert.notEqual(sliceLibrary('\nlocal n = 1' + reg("local t = {} t.n = 2 return redis.call('GET', t.n)"), 'a', true), null);
  // 150 top-level locals and 60 in the callback: more than Lua's 200 in one function.
  const names = (p: string, n: number) => Array.from({ length: n }, (_, i) => p + i).join(', ');
  assert.equal(sliceLibrary(`\nlocal ${names('a', 150)}` + reg(`local ${names('b', 60)} return 1`), 'a', true), null);
  assert.notEqual(sliceLibrary(`\nlocal ${names('a', 100)}` + reg(`local ${names('b', 60)} return 1`), 'a', true), null);
  assert.equal(sliceLibrary(`\nlocal ${names('a', 150)}` + reg(`for ${names('b', 40)} in x do end for i = 1, 2 do end return 1`), 'a', true), null);
});
