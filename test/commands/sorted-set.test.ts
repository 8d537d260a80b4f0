// Sorted-set behaviour through the embedded API.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { DoubleReply, NULL_ARRAY } from '../../src/resp/reply';

async function withServer(body: (s: RespiteServer) => Promise<void>): Promise<void> {
  const s = await startServer({ port: null });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

test('ZADD, ZSCORE, ZRANGE WITHSCORES and score formatting', () =>
  withServer(async (s) => {
    assert.equal(await s.call('ZADD', 'z', '1.5', 'a', '-inf', 'b', '0.1', 'c', '1e17', 'd'), 4);
    assert.equal(await s.call('ZSCORE', 'z', 'c'), '0.10000000000000001');
    assert.deepEqual(await s.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), ['b', '-inf', 'c', '0.10000000000000001', 'a', '1.5', 'd', '1e+17']);
    assert.equal(await s.call('ZINCRBY', 'z', '2', 'a'), '3.5');
    assert.equal(await s.call('ZADD', 'z', 'INCR', 'NX', '1', 'a'), null);
    assert.equal(await s.call('ZCARD', 'z'), 4);
    await assert.rejects(s.call('ZINCRBY', 'z', '+inf', 'b'), /ERR resulting score is not a number \(NaN\)/);
    await assert.rejects(s.call('ZADD', 'z', 'NX', 'XX', '1', 'a'), /ERR XX and NX options at the same time are not compatible/);
    await assert.rejects(s.call('ZADD', 'z', 'GT', 'LT', '1', 'a'), /ERR GT, LT, and\/or NX options/);
    await assert.rejects(s.call('ZADD', 'z', 'INCR', '1', 'a', '2', 'b'), /ERR INCR option supports a single increment-element pair/);
    await assert.rejects(s.call('ZADD', 'z', '1', 'a', 'x', 'b'), /ERR value is not a valid float/);
    assert.equal(await s.call('ZSCORE', 'z', 'b'), '-inf', 'a failed ZADD changes nothing');
  }));

test('RESP3 replies use doubles and [member, score] pairs', () =>
  withServer(async (s) => {
    const c = s.connect();
    await c.send(['HELLO', '3']);
    await c.send(['ZADD', 'z', '1', 'a', '2', 'b']);
    assert.deepEqual(await c.send(['ZSCORE', 'z', 'a']), new DoubleReply(1));
    assert.deepEqual(await c.send(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']), [
      ['a', new DoubleReply(1)],
      ['b', new DoubleReply(2)],
    ]);
    assert.deepEqual(await c.send(['ZPOPMIN', 'z']), ['a', new DoubleReply(1)]);
    assert.deepEqual(await c.send(['ZPOPMAX', 'z', '1']), [['b', new DoubleReply(2)]]);
    assert.equal(await c.send(['ZMPOP', '1', 'z', 'MIN']), null); // RESP3 null
  }));

test('range commands by rank, score and lex with LIMIT and REV', () =>
  withServer(async (s) => {
    await s.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    assert.deepEqual(await s.call('ZRANGE', 'z', '-2', '-1'), ['d', 'e']);
    assert.deepEqual(await s.call('ZRANGE', 'z', '0', '1', 'REV'), ['e', 'd']);
    assert.deepEqual(await s.call('ZRANGE', 'z', '(1', '4', 'BYSCORE', 'LIMIT', '1', '2'), ['c', 'd']);
    assert.deepEqual(await s.call('ZRANGE', 'z', '4', '(1', 'BYSCORE', 'REV', 'LIMIT', '0', '-1'), ['d', 'c', 'b']);
    assert.deepEqual(await s.call('ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', '-1', '2'), []);
    await s.call('ZADD', 'l', '0', 'a', '0', 'b', '0', 'c');
    assert.deepEqual(await s.call('ZRANGEBYLEX', 'l', '(a', '+'), ['b', 'c']);
    assert.deepEqual(await s.call('ZREVRANGEBYLEX', 'l', '[b', '-'), ['b', 'a']);
    assert.equal(await s.call('ZLEXCOUNT', 'l', '-', '(c'), 2);
    assert.equal(await s.call('ZCOUNT', 'z', '(1', '(5'), 3);
    assert.equal(await s.call('ZRANK', 'z', 'c'), 2);
    assert.equal(await s.call('ZREVRANK', 'z', 'c'), 2);
    await assert.rejects(s.call('ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'), /LIMIT is only supported in combination with either BYSCORE or BYLEX/);
    await assert.rejects(s.call('ZRANGE', 'l', '-', '+', 'BYLEX', 'WITHSCORES'), /WITHSCORES not supported in combination with BYLEX/);
    await assert.rejects(s.call('ZRANGEBYSCORE', 'z', 'a', '1'), /ERR min or max is not a float/);
    await assert.rejects(s.call('ZRANGEBYLEX', 'l', 'a', '+'), /ERR min or max not valid string range item/);
  }));

