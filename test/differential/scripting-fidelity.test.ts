// Lua -> RESP conversion details and Lua library behaviour against the reference redis-server:
// Redis 7.0's special return tables in both setresp modes and both client protocols, booleans,
// NaN/huge numbers, 64-bit string.format, and FUNCTION LOAD's load-time checks.
import { test } from 'node:test';
import { differential, Pair } from '../helpers/differential';

/** Runs each script body with and without redis.setresp(3), to RESP2 then RESP3 clients. */
async function everyMode(ctx: { pair(): Promise<Pair> }, bodies: string[]): Promise<void> {
  for (const proto of [2, 3]) {
    const p = await ctx.pair();
    if (proto === 3) {
      await p.redis.call('HELLO', '3');
      await p.respite.call('HELLO', '3');
    }
    for (const body of bodies) {
      await p.run('EVAL', body, '0');
      await p.run('EVAL', `redis.setresp(3) ${body}`, '0');
    }
  }
}

const SPECIAL_TABLES = [
  'return {double=3.5}',
  'return {double=0.1}',
  'return {double=10}',
  'return {double=1e300}',
  'return {double=-0.0}',
  'return {double=1/0}',
  'return {double=-1/0}',
  'return {double=0/0}',
  'return {double=-(0/0)}',
  "return {double='2.5'}",
  'return {map={a=1}}',
  'return {map={}}',
  "return {map={[1]='x',[2]='y'}}",
  'return {map={a={double=1.5}}}',
  'return {map={a=true,b=false,c={true,false,{double=1}}}}',
  "return {map={k={err='inner'}}}",
  "return {map={k={ok='st'}}}",
  "return {map='x'}",
  'return {set={a=true}}',
  'return {set={}}',
  'return {set={[true]=true}}',
  "return {set='x'}",
  "return {big_number='123456789012345678901234567890'}",
  'return {big_number=5}',
  "return {verbatim_string={format='txt',string='hello'}}",
  "return {verbatim_string={format='md',string='hi'}}",
  "return {verbatim_string={format='toolong',string='x'}}",
  "return {verbatim_string={format='a\\0b',string='x\\r\\ny'}}",
  "return {verbatim_string={format='',string=''}}",
  "return {verbatim_string={format=5,string='x'}}",
  "return {verbatim_string={format='txt'}}",
  "return {verbatim_string='x'}",
  "return {1,{double=2.5},{map={k='v'}},{set={s=true}},{big_number='99'},{verbatim_string={format='txt',string='t'}}}",
  'return {{map={a={1,2}}}}',
  "local d = {double=1} return {d, d, {map={x=d}}}",
  "return {ok='x',double=1}",
  "return {err='e',map={}}",
  'return {double=1.5,map={}}',
  'return {map={a=1}, set={b=true}}',
  'return {err=5}',
  'return {err=5, 1, 2}',
  'return {ok={}, 7}',
];

