// x87 80-bit extended precision ("long double" on x86-64 Linux), emulated exactly with BigInt.
// Redis's INCRBYFLOAT and HINCRBYFLOAT parse with strtold, add in long double and print with
// "%.17Lf" minus trailing zeros; plain JS doubles would print 0.1+0.2 as 0.30000000000000004
// where Redis prints 0.3. Every operation here is correctly rounded (round half to even), as
// glibc's strtold/printf and the x87 FPU are in the default rounding mode.

/** Significand width: 64 bits with an explicit integer bit. */
const MANT_BITS = 64;
const MANT_LIMIT = 1n << 64n;
/** Exponent of the least significant bit of the smallest subnormal: 2^-16445. */
const MIN_EXP = -16445;
/** Largest exponent a 64-bit significand may carry: the maximum is (2^64-1) * 2^16320. */
const MAX_EXP = 16384 - MANT_BITS;
/** strtold input is limited like Redis's string2ld buffer (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

export const enum LongDoubleKind {
  Finite,
  Infinite,
  NaN,
}

/** (-1)^neg * mant * 2^exp, with mant < 2^64; or an infinity / NaN. */
export class LongDouble {
  constructor(
    readonly neg: boolean,
    readonly mant: bigint,
    readonly exp: number,
    readonly kind: LongDoubleKind = LongDoubleKind.Finite,
  ) {}

  get isFinite(): boolean {
    return this.kind === LongDoubleKind.Finite;
  }

  get isZero(): boolean {
    return this.kind === LongDoubleKind.Finite && this.mant === 0n;
  }
}

const POS_ZERO = new LongDouble(false, 0n, 0);
const NEG_ZERO = new LongDouble(true, 0n, 0);
const POS_INF = new LongDouble(false, 0n, 0, LongDoubleKind.Infinite);
const NEG_INF = new LongDouble(true, 0n, 0, LongDoubleKind.Infinite);
const NAN = new LongDouble(false, 0n, 0, LongDoubleKind.NaN);

function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * Rounds (-1)^neg * (q + sticky fraction) * 2^exp to the nearest long double, ties to even.
 * `sticky` says that bits below q's last bit were non-zero. Overflow gives an infinity;
 * values too small become subnormal or zero.
 */
function round(neg: boolean, q: bigint, exp: number, sticky: boolean): LongDouble {
  if (q === 0n) return neg ? NEG_ZERO : POS_ZERO;
  let shift = bitLength(q) - MANT_BITS;
  if (exp + shift < MIN_EXP) shift = MIN_EXP - exp;
  if (shift > 0) {
    const s = BigInt(shift);
    const rem = q & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    q >>= s;
    exp += shift;
    if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) {
      q += 1n;
      if (q === MANT_LIMIT) {
        q >>= 1n;
        exp++;
      }
    }
  } else if (shift < 0) {
    q <<= BigInt(-shift);
    exp += shift;
  }
  if (exp > MAX_EXP) return neg ? NEG_INF : POS_INF;
  if (q === 0n) return neg ? NEG_ZERO : POS_ZERO;
  return new LongDouble(neg, q, exp);
}

/** Rounds (-1)^neg * num / den (both positive) to the nearest long double. */
function roundQuotient(neg: boolean, num: bigint, den: bigint): LongDouble {
  // Scale so the quotient has at least 66 bits: 64 kept, one for rounding, one spare.
  const s = MANT_BITS + 2 + bitLength(den) - bitLength(num);
  if (s > 0) num <<= BigInt(s);
  else den <<= BigInt(-s);
  const q = num / den;
  return round(neg, q, -s, q * den !== num);
}

/** An exponent in decimal digits, saturated far beyond any representable magnitude. */
function parseExponent(s: string | undefined): number {
  if (s === undefined) return 0;
  let neg = false;
  let i = 0;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    i = 1;
  }
  while (i < s.length - 1 && s[i] === '0') i++;
  const digits = s.slice(i);
  const v = digits.length > 9 ? 1e9 : Number(digits);
  return neg ? -v : v;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;
const NAN_RE = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?$/i;

