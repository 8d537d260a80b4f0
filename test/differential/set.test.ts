// Set commands side by side with redis-server: intsets list members in the same (sorted) order
// as Redis and are compared byte for byte; hashtable sets are compared as sorted collections.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';
import { rng } from '../helpers/random';


async function config(p: Pair, name: string, value: string): Promise<void> {
  await p.run('CONFIG', 'SET', name, value);
}

/** Walks a whole SSCAN on each server and compares the members found (as sets). */
async function bothSscan(p: Pair, key: string, extra: string[] = []): Promise<void> {
  const walk = async (call: (...a: string[]) => Promise<unknown>) => {
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = (await call('SSCAN', key, cursor, ...extra)) as [string, string[]];
      for (const m of batch) found.add(String(m));
      cursor = String(next);
    } while (cursor !== '0');
    return [...found].sort();
  };
  assert.deepEqual(await walk((...a) => p.respite.call(...a)), await walk((...a) => p.redis.call(...a)), `SSCAN ${key} ${extra.join(' ')}`);
}

differential('set commands', (ctx) => {
  test('intsets: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD in numeric order', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SADD', 's', '3', '1', '-5', '2', '1', '10', '-10', '9223372036854775807', '-9223372036854775808'],
      ['SMEMBERS', 's'],
      ['OBJECT', 'ENCODING', 's'],
      ['SADD', 's', '9007199254740993', '9007199254740992', '-9007199254740993', '0'],
      ['SMEMBERS', 's'],
      ['SISMEMBER', 's', '2'],
      ['SISMEMBER', 's', '02'],
      ['SISMEMBER', 's', '4'],
      ['SISMEMBER', 's', 'x'],
      ['SISMEMBER', 'nokey', '1'],
      ['SMISMEMBER', 's', '1', '4', '-5', 'x'],
      ['SMISMEMBER', 'nokey', '1', '2'],
      ['SCARD', 's'],
      ['SCARD', 'nokey'],
      ['SREM', 's', '1', '1', '4', 'x', '01'],
      ['SMEMBERS', 's'],
      ['SMEMBERS', 'nokey'],
      ['SADD', 'z', '0', '-0', '+1', '01', ' 1'],
      ['OBJECT', 'ENCODING', 'z'],
      ['SCARD', 'z'],
    ]);
    await p.check('sorted', 'SMEMBERS', 'z');
  });

  test('encodings: intset to hashtable by member and by size, never back; SREM deletes the key', async () => {
    const p = await ctx.pair();
    try {
      await config(p, 'set-max-intset-entries', '4');
      await p.script([
        ['SADD', 'a', '1', '2', '3', '4'],
        ['OBJECT', 'ENCODING', 'a'],
        ['SADD', 'a', '5'],
        ['OBJECT', 'ENCODING', 'a'],
        ['SREM', 'a', '1', '2', '3'],
        ['OBJECT', 'ENCODING', 'a'],
        ['SADD', 'b', 'x'],
        ['OBJECT', 'ENCODING', 'b'],
        ['SADD', 'c', '1', 'x'],
        ['OBJECT', 'ENCODING', 'c'],
        ['SREM', 'c', 'x'],
        ['OBJECT', 'ENCODING', 'c'],
        ['SREM', 'c', '1'],
        ['EXISTS', 'c'],
        ['SADD', 'd', '1', '2', '3', '4', '5', '6'],
      ]);
      await p.check('type', 'SPOP', 'd', '5');
      // Five of six popped: Redis moves the survivor into a fresh set, an intset again.
      await p.run('OBJECT', 'ENCODING', 'd');
      await p.run('SCARD', 'd');
      await config(p, 'set-max-intset-entries', '0');
      await p.run('SADD', 'e', '1');
      await p.run('OBJECT', 'ENCODING', 'e');
    } finally {
      await config(p, 'set-max-intset-entries', '512');
    }
  });

  test('hashtable sets, binary members', async () => {
    const p = await ctx.pair();
    const bin = Buffer.from([0, 0xff, 13, 10, 0x80]);
    await p.run('SADD', 's', 'a', 'b', bin, '', '1');
    await p.check('sorted', 'SMEMBERS', 's');
    await p.run('SISMEMBER', 's', bin);
    await p.run('SISMEMBER', 's', '');
    await p.run('SMISMEMBER', 's', bin, 'zz', '', '1');
    await p.run('SREM', 's', bin, '');
    await p.check('sorted', 'SMEMBERS', 's');
    await p.run('SCARD', 's');
    await p.run('OBJECT', 'ENCODING', 's');
  });

  test('errors: arity, wrong type, bad counts', async () => {
    const p = await ctx.pair();
    await p.run('SET', 'str', 'x');
    await p.run('SADD', 's', '1', '2', '3');
    await p.script([
      ['SADD', 's'],
      ['SREM', 's'],
      ['SMEMBERS'],
      ['SISMEMBER', 's'],
      ['SMISMEMBER', 's'],
      ['SCARD'],
      ['SPOP'],
      ['SRANDMEMBER'],
      ['SMOVE', 's', 'd'],
      ['SINTER'],
      ['SINTERSTORE', 'd'],
      ['SINTERCARD', '1'],
      ['SUNION'],
      ['SDIFFSTORE', 'd'],
      ['SSCAN', 's'],
      ['SPOP', 's', '1', '2'],
      ['SPOP', 's', '-1'],
      ['SPOP', 's', 'x'],
      ['SPOP', 'str', 'x'],
      ['SPOP', 'nokey', '-1'],
      ['SRANDMEMBER', 's', '1', '2'],
      ['SRANDMEMBER', 's', 'x'],
      ['SRANDMEMBER', 's', '-9223372036854775808'],
      ['SRANDMEMBER', 's', '9223372036854775808'],
      ['SRANDMEMBER', 'nokey', 'x'],
      ['SINTERCARD', '0', 's'],
      ['SINTERCARD', '-1', 's'],
      ['SINTERCARD', 'x', 's'],
      ['SINTERCARD', '2', 's'],
      ['SINTERCARD', '1', 's', 'LIMIT'],
      ['SINTERCARD', '1', 's', 'LIMIT', '-1'],
      ['SINTERCARD', '1', 's', 'LIMIT', 'x'],
      ['SINTERCARD', '1', 's', 'NOPE', '1'],
      ['SINTERCARD', '1', 'str'],
      ['SCARD', 's'],
    ]);
    for (const cmd of [
      ['SADD', 'str', '1'],
      ['SREM', 'str', '1'],
      ['SMEMBERS', 'str'],
      ['SISMEMBER', 'str', '1'],
      ['SMISMEMBER', 'str', '1'],
      ['SCARD', 'str'],
      ['SPOP', 'str'],
      ['SPOP', 'str', '2'],
      ['SRANDMEMBER', 'str'],
      ['SRANDMEMBER', 'str', '2'],
      ['SSCAN', 'str', '0'],
      ['SINTER', 's', 'str'],
      ['SINTER', 'nokey', 'str'],
      ['SINTERSTORE', 'd', 's', 'str'],
      ['SINTERSTORE', 'str', 's'],
      ['SUNION', 's', 'str'],
      ['SUNIONSTORE', 'd', 'str'],
      ['SDIFF', 's', 'str'],
      ['SDIFF', 'nokey', 'str'],
      ['SDIFFSTORE', 'd', 's', 'str'],
      ['SMOVE', 'str', 's', '1'],
      ['SMOVE', 's', 'str', '1'],
      ['SMOVE', 'nokey', 'str', '1'],
    ]) {
      await p.run(...cmd);
    }
    await p.run('GET', 'str');
    await p.run('SMEMBERS', 's');
    await p.run('EXISTS', 'd');
  });

  test('SMOVE', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SADD', 'a', '1', '2', 'x'],
      ['SADD', 'b', '3'],
      ['SMOVE', 'a', 'b', '1'],
      ['SMEMBERS', 'b'],
      ['SMOVE', 'a', 'b', 'nope'],
      ['SMOVE', 'a', 'b', '3'],
      ['SMOVE', 'a', 'a', 'x'],
      ['SMOVE', 'a', 'a', 'nope'],
      ['SMOVE', 'a', 'b', 'x'],
      ['OBJECT', 'ENCODING', 'b'],
      ['SMOVE', 'a', 'c', '2'],
      ['EXISTS', 'a'],
      ['SMEMBERS', 'c'],
      ['OBJECT', 'ENCODING', 'c'],
      ['SADD', 'd', 'y'],
      ['SMOVE', 'd', 'e', 'y'],
      ['OBJECT', 'ENCODING', 'e'],
      ['SMOVE', 'nokey', 'e', 'y'],
    ]);
    await p.check('sorted', 'SMEMBERS', 'b');
  });

  test('SINTER SINTERCARD SUNION SDIFF and their STORE forms', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SADD', 'a', '1', '2', '3', '4', '5'],
      ['SADD', 'b', '4', '5', '6', '3'],
      ['SADD', 'c', '5', '3', '9'],
      ['SADD', 'x', 'p', 'q', '3', '5'],
      ['SINTER', 'a', 'b', 'c'],
      ['SINTER', 'a'],
      ['SINTER', 'a', 'a'],
      ['SINTER', 'a', 'nokey'],
      ['SINTER', 'nokey'],
      ['SINTERCARD', '3', 'a', 'b', 'c'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
      ['SINTERCARD', '2', 'a', 'b', 'limit', '1', 'LIMIT', '10'],
      ['SINTERCARD', '2', 'a', 'nokey'],
      ['SINTERCARD', '1', 'a'],
      ['SUNION', 'a', 'b', 'c'],
      ['SUNION', 'nokey', 'a', 'nokey'],
      ['SUNION', 'nokey'],
      ['SDIFF', 'a', 'b'],
      ['SDIFF', 'a', 'b', 'c'],
      ['SDIFF', 'a', 'nokey'],
      ['SDIFF', 'nokey', 'a'],
      ['SDIFF', 'a', 'a'],
      ['SDIFF', 'a'],
      ['SINTERSTORE', 'd', 'a', 'b'],
      ['SMEMBERS', 'd'],
      ['OBJECT', 'ENCODING', 'd'],
      ['SINTERSTORE', 'd', 'a', 'x'],
      ['SMEMBERS', 'd'],
      ['OBJECT', 'ENCODING', 'd'],
      ['SINTERSTORE', 'd', 'a', 'nokey'],
      ['EXISTS', 'd'],
      ['SUNIONSTORE', 'd', 'a', 'c'],
      ['SMEMBERS', 'd'],
      ['SUNIONSTORE', 'd', 'nokey'],
      ['EXISTS', 'd'],
      ['SDIFFSTORE', 'd', 'a', 'b', 'c'],
      ['SMEMBERS', 'd'],
      ['SDIFFSTORE', 'd', 'a', 'a'],
      ['EXISTS', 'd'],
      ['SET', 'd', 'string'],
      ['EXPIRE', 'd', '1000'],
      ['SINTERSTORE', 'd', 'a', 'b'],
      ['TTL', 'd'],
      ['TYPE', 'd'],
      ['SUNIONSTORE', 'a', 'a', 'c'],
      ['SMEMBERS', 'a'],
      ['SINTERCARD', '2', 'x', 'a'],
    ]);
    await p.check('sorted', 'SINTER', 'a', 'x');
    await p.check('sorted', 'SUNION', 'a', 'x');
    await p.check('sorted', 'SDIFF', 'x', 'a');
    await p.run('SUNIONSTORE', 'u', 'a', 'x');
    await p.run('OBJECT', 'ENCODING', 'u');
    await p.check('sorted', 'SMEMBERS', 'u');
  });

  test('SDIFFSTORE result encoding follows Redis algorithm choice', async () => {
    const p = await ctx.pair();
    // First set large relative to the rest: Redis copies it then removes, converting on the way.
    await p.run('SADD', 'big', '1', '2', '3', '4', '5', '6', '7', '8', 'w');
    await p.run('SADD', 'small', 'w');
    await p.run('SDIFFSTORE', 'd1', 'big', 'small', 'nokey');
    await p.run('OBJECT', 'ENCODING', 'd1');
    await p.run('SDIFFSTORE', 'd2', 'big', 'small', 'small', 'small', 'small');
    await p.run('OBJECT', 'ENCODING', 'd2');
    await p.run('SDIFF', 'big', 'small');
    await p.run('SADD', 'tiny', '1', 'w');
    await p.run('SDIFFSTORE', 'd3', 'tiny', 'big');
    await p.run('EXISTS', 'd3');
  });

  test('SPOP and SRANDMEMBER: deterministic cases', async () => {
    const p = await ctx.pair();
    for (const proto of ['2', '3']) {
      await p.check('type', 'HELLO', proto);
      await p.script([
        ['SADD', 's', '5', '3', '1', '4', '2'],
        ['SRANDMEMBER', 's', '5'],
        ['SRANDMEMBER', 's', '100'],
        ['SRANDMEMBER', 's', '0'],
        ['SRANDMEMBER', 'nokey'],
        ['SRANDMEMBER', 'nokey', '3'],
        ['SRANDMEMBER', 'nokey', '-3'],
        ['SPOP', 's', '0'],
        ['SPOP', 'nokey'],
        ['SPOP', 'nokey', '3'],
        ['SPOP', 'nokey', '0'],
        ['SPOP', 's', '5'],
        ['EXISTS', 's'],
        ['SADD', 'one', 'x'],
        ['SRANDMEMBER', 'one'],
        ['SRANDMEMBER', 'one', '-3'],
        ['SRANDMEMBER', 'one', '1'],
        ['SPOP', 'one'],
        ['EXISTS', 'one'],
        ['SADD', 'h', 'a', '1', '3', '2'],
        ['SREM', 'h', 'a'],
        ['SPOP', 'h', '10'],
        ['SADD', 'two', 'x', 'y'],
      ]);
      await p.check('type', 'SPOP', 'two', '1');
      await p.run('SCARD', 'two');
      await p.run('DEL', 'two');
      await p.check('type', 'SRANDMEMBER', 'nokey', '1');
    }
  });

  test('RESP3: member lists are sets, SSCAN and SMISMEMBER stay arrays', async () => {
    const p = await ctx.pair();
    await p.check('type', 'HELLO', '3');
    await p.script([
      ['SADD', 's', '1', '2', '3'],
      ['SADD', 't', '2', '3', '4'],
      ['SMEMBERS', 's'],
      ['SMEMBERS', 'nokey'],
      ['SINTER', 's', 't'],
      ['SINTER', 's', 'nokey'],
      ['SUNION', 's', 't'],
      ['SDIFF', 's', 't'],
      ['SDIFF', 'nokey'],
      ['SMISMEMBER', 's', '1', '9'],
      ['SSCAN', 's', '0'],
      ['SSCAN', 'nokey', '0'],
      ['SRANDMEMBER', 's', '3'],
      ['SPOP', 's', '3'],
      ['SPOP', 'nokey', '3'],
      ['SPOP', 'nokey'],
      ['SRANDMEMBER', 'nokey'],
      ['SINTERCARD', '2', 's', 't'],
    ]);
  });

  test('SSCAN: intsets whole, hashtables walked with a cursor', async () => {
    const p = await ctx.pair();
    await p.run('SADD', 's', '10', '2', '33', '1');
    await p.script([
      ['SSCAN', 's', '0'],
      ['SSCAN', 's', '99'],
      ['SSCAN', 's', '0', 'MATCH', '*3*'],
      ['SSCAN', 's', '0', 'COUNT', '1', 'MATCH', '1*'],
      ['SSCAN', 's', '0', 'COUNT', '0'],
      ['SSCAN', 's', '0', 'MATCH'],
      ['SSCAN', 's', 'abc'],
      ['SSCAN', 'nokey', '0', 'BAD'],
    ]);
    const members: string[] = [];
    for (let i = 0; i < 700; i++) members.push(`m${i}`);
    await p.run('SADD', 'big', ...members);
    await bothSscan(p, 'big');
    await bothSscan(p, 'big', ['COUNT', '13']);
    await bothSscan(p, 'big', ['MATCH', 'm1?', 'COUNT', '100']);
    const ints: string[] = [];
    for (let i = 0; i < 600; i++) ints.push(String(i * 7));
    await p.run('SADD', 'bigints', ...ints);
    await p.run('OBJECT', 'ENCODING', 'bigints');
    await bothSscan(p, 'bigints', ['COUNT', '50']);
  });

  test('keyspace events', async () => {
    const p = await ctx.pair();
    const sub = await ctx.pair();
    try {
      await config(p, 'notify-keyspace-events', 'KEA');
      await sub.runN(1, 'PSUBSCRIBE', '__key*__:*');
      const expect = async (cmd: string[], messages: number, mode: 'exact' | 'sorted' = 'exact') => {
        await p.check(mode, ...cmd);
        for (let i = 0; i < messages; i++) await sub.next(`event ${i + 1} of ${cmd.join(' ')}`);
      };
      await expect(['SADD', 's', '1', '2', '3'], 2);
      await expect(['SADD', 's', '1'], 0);
      await expect(['SREM', 's', '9'], 0);
      await expect(['SREM', 's', '1'], 2);
      await expect(['SMOVE', 's', 't', '2'], 4);
      await expect(['SMOVE', 's', 't', '3'], 6);
      await expect(['SADD', 'u', '3'], 2);
      await expect(['SMOVE', 't', 'u', '3'], 2);
      await expect(['SPOP', 'u'], 4);
      await expect(['SADD', 'v', 'a', 'b'], 2);
      await expect(['SPOP', 'v', '5'], 4, 'sorted');
      await expect(['SADD', 'a', '1', '2'], 2);
      await expect(['SADD', 'b', '2', '3'], 2);
      await expect(['SINTERSTORE', 'd', 'a', 'b'], 2);
      await expect(['SUNIONSTORE', 'd', 'a', 'b'], 2);
      await expect(['SDIFFSTORE', 'd', 'a', 'b'], 2);
      await expect(['SINTERSTORE', 'd', 'a', 'nokey'], 2);
      await expect(['SDIFFSTORE', 'd', 'a', 'a'], 0);
      await expect(['SREM', 'a', '1', '2'], 4);
    } finally {
      await config(p, 'notify-keyspace-events', '');
    }
  });

  test('seeded random command sequences on intsets (exact order)', async () => {
    const p = await ctx.pair();
    const rand = rng(0x5e7);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const members = ['-3', '0', '1', '2', '7', '10', '100', '-100', '9223372036854775807', '42'];
    const keys = ['s1', 's2', 's3'];
    for (let i = 0; i < 400; i++) {
      const k = pick(keys);
      const ops: string[][] = [
        ['SADD', k, pick(members), pick(members)],
        ['SREM', k, pick(members)],
        ['SMEMBERS', k],
        ['SISMEMBER', k, pick(members)],
        ['SMISMEMBER', k, pick(members), pick(members)],
        ['SCARD', k],
        ['SMOVE', k, pick(keys), pick(members)],
        ['SINTER', k, pick(keys)],
        ['SINTERCARD', '2', k, pick(keys), 'LIMIT', pick(['0', '1', '3'])],
        ['SUNION', k, pick(keys), pick(keys)],
        ['SDIFF', k, pick(keys)],
        [pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), pick(keys), k, pick(keys)],
        ['SSCAN', k, '0'],
        ['SRANDMEMBER', k, '20'],
        ['OBJECT', 'ENCODING', k],
      ];
      await p.run(...pick(ops));
    }
  });

  test('seeded random command sequences on mixed sets (sorted comparison)', async () => {
    const p = await ctx.pair();
    const rand = rng(0xbeef);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const members = ['a', 'b', 'c', '1', '2', '3', 'xyz', '', '-1', '01'];
    const keys = ['s1', 's2', 's3'];
    for (let i = 0; i < 400; i++) {
      const k = pick(keys);
      const ops: [string, string[]][] = [
        ['exact', ['SADD', k, pick(members), pick(members)]],
        ['exact', ['SREM', k, pick(members), pick(members)]],
        ['sorted', ['SMEMBERS', k]],
        ['exact', ['SISMEMBER', k, pick(members)]],
        ['exact', ['SCARD', k]],
        ['exact', ['SMOVE', k, pick(keys), pick(members)]],
        ['sorted', ['SINTER', k, pick(keys)]],
        ['exact', ['SINTERCARD', '2', k, pick(keys)]],
        ['sorted', ['SUNION', k, pick(keys)]],
        ['sorted', ['SDIFF', k, pick(keys), pick(keys)]],
        ['exact', [pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), pick(keys), k, pick(keys)]],
        ['exact', ['OBJECT', 'ENCODING', k]],
      ];
      const [mode, cmd] = pick(ops);
      await p.check(mode as 'exact' | 'sorted', ...cmd);
    }
  });
});
