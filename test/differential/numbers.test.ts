// Number arguments side by side with redis-server: the one integer parser (string2ll) and the one
// double parser (string2d / strtod) of src/util/numbers.ts, through the commands that use them.
import { test } from 'node:test';
import { differential } from '../helpers/differential';

const DOUBLES = ['1', '+1', '-1.5', '.5', '5.', '1e3', 'inf', '-Infinity', '0x10', '0x1p3', '0x.8', '4.9e-324', '', ' 1', '1 ', 'nan', '1e400', '1e-400', '0x', 'abc', '1e'];
const INTEGERS = ['0', '-1', '+1', ' 1', '01', '-0', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '1.0', '0x10', ''];

differential('numbers', (ctx) => {
  test('double arguments: ZADD, ZINCRBY, GEOADD, HINCRBYFLOAT, the score ranges of ZCOUNT', async () => {
    const p = await ctx.pair();
    for (const d of DOUBLES) {
      await p.script([
        ['ZADD', 'z', d, 'm'],
        ['ZSCORE', 'z', 'm'],
        ['ZINCRBY', 'z', d, 'n'],
        ['ZCOUNT', 'z', d, '+inf'],
        ['ZCOUNT', 'z', `(${d}`, '+inf'],
        ['HINCRBYFLOAT', 'h', 'f', d],
        ['DEL', 'z', 'h'],
      ]);
    }
  });

  test('integer arguments: INCRBY, EXPIRE, LRANGE, and integer values (INCR on a stored string, intset encoding)', async () => {
    const p = await ctx.pair();
    for (const n of INTEGERS) {
      await p.script([
        ['SET', 'k', '5'],
        ['INCRBY', 'k', n],
        ['SET', 's', n],
        ['INCR', 's'],
        ['RPUSH', 'l', 'a', 'b', 'c'],
        ['LRANGE', 'l', n, '-1'],
        ['SADD', 'set', n],
        ['OBJECT', 'ENCODING', 'set'],
        ['DEL', 'k', 's', 'l', 'set'],
      ]);
    }
  });

  test('SORT reads numbers with strtod: leading spaces, hex, out-of-range values', async () => {
    const p = await ctx.pair();
    // Redis never clears errno before this strtod: once a value set ERANGE, later valid ones fail
    // too, so the one range error comes last (test/unit/numbers.test.ts has the others).
    for (const d of [' 3', '0x10', 'inf', '0x1p-1074', '2 ', '1e400']) {
      await p.script([['RPUSH', 'l', '1', d, '2'], ['SORT', 'l'], ['DEL', 'l']]);
    }
  });
});
