import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lcsMatches, lcsTable } from '../../src/datatypes/lcs';

function lcs(a: string, b: string, minMatchLen = 0) {
  const t = lcsTable(a, b);
  return { len: t[t.length - 1], ...lcsMatches(a, b, t, minMatchLen) };
}

test('LCS text, length and ranges as Redis computes them', () => {
  // Expected ranges from redis-server 7.0 (LCS a b IDX).
  const r = lcs('ohmytext', 'mynewtext');
  assert.equal(r.text, 'mytext');
  assert.equal(r.len, 6);
  assert.deepEqual(r.ranges, [
    { aStart: 4, aEnd: 7, bStart: 5, bEnd: 8 },
    { aStart: 2, aEnd: 3, bStart: 0, bEnd: 1 },
  ]);
  const r2 = lcs('abcabcabc', 'xbcaxxabc');
  assert.equal(r2.text, 'bcaabc');
  assert.deepEqual(r2.ranges, [
    { aStart: 6, aEnd: 8, bStart: 6, bEnd: 8 },
    { aStart: 1, aEnd: 3, bStart: 1, bEnd: 3 },
  ]);
});

test('MINMATCHLEN filters short ranges; negative skips collecting', () => {
  assert.deepEqual(lcs('ohmytext', 'mynewtext', 4).ranges, [{ aStart: 4, aEnd: 7, bStart: 5, bEnd: 8 }]);
  const t = lcsTable('ohmytext', 'mynewtext');
  assert.deepEqual(lcsMatches('ohmytext', 'mynewtext', t, -1).ranges, []);
});

test('empty and binary inputs', () => {
  assert.deepEqual(lcs('', 'abc'), { len: 0, text: '', ranges: [] });
  assert.deepEqual(lcs('abc', ''), { len: 0, text: '', ranges: [] });
  const r = lcs('\x00\xff\x01', '\xff\x00\x01');
  assert.equal(r.len, 2);
  assert.equal(r.text.length, 2);
  assert.equal(lcs('same', 'same').text, 'same');
  assert.deepEqual(lcs('same', 'same').ranges, [{ aStart: 0, aEnd: 3, bStart: 0, bEnd: 3 }]);
});
