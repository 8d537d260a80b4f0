// Bit-level helpers for the bitmap commands (Redis's bitops.c), on byte arrays. Bit 0 is the most
// significant bit of byte 0, as in SETBIT. Bitfield values are bigint: widths go up to 64 bits and
// the overflow rules are defined in terms of C's int64/uint64 arithmetic, which BigInt.asIntN and
// asUintN reproduce exactly.

/** Number of set bits in bytes [start, end). */
export function popcount(p: Uint8Array, start: number, end: number): number {
  const table = bitsIn();
  let bits = 0;
  let i = start;
  // Whole aligned 32-bit words, two 16-bit table lookups each (faster in V8 than SWAR).
  if (end - i >= 64) {
    while (((p.byteOffset + i) & 3) !== 0) bits += table[p[i++]];
    const words = (end - i) >>> 2;
    const w = new Int32Array(p.buffer, p.byteOffset + i, words);
    for (let j = 0; j < words; j++) {
      const v = w[j];
      bits += table[v & 0xffff] + table[v >>> 16];
    }
    i += words * 4;
  }
  while (i < end) bits += table[p[i++]];
  return bits;
}

/** Set bits of every 16-bit value (64 KB), built on the first BITCOUNT: 65536 steps of the
 * interpreter are a millisecond or two of every start otherwise (issue 16). */
let bitsTable: Uint8Array | null = null;

function bitsIn(): Uint8Array {
  if (bitsTable !== null) return bitsTable;
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (i & 1) + t[i >> 1];
  return (bitsTable = t);
}

/**
 * Redis's redisBitpos over bytes [start, start+count): the position (relative to `start`) of the
 * first bit equal to `bit`. For bit 0 the bytes are taken as zero-padded on the right, so the
 * answer is count*8 when all are ones; for bit 1 with no set bit the answer is -1.
 */
export function bitpos(p: Uint8Array, start: number, count: number, bit: 0 | 1): number {
  const skip = bit ? 0 : 0xff;
  const end = start + count;
  let i = start;
  while (i < end && p[i] === skip) i++;
  if (i === end) return bit ? -1 : count * 8;
  const byte = p[i];
  for (let b = 0; b < 8; b++) {
    if (((byte >> (7 - b)) & 1) === bit) return (i - start) * 8 + b;
  }
  return -1; // unreachable: byte !== skip
}

/** Reads an unsigned integer of `bits` bits (1..64) at bit `offset`; bytes past the end read as 0. */
export function getUnsignedBitfield(p: Uint8Array, offset: number, bits: number): bigint {
  if (bits <= 48) {
    let v = 0;
    for (let j = 0; j < bits; j++, offset++) {
      const byte = offset >>> 3;
      v = v * 2 + (byte < p.length ? (p[byte] >> (7 - (offset & 7))) & 1 : 0);
    }
    return BigInt(v);
  }
  const hi = getUnsignedBitfield(p, offset, bits - 32);
  const lo = getUnsignedBitfield(p, offset + bits - 32, 32);
  return (hi << 32n) | lo;
}

/** Reads a signed (two's complement) integer of `bits` bits at bit `offset`. */
export function getSignedBitfield(p: Uint8Array, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsignedBitfield(p, offset, bits));
}

/** Writes the low `bits` bits of `value` at bit `offset` (the bytes must exist). */
export function setBitfield(p: Uint8Array, offset: number, bits: number, value: bigint): void {
  const v = BigInt.asUintN(bits, value);
  // Split into numbers: at most 64 bits as two halves written most significant first.
  if (bits > 32) {
    setSmall(p, offset, bits - 32, Number(v >> 32n));
    setSmall(p, offset + bits - 32, 32, Number(v & 0xffffffffn));
  } else {
    setSmall(p, offset, bits, Number(v));
  }
}

function setSmall(p: Uint8Array, offset: number, bits: number, v: number): void {
  for (let j = 0; j < bits; j++, offset++) {
    const bitval = Math.floor(v / 2 ** (bits - 1 - j)) & 1;
    const byte = offset >>> 3;
    const shift = 7 - (offset & 7);
    p[byte] = (p[byte] & ~(1 << shift)) | (bitval << shift);
  }
}

export const enum Overflow {
  Wrap = 0,
  Sat = 1,
  Fail = 2,
}

/** Result of an overflow check: 0 in range, 1 overflow, -1 underflow; `limit` the value to store. */
export interface OverflowCheck {
  dir: number;
  limit: bigint;
}

/**
 * Redis's checkUnsignedBitfieldOverflow: `value` is a uint64 (a negative SET value arrives as
 * 2^64+v, as C's cast makes it), `incr` an int64.
 */
export function checkUnsignedOverflow(value: bigint, incr: bigint, bits: number, ow: Overflow): OverflowCheck {
  const max = (1n << BigInt(bits)) - 1n;
  const wrap = () => BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > max - value)) {
    return { dir: 1, limit: ow === Overflow.Wrap ? wrap() : max };
  }
  if (incr < 0n && incr < -value) {
    return { dir: -1, limit: ow === Overflow.Wrap ? wrap() : 0n };
  }
  return NO_OVERFLOW;
}

const NO_OVERFLOW: OverflowCheck = { dir: 0, limit: 0n };
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Redis's checkSignedBitfieldOverflow, including its int64 wraparound in the intermediate
 * maxincr/minincr (which makes, e.g., SET i8 with INT64_MIN count as an overflow, not underflow).
 */
export function checkSignedOverflow(value: bigint, incr: bigint, bits: number, ow: Overflow): OverflowCheck {
  const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  const wrap = () => BigInt.asIntN(bits, value + incr);
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return { dir: 1, limit: ow === Overflow.Wrap ? wrap() : max };
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return { dir: -1, limit: ow === Overflow.Wrap ? wrap() : min };
  }
  return NO_OVERFLOW;
}
