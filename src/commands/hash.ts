// Hash commands (Redis's "hash" group), following t_hash.c: replies, errors, keyspace events and
// encoding conversions as Redis 7.0 does them.
import type { Client } from '../engine/client';
import { Hash, HashLimits } from '../datatypes/hash';
import { IncrFloatFailure, RESULT_NOT_FINITE, incrByFloat, parseLongDouble } from '../datatypes/long-double';
import { globMatch } from '../datatypes/glob';
import { INCR_NAN_OR_INF, NOT_FLOAT, OVERFLOW, SYNTAX, WRONGTYPE, errorf, wrongArity } from '../errors';
import { parseIntStrict } from '../resp/format';
import { MapReply, OK, Reply } from '../resp/reply';
import { int64Arg, intArg, is } from './args';
import { parseScanCursor } from './generic';
import { CommandDef } from './registry';
import { propagateHincrByFloat } from '../persistence/propagation';

const HASH_NOT_INTEGER = errorf('ERR hash value is not an integer');
const HASH_NOT_FLOAT = errorf('ERR hash value is not a float');
const NAN_OR_INF = errorf('ERR value is NaN or Infinity');
const RANGE_TOO_WIDE = errorf('ERR value is out of range');
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const LONG_MAX_HALF = 4611686018427387903n; // LONG_MAX / 2

// ---- shared helpers (also used by the set commands) -----------------------------------------

/** getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): the count of SRANDMEMBER/HRANDFIELD. */
export function randomCountArg(s: string): number | bigint {
  const v = int64Arg(s);
  if (v === INT64_MIN) {
    throw errorf('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  }
  return v;
}

export interface ScanOptions {
  count: number;
  /** null when every element matches (no MATCH, or MATCH *). */
  pattern: string | null;
}

/** COUNT and MATCH options of HSCAN/SSCAN/ZSCAN, from argv[3] on (Redis's scanGenericCommand). */
export function parseScanOptions(argv: string[]): ScanOptions {
  const opts: ScanOptions = { count: 10, pattern: null };
  for (let i = 3; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) throw SYNTAX;
    if (is(argv[i], 'COUNT')) {
      opts.count = intArg(argv[i + 1]);
      if (opts.count < 1) throw SYNTAX;
    } else if (is(argv[i], 'MATCH')) {
      opts.pattern = argv[i + 1] === '*' ? null : argv[i + 1];
    } else {
      throw SYNTAX;
    }
  }
  return opts;
}

/** The reply of a SCAN-family command on a missing key. */
export const EMPTY_SCAN = (): Reply => ['0', []];

/** A Fisher-Yates pick of `count` distinct items out of `items` (which it reorders). */
export function pickDistinct<T>(items: T[], count: number): T[] {
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (items.length - i));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  items.length = count;
  return items;
}

// ---- lookups --------------------------------------------------------------------------------

function readHash(c: Client, key: string): Hash | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined || v instanceof Hash) return v;
  throw WRONGTYPE;
}

function writeHash(c: Client, key: string): Hash | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined || v instanceof Hash) return v;
  throw WRONGTYPE;
}

/** hashTypeLookupWriteOrCreate: the hash at key, created empty when missing. */
function hashForWrite(c: Client, key: string): Hash {
  const h = writeHash(c, key);
  if (h !== undefined) return h;
  const created = new Hash();
  c.db.add(key, created);
  return created;
}

const limits: HashLimits = { entries: 0, value: 0 };

/** The current listpack limits (one shared object: no allocation per command). */
function hashLimits(c: Client): HashLimits {
  limits.entries = c.server.config.int('hash-max-listpack-entries');
  limits.value = c.server.config.int('hash-max-listpack-value');
  return limits;
}

// ---- HSET HSETNX HMSET HDEL -----------------------------------------------------------------

function hset(c: Client, argv: string[]): Reply {
  if (argv.length % 2 === 1) throw wrongArity(argv[0].toLowerCase() === 'hmset' ? 'hmset' : 'hset');
  const key = argv[1];
  const h = hashForWrite(c, key);
  const lim = hashLimits(c);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1], lim)) created++;
  c.db.touched(key);
  c.db.notify('h', 'hset', key, (argv.length - 2) / 2);
  return argv[0].length === 4 ? created : OK;
}

