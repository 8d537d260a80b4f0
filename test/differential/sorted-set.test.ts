// Sorted-set commands side by side with redis-server, in RESP2 and RESP3.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, DiffContext, Pair, waitBlocked } from '../helpers/differential';
import { toJs } from '../../src/embedded';
import { rng } from '../helpers/random';

type Arg = string | Buffer | number;

/** A RESP2 pair and a RESP3 pair on the same two servers. */
async function pairs(ctx: DiffContext): Promise<{ p: Pair; p3: Pair; both: (...a: Arg[]) => Promise<void> }> {
  const p = await ctx.pair();
  const p3 = await ctx.pair();
  await p3.redis.call('HELLO', '3');
  await p3.respite.call('HELLO', '3');
  const both = async (...a: Arg[]) => {
    await p.run(...a);
    await p3.run(...a);
  };
  return { p, p3, both };
}


async function scanAll(call: (...a: string[]) => Promise<unknown>, key: string, extra: string[] = []): Promise<string[]> {
  const pairsFound: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = (await call('ZSCAN', key, cursor, ...extra)) as [string, string[]];
    for (let i = 0; i < batch.length; i += 2) pairsFound.push(`${batch[i]}=${batch[i + 1]}`);
    cursor = String(next);
  } while (cursor !== '0');
  return [...new Set(pairsFound)].sort();
}

