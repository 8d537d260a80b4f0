// Argument parsing for the sorted-set family: C strtod as Redis applies it to scores, weights and
// score ranges, and the lex range syntax. Kept apart so GEO and SORT can share it.
import { ReplyError, errorf, NOT_FLOAT } from '../errors';
import { LEX_MAX, LexRange, ScoreRange } from '../datatypes/zset';
import { string2d, strtod } from '../util/numbers';

/**
 * Redis's getDoubleFromObject (string2d): the whole argument must be a double; no leading space,
 * no NaN, no overflow to infinity or underflow to zero (subnormals pass).
 */
export function zscoreArg(s: string, err: ReplyError = NOT_FLOAT): number {
  const v = string2d(s);
  if (v === null) throw err;
  return v;
}

const RANGE_NOT_FLOAT = errorf('ERR min or max is not a float');
const LEX_NOT_VALID = errorf('ERR min or max not valid string range item');

/** One bound of a score range (zslParseRange): '(' makes it exclusive; plain strtod otherwise. */
function scoreBound(s: string): number {
  const text = s.charCodeAt(0) === 40 ? s.slice(1) : s;
  const r = strtod(text);
  // No conversion leaves end at 0: only an empty string then reaches the terminator.
  if (r.end !== text.length || Number.isNaN(r.value)) throw RANGE_NOT_FLOAT;
  return r.value;
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
