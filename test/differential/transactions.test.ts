import { test } from 'node:test';
import { differential } from '../helpers/differential';

differential('transactions', (ctx) => {
  test('MULTI/EXEC queueing, runtime errors, EXECABORT', async () => {
    const p = await ctx.pair();
    await p.script([
      ['MULTI'],
      ['SET', 'a', 'x'],
      ['INCR', 'a'],
      ['GET', 'a'],
      ['EXEC'],
      ['MULTI'],
      ['MULTI'],
      ['SET', 'b', '1'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'a'],
      ['SET', 'a', '1'],
      ['EXEC'],
      ['GET', 'a'],
      ['MULTI'],
      ['NOPE', 'x'],
      ['EXEC'],
      ['EXEC'],
      ['DISCARD'],
      ['MULTI'],
      ['EXEC'],
      ['MULTI'],
      ['WATCH', 'a'],
      ['INCR', 'b'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'c', '1'],
      ['DISCARD'],
      ['GET', 'c'],
    ]);
  });

  test('WATCH: modified key makes EXEC return a null array; untouched key lets it run', async () => {
    const p = await ctx.pair();
    const q = await ctx.pair();
    await p.run('SET', 'k', '1');
    await p.run('WATCH', 'k');
    await q.run('SET', 'k', '2');
    await p.run('MULTI');
    await p.run('INCR', 'k');
    await p.run('EXEC');
    await p.run('WATCH', 'k');
    await p.run('MULTI');
    await p.run('INCR', 'k');
    await p.run('EXEC');
    await p.run('WATCH', 'k', 'other');
    await p.run('UNWATCH');
    await q.run('SET', 'k', '5');
    await p.run('MULTI');
    await p.run('GET', 'k');
    await p.run('EXEC');
  });

  test('WATCH is invalidated by DEL and by an expired key', async () => {
    const p = await ctx.pair();
    const q = await ctx.pair();
    await p.run('SET', 'k', '1');
    await p.run('WATCH', 'k');
    await q.run('DEL', 'k');
    await p.run('MULTI');
    await p.run('SET', 'k', 'x');
    await p.run('EXEC');
    // The key must still exist at WATCH time on both servers (a key already expired when
    // watched does not abort EXEC), so the TTL leaves room for a loaded machine.
    await p.run('SET', 'e', '1', 'PX', '200');
    await p.run('WATCH', 'e');
    await new Promise((r) => setTimeout(r, 250));
    await p.run('MULTI');
    await p.run('GET', 'e');
    await p.run('EXEC');
  });

  test('RESP3 EXEC replies', async () => {
    const p = await ctx.pair();
    await p.check('type', 'HELLO', '3');
    await p.script([['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['GET', 'missing'], ['EXEC'], ['WATCH', 'a']]);
    const q = await ctx.pair();
    await q.run('SET', 'a', '2');
    await p.script([['MULTI'], ['GET', 'a'], ['EXEC']]);
  });
});
