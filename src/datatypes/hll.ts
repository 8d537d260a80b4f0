// HyperLogLog exactly as Redis stores it (hyperloglog.c), so values move between respite and
// redis-server with GET/SET and count the same:
//
//   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, cached cardinality
//   (uint64 little endian; the top bit set means "stale").
//   dense:  16384 registers of 6 bits, packed from the least significant bit of each byte.
//   sparse: run-length opcodes ZERO 00xxxxxx (1..64 zeros), XZERO 01xxxxxx yyyyyyyy (1..16384
//           zeros), VAL 1vvvvvxx (value 1..32 repeated 1..4 times).
//
// Elements are hashed with MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register and
// the run of zeros above them (plus one) is the candidate value. The cardinality estimator is
// Otmar Ertl's (tau/sigma over the register histogram), as in Redis since 5.0.
import { MutableString } from './mutable-string';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const P_MASK = HLL_REGISTERS - 1;
const REGISTER_MAX = 63;
export const HDR_SIZE = 16;
export const DENSE_SIZE = HDR_SIZE + ((HLL_REGISTERS * 6 + 7) >> 3);
export const DENSE = 0;
export const SPARSE = 1;
const MAX_ENCODING = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.72134752044448170368; // 0.5/ln(2)

// ---- MurmurHash64A on 32-bit halves (no BigInt on the hot path) ---------------------------------

let mulHi = 0;
let mulLo = 0;

/** (ah:al) * (bh:bl) mod 2^64, into mulHi:mulLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mulLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const hi = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  mulHi = (hi + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
export const HLL_SEED = 0xadc83b19;

/** The hash, as two uint32 halves: hashHi, hashLo. */
export let hashHi = 0;
export let hashLo = 0;

