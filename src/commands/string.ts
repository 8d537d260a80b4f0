// String commands (Redis's t_string.c): GET/SET and their variants, counters, ranges, LCS.
// Values are latin1 JS strings; integers are parsed from them on demand (Redis keeps an int
// encoding, we keep the text and stay exact with bigint beyond 2^53).
import { constants as bufferConstants } from 'node:buffer';
import type { Client } from '../engine/client';
import {
  INCR_NAN_OR_INF,
  INVALID_EXPIRE,
  NOT_FLOAT,
  NOT_INTEGER,
  OVERFLOW,
  STRING_TOO_LONG,
  SYNTAX,
  WRONGTYPE,
  errorf,
  wrongArity,
} from '../errors';
import { IncrFloatFailure, RESULT_NOT_FINITE, incrByFloat as addFloats } from '../datatypes/long-double';
import { lcsTable, lcsMatches } from '../datatypes/lcs';
import { parseIntStrict } from '../resp/format';
import { MapReply, OK, Reply } from '../resp/reply';
import { int64Arg, keywordOf } from './args';
import { countGrowth } from '../keyspace/eviction';
import { CommandDef } from './registry';
import { propagateAsDel, propagateAsSet, propagateExpiry, propagateIncrByFloat, propagateSet, propagateSetWithExpire } from '../persistence/propagation';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

// ---- helpers ----------------------------------------------------------------------------------

/** GET's lookup: the string at key, null when missing, WRONGTYPE for other types. */
function readString(c: Client, key: string): string | null {
  const v = c.db.lookupRead(key);
  if (v === undefined) return null;
  if (typeof v !== 'string') throw WRONGTYPE;
  return v;
}

/**
 * Redis's checkStringLength: a string may not grow beyond proto-max-bulk-len. V8 strings stop
 * 24 bytes short of the default 512 MB, so that is our ceiling too.
 */
function checkLength(c: Client, size: number, append: number): void {
  const total = size + append;
  if (total > c.server.protoMaxBulkLen || total > MAX_STRING_LENGTH) throw STRING_TOO_LONG;
}

/**
 * Redis's setKey: an overwrite first looks the key up for writing, so a key whose time has
 * passed is expired (with its "expired" event) before the new value lands.
 */
function store(c: Client, key: string, val: string, keepTtl = false): void {
  const db = c.db;
  if (db.expires.size !== 0) db.expireIfNeeded(key);
  db.setKey(key, val, keepTtl);
  db.notify('$', 'set', key);
}

// ---- SET family -------------------------------------------------------------------------------

// Option flags of SET and GETEX (Redis's OBJ_SET_* / OBJ_* flags).
const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;
const SECONDS = EX | EXAT;
const RELATIVE = EX | PX;

interface ExtendedArgs {
  flags: number;
  /** The expire time argument, or null. */
  expire: string | null;
}

/**
 * Redis's parseExtendedStringArgumentsOrReply: SET's options (from argv[3]) or GETEX's (from
 * argv[2]). Conflicting options are a syntax error; a repeated expire option replaces the
 * previous one, as in Redis.
 */
function parseExtended(argv: string[], forSet: boolean): ExtendedArgs {
  let flags = 0;
  let expire: string | null = null;
  for (let j = forSet ? 3 : 2; j < argv.length; j++) {
    const opt = keywordOf(argv[j]);
    const hasNext = j < argv.length - 1;
    let bit = 0;
    if (forSet && opt === 'NX' && !(flags & XX)) flags |= NX;
    else if (forSet && opt === 'XX' && !(flags & NX)) flags |= XX;
    else if (forSet && opt === 'GET') flags |= GET;
    else if (forSet && opt === 'KEEPTTL' && !(flags & (PERSIST | ANY_EXPIRE))) flags |= KEEPTTL;
    else if (!forSet && opt === 'PERSIST' && !(flags & (KEEPTTL | ANY_EXPIRE))) flags |= PERSIST;
    else if (hasNext && (bit = expireFlag(opt)) !== 0 && !(flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~bit)))) {
      flags |= bit;
      expire = argv[++j];
    } else throw SYNTAX;
  }
  return { flags, expire };
}

function expireFlag(opt: string): number {
  switch (opt) {
    case 'EX':
      return EX;
    case 'PX':
      return PX;
    case 'EXAT':
      return EXAT;
    case 'PXAT':
      return PXAT;
    default:
      return 0;
  }
}

/**
 * Redis's getExpireMillisecondsOrReply: the absolute expiry in ms for an expire argument.
 * Non-positive values and results beyond int64 are "invalid expire time".
 */