function hsetnx(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const h = writeHash(c, key);
  if (h !== undefined && h.has(argv[2])) return 0;
  (h ?? hashForWrite(c, key)).set(argv[2], argv[3], hashLimits(c));
  c.db.touched(key);
  c.db.notify('h', 'hset', key);
  return 1;
}

function hdel(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const h = writeHash(c, key);
  if (h === undefined) return 0;
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (!h.delete(argv[i])) continue;
    deleted++;
    if (h.size === 0) {
      c.db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted > 0) {
    c.db.touched(key);
    c.db.notify('h', 'hdel', key, deleted);
    if (removed) c.db.notify('g', 'del', key, 0);
  }
  return deleted;
}

// ---- reads ----------------------------------------------------------------------------------

function hget(c: Client, argv: string[]): Reply {
  return readHash(c, argv[1])?.get(argv[2]) ?? null;
}

function hmget(c: Client, argv: string[]): Reply {
  const h = readHash(c, argv[1]);
  const out: Reply[] = new Array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out[i - 2] = h?.get(argv[i]) ?? null;
  return out;
}

function hlen(c: Client, argv: string[]): Reply {
  return readHash(c, argv[1])?.size ?? 0;
}

function hstrlen(c: Client, argv: string[]): Reply {
  return readHash(c, argv[1])?.get(argv[2])?.length ?? 0;
}

function hexists(c: Client, argv: string[]): Reply {
  return readHash(c, argv[1])?.has(argv[2]) ? 1 : 0;
}

function hkeys(c: Client, argv: string[]): Reply {
  const out: string[] = [];
  readHash(c, argv[1])?.forEach((f) => out.push(f));
  return out;
}

function hvals(c: Client, argv: string[]): Reply {
  const out: string[] = [];
  readHash(c, argv[1])?.forEach((_, v) => out.push(v));
  return out;
}

function hgetall(c: Client, argv: string[]): Reply {
  const flat: string[] = [];
  readHash(c, argv[1])?.forEach((f, v) => flat.push(f, v));
  return new MapReply(flat);
}

// ---- HINCRBY HINCRBYFLOAT -------------------------------------------------------------------

function hincrby(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const incr = int64Arg(argv[3]);
  const h = hashForWrite(c, key);
  const current = h.get(argv[2]);
  let old: number | bigint = 0;
  if (current !== undefined) {
    const parsed = parseIntStrict(current);
    if (parsed === null) throw HASH_NOT_INTEGER;
    old = parsed;
  }
  let result: number | bigint;
  if (typeof old === 'number' && typeof incr === 'number' && Number.isSafeInteger(old + incr)) {
    result = old + incr;
  } else {
    const sum = BigInt(old) + BigInt(incr);
    if (sum > INT64_MAX || sum < INT64_MIN) throw OVERFLOW;
    result = Number.isSafeInteger(Number(sum)) ? Number(sum) : sum;
  }
  h.set(argv[2], String(result), hashLimits(c));
  c.db.touched(key);
  c.db.notify('h', 'hincrby', key);
  return result;
}

function hincrbyfloat(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const incr = parseLongDouble(argv[3]);
  if (incr === null) throw NOT_FLOAT;
  if (!incr.isFinite) throw NAN_OR_INF;
  const h = hashForWrite(c, key);
  // Long double arithmetic and "%.17Lf" formatting, exactly as Redis's HINCRBYFLOAT.
  const result = incrByFloat(h.get(argv[2]) ?? '0', argv[3]);
  if (result instanceof IncrFloatFailure) throw result === RESULT_NOT_FINITE ? INCR_NAN_OR_INF : HASH_NOT_FLOAT;
  h.set(argv[2], result, hashLimits(c));
  c.db.touched(key);
  c.db.notify('h', 'hincrbyfloat', key);
  return result;
}

// ---- HRANDFIELD -----------------------------------------------------------------------------

function hrandfield(c: Client, argv: string[]): Reply {
  if (argv.length >= 3) {
    const count = randomCountArg(argv[2]);
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'WITHVALUES'))) throw SYNTAX;
    const withValues = argv.length === 4;
    if (withValues && (count < -LONG_MAX_HALF || count > LONG_MAX_HALF)) throw RANGE_TOO_WIDE;
    return hrandfieldWithCount(c, argv[1], Number(count), withValues);
  }
  const h = readHash(c, argv[1]);
  return h === undefined ? null : (h.randomField() as string);
}

