// The one integer parser and the one double parser (src/util/numbers.ts) on their own, against
// the edge cases of Redis's string2ll / string2d / C strtod. The expected values were checked
// against redis-server 7.0 (INCRBY, ZADD, SORT, OBJECT ENCODING) and glibc's strtod.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { string2d, string2ll, string2llBig, string2llBytes, strtod, strtollFull } from '../../src/util/numbers';

describe('string2ll', () => {
  const ok: [string, number | bigint][] = [
    ['0', 0],
    ['1', 1],
    ['-1', -1],
    ['123456789012345', 123456789012345],
    ['9007199254740991', 9007199254740991],
    ['9007199254740993', 9007199254740993n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
  ];
  for (const [s, v] of ok) {
    test(`accepts ${JSON.stringify(s)}`, () => {
      assert.equal(string2ll(s), v);
      assert.equal(string2llBig(s), BigInt(v));
      const b = Buffer.from(`x${s}y`, 'latin1');
      assert.equal(string2llBytes(b, 1, b.length - 1), Number(v));
    });
  }
  // No spaces, no '+', no leading zeros, no "-0", nothing past int64, at most 20 characters.
  const bad = ['', '-', '+1', ' 1', '1 ', '01', '-0', '00', '1.0', '1e3', '0x10', '9223372036854775808', '-9223372036854775809', '18446744073709551616', '-00000000000000000001', '１', '1\0'];
  for (const s of bad) {
    test(`rejects ${JSON.stringify(s)}`, () => {
      assert.equal(string2ll(s), null);
      assert.equal(string2llBig(s), null);
      const b = Buffer.from(s, 'latin1');
      assert.equal(string2llBytes(b, 0, b.length), null);
    });
  }
});

describe('strtoll (config values)', () => {
  test('leading white space and a sign are allowed, trailing characters are not', () => {
    assert.equal(strtollFull(' \t+42'), 42n);
    assert.equal(strtollFull('-7'), -7n);
    assert.equal(strtollFull(''), 0n);
    assert.equal(strtollFull('42 '), null);
    assert.equal(strtollFull('9223372036854775808'), null);
    assert.equal(strtollFull('0755', 8), 493n);
    assert.equal(strtollFull('8', 8), null);
  });
});

describe('strtod', () => {
  test('reads the longest prefix, after leading white space', () => {
    assert.deepEqual(strtod('  1.5abc'), { value: 1.5, end: 5, rangeError: false });
    assert.deepEqual(strtod('abc'), { value: 0, end: 0, rangeError: false });
    assert.deepEqual(strtod('-inf'), { value: -Infinity, end: 4, rangeError: false });
    assert.deepEqual(strtod('Infinityx'), { value: Infinity, end: 8, rangeError: false });
    assert.equal(strtod('0x1p3').value, 8);
    assert.equal(strtod('-0x.8').value, -0.5);
    assert.equal(strtod('0x10').value, 16);
    assert.ok(Number.isNaN(strtod('nan(123)').value));
  });
  test('overflow and underflow set the range error', () => {
    assert.deepEqual(strtod('1e400'), { value: Infinity, end: 5, rangeError: true });
    assert.deepEqual(strtod('1e-400'), { value: 0, end: 6, rangeError: true });
    assert.equal(strtod('4.9e-324').rangeError, true); // subnormal, inexact
    assert.equal(strtod('0x1p-1074').rangeError, false); // subnormal, exact
    assert.equal(strtod('0x1p-1022').rangeError, false); // the smallest normal
    assert.equal(strtod('0x1p-1075').rangeError, true);
    assert.equal(strtod('0x1p1024').value, Infinity);
    assert.equal(strtod('0x1p1024').rangeError, true);
    assert.equal(strtod('0.0').rangeError, false);
  });
});

describe('string2d', () => {
  const ok: [string, number][] = [
    ['1', 1],
    ['+1', 1],
    ['-1.5', -1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['0x10', 16],
    ['0x1p3', 8],
    ['0x.8', 0.5],
    ['4.9e-324', 5e-324], // a subnormal passes
    ['123456789012345678901234567890', 1.2345678901234568e29],
  ];
  for (const [s, v] of ok) test(`accepts ${JSON.stringify(s)}`, () => assert.equal(string2d(s), v));
  // Empty, leading or trailing space, NaN, overflow to inf, underflow to zero, garbage.
  const bad = ['', ' 1', '1 ', 'nan', '-nan', '1e400', '-1e400', '1e-400', '0x', '1.2.3', 'e3', '1e', '--1', 'infx', '1\0'];
  for (const s of bad) test(`rejects ${JSON.stringify(s)}`, () => assert.equal(string2d(s), null));
});