test('emptied sets are deleted; stores replace or delete the destination', () =>
  withServer(async (s) => {
    await s.call('ZADD', 'z', '1', 'a', '2', 'b');
    assert.equal(await s.call('ZREM', 'z', 'a', 'b', 'c'), 2);
    assert.equal(await s.call('EXISTS', 'z'), 0);
    await s.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    assert.equal(await s.call('ZREMRANGEBYSCORE', 'z', '-inf', '+inf'), 3);
    assert.equal(await s.call('EXISTS', 'z'), 0);
    await s.call('ZADD', 'a', '1', 'x', '2', 'y');
    await s.call('SADD', 's', 'y', 'q');
    await s.call('SET', 'dst', 'string');
    await s.call('EXPIRE', 'dst', '100');
    assert.equal(await s.call('ZUNIONSTORE', 'dst', '2', 'a', 's', 'WEIGHTS', '2', '3'), 3);
    assert.deepEqual(await s.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'), ['x', '2', 'q', '3', 'y', '7']);
    assert.equal(await s.call('TTL', 'dst'), -1);
    assert.equal(await s.call('ZINTERSTORE', 'dst', '2', 'a', 's', 'AGGREGATE', 'MAX'), 1);
    assert.deepEqual(await s.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'), ['y', '2']);
    assert.equal(await s.call('ZDIFFSTORE', 'dst', '2', 'a', 'a'), 0);
    assert.equal(await s.call('EXISTS', 'dst'), 0);
    assert.equal(await s.call('ZINTERCARD', '2', 'a', 's'), 1);
    assert.equal(await s.call('ZRANGESTORE', 'r', 'a', '0', '0'), 1);
    assert.deepEqual(await s.call('ZRANGE', 'r', '0', '-1'), ['x']);
    await assert.rejects(s.call('ZUNIONSTORE', 'dst', '0', 'a'), /ERR at least 1 input key is needed for 'zunionstore' command/);
    await assert.rejects(s.call('ZUNION', '2', 'a', 's', 'WEIGHTS', '1', 'w'), /ERR weight value is not a float/);
    await s.call('SET', 'str', 'v');
    await assert.rejects(s.call('ZUNION', '2', 'a', 'str'), /WRONGTYPE/);
    await assert.rejects(s.call('ZADD', 'str', '1', 'a'), /WRONGTYPE/);
  }));

test('writes invalidate WATCH; failed and no-op writes do not', () =>
  withServer(async (s) => {
    await s.call('ZADD', 'z', '1', 'a');
    const a = s.connect();
    const b = s.connect();
    await a.send(['WATCH', 'z']);
    await b.send(['ZADD', 'z', 'NX', '5', 'a']);
    await b.send(['ZREM', 'z', 'nosuch']);
    await a.send(['MULTI']);
    await a.send(['ZCARD', 'z']);
    assert.deepEqual(await a.send(['EXEC']), [1]);
    await a.send(['WATCH', 'z']);
    await b.send(['ZINCRBY', 'z', '1', 'a']);
    await a.send(['MULTI']);
    await a.send(['ZCARD', 'z']);
    assert.equal(await a.send(['EXEC']), NULL_ARRAY);
  }));

test('encoding follows the listpack limits', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'SET', 'zset-max-listpack-entries', '2');
    await s.call('ZADD', 'z', '1', 'a', '2', 'b');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'z'), 'listpack');
    await s.call('ZADD', 'z', '3', 'c');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'z'), 'skiplist');
    await s.call('ZPOPMIN', 'z', '2');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'z'), 'skiplist');
    await s.call('ZUNIONSTORE', 'u', '1', 'z');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'u'), 'listpack');
  }));

