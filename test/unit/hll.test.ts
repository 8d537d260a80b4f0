import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  DENSE,
  DENSE_SIZE,
  HDR_SIZE,
  HLL_REGISTERS,
  HLL_SEED,
  SPARSE,
  createHll,
  denseGet,
  denseSet,
  hashHi,
  hashLo,
  hllAdd,
  hllCount,
  hllCountRaw,
  hllMerge,
  isValidHll,
  murmurHash64A,
  patLen,
  readCache,
  sparseSet,
  sparseToDense,
  writeCache,
} from '../../src/datatypes/hll';
import { MutableString } from '../../src/datatypes/mutable-string';
import { rng } from '../helpers/random';

const MASK = (1n << 64n) - 1n;

/** MurmurHash64A written directly from the C source with BigInt, as the reference. */
function murmurRef(key: Buffer, seed: bigint): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const r = 47n;
  const len = BigInt(key.length);
  let h = (seed ^ (len * m)) & MASK;
  const blocks = key.length - (key.length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = key.readBigUInt64LE(i);
    k = (k * m) & MASK;
    k ^= k >> r;
    k = (k * m) & MASK;
    h ^= k;
    h = (h * m) & MASK;
  }
  const rest = key.length & 7;
  if (rest) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(key[blocks + j]) << BigInt(8 * j);
    h = (h * m) & MASK;
  }
  h ^= h >> r;
  h = (h * m) & MASK;
  h ^= h >> r;
  return h;
}


test('MurmurHash64A matches a BigInt transcription of the C code', () => {
  const r = rng(1);
  for (let n = 0; n < 2000; n++) {
    const len = n < 40 ? n : Math.floor(r() * 100);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = Math.floor(r() * 256);
    murmurHash64A(b.latin1Slice(), HLL_SEED);
    const got = (BigInt(hashHi) << 32n) | BigInt(hashLo);
    assert.equal(got, murmurRef(b, BigInt(HLL_SEED)), `length ${len}`);
  }
});

test('patLen: register index from the low 14 bits, run length from the next 50', () => {
  const r = rng(2);
  for (let n = 0; n < 2000; n++) {
    const ele = `e${n}:${r()}`;
    const h = murmurRef(Buffer.from(ele, 'latin1'), BigInt(HLL_SEED));
    let rest = (h >> 14n) | (1n << 50n);
    let count = 1;
    while ((rest & 1n) === 0n) {
      count++;
      rest >>= 1n;
    }
    assert.equal(patLen(ele), count);
  }
});

test('a new HLL is sparse: header plus one XZERO covering 16384 registers', () => {
  const h = createHll();
  assert.deepEqual([...h.bytes()], [0x48, 0x59, 0x4c, 0x4c, SPARSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff]);
  assert.ok(isValidHll(h.buf, h.length));
  assert.equal(hllCount(h.buf, h.length), 0);
});

test('dense registers: 6-bit packing round-trips without touching neighbours', () => {
  const p = Buffer.alloc(DENSE_SIZE);
  const expect = new Uint8Array(HLL_REGISTERS);
  const r = rng(3);
  for (let i = 0; i < HLL_REGISTERS; i++) {
    expect[i] = Math.floor(r() * 64);
    denseSet(p, HDR_SIZE, i, expect[i]);
  }
  for (let i = 0; i < HLL_REGISTERS; i++) assert.equal(denseGet(p, HDR_SIZE, i), expect[i]);
});

test('sparse and dense HLLs built from the same elements have the same registers and count', () => {
  const sparse = createHll();
  const dense = createHll();
  assert.ok(sparseToDense(dense));
  assert.equal(dense.length, DENSE_SIZE);
  assert.equal(dense.buf[4], DENSE);
  for (let i = 0; i < 1500; i++) {
    const a = hllAdd(sparse, `el:${i}`, 3000);
    const b = hllAdd(dense, `el:${i}`, 3000);
    assert.equal(a, b, `element ${i}`);
    assert.ok(a >= 0);
  }
  assert.equal(sparse.buf[4], SPARSE);
  assert.equal(hllCount(sparse.buf, sparse.length), hllCount(dense.buf, dense.length));
  const copy = sparse.clone();
  assert.ok(sparseToDense(copy));
  assert.deepEqual(copy.bytes().subarray(HDR_SIZE), dense.bytes().subarray(HDR_SIZE));
});

