// Generic key commands (Redis's "generic" group): DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY
// RENAME RENAMENX COPY MOVE TOUCH, the EXPIRE/TTL family, PERSIST and OBJECT.
import type { Client } from '../engine/client';
import {
  DB_INDEX_OUT_OF_RANGE,
  INVALID_EXPIRE,
  NO_SUCH_KEY,
  SOURCE_DEST_SAME,
  SYNTAX,
  errorf,
  oneLine,
} from '../errors';
import { globMatch } from '../datatypes/glob';
import { stringEncoding } from '../datatypes/string-encoding';
import { MutableString } from '../datatypes/mutable-string';
import { Value, typeName } from '../datatypes/value';
import type { Db } from '../keyspace/db';
import { parseIntStrict } from '../resp/format';
import { OK, Reply, SimpleString } from '../resp/reply';
import { int32Arg, int64Arg, intArg, is } from './args';
import { CommandDef } from './registry';
import { propagateExpiry } from '../persistence/propagation';

// ---- lookups --------------------------------------------------------------------------------

/**
 * Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH): lazy expiry and hit/miss statistics, without
 * updating the key's access info (TYPE, EXISTS, TTL, OBJECT do not count as accesses).
 */
function lookupNoTouch(c: Client, db: Db, key: string): Value | undefined {
  const ks = c.server.keyspace;
  const saved = ks.noTouch;
  ks.noTouch = true;
  const v = db.lookupRead(key);
  ks.noTouch = saved;
  return v;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** An int64 reply for a value that may exceed 2^53 (expiry times near the int64 limit). */
function int64Reply(n: number): number | bigint {
  if (Number.isSafeInteger(n)) return n;
  const b = BigInt(Math.trunc(n));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

/** The database with index `arg` (COPY DB, MOVE): Redis's getIntFromObjectOrReply + selectDb. */
function dbArg(c: Client, arg: string): Db {
  const id = int32Arg(arg);
  const dbs = c.server.keyspace.dbs;
  if (id < 0 || id >= dbs.length) throw DB_INDEX_OUT_OF_RANGE;
  return dbs[id];
}

// ---- DEL UNLINK EXISTS TYPE TOUCH -----------------------------------------------------------

function del(c: Client, argv: string[]): Reply {
  return delGeneric(c, argv, c.server.keyspace.lazyfree.userDel);
}

/** UNLINK: DEL whose big values are freed after the command (src/keyspace/lazyfree.ts). */
function unlink(c: Client, argv: string[]): Reply {
  return delGeneric(c, argv, true);
}

function delGeneric(c: Client, argv: string[], lazy: boolean): Reply {
  const db = c.db;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i];
    // An expired key goes through expiry (event "expired") and does not count as deleted.
    db.expireIfNeeded(key);
    if (db.remove(key, lazy)) {
      db.notify('g', 'del', key);
      deleted++;
    }
  }
  return deleted;
}

function exists(c: Client, argv: string[]): Reply {
  let n = 0;
  // Repeated keys count every time, as in Redis.
  for (let i = 1; i < argv.length; i++) if (lookupNoTouch(c, c.db, argv[i]) !== undefined) n++;
  return n;
}

function type(c: Client, argv: string[]): Reply {
  const v = lookupNoTouch(c, c.db, argv[1]);
  return new SimpleString(v === undefined ? 'none' : typeName(v));
}

function touch(c: Client, argv: string[]): Reply {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i]) !== undefined) n++;
  return n;
}

// ---- KEYS SCAN RANDOMKEY --------------------------------------------------------------------

function keys(c: Client, argv: string[]): Reply {
  const pattern = argv[1];
  const all = pattern === '*';
  const db = c.db;
  const expires = db.expires;
  const now = c.server.keyspace.now();
  const out: string[] = [];
  // Like Redis, expired keys are skipped but not deleted here.
  db.dict.forEach((key) => {
    if (!all && !globMatch(pattern, key)) return;
    if (expires.size !== 0) {
      const when = expires.get(key);
      if (when !== undefined && when <= now) return;
    }
    out.push(key);
  });
  return out;
}

