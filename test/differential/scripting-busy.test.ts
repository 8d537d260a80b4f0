// Scripts past busy-reply-threshold, compared byte for byte with redis-server: the -BUSY replies
// other clients get, what SCRIPT KILL / FUNCTION KILL / FUNCTION STATS / SHUTDOWN answer meanwhile,
// and the reply the script's caller finally gets.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';
import { RespClient, RawReply } from '../helpers/resp-client';
import { Reply } from '../../src/resp/reply';

const THRESHOLD = '100';

/** A second connection to each server of the pair. */
async function others(ctx: { reference: { port: number }; respite: { port: number } }): Promise<Pair> {
  return new Pair(await RespClient.connect(ctx.reference.port), await RespClient.connect(ctx.respite.port));
}

/** Starts a command on both servers without waiting for its replies. */
function start(p: Pair, ...args: string[]): Promise<[RawReply, RawReply]> {
  return Promise.all([p.redis.callRaw(...args), p.respite.callRaw(...args)]);
}

function same([a, b]: [RawReply, RawReply], what: string): Reply {
  assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), `${what} differs`);
  return a.value;
}

/** Waits until both servers answer PING with -BUSY (the script is past the threshold). */
async function waitBusy(o: Pair): Promise<void> {
  for (const c of [o.redis, o.respite]) {
    for (let i = 0; ; i++) {
      const r = await c.callRaw('PING');
      if (r.raw.toString().startsWith('-BUSY')) break;
      assert.ok(i < 200, 'the script never became busy');
      await new Promise((res) => setTimeout(res, 10));
    }
  }
}

differential(
  'scripts past busy-reply-threshold',
  (ctx) => {
    test('a looping EVAL: BUSY replies, allowed commands, SCRIPT KILL and the caller reply', async () => {
      const p = await ctx.pair();
      const o = await others(ctx);
      try {
        const caller = start(p, 'EVAL', 'local i = 0 while true do i = i + 1 end', '0');
        await waitBusy(o);
        await o.script([
          ['GET', 'x'],
          ['SET', 'x', '1'],
          ['FUNCTION', 'KILL'],
          ['FUNCTION', 'STATS'],
          ['SHUTDOWN'],
          ['SHUTDOWN', 'ABORT'],
          ['MULTI'],
          ['INCR', 'x'],
          ['DISCARD'],
          ['EVAL', 'return 1', '0'],
          ['SCRIPT', 'KILL'],
        ]);
        same(await caller, 'the killed script reply');
        await o.script([['SCRIPT', 'KILL'], ['FUNCTION', 'KILL'], ['GET', 'x'], ['EVAL', 'return 2', '0']]);
      } finally {
        o.close();
      }
    });

    test('a script that wrote: UNKILLABLE, then its reply and the pipelined commands after it', async () => {
      const p = await ctx.pair();
      const o = await others(ctx);
      try {
        // It becomes busy before it writes (respite stops scripts that write before the threshold).
        const script =
          "local x = 0 for i = 1, 2e7 do x = x + i end redis.call('SET', 'k', 'v') for i = 1, 2e8 do x = x + i end return redis.call('GET', 'k')";
        const caller = start(p, 'EVAL', script, '0');
        const after = start(p, 'INCR', 'k');
        await waitBusy(o);
        // FUNCTION KILL on a script answers BUSY until the script wrote, then UNKILLABLE.
        for (const c of [o.redis, o.respite]) {
          for (let i = 0; !(await c.callRaw('FUNCTION', 'KILL')).raw.toString().startsWith('-UNKILLABLE'); i++) {
            assert.ok(i < 500, 'the script never wrote');
            await new Promise((res) => setTimeout(res, 5));
          }
        }
        await o.script([['SCRIPT', 'KILL'], ['FUNCTION', 'KILL'], ['GET', 'k']]);
        same(await caller, 'the script reply');
        same(await after, 'the command pipelined after the script');
        await o.run('GET', 'k');
      } finally {
        o.close();
      }
    });

    test('a looping function: BUSY text for functions, SCRIPT KILL refused, FUNCTION KILL', async () => {
      const p = await ctx.pair();
      const o = await others(ctx);
      try {
        await p.run('FUNCTION', 'FLUSH');
        await p.run('FUNCTION', 'LOAD', "#!lua name=spinlib\nredis.register_function('spin', function() while true do end end)");
        const caller = start(p, 'FCALL', 'spin', '0');
        await waitBusy(o);
        await o.script([['GET', 'x'], ['SCRIPT', 'KILL'], ['EVAL', 'return 1', '0']]);
        // FUNCTION STATS: the same shape; duration_ms is wall time.
        const [a, b] = await Promise.all([o.redis.call('FUNCTION', 'STATS'), o.respite.call('FUNCTION', 'STATS')]);
        const mask = (r: Reply): Reply => {
          const running = (r as Reply[])[1] as Reply[];
          return [(r as Reply[])[0], running.slice(0, 5), ...(r as Reply[]).slice(2)];
        };
        assert.deepEqual(mask(b), mask(a));
        await o.run('FUNCTION', 'KILL');
        // Redis names the line the loop was on when killed; respite cannot see it (see README).
        const [ra, rb] = await caller;
        assert.equal(rb.raw.toString().replace(/:\d+\.\r\n$/, ''), ra.raw.toString().replace(/:\d+\.\r\n$/, ''));
        await o.run('FCALL', 'spin', 'x');
        await p.run('FUNCTION', 'FLUSH');
      } finally {
        o.close();
      }
    });

    test('FUNCTION LOAD stops load-time code after 500 ms', async () => {
      const p = await ctx.pair();
      await p.run('FUNCTION', 'LOAD', '#!lua name=slow\nlocal i = 0\nwhile true do i = i + 1 end');
      await p.run('FUNCTION', 'LIST');
    });
  },
  { options: { 'busy-reply-threshold': THRESHOLD }, redisArgs: ['--busy-reply-threshold', THRESHOLD] },
);
