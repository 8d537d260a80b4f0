import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  INCR_NOT_FLOAT,
  RESULT_NOT_FINITE,
  VALUE_NOT_FLOAT,
  addLongDouble,
  formatLongDoubleHuman,
  incrByFloat,
  parseLongDouble,
} from '../../src/datatypes/long-double';

const NOT_FINITE = 'not-finite';
const NOT_FLOAT = 'not-float';

// [stored value, increment, INCRBYFLOAT's result] — every expectation captured from redis-server 7.0.15.
const CASES: [string, string, string][] = [
  ["0", "0.1", "0.1"],
  ["0.1", "0.1", "0.2"],
  ["0.2", "0.1", "0.3"],
  ["10.5", "0", "10.5"],
  ["5.0e3", "0", "5000"],
  ["0", "5.0e3", "5000"],
  ["1e308", "1e308", "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"],
  ["1e4932", "1e4932", NOT_FINITE],
  ["0", "0.000003814697265625", "0.00000381469726562"],
  ["0.000003814697265625", "0.000003814697265625", "0.00000762939453125"],
  ["-0", "-0", "0"],
  ["0", "-1e-20", "0"],
  ["3", "-3", "0"],
  ["9223372036854775807", "1", "9223372036854775808"],
  ["18446744073709551615", "1", "18446744073709551616"],
  ["18446744073709551617", "0", "18446744073709551616"],
  ["3.64519953188247460e-4951", "0", "0"],
  ["1e-4950", "1e-4950", "0"],
  ["0x1p-16445", "0", "0"],
  ["0x1.8p1", "0.5", "3.5"],
  ["inf", "1", NOT_FINITE],
  ["1", "-inf", NOT_FINITE],
  ["nan", "1", NOT_FLOAT],
  ["1", "nan", NOT_FLOAT],
  ["abc", "1", NOT_FLOAT],
  ["1", "", NOT_FLOAT],
  ["1", " 1", NOT_FLOAT],
  ["1", "1 ", NOT_FLOAT],
  ["1e4933", "0", NOT_FLOAT],
  ["1e-5000", "0", NOT_FLOAT],
  ["0e-5000", "1", "1"],
  ["1.5", "-0.5", "1"],
  ["-1.5", "0.25", "-1.25"],
  ["3.0", "1.0e2", "103"],
  ["123456789012345678901234567890", "0.5", "123456789012345678899921813504"],
  ["0.1234567890123456789", "0", "0.12345678901234568"],
  ["-0.000000000000000005", "0", "0"],
  ["-0.000000000000000015", "0", "-0.00000000000000002"],
  ["2.5e-17", "0", "0.00000000000000002"],
  ["1.23456789e-10", "1", "1.00000000012345679"],
  ["99999999999999999.5", "0", "99999999999999999.5"],
  ["0.99999999999999999999", "0", "1"],
  ["-99.99999999999999999", "0", "-99.99999999999999999"],
  ["1.1", "2.2", "3.3"],
  ["100", "-0.1", "99.9"],
];

test('incrByFloat matches redis-server 7.0 byte for byte', () => {
  for (const [a, b, want] of CASES) {
    const got = incrByFloat(a, b);
    if (want === NOT_FINITE) assert.equal(got, RESULT_NOT_FINITE, `${a} + ${b}`);
    else if (want === NOT_FLOAT) assert.ok(got === VALUE_NOT_FLOAT || got === INCR_NOT_FLOAT, `${a} + ${b}`);
    else assert.equal(got, want, `${a} + ${b}`);
  }
});

test('incrByFloat says which operand is not a float', () => {
  assert.equal(incrByFloat('x', '1'), VALUE_NOT_FLOAT);
  assert.equal(incrByFloat('1', 'x'), INCR_NOT_FLOAT);
  assert.equal(incrByFloat('x', 'inf'), VALUE_NOT_FLOAT);
});

test('values near the long double limits', () => {
  // Values near the largest long double (~1.18973149535723176502e4932) print all 4933 integer digits.
  const max = incrByFloat('1.18973149535723176e4932', '0') as string;
  assert.equal(max.length, 4933);
  assert.ok(max.startsWith('118973149535723175999061691246209'));
  // Just above the maximum: strtold overflows, so the stored value is not a valid float.
  assert.equal(incrByFloat('1.18973149535723177e4932', '0'), VALUE_NOT_FLOAT);
  assert.ok((incrByFloat('1.189731495357231765e4932', '0') as string).startsWith('11897314953572317650212638530309702051690633222946'));
  // 1e4932 + 1e4932 overflows; 1e308 + 1e308 does not (plain doubles would).
  assert.equal(incrByFloat('1e4932', '1e4932'), RESULT_NOT_FINITE);
  assert.ok((incrByFloat('1e308', '1e308') as string).startsWith('1999999999999999999933717593116912913'));
  // The smallest subnormal (2^-16445) parses; half of it rounds to zero and is rejected.
  assert.ok(parseLongDouble('0x1p-16445') !== null);
  assert.equal(parseLongDouble('0x1p-16446'), null);
  assert.ok(parseLongDouble('0x1.8p-16446') !== null);
  assert.equal(parseLongDouble('1e-4952'), null);
  assert.ok(parseLongDouble('0e-99999') !== null);
});

test('parse accepts strtold syntax and rejects what Redis rejects', () => {
  for (const ok of ['1', '+1', '-1', '1.', '.5', '1e5', '1E+5', '1e-5', '0x10', '0X1.8P1', 'inf', '-Infinity', '00012', '1e0000000000000000000000003']) {
    assert.ok(parseLongDouble(ok) !== null, ok);
  }
  for (const bad of ['', '.', 'e5', '1e', '1e+', '0x', '0x1p', ' 1', '1 ', '1\0', 'nan', '-NaN', 'nan(123)', '1,5', '--1', 'x' + '1'.repeat(10)]) {
    assert.equal(parseLongDouble(bad), null, JSON.stringify(bad));
  }
  assert.equal(parseLongDouble('1'.repeat(5120)), null); // longer than Redis's buffer
});

test('addition is correctly rounded to 64 bits', () => {
  const one = parseLongDouble('1')!;
  const eps = parseLongDouble('0x1p-63')!; // one unit in the last place of 1
  const halfEps = parseLongDouble('0x1p-64')!;
  assert.equal(addLongDouble(one, eps).mant, (1n << 63n) + 1n);
  // 1 + 2^-64 is a tie: rounds to even (1).
  assert.equal(addLongDouble(one, halfEps).mant, 1n << 63n);
  // (1 + 2^-63) + 2^-64 is a tie too: rounds to even (1 + 2^-62).
  assert.equal(addLongDouble(addLongDouble(one, eps), halfEps).mant, (1n << 63n) + 2n);
  assert.equal(formatLongDoubleHuman(addLongDouble(parseLongDouble('-0')!, parseLongDouble('-0')!)), '0');
  assert.equal(addLongDouble(parseLongDouble('5')!, parseLongDouble('-5')!).neg, false);
});
