import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  Overflow,
  bitpos,
  checkSignedOverflow,
  checkUnsignedOverflow,
  getSignedBitfield,
  getUnsignedBitfield,
  popcount,
  setBitfield,
} from '../../src/datatypes/bits';
import { MutableString } from '../../src/datatypes/mutable-string';
import { rng } from '../helpers/random';


const bitAt = (p: Uint8Array, i: number) => (i >> 3 < p.length ? (p[i >> 3] >> (7 - (i & 7))) & 1 : 0);

test('popcount agrees with a bit-by-bit count on unaligned views of any length', () => {
  const r = rng(11);
  const backing = Buffer.alloc(700);
  for (let i = 0; i < backing.length; i++) backing[i] = Math.floor(r() * 256);
  for (let n = 0; n < 300; n++) {
    const off = Math.floor(r() * 9);
    const view = backing.subarray(off);
    const start = Math.floor(r() * 300);
    const end = start + Math.floor(r() * 390);
    let expect = 0;
    for (let i = start * 8; i < end * 8; i++) expect += bitAt(view, i);
    assert.equal(popcount(view, start, end), expect);
  }
});

test('bitpos: first 0 or 1, zero padding for 0 and -1 when no 1', () => {
  assert.equal(bitpos(Buffer.from([0xff, 0xff]), 0, 2, 0), 16);
  assert.equal(bitpos(Buffer.from([0, 0]), 0, 2, 1), -1);
  assert.equal(bitpos(Buffer.from([0, 0x10]), 0, 2, 1), 11);
  assert.equal(bitpos(Buffer.from([0xff, 0xfe]), 1, 1, 0), 7);
  const r = rng(12);
  for (let n = 0; n < 500; n++) {
    const len = Math.floor(r() * 20);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = r() < 0.4 ? 0 : r() < 0.6 ? 0xff : Math.floor(r() * 256);
    const bit = r() < 0.5 ? 0 : 1;
    const start = Math.floor(r() * (len + 1));
    let expect = -1;
    for (let i = start * 8; i < len * 8; i++) {
      if (bitAt(b, i) === bit) {
        expect = i - start * 8;
        break;
      }
    }
    if (expect === -1 && bit === 0) expect = (len - start) * 8;
    assert.equal(bitpos(b, start, len - start, bit as 0 | 1), expect);
  }
});

test('bitfields of 1..64 bits round-trip at any offset and leave other bits alone', () => {
  const r = rng(13);
  for (let n = 0; n < 400; n++) {
    const bits = 1 + Math.floor(r() * 64);
    const offset = Math.floor(r() * 40);
    const p = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) p[i] = Math.floor(r() * 256);
    const before = Buffer.from(p);
    let v = 0n;
    for (let i = 0; i < bits; i++) v = (v << 1n) | (r() < 0.5 ? 1n : 0n);
    setBitfield(p, offset, bits, v);
    assert.equal(getUnsignedBitfield(p, offset, bits), v);
    assert.equal(getSignedBitfield(p, offset, bits), BigInt.asIntN(bits, v));
    for (let i = 0; i < 128; i++) {
      if (i < offset || i >= offset + bits) assert.equal(bitAt(p, i), bitAt(before, i), `bit ${i} changed`);
    }
  }
  // Reads past the end are zero padded.
  assert.equal(getUnsignedBitfield(Buffer.from([0xff]), 4, 8), 0xf0n);
});

test('unsigned overflow: wrap, saturate, and C uint64 semantics for SET values', () => {
  assert.deepEqual(checkUnsignedOverflow(250n, 10n, 8, Overflow.Wrap), { dir: 1, limit: 4n });
  assert.deepEqual(checkUnsignedOverflow(250n, 10n, 8, Overflow.Sat), { dir: 1, limit: 255n });
  assert.deepEqual(checkUnsignedOverflow(5n, -10n, 8, Overflow.Sat), { dir: -1, limit: 0n });
  assert.deepEqual(checkUnsignedOverflow(5n, -10n, 8, Overflow.Wrap), { dir: -1, limit: 251n });
  assert.equal(checkUnsignedOverflow(5n, -5n, 8, Overflow.Wrap).dir, 0);
  // SET u8 -1 arrives as 2^64-1: an overflow that saturates to 255.
  assert.deepEqual(checkUnsignedOverflow((1n << 64n) - 1n, 0n, 8, Overflow.Sat), { dir: 1, limit: 255n });
});

test('signed overflow, including the int64 wraparound of Redis\'s intermediate values', () => {
  assert.deepEqual(checkSignedOverflow(100n, 100n, 8, Overflow.Wrap), { dir: 1, limit: -56n });
  assert.deepEqual(checkSignedOverflow(-100n, -100n, 8, Overflow.Sat), { dir: -1, limit: -128n });
  assert.equal(checkSignedOverflow(-128n, 255n, 8, Overflow.Sat).dir, 0);
  const min = -(1n << 63n);
  const max = (1n << 63n) - 1n;
  assert.deepEqual(checkSignedOverflow(max, 1n, 64, Overflow.Wrap), { dir: 1, limit: min });
  assert.deepEqual(checkSignedOverflow(min, -1n, 64, Overflow.Sat), { dir: -1, limit: min });
  assert.equal(checkSignedOverflow(-1n, max, 64, Overflow.Sat).dir, 0);
  // SET i8 INT64_MIN: (max - value) wraps in int64, so Redis reports an overflow (not underflow).
  assert.deepEqual(checkSignedOverflow(min, 0n, 8, Overflow.Sat), { dir: 1, limit: 127n });
});

test('MutableString grows geometrically, zero-fills, and caches its text until changed', () => {
  const s = MutableString.fromString('ab');
  assert.equal(s.toString(), 'ab');
  s.resize(5);
  assert.equal(s.toString(), 'ab\0\0\0');
  s.buf[4] = 0x41;
  assert.equal(s.toString(), 'ab\0\0\0', 'cached until changed()');
  s.changed();
  assert.equal(s.toString(), 'ab\0\0A');
  const caps = new Set<number>();
  for (let n = 6; n < 5000; n++) {
    s.resize(n);
    caps.add(s.buf.length);
  }
  assert.ok(caps.size < 20, `${caps.size} reallocations for 5000 one-byte growths`);
  s.resize(3);
  s.resize(6);
  assert.equal(s.toString(), 'ab\0\0\0\0', 'shrinking clears the dropped bytes');
  const c = s.clone();
  c.buf[0] = 0x5a;
  c.changed();
  assert.equal(s.toString()[0], 'a');
  assert.equal(c.encoding, 'raw');
  assert.equal(c.type, 'string');
});
