// Argument parsing for the sorted-set family: C strtod as Redis applies it to scores, weights and
// score ranges, and the lex range syntax. Kept apart so GEO and SORT can share it.
import { ReplyError, errorf, NOT_FLOAT } from '../errors';
import { LEX_MAX, LexRange, ScoreRange } from '../datatypes/zset';

const DEC = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const HEX = /([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/y;
const INF = /[+-]?(?:infinity|inf)/iy;
const NAN = /[+-]?nan(?:\([0-9A-Za-z_]*\))?/iy;
const NONZERO_DIGIT = /[1-9]/;

/** Outcome of the last strtod(): characters consumed (0 = no conversion) and range error. */
let end = 0;
let rangeError = false;

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * C strtod: skips leading white space, reads the longest valid prefix (decimal, hex float, inf,
 * nan) and sets `end`; no conversion gives 0 with end = 0. Overflow gives ±Infinity and
 * underflow 0 (or a subnormal), both flagged in `rangeError` like errno = ERANGE.
 */
function strtod(s: string): number {
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  rangeError = false;
  let m: RegExpExecArray | null;
  HEX.lastIndex = i;
  if ((m = HEX.exec(s)) !== null) {
    end = HEX.lastIndex;
    const intPart = m[2] ?? '';
    const frac = m[3] ?? m[4] ?? '';
    let mant = 0;
    for (const d of intPart + frac) mant = mant * 16 + parseInt(d, 16);
    const v = mant * Math.pow(2, (m[5] ? parseInt(m[5], 10) : 0) - 4 * frac.length);
    if ((v === Infinity && mant !== Infinity) || (v === 0 && mant !== 0)) rangeError = true;
    return m[1] === '-' ? -v : v;
  }
  DEC.lastIndex = i;
  if ((m = DEC.exec(s)) !== null) {
    end = DEC.lastIndex;
    const v = Number(m[0]);
    const mantissa = m[0].split(/[eE]/)[0];
    if (v === Infinity || v === -Infinity || (v === 0 && NONZERO_DIGIT.test(mantissa)) || (v !== 0 && Math.abs(v) < 2.2250738585072014e-308)) rangeError = true;
    return v;
  }
  INF.lastIndex = i;
  if ((m = INF.exec(s)) !== null) {
    end = INF.lastIndex;
    return m[0][0] === '-' ? -Infinity : Infinity;
  }
  NAN.lastIndex = i;
  if ((m = NAN.exec(s)) !== null) {
    end = NAN.lastIndex;
    return NaN;
  }
  end = 0;
  return 0;
}

/**
 * Fast path for the common score shapes: [-+]digits[.digits] of at most 20 chars (so neither
 * overflow nor underflow can happen). Number() rounds correctly like glibc strtod. NaN when the
 * text has any other shape (strtod then decides).
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
 * Redis's getDoubleFromObject: the whole argument must be a double; no leading space, no NaN,
 * no overflow to infinity or underflow to zero (subnormals pass).
 */
export function zscoreArg(s: string, err: ReplyError = NOT_FLOAT): number {
  const plain = plainDecimal(s);
  if (plain === plain) return plain; // not NaN: a plain decimal
  if (s.length === 0 || isCSpace(s.charCodeAt(0))) throw err;
  const v = strtod(s);
  if (end !== s.length || Number.isNaN(v) || (rangeError && (v === 0 || v === Infinity || v === -Infinity))) throw err;
  return v;
}

const RANGE_NOT_FLOAT = errorf('ERR min or max is not a float');
const LEX_NOT_VALID = errorf('ERR min or max not valid string range item');

/** One bound of a score range (zslParseRange): '(' makes it exclusive; plain strtod otherwise. */
function scoreBound(s: string): number {
  const text = s.charCodeAt(0) === 40 ? s.slice(1) : s;
  const v = strtod(text);
  // No conversion leaves end at 0: only an empty string then reaches the terminator.
  if (end !== text.length || Number.isNaN(v)) throw RANGE_NOT_FLOAT;
  return v;
}

export function parseScoreRange(min: string, max: string): ScoreRange {
  return { min: scoreBound(min), max: scoreBound(max), minex: min.charCodeAt(0) === 40, maxex: max.charCodeAt(0) === 40 };
}

/** Lex ranges: "-", "+", "(member" or "[member" for each bound. */
export function parseLexRange(min: string, max: string): LexRange {
  const r: LexRange = { min: '', max: '', minex: false, maxex: false };
  switch (min.charCodeAt(0)) {
    case 43: // '+': above everything
      if (min.length !== 1) throw LEX_NOT_VALID;
      r.min = LEX_MAX;
      r.minex = true;
      break;
    case 45: // '-': below everything
      if (min.length !== 1) throw LEX_NOT_VALID;
      break;
    case 40:
    case 91:
      r.min = min.slice(1);
      r.minex = min.charCodeAt(0) === 40;
      break;
    default:
      throw LEX_NOT_VALID;
  }
  switch (max.charCodeAt(0)) {
    case 43:
      if (max.length !== 1) throw LEX_NOT_VALID;
      r.max = LEX_MAX;
      break;
    case 45:
      if (max.length !== 1) throw LEX_NOT_VALID;
      r.maxex = true;
      break;
    case 40:
    case 91:
      r.max = max.slice(1);
      r.maxex = max.charCodeAt(0) === 40;
      break;
    default:
      throw LEX_NOT_VALID;
  }
  return r;
}
