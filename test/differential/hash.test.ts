// Hash commands side by side with redis-server: replies byte for byte (small hashes list fields in
// the same order as Redis's listpack), errors, encodings, RESP3 and keyspace events.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';
import { rng } from '../helpers/random';


/** Sets a config value on both servers. */
async function config(p: Pair, name: string, value: string): Promise<void> {
  await p.run('CONFIG', 'SET', name, value);
}

/** Walks a whole HSCAN on each server and compares the field/value pairs found (as sets). */
async function bothHscan(p: Pair, key: string, extra: string[] = []): Promise<void> {
  const walk = async (call: (...a: string[]) => Promise<unknown>) => {
    const pairs = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = (await call('HSCAN', key, cursor, ...extra)) as [string, string[]];
      for (let i = 0; i < batch.length; i += 2) pairs.add(`${batch[i]}=${batch[i + 1]}`);
      cursor = String(next);
    } while (cursor !== '0');
    return [...pairs].sort();
  };
  assert.deepEqual(await walk((...a) => p.respite.call(...a)), await walk((...a) => p.redis.call(...a)), `HSCAN ${key} ${extra.join(' ')}`);
}

differential('hash commands', (ctx) => {
  test('HSET HGET HMGET HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL on a small hash', async () => {
    const p = await ctx.pair();
    await p.script([
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HSET', 'h', 'b', 'two', 'd', '4'],
      ['HSET', 'h', 'a', '1', 'a', 'again'],
      ['HGET', 'h', 'b'],
      ['HGET', 'h', 'zz'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', 'h', 'a', 'zz', 'd', 'a'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HLEN', 'h'],
      ['HLEN', 'nokey'],
      ['HSTRLEN', 'h', 'b'],
      ['HSTRLEN', 'h', 'zz'],
      ['HSTRLEN', 'nokey', 'zz'],
      ['HEXISTS', 'h', 'a'],
      ['HEXISTS', 'h', 'zz'],
      ['HEXISTS', 'nokey', 'a'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
      ['HGETALL', 'h'],
      ['HKEYS', 'nokey'],
      ['HVALS', 'nokey'],
      ['HGETALL', 'nokey'],
      ['HMSET', 'h', 'e', '5', 'a', 'A'],
      ['HGETALL', 'h'],
      ['HSETNX', 'h', 'a', 'no'],
      ['HSETNX', 'h', 'f', 'yes'],
      ['HSETNX', 'new', 'f', 'v'],
      ['HGETALL', 'h'],
      ['HGETALL', 'new'],
      ['OBJECT', 'ENCODING', 'h'],
    ]);
  });

  test('HDEL removes fields and the key with its last field', async () => {
    const p = await ctx.pair();
    await p.script([
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HDEL', 'h', 'b', 'b', 'zz'],
      ['HGETALL', 'h'],
      ['HDEL', 'nokey', 'a'],
      ['HDEL', 'h', 'a', 'c', 'zz'],
      ['EXISTS', 'h'],
      ['HSET', 'h', 'x', '1'],
      ['HDEL', 'h', 'x'],
      ['TYPE', 'h'],
    ]);
  });

  test('binary fields and values', async () => {
    const p = await ctx.pair();
    const bin = Buffer.from([0, 1, 2, 0xff, 0x80, 13, 10, 0]);
    await p.run('HSET', bin, bin, 'k', Buffer.from([0xc3, 0x28]));
    await p.run('HGET', bin, bin);
    await p.run('HGETALL', bin);
    await p.run('HSTRLEN', bin, bin);
    await p.run('HSET', 'e', '', '');
    await p.run('HGETALL', 'e');
    await p.run('HEXISTS', 'e', '');
    await p.run('HSTRLEN', 'e', '');
  });

  test('errors: arity, wrong type, syntax', async () => {
    const p = await ctx.pair();
    await p.run('SET', 's', 'x');
    await p.script([
      ['HSET', 'h', 'a'],
      ['HSET', 'h', 'a', '1', 'b'],
      ['HMSET', 'h', 'a', '1', 'b'],
      ['HSET', 'h'],
      ['HGET', 'h'],
      ['HSETNX', 'h', 'a'],
      ['HDEL', 'h'],
      ['HLEN'],
      ['HMGET', 'h'],
      ['HKEYS', 'h', 'x'],
      ['HGETALL'],
      ['HINCRBY', 'h', 'a'],
      ['HINCRBYFLOAT', 'h', 'a'],
      ['HRANDFIELD'],
      ['HSCAN', 'h'],
      ['HSTRLEN', 'h'],
      ['HEXISTS', 'h'],
      ['EXISTS', 'h'],
    ]);
    for (const cmd of [
      ['HSET', 's', 'a', '1'],
      ['HMSET', 's', 'a', '1'],
      ['HSETNX', 's', 'a', '1'],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HDEL', 's', 'a'],
      ['HLEN', 's'],
      ['HSTRLEN', 's', 'a'],
      ['HEXISTS', 's', 'a'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HGETALL', 's'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HRANDFIELD', 's'],
      ['HRANDFIELD', 's', '2'],
      ['HSCAN', 's', '0'],
    ]) {
      await p.run(...cmd);
    }
    await p.run('GET', 's');
  });

  test('HINCRBY: results, overflow, bad values', async () => {
    const p = await ctx.pair();
    await p.script([
      ['HINCRBY', 'h', 'n', '5'],
      ['HINCRBY', 'h', 'n', '-12'],
      ['HINCRBY', 'h', 'n', '0'],
      ['HSET', 'h', 'big', '9223372036854775806'],
      ['HINCRBY', 'h', 'big', '1'],
      ['HINCRBY', 'h', 'big', '1'],
      ['HGET', 'h', 'big'],
      ['HSET', 'h', 'small', '-9223372036854775807'],
      ['HINCRBY', 'h', 'small', '-1'],
      ['HINCRBY', 'h', 'small', '-1'],
      ['HINCRBY', 'h', 'small', '9223372036854775807'],
      ['HINCRBY', 'h', 'n', '9007199254740993'],
      ['HINCRBY', 'h', 'n', '9007199254740993'],
      ['HSET', 'h', 'txt', 'abc', 'sp', ' 1', 'lead', '01', 'fl', '1.5', 'empty', ''],
      ['HINCRBY', 'h', 'txt', '1'],
      ['HINCRBY', 'h', 'sp', '1'],
      ['HINCRBY', 'h', 'lead', '1'],
      ['HINCRBY', 'h', 'fl', '1'],
      ['HINCRBY', 'h', 'empty', '1'],
      ['HINCRBY', 'h', 'n', 'x'],
      ['HINCRBY', 'h', 'n', '1.0'],
      ['HINCRBY', 'h', 'n', '9223372036854775808'],
      ['HINCRBY', 'nokey', 'f', 'x'],
      ['EXISTS', 'nokey'],
      ['HGETALL', 'h'],
    ]);
  });

  test('HINCRBYFLOAT: long double formatting and errors', async () => {
    const p = await ctx.pair();
    await p.script([
      ['HINCRBYFLOAT', 'h', 'f', '0.1'],
      ['HINCRBYFLOAT', 'h', 'f', '0.2'],
      ['HINCRBYFLOAT', 'h', 'f', '-0.3'],
      ['HINCRBYFLOAT', 'h', 'f', '1e10'],
      ['HINCRBYFLOAT', 'h', 'f', '5.0e3'],
      ['HINCRBYFLOAT', 'h', 'f', '-1e-5'],
      ['HINCRBYFLOAT', 'h', 'g', '3'],
      ['HINCRBYFLOAT', 'h', 'g', '0x10'],
      ['HINCRBYFLOAT', 'h', 'g', '1e400'],
      ['HSET', 'h', 'i', '10', 'x', 'abc', 'sp', ' 1', 'hex', '0x1p3', 'inf', 'inf'],
      ['HINCRBYFLOAT', 'h', 'i', '1.5'],
      ['HINCRBYFLOAT', 'h', 'x', '1'],
      ['HINCRBYFLOAT', 'h', 'sp', '1'],
      ['HINCRBYFLOAT', 'h', 'hex', '1'],
      ['HINCRBYFLOAT', 'h', 'inf', '1'],
      ['HINCRBYFLOAT', 'h', 'i', 'abc'],
      ['HINCRBYFLOAT', 'h', 'i', 'inf'],
      ['HINCRBYFLOAT', 'h', 'i', '-inf'],
      ['HINCRBYFLOAT', 'h', 'i', 'nan'],
      ['HINCRBYFLOAT', 'h', 'i', ''],
      ['HINCRBYFLOAT', 'h', 'i', ' 1'],
      ['HINCRBYFLOAT', 'nokey', 'i', 'x'],
      ['EXISTS', 'nokey'],
      ['OBJECT', 'ENCODING', 'h'],
    ]);
    await p.check('sorted', 'HGETALL', 'h');
  });

  test('HRANDFIELD: deterministic cases, counts and errors (RESP2 and RESP3)', async () => {
    const p = await ctx.pair();
    await p.run('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    await p.run('HSET', 'one', 'only', 'v');
    for (const proto of ['2', '3']) {
      await p.check('type', 'HELLO', proto);
      await p.script([
        ['HRANDFIELD', 'h', '3'],
        ['HRANDFIELD', 'h', '10'],
        ['HRANDFIELD', 'h', '3', 'WITHVALUES'],
        ['HRANDFIELD', 'h', '100', 'withvalues'],
        ['HRANDFIELD', 'h', '0'],
        ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
        ['HRANDFIELD', 'one'],
        ['HRANDFIELD', 'one', '-3'],
        ['HRANDFIELD', 'one', '-2', 'WITHVALUES'],
        ['HRANDFIELD', 'one', '1', 'WITHVALUES'],
        ['HRANDFIELD', 'nokey'],
        ['HRANDFIELD', 'nokey', '5'],
        ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'],
        ['HRANDFIELD', 'h', 'x'],
        ['HRANDFIELD', 'h', '1.5'],
        ['HRANDFIELD', 'h', '1', 'WITHSCORES'],
        ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
        ['HRANDFIELD', 'h', '-9223372036854775808'],
        ['HRANDFIELD', 'h', '9223372036854775808'],
        ['HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES'],
        ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
        ['HRANDFIELD', 'nokey', '4611686018427387904', 'WITHVALUES'],
        ['HRANDFIELD', 'nokey', 'x'],
      ]);
      await p.check('type', 'HRANDFIELD', 'h');
      await p.check('type', 'HRANDFIELD', 'h', '-5', 'WITHVALUES');
    }
  });

  test('RESP3: HGETALL is a map, nulls are RESP3 nulls', async () => {
    const p = await ctx.pair();
    await p.check('type', 'HELLO', '3');
    await p.script([
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HGETALL', 'h'],
      ['HGETALL', 'nokey'],
      ['HGET', 'h', 'zz'],
      ['HMGET', 'h', 'a', 'zz'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
      ['HSCAN', 'h', '0'],
      ['HSCAN', 'nokey', '0'],
      ['HINCRBYFLOAT', 'h', 'a', '1.5'],
      ['HINCRBY', 'h', 'b', '1'],
    ]);
  });

  test('encodings: listpack to hashtable by entries and by value length, never back', async () => {
    const p = await ctx.pair();
    try {
      await config(p, 'hash-max-listpack-entries', '4');
      await config(p, 'hash-max-listpack-value', '8');
      await p.script([
        ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
        ['OBJECT', 'ENCODING', 'h'],
        ['HSET', 'h', 'e', '5'],
        ['OBJECT', 'ENCODING', 'h'],
        ['HDEL', 'h', 'a', 'b', 'c'],
        ['OBJECT', 'ENCODING', 'h'],
        ['HSET', 'v', 'a', '123456789'],
        ['OBJECT', 'ENCODING', 'v'],
        ['HSET', 'k', '123456789', 'a'],
        ['OBJECT', 'ENCODING', 'k'],
        ['HSET', 'n', 'a', '1'],
        ['HSETNX', 'n', 'a', '123456789'],
        ['OBJECT', 'ENCODING', 'n'],
        ['HSETNX', 'n', 'b', '123456789'],
        ['OBJECT', 'ENCODING', 'n'],
        ['HSET', 'i', 'a', '1'],
        ['HINCRBY', 'i', 'a', '123456789'],
        ['OBJECT', 'ENCODING', 'i'],
        ['HSET', 'f', 'a', '1'],
        ['HINCRBYFLOAT', 'f', 'a', '0.0000001'],
        ['OBJECT', 'ENCODING', 'f'],
        ['HSET', 'm', 'a', '1', 'b', '123456789'],
        ['OBJECT', 'ENCODING', 'm'],
      ]);
      await config(p, 'hash-max-listpack-entries', '0');
      await p.run('HSET', 'z', 'a', '1');
      await p.run('OBJECT', 'ENCODING', 'z');
    } finally {
      await config(p, 'hash-max-listpack-entries', '512');
      await config(p, 'hash-max-listpack-value', '64');
    }
  });

  test('HSCAN: small hashes in one reply, large ones walked with a cursor', async () => {
    const p = await ctx.pair();
    await p.run('HSET', 'h', 'a', '1', 'bb', '2', 'ab', '3');
    await p.script([
      ['HSCAN', 'h', '0'],
      ['HSCAN', 'h', '7'],
      ['HSCAN', 'h', '0', 'MATCH', 'a*'],
      ['HSCAN', 'h', '0', 'match', '*', 'count', '1'],
      ['HSCAN', 'h', '0', 'COUNT', '0'],
      ['HSCAN', 'h', '0', 'COUNT', '-1'],
      ['HSCAN', 'h', '0', 'COUNT', 'x'],
      ['HSCAN', 'h', '0', 'COUNT'],
      ['HSCAN', 'h', '0', 'TYPE', 'string'],
      ['HSCAN', 'h', '0', 'NOPE', 'x'],
      ['HSCAN', 'h', 'x'],
      ['HSCAN', 'h', '-1'],
      ['HSCAN', 'h', ''],
      ['HSCAN', 'h', ' 1'],
      ['HSCAN', 'h', '18446744073709551616'],
      ['HSCAN', 'nokey', '0'],
      ['HSCAN', 'nokey', '0', 'COUNT', '0'],
      ['HSCAN', 'nokey', 'x'],
    ]);
    const args: string[] = [];
    for (let i = 0; i < 600; i++) args.push(`f${i}`, `v${i}`);
    await p.run('HSET', 'big', ...args);
    await p.run('OBJECT', 'ENCODING', 'big');
    await bothHscan(p, 'big');
    await bothHscan(p, 'big', ['COUNT', '7']);
    await bothHscan(p, 'big', ['MATCH', 'f1*', 'COUNT', '50']);
  });

  test('large (hashtable) hashes: same contents, order aside', async () => {
    const p = await ctx.pair();
    const args: string[] = [];
    for (let i = 0; i < 300; i++) args.push(`field:${i}`, 'x'.repeat(i % 90));
    await p.run('HSET', 'h', ...args);
    await p.run('OBJECT', 'ENCODING', 'h');
    await p.check('sorted', 'HKEYS', 'h');
    await p.check('sorted', 'HVALS', 'h');
    await p.check('sorted', 'HGETALL', 'h');
    await p.check('sorted', 'HRANDFIELD', 'h', '1000');
    await p.run('HLEN', 'h');
    await p.run('HDEL', 'h', 'field:1', 'field:2', 'nope');
    await p.run('HSTRLEN', 'h', 'field:89');
  });

  test('keyspace events and their order', async () => {
    const p = await ctx.pair();
    const sub = await ctx.pair();
    try {
      await config(p, 'notify-keyspace-events', 'KEA');
      await sub.runN(1, 'PSUBSCRIBE', '__key*__:*');
      const expect = async (cmd: string[], messages: number) => {
        await p.run(...cmd);
        for (let i = 0; i < messages; i++) await sub.next(`event ${i + 1} of ${cmd.join(' ')}`);
      };
      await expect(['HSET', 'h', 'a', '1', 'b', '2'], 2);
      await expect(['HMSET', 'h', 'a', '1'], 2);
      await expect(['HSETNX', 'h', 'a', '1'], 0);
      await expect(['HSETNX', 'h', 'c', '1'], 2);
      await expect(['HINCRBY', 'h', 'n', '1'], 2);
      await expect(['HINCRBYFLOAT', 'h', 'n', '1.5'], 2);
      await expect(['HDEL', 'h', 'zz'], 0);
      await expect(['HDEL', 'h', 'a', 'b'], 2);
      await expect(['HDEL', 'h', 'c', 'n'], 4);
      await expect(['HSET', 'h2', 'a', '1'], 2);
      await expect(['HINCRBY', 'h2', 'a', 'x'], 0);
      await expect(['DEL', 'h2'], 2);
    } finally {
      await config(p, 'notify-keyspace-events', '');
    }
  });

  test('seeded random command sequences', async () => {
    const p = await ctx.pair();
    const rand = rng(0x4a5e);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g', '1', '22', ''];
    const values = ['0', '1', '-7', '3.5', 'x', '', '10000000000', 'v'.repeat(64)];
    const keys = ['h1', 'h2'];
    for (let i = 0; i < 400; i++) {
      const key = pick(keys);
      const f = pick(fields);
      const ops: string[][] = [
        ['HSET', key, f, pick(values), pick(fields), pick(values)],
        ['HSETNX', key, f, pick(values)],
        ['HDEL', key, f, pick(fields)],
        ['HGET', key, f],
        ['HMGET', key, f, pick(fields)],
        ['HINCRBY', key, f, pick(['1', '-3', '100'])],
        ['HINCRBYFLOAT', key, f, pick(['0.1', '-2.5', '1e3'])],
        ['HLEN', key],
        ['HEXISTS', key, f],
        ['HSTRLEN', key, f],
        ['HGETALL', key],
        ['HKEYS', key],
        ['HVALS', key],
        ['HSCAN', key, '0'],
        ['OBJECT', 'ENCODING', key],
      ];
      await p.run(...pick(ops));
    }
  });
});