/**
 * Redis's string2ld: strtold over the whole string. Returns null where Redis says "not a valid
 * float": empty, too long, leading space or trailing garbage, NaN, overflow, or a non-zero
 * value that underflows to zero. Infinities ("inf", "-infinity") are accepted.
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  let m = DECIMAL_RE.exec(s);
  if (m !== null) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? '';
    if (intDigits.length === 0 && fracDigits.length === 0) return null;
    return decimalToLongDouble(m[1] === '-', intDigits + fracDigits, parseExponent(m[4]) - fracDigits.length);
  }
  m = HEX_RE.exec(s);
  if (m !== null) {
    const fracDigits = m[3] ?? '';
    const digits = m[2] + fracDigits;
    if (digits.length === 0) return null;
    return binaryToLongDouble(m[1] === '-', BigInt('0x' + digits), parseExponent(m[4]) - 4 * fracDigits.length);
  }
  m = INF_RE.exec(s);
  if (m !== null) return m[1] === '-' ? NEG_INF : POS_INF;
  if (NAN_RE.test(s)) return null; // parses, but Redis rejects NaN
  return null;
}

/** digits * 10^pow10, or null on overflow / underflow to zero (strtold's ERANGE cases). */
function decimalToLongDouble(neg: boolean, digits: string, pow10: number): LongDouble | null {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  if (start === digits.length) return neg ? NEG_ZERO : POS_ZERO; // an exact zero is fine
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) {
    end--;
    pow10++;
  }
  const sig = digits.slice(start, end);
  // The value lies in [10^(magnitude-1), 10^magnitude).
  const magnitude = pow10 + sig.length;
  if (magnitude > 4933) return null; // >= 1e4933 > max long double (~1.19e4932)
  if (magnitude < -4951) return null; // < 1e-4952: rounds to zero
  const d = BigInt(sig);
  const r = pow10 >= 0 ? round(neg, d * 10n ** BigInt(pow10), 0, false) : roundQuotient(neg, d, 10n ** BigInt(-pow10));
  return r.isFinite && !r.isZero ? r : null;
}

/** mant * 2^pow2 (from a hex float), or null on overflow / underflow to zero. */
function binaryToLongDouble(neg: boolean, mant: bigint, pow2: number): LongDouble | null {
  if (mant === 0n) return neg ? NEG_ZERO : POS_ZERO;
  const bits = bitLength(mant);
  if (bits + pow2 > 16384 + 1) return null;
  if (bits + pow2 < MIN_EXP - 1) return null;
  const r = round(neg, mant, pow2, false);
  return r.isFinite && !r.isZero ? r : null;
}

/** a + b, correctly rounded (IEEE semantics for zeros, infinities and NaN). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === LongDoubleKind.NaN || b.kind === LongDoubleKind.NaN) return NAN;
  if (a.kind === LongDoubleKind.Infinite) {
    if (b.kind === LongDoubleKind.Infinite && a.neg !== b.neg) return NAN;
    return a;
  }
  if (b.kind === LongDoubleKind.Infinite) return b;
  if (a.mant === 0n) return b.mant === 0n ? (a.neg && b.neg ? NEG_ZERO : POS_ZERO) : b;
  if (b.mant === 0n) return a;
  const exp = Math.min(a.exp, b.exp);
  const x = a.mant << BigInt(a.exp - exp);
  const y = b.mant << BigInt(b.exp - exp);
  const sum = (a.neg ? -x : x) + (b.neg ? -y : y);
  if (sum === 0n) return POS_ZERO; // x + (-x) is +0 when rounding to nearest
  return sum < 0n ? round(true, -sum, exp, false) : round(false, sum, exp, false);
}

const TEN_17 = 10n ** 17n;

/**
 * Redis's ld2string(LD_STR_HUMAN): printf("%.17Lf") with trailing zeros (and a trailing '.')
 * removed, and "-0" printed as "0". Only for finite values.
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  let text: string;
  if (x.exp >= 0) {
    text = (x.mant << BigInt(x.exp)).toString();
  } else {
    // Fixed point with 17 decimals: round(mant * 10^17 / 2^k), ties to even.
    const k = BigInt(-x.exp);
    const scaled = x.mant * TEN_17;
    let q = scaled >> k;
    const rem = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    const intPart = (q / TEN_17).toString();
    const frac = (q % TEN_17).toString().padStart(17, '0').replace(/0+$/, '');
    text = frac.length === 0 ? intPart : `${intPart}.${frac}`;
  }
  if (text === '0') return '0';
  return x.neg ? '-' + text : text;
}

/** Why incrByFloat produced no value. */
export class IncrFloatFailure {
  constructor(readonly reason: 'value-not-float' | 'incr-not-float' | 'not-finite') {}
}
export const VALUE_NOT_FLOAT = new IncrFloatFailure('value-not-float');
export const INCR_NOT_FLOAT = new IncrFloatFailure('incr-not-float');
export const RESULT_NOT_FINITE = new IncrFloatFailure('not-finite');

/**
 * INCRBYFLOAT's arithmetic: parses both operands as long doubles, adds them and formats the
 * sum as Redis stores it. `current` is the stored string (pass "0" for a missing key).
 */
export function incrByFloat(current: string, incr: string): string | IncrFloatFailure {
  const a = parseLongDouble(current);
  if (a === null) return VALUE_NOT_FLOAT;
  const b = parseLongDouble(incr);
  if (b === null) return INCR_NOT_FLOAT;
  const sum = addLongDouble(a, b);
  if (!sum.isFinite) return RESULT_NOT_FINITE;
  return formatLongDoubleHuman(sum);
}