test('ZSCAN walks a big set with a stateless cursor; ZRANDMEMBER respects counts', () =>
  withServer(async (s) => {
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(String(i), `m${i}`);
    await s.call('ZADD', 'z', ...args);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, items] = (await s.call('ZSCAN', 'z', cursor, 'COUNT', '25')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) {
        assert.equal(items[i], `m${items[i + 1]}`);
        seen.add(items[i]);
      }
      cursor = next;
    } while (cursor !== '0');
    assert.equal(seen.size, 300);
    const distinct = (await s.call('ZRANDMEMBER', 'z', '200')) as string[];
    assert.equal(new Set(distinct).size, 200);
    const repeated = (await s.call('ZRANDMEMBER', 'z', '-500')) as string[];
    assert.equal(repeated.length, 500);
    assert.equal(((await s.call('ZRANDMEMBER', 'z', '5', 'WITHSCORES')) as string[]).length, 10);
  }));

test('BZPOPMIN/BZPOPMAX/BZMPOP serve at once, block until a write, and time out', () =>
  withServer(async (s) => {
    s.clock.freeze();
    await s.call('ZADD', 'z', '1', 'a', '2', 'b');
    assert.deepEqual(await s.call('BZPOPMIN', 'nokey', 'z', '0'), ['z', 'a', '1']);
    assert.deepEqual(await s.call('BZMPOP', '0', '2', 'nokey', 'z', 'MAX', 'COUNT', '5'), ['z', [['b', '2']]]);
    assert.equal(await s.call('EXISTS', 'z'), 0);
    const a = s.connect();
    const b = s.connect();
    const waiting = a.send(['BZPOPMAX', 'k1', 'k2', '0']);
    const waiting2 = b.send(['BZMPOP', '0', '1', 'k2', 'MIN', 'COUNT', '2']);
    await s.call('SET', 'k1', 'not a zset');
    await s.call('ZADD', 'k2', '1', 'x', '2', 'y', '3', 'w');
    // First come, first served: the BZPOPMAX client gets the highest, BZMPOP the two lowest.
    assert.deepEqual(await waiting, ['k2', 'w', '3']);
    assert.deepEqual(await waiting2, ['k2', [['x', '1'], ['y', '2']]]);
    assert.equal(await s.call('EXISTS', 'k2'), 0);
    const timed = a.send(['BZPOPMIN', 'k3', '1.5']);
    s.clock.advance(1499);
    s.clock.advance(1);
    assert.equal(await timed, NULL_ARRAY);
    await assert.rejects(s.call('BZPOPMIN', 'k1', '0'), /WRONGTYPE/);
    await assert.rejects(s.call('BZPOPMIN', 'k3', 'x'), /ERR timeout is not a float or out of range/);
    await assert.rejects(s.call('BZPOPMIN', 'k3', '-1'), /ERR timeout is negative/);
    await assert.rejects(s.call('BZMPOP', '0', '0', 'k3', 'MIN'), /ERR numkeys should be greater than 0/);
    // Inside MULTI they answer at once as if timed out.
    await a.send(['MULTI']);
    await a.send(['BZPOPMIN', 'k3', '0']);
    await a.send(['BZMPOP', '0', '1', 'k3', 'MIN']);
    assert.deepEqual(await a.send(['EXEC']), [NULL_ARRAY, NULL_ARRAY]);
  }));
