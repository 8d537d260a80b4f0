// Byte sizes of Redis listpack elements. A stream node does not store a listpack, but Redis
// decides when to open a new node from the listpack's byte size (stream-node-max-bytes), and
// approximate trimming removes whole nodes: to observe the same lengths as Redis we account the
// bytes exactly as listpack.c would encode them.
import { string2ll } from '../../util/numbers';
import type { U64 } from './id';

/** Bytes of the back-length field that follows an element whose encoding takes `l` bytes. */
function backlen(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function intEncoding(v: number): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** An integer element (lpAppendInteger). */
export function lpIntSize(v: number): number {
  const l = intEncoding(v);
  return l + backlen(l);
}

/** The element storing a - b computed in uint64 and read back as int64 (an ID delta). */
export function lpDeltaSize(a: U64, b: U64): number {
  if (typeof a === 'number' && typeof b === 'number') return lpIntSize(a - b);
  let d = BigInt(a) - BigInt(b);
  if (d > 9223372036854775807n) d -= 18446744073709551616n;
  else if (d < -9223372036854775808n) d += 18446744073709551616n;
  return d >= -2147483648n && d <= 2147483647n ? lpIntSize(Number(d)) : 10;
}

/**
 * A string element (lpAppend): strings that are canonical int64 decimals (lpStringToInt64, same
 * rules as string2ll) are stored as integers.
 */
export function lpStringSize(s: string): number {
  const n = s.length;
  if (n > 0 && n < 21) {
    const v = lpStringToInt(s);
    if (v !== null) return lpIntSize(v);
  }
  const l = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return l + backlen(l);
}

/** The value of a canonical int64 decimal string (only its size class matters), or null. */
function lpStringToInt(s: string): number | null {
  const v = string2ll(s);
  return v === null ? null : Number(v);
}

/** Listpack header (total bytes + element count) and end byte. */
export const LP_HEADER_AND_END = 7;