differential('scripting fidelity', (ctx) => {
  test('special return tables: double, map, set, big_number, verbatim_string (any setresp, any protocol)', async () => {
    await everyMode(ctx, SPECIAL_TABLES);
  });

  test('big numbers with CR/LF become spaces (RESP2 clients: the test client cannot parse "(12  3")', async () => {
    const p = await ctx.pair();
    await p.run('EVAL', "return {big_number='12\\r\\n3'}", '0');
    await p.run('EVAL', "redis.setresp(3) return {1, {big_number='1\\n2'}}", '0');
  });

  test('booleans follow setresp; nil/false inside tables', async () => {
    await everyMode(ctx, ['return true', 'return false', 'return {true,false,1}', 'return {1, false, 3}', 'return {1, nil, 3}', 'local t = {} t[1]=1 t[3]=3 return t', 'local t = {[2]=2} return t']);
  });

  test('numbers: truncation, NaN and out-of-range values', async () => {
    await everyMode(ctx, [
      'return 3.99',
      'return -3.99',
      'return 0/0',
      'return 1/0',
      'return -1/0',
      'return {0/0, 1, -(0/0)}',
      'return {map={a=0/0}}',
      'return {3.99, -3.99, 2^53, -2^53, 2^63, -2^63, 2^64, 1e20, -1e20}',
    ]);
  });

  test('error and status tables, redis.call/pcall replies returned as they are', async () => {
    await everyMode(ctx, [
      "return redis.status_reply('x')",
      "return redis.error_reply('x')",
      "return redis.error_reply('MYERR x')",
      "return {redis.error_reply('x')}",
      "return {1,{err='x'},{ok='y'}}",
      "return redis.call('ECHO','x')",
      "return redis.call('SET','a','1')",
      "return {redis.call('SET','a','1')}",
      "return redis.call('HGETALL','nohash')",
      "redis.call('HSET','hh','f','v') return redis.call('HGETALL','hh')",
      "redis.call('ZADD','zz','1.5','m') return redis.call('ZSCORE','zz','m')",
      "return redis.pcall('INCR', 'hh')",
      "return {redis.pcall('INCR', 'hh')}",
      "return redis.pcall('NOSUCH')",
      "return {redis.pcall('NOSUCH')}",
      "return redis.call('SMEMBERS','nokey')",
      "return redis.call('EXISTS','a') == 1",
    ]);
  });

  test('nil command replies seen by a script after redis.setresp(3)', async () => {
    for (const proto of ['2', '3']) {
      const p = await ctx.pair();
      await p.redis.call('HELLO', proto);
      await p.respite.call('HELLO', proto);
      await p.run('HSET', 'h', 'a', '1', 'b', '2');
      await p.run('EVAL', "redis.setresp(3) return redis.call('GET','nokey')", '0');
      await p.run('EVAL', "redis.setresp(3) return {redis.call('GET','nokey'), 1}", '0');
      await p.run('EVAL', "redis.setresp(3) local v = redis.call('GET', 'nokey') return {v == nil and 'nil' or type(v)}", '0');
      await p.run('EVAL', "redis.setresp(3) local r = redis.call('HMGET', 'h', 'a', 'nokey', 'b') return {#r >= 1 and r[1] or 'x', r[2] == nil and 'nil' or 'set', r[3]}", '0');
      await p.run('EVAL', "redis.setresp(3) local rc = redis.pcall return {type(rc('GET', 'nokey')), redis.call('HGET', 'h', 'a')}", '0');
      await p.run('EVAL', "redis.setresp(3) redis.setresp(2) return {type(redis.call('GET', 'nokey'))}", '0');
      await p.run('EVAL', "return {type(redis.call('GET', 'nokey'))}", '0');
      await p.run('EVAL', "redis.setresp(3)\nlocal x = 1\nreturn redis.call('NOSUCH')", '0');
    }
  });

  test('string.format: %d/%i/%u/%o/%x/%X are 64-bit (C long) as on x86-64', async () => {
    const p = await ctx.pair();
    const cases = [
      "string.format('%d', 2^40)",
      "string.format('%d|%d|%d', -2^40, 1e15, 2^53)",
      "string.format('%d|%i', 2^63, -2^63)",
      "string.format('%d|%d', 1e300, 0/0)",
      "string.format('%d|%d|%d|%d', 2^31, -2^31-1, 2^32+5, -2^31)",
      "string.format('%x|%X|%o|%u', 2^40, 2^40+255, 2^40, 2^40)",
      "string.format('%x|%x|%x|%u', -1, -2^40, 2^32, -1)",
      "string.format('%x|%d|%u|%o', 2^64, 2^64, 2^64, 2^64)",
      "string.format('%x|%d|%u|%o', 1/0, -1/0, 0/0, -2^64)",
      "string.format('%x|%u', 2^63, 2^63+2^12)",
      "string.format('%20d|%-20d|%020d|%.3d', 2^40, 2^40, 2^40, 2^40)",
      "string.format('%+.20d|% 5d|%#5x|%#o|%-+22d|%.0d|%#.0o|%022u', 2^40, 2^40, 2^40, 2^40, 2^40, 2^40, 2^40, -1)",
      "string.format('%#x %#X %#o', 2^40, 2^40, 2^40)",
      "string.format('%5d|%-5d|%05d|%+d|% d|%x|%c%c', 42, 42, 42, 42, 42, 255, 65, 256+66)",
      "string.format('%d|%d|%d', 3.7, -3.7, '12')",
      "string.format('%d', '1e12')",
      "string.format('%%d %d %s', 2^33, 2^33)",
      "string.format('%5.2f %s %q', 2^40, 2^40, 'a\\nb')",
      "string.format('%s|%d|%x', 'a\\0b', 7, 255)",
      'string.format(12)',
      'string.len(string.format("%s", "abc"))',
    ];
    for (const c of cases) await p.run('EVAL', `return ${c}`, '0');
    await p.run('EVAL', "local f = string.format\nlocal x = f('%d', 2^40) return x", '0');
  });

  test('string.format errors keep Redis text and line', async () => {
    const p = await ctx.pair();
    for (const c of [
      "return string.format('%d', 'x')",
      "return string.format('%d %s', 1)",
      "return string.format('%y', 1)",
      'return string.format()',
      "return string.format('%123d', 1)",
      "return string.format('%000000d', 1)",
      "local x = string.format('%d', 'x') return x",
    ]) {
      await p.run('EVAL', c, '0');
    }
  });

  test('string.format errors on a later line', async () => {
    const p = await ctx.pair();
    await p.run('EVAL', "\n\nlocal x = string.format('%d') return x", '0');
    await p.run('EVAL', "\nlocal x = string.format('%y', 2^40) return x", '0');
  });

  test('("%d"):format(...) through the string metatable: 64-bit too', async () => {
    const p = await ctx.pair();
    await p.run('EVAL', "return ('%d'):format(2^40)", '0');
    await p.run('EVAL', "return {('%x|%o|%u|%X'):format(-1, 2^63, 2^64, 0/0), ('%i'):format(-2^63 - 4096)}", '0');
  });

  const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;
  const F = "redis.register_function('f', function() return 1 end)";

  test('number arguments to redis.call/pcall are sent as %.17g; errors keep their lines', async () => {
    const p = await ctx.pair();
    for (const v of ['1234567890123456', '2^53', '0.1', '-0.5', '3', '1e20', '1/3', '1/0', '-1/0', '2^63', '-2^63', '123.456e-7', 'tonumber(ARGV[1]) + 1']) {
      await p.run('EVAL', `redis.call('SET', KEYS[1], ${v}) return redis.call('GET', KEYS[1])`, '1', 'k', '1700000000000123');
      await p.run('EVAL', `return redis.pcall('SET', 'k2', ${v}, 'XX')`, '0');
    }
    await p.run('EVAL', "local n = 1234567890123456 redis.call('HSET', 'h', 'f' .. 1, n, 'g', n * 2) return redis.call('HGETALL', 'h')", '0');
    await p.run('EVAL', "redis.call('ZADD', 'z', 2^21 * 0x100000000 + 7, 'm') return redis.call('ZSCORE', 'z', 'm')", '0');
    await p.run('EVAL', "redis.call('SET', 'x', redis.call('INCRBY', 'cnt', 2^40)) return redis.call('GET', 'x')", '0');
    // Errors raised by redis.call keep the script's line, with or without number arguments.
    await p.run('EVAL', "local a = 1\nlocal b = 2\nreturn redis.call('NOSUCH', 1)", '0');
    await p.run('EVAL', "local a = 1\n\nreturn redis.call('INCRBY', 'cnt', 'x', 1.5)", '0');
    await p.run('EVAL', "local a = 1\n\nreturn redis.call('INCRBY', 'str', 2.5)", '0');
    await p.run('EVAL', "\n\nreturn redis.call('SET', 'k', {})", '0');
    await p.run('EVAL', "local t = {s = 'redis.call(1.5)'} -- redis.call(2.5)\nreturn redis.call('SET', 'k', [[x]]) and redis.call('GET', 'k')", '0');
    await p.run('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=numlib\nredis.register_function('numf', function(keys, args)\n  redis.call('SET', keys[1], 0.1 + 0.2)\n  return redis.call('GET', keys[1])\nend)");
    await p.run('FCALL', 'numf', '1', 'fk');
    await p.run('FUNCTION', 'DELETE', 'numlib');
  });

  test('error() with an error table replies with its err text', async () => {
    const p = await ctx.pair();
    for (const body of [
      "error({err='My Error'})",
      "return error({err='ERR x'})",
      "error({err='x'}, 0)",
      "local t = {} t.err = 'E1 boom' error(t)",
      "local a = 1\nlocal b = 2\nerror({err='WRONG on line 3'})",
      "local ok, e = pcall(function() error({err='caught'}) end) return {tostring(ok), type(e)}",
      "local ok, e = pcall(error, {err='caught'}) return {tostring(ok), type(e)}",
      "error('plain')",
      "local a = 1\nerror('plain on 2')",
      "error(redis.error_reply('from reply'))",
    ]) {
      await p.run('EVAL', body, '0');
    }
    // redis.error_reply: the first word of a message with a space is its code.
    for (const arg of ["'oops'", "'from reply'", "'-from reply'", "'ERR real'", "'-ERR'", "'x\\r\\n'", "''", '1', '', "'a', 'b'"]) {
      await p.run('EVAL', `local t = redis.error_reply(${arg}) return type(t) == 'table' and t.err or tostring(t)`, '0');
      await p.run('EVAL', `return redis.error_reply(${arg})`, '0');
    }
    await p.run('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=errlib\nredis.register_function('errf', function(keys, args)\n  error({err='FAIL from function'})\nend)");
    await p.run('FCALL', 'errf', '0');
    await p.run('FUNCTION', 'DELETE', 'errlib');
  });

  test('FUNCTION LOAD: load-time errors', async () => {
    const p = await ctx.pair();
    const libs = [
      lib('g1', `x = 5\n${F}`),
      lib('g2', `local y = undefined_var\n${F}`),
      lib('g3', `redis.call('SET','a','b')\n${F}`),
      lib('g4', `${F}\n${F}`),
      lib('g5', "redis.register_function{function_name='f', callback=function() return 1 end, flags={'bad-flag'}}"),
      lib('g6', "redis.register_function{function_name='f', callback=function() return 1 end, flags='no-writes'}"),
      lib('g7', "redis.register_function('bad name', function() return 1 end)"),
      lib('g8', "redis.register_function('', function() return 1 end)"),
      lib('bad-lib', F),
      lib('g9', ''),
      lib('g12', "redis.register_function('f', 5)"),
      lib('g13', 'redis.register_function(5, function() end)'),
      lib('g14', "redis.register_function{function_name='f', callback=function() end, foo=1}"),
      lib('g16', 'redis.register_function()'),
      lib('g17', "redis.register_function('f', function() end, 'extra')"),
      lib('g18', `local s = redis.setresp\n${F}`),
      lib('g19', `redis.log(redis.LOG_WARNING, 'hi')\n${F}`),
      lib('g20', 'return 1 +'),
      lib('g21', `redis.pcall('GET','x')\n${F}`),
      lib('g24', "redis.register_function{function_name='f', callback=function() end, flags={'no-writes', 'no-writes'}}"),
      lib('g26', 'redis.register_function{callback=function() end}'),
      lib('g27', "redis.register_function{function_name='f'}"),
      lib('g28', `${F}\nfoo()`),
      lib('g31', "redis.register_function('f', function() return x end)"),
      lib('g34', `redis.sha1hex('x')\n${F}`),
      lib('g35', `${F}\nreturn 5`),
      lib('g37', "redis.register_function{function_name='f', callback=function() end, flags={}}"),
      lib('g39', `redis.error_reply('x')\n${F}`),
      lib('g40', `${F}\nredis.register_function('F', function() end)`),
      lib('g41', "redis.register_function{function_name='f', callback=function() end, description={}}"),
      '#!lua\nredis.register_function(\'f1\', function() return 1 end)',
      '#!lua foo=bar\n',
      '#!js name=x\n',
      'lua name=x\n',
    ];
    for (const l of libs) {
      await p.run('FUNCTION', 'FLUSH');
      await p.run('FUNCTION', 'LOAD', l);
    }
    await p.run('FUNCTION', 'FLUSH');
  });

  test('FUNCTION LOAD: restricted load-time globals', async () => {
    const p = await ctx.pair();
    for (const body of ["error('boom')", "error({err='ERR custom'})", 'math.random()', "local t = string.format('%d', 1)", 'local a = cjson.encode({1})', 'local x = KEYS[1]', '_G.x = 1', 'setmetatable(_G, nil)', 'local x = type(5)']) {
      await p.run('FUNCTION', 'FLUSH');
      await p.run('FUNCTION', 'LOAD', lib('r', `${body}\n${F}`));
    }
  });

  test('FUNCTION LOAD: a global only read at load time, not used', { todo: 'hidden globals are locals of ours that raise when used (indexed, called); the engine has no setfenv to catch the read itself' }, async () => {
    const p = await ctx.pair();
    for (const body of ['local x = KEYS', 'local t = type']) {
      await p.run('FUNCTION', 'FLUSH');
      await p.run('FUNCTION', 'LOAD', lib('r', `${body}\n${F}`));
    }
  });

  test('FUNCTION LOAD: number descriptions and flags, repeated name=', async () => {
    const p = await ctx.pair();
    await p.run('FUNCTION', 'FLUSH');
    await p.run('FUNCTION', 'LOAD', lib('h1', "redis.register_function{function_name='f', callback=function() return 1 end, description=5}"));
    await p.run('FUNCTION', 'LIST');
    await p.run('FUNCTION', 'LOAD', lib('h2', "redis.register_function{function_name='g', callback=function() return 1 end, flags={'no-writes', 7}}"));
    await p.run('FUNCTION', 'LOAD', lib('h4', "redis.register_function{function_name='g', callback=function() return 1 end, flags={true}}"));
    await p.run('FUNCTION', 'LOAD', "#!lua name=h3 name=h3\nredis.register_function('h', function() return 1 end)");
    await p.run('FUNCTION', 'FLUSH');
  });
});
