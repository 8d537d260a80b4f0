// Stream entry IDs: <ms>-<seq>, both unsigned 64-bit. Each half is a JS number while it is a
// safe integer (every real timestamp and sequence) and a bigint only beyond 2^53, so the common
// path never allocates. Values are kept normalised (a bigint is always > MAX_SAFE_INTEGER), which
// makes === an exact equality test; <, > compare numbers and bigints exactly.

export type U64 = number | bigint;

export const U64_MAX = 18446744073709551615n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

export interface StreamId {
  ms: U64;
  seq: U64;
}

export const MIN_ID: StreamId = Object.freeze({ ms: 0, seq: 0 }) as StreamId;
export const MAX_ID: StreamId = Object.freeze({ ms: U64_MAX, seq: U64_MAX }) as StreamId;

export function id(ms: U64, seq: U64): StreamId {
  return { ms, seq };
}

/** A bigint in [0, 2^64) in normalised form. */
export function norm(v: bigint): U64 {
  return v <= SAFE_MAX ? Number(v) : v;
}

export function big(v: U64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/**
 * v + 1, wrapping from 2^64-1 to 0 as Redis's uint64 counters do (entries-added, delivery
 * counts): a counter restored at its maximum must stay a valid uint64, or it could not be saved.
 */
export function inc(v: U64): U64 {
  if (typeof v === 'number' && v < Number.MAX_SAFE_INTEGER) return v + 1;
  return v === U64_MAX ? 0 : norm(big(v) + 1n);
}

export function dec(v: U64): U64 {
  return typeof v === 'number' ? v - 1 : norm(v - 1n);
}

/** a - b for a >= b. */
export function sub(a: U64, b: U64): U64 {
  return typeof a === 'number' && typeof b === 'number' ? a - b : norm(big(a) - big(b));
}

export function isMax(v: U64): boolean {
  return v === U64_MAX;
}

export function cmp(ams: U64, aseq: U64, bms: U64, bseq: U64): number {
  if (ams !== bms) return ams < bms ? -1 : 1;
  if (aseq === bseq) return 0;
  return aseq < bseq ? -1 : 1;
}

export function cmpId(a: StreamId, b: StreamId): number {
  return cmp(a.ms, a.seq, b.ms, b.seq);
}

export function isZero(a: StreamId): boolean {
  return a.ms === 0 && a.seq === 0;
}

export function formatId(ms: U64, seq: U64): string {
  return `${ms}-${seq}`;
}

/** The next ID (Redis's streamIncrID); null past the last possible ID. */
export function incrId(a: StreamId): StreamId | null {
  if (isMax(a.seq)) return isMax(a.ms) ? null : { ms: inc(a.ms), seq: 0 };
  return { ms: a.ms, seq: inc(a.seq) };
}

/** The previous ID (Redis's streamDecrID); null before 0-0. */
export function decrId(a: StreamId): StreamId | null {
  if (a.seq === 0) return a.ms === 0 ? null : { ms: dec(a.ms), seq: U64_MAX };
  return { ms: a.ms, seq: dec(a.seq) };
}

// ---- parsing --------------------------------------------------------------------------------------

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Redis's string2ull: a strict integer first (string2ll; negative rejected), else C's strtoull
 * (leading blanks, a sign, leading zeros; a '-' wraps modulo 2^64; overflow rejected).
 */
export function parseU64(s: string): U64 | null {
  const n = s.length;
  // Fast path: plain digits without a leading zero.
  if (n > 0 && n <= 15) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === n) return v;
  }
  let i = 0;
  while (i < n && isCSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sign = s.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    neg = sign === 45;
    i++;
  }
  if (i >= n) return null;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  let v = BigInt(s.slice(i));
  if (v > U64_MAX) return null;
  // string2ll accepts "-N" first and the result is then refused as negative.
  if (neg && v !== 0n && /^-[1-9][0-9]*$/.test(s) && v <= 9223372036854775808n) return null;
  if (neg) v = (U64_MAX + 1n - v) & U64_MAX;
  return norm(v);
}

/**
 * Redis's streamGenericParseIDOrReply: '-' and '+' (unless strict), <ms>, <ms>-<seq>, and
 * <ms>-* when `allowSeqStar` (XADD). Returns null when invalid; `seqGiven` is false for <ms>-*.
 * Redis copies the argument into a C string: it is cut at the first NUL byte.
 */
export function parseId(arg: string, missingSeq: U64, strict: boolean, allowSeqStar = false): { id: StreamId; seqGiven: boolean } | null {
  if (arg.length > 127) return null;
  const z = arg.indexOf('\0');
  const s = z < 0 ? arg : arg.slice(0, z);
  if (s === '-') return strict ? null : { id: MIN_ID, seqGiven: true };
  if (s === '+') return strict ? null : { id: MAX_ID, seqGiven: true };
  const dash = s.indexOf('-');
  const ms = parseU64(dash < 0 ? s : s.slice(0, dash));
  if (ms === null) return null;
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = s.slice(dash + 1);
  if (allowSeqStar && rest === '*') return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) return null;
  return { id: { ms, seq }, seqGiven: true };
}