function expireTime(c: Client, arg: string, flags: number, cmd: string): number {
  const v = int64Arg(arg);
  const seconds = (flags & SECONDS) !== 0;
  const relative = (flags & RELATIVE) !== 0;
  if (typeof v === 'number') {
    if (v <= 0) throw INVALID_EXPIRE(cmd);
    // |v| < 2^53, so v*1000 + now cannot pass int64's range.
    const ms = seconds ? v * 1000 : v;
    return relative ? ms + c.db.now() : ms;
  }
  if (v <= 0n || (seconds && v > INT64_MAX / 1000n)) throw INVALID_EXPIRE(cmd);
  let ms = seconds ? v * 1000n : v;
  if (relative) ms += BigInt(c.db.now());
  if (ms > INT64_MAX) throw INVALID_EXPIRE(cmd); // Redis sees the sum wrap to a negative
  return Number(ms);
}

/** Redis's setGenericCommand. `ok` and `aborted` are the replies for a write / a skipped one. */
function setGeneric(
  c: Client,
  flags: number,
  key: string,
  val: string,
  expire: string | null,
  cmd: string,
  ok: Reply,
  aborted: Reply,
): Reply {
  const when = expire === null ? 0 : expireTime(c, expire, flags, cmd);
  const old = flags & GET ? readString(c, key) : null;
  const db = c.db;
  if (flags & (NX | XX)) {
    const found = db.lookupWrite(key) !== undefined;
    if ((flags & NX && found) || (flags & XX && !found)) return flags & GET ? old : aborted;
  }
  store(c, key, val, (flags & KEEPTTL) !== 0);
  if (expire !== null) {
    // Like Redis 7.0, a time already past is stored as is: the key expires on next access.
    db.setExpire(key, when);
    db.notify('g', 'expire', key, 0);
  }
  return flags & GET ? old : ok;
}

function set(c: Client, argv: string[]): Reply {
  if (argv.length === 3) {
    store(c, argv[1], argv[2]);
    return OK;
  }
  const { flags, expire } = parseExtended(argv, true);
  return setGeneric(c, flags, argv[1], argv[2], expire, 'set', OK, null);
}

function setnx(c: Client, argv: string[]): Reply {
  return setGeneric(c, NX, argv[1], argv[2], null, 'setnx', 1, 0);
}

function setex(c: Client, argv: string[]): Reply {
  return setGeneric(c, EX, argv[1], argv[3], argv[2], 'setex', OK, null);
}

function psetex(c: Client, argv: string[]): Reply {
  return setGeneric(c, PX, argv[1], argv[3], argv[2], 'psetex', OK, null);
}

function get(c: Client, argv: string[]): Reply {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return null;
  if (typeof v !== 'string') return WRONGTYPE;
  return v;
}

function getset(c: Client, argv: string[]): Reply {
  const old = readString(c, argv[1]);
  store(c, argv[1], argv[2]);
  return old;
}

function getdel(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const old = readString(c, key);
  if (old !== null && c.db.delete(key)) c.db.notify('g', 'del', key);
  return old;
}

function getex(c: Client, argv: string[]): Reply {
  const { flags, expire } = parseExtended(argv, false);
  const key = argv[1];
  const val = readString(c, key);
  if (val === null) return null;
  const db = c.db;
  const when = expire === null ? 0 : expireTime(c, expire, flags, 'getex');
  if (flags & (EXAT | PXAT) && when <= db.now()) {
    // An absolute time already past deletes the key at once.
    db.delete(key);
    db.notify('g', 'del', key);
  } else if (expire !== null) {
    db.setExpire(key, when);
    db.notify('g', 'expire', key);
  } else if (flags & PERSIST && db.persist(key)) {
    db.notify('g', 'persist', key);
  }
  return val;
}

function mget(c: Client, argv: string[]): Reply {
  const db = c.db;
  const out: Reply[] = new Array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = db.lookupRead(argv[i]);
    out[i - 1] = typeof v === 'string' ? v : null;
  }
  return out;
}

function msetGeneric(c: Client, argv: string[], nx: boolean): Reply {
  if (argv.length % 2 === 0) return wrongArity(argv[0].toLowerCase() === 'msetnx' ? 'msetnx' : 'mset');
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) if (db.lookupWrite(argv[j]) !== undefined) return 0;
  }
  for (let j = 1; j < argv.length; j += 2) store(c, argv[j], argv[j + 1]);
  return nx ? 1 : OK;
}

function mset(c: Client, argv: string[]): Reply {
  return msetGeneric(c, argv, false);
}

function msetnx(c: Client, argv: string[]): Reply {
  return msetGeneric(c, argv, true);
}

// ---- in-place edits ---------------------------------------------------------------------------

function append(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const add = argv[2];
  const cur = db.lookupWrite(key);
  let len: number;
  if (cur === undefined) {
    db.add(key, add);
    len = add.length;
  } else {
    if (typeof cur !== 'string') throw WRONGTYPE;
    checkLength(c, cur.length, add.length);
    db.replace(key, cur + add);
    len = cur.length + add.length;
  }
  db.notify('$', 'append', key);
  return len;
}