function hrandfieldWithCount(c: Client, key: string, n: number, withValues: boolean): Reply {
  const h = readHash(c, key);
  if (h === undefined || n === 0) return [];
  const resp3 = c.protocol === 3;
  const out: Reply[] = [];
  const emit = (field: string) => {
    if (!withValues) out.push(field);
    else if (resp3) out.push([field, h.get(field) as string]);
    else out.push(field, h.get(field) as string);
  };
  // Negative count: that many independent picks, repeats allowed. A reply past the client's
  // hard output limit is never sent (the client is closed): stop building it there.
  if (n < 0 || n === 1) {
    const limit = c.outputHardLimit?.() ?? 0;
    let bytes = 0; // at most the encoded size: a bulk costs its length + 6 bytes or more
    for (let i = Math.abs(n); i > 0; i--) {
      const f = h.randomField() as string;
      emit(f);
      if (limit !== 0 && (bytes += f.length + 6 + (withValues ? (h.get(f) as string).length + 6 : 0)) > limit) break;
    }
    return out;
  }
  // A count covering the hash returns all of it, in the hash's own order (as Redis does).
  if (n >= h.size) {
    h.forEach((f, v) => (!withValues ? out.push(f) : resp3 ? out.push([f, v]) : out.push(f, v)));
    return out;
  }
  for (const f of distinctFields(h, n)) emit(f);
  return out;
}

/** `n` distinct random fields, n < size: sample directly when n is small, else shuffle. */
function distinctFields(h: Hash, n: number): Iterable<string> {
  if (n * 3 > h.size) {
    const all: string[] = [];
    h.forEach((f) => all.push(f));
    return pickDistinct(all, n);
  }
  const picked = new Set<string>();
  while (picked.size < n) picked.add(h.randomField() as string);
  return picked;
}

// ---- HSCAN ----------------------------------------------------------------------------------

function hscan(c: Client, argv: string[]): Reply {
  const cursor = parseScanCursor(argv[2]);
  const h = readHash(c, argv[1]);
  if (h === undefined) return EMPTY_SCAN();
  const { count, pattern } = parseScanOptions(argv);
  const found: string[] = [];
  const visit = (f: string, v: string) => {
    if (pattern === null || globMatch(pattern, f)) found.push(f, v);
  };
  // A listpack is returned whole in one call, whatever the cursor, as Redis does.
  let next = 0;
  if (h.isCompact) h.forEach(visit);
  else next = h.scan(cursor, count, visit);
  return [String(next), found];
}

export const hashCommands: CommandDef[] = [
  { name: 'hdel', summary: 'Removes fields from a hash; the key goes when its last field does.', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@hash', handler: hdel },
  { name: 'hexists', summary: 'Tells whether a hash has a field.', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@hash', handler: hexists },
  { name: 'hget', summary: 'Reads the value of one hash field.', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@hash', handler: hget },
  { name: 'hgetall', summary: 'Lists every field of a hash with its value.', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: '@hash', handler: hgetall },
  { name: 'hincrby', summary: 'Adds an integer to the number held in a hash field.', arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@hash', handler: hincrby },
  { name: 'hincrbyfloat', summary: 'Adds a decimal number to the number held in a hash field.', arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@hash', handler: hincrbyfloat, propagate: propagateHincrByFloat },
  { name: 'hkeys', summary: 'Lists the field names of a hash.', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: '@hash', handler: hkeys },
  { name: 'hlen', summary: 'Counts the fields of a hash.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@hash', handler: hlen },
  { name: 'hmget', summary: 'Reads several hash fields at once; missing ones come back null.', arity: -3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@hash', handler: hmget },
  { name: 'hmset', summary: 'Writes several hash fields at once (older form of HSET, answers OK).', arity: -4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@hash', handler: hset },
  { name: 'hrandfield', summary: 'Picks random fields of a hash, optionally with their values.', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: '@hash', handler: hrandfield },
  { name: 'hscan', summary: 'Walks the fields of a hash a few at a time with a cursor.', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: '@hash', handler: hscan },
  { name: 'hset', summary: 'Writes hash fields, creating the hash if needed; answers how many were new.', arity: -4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@hash', handler: hset },
  { name: 'hsetnx', summary: 'Writes a hash field only when it does not exist yet.', arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@hash', handler: hsetnx },
  { name: 'hstrlen', summary: 'Gives the length in bytes of a hash field value.', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@hash', handler: hstrlen },
  { name: 'hvals', summary: 'Lists the values of a hash.', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: '@hash', handler: hvals },
];
