// The one integer parser and the one double parser, with the rules of Redis's C code: string2ll
// for integers (arguments, values, the RESP length prefixes), C strtod for doubles, and string2d
// (strtod over the whole string, as getDoubleFromObject) for double arguments. Every caller that
// needs a number reads it here, so the edge cases (leading zeros, "-0", 21-character limits,
// hex floats, "inf", overflow and underflow) agree everywhere. Long doubles (INCRBYFLOAT) are
// datatypes/long-double.ts, which needs 64-bit mantissas.

const LLONG_MAX_DIGITS = '9223372036854775807';
const LLONG_MIN_DIGITS = '9223372036854775808';

/**
 * Redis's string2ll: optional '-', then "0" alone or digits without a leading zero, in the int64
 * range, fewer than 21 characters. No spaces, no '+', no "-0". Values past 2^53 come back as
 * bigint (exact), others as numbers.
 */
export function string2ll(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  if (n - i <= 15) {
    let v = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return neg ? -v : v;
  }
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const digits = n - i;
  if (digits > 19 || (digits === 19 && s.slice(i) > (neg ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS))) return null;
  const small = Number(s);
  return Number.isSafeInteger(small) ? small : BigInt(s);
}

/** string2ll as a bigint, for callers that do 64-bit arithmetic (config values). */
export function string2llBig(s: string): bigint | null {
  const v = string2ll(s);
  return v === null ? null : BigInt(v);
}

/**
 * C strtoll(s, &end, base) with a full-string check, as Redis's config code calls it: leading
 * white space and a sign allowed; "" is 0; null when something is left over or it overflows.
 */
export function strtollFull(s: string, base: 8 | 10 = 10): bigint | null {
  if (s === '') return 0n;
  const m = (base === 8 ? OCTAL_RE : DECIMAL_RE).exec(s);
  if (!m) return null;
  const v = BigInt((base === 8 ? '0o' : '') + m[2]) * (m[1] === '-' ? -1n : 1n);
  return v > 9223372036854775807n || v < -9223372036854775808n ? null : v;
}
const DECIMAL_RE = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;
const OCTAL_RE = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/;

/**
 * string2ll over bytes (the RESP parser's length prefixes), without making a string. The value is
 * a double: exact up to 2^53, which covers every length.
 */
export function string2llBytes(buf: Buffer, start: number, end: number): number | null {
  const len = end - start;
  if (len <= 0 || len >= 21) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45 /* '-' */) {
    neg = true;
    i++;
    if (i >= end) return null;
  }
  if (buf[i] === 48 /* '0' */) return len === 1 ? 0 : null;
  let n = 0;
  for (let j = i; j < end; j++) {
    const c = buf[j] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  const digits = end - i;
  if (digits > 15) {
    // Past 2^53 the running sum is inexact: range-check and round the digits as a whole.
    const s = buf.latin1Slice(i, end);
    if (digits > 19 || (digits === 19 && s > (neg ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS))) return null;
    n = Number(s);
  }
  return neg ? -n : n;
}

/** What C strtod(s, &end) gives: the value, characters consumed (0: no conversion), errno ERANGE. */
export interface StrtodResult {
  value: number;
  end: number;
  rangeError: boolean;
}

const DEC = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const HEX = /([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/y;
const INF = /[+-]?(?:infinity|inf)/iy;
const NAN = /[+-]?nan(?:\([0-9A-Za-z_]*\))?/iy;
const NONZERO_DIGIT = /[1-9]/;
const MIN_NORMAL = 2.2250738585072014e-308;

export function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * C strtod (glibc, C locale): skips leading white space, reads the longest valid prefix (decimal,
 * hex float, inf/infinity, nan) and reports how far it got. Overflow gives ±Infinity and
 * underflow 0 or a subnormal, both with rangeError set, like errno = ERANGE.
 */
export function strtod(s: string): StrtodResult {
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let m: RegExpExecArray | null;
  HEX.lastIndex = i;
  if ((m = HEX.exec(s)) !== null) {
    const r = hexFloat(m[2] ?? '', m[3] ?? m[4] ?? '', m[5]);
    return { value: m[1] === '-' ? -r.value : r.value, end: HEX.lastIndex, rangeError: r.rangeError };
  }
  DEC.lastIndex = i;
  if ((m = DEC.exec(s)) !== null) {
    const v = Number(m[0]);
    const mantissa = m[0].split(/[eE]/)[0];
    const rangeError = v === Infinity || v === -Infinity || (v === 0 && NONZERO_DIGIT.test(mantissa)) || (v !== 0 && Math.abs(v) < MIN_NORMAL);
    return { value: v, end: DEC.lastIndex, rangeError };
  }
  INF.lastIndex = i;
  if ((m = INF.exec(s)) !== null) return { value: m[0][0] === '-' ? -Infinity : Infinity, end: INF.lastIndex, rangeError: false };
  NAN.lastIndex = i;
  if ((m = NAN.exec(s)) !== null) return { value: NaN, end: NAN.lastIndex, rangeError: false };
  return { value: 0, end: 0, rangeError: false };
}

/** A hex float's magnitude: mantissa digits as exact integers (BigInt), then scaled by 2^exp. */
function hexFloat(intDigits: string, fracDigits: string, expText: string | undefined): { value: number; rangeError: boolean } {
  let mant = BigInt('0x0' + intDigits + fracDigits);
  if (mant === 0n) return { value: 0, rangeError: false };
  let exp = (expText === undefined ? 0 : Number(expText)) - 4 * fracDigits.length;
  while ((mant & 1n) === 0n) {
    mant >>= 1n;
    exp++;
  }
  const bits = mant.toString(2).length;
  if (exp + bits > 1025) return { value: Infinity, rangeError: true };
  if (exp + bits < -1080) return { value: 0, rangeError: true };
  let r = Number(mant) * 2 ** Math.max(exp, -1000);
  if (exp < -1000) r *= 2 ** (exp + 1000);
  if (!Number.isFinite(r)) return { value: Infinity, rangeError: true };
  // Below the normal range glibc reports ERANGE only when bits were lost (not a multiple of 2^-1074).
  return { value: r, rangeError: r < MIN_NORMAL && exp < -1074 };
}

/**
 * Fast path for the common shapes: [-+]digits[.digits] of at most 20 characters (neither
 * overflow nor underflow can happen; Number() rounds like glibc). NaN for any other shape.
 */
function plainDecimal(s: string): number {
  const len = s.length;
  if (len === 0 || len > 20) return NaN;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) i = 1; // '-' '+'
  let digits = 0;
  let dot = false;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return NaN;
  }
  return digits === 0 ? NaN : Number(s);
}

/**
 * Redis's string2d (getDoubleFromObject): strtod over the whole string; null for an empty
 * string, a leading space, trailing characters, NaN, overflow to ±inf or underflow to zero
 * (subnormals pass). "inf", "+1", "0x1p3" are doubles.
 */
export function string2d(s: string): number | null {
  const plain = plainDecimal(s);
  if (plain === plain) return plain; // not NaN: a plain decimal
  if (s.length === 0 || isCSpace(s.charCodeAt(0))) return null;
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) return null;
  if (r.rangeError && (r.value === 0 || r.value === Infinity || r.value === -Infinity)) return null;
  return r.value;
}