const OFFSET_OUT_OF_RANGE = errorf('ERR offset is out of range');

function setrange(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const patch = argv[3];
  const off = int64Arg(argv[2]);
  if (off < 0) throw OFFSET_OUT_OF_RANGE;
  // Beyond 2^53 the length check fails anyway; a number keeps the arithmetic simple.
  const offset = Number(off);
  const cur = db.lookupWrite(key);
  let next: string;
  if (cur === undefined) {
    if (patch.length === 0) return 0;
    checkLength(c, offset, patch.length);
    next = '\0'.repeat(offset) + patch;
    db.add(key, next);
    countGrowth(c.server, offset); // the zero padding (the patch is counted with the arguments)
  } else {
    if (typeof cur !== 'string') throw WRONGTYPE;
    if (patch.length === 0) return cur.length;
    checkLength(c, offset, patch.length);
    next =
      offset > cur.length
        ? cur + '\0'.repeat(offset - cur.length) + patch
        : cur.slice(0, offset) + patch + cur.slice(offset + patch.length);
    db.replace(key, next);
    countGrowth(c.server, offset - cur.length);
  }
  db.notify('$', 'setrange', key);
  return next.length;
}

function getrange(c: Client, argv: string[]): Reply {
  let start = Number(int64Arg(argv[2]));
  let end = Number(int64Arg(argv[3]));
  const s = c.db.lookupRead(argv[1]);
  if (s === undefined) return '';
  if (typeof s !== 'string') throw WRONGTYPE;
  const len = s.length;
  if (start < 0 && end < 0 && start > end) return '';
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return '';
  return s.slice(start, end + 1);
}

function strlen(c: Client, argv: string[]): Reply {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return 0;
  if (typeof v !== 'string') throw WRONGTYPE;
  return v.length;
}

// ---- counters ---------------------------------------------------------------------------------

/** Redis's incrDecrCommand. Plain numbers while exact; bigint only past 2^53. */
function incrDecr(c: Client, key: string, incr: number | bigint): Reply {
  const db = c.db;
  const cur = db.lookupWrite(key);
  let value: number | bigint = 0;
  if (cur !== undefined) {
    if (typeof cur !== 'string') throw WRONGTYPE;
    const v = parseIntStrict(cur);
    if (v === null) throw NOT_INTEGER;
    value = v;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const big = BigInt(value) + BigInt(incr);
    if (big > INT64_MAX || big < INT64_MIN) throw OVERFLOW;
    const small = Number(big);
    result = Number.isSafeInteger(small) ? small : big;
  }
  const text = String(result);
  if (cur === undefined) db.add(key, text);
  else db.replace(key, text);
  db.notify('$', 'incrby', key);
  return result;
}

function incr(c: Client, argv: string[]): Reply {
  return incrDecr(c, argv[1], 1);
}

function decr(c: Client, argv: string[]): Reply {
  return incrDecr(c, argv[1], -1);
}

function incrby(c: Client, argv: string[]): Reply {
  return incrDecr(c, argv[1], int64Arg(argv[2]));
}

const DECREMENT_OVERFLOW = errorf('ERR decrement would overflow');

function decrby(c: Client, argv: string[]): Reply {
  const by = int64Arg(argv[2]);
  if (by === INT64_MIN) throw DECREMENT_OVERFLOW;
  return incrDecr(c, argv[1], -by);
}

function incrbyfloat(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const cur = db.lookupWrite(key);
  if (cur !== undefined && typeof cur !== 'string') throw WRONGTYPE;
  const result = addFloats(cur ?? '0', argv[2]);
  if (result instanceof IncrFloatFailure) throw result === RESULT_NOT_FINITE ? INCR_NAN_OR_INF : NOT_FLOAT;
  if (cur === undefined) db.add(key, result);
  else db.replace(key, result);
  db.notify('$', 'incrbyfloat', key);
  return result;
}

// ---- LCS --------------------------------------------------------------------------------------