const INVALID_CURSOR = errorf('ERR invalid cursor');
const CURSOR_RE = /^[+-]?[0-9]+$/;
const ULONG_MAX = 18446744073709551615n;

/**
 * A SCAN cursor as Redis reads it (strtoul): optional sign, digits, nothing else, within 64 bits;
 * the empty string is cursor 0 and "-n" wraps around. Cursors beyond 2^53 cannot be ours and
 * simply point past the end.
 */
export function parseScanCursor(s: string): number {
  if (s.length === 0) return 0;
  if (!CURSOR_RE.test(s)) throw INVALID_CURSOR;
  if (s.length <= 15 && s.charCodeAt(0) !== 45) return Number(s);
  let v = BigInt(s[0] === '+' ? s.slice(1) : s);
  if (v > ULONG_MAX || v < -ULONG_MAX) throw INVALID_CURSOR;
  if (v < 0n) v = (ULONG_MAX + 1n + v) & ULONG_MAX;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

function scan(c: Client, argv: string[]): Reply {
  const cursor = parseScanCursor(argv[1]);
  let count = 10;
  let pattern: string | null = null;
  let wantType: string | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (hasValue && is(argv[i], 'COUNT')) {
      count = intArg(argv[i + 1]);
      if (count < 1) throw SYNTAX;
    } else if (hasValue && is(argv[i], 'MATCH')) {
      pattern = argv[i + 1] === '*' ? null : argv[i + 1];
    } else if (hasValue && is(argv[i], 'TYPE')) {
      wantType = argv[i + 1].toLowerCase();
    } else {
      throw SYNTAX;
    }
  }
  const db = c.db;
  const found: string[] = [];
  const next = db.dict.scan(cursor, count, (key) => found.push(key));
  // Filter after the walk, in Redis's order: pattern, type, expiry (expired keys are deleted).
  let w = 0;
  for (let i = 0; i < found.length; i++) {
    const key = found[i];
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (wantType !== null) {
      const v = lookupNoTouch(c, db, key);
      if ((v === undefined ? 'none' : typeName(v)) !== wantType) continue;
    }
    if (db.expires.size !== 0 && db.expireIfNeeded(key)) continue;
    found[w++] = key;
  }
  found.length = w;
  return [String(next), found];
}

function randomkey(c: Client): Reply {
  return c.db.randomKey() ?? null;
}

// ---- RENAME RENAMENX COPY MOVE --------------------------------------------------------------

function renameGeneric(c: Client, argv: string[], nx: boolean): Reply {
  const db = c.db;
  const src = argv[1];
  const dst = argv[2];
  const val = db.lookupWrite(src);
  if (val === undefined) throw NO_SUCH_KEY;
  // Renaming a key onto itself changes nothing, but the key must exist.
  if (src === dst) return nx ? 0 : OK;
  const expire = db.getExpire(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) return 0;
    db.delete(dst);
  }
  db.add(dst, val);
  if (expire !== -1) db.setExpire(dst, expire);
  db.delete(src);
  db.notify('g', 'rename_from', src);
  db.notify('g', 'rename_to', dst, 0);
  return nx ? 1 : OK;
}

function rename(c: Client, argv: string[]): Reply {
  return renameGeneric(c, argv, false);
}

function renamenx(c: Client, argv: string[]): Reply {
  return renameGeneric(c, argv, true);
}

function copy(c: Client, argv: string[]): Reply {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    if (is(argv[i], 'REPLACE')) {
      replace = true;
    } else if (is(argv[i], 'DB') && i + 1 < argv.length) {
      dst = dbArg(c, argv[++i]);
    } else {
      throw SYNTAX;
    }
  }
  const key = argv[1];
  const newKey = argv[2];
  if (c.server.cluster !== null && (src.id !== 0 || dst.id !== 0)) throw errorf('ERR Copying to another database is not allowed in cluster mode');
  if (src === dst && key === newKey) throw SOURCE_DEST_SAME;
  const val = src.lookupRead(key);
  if (val === undefined) return 0;
  const expire = src.getExpire(key);
  const taken = dst.lookupWrite(newKey) !== undefined;
  if (taken && !replace) return 0;
  // Strings are immutable JS strings and can be shared; collections are deep-copied.
  const dup = typeof val === 'string' ? val : val.clone();
  if (taken) dst.delete(newKey);
  dst.add(newKey, dup);
  if (expire !== -1) dst.setExpire(newKey, expire);
  dst.notify('g', 'copy_to', newKey);
  return 1;
}

