import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';
import { rng as mulberry32 } from '../helpers/random';

type Cmd = (string | Buffer | number)[];

const BINARY = Buffer.from([0, 0xff, 0x80, 13, 10, 0x20, 0x7f, 0]);

differential('string commands', (ctx) => {
  /** Creates a list at `key` when respite already has lists (another family); false otherwise. */
  async function makeList(p: Pair, key: string): Promise<boolean> {
    const r = await p.respite.callRaw('RPUSH', key, 'x');
    if (r.raw[0] === 0x2d) return false; // '-': no RPUSH in respite yet
    await p.redis.call('RPUSH', key, 'x');
    return true;
  }

  test('GET, SET and its options', async () => {
    const p = await ctx.pair();
    await p.script([
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['SET', BINARY, BINARY],
      ['GET', BINARY],
      ['SET', 'k', 'a', 'NX'],
      ['SET', 'k', 'a', 'XX'],
      ['SET', 'n', 'a', 'XX'],
      ['SET', 'n', 'a', 'nx'],
      ['SET', 'k', 'b', 'GET'],
      ['SET', 'k', 'c', 'NX', 'GET'],
      ['SET', 'k2', 'c', 'XX', 'GET'],
      ['SET', 'k2', 'c', 'NX', 'GET'],
      ['SET', 'k', 'v', 'GET', 'GET'],
      ['SET', 'k', 'v', 'EX', '100'],
      ['TTL', 'k'],
      ['SET', 'k', 'w', 'KEEPTTL'],
      ['TTL', 'k'],
      ['SET', 'k', 'w', 'keepttl', 'KEEPTTL', 'xx'],
      ['SET', 'k', 'x', 'PX', '100000'],
      ['TTL', 'k'],
      ['SET', 'k', 'x', 'EXAT', '4000000000'],
      ['EXPIRETIME', 'k'],
      ['SET', 'k', 'x', 'PXAT', '4000000000123'],
      ['PEXPIRETIME', 'k'],
      ['SET', 'k', 'x', 'EX', '10', 'EX', '200'],
      ['TTL', 'k'],
      ['SET', 'k', 'x'],
      ['TTL', 'k'],
      ['SET', 'past', 'x', 'PXAT', '1'],
      ['EXISTS', 'past'],
      ['SET', 'past', 'x', 'EXAT', '1', 'GET'],
      ['GET', 'past'],
      // Errors: syntax, numbers, expire times.
      ['SET', 'e', 'v', 'NX', 'XX'],
      ['SET', 'e', 'v', 'XX', 'NX'],
      ['SET', 'e', 'v', 'EX', '10', 'KEEPTTL'],
      ['SET', 'e', 'v', 'KEEPTTL', 'PX', '10'],
      ['SET', 'e', 'v', 'EX', '10', 'PX', '10'],
      ['SET', 'e', 'v', 'EXAT', '10', 'PXAT', '10'],
      ['SET', 'e', 'v', 'EX'],
      ['SET', 'e', 'v', 'PERSIST'],
      ['SET', 'e', 'v', 'foo'],
      ['SET', 'e', 'v', 'NX\0junk'],
      ['SET', 'e', 'v', 'EX', 'abc'],
      ['SET', 'e', 'v', 'EX', '1.5'],
      ['SET', 'e', 'v', 'EX', '0'],
      ['SET', 'e', 'v', 'EX', '-10'],
      ['SET', 'e', 'v', 'PX', '0'],
      ['SET', 'e', 'v', 'EXAT', '0'],
      ['SET', 'e', 'v', 'PXAT', '-1'],
      ['SET', 'e', 'v', 'EX', '9223372036854775'],
      ['SET', 'e', 'v', 'EX', '9223372036854776'],
      ['SET', 'e', 'v', 'EX', '9223372036854775807'],
      ['SET', 'e', 'v', 'PX', '9223372036854775807'],
      ['SET', 'e', 'v', 'PX', '9223372036854775808'],
      ['SET', 'e', 'v', 'EXAT', '9223372036854775'],
      ['SET', 'e', 'v', 'EXAT', '9223372036854776'],
      ['SET', 'e', 'v', 'PXAT', '9223372036854775807'],
      ['GET', 'e'],
      ['SET', 'e', 'v', 'EX', '0', 'GET'],
      ['SET'],
      ['SET', 'k'],
      ['GET'],
      ['GET', 'a', 'b'],
    ]);
  });

  test('SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SETNX', 'k', '1'],
      ['SETNX', 'k', '2'],
      ['GET', 'k'],
      ['SETEX', 'k', '100', 'v'],
      ['TTL', 'k'],
      ['SETEX', 'k', '0', 'v'],
      ['SETEX', 'k', '-1', 'v'],
      ['SETEX', 'k', 'x', 'v'],
      ['SETEX', 'k', '9223372036854775', 'v'],
      ['PSETEX', 'k', '100000', 'w'],
      ['TTL', 'k'],
      ['PSETEX', 'k', '0', 'w'],
      ['PSETEX', 'k', '9223372036854775807', 'w'],
      ['GETSET', 'k', 'z'],
      ['TTL', 'k'],
      ['GETSET', 'nokey', BINARY],
      ['GET', 'nokey'],
      ['GETDEL', 'nokey'],
      ['GETDEL', 'nokey'],
      ['EXISTS', 'nokey'],
      ['GETEX', 'k'],
      ['GETEX', 'missing', 'EX', '10'],
      ['GETEX', 'missing', 'EX', '-1'],
      ['GETEX', 'missing', 'EX', 'abc'],
      ['GETEX', 'k', 'EX', '100'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PX', '200000'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EXAT', '4000000000'],
      ['EXPIRETIME', 'k'],
      ['GETEX', 'k', 'PXAT', '4000000000555'],
      ['PEXPIRETIME', 'k'],
      ['GETEX', 'k', 'PERSIST'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PERSIST'],
      ['GETEX', 'k', 'EX', '-1'],
      ['GETEX', 'k', 'EX', '0'],
      ['GETEX', 'k', 'EX', '9223372036854775'],
      ['GETEX', 'k', 'EX', '1.5'],
      ['GETEX', 'k', 'EX', '10', 'PERSIST'],
      ['GETEX', 'k', 'PERSIST', 'EX', '10'],
      ['GETEX', 'k', 'KEEPTTL'],
      ['GETEX', 'k', 'NX'],
      ['GETEX', 'k', 'GET'],
      ['GETEX', 'k', 'EX'],
      ['GETEX', 'k', 'EX', '5', 'EX', '7'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EXAT', '1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k', 'PXAT', '1'],
      ['EXISTS', 'k'],
      ['SETNX', 'k'],
      ['SETEX', 'k', '10'],
      ['GETSET', 'k'],
      ['GETDEL'],
      ['GETEX'],
    ]);
  });

  test('MGET, MSET, MSETNX', async () => {
    const p = await ctx.pair();
    await p.script([
      ['MSET', 'a', '1', 'b', '2', 'a', '3'],
      ['MGET', 'a', 'b', 'c'],
      ['MSET', 'a', '1', 'b'],
      ['MSETNX', 'a', '1', 'b'],
      ['MSETNX', 'c', '1', 'a', '2'],
      ['EXISTS', 'c'],
      ['MSETNX', 'c', '1', 'd', BINARY],
      ['MGET', 'c', 'd', 'a'],
      ['MSET', 'a'],
      ['MGET'],
    ]);
  });

  test('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE', async () => {
    const p = await ctx.pair();
    await p.script([
      ['APPEND', 'k', 'Hello'],
      ['APPEND', 'k', ' World'],
      ['APPEND', 'k', ''],
      ['APPEND', 'k', BINARY],
      ['STRLEN', 'k'],
      ['STRLEN', 'missing'],
      ['SET', 'n', '12345'],
      ['APPEND', 'n', '6'],
      ['GET', 'n'],
      ['GETRANGE', 'k', '0', '4'],
      ['GETRANGE', 'k', '-5', '-1'],
      ['GETRANGE', 'k', '-1', '-5'],
      ['GETRANGE', 'k', '5', '1'],
      ['GETRANGE', 'k', '0', '-1'],
      ['GETRANGE', 'k', '-100', '100'],
      ['GETRANGE', 'k', '100', '200'],
      ['GETRANGE', 'k', '-9223372036854775808', '9223372036854775807'],
      ['GETRANGE', 'k', '0', '9223372036854775808'],
      ['GETRANGE', 'k', 'a', '1'],
      ['GETRANGE', 'missing', '0', '-1'],
      ['GETRANGE', 'n', '1', '2'],
      ['SET', 'empty', ''],
      ['GETRANGE', 'empty', '0', '-1'],
      ['GETRANGE', 'empty', '-1', '0'],
      ['SUBSTR', 'k', '0', '2'],
      ['SUBSTR', 'k', '-3', '-1'],
      ['SETRANGE', 'k', '6', 'Redis'],
      ['GET', 'k'],
      ['SETRANGE', 'k', '40', 'X'],
      ['GET', 'k'],
      ['SETRANGE', 'k', '1', ''],
      ['SETRANGE', 'new', '0', ''],
      ['EXISTS', 'new'],
      ['SETRANGE', 'new', '5', 'ab'],
      ['GET', 'new'],
      ['SETRANGE', 'n', '0', 'x'],
      ['GET', 'n'],
      ['SETRANGE', 'k', '-1', 'x'],
      ['SETRANGE', 'k', 'x', 'x'],
      ['SETRANGE', 'k', '536870911', ''],
      ['SETRANGE', 'k', '536870912', 'x'],
      ['SETRANGE', 'k', '9223372036854775807', 'x'],
      ['SETRANGE', 'k', '9223372036854775808', 'x'],
      ['SETRANGE', 'missing', '536870912', 'x'],
      ['SETRANGE', 'missing', '536870912', ''],
      ['APPEND', 'k'],
      ['STRLEN'],
      ['GETRANGE', 'k', '0'],
      ['SETRANGE', 'k', '0'],
    ]);
  });

  test('INCR, DECR, INCRBY, DECRBY at the int64 limits', async () => {
    const p = await ctx.pair();
    await p.script([
      ['INCR', 'n'],
      ['INCRBY', 'n', '41'],
      ['DECR', 'n'],
      ['DECRBY', 'n', '100'],
      ['GET', 'n'],
      ['SET', 'n', '9007199254740991'],
      ['INCR', 'n'],
      ['INCR', 'n'],
      ['INCRBY', 'n', '9007199254740993'],
      ['SET', 'n', '9223372036854775806'],
      ['INCR', 'n'],
      ['INCR', 'n'],
      ['INCRBY', 'n', '-9223372036854775807'],
      ['DECRBY', 'n', '9223372036854775807'],
      ['DECR', 'n'],
      ['DECR', 'n'],
      ['DECRBY', 'n', '1'],
      ['INCRBY', 'n', '9223372036854775807'],
      ['DECRBY', 'n', '-9223372036854775808'],
      ['INCRBY', 'n', '-9223372036854775808'],
      ['INCRBY', 'n', '9223372036854775808'],
      ['INCRBY', 'n', '1.5'],
      ['INCRBY', 'n', ''],
      ['DECRBY', 'n', '-0'],
      ['DECRBY', 'n', '0'],
      ['SET', 'x', 'abc'],
      ['INCR', 'x'],
      ['SET', 'x', ''],
      ['INCR', 'x'],
      ['SET', 'x', ' 1'],
      ['INCR', 'x'],
      ['SET', 'x', '01'],
      ['DECR', 'x'],
      ['SET', 'x', '-0'],
      ['INCR', 'x'],
      ['SET', 'x', '1.0'],
      ['INCR', 'x'],
      ['SET', 'x', '+1'],
      ['INCR', 'x'],
      ['SET', 'x', '9223372036854775808'],
      ['INCR', 'x'],
      ['SET', 'x', '-9223372036854775808'],
      ['INCRBY', 'x', '-1'],
      ['INCRBY', 'x', '9223372036854775807'],
      ['SET', 't', '5', 'EX', '100'],
      ['INCR', 't'],
      ['TTL', 't'],
      ['INCR'],
      ['INCRBY', 'n'],
      ['DECRBY', 'n', '1', '2'],
    ]);
  });

  test('INCRBYFLOAT formatting and errors', async () => {
    const p = await ctx.pair();
    const cases: [string | null, string][] = [
      [null, '0.1'],
      [null, '0.1'],
      [null, '0.1'],
      ['10.5', '0'],
      ['5.0e3', '0'],
      ['5.0e3', '2.0e2'],
      ['1e308', '1e308'],
      ['1e4932', '1e4932'],
      ['1.5', '-1.5'],
      ['-0', '-0'],
      ['0', '-1e-20'],
      ['0', '0.000003814697265625'],
      ['3.0', '1.0e2'],
      ['123456789012345678901234567890', '0.5'],
      ['9223372036854775807', '1'],
      ['0', '1.23456789012345678901234567890'],
      ['0.1234567890123456789', '0'],
      ['-99.99999999999999999', '0'],
      ['1.1', '2.2'],
      ['100', '-0.1'],
      ['0', '0x10'],
      ['0', '0x1.8p1'],
      ['0', 'inf'],
      ['0', '-inf'],
      ['inf', '0'],
      ['0', 'nan'],
      ['0', 'abc'],
      ['abc', '1'],
      ['0', ''],
      ['0', ' 1'],
      ['0', '1 '],
      ['0', '1e4933'],
      ['0', '1e-4950'],
      ['0', '1e-5000'],
      ['0', '0e-5000'],
      ['0', '.5'],
      ['0', '1.'],
      ['0', '.'],
      ['0', '+5'],
      ['0', '1e'],
      ['0', '1'.repeat(5119)],
      ['0', '1'.repeat(5120)],
      ['0', '1e4932'],
    ];
    for (const [start, incr] of cases) {
      if (start !== null) await p.run('SET', 'f', start);
      await p.run('INCRBYFLOAT', 'f', incr);
      await p.run('GET', 'f');
    }
    await p.script([
      ['DEL', 'f'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['SET', 't', '1', 'EX', '100'],
      ['INCRBYFLOAT', 't', '2.25'],
      ['TTL', 't'],
      ['INCRBYFLOAT', 'f'],
      ['INCRBYFLOAT', 'f', '1', '2'],
    ]);
  });

  test('LCS', async () => {
    const p = await ctx.pair();
    await p.script([
      ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
      ['LCS', 'a', 'b'],
      ['LCS', 'a', 'b', 'LEN'],
      ['LCS', 'a', 'b', 'IDX'],
      ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '-5', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', '4'],
      ['LCS', 'a', 'b', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'LEN', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'LEN', 'IDX'],
      ['LCS', 'a', 'b', 'IDX', 'LEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'b', 'FOO'],
      ['LCS', 'a', 'missing'],
      ['LCS', 'missing', 'b', 'IDX'],
      ['LCS', 'missing', 'missing2', 'LEN'],
      ['MSET', 'x', 'abcabcabc', 'y', 'xbcaxxabc'],
      ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'y', 'x', 'IDX', 'WITHMATCHLEN'],
      ['MSET', 'c', BINARY, 'd', Buffer.concat([BINARY, BINARY])],
      ['LCS', 'c', 'd'],
      ['LCS', 'c', 'd', 'IDX'],
      ['LCS', 'a', 'a', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'a'],
    ]);
    await p.check('type', 'HELLO', '3');
    await p.run('LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN');
    await p.run('LCS', 'x', 'y', 'IDX');
  });

  test('wrong types', async () => {
    const p = await ctx.pair();
    if (!(await makeList(p, 'list'))) return; // lists are another family: checked once present
    await p.script([
      ['GET', 'list'],
      ['SET', 'list', 'v', 'GET'],
      ['TYPE', 'list'],
      ['SET', 'list', 'v', 'NX'],
      ['GETSET', 'list', 'v'],
      ['GETDEL', 'list'],
      ['GETEX', 'list', 'EX', '10'],
      ['GETEX', 'list', 'FOO'],
      ['MGET', 'list', 'missing'],
      ['MSETNX', 'list', 'v'],
      ['APPEND', 'list', 'x'],
      ['STRLEN', 'list'],
      ['GETRANGE', 'list', '0', '1'],
      ['GETRANGE', 'list', 'x', '1'],
      ['SETRANGE', 'list', '0', 'x'],
      ['SETRANGE', 'list', '0', ''],
      ['SETRANGE', 'list', '-1', 'x'],
      ['INCR', 'list'],
      ['INCRBY', 'list', 'x'],
      ['DECRBY', 'list', '1'],
      ['INCRBYFLOAT', 'list', '1'],
      ['INCRBYFLOAT', 'list', 'x'],
      ['LCS', 'list', 'missing'],
      ['LCS', 'missing', 'list', 'BADOPT'],
      ['TYPE', 'list'],
      ['SET', 'list', 'v'],
      ['TYPE', 'list'],
    ]);
  });

  test('keyspace events', async () => {
    const p = await ctx.pair();
    const sub = await ctx.pair();
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    try {
      await sub.runN(1, 'PSUBSCRIBE', '__keyevent@0__:*');
      const steps: [Cmd, number][] = [
        [['SET', 'k', 'v', 'EX', '10'], 2],
        [['SET', 'k', 'v', 'NX'], 0],
        [['GETEX', 'k', 'PERSIST'], 1],
        [['GETEX', 'k', 'PERSIST'], 0],
        [['GETEX', 'k', 'PX', '100000'], 1],
        [['APPEND', 'k', 'x'], 1],
        [['SETRANGE', 'k', '0', 'y'], 1],
        [['SETRANGE', 'k', '0', ''], 0],
        [['SETRANGE', 'r', '2', 'y'], 1],
        [['INCRBYFLOAT', 'f', '1'], 1],
        [['INCR', 'i'], 1],
        [['DECRBY', 'i', '5'], 1],
        [['GETDEL', 'i'], 1],
        [['GETSET', 'i', '1'], 1],
        [['MSET', 'm1', 'a', 'm2', 'b'], 2],
        [['MSETNX', 'm3', 'a', 'm4', 'b'], 2],
        [['SETEX', 's', '100', 'v'], 2],
        [['SET', 'k', 'v', 'PXAT', '1'], 2],
        [['GET', 'k'], 1],
        [['SET', 'k', 'v'], 1],
        [['GETEX', 'k', 'EXAT', '1'], 1],
        // Overwriting a key whose time has passed expires it first.
        [['SET', 'e', 'v', 'PXAT', '1'], 2],
        [['SET', 'e', 'v2'], 2],
        [['SET', 'e', 'v', 'PXAT', '1'], 2],
        [['MSET', 'e', 'v2'], 2],
        [['SET', 'e', 'v', 'PXAT', '1'], 2],
        [['GETSET', 'e', 'v2'], 2],
        [['SET', 'e', 'v', 'PXAT', '1'], 2],
        [['SET', 'e', 'v2', 'XX'], 1],
        [['SET', 'e', 'v', 'PXAT', '1'], 2],
        [['INCRBYFLOAT', 'e', '1'], 2],
        [['SET', 'e', 'v', 'PXAT', '1'], 2],
        [['APPEND', 'e', 'x'], 2],
        [['SET', 'sentinel', 'x'], 1], // an extra event above would show up here
      ];
      for (const [cmd, events] of steps) {
        await p.run(...cmd);
        for (let i = 0; i < events; i++) await sub.next(`event ${i + 1} of ${cmd.join(' ')}`);
      }
    } finally {
      await p.run('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });

  test('new-key events (n class)', async () => {
    const p = await ctx.pair();
    const sub = await ctx.pair();
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'Kn');
    try {
      await sub.runN(1, 'PSUBSCRIBE', '__keyspace@0__:*');
      const steps: [Cmd, number][] = [
        [['SET', 'a', 'v'], 1],
        [['SET', 'a', 'v'], 0],
        [['APPEND', 'b', 'v'], 1],
        [['SETRANGE', 'c', '1', 'v'], 1],
        [['INCR', 'd'], 1],
        [['INCRBYFLOAT', 'e', '1.5'], 1],
        [['MSET', 'f', '1', 'a', '2', 'g', '3'], 2],
        [['MSETNX', 'h', '1', 'i', '2'], 2],
        [['GETSET', 'j', '1'], 1],
        [['SETNX', 'k', '1'], 1],
        [['SETEX', 'l', '100', '1'], 1],
        [['SET', 'sentinel', 'x'], 1], // an extra event above would show up here
      ];
      for (const [cmd, events] of steps) {
        await p.run(...cmd);
        for (let i = 0; i < events; i++) await sub.next(`event ${i + 1} of ${cmd.join(' ')}`);
      }
    } finally {
      await p.run('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });

  test('seeded random sequence compared after each step', async () => {
    const p = await ctx.pair();
    const rand = mulberry32(Number(process.env.STRING_SEED ?? 20240607));
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const values = ['', '0', '1', '-1', '42', '3.5', 'abc', 'hello world', '9223372036854775806', '-9223372036854775807', '1e3', BINARY];
    const ints = ['0', '1', '-1', '7', '-13', '100', '9223372036854775807', '-9223372036854775808', 'x', '1.5'];
    const floats = ['0', '0.1', '-0.1', '1.5', '2.5e3', '-1e-5', '1e300', '3', 'abc', 'inf', '0.3333333333333333333'];
    const offsets = ['0', '1', '3', '-1', '-3', '10', '100', 'x'];
    const val = () => pick(values);
    const key = () => pick(keys);
    const gens: (() => Cmd)[] = [
      () => ['GET', key()],
      () => ['SET', key(), val()],
      () => {
        const cmd = ['SET', key(), val(), pick(['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX'])].concat(rand() < 0.5 ? [] : [pick(['1000', '-1', 'GET', 'NX'])]);
        // PX 1000 would expire during a slow run, at an instant the two servers may not share.
        if (cmd[3] === 'PX' && cmd[4] === '1000') cmd[4] = '1000000';
        return cmd;
      },
      () => ['SET', key(), val(), 'PXAT', pick(['1', '4000000000000'])],
      () => ['SETNX', key(), val()],
      () => ['SETEX', key(), pick(['1000', '0', 'x']), val()],
      () => ['PSETEX', key(), pick(['1000000', '-5']), val()],
      () => ['GETSET', key(), val()],
      () => ['GETDEL', key()],
      () => ['GETEX', key(), ...pick([[], ['PERSIST'], ['EX', '1000'], ['EXAT', '1'], ['PX', '0'], ['KEEPTTL']])],
      () => ['MGET', key(), key(), key()],
      () => ['MSET', key(), val(), key(), val()],
      () => ['MSETNX', key(), val(), key(), val()],
      () => ['APPEND', key(), val()],
      () => ['STRLEN', key()],
      () => [pick(['GETRANGE', 'SUBSTR']), key(), pick(offsets), pick(offsets)],
      () => ['SETRANGE', key(), pick(offsets), val()],
      () => ['INCR', key()],
      () => ['DECR', key()],
      () => ['INCRBY', key(), pick(ints)],
      () => ['DECRBY', key(), pick(ints)],
      () => ['INCRBYFLOAT', key(), pick(floats)],
      () => ['LCS', key(), key(), ...pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '2']])],
      () => ['TTL', key()],
      () => ['DEL', key()],
    ];
    const steps = Number(process.env.STRING_STEPS ?? 400);
    for (let step = 0; step < steps; step++) {
      const cmd = pick(gens)();
      if (cmd[0] === 'TTL') await ttlWithin1(p, cmd[1]);
      else await p.run(...cmd);
      await p.run('MGET', ...keys);
    }
  });
});

/**
 * TTL on both servers: remaining seconds are rounded from milliseconds, so a run that reaches a
 * rounding boundary while the two servers answer may differ by one; anything else is exact.
 */
async function ttlWithin1(p: Pair, key: Cmd[number]): Promise<void> {
  const [a, b] = await Promise.all([p.redis.callRaw('TTL', key), p.respite.callRaw('TTL', key)]);
  if (typeof a.value === 'number' && typeof b.value === 'number' && a.value > 0 && b.value > 0) {
    assert.ok(Math.abs(a.value - b.value) <= 1, `TTL ${String(key)}: ${b.value} vs ${a.value}`);
  } else {
    assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), `reply differs for TTL ${String(key)}`);
  }
}
