// Argument parsing shared by command handlers. Each helper throws the ReplyError Redis gives for
// that kind of bad argument, so handlers read as straight-line code.
import { NOT_FLOAT, NOT_INTEGER, ReplyError, SYNTAX, errorf } from '../errors';
import { parseIntStrict } from '../resp/format';
import { string2d } from '../util/numbers';

/** A signed 64-bit integer argument; values beyond 2^53 come back as bigint. */
export function int64Arg(s: string, err: ReplyError = NOT_INTEGER): number | bigint {
  const v = parseIntStrict(s);
  if (v === null) throw err;
  return v;
}

/** An integer argument as a JS number (exact below 2^53, which covers counts and indexes). */
export function intArg(s: string, err: ReplyError = NOT_INTEGER): number {
  const v = parseIntStrict(s);
  if (v === null) throw err;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** An integer that must be >= 0 (Redis: "value is out of range, must be positive"). */
export function nonNegativeArg(s: string): number {
  const v = intArg(s);
  if (v < 0) throw errorf('ERR value is out of range, must be positive');
  return v;
}

/** Redis's string2d (util/numbers.ts): the double syntax of every double argument. */
export const parseDouble = string2d;

export function floatArg(s: string, err: ReplyError = NOT_FLOAT): number {
  const v = parseDouble(s);
  if (v === null) throw err;
  return v;
}

/**
 * Case-insensitive comparison of an argument with an upper-case keyword, as Redis's strcasecmp:
 * the argument ends at its first NUL byte ("NX\0junk" is NX).
 */
export function is(arg: string, keyword: string): boolean {
  const n = keyword.length;
  if (arg.length === n) return arg.toUpperCase() === keyword;
  return arg.length > n && arg.charCodeAt(n) === 0 && arg.slice(0, n).toUpperCase() === keyword;
}

/** An argument upper-cased up to its first NUL byte, for a switch over keywords (see is()). */
export function keywordOf(arg: string): string {
  const nul = arg.indexOf('\0');
  return (nul < 0 ? arg : arg.slice(0, nul)).toUpperCase();
}

export function syntax(): never {
  throw SYNTAX;
}

/**
 * A C int argument (Redis's getIntFromObjectOrReply): not an integer -> NOT_INTEGER, outside
 * int32 -> the range error; a custom `err` replaces both, as Redis's msg argument does.
 */
export function int32Arg(s: string, err?: ReplyError): number {
  const v = parseIntStrict(s);
  if (v === null) throw err ?? NOT_INTEGER;
  if (typeof v === 'bigint' || v < -2147483648 || v > 2147483647) {
    throw err ?? errorf('ERR value is out of range, value must between -2147483648 and 2147483647');
  }
  return v;
}

/**
 * Key positions of `numkeys key ...` commands (ZUNION, ZMPOP, LMPOP, SINTERCARD...) with numkeys
 * at argv[at]: none when numkeys is not a count of keys that are all there, as Redis's getkeys
 * procs answer (COMMAND GETKEYS then says the arguments are invalid).
 */
export function numkeysKeyPositions(at: number): (argv: string[]) => number[] {
  return (argv) => {
    const n = parseIntStrict(argv[at] ?? '');
    if (typeof n !== 'number' || n < 1 || n > argv.length - at - 1) return [];
    const out: number[] = [];
    for (let i = 1; i <= n; i++) out.push(at + i);
    return out;
  };
}