function move(c: Client, argv: string[]): Reply {
  if (c.server.cluster !== null) throw errorf('ERR MOVE is not allowed in cluster mode');
  const src = c.db;
  const dst = dbArg(c, argv[2]);
  if (src === dst) throw SOURCE_DEST_SAME;
  const key = argv[1];
  const val = src.lookupWrite(key);
  if (val === undefined) return 0;
  const expire = src.getExpire(key);
  if (dst.lookupWrite(key) !== undefined) return 0;
  dst.add(key, val);
  if (expire !== -1) dst.setExpire(key, expire);
  src.delete(key);
  src.notify('g', 'move_from', key);
  dst.notify('g', 'move_to', key, 0);
  return 1;
}

// ---- EXPIRE family --------------------------------------------------------------------------

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

function parseExpireFlags(argv: string[]): number {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i];
    if (is(opt, 'NX')) flags |= EXPIRE_NX;
    else if (is(opt, 'XX')) flags |= EXPIRE_XX;
    else if (is(opt, 'GT')) flags |= EXPIRE_GT;
    else if (is(opt, 'LT')) flags |= EXPIRE_LT;
    else throw errorf(oneLine(`ERR Unsupported option ${opt}`));
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw errorf('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) throw errorf('ERR GT and LT options at the same time are not compatible');
  return flags;
}

/** Below this magnitude, seconds * 1000 + now stays an exact JS number. */
const SAFE_WHEN = 2 ** 40;

/**
 * The absolute expiry time in ms for an EXPIRE-family argument, with Redis's overflow checks
 * (int64 arithmetic; the error names the command as typed).
 */
function expireWhen(argv: string[], basetime: number, seconds: boolean): number {
  const raw = int64Arg(argv[2]);
  if (typeof raw === 'number' && raw > -SAFE_WHEN && raw < SAFE_WHEN) return (seconds ? raw * 1000 : raw) + basetime;
  let when = BigInt(raw);
  const overflow = () => INVALID_EXPIRE(argv[0].toLowerCase());
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) throw overflow();
    when *= 1000n;
  }
  if (when > INT64_MAX - BigInt(basetime)) throw overflow();
  return Number(when + BigInt(basetime));
}

function expireGeneric(c: Client, argv: string[], basetime: number, seconds: boolean): Reply {
  const flags = parseExpireFlags(argv);
  const when = expireWhen(argv, basetime, seconds);
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) === undefined) return 0;
  if (flags !== 0) {
    const current = db.getExpire(key);
    if (flags & EXPIRE_NX && current !== -1) return 0;
    if (flags & EXPIRE_XX && current === -1) return 0;
    // No TTL counts as an infinite one: GT never succeeds, LT always does.
    if (flags & EXPIRE_GT && (current === -1 || when <= current)) return 0;
    if (flags & EXPIRE_LT && current !== -1 && when >= current) return 0;
  }
  // One reading of the clock per command: a relative TTL of 1 ms is never "already past" because
  // the clock moved on between computing it and checking it (a GC pause on a loaded machine).
  const now = basetime !== 0 ? basetime : c.server.keyspace.now();
  if (when <= now && !c.server.keyspace.loading) {
    // A time in the past deletes the key at once (except while the AOF is replayed).
    db.delete(key);
    db.notify('g', 'del', key);
    return 1;
  }
  db.setExpire(key, when);
  db.notify('g', 'expire', key);
  return 1;
}

function expire(c: Client, argv: string[]): Reply {
  return expireGeneric(c, argv, c.server.keyspace.now(), true);
}

function pexpire(c: Client, argv: string[]): Reply {
  return expireGeneric(c, argv, c.server.keyspace.now(), false);
}

function expireat(c: Client, argv: string[]): Reply {
  return expireGeneric(c, argv, 0, true);
}

