// EVAL / EVALSHA / SCRIPT / FUNCTION / FCALL against the reference redis-server: replies must be
// byte-identical, error texts included (`script: <sha>, on @user_script:<line>.`).
import { test } from 'node:test';
import { differential } from '../helpers/differential';

const LIB = `#!lua name=mylib
local function get(keys, args) return redis.call('GET', keys[1]) end
redis.register_function('myget', get)
redis.register_function{function_name='echo_ro', callback=function(k, a) return a[1] end, flags={'no-writes'}}
redis.register_function('myincr', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function('boom', function() return undefined_global end)
redis.register_function('cmderr', function() return redis.call('nosuch') end)`;

differential('scripting', (ctx) => {
  test('EVAL: KEYS/ARGV, Lua -> RESP2 conversions, numbers truncated, tables stop at nil', async () => {
    const p = await ctx.pair();
    await p.script([
      ['EVAL', 'return {KEYS[1], ARGV[1], ARGV[2]}', '1', 'k', 'a', 'b'],
      ['EVAL', 'return 3.99', '0'],
      ['EVAL', 'return -3.99', '0'],
      ['EVAL', 'return {1, 2, nil, 4}', '0'],
      ['EVAL', 'return {1, 2, {3, "x", {4}}}', '0'],
      ['EVAL', 'return true', '0'],
      ['EVAL', 'return false', '0'],
      ['EVAL', 'return nil', '0'],
      ['EVAL', "return {ok='fine'}", '0'],
      ['EVAL', "return {err='My error'}", '0'],
      ['EVAL', "return {ok='a\\r\\nb'}", '0'],
      ['EVAL', "return redis.error_reply('foo')", '0'],
      ['EVAL', "return redis.error_reply('-FOO bar')", '0'],
      ['EVAL', "return redis.status_reply('st')", '0'],
      ['EVAL', 'return 2^63', '0'],
      ['EVAL', 'return 1e300', '0'],
      ['EVAL', "return redis.sha1hex('')", '0'],
      ['EVAL', "return redis.sha1hex('abc')", '0'],
      ['EVAL', 'return redis.REDIS_VERSION_NUM >= 0x070000', '0'],
      ['EVAL', 'return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}', '0'],
      ['EVAL', 'return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, redis.REPL_ALL}', '0'],
      ['EVAL', 'return redis.replicate_commands()', '0'],
      ['EVAL', 'return redis.set_repl(redis.REPL_ALL)', '0'],
      ['EVAL', 'return redis.set_repl(99)', '0'],
      ['EVAL', 'return redis.setresp(4)', '0'],
      ['EVAL', "return redis.acl_check_cmd('get', 'a')", '0'],
      ['EVAL', '', '0'],
    ]);
  });

  test('Lua 5.1 numbers and libraries (cjson, cmsgpack, bit, struct)', async () => {
    const p = await ctx.pair();
    await p.script([
      ['EVAL', 'return tostring(3600000 * 1000)', '0'],
      ['EVAL', 'return tostring(2^53 % 0x100000000)', '0'],
      ['EVAL', 'return tostring(10 / 2)', '0'],
      ['EVAL', 'return tostring(1e15) .. " " .. tostring(2^53) .. " " .. tostring(0.1 + 0.2)', '0'],
      ['EVAL', 'return 5 * 0x100000000 + 12345 % 0x100000000', '0'],
      ['EVAL', "return tonumber('1700000000000') + 1", '0'],
      ['EVAL', 'return _VERSION', '0'],
      ['EVAL', 'return table.concat({1, 2.5, 10/2}, ",")', '0'],
      ['EVAL', 'return select("#", unpack({1, 2, 3}))', '0'],
      ['EVAL', "return #loadstring('return 1')", '0'],
      ['EVAL', "return loadstring('return 7')()", '0'],
      ['EVAL', 'return cjson.encode({1, 2, "x", {a = 1}})', '0'],
      ['EVAL', "local t = cjson.decode('[1,2,{\"a\":null}]') return {t[1], t[2], tostring(t[3].a == cjson.null)}", '0'],
      ['EVAL', 'return cmsgpack.pack({1, 2, "abc"})', '0'],
      ['EVAL', 'return cmsgpack.unpack(ARGV[1])', '0', Buffer.from([0x93, 0x01, 0x02, 0xa1, 0x78])],
      ['EVAL', 'return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 31), bit.tohex(255)}', '0'],
      ['EVAL', "return struct.pack('>I2', 258)", '0'],
      ['EVAL', "return {struct.unpack('>I2', ARGV[1])}", '0', Buffer.from([1, 2])],
      ['EVAL', 'return string.format("%5.1f|%d|%s", 3.14159, 42, "x")', '0'],
      ['EVAL', 'return {math.random(100), math.random(1, 6), tostring(math.random())}', '0'],
      ['EVAL', 'math.randomseed(7) return {math.random(1000), math.random(1000)}', '0'],
      ['EVAL', 'local r = math.random(0) return r', '0'],
      ['EVAL', 'local r = math.random(5, 1) return r', '0'],
    ]);
  });

  test('binary data through KEYS/ARGV and redis.call', async () => {
    const p = await ctx.pair();
    const bin = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x80]);
    await p.run('EVAL', "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])", '1', bin, bin);
    await p.run('EVAL', 'return string.len(ARGV[1])', '0', bin);
    await p.run('GET', bin);
  });

  test('redis.call replies -> Lua, redis.pcall, errors raised from commands', async () => {
    const p = await ctx.pair();
    await p.script([
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['HSET', 'h', 'f', 'v'],
      ['EVAL', "return redis.call('LRANGE', KEYS[1], 0, -1)", '1', 'l'],
      ['EVAL', "return redis.call('GET', 'missing') == false", '0'],
      ['EVAL', "return type(redis.call('SET', 'x', '1'))", '0'],
      ['EVAL', "return redis.call('SET', 'x', '1').ok", '0'],
      ['EVAL', "return redis.call('INCRBYFLOAT', 'f', '1.5')", '0'],
      ['EVAL', "return redis.call('HGETALL', 'h')", '0'],
      ['EVAL', "return redis.call('GET', 'l')", '0'],
      ['EVAL', "return redis.pcall('GET', 'l')", '0'],
      ['EVAL', "local r = redis.pcall('GET', 'l') return r.err", '0'],
      ['EVAL', "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), e}", '0'],
      ['EVAL', "return redis.call('nosuch')", '0'],
      ['EVAL', "return redis.pcall('nosuch')", '0'],
      ['EVAL', "return redis.call('GET')", '0'],
      ['EVAL', "return redis.call('GET', 'a', 'b')", '0'],
      ['EVAL', "return redis.call('MULTI')", '0'],
      ['EVAL', "return redis.call('EVAL', 'return 1', '0')", '0'],
      ['EVAL', "return redis.call('BLPOP', 'l', 0)", '0'],
      ['EVAL', 'return redis.call()', '0'],
      ['EVAL', 'return redis.pcall()', '0'],
      ['EVAL', 'return redis.call(nil)', '0'],
      ['EVAL', "return redis.call('GET', {})", '0'],
      ['EVAL', "return redis.call('SET', 'num', 3.0)", '0'],
      ['EVAL', "redis.call('SELECT', 1) redis.call('SET', 'indb1', 'y') return redis.call('GET', 'indb1')", '0'],
      ['GET', 'indb1'],
      ['SELECT', '1'],
      ['GET', 'indb1'],
      ['SELECT', '0'],
      ['EVAL', "redis.call('SET', 'w', '1') return redis.call('NOSUCH')", '0'],
      ['GET', 'w'],
    ]);
  });

  test('script errors: globals protection, runtime and compile errors, error objects', async () => {
    const p = await ctx.pair();
    await p.script([
      ['EVAL', 'return x', '0'],
      ['EVAL', 'x = 1', '0'],
      ['EVAL', "error('boom')", '0'],
      ['EVAL', "\n\nerror('on line three')", '0'],
      ['EVAL', 'return 1 +', '0'],
      ['EVAL', 'return (', '0'],
      ['EVAL', 'local t = nil return t.x', '0'],
      ['EVAL', 'return os', '0'],
      ['EVAL', 'return io', '0'],
      ['EVAL', "return require('x')", '0'],
      ['EVAL', 'return dofile', '0'],
      ['EVAL', 'return loadfile', '0'],
      ['EVAL', 'return print', '0'],
      ['EVAL', 'return setmetatable(_G, nil)', '0'],
      ['EVAL', 'return rawset(_G, "y", 1)', '0'],
      ['EVAL', 'redis.call = function() end', '0'],
      ['EVAL', 'cjson.encode = nil', '0'],
    ]);
  });

  test('EVAL argument errors, EVALSHA, SCRIPT LOAD/EXISTS/FLUSH/KILL', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SCRIPT', 'FLUSH'],
      ['EVAL', 'return 1', '-1'],
      ['EVAL', 'return 1', '2', 'a'],
      ['EVAL', 'return 1', 'x'],
      ['EVAL', 'return 1'],
      ['EVALSHA', '0000000000000000000000000000000000000000', '0'],
      ['EVALSHA', 'abc', '0'],
      // A digest of the wrong length is refused before numkeys is read; a 40-character one after.
      ['EVALSHA', 'abc', 'x'],
      ['EVALSHA', 'abc', '-1'],
      ['EVALSHA_RO', 'abc', '5', 'k'],
      ['EVALSHA', '0000000000000000000000000000000000000000', 'x'],
      ['EVALSHA', '0000000000000000000000000000000000000000', '3', 'k'],
      ['SCRIPT', 'LOAD', 'return KEYS[1]'],
      ['EVALSHA', '04ab4e8b14bfa8b4bd7d75e4a2fd5d33e8f0e7f4', '1', 'k'],
      ['SCRIPT', 'LOAD', 'return 1 +'],
      ['SCRIPT', 'EXISTS', 'a', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
      ['EVAL', 'return 1', '0'],
      ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB'],
      ['EVALSHA', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB', '0'],
      ['SCRIPT', 'FLUSH', 'bogus'],
      ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
      ['SCRIPT', 'KILL'],
      ['FUNCTION', 'KILL'],
      ['SCRIPT', 'NOSUCH'],
      ['SCRIPT', 'HELP'],
      ['SCRIPT', 'DEBUG', 'NO'],
      ['SCRIPT', 'DEBUG', 'maybe'],
    ]);
  });

  test('read-only scripts: EVAL_RO, #!lua flags=no-writes, shebang errors', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SET', 'k', 'v'],
      ['EVAL_RO', "return redis.call('GET', KEYS[1])", '1', 'k'],
      ['EVAL_RO', "return redis.call('SET', KEYS[1], 'x')", '1', 'k'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('SET', 'k', 'x')", '0'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('GET', 'k')", '0'],
      ['EVAL_RO', "#!lua\nreturn redis.call('GET', 'k')", '0'],
      ['EVAL_RO', "#!lua flags=no-writes,allow-oom\nreturn redis.call('GET', 'k')", '0'],
      ['EVAL', "#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1", '0'],
      ['EVAL', '#!lua flags=bogus\nreturn 1', '0'],
      ['EVAL', '#!lua name=x\nreturn 1', '0'],
      ['EVAL', '#!luax\nreturn 1', '0'],
      ['EVAL', '#!lua\nreturn x', '0'],
      ['EVAL', '#!lua\n\nerror("third")', '0'],
      ['GET', 'k'],
      ['SCRIPT', 'LOAD', "return redis.call('GET', KEYS[1])"],
      ['EVALSHA_RO', 'd3c21d0c2b9ca22f82737626a27bcaf5d288f99f', '1', 'k'],
    ]);
  });

  test('RESP3 conversions with redis.setresp(3), on RESP2 and RESP3 connections', async () => {
    const p = await ctx.pair();
    await p.run('HSET', 'h', 'f', 'v');
    for (const proto of ['2', '3']) {
      await p.check('type', 'HELLO', proto);
      await p.script([
        ['EVAL', "redis.setresp(3) return redis.call('HGETALL', 'h')", '0'],
        ['EVAL', "redis.setresp(3) local r = redis.call('HGETALL', 'h') return r.map.f", '0'],
        ['EVAL', "redis.setresp(3) return {double = 3.5}", '0'],
        ['EVAL', "redis.setresp(3) return {map = {a = 1}}", '0'],
        ['EVAL', "redis.setresp(3) return {set = {x = true}}", '0'],
        ['EVAL', 'redis.setresp(3) return true', '0'],
        ['EVAL', 'redis.setresp(3) return false', '0'],
        ['EVAL', "redis.setresp(3) return redis.call('SISMEMBER', 'nos', 'x')", '0'],
        ['EVAL', "redis.setresp(3) return {big_number = '123456789012345678901234567890'}", '0'],
        ['EVAL', "redis.setresp(3) return {verbatim_string = {format = 'txt', string = 'hi'}}", '0'],
        ['EVAL', "redis.setresp(3) return {1, {double = 0.5}, {map = {k = {set = {a = true}}}}}", '0'],
        ['EVAL', 'return nil', '0'],
        ['EVAL', "return redis.call('HGETALL', 'h')", '0'],
      ]);
    }
    await p.check('type', 'HELLO', '2');
  });

  test('FUNCTION LOAD / FCALL / FCALL_RO / LIST / DELETE / STATS and their errors', async () => {
    const p = await ctx.pair();
    await p.script([
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LOAD', LIB],
      ['FUNCTION', 'LOAD', LIB],
      ['SET', 'k', 'v'],
      ['FCALL', 'myget', '1', 'k'],
      ['FCALL', 'myincr', '1', 'n', '5'],
      ['FCALL_RO', 'echo_ro', '0', 'hello'],
      ['FCALL_RO', 'myget', '1', 'k'],
      ['FCALL', 'boom', '0'],
      ['FCALL', 'cmderr', '0'],
      ['FCALL', 'nosuch', '0'],
      ['FCALL', 'myget', 'x'],
      ['FCALL', 'myget', '-1'],
      ['FCALL', 'myget', '3', 'a'],
      ['FUNCTION', 'LOAD', 'REPLACE', LIB],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch*'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME'],
      ['FUNCTION', 'LIST', 'bogus'],
      ['FUNCTION', 'LOAD', 'x', LIB],
      ['FUNCTION', 'LOAD', 'return 1'],
      ['FUNCTION', 'LOAD', '#!lua\nreturn 1'],
      ['FUNCTION', 'LOAD', '#!js name=a\nreturn 1'],
      ['FUNCTION', 'LOAD', '#!lua name=a foo=bar\nreturn 1'],
      ['FUNCTION', 'LOAD', '#!lua name=a-b\nreturn 1'],
      ['FUNCTION', 'LOAD', '#!lua name=other\nredis.register_function("myget", function() end)'],
      ['FUNCTION', 'LOAD', '#!lua name=e1\nreturn 1'],
      ['FUNCTION', 'LOAD', '#!lua name=e2\nreturn 1 +'],
      ['FUNCTION', 'LOAD', '#!lua name=e3\nredis.register_function("x", function() end, 5)'],
      ['FUNCTION', 'LOAD', '#!lua name=e4\nredis.register_function("x")'],
      ['FUNCTION', 'LOAD', '#!lua name=e5\nredis.register_function{function_name="x", callback=function() end, flags={"bogus"}}'],
      ['FUNCTION', 'LOAD', '#!lua name=e6\nredis.register_function{function_name="x", callback=function() end, foo=1}'],
      ['FUNCTION', 'LOAD', '#!lua name=e7\nredis.register_function("a-b", function() end)'],
      ['FUNCTION', 'LOAD', '#!lua name=e8\nredis.register_function("x", function() end) redis.register_function("x", function() end)'],
      ['FUNCTION', 'LOAD', '#!lua name=e9\nredis.call("ping")'],
      ['FUNCTION', 'LOAD', '#!lua name=e10\nx = 1'],
      ['FUNCTION', 'LOAD', '#!lua name=e11\nredis.register_function("x", 5)'],
      ['FUNCTION', 'LOAD', '#!lua name=e12\nredis.register_function({}, function() end)'],
      ['FUNCTION', 'LOAD', '#!lua name=e13\nredis.register_function{callback=function() end}'],
      ['FUNCTION', 'LOAD', '#!lua name=e14\nredis.register_function{function_name="x", callback=5}'],
      ['FUNCTION', 'STATS'],
      ['FUNCTION', 'DELETE', 'nosuch'],
      ['FUNCTION', 'DELETE', 'mylib'],
      ['FCALL', 'myget', '1', 'k'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'FLUSH', 'bogus'],
      ['FUNCTION', 'RESTORE', 'bogus'],
      ['FUNCTION', 'RESTORE', 'x', 'bogus'],
      ['FUNCTION', 'HELP'],
      ['EVAL', "return redis.call('FCALL', 'x', 0)", '0'],
    ]);
  });

  test('FUNCTION LIST of a one-function library, WITHCODE; DUMP/RESTORE round trip between servers', async () => {
    const p = await ctx.pair();
    const code = "#!lua name=single\nredis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes', 'allow-oom'}, description='one'}";
    await p.script([
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LOAD', code],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'sin*'],
    ]);
    const fromRedis = (await p.redis.call('FUNCTION', 'DUMP')) as unknown as string;
    const fromRespite = (await p.respite.call('FUNCTION', 'DUMP')) as unknown as string;
    await p.script([['FUNCTION', 'FLUSH']]);
    // Each server restores the other's payload.
    const a = Buffer.from(fromRedis, 'latin1');
    const b = Buffer.from(fromRespite, 'latin1');
    await p.redis.call('FUNCTION', 'RESTORE', b);
    await p.respite.call('FUNCTION', 'RESTORE', a);
    await p.script([
      ['FCALL', 'f1', '0'],
      ['FUNCTION', 'RESTORE', a],
      ['FUNCTION', 'RESTORE', a, 'REPLACE'],
      ['FUNCTION', 'RESTORE', a, 'FLUSH'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'FLUSH'],
    ]);
  });

  test('only the first of several returned values is converted; functions and coroutines give nil', async () => {
    const p = await ctx.pair();
    await p.script([
      ['EVAL', 'return 1, 2', '0'],
      ['EVAL', "return 'a', {1}, 3", '0'],
      ['EVAL', 'return nil, 2', '0'],
      ['EVAL', 'local function f(...) return ... end return f(7, 8, 9)', '0'],
      ['EVAL', 'return unpack(ARGV)', '0', 'x', 'y'],
      ['EVAL', 'if #KEYS > 0 then return KEYS[1], 5 end return', '1', 'k'],
      ['EVAL', 'return function() end', '0'],
      ['EVAL', 'return coroutine.create(function() end)', '0'],
      ['EVAL', 'return select("#", ...)', '0'],
      ['FUNCTION', 'LOAD', "#!lua name=multi\nredis.register_function('two', function() return 'first', 'second' end)\nredis.register_function('fn', function() return print end)"],
      ['FCALL', 'two', '0'],
      ['FCALL', 'fn', '0'],
      ['FUNCTION', 'FLUSH'],
    ]);
  });
});