/** Redis's MurmurHash64A of a latin1 string (one char per byte). Result in hashHi/hashLo. */
export function murmurHash64A(key: string, seed: number): void {
  const len = key.length;
  mul64(0, len, M_HI, M_LO);
  let hh = mulHi;
  let hl = (mulLo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    let kl = (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24)) >>> 0;
    let kh = (key.charCodeAt(i + 4) | (key.charCodeAt(i + 5) << 8) | (key.charCodeAt(i + 6) << 16) | (key.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kh, kl, M_HI, M_LO);
    kh = mulHi;
    kl = (mulLo ^ (kh >>> 15)) >>> 0; // k ^= k >> 47
    mul64(kh, kl, M_HI, M_LO);
    hh = (hh ^ mulHi) >>> 0;
    hl = (hl ^ mulLo) >>> 0;
    mul64(hh, hl, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
  }
  const rest = len & 7;
  if (rest !== 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const b = key.charCodeAt(i + j);
      if (j >= 4) hh = (hh ^ (b << ((j - 4) * 8))) >>> 0;
      else hl = (hl ^ (b << (j * 8))) >>> 0;
    }
    mul64(hh, hl, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
  }
  hl = (hl ^ (hh >>> 15)) >>> 0;
  mul64(hh, hl, M_HI, M_LO);
  hh = mulHi;
  hl = (mulLo ^ (mulHi >>> 15)) >>> 0;
  hashHi = hh;
  hashLo = hl;
}

/** Register index of the last patLen() call. */
let patIndex = 0;

/** Redis's hllPatLen: the register for `ele` (into patIndex) and the length of its 0..01 run. */
export function patLen(ele: string): number {
  murmurHash64A(ele, HLL_SEED);
  patIndex = hashLo & P_MASK;
  // The 50 bits above the index, with a guard bit at position 50 so the count stops at 51.
  const low = hashLo >>> HLL_P; // 18 bits
  if (low !== 0) return ctz(low) + 1;
  if (hashHi !== 0) return 18 + ctz(hashHi) + 1;
  return HLL_Q + 1;
}

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

// ---- dense registers -------------------------------------------------------------------------

/** A register of a dense HLL whose registers start at `base`. */
export function denseGet(p: Uint8Array, base: number, reg: number): number {
  const byte = base + ((reg * 6) >> 3);
  const fb = (reg * 6) & 7;
  const b1 = byte + 1 < p.length ? p[byte + 1] : 0;
  return ((p[byte] >> fb) | (b1 << (8 - fb))) & REGISTER_MAX;
}

export function denseSet(p: Uint8Array, base: number, reg: number, val: number): void {
  const byte = base + ((reg * 6) >> 3);
  const fb = (reg * 6) & 7;
  const fb8 = 8 - fb;
  p[byte] = (p[byte] & ~(REGISTER_MAX << fb)) | (val << fb);
  if (byte + 1 < p.length) p[byte + 1] = (p[byte + 1] & ~(REGISTER_MAX >> fb8)) | (val >> fb8);
}

/** Raises a dense register to `count` if lower; 1 when it changed. */
function denseSetMax(p: Uint8Array, reg: number, count: number): number {
  if (count > denseGet(p, HDR_SIZE, reg)) {
    denseSet(p, HDR_SIZE, reg, count);
    return 1;
  }
  return 0;
}

// ---- header ------------------------------------------------------------------------------------

/** Redis's isHLLObjectOrReply checks (after the type check): header, encoding, dense size. */
export function isValidHll(p: Uint8Array, len: number): boolean {
  if (len < HDR_SIZE) return false;
  if (p[0] !== 0x48 || p[1] !== 0x59 || p[2] !== 0x4c || p[3] !== 0x4c) return false; // "HYLL"
  if (p[4] > MAX_ENCODING) return false;
  return p[4] !== DENSE || len === DENSE_SIZE;
}

export function encodingOf(p: Uint8Array): number {
  return p[4];
}

export function cacheValid(p: Uint8Array): boolean {
  return (p[15] & 0x80) === 0;
}

export function invalidateCache(p: Uint8Array): void {
  p[15] |= 0x80;
}

/** The cached cardinality (uint64 little endian; the caller checked it is valid, so < 2^63). */
export function readCache(p: Uint8Array): number | bigint {
  const lo = (p[8] | (p[9] << 8) | (p[10] << 16) | (p[11] << 24)) >>> 0;
  const hi = (p[12] | (p[13] << 8) | (p[14] << 16) | (p[15] << 24)) >>> 0;
  if (hi < 0x200000) return hi * 0x100000000 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function writeCache(p: Uint8Array, card: bigint): void {
  for (let i = 0; i < 8; i++) p[8 + i] = Number((card >> BigInt(i * 8)) & 0xffn);
}

/** A new empty HLL: sparse, one XZERO opcode covering all 16384 registers. */
export function createHll(): MutableString {
  const buf = Buffer.alloc(64);
  buf.latin1Write('HYLL', 0);
  buf[4] = SPARSE;
  let p = HDR_SIZE;
  for (let aux = HLL_REGISTERS; aux > 0; ) {
    const xzero = Math.min(SPARSE_XZERO_MAX_LEN, aux);
    const l = xzero - 1;
    buf[p++] = (l >> 8) | 0x40;
    buf[p++] = l & 0xff;
    aux -= xzero;
  }
  return new MutableString(buf, p);
}

// ---- sparse representation -----------------------------------------------------------------------

/** Converts a sparse HLL to dense in place. False if the sparse data is corrupt (nothing changes). */
export function sparseToDense(hll: MutableString): boolean {
  const src = hll.buf;
  if (src[4] === DENSE) return true;
  const dense = Buffer.alloc(DENSE_SIZE + 1);
  src.copy(dense, 0, 0, HDR_SIZE); // magic, unused bytes and cached cardinality
  dense[4] = DENSE;
  const end = hll.length;
  let idx = 0;
  let p = HDR_SIZE;
  while (p < end) {
    const op = src[p];
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += (((op & 0x3f) << 8) | src[p + 1]) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      if (runlen + idx > HLL_REGISTERS) break;
      while (runlen--) denseSet(dense, HDR_SIZE, idx++, regval);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  hll.replaceBuffer(dense, DENSE_SIZE);
  return true;
}

const seq = new Uint8Array(5);

function valOp(val: number, len: number): number {
  return ((val - 1) << 2) | (len - 1) | 0x80;
}

/** Writes a ZERO or XZERO run of `len` registers at seq[n]; returns the new n. */
function zeroRun(n: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq[n++] = ((len - 1) >> 8) | 0x40;
    seq[n++] = (len - 1) & 0xff;
  } else {
    seq[n++] = len - 1;
  }
  return n;
}

/**
 * Redis's hllSparseSet: raises register `index` to `count` in a sparse HLL, splitting the opcode
 * that covers it, merging equal neighbours, and promoting to dense when the value does not fit
 * a VAL opcode or the string would pass `maxBytes` (hll-sparse-max-bytes).
 * 1 if a register changed, 0 if not, -1 if the sparse data is corrupt.
 */
export function sparseSet(hll: MutableString, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(hll, index, count);
  if (hll.buf.length < hll.length + 4) hll.reserve(hll.length + 4);
  const b = hll.buf;
  let end = hll.length;
  let p = HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = b[p];
    let oplen = 1;
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if (op & 0x80) span = (op & 3) + 1;
    else {
      span = (((op & 0x3f) << 8) | b[p + 1]) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;

  const op = b[p];
  const isXzero = (op & 0xc0) === 0x40;
  const isZero = (op & 0xc0) === 0;
  const isVal = (op & 0x80) !== 0;
  let next = isXzero ? p + 2 : p + 1;
  if (next >= end) next = -1;
  const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | b[p + 1]) + 1 : (op & 3) + 1;

  let simple = false;
  if (isVal) {
    const oldcount = ((op >> 2) & 0x1f) + 1;
    if (oldcount >= count) return 0;
    if (runlen === 1) {
      b[p] = valOp(count, 1);
      simple = true;
    }
  }
  if (!simple && isZero && runlen === 1) {
    b[p] = valOp(count, 1);
    simple = true;
  }
  if (!simple) {
    const last = first + span - 1;
    let n = 0;
    if (isZero || isXzero) {
      if (index !== first) n = zeroRun(n, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) n = zeroRun(n, last - index);
    } else {
      const curval = ((op >> 2) & 0x1f) + 1;
      if (index !== first) seq[n++] = valOp(curval, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) seq[n++] = valOp(curval, last - index);
    }
    const oldlen = isXzero ? 2 : 1;
    const deltalen = n - oldlen;
    if (deltalen > 0 && hll.length + deltalen > maxBytes) return promote(hll, index, count);
    if (deltalen !== 0 && next >= 0) b.copyWithin(next + deltalen, next, end);
    for (let i = 0; i < n; i++) b[p + i] = seq[i];
    end += deltalen;
    b[end] = 0; // like sdsIncrLen's terminator
    hll.length = end;
  }

  // Merge adjacent VAL opcodes with the same value, scanning up to 5 opcodes from prev.
  p = prev >= 0 ? prev : HDR_SIZE;
  let scanlen = 5;
  while (p < end && scanlen-- !== 0) {
    const o = b[p];
    if ((o & 0xc0) === 0x40) {
      p += 2;
      continue;
    } else if ((o & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end && b[p + 1] & 0x80) {
      const v1 = ((o >> 2) & 0x1f) + 1;
      const v2 = ((b[p + 1] >> 2) & 0x1f) + 1;
      if (v1 === v2) {
        const len = (o & 3) + 1 + (b[p + 1] & 3) + 1;
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(v1, len);
          b.copyWithin(p, p + 1, end + 1);
          end--;
          hll.length = end;
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(b);
  hll.changed();
  return 1;
}

function promote(hll: MutableString, index: number, count: number): number {
  if (!sparseToDense(hll)) return -1;
  denseSetMax(hll.buf, index, count);
  hll.changed();
  return 1;
}

/** Redis's hllAdd: 1 if a register changed, 0 if not, -1 if corrupt. Leaves the cache alone. */
export function hllAdd(hll: MutableString, ele: string, maxBytes: number): number {
  const count = patLen(ele);
  const index = patIndex;
  const b = hll.buf;
  switch (b[4]) {
    case DENSE:
      if (denseSetMax(b, index, count) === 0) return 0;
      hll.changed();
      return 1;
    case SPARSE:
      return sparseSet(hll, index, count, maxBytes);
    default:
      return -1;
  }
}

/** Raises the registers of a raw byte-per-register array `max` with an HLL's; false if corrupt. */
export function hllMerge(max: Uint8Array, p: Uint8Array, len: number): boolean {
  if (p[4] === DENSE) {
    for (let i = 0, r = HDR_SIZE; i < HLL_REGISTERS; i += 16, r += 12) {
      decode16(p, r);
      for (let k = 0; k < 16; k++) if (regs16[k] > max[i + k]) max[i + k] = regs16[k];
    }
    return true;
  }
  let i = 0;
  let q = HDR_SIZE;
  while (q < len) {
    const op = p[q];
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      q++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | (q + 1 < p.length ? p[q + 1] : 0)) + 1;
      q += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      if (runlen + i > HLL_REGISTERS) break;
      while (runlen--) {
        if (regval > max[i]) max[i] = regval;
        i++;
      }
      q++;
    }
  }
  return i === HLL_REGISTERS;
}

const regs16 = new Uint8Array(16);

/** The 16 dense registers packed in the 12 bytes at p[r..r+12), into regs16. */
function decode16(p: Uint8Array, r: number): void {
  const b0 = p[r], b1 = p[r + 1], b2 = p[r + 2], b3 = p[r + 3], b4 = p[r + 4], b5 = p[r + 5];
  const b6 = p[r + 6], b7 = p[r + 7], b8 = p[r + 8], b9 = p[r + 9], b10 = p[r + 10], b11 = p[r + 11];
  const o = regs16;
  o[0] = b0 & 63;
  o[1] = ((b0 >> 6) | (b1 << 2)) & 63;
  o[2] = ((b1 >> 4) | (b2 << 4)) & 63;
  o[3] = (b2 >> 2) & 63;
  o[4] = b3 & 63;
  o[5] = ((b3 >> 6) | (b4 << 2)) & 63;
  o[6] = ((b4 >> 4) | (b5 << 4)) & 63;
  o[7] = (b5 >> 2) & 63;
  o[8] = b6 & 63;
  o[9] = ((b6 >> 6) | (b7 << 2)) & 63;
  o[10] = ((b7 >> 4) | (b8 << 4)) & 63;
  o[11] = (b8 >> 2) & 63;
  o[12] = b9 & 63;
  o[13] = ((b9 >> 6) | (b10 << 2)) & 63;
  o[14] = ((b10 >> 4) | (b11 << 4)) & 63;
  o[15] = (b11 >> 2) & 63;
}

// ---- counting ------------------------------------------------------------------------------------

const histo = new Int32Array(64);

/**
 * Redis's hllCount for an HLL string (dense or sparse): the estimate, or null when a sparse
 * encoding does not cover exactly 16384 registers. The result is an exact uint64 as bigint only
 * past 2^53 (never for real data).
 */
export function hllCount(p: Uint8Array, len: number): number | bigint | null {
  histo.fill(0);
  if (p[4] === DENSE) {
    denseHisto(p);
  } else {
    let idx = 0;
    let q = HDR_SIZE;
    while (q < len) {
      const op = p[q];
      if ((op & 0xc0) === 0) {
        const run = (op & 0x3f) + 1;
        idx += run;
        histo[0] += run;
        q++;
      } else if ((op & 0xc0) === 0x40) {
        const run = (((op & 0x3f) << 8) | (q + 1 < p.length ? p[q + 1] : 0)) + 1;
        idx += run;
        histo[0] += run;
        q += 2;
      } else {
        const run = (op & 3) + 1;
        idx += run;
        histo[((op >> 2) & 0x1f) + 1] += run;
        q++;
      }
    }
    if (idx !== HLL_REGISTERS) return null;
  }
  return estimate();
}

/** hllCount for a raw byte-per-register array (PFCOUNT of several keys). */
export function hllCountRaw(max: Uint8Array): number | bigint {
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]]++;
  return estimate();
}

function denseHisto(p: Uint8Array): void {
  for (let r = HDR_SIZE; r < DENSE_SIZE; r += 12) {
    decode16(p, r);
    for (let k = 0; k < 16; k++) histo[regs16[k]]++;
  }
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y; // pow(1 - x, 2) is correctly rounded, as d * d is
  } while (zPrime !== z);
  return z / 3;
}

const TWO_63 = 2 ** 63;

function estimate(): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * hllSigma(histo[0] / m);
  const e = (ALPHA_INF * m * m) / z;
  // llroundl: half away from zero; out of range (or infinite) gives LLONG_MIN, read as uint64 2^63.
  if (!(e < TWO_63)) return 1n << 63n;
  const r = Math.round(e);
  return Number.isSafeInteger(r) ? r : BigInt(r);
}