function pexpireat(c: Client, argv: string[]): Reply {
  return expireGeneric(c, argv, 0, false);
}

/** TTL PTTL EXPIRETIME PEXPIRETIME: -2 without key, -1 without TTL. */
function ttlGeneric(c: Client, key: string, ms: boolean, absolute: boolean): Reply {
  if (lookupNoTouch(c, c.db, key) === undefined) return -2;
  const when = c.db.getExpire(key);
  if (when === -1) return -1;
  let ttl = absolute ? when : when - c.server.keyspace.now();
  if (ttl < 0) ttl = 0;
  // Seconds are rounded to the nearest (C integer division of ttl + 500).
  return int64Reply(ms ? ttl : Math.trunc((ttl + 500) / 1000));
}

function ttl(c: Client, argv: string[]): Reply {
  return ttlGeneric(c, argv[1], false, false);
}

function pttl(c: Client, argv: string[]): Reply {
  return ttlGeneric(c, argv[1], true, false);
}

function expiretime(c: Client, argv: string[]): Reply {
  return ttlGeneric(c, argv[1], false, true);
}

function pexpiretime(c: Client, argv: string[]): Reply {
  return ttlGeneric(c, argv[1], true, true);
}

function persist(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) === undefined || !db.persist(key)) return 0;
  db.notify('g', 'persist', key);
  return 1;
}

// ---- OBJECT ---------------------------------------------------------------------------------

/** Redis keeps the integers 0..9999 as shared objects (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000;
/** The refcount Redis reports for shared objects (OBJ_SHARED_REFCOUNT = INT_MAX). */
const SHARED_REFCOUNT = 2147483647;

/** OBJECT's lookup: like lookupNoTouch but without the keymiss event (LOOKUP_NONOTIFY). */
function objectLookup(c: Client, key: string): Value | undefined {
  const v = c.db.peek(key);
  const stats = c.server.keyspace.stats;
  if (v === undefined) stats.keyspaceMisses++;
  else stats.keyspaceHits++;
  return v;
}

function objectEncoding(c: Client, argv: string[]): Reply {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return null;
  return encodingOf(c, argv[2], v);
}

/** OBJECT ENCODING of a present key's value (also DEBUG OBJECT). */
export function encodingOf(c: Client, key: string, v: Value): string {
  if (typeof v !== 'string') return v.encoding;
  // A bitmap or HLL edited in place (MutableString) is "raw", like Redis's unshared sds.
  return stringEncoding(v, c.db.dict.get(key) instanceof MutableString);
}

function objectRefcount(c: Client, argv: string[]): Reply {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return null;
  return refcountOf(c, v);
}

/** OBJECT REFCOUNT of a value (also DEBUG OBJECT): shared small integers report INT_MAX. */
export function refcountOf(c: Client, v: Value): number {
  if (typeof v !== 'string' || v.length > 4) return 1;
  const n = parseIntStrict(v);
  if (typeof n !== 'number' || n < 0 || n >= SHARED_INTEGERS) return 1;
  // Shared integers are not used when maxmemory evicts by LRU/LFU (each value keeps its own clock).
  const cfg = c.server.config;
  const policy = cfg.get('maxmemory-policy');
  const sharing = cfg.get('maxmemory') === '0' || !/-l[rf]u$/.test(policy);
  return sharing ? SHARED_REFCOUNT : 1;
}

