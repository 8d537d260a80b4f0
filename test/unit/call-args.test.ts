// The call-site rewrite that makes number arguments to redis.call reach Redis as "%.17g" text.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rewriteCallArgs } from '../../src/scripting/call-args';

test('call sites whose arguments are all strings are left alone', () => {
  assert.equal(rewriteCallArgs("return redis.call('SET', KEYS[1], ARGV[1], \"EX\", '10')"), null);
  assert.equal(rewriteCallArgs("redis.call('INCRBY', KEYS[1], 12345678901234)"), null);
  assert.equal(rewriteCallArgs('redis.call()'), null);
  assert.equal(rewriteCallArgs('return 1'), null);
});

test('arguments that may be numbers go through __n (one value) or __m (a last argument of several), in place', () => {
  assert.equal(rewriteCallArgs("redis.call('SET', k, 1.5)"), "redis.call('SET',__n( k),__n( 1.5))");
  assert.equal(rewriteCallArgs("x = redis.pcall ( 'ZADD', KEYS[1], s, m )"), "x = redis.pcall ( 'ZADD', KEYS[1],__n( s),__n( m ))");
  assert.equal(
    rewriteCallArgs("redis.call('SET', 'a', redis.call('INCRBY', 'b', n))"),
    "redis.call('SET', 'a',__m( redis.call('INCRBY', 'b',__n( n))))",
  );
  assert.equal(rewriteCallArgs("redis.call('X', {a = 1, b = f(2, 3)}, t[1])\nreturn 1"), "redis.call('X',__n( {a = 1, b = f(2, 3)}),__m( t[1]))\nreturn 1");
  assert.equal(rewriteCallArgs("redis.call('X',\n  n)"), "redis.call('X',__n(\n  n))");
  assert.equal(rewriteCallArgs("redis.call('LPUSH', KEYS[1], unpack(ARGV))"), "redis.call('LPUSH', KEYS[1],__m( unpack(ARGV)))");
  assert.equal(rewriteCallArgs("redis.call('LPUSH', KEYS[1], ...)"), "redis.call('LPUSH', KEYS[1],__m( ...))");
  assert.equal(rewriteCallArgs("redis.call('LPUSH', KEYS[1], f() -- all of them\n)"), "redis.call('LPUSH', KEYS[1],__m( f() -- all of them\n))");
  assert.equal(rewriteCallArgs("redis.call('LPUSH', KEYS[1], n --[[ one ]])"), "redis.call('LPUSH', KEYS[1],__n( n --[[ one ]]))");
});

test('a concatenation is a string; with `and` / `or` beside it, it may not be', () => {
  assert.equal(rewriteCallArgs("redis.call('HSET', KEYS[1] .. id, 'f', 'p' .. (n + 1) .. x)"), null);
  assert.equal(rewriteCallArgs("redis.call('SET', k .. 'x', 'a' .. b or 5)"), "redis.call('SET', k .. 'x',__n( 'a' .. b or 5))");
  assert.equal(rewriteCallArgs("redis.call('SET', ok and a .. b, '1')"), "redis.call('SET',__n( ok and a .. b), '1')");
  assert.equal(rewriteCallArgs("redis.call('SET', f(a .. b), '1')"), "redis.call('SET',__n( f(a .. b)), '1')");
});

test('strings, comments and long brackets are not code', () => {
  const body = "local s = 'redis.call(1)' -- redis.call(2)\nlocal t = [==[ redis.call(3) ]==] --[[ redis.call(4)\n]] return \"redis.call(5)\"";
  assert.equal(rewriteCallArgs(body), null);
  assert.equal(rewriteCallArgs("local s = 'a\\'b' redis.call('SET', s, n)"), "local s = 'a\\'b' redis.call('SET',__n( s),__n( n))");
});

test('local aliases of redis.call are call sites; other identifiers are not', () => {
  assert.equal(
    rewriteCallArgs('local rcall = redis.call\nrcall("ZADD", KEYS[1], score, id) xrcall(1) t.rcall(2) o:rcall(3)'),
    'local rcall = redis.call\nrcall("ZADD", KEYS[1],__n( score),__n( id)) xrcall(1) t.rcall(2) o:rcall(3)',
  );
  assert.equal(rewriteCallArgs("local pos = redis.pcall('LPOS', KEYS[1], ARGV[1])"), null);
  assert.equal(rewriteCallArgs('myredis.call(1) redis.callx(2)'), null);
});

test('with nulls, every call site result goes through __r (RESP3 nulls become nil)', () => {
  assert.equal(rewriteCallArgs("return redis.call('GET', KEYS[1])", true), "return __r(redis.call('GET', KEYS[1]))");
  assert.equal(
    rewriteCallArgs("local rc = redis.pcall\nlocal v = rc('HMGET', KEYS[1], f)[2]", true),
    "local rc = redis.pcall\nlocal v = __r(rc('HMGET', KEYS[1],__n( f)))[2]",
  );
});