const LCS_NOT_STRINGS = errorf('ERR The specified keys must contain string values');
const LCS_LEN_AND_IDX = errorf('ERR If you want both the length and indexes, please just use IDX.');
const LCS_TOO_BIG = errorf('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
const LCS_NO_MEMORY = errorf('ERR Insufficient memory, failed allocating transient memory for LCS');

function lcs(c: Client, argv: string[]): Reply {
  const db = c.db;
  const va = db.lookupRead(argv[1]);
  const vb = db.lookupRead(argv[2]);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    throw LCS_NOT_STRINGS;
  }
  const a = va ?? '';
  const b = vb ?? '';
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = keywordOf(argv[j]);
    if (opt === 'IDX') getIdx = true;
    else if (opt === 'LEN') getLen = true;
    else if (opt === 'WITHMATCHLEN') withMatchLen = true;
    else if (opt === 'MINMATCHLEN' && j < argv.length - 1) {
      const v = Number(int64Arg(argv[++j]));
      minMatchLen = v < 0 ? 0 : v;
    } else throw SYNTAX;
  }
  if (getIdx && getLen) throw LCS_LEN_AND_IDX;
  // Redis's table is (alen+1)*(blen+1) uint32 cells, refused beyond proto-max-bulk-len bytes.
  if ((a.length + 1) * (b.length + 1) * 4 > c.server.protoMaxBulkLen) throw LCS_TOO_BIG;
  let table: Uint32Array;
  try {
    table = lcsTable(a, b);
  } catch (e) {
    if (e instanceof RangeError) throw LCS_NO_MEMORY;
    throw e;
  }
  const total = table[table.length - 1];
  if (getLen) return total;
  const found = lcsMatches(a, b, table, getIdx ? minMatchLen : -1);
  if (!getIdx) return found.text;
  const matches: Reply[] = found.ranges.map((r) => {
    const entry: Reply[] = [
      [r.aStart, r.aEnd],
      [r.bStart, r.bEnd],
    ];
    if (withMatchLen) entry.push(r.aEnd - r.aStart + 1);
    return entry;
  });
  return new MapReply(['matches', matches, 'len', total]);
}

// ---- table ------------------------------------------------------------------------------------

export const stringCommands: CommandDef[] = [
  { name: 'append', summary: 'Adds bytes to the end of a string value, creating the key if needed.', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: append },
  { name: 'decr', summary: 'Subtracts one from the integer stored in a string.', arity: 2, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: decr },
  { name: 'decrby', summary: 'Subtracts the given amount from the integer stored in a string.', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: decrby },
  { name: 'get', summary: 'Reads the string value of a key.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@string', handler: get },
  { name: 'getdel', summary: 'Reads a string value and removes the key.', arity: 2, flags: 'write fast', keys: [1, 1, 1], acl: '@string', handler: getdel, propagate: propagateAsDel },
  { name: 'getex', summary: 'Reads a string value and optionally changes or clears its time to live.', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: '@string', handler: getex, propagate: propagateExpiry },
  { name: 'getrange', summary: 'Reads a slice of a string value by byte offsets.', arity: 4, flags: 'readonly', keys: [1, 1, 1], acl: '@string', handler: getrange },
  { name: 'getset', summary: 'Stores a new string value and answers with the previous one.', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: getset, propagate: propagateAsSet },
  { name: 'incr', summary: 'Adds one to the integer stored in a string.', arity: 2, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: incr },
  { name: 'incrby', summary: 'Adds the given amount to the integer stored in a string.', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: incrby },
  { name: 'incrbyfloat', summary: 'Adds a decimal amount to the number stored in a string.', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: incrbyfloat, propagate: propagateIncrByFloat },
  { name: 'lcs', summary: 'Finds the longest common subsequence of two string values.', arity: -3, flags: 'readonly', keys: [1, 2, 1], acl: '@string', handler: lcs },
  { name: 'mget', summary: 'Reads the string values of several keys at once.', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], acl: '@string', handler: mget },
  { name: 'mset', summary: 'Stores several key/value pairs in one step.', arity: -3, flags: 'write denyoom', keys: [1, -1, 2], acl: '@string', handler: mset },
  { name: 'msetnx', summary: 'Stores several key/value pairs only if none of the keys exists.', arity: -3, flags: 'write denyoom', keys: [1, -1, 2], acl: '@string', handler: msetnx },
  { name: 'psetex', summary: 'Stores a string value with a time to live in milliseconds.', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: '@string', handler: psetex, propagate: propagateSetWithExpire },
  { name: 'set', summary: 'Stores a string value, with optional conditions and expiry.', arity: -3, flags: 'write denyoom', keys: [1, 1, 1], acl: '@string', handler: set, propagate: propagateSet },
  { name: 'setex', summary: 'Stores a string value with a time to live in seconds.', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: '@string', handler: setex, propagate: propagateSetWithExpire },
  { name: 'setnx', summary: 'Stores a string value only if the key does not exist.', arity: 3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@string', handler: setnx },
  { name: 'setrange', summary: 'Overwrites part of a string value at a byte offset, padding with zero bytes.', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: '@string', handler: setrange },
  { name: 'strlen', summary: 'Answers the length in bytes of a string value.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@string', handler: strlen },
  { name: 'substr', summary: 'Reads a slice of a string value (older name of GETRANGE).', arity: 4, flags: 'readonly', keys: [1, 1, 1], acl: '@string', handler: getrange },
];