function objectIdletime(c: Client, argv: string[]): Reply {
  const key = argv[2];
  if (objectLookup(c, key) === undefined) return null;
  const ks = c.server.keyspace;
  if (ks.lfu) {
    return errorf(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  return ks.idleSeconds(c.db.dict.getMark(key) ?? 0);
}

function objectFreq(c: Client, argv: string[]): Reply {
  const key = argv[2];
  if (objectLookup(c, key) === undefined) return null;
  const ks = c.server.keyspace;
  if (!ks.lfu) {
    return errorf(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  return ks.lfuCounter(c.db.dict.getMark(key) ?? 0);
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
].map((line) => new SimpleString(line));

function objectHelp(): Reply {
  return OBJECT_HELP;
}

export const genericCommands: CommandDef[] = [
  { name: 'copy', summary: 'Duplicates a key, optionally into another database.', arity: -3, flags: 'write denyoom', keys: [1, 2, 1], acl: '@keyspace', handler: copy },
  { name: 'del', summary: 'Removes keys; answers how many existed.', arity: -2, flags: 'write', keys: [1, -1, 1], acl: '@keyspace', handler: del },
  { name: 'exists', summary: 'Counts how many of the given keys exist (repeats count again).', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], acl: '@keyspace', handler: exists },
  { name: 'expire', summary: 'Gives a key a time to live in seconds.', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@keyspace', handler: expire, propagate: propagateExpiry },
  { name: 'expireat', summary: 'Makes a key expire at a Unix time in seconds.', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@keyspace', handler: expireat, propagate: propagateExpiry },
  { name: 'expiretime', summary: 'The Unix time in seconds at which a key expires.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@keyspace', handler: expiretime },
  { name: 'keys', summary: 'Lists every key matching a glob pattern.', arity: 2, flags: 'readonly', acl: '@keyspace @dangerous', handler: keys },
  { name: 'move', summary: 'Moves a key into another database.', arity: 3, flags: 'write fast', keys: [1, 1, 1], acl: '@keyspace', handler: move },
  {
    name: 'object',
    summary: 'Introspection of the value stored at a key.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'help', summary: 'Lists the OBJECT subcommands.', arity: 2, flags: 'loading stale', acl: '@keyspace', handler: objectHelp },
      { name: 'freq', summary: 'The logarithmic access-frequency counter of a key (LFU policies).', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: '@keyspace', handler: objectFreq },
      { name: 'idletime', summary: 'Seconds since a key was last accessed (LRU policies).', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: '@keyspace', handler: objectIdletime },
      { name: 'encoding', summary: 'The internal representation of the value at a key.', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: '@keyspace', handler: objectEncoding },
      { name: 'refcount', summary: 'How many references the value at a key has.', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: '@keyspace', handler: objectRefcount },
    ],
  },
  { name: 'persist', summary: 'Removes the time to live of a key.', arity: 2, flags: 'write fast', keys: [1, 1, 1], acl: '@keyspace', handler: persist },
  { name: 'pexpire', summary: 'Gives a key a time to live in milliseconds.', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@keyspace', handler: pexpire, propagate: propagateExpiry },
  { name: 'pexpireat', summary: 'Makes a key expire at a Unix time in milliseconds.', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@keyspace', handler: pexpireat, propagate: propagateExpiry },
  { name: 'pexpiretime', summary: 'The Unix time in milliseconds at which a key expires.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@keyspace', handler: pexpiretime },
  { name: 'pttl', summary: 'Remaining time to live of a key, in milliseconds.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@keyspace', handler: pttl },
  { name: 'randomkey', summary: 'Answers a key picked at random.', arity: 1, flags: 'readonly touches_arbitrary_keys', acl: '@keyspace', handler: randomkey },
  { name: 'rename', summary: 'Gives a key a new name, replacing any key of that name.', arity: 3, flags: 'write', keys: [1, 2, 1], acl: '@keyspace', handler: rename },
  { name: 'renamenx', summary: 'Renames a key only when the new name is free.', arity: 3, flags: 'write fast', keys: [1, 2, 1], acl: '@keyspace', handler: renamenx },
  { name: 'scan', summary: 'Walks the keyspace a few keys at a time with a cursor.', arity: -2, flags: 'readonly touches_arbitrary_keys', acl: '@keyspace', handler: scan },
  { name: 'touch', summary: 'Marks keys as accessed; answers how many exist.', arity: -2, flags: 'readonly fast', keys: [1, -1, 1], acl: '@keyspace', handler: touch },
  { name: 'ttl', summary: 'Remaining time to live of a key, in seconds.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@keyspace', handler: ttl },
  { name: 'type', summary: 'The type of the value stored at a key.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@keyspace', handler: type },
  { name: 'unlink', summary: 'Removes keys, freeing their memory in the background; answers how many existed.', arity: -2, flags: 'write fast', keys: [1, -1, 1], acl: '@keyspace', handler: unlink },
];
