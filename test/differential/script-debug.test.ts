// The Lua debugger against the reference: the same SCRIPT DEBUG sessions (commands, malformed
// input) go to redis-server and respite, and every reply must be byte-identical, including the
// end of the session (<endsession>, the EVAL reply, the connection closed).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';

type Step = string[] | { raw: string };

/** Runs one session on both servers: SCRIPT DEBUG, EVAL, the steps; the last step ends it. */
async function sameSession(p: Pair, mode: 'yes' | 'sync', evalArgs: string[], steps: Step[]): Promise<void> {
  await p.run('SCRIPT', 'DEBUG', mode);
  await p.run('EVAL', ...evalArgs);
  for (const s of steps) {
    if (Array.isArray(s)) await p.run(...s);
    else await p.raw(s.raw);
  }
  // <endsession> came with the last step: the EVAL reply follows, then both close.
  await p.next('the EVAL reply after <endsession>');
  await Promise.all([p.redis.waitClose(), p.respite.waitClose()]);
}

differential('SCRIPT DEBUG sessions', (ctx) => {
  const SCRIPT = [
    'local a = 1',
    "local b = {1,2,'x',{y=true}}",
    "redis.debug('hi', a, b, nil, 1.5)",
    "redis.call('set',KEYS[1],'v')",
    "redis.pcall('incr',KEYS[1])",
    "local x = redis.pcall('nosuch')",
    'for i=1,2 do a = a + i end',
    'return b',
  ].join('\n');

  test('stepping through a script with every command', async () => {
    const p = await ctx.pair();
    await sameSession(p, 'sync', [SCRIPT, '1', 'k', 'arg'], [
      ['help'], ['s'], ['p'], ['s'], ['p'], ['p', 'b'], ['p', 'KEYS'], ['p', 'ARGV'], ['p', 'nope'],
      ['list'], ['l', '3', '1'], ['l', '0', '0'], ['w'], ['b'], ['b', '5'], ['b', '7'], ['b'], ['b', '-5'], ['b', '99'], ['b', 'x'], ['b', '-4'], ['b', '0'],
      ['t'], ['e', 'a+1'], ['e', '1+1'], ['e', 'local q = 1'], ['e', "error('boom')"], ['e', '{1,2,{3}}'], ['e', 'return 1, 2'],
      ['r', 'set', 'k2', 'v'], ['r', 'get', 'k2'], ['r', 'set'], ['r', 'nosuch', 'a'],
      ['m'], ['m', '10'], ['m', '0'],
      ['s'], ['s'], ['s'], ['s'], ['s'], ['s'], ['n'], ['p'], ['c'],
    ]);
  });

  test('breakpoints, redis.breakpoint() and abort', async () => {
    const p = await ctx.pair();
    const script = "local a = 1\nredis.breakpoint()\nlocal c = 3\nlocal d = {x=1,[5]='y'}\nreturn redis.call('ping')";
    await sameSession(p, 'sync', [script, '0'], [['c'], ['s'], ['p'], ['b', '5'], ['c'], ['a']]);
  });

  test('malformed debugger input', async () => {
    const p = await ctx.pair();
    await sameSession(p, 'sync', ['return 1', '0'], [
      { raw: "*1\r\n$13\r\n'hello\0world'\r\n" },
      { raw: '*1\r\n$3\r\nh\0x\r\n' },
      { raw: 'junk*1\r\n$1\r\nt\r\n' },
      { raw: '*2\r\n$1\r\np\r\n$1\r\nc\r\n' },
      { raw: '*101\r\n$5\r\nredis\r\n' + '$4\r\ntest\r\n'.repeat(100) },
      { raw: '*1025\r\n' },
    ]);
    for (const bad of ['*0\r\n', '*1\r\n$0\r\n\r\n', '*1\r\n$1025\r\n', 'hello\r\n', '*2\r\n$1\r\np\r\nx']) {
      const q = await ctx.pair();
      await sameSession(q, 'sync', ['return 1', '0'], [{ raw: bad }]);
    }
  });

  test('SCRIPT DEBUG YES: the changes are rolled back', async () => {
    const p = await ctx.pair();
    await sameSession(p, 'yes', ["local t = {}\nfor i=1,3 do t[i] = string.rep('x', i) end\nredis.call('set','yeskey','1')\nreturn t", '0'], [['s'], ['s'], ['p'], ['s'], ['p', 't'], ['c']]);
    const q = await ctx.pair();
    assert.equal(await q.run('GET', 'yeskey'), null);
  });

  test('errors around the session', async () => {
    const p = await ctx.pair();
    await p.script([['SCRIPT', 'DEBUG', 'bogus'], ['SCRIPT', 'DEBUG', 'no'], ['MULTI'], ['SCRIPT', 'DEBUG', 'yes'], ['EXEC'], ['SCRIPT', 'DEBUG', 'sync'], ['EVALSHA', 'a'.repeat(40), '0'], ['EVALSHA', 'abc', '0']]);
    await p.raw('PING\r\nSCRIPT DEBUG YES\r\n');
    await p.next();
    await p.run('EVAL', 'return +', '0');
    await p.next();
    const q = await ctx.pair();
    await sameSession(q, 'sync', ["#!lua flags=no-writes\nredis.call('set','a','b')\nreturn 1", '0'], [['s']]);
  });
});
