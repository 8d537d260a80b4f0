import { test } from 'node:test';
import { differential } from '../helpers/differential';

differential('pub/sub', (ctx) => {
  test('RESP2 subscriber mode: confirmations, restricted commands, PING, unsubscribe all', async () => {
    const p = await ctx.pair();
    await p.run('UNSUBSCRIBE');
    await p.run('PUNSUBSCRIBE');
    await p.run('SUNSUBSCRIBE');
    await p.runN(3, 'SUBSCRIBE', 'a', 'b', 'a');
    await p.run('PSUBSCRIBE', 'x*');
    await p.run('SSUBSCRIBE', 's');
    await p.run('GET', 'a');
    await p.run('PING');
    await p.run('PING', 'hi');
    // Unsubscribing from everything lists channels in hash order: leave one so order is fixed.
    await p.run('UNSUBSCRIBE', 'a');
    await p.run('UNSUBSCRIBE');
    await p.run('PUNSUBSCRIBE');
    await p.run('SUNSUBSCRIBE');
    await p.run('PING');
  });

  test('messages and pattern messages, binary channels and payloads', async () => {
    const sub = await ctx.pair();
    const pub = await ctx.pair();
    const bin = Buffer.from([0, 1, 2, 255, 13, 10, 32]);
    await sub.runN(2, 'SUBSCRIBE', 'news', bin);
    await sub.run('PSUBSCRIBE', 'n*');
    await pub.run('PUBLISH', 'news', 'hello');
    await sub.next();
    await sub.next();
    await pub.run('PUBLISH', bin, bin);
    await sub.next();
    await pub.run('PUBLISH', 'nothing-here', 'x');
    await sub.next();
    await pub.run('PUBSUB', 'NUMSUB', 'news', 'none', bin);
    await pub.run('PUBSUB', 'NUMPAT');
    await pub.check('sorted', 'PUBSUB', 'CHANNELS');
    await pub.run('PUBSUB', 'CHANNELS', 'ne?s');
    await pub.run('PUBLISH', 'other', 'x');
    // Unsubscribing from everything lists channels in hash order: leave one so order is fixed.
    await sub.run('UNSUBSCRIBE', 'news');
    await sub.run('UNSUBSCRIBE');
    await sub.run('PUNSUBSCRIBE');
  });

  test('RESP3 push messages interleave with normal replies', async () => {
    const sub = await ctx.pair();
    const pub = await ctx.pair();
    await sub.check('type', 'HELLO', '3');
    await sub.run('SUBSCRIBE', 'ch');
    await sub.run('SET', 'k', 'v');
    await pub.run('PUBLISH', 'ch', 'm1');
    await sub.next();
    await sub.run('GET', 'k');
    await sub.run('PING');
    await sub.runN(2, 'UNSUBSCRIBE', 'ch', 'never');
  });

  test('shard channels', async () => {
    const sub = await ctx.pair();
    const pub = await ctx.pair();
    await sub.run('SSUBSCRIBE', 'sh');
    await pub.run('SPUBLISH', 'sh', 'v');
    await sub.next();
    await pub.run('PUBSUB', 'SHARDNUMSUB', 'sh', 'x');
    await pub.run('PUBSUB', 'SHARDCHANNELS');
    await pub.run('PUBLISH', 'sh', 'not-for-shard');
    await sub.run('SUNSUBSCRIBE', 'sh');
  });
});