test('sparse HLL promotes to dense past hll-sparse-max-bytes or for a value above 32', () => {
  const h = createHll();
  let i = 0;
  while (h.buf[4] === SPARSE) hllAdd(h, `x${i++}`, 200);
  assert.ok(i > 10 && i < 200, `promoted after ${i} elements`);
  assert.equal(h.length, DENSE_SIZE);

  const v = createHll();
  assert.equal(sparseSet(v, 100, 33, 3000), 1);
  assert.equal(v.buf[4], DENSE);
  assert.equal(denseGet(v.buf, HDR_SIZE, 100), 33);
});

test('sparseSet splits runs and merges equal neighbours like Redis', () => {
  const h = createHll();
  sparseSet(h, 1000, 2, 3000);
  sparseSet(h, 1020, 3, 3000);
  sparseSet(h, 1021, 3, 3000);
  // XZERO:1000 VAL:2,1 ZERO:19 VAL:3,2 XZERO:15362 (the example in hyperloglog.c)
  const ops = [...h.bytes().subarray(HDR_SIZE)];
  assert.deepEqual(ops, [0x40 | (999 >> 8), 999 & 0xff, 0x80 | (1 << 2), 18, 0x80 | (2 << 2) | 1, 0x40 | (15361 >> 8), 15361 & 0xff]);
  assert.equal(sparseSet(h, 1020, 2, 3000), 0, 'lower value: no change');
  assert.equal(h.buf[h.length], 0, 'terminator byte stays zero');
});

test('corrupt sparse data is reported, not crashed on', () => {
  const header = [0x48, 0x59, 0x4c, 0x4c, SPARSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80];
  const short = MutableString.fromBuffer(Buffer.from([...header, 0x7f, 0xfe]));
  assert.equal(hllCount(short.buf, short.length), null);
  assert.equal(sparseSet(short, 16383, 1, 3000), -1);
  assert.equal(sparseToDense(short), false);
  assert.equal(hllMerge(new Uint8Array(HLL_REGISTERS), short.buf, short.length), false);
  const empty = MutableString.fromBuffer(Buffer.from(header));
  assert.equal(hllAdd(empty, 'a', 3000), -1);
  assert.ok(!isValidHll(Buffer.from('HYLL'), 4));
  assert.ok(!isValidHll(Buffer.from([...header.slice(0, 4), 2, ...header.slice(5)]), 16));
  assert.ok(!isValidHll(Buffer.from([...header.slice(0, 4), DENSE, ...header.slice(5)]), 16));
});

test('cached cardinality: little endian, read back exactly', () => {
  const p = Buffer.alloc(16);
  writeCache(p, 123456789012345n);
  assert.equal(readCache(p), 123456789012345);
  writeCache(p, (1n << 62n) + 5n);
  assert.equal(readCache(p), (1n << 62n) + 5n);
});

test('estimates stay within a few standard errors, and unions count once', () => {
  const a = createHll();
  const b = createHll();
  for (let i = 0; i < 20000; i++) hllAdd(a, `a${i}`, 3000);
  for (let i = 0; i < 20000; i++) hllAdd(b, i < 10000 ? `a${i}` : `b${i}`, 3000);
  const ca = Number(hllCount(a.buf, a.length));
  assert.ok(Math.abs(ca - 20000) < 20000 * 0.03, `estimate ${ca}`);
  const max = new Uint8Array(HLL_REGISTERS);
  assert.ok(hllMerge(max, a.buf, a.length));
  assert.ok(hllMerge(max, b.buf, b.length));
  const union = Number(hllCountRaw(max));
  assert.ok(Math.abs(union - 30000) < 30000 * 0.03, `union ${union}`);
});