differential('sorted-set commands', (ctx) => {
  test('ZADD options, replies and errors', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('ZADD', 'z', '1', 'a', '2', 'b');
    await p.run('ZADD', 'z', 'NX', '5', 'a', '3', 'c');
    await p.run('ZADD', 'z', 'XX', '5', 'a', '3', 'd');
    await p.run('ZADD', 'z', 'XX', 'CH', '6', 'a', '2', 'b');
    await p.run('ZADD', 'z', 'GT', 'CH', '1', 'a', '7', 'b', '1', 'e');
    await p.run('ZADD', 'z', 'LT', 'CH', '0', 'a', '9', 'b');
    await p.run('ZADD', 'z', 'XX', 'GT', '10', 'a');
    await p.run('ZADD', 'z', 'ch', 'nx', 'gt', '1', 'x');
    await p.run('ZADD', 'z', 'NX', 'XX', '1', 'x');
    await p.run('ZADD', 'z', 'GT', 'LT', '1', 'x');
    await p.run('ZADD', 'z', 'NX', 'LT', '1', 'x');
    await p.run('ZADD', 'z', 'INCR', '1', 'x', '2', 'y');
    await p.run('ZADD', 'z', '1', 'x', '2');
    await p.run('ZADD', 'z', 'NX');
    await p.run('ZADD', 'z', 'nan', 'x');
    await p.run('ZADD', 'z', '1', 'x', 'abc', 'y');
    await p.run('ZSCORE', 'z', 'y');
    await p.run('ZADD', 'z', '1');
    await p.run('ZADD', 'z');
    await both('ZADD', 'z', 'INCR', '2.5', 'a');
    await both('ZADD', 'z', 'INCR', 'NX', '2.5', 'a');
    await both('ZADD', 'z', 'INCR', 'GT', '-1', 'a');
    await both('ZADD', 'z', 'INCR', 'XX', '1', 'nosuch');
    await both('ZADD', 'nokey', 'XX', '1', 'a');
    await both('ZADD', 'nokey', 'XX', 'INCR', '1', 'a');
    await p.run('EXISTS', 'nokey');
    await p.run('ZADD', 'inf', 'inf', 'a');
    await p.run('ZADD', 'inf', 'INCR', '-inf', 'a');
    await p.run('ZINCRBY', 'inf', '-inf', 'a');
    await p.run('ZINCRBY', 'inf', 'x', 'a');
    await p.run('ZINCRBY', 'inf', '1', 'a', 'b');
    await p.run('ZINCRBY', 'inf', 'nx', 'a');
    await both('ZINCRBY', 'z', '1e-3', 'new');
    await both('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    await p.run('SET', 's', 'v');
    await p.run('ZADD', 's', '1', 'a');
    await p.run('ZINCRBY', 's', '1', 'a');
    await p.run('ZADD', 's', 'NX', 'XX', '1', 'a');
    await p.run('ZADD', 's', 'x', 'a');
  });

  test('score parsing and formatting', async () => {
    const { p, both } = await pairs(ctx);
    // Integers past 2^53 print with all 17 digits (%.17g), not JavaScript's shortest form.
    const scores = ['0.1', '-0', '+0', '1e17', '123456789012345678', '29172695635886848', '-36028797018963976', '9007199254740993', '1.5e-7', '3.0000000000000004', '-inf', '+inf', 'Infinity', '0x1A', '1e308',
      '1e-310', '.5', '5.', '-.5e3', '1E2'];
    for (let i = 0; i < scores.length; i++) await p.run('ZADD', 'z', scores[i], `m${i}`);
    for (const bad of ['1e400', '-1e999', '1e-400', ' 1', '1 ', '', 'nan', 'NaN', '0x', '1e', '--1', 'inf1', '1.2.3', '0x1p3']) {
      await p.run('ZADD', 'z', bad, 'bad');
    }
    await both('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    await both('ZSCORE', 'z', 'm1');
    await both('ZMSCORE', 'z', 'm0', 'nosuch', 'm7');
    await both('ZINCRBY', 'z', '-0', 'neg0');
    await both('ZSCORE', 'z', 'neg0');
    await both('ZINCRBY', 'z', '0.1', 'm0');
    // The skiplist encoding keeps -0, a listpack stores it as 0.
    await p.run('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await both('ZADD', 'big', '-0', 'a', '0', 'b');
    await both('ZINCRBY', 'big', '-0', 'c');
    await both('ZRANGE', 'big', '0', '-1', 'WITHSCORES');
    await both('ZUNION', '1', 'big', 'WITHSCORES');
    await p.run('ZUNIONSTORE', 'dst', '1', 'big');
    await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await p.run('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await p.run('ZUNIONSTORE', 'dst', '1', 'big');
    await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await both('ZUNION', '1', 'big', 'WEIGHTS', '-1', 'WITHSCORES');
  });

  test('ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('ZADD', 'z', '1', 'a', '2', 'b', '2', 'c', '3', 'd', '5', 'e');
    await p.run('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'aa', '0', '');
    await both('ZCARD', 'z');
    await both('ZCARD', 'nokey');
    await both('ZSCORE', 'z', 'c');
    await both('ZSCORE', 'z', 'nosuch');
    await both('ZSCORE', 'nokey', 'a');
    await both('ZMSCORE', 'nokey', 'a', 'b');
    await both('ZMSCORE', 'z', 'a', 'x', 'e');
    for (const m of ['a', 'c', 'e', 'x']) {
      await p.run('ZRANK', 'z', m);
      await p.run('ZREVRANK', 'z', m);
    }
    await p.run('ZRANK', 'nokey', 'a');
    for (const [min, max] of [['-inf', '+inf'], ['2', '3'], ['(2', '3'], ['2', '(3'], ['(2', '(2'], ['3', '1'], ['', '('], ['(', '5'], [' 2', '3'],
      ['0x2', '3'], ['a', '3'], ['nan', '1'], ['1', '(nan'], ['((1', '2'], ['1e400', 'inf'], ['-1e400', '1']]) {
      await p.run('ZCOUNT', 'z', min, max);
    }
    await p.run('ZCOUNT', 'nokey', '0', '1');
    await p.run('ZCOUNT', 'nokey', 'x', '1');
    for (const [min, max] of [['-', '+'], ['[a', '[c'], ['(a', '(c'], ['[aa', '+'], ['-', '(b'], ['+', '-'], ['[', '+'], ['(', '+'], ['-', '['],
      ['[c', '[a'], ['a', '+'], ['-', 'b'], ['+a', '+'], ['-', '--'], ['', '+'], ['[b', '[b'], ['(b', '[b']]) {
      await p.run('ZLEXCOUNT', 'lex', min, max);
    }
    await p.run('ZLEXCOUNT', 'nokey', '-', '+');
    await p.run('ZLEXCOUNT', 'nokey', 'x', '+');
    await p.run('SET', 'str', 'x');
    for (const cmd of [['ZCARD', 'str'], ['ZSCORE', 'str', 'a'], ['ZMSCORE', 'str', 'a'], ['ZRANK', 'str', 'a'], ['ZREVRANK', 'str', 'a'],
      ['ZCOUNT', 'str', '0', '1'], ['ZLEXCOUNT', 'str', '-', '+'], ['ZCOUNT', 'str', 'x', '1']]) {
      await p.run(...cmd);
    }
    for (const cmd of [['ZCARD'], ['ZCARD', 'a', 'b'], ['ZSCORE', 'z'], ['ZMSCORE', 'z'], ['ZRANK', 'z'], ['ZRANK', 'z', 'a', 'b'], ['ZCOUNT', 'z', '1'],
      ['ZLEXCOUNT', 'z', '-']]) {
      await p.run(...cmd);
    }
  });

  test('ZRANGE family: ranks, scores, lex, REV, LIMIT, WITHSCORES', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('ZADD', 'z', '1', 'a', '2', 'b', '2', 'c', '3', 'd', '5', 'e', '-inf', 'lo', 'inf', 'hi', '2.5', 'bb');
    await p.run('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'aa', '0', 'b\xff', '0', '');
    for (const [s, e] of [['0', '-1'], ['1', '3'], ['-3', '-1'], ['-100', '100'], ['5', '2'], ['100', '200'], ['-1', '-2'], ['0', '0']]) {
      await both('ZRANGE', 'z', s, e);
      await both('ZRANGE', 'z', s, e, 'WITHSCORES');
      await both('ZRANGE', 'z', s, e, 'REV', 'WITHSCORES');
      await both('ZREVRANGE', 'z', s, e, 'WITHSCORES');
    }
    const scoreRanges = [['-inf', '+inf'], ['2', '3'], ['(2', '5'], ['(1', '(5'], ['3', '1'], ['(2', '(2'], ['2', '2']];
    for (const [min, max] of scoreRanges) {
      await both('ZRANGEBYSCORE', 'z', min, max, 'WITHSCORES');
      await both('ZREVRANGEBYSCORE', 'z', max, min, 'WITHSCORES');
      await both('ZRANGE', 'z', min, max, 'BYSCORE', 'WITHSCORES');
      await both('ZRANGE', 'z', max, min, 'BYSCORE', 'REV', 'WITHSCORES');
      for (const [off, cnt] of [['0', '2'], ['1', '-1'], ['2', '0'], ['-1', '2'], ['100', '1'], ['7', '5'], ['3', '2']]) {
        await p.run('ZRANGEBYSCORE', 'z', min, max, 'LIMIT', off, cnt);
        await p.run('ZREVRANGEBYSCORE', 'z', max, min, 'WITHSCORES', 'LIMIT', off, cnt);
        await p.run('ZRANGE', 'z', max, min, 'REV', 'BYSCORE', 'LIMIT', off, cnt);
      }
    }
    const lexRanges = [['-', '+'], ['[a', '[c'], ['(a', '(c'], ['[b', '+'], ['-', '(b'], ['+', '-'], ['[', '+'], ['(', '(b\xff'], ['[b\xff', '+']];
    for (const [min, max] of lexRanges) {
      await both('ZRANGEBYLEX', 'lex', min, max);
      await both('ZREVRANGEBYLEX', 'lex', max, min);
      await both('ZRANGE', 'lex', min, max, 'BYLEX');
      await both('ZRANGE', 'lex', max, min, 'BYLEX', 'REV');
      for (const [off, cnt] of [['0', '2'], ['1', '-1'], ['-1', '5'], ['3', '0'], ['20', '1']]) {
        await p.run('ZRANGEBYLEX', 'lex', min, max, 'LIMIT', off, cnt);
        await p.run('ZREVRANGEBYLEX', 'lex', max, min, 'LIMIT', off, cnt);
      }
    }
    // Errors and option combinations.
    for (const cmd of [
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '-1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', 'x', '1'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', '0', 'x'],
      ['ZRANGE', 'lex', '-', '+', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'z', '-', '+', 'BYSCORE'],
      ['ZRANGE', 'z', '0', '1', 'BYLEX'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
      ['ZRANGE', 'z', 'a', '1'],
      ['ZRANGE', 'z', '0', '1', 'FOO'],
      ['ZRANGE', 'z', '0', '1', 'withscores', 'rev'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'],
      ['ZRANGEBYSCORE', 'z', '0', 'x'],
      ['ZREVRANGE', 'z', '0', '1', 'REV'],
      ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGEBYLEX', 'lex', '-', '+', 'WITHSCORES'],
      ['ZRANGEBYLEX', 'lex', 'a', '+'],
      ['ZREVRANGEBYLEX', 'lex', '+', '-', 'LIMIT', '1'],
      ['ZRANGE', 'nokey', '0', '-1'],
      ['ZRANGE', 'nokey', 'x', '-1'],
      ['ZRANGEBYSCORE', 'nokey', '0', '1', 'WITHSCORES'],
      ['ZRANGE', 'z', '0'],
    ]) {
      await p.run(...cmd);
    }
    await p.run('SET', 'str', 'x');
    await p.run('ZRANGE', 'str', '0', '-1');
    await p.run('ZRANGEBYLEX', 'str', '-', '+');
  });

  test('ZRANGESTORE', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    await p.run('ZRANGESTORE', 'dst', 'z', '1', '2');
    await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await p.run('ZRANGESTORE', 'dst', 'z', '(1', '+inf', 'BYSCORE', 'REV', 'LIMIT', '0', '2');
    await p.run('ZRANGESTORE', 'dst', 'z', '+inf', '(1', 'BYSCORE', 'REV', 'LIMIT', '0', '2');
    await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await p.run('ZRANGESTORE', 'dst', 'z', '[b', '+', 'BYLEX');
    await p.run('ZRANGESTORE', 'dst', 'z', '0', '-1', 'WITHSCORES');
    await p.run('ZRANGESTORE', 'dst', 'nokey', '0', '-1');
    await p.run('EXISTS', 'dst');
    await p.run('ZRANGESTORE', 'dst', 'z', '5', '10');
    await p.run('SET', 'str', 'x');
    await p.run('ZRANGESTORE', 'str', 'z', '0', '0');
    await p.run('TYPE', 'str');
    await p.run('ZRANGESTORE', 'dst', 'str', '0', '0');
    await p.run('ZRANGESTORE', 'dst', 'z', '0');
    await p.run('ZRANGESTORE', 'z', 'z', '1', '2');
    await both('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
  });

  test('ZREM and ZREMRANGEBY*', async () => {
    const { p, both } = await pairs(ctx);
    const fill = () => p.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f');
    await fill();
    await p.run('ZREM', 'z', 'a', 'x', 'a', 'b');
    await p.run('ZREM', 'nokey', 'a');
    await p.run('ZREM', 'z', 'c', 'd', 'e', 'f', 'g');
    await p.run('EXISTS', 'z');
    for (const [s, e] of [['0', '1'], ['-2', '-1'], ['3', '1'], ['10', '20'], ['-100', '100'], ['x', '1']]) {
      await fill();
      await p.run('ZREMRANGEBYRANK', 'z', s, e);
      await both('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    }
    for (const [min, max] of [['2', '4'], ['(2', '(4'], ['-inf', '+inf'], ['5', '1'], ['x', '1']]) {
      await fill();
      await p.run('ZREMRANGEBYSCORE', 'z', min, max);
      await both('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    }
    await p.run('DEL', 'z');
    for (const [min, max] of [['[b', '[d'], ['(a', '+'], ['-', '+'], ['+', '-'], ['x', '+']]) {
      await p.run('ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e');
      await p.run('ZREMRANGEBYLEX', 'z', min, max);
      await both('ZRANGE', 'z', '0', '-1');
    }
    for (const cmd of ['ZREMRANGEBYRANK', 'ZREMRANGEBYSCORE']) await p.run(cmd, 'nokey', '0', '1');
    await p.run('ZREMRANGEBYLEX', 'nokey', '-', '+');
    await p.run('ZREMRANGEBYSCORE', 'nokey', 'x', '1');
    await p.run('SET', 'str', 'x');
    await p.run('ZREM', 'str', 'a');
    await p.run('ZREMRANGEBYRANK', 'str', '0', '1');
    await p.run('ZREMRANGEBYLEX', 'str', '-', '+');
    await p.run('ZREM', 'z');
  });

  test('ZPOPMIN ZPOPMAX ZMPOP', async () => {
    const { p, p3, both } = await pairs(ctx);
    const fill = () => p.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    await fill();
    await p.run('ZPOPMIN', 'z');
    await p3.run('ZPOPMIN', 'z');
    await p.run('ZPOPMAX', 'z', '2');
    await p3.run('ZPOPMAX', 'z', '1');
    await both('ZPOPMIN', 'z', '0');
    await p.run('ZPOPMIN', 'z', '10');
    await p.run('EXISTS', 'z');
    await both('ZPOPMIN', 'nokey');
    await both('ZPOPMIN', 'nokey', '3');
    for (const bad of ['-1', 'x', '1.5']) await p.run('ZPOPMIN', 'nokey', bad);
    await p.run('ZPOPMIN', 'z', '1', '2');
    await fill();
    await p.run('ZADD', 'y', '7', 'q');
    await p.run('ZMPOP', '2', 'nokey', 'z', 'MIN');
    await p3.run('ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '2');
    await both('ZMPOP', '1', 'nokey', 'MIN');
    await p.run('ZMPOP', '2', 'z', 'y', 'min', 'count', '10');
    await p3.run('ZMPOP', '2', 'z', 'y', 'max', 'count', '10');
    await p.run('EXISTS', 'y', 'z');
    for (const cmd of [
      ['ZMPOP', '0', 'z', 'MIN'],
      ['ZMPOP', '-1', 'z', 'MIN'],
      ['ZMPOP', 'x', 'z', 'MIN'],
      ['ZMPOP', '2', 'z', 'MIN'],
      ['ZMPOP', '1', 'z', 'MID'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'z', 'MIN', 'FOO'],
      ['ZMPOP', '1', 'z'],
    ]) {
      await p.run(...cmd);
    }
    await p.run('SET', 'str', 'x');
    await p.run('ZPOPMIN', 'str');
    await p.run('ZPOPMAX', 'str', '0');
    await p.run('ZMPOP', '2', 'nokey', 'str', 'MIN');
    await p.run('ZADD', 'z', '1', 'a');
    await p.run('ZMPOP', '2', 'z', 'str', 'MIN');
  });

  test('ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c', 'inf', 'i');
    await p.run('ZADD', 'z2', '10', 'b', '20', 'c', '30', 'd', '-inf', 'i');
    await p.run('ZADD', 'z3', '0.1', 'c', '0.2', 'a', '0.3', 'x');
    await p.run('SADD', 's', 'a', 'c', 'z');
    await p.run('SADD', 'ints', '1', '2', 'c');
    const inputs = [['2', 'z1', 'z2'], ['3', 'z1', 'z2', 'z3'], ['2', 'z1', 's'], ['3', 'z1', 'nokey', 'z3'], ['2', 'z1', 'z1'], ['2', 's', 'ints'], ['1', 'nokey']];
    for (const keys of inputs) {
      for (const op of ['ZUNION', 'ZINTER', 'ZDIFF']) {
        await both(op, ...keys, 'WITHSCORES');
        await p.run(op, ...keys);
        await p.run(`${op}STORE`, 'dst', ...keys);
        await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
      }
      await p.run('ZINTERCARD', ...keys);
      await p.run('ZINTERCARD', ...keys, 'LIMIT', '1');
      await p.run('ZINTERCARD', ...keys, 'LIMIT', '0');
      const n = Number(keys[0]);
      const weights = ['0.5', '-2', '3', '0'].slice(0, n);
      for (const agg of ['SUM', 'MIN', 'MAX']) {
        if (weights.length === n) {
          await both('ZUNION', ...keys, 'WEIGHTS', ...weights, 'AGGREGATE', agg, 'WITHSCORES');
          await both('ZINTER', ...keys, 'aggregate', agg.toLowerCase(), 'weights', ...weights, 'withscores');
          await p.run('ZUNIONSTORE', 'dst', ...keys, 'WEIGHTS', ...weights, 'AGGREGATE', agg);
          await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
          await p.run('ZINTERSTORE', 'dst', ...keys, 'AGGREGATE', agg, 'WEIGHTS', ...weights);
          await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
        }
      }
    }
    await p.run('ZUNIONSTORE', 'dst', '2', 'z1', 'z2', 'WEIGHTS', '0', '0');
    await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await p.run('ZINTERSTORE', 'dst', '2', 'nokey', 'z1');
    await p.run('EXISTS', 'dst');
    await p.run('ZADD', 'z1', '0.1', 'p', '0.2', 'q');
    await p.run('ZUNIONSTORE', 'z1', '3', 'z1', 'z3', 'z3', 'WEIGHTS', '0.1', '0.7', '0.3');
    await both('ZRANGE', 'z1', '0', '-1', 'WITHSCORES');
    await p.run('SET', 'str', 'x');
    for (const cmd of [
      ['ZUNION', '0', 'z1'],
      ['ZUNION', '-1', 'z1'],
      ['ZINTER', 'x', 'z1'],
      ['ZDIFF', '3', 'z1', 'z2'],
      ['ZUNIONSTORE', 'dst', '0', 'z1'],
      ['ZINTERSTORE', 'dst', '0', 'z1'],
      ['ZDIFFSTORE', 'dst', '0', 'z1'],
      ['ZINTERCARD', '0', 'z1'],
      ['ZINTERCARD', '2', 'z1'],
      ['ZINTERCARD', '1', 'z1', 'LIMIT', '-1'],
      ['ZINTERCARD', '1', 'z1', 'LIMIT', 'x'],
      ['ZINTERCARD', '1', 'z1', 'WITHSCORES'],
      ['ZINTERCARD', '1', 'z1', 'LIMIT'],
      ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1'],
      ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'x'],
      ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'nan'],
      ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'AVG'],
      ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE'],
      ['ZUNION', '2', 'z1', 'z2', 'FOO'],
      ['ZDIFF', '2', 'z1', 'z2', 'WEIGHTS', '1', '2'],
      ['ZDIFF', '2', 'z1', 'z2', 'AGGREGATE', 'MIN'],
      ['ZUNIONSTORE', 'dst', '2', 'z1', 'z2', 'WITHSCORES'],
      ['ZUNION', '2', 'z1', 'str'],
      ['ZUNION', '2', 'z1', 'str', 'FOO'],
      ['ZINTERSTORE', 'dst', '2', 'str', 'nokey'],
      ['ZDIFF', '2', 'nokey', 'str'],
      ['ZINTERCARD', '2', 'str', 'z1'],
      ['ZUNIONSTORE', 'dst', '1'],
      ['ZUNION', '1'],
    ]) {
      await p.run(...cmd);
    }
    await p.run('ZUNIONSTORE', 'str', '1', 'z2');
    await both('ZRANGE', 'str', '0', '-1', 'WITHSCORES');
  });

  test('encodings: listpack limits and conversion', async () => {
    const { p } = await pairs(ctx);
    await p.run('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
    await p.run('CONFIG', 'SET', 'zset-max-listpack-value', '8');
    await p.run('ZADD', 'small', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    await p.run('OBJECT', 'ENCODING', 'small');
    await p.run('ZADD', 'small', '5', 'e');
    await p.run('OBJECT', 'ENCODING', 'small');
    await p.run('ZREM', 'small', 'a', 'b', 'c');
    await p.run('OBJECT', 'ENCODING', 'small');
    await p.run('ZADD', 'long', '1', 'abcdefghi');
    await p.run('OBJECT', 'ENCODING', 'long');
    await p.run('ZADD', 'long8', '1', 'abcdefgh');
    await p.run('OBJECT', 'ENCODING', 'long8');
    await p.run('ZINCRBY', 'long8', '1', 'abcdefghij');
    await p.run('OBJECT', 'ENCODING', 'long8');
    await p.run('ZUNIONSTORE', 'u', '1', 'small');
    await p.run('OBJECT', 'ENCODING', 'u');
    await p.run('ZUNIONSTORE', 'u', '2', 'small', 'long8');
    await p.run('OBJECT', 'ENCODING', 'u');
    await p.run('ZINTERSTORE', 'u', '1', 'long');
    await p.run('OBJECT', 'ENCODING', 'u');
    await p.run('ZRANGESTORE', 'u', 'small', '0', '0');
    await p.run('OBJECT', 'ENCODING', 'u');
    await p.run('ZRANGESTORE', 'u', 'long8', '0', '-1');
    await p.run('OBJECT', 'ENCODING', 'u');
    await p.run('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await p.run('ZADD', 'zero', '1', 'a');
    await p.run('OBJECT', 'ENCODING', 'zero');
    await p.run('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await p.run('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  });

  test('ZSCAN', async () => {
    const { p, p3 } = await pairs(ctx);
    await p.run('ZADD', 'z', '1', 'a', '2.5', 'b', '-0', 'c', 'inf', 'd', '0', 'ab');
    for (const args of [['0'], ['0', 'COUNT', '1'], ['0', 'MATCH', 'a*'], ['0', 'MATCH', '*'], ['0', 'COUNT', '0'], ['0', 'COUNT', 'x'], ['0', 'FOO', '1'],
      ['0', 'COUNT'], ['x'], [' 1'], [''], ['-1'], ['18446744073709551616'], ['0', 'TYPE', 'zset'], ['0', 'match', '?', 'count', '100']]) {
      await p.run('ZSCAN', 'z', ...args);
      await p3.run('ZSCAN', 'z', ...args);
    }
    await p.run('ZSCAN', 'nokey', '0');
    await p.run('ZSCAN', 'nokey', '0', 'COUNT', '0');
    await p.run('ZSCAN', 'nokey', 'x');
    await p.run('SET', 'str', 'x');
    await p.run('ZSCAN', 'str', '0');
    // A skiplist-encoded set: order is the hash table's, so compare what a full scan collects.
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(String(i / 7), `m${i}`);
    await p.run('ZADD', 'big', ...args);
    for (const extra of [[], ['COUNT', '7'], ['MATCH', 'm1*', 'COUNT', '50']]) {
      const a = await scanAll((...x) => p.redis.call(...x), 'big', extra);
      const b = await scanAll((...x) => p.respite.call(...x), 'big', extra);
      assert.deepEqual(b, a);
    }
  });

  test('ZRANDMEMBER', async () => {
    const { p, p3, both } = await pairs(ctx);
    await p.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    // Deterministic answers: the whole set, empty results, errors.
    await both('ZRANDMEMBER', 'z', '4', 'WITHSCORES');
    await both('ZRANDMEMBER', 'z', '100');
    await both('ZRANDMEMBER', 'z', '0');
    await both('ZRANDMEMBER', 'nokey');
    await both('ZRANDMEMBER', 'nokey', '5', 'WITHSCORES');
    for (const cmd of [
      ['ZRANDMEMBER', 'z', 'x'],
      ['ZRANDMEMBER', 'z', '1', 'FOO'],
      ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
      ['ZRANDMEMBER', 'z', '-9223372036854775808'],
      ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'nokey', 'x'],
    ]) {
      await p.run(...cmd);
    }
    await p.run('SET', 'str', 'x');
    await p.run('ZRANDMEMBER', 'str');
    await p.run('ZRANDMEMBER', 'str', '1');
    // Random answers: check shape and membership.
    const members = new Set(['a', 'b', 'c', 'd']);
    const one = (await p.respite.call('ZRANDMEMBER', 'z')) as string;
    assert.ok(members.has(one));
    for (const n of [2, 3, -10]) {
      const r = (await p.respite.call('ZRANDMEMBER', 'z', String(n))) as string[];
      assert.equal(r.length, Math.abs(n));
      for (const m of r) assert.ok(members.has(m));
      if (n > 0) assert.equal(new Set(r).size, n);
    }
    const ws = (await p3.respite.call('ZRANDMEMBER', 'z', '-3', 'WITHSCORES')) as [string, number][];
    assert.equal(ws.length, 3);
    for (const [m, s] of ws) assert.equal(Number((s as unknown as { value: number }).value), m.charCodeAt(0) - 96);
  });

  test('binary members and large sets in both encodings', async () => {
    const { p, both } = await pairs(ctx);
    const bin = Buffer.from([0, 255, 13, 10, 128, 1]);
    await p.run('ZADD', 'b', '1', bin, '1', Buffer.from([0, 255]), '1', Buffer.from([255]), '1', Buffer.from([0]));
    await both('ZRANGE', 'b', '0', '-1', 'WITHSCORES');
    await both('ZRANGEBYLEX', 'b', Buffer.concat([Buffer.from('['), Buffer.from([0, 255])]), '+');
    await both('ZSCORE', 'b', bin);
    await both('ZRANK', 'b', Buffer.from([255]));
    const args: string[] = [];
    for (let i = 0; i < 200; i++) args.push(String((i * 37) % 101), `m${i}`);
    await p.run('ZADD', 'big', ...args);
    await p.run('OBJECT', 'ENCODING', 'big');
    await both('ZRANGE', 'big', '0', '-1', 'WITHSCORES');
    await both('ZRANGE', 'big', '10', '60', 'BYSCORE', 'LIMIT', '5', '20');
    await both('ZREVRANGE', 'big', '3', '40');
    await p.run('ZRANK', 'big', 'm150');
    await p.run('ZREVRANK', 'big', 'm150');
    await p.run('ZCOUNT', 'big', '(20', '50');
    await p.run('ZREMRANGEBYRANK', 'big', '50', '99');
    await p.run('ZREMRANGEBYSCORE', 'big', '90', '95');
    await both('ZPOPMAX', 'big', '3');
    await both('ZRANGE', 'big', '0', '-1', 'WITHSCORES');
    await p.run('ZRANGEBYLEX', 'big', '[m1', '(m2');
  });

  test('keyspace notifications', async () => {
    const { p } = await pairs(ctx);
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const sub = await ctx.pair();
    await sub.run('PSUBSCRIBE', '__keyevent@0__:*');
    const cmds: string[][] = [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z', '1', 'a'],
      ['ZINCRBY', 'z', '1', 'a'],
      ['ZREM', 'z', 'a', 'nosuch'],
      ['ZREM', 'z', 'nosuch'],
      ['ZADD', 'z', '4', 'd', '5', 'e'],
      ['ZREMRANGEBYSCORE', 'z', '5', '5'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYLEX', 'z', '-', '+'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '2'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '5'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZUNIONSTORE', 'u', '1', 'z'],
      ['ZINTERSTORE', 'u', '2', 'z', 'nokey'],
      ['ZDIFFSTORE', 'u', '1', 'z'],
      ['ZRANGESTORE', 'r', 'z', '0', '0'],
      ['ZRANGESTORE', 'r', 'nokey', '0', '0'],
      ['ZREM', 'z', 'a', 'b'],
      ['SET', 'done', '1'],
    ];
    let expected = 0;
    for (const c of cmds) {
      await p.run(...c);
    }
    // Drain: compare every event until the final SET's.
    for (;;) {
      const [a, b] = await Promise.all([sub.redis.readNext(), sub.respite.readNext()]);
      assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), `event ${expected}`);
      expected++;
      if (a.raw.toString('latin1').endsWith('$4\r\ndone\r\n')) break;
    }
    assert.ok(expected > 20);
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', '');
  });

  test('seeded random sequence compared step by step', async () => {
    const { p, both } = await pairs(ctx);
    const rand = rng(20240607);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const member = () => `m${Math.floor(rand() * 180)}`;
    const score = () => pick([String(Math.floor(rand() * 50)), (rand() * 100 - 50).toFixed(Math.floor(rand() * 12)), '-inf', 'inf', '0', '-0', '1e-5']);
    const key = () => pick(['a', 'b', 'c']);
    for (let step = 0; step < 400; step++) {
      const r = rand();
      let cmd: string[];
      if (r < 0.35) {
        cmd = ['ZADD', key()];
        if (rand() < 0.2) cmd.push(pick(['NX', 'XX', 'GT', 'LT', 'CH']));
        for (let i = 0, n = 1 + Math.floor(rand() * 8); i < n; i++) cmd.push(score(), member());
      } else if (r < 0.45) cmd = ['ZINCRBY', key(), pick(['1', '-2.5', '0.1', 'inf']), member()];
      else if (r < 0.55) cmd = ['ZREM', key(), member(), member()];
      else if (r < 0.6) cmd = ['ZREMRANGEBYSCORE', key(), String(Math.floor(rand() * 40) - 20), `(${Math.floor(rand() * 40)}`];
      else if (r < 0.63) cmd = ['ZREMRANGEBYRANK', key(), String(Math.floor(rand() * 10)), String(Math.floor(rand() * 10))];
      else if (r < 0.68) cmd = ['ZPOPMIN', key(), String(Math.floor(rand() * 3))];
      else if (r < 0.76) cmd = [pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), key(), '2', key(), key()];
      else if (r < 0.8) cmd = ['ZRANGESTORE', key(), key(), String(Math.floor(rand() * 20)), String(-Math.floor(rand() * 20))];
      else if (r < 0.9) cmd = ['ZRANGE', key(), String(Math.floor(rand() * 30)), String(Math.floor(rand() * 60)), 'BYSCORE', 'LIMIT', String(Math.floor(rand() * 5)), '10', 'WITHSCORES'];
      else cmd = [pick(['ZRANK', 'ZREVRANK', 'ZSCORE']), key(), member()];
      await p.run(...cmd);
      for (const k of ['a', 'b', 'c']) await both('ZRANGE', k, '0', '-1', 'WITHSCORES');
      if (step % 50 === 0) for (const k of ['a', 'b', 'c']) await p.run('OBJECT', 'ENCODING', k);
    }
  });

  test('BZPOPMIN BZPOPMAX BZMPOP: immediate, errors, MULTI, served by a write, timeout', async () => {
    const { p, p3, both } = await pairs(ctx);
    await p.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    await p.run('BZPOPMIN', 'nokey', 'z', '0');
    await p3.run('BZPOPMAX', 'nokey', 'z', '0');
    await p.run('BZMPOP', '0', '2', 'nokey', 'z', 'MIN', 'COUNT', '1');
    await p3.run('BZMPOP', '1', '1', 'z', 'MAX', 'COUNT', '9');
    await p.run('EXISTS', 'z');
    await p.run('SET', 'str', 'v');
    for (const cmd of [
      ['BZPOPMIN', 'str', '0'],
      ['BZPOPMIN', 'nokey', 'str', '0'],
      ['BZPOPMIN', 'k', 'x'],
      ['BZPOPMIN', 'k', '-1'],
      ['BZMPOP', 'x', '0', 'k', 'MIN'],
      ['BZMPOP', 'x', '1', 'k', 'MIN'],
      ['BZMPOP', 'x', '1', 'k', 'FOO'],
      ['BZMPOP', 'x', '1', 'k', 'MIN', 'COUNT', '0'],
      ['BZMPOP', '-1', '1', 'k', 'MIN'],
      ['BZMPOP', '0', '1', 'str', 'MIN'],
      ['BZPOPMIN', 'k'],
      ['BZMPOP', '0', '1', 'k'],
    ]) {
      await p.run(...cmd);
    }
    for (const q of [p, p3]) {
      await q.run('MULTI');
      await q.run('BZPOPMIN', 'nokey', '0');
      await q.run('BZMPOP', '0', '1', 'nokey', 'MAX');
      await q.run('EXEC');
    }
    await both('BZPOPMAX', 'nokey', '0.01');
    await both('BZMPOP', '0.01', '1', 'nokey', 'MIN');
    // Blocked clients are served, oldest first, when another client adds members.
    const w1 = await ctx.pair();
    const w2 = await ctx.pair();
    await w2.redis.call('HELLO', '3');
    await w2.respite.call('HELLO', '3');
    const a = [w1.redis.callRaw('BZPOPMAX', 'k1', 'k2', '0'), w1.respite.callRaw('BZPOPMAX', 'k1', 'k2', '0')];
    await waitBlocked(p, 1);
    const b = [w2.redis.callRaw('BZMPOP', '0', '1', 'k2', 'MIN', 'COUNT', '2'), w2.respite.callRaw('BZMPOP', '0', '1', 'k2', 'MIN', 'COUNT', '2')];
    await waitBlocked(p, 2);
    await p.run('ZADD', 'k2', '1', 'x', '2', 'y', '3', 'w');
    const [ra, sa] = await Promise.all(a);
    const [rb, sb] = await Promise.all(b);
    assert.equal(sa.raw.toString('latin1'), ra.raw.toString('latin1'));
    assert.equal(sb.raw.toString('latin1'), rb.raw.toString('latin1'));
    await p.run('EXISTS', 'k2');
  });

  test('COMMAND INFO and GETKEYS', async () => {
    const { p } = await pairs(ctx);
    const names = ['bzmpop', 'bzpopmax', 'bzpopmin', 'zadd', 'zcard', 'zcount', 'zdiff', 'zdiffstore', 'zincrby', 'zinter', 'zintercard', 'zinterstore',
      'zlexcount', 'zmpop', 'zmscore', 'zpopmax', 'zpopmin', 'zrandmember', 'zrange', 'zrangebylex', 'zrangebyscore', 'zrangestore', 'zrank', 'zrem',
      'zremrangebylex', 'zremrangebyrank', 'zremrangebyscore', 'zrevrange', 'zrevrangebylex', 'zrevrangebyscore', 'zrevrank', 'zscan', 'zscore', 'zunion',
      'zunionstore'];
    // Compared through the registry, so the check does not depend on the COMMAND command.
    const registry = ctx.respite.server.registry;
    for (const n of names) {
      // The fields a command table entry declares: name, arity, flags, key positions, ACL categories.
      const ref = (toJs(await p.redis.call('COMMAND', 'INFO', n), false) as unknown[][])[0].slice(0, 7);
      assert.deepEqual((toJs(registry.lookup(n)!.info(), false) as unknown[]).slice(0, 7), ref, `COMMAND INFO ${n}`);
    }
    for (const cmd of [
      ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
      ['ZINTER', '2', 'a', 'b'],
      ['ZDIFF', '1', 'a'],
      ['ZINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '1'],
      ['ZMPOP', '2', 'a', 'b', 'MIN'],
      ['BZMPOP', '0', '2', 'a', 'b', 'MIN'],
      ['BZPOPMIN', 'a', 'b', '0'],
      ['ZRANGESTORE', 'd', 's', '0', '1'],
    ]) {
      const ref = (await p.redis.call('COMMAND', 'GETKEYS', ...cmd)) as string[];
      const positions = registry.lookup(cmd[0])!.keyPositions(cmd);
      assert.deepEqual(positions.map((i) => cmd[i]), ref.map(String), `COMMAND GETKEYS ${cmd.join(' ')}`);
    }
  });

  test('wrong arity', async () => {
    const { p } = await pairs(ctx);
    for (const cmd of [['ZADD', 'z', '1'], ['ZINCRBY', 'z', '1'], ['ZREM', 'z'], ['ZRANGE', 'z', '0'], ['ZRANGESTORE', 'd', 's', '0'], ['ZPOPMIN'],
      ['ZMPOP', '1', 'z'], ['ZUNION', '1'], ['ZUNIONSTORE', 'd', '1'], ['ZINTERCARD', '1'], ['ZSCAN', 'z'], ['ZRANDMEMBER'], ['ZREMRANGEBYLEX', 'z', '-'],
      ['ZCOUNT', 'z', '1', '2', '3']]) {
      await p.run(...cmd);
    }
  });

  test('COMMAND GETKEYS of numkeys commands; option keywords end at a NUL byte', async () => {
    const p = await ctx.pair();
    for (const args of [
      ['ZUNION', '5', 'a', 'b'], ['ZUNION', '2', 'a', 'b'], ['ZMPOP', '5', 'a', 'b', 'MIN'], ['ZMPOP', '1', 'a', 'MIN'],
      ['ZUNIONSTORE', 'd', '3', 'a', 'b'], ['ZUNIONSTORE', 'd', '2', 'a', 'b'], ['LMPOP', '3', 'a', 'LEFT'], ['LMPOP', '1', 'a', 'LEFT'],
      ['SINTERCARD', '3', 'a', 'b'], ['SINTERCARD', '2', 'a', 'b'], ['ZINTERCARD', '0', 'a'], ['ZDIFF', '1', 'a'], ['ZINTER', 'x', 'a'],
    ]) {
      await p.run('COMMAND', 'GETKEYS', ...args);
    }
    // Redis compares keywords with strcasecmp, which stops at the first NUL byte.
    await p.run('ZADD', 'z', 'nx\0junk', '1', 'a');
    await p.run('ZADD', 'z', 'N\0X', '1', 'b');
    await p.run('RPUSH', 'l', 'a', 'b', 'c');
    await p.run('LMPOP', '1', 'l', 'left\0x', 'count\0y', '2');
    await p.run('SET', 'k', 'v', 'PX\0', '100000');
    await p.run('GEOADD', 'g', 'ch\0', '13.361389', '38.115556', 'Palermo');
    await p.run('ZRANGE', 'z', '0', '-1', 'withscores\0');
    await p.run('LINSERT', 'l', 'before\0', 'c', 'x');
    await p.run('LPOS', 'l', 'c', 'rank\0', '1');
  });

  test('lex ranges on a listpack whose scores differ: Redis scans it from the ends (zzlFirstInLexRange)', async () => {
    const p = await ctx.pair();
    await p.run('ZADD', 'zl', '0', 'c', '1', 'a', '2', 'b', '3', 'd', '4', 'a0');
    await p.run('OBJECT', 'ENCODING', 'zl');
    for (const [min, max] of [['[a', '[b'], ['-', '[b'], ['[a', '+'], ['[b', '+'], ['(a', '[c'], ['-', '+']]) {
      await p.run('ZRANGEBYLEX', 'zl', min, max);
      await p.run('ZRANGEBYLEX', 'zl', min, max, 'LIMIT', '1', '2');
      await p.run('ZREVRANGEBYLEX', 'zl', max, min);
      await p.run('ZLEXCOUNT', 'zl', min, max);
    }
    await p.run('ZREVRANGEBYLEX', 'zl', '[c', '[a');
    await p.run('ZADD', 'zm', '5', 'a', '1', 'b', '3', 'c', '2', 'd');
    await p.run('ZREMRANGEBYLEX', 'zm', '[b', '[c');
    await p.run('ZRANGE', 'zm', '0', '-1');
    await p.run('ZREMRANGEBYLEX', 'zm', '[b', '[d');
    await p.run('ZRANGE', 'zm', '0', '-1', 'WITHSCORES');
  });
});
