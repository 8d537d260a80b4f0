// Set commands (Redis's "set" group), following t_set.c of Redis 7.0: replies (sets are RESP3
// sets), errors, keyspace events and intset/hashtable conversions.
import type { Client } from '../engine/client';
import { globMatch } from '../datatypes/glob';
import { SetValue } from '../datatypes/set';
import { SYNTAX, WRONGTYPE, errorf } from '../errors';
import { parseIntStrict } from '../resp/format';
import { Reply, SetReply } from '../resp/reply';
import { is, numkeysKeyPositions } from './args';
import { parseScanCursor } from './generic';
import { EMPTY_SCAN, parseScanOptions, pickDistinct, randomCountArg } from './hash';
import { CommandDef } from './registry';
import { propagateSpop } from '../persistence/propagation';

const MUST_BE_POSITIVE = errorf('ERR value is out of range, must be positive');
const NUMKEYS = errorf('ERR numkeys should be greater than 0');
const TOO_MANY_KEYS = errorf("ERR Number of keys can't be greater than number of args");
const LIMIT_NEGATIVE = errorf("ERR LIMIT can't be negative");

// ---- lookups --------------------------------------------------------------------------------

function readSet(c: Client, key: string): SetValue | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined || v instanceof SetValue) return v;
  throw WRONGTYPE;
}

function writeSet(c: Client, key: string): SetValue | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined || v instanceof SetValue) return v;
  throw WRONGTYPE;
}

function maxIntset(c: Client): number {
  return c.server.config.int('set-max-intset-entries');
}

/** A non-negative count (getPositiveLongFromObjectOrReply with Redis's message for both cases). */
function positiveArg(s: string, err = MUST_BE_POSITIVE): number {
  const v = parseIntStrict(s);
  if (v === null || v < 0) throw err;
  return Number(v);
}

// ---- SADD SREM SMOVE ------------------------------------------------------------------------

function sadd(c: Client, argv: string[]): Reply {
  const key = argv[1];
  let s = writeSet(c, key);
  if (s === undefined) {
    s = SetValue.for(argv[2]);
    c.db.add(key, s);
  }
  const max = maxIntset(c);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], max)) added++;
  if (added > 0) {
    c.db.touched(key);
    c.db.notify('s', 'sadd', key, added);
  }
  return added;
}

function srem(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === undefined) return 0;
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (!s.delete(argv[i])) continue;
    deleted++;
    if (s.size === 0) {
      c.db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted > 0) {
    c.db.touched(key);
    c.db.notify('s', 'srem', key, deleted);
    if (removed) c.db.notify('g', 'del', key, 0);
  }
  return deleted;
}

function smove(c: Client, argv: string[]): Reply {
  const [, from, to, member] = argv;
  const src = c.db.lookupWrite(from);
  const dst = c.db.lookupWrite(to);
  if (src === undefined) return 0;
  if (!(src instanceof SetValue) || (dst !== undefined && !(dst instanceof SetValue))) throw WRONGTYPE;
  if (src === dst) return src.has(member) ? 1 : 0;
  if (!src.delete(member)) return 0;
  c.db.notify('s', 'srem', from);
  if (src.size === 0) {
    c.db.delete(from);
    c.db.notify('g', 'del', from, 0);
  }
  let target = dst;
  if (target === undefined) {
    target = SetValue.for(member);
    c.db.add(to, target);
  }
  c.db.touched(from);
  if (target.add(member, maxIntset(c))) {
    c.db.touched(to);
    c.db.notify('s', 'sadd', to);
  }
  return 1;
}

// ---- reads ----------------------------------------------------------------------------------

function smembers(c: Client, argv: string[]): Reply {
  const s = readSet(c, argv[1]);
  return new SetReply(s === undefined ? [] : s.toArray());
}

function sismember(c: Client, argv: string[]): Reply {
  return readSet(c, argv[1])?.has(argv[2]) ? 1 : 0;
}

function smismember(c: Client, argv: string[]): Reply {
  const s = readSet(c, argv[1]);
  const out: number[] = new Array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out[i - 2] = s?.has(argv[i]) ? 1 : 0;
  return out;
}

function scard(c: Client, argv: string[]): Reply {
  return readSet(c, argv[1])?.size ?? 0;
}

// ---- SPOP SRANDMEMBER -----------------------------------------------------------------------

function spop(c: Client, argv: string[]): Reply {
  if (argv.length > 3) throw SYNTAX;
  if (argv.length === 3) return spopWithCount(c, argv[1], positiveArg(argv[2]));
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === undefined) return null;
  const member = s.random() as string;
  s.delete(member);
  c.db.notify('s', 'spop', key);
  if (s.size === 0) {
    c.db.delete(key);
    c.db.notify('g', 'del', key, 0);
  }
  c.db.touched(key);
  return member;
}

/** Redis's SPOP_MOVE_STRATEGY_MUL: when few members remain, rebuild the set from them. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spopWithCount(c: Client, key: string, count: number): Reply {
  const s = writeSet(c, key);
  if (s === undefined || count === 0) return new SetReply([]);
  const size = s.size;
  c.db.notify('s', 'spop', key, count);
  if (count >= size) {
    // The whole set, as Redis lists it: through a union into a fresh set (so an all-integer
    // set comes out sorted even after it became a hashtable).
    const all = unionOf([s], maxIntset(c));
    c.db.delete(key);
    c.db.notify('g', 'del', key, 0);
    return new SetReply(all.toArray());
  }
  const remaining = size - count;
  let popped: string[];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    popped = distinctMembers(s, count);
    for (const m of popped) s.delete(m);
  } else {
    // Few members stay: move them to a new set (whose encoding Redis picks afresh) and hand
    // the old one over to the client.
    const keep = distinctMembers(s, remaining);
    const fresh = SetValue.for(keep[0]);
    const max = maxIntset(c);
    for (const m of keep) {
      fresh.add(m, max);
      s.delete(m);
    }
    popped = s.toArray();
    c.db.replace(key, fresh);
  }
  c.db.touched(key);
  return new SetReply(popped);
}

/** `n` distinct random members, n < size: sample directly when n is small, else shuffle. */
function distinctMembers(s: SetValue, n: number): string[] {
  if (n * 3 > s.size) return pickDistinct(s.toArray(), n);
  const picked = new Set<string>();
  while (picked.size < n) picked.add(s.random() as string);
  return [...picked];
}

function srandmember(c: Client, argv: string[]): Reply {
  if (argv.length > 3) throw SYNTAX;
  if (argv.length === 2) return readSet(c, argv[1])?.random() ?? null;
  const n = Number(randomCountArg(argv[2]));
  const s = readSet(c, argv[1]);
  if (s === undefined || n === 0) return [];
  // Negative count: independent picks, repeats allowed.
  if (n < 0 || n === 1) {
    const out: string[] = new Array(Math.abs(n));
    for (let i = 0; i < out.length; i++) out[i] = s.random() as string;
    return out;
  }
  if (n >= s.size) return s.toArray();
  return distinctMembers(s, n);
}

// ---- SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE ----------------------

/** The sets at keys (undefined for missing ones); any other type is WRONGTYPE. */
function loadSets(c: Client, keys: string[], forWrite: boolean): (SetValue | undefined)[] {
  const out: (SetValue | undefined)[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = forWrite ? writeSet(c, keys[i]) : readSet(c, keys[i]);
  return out;
}

/**
 * Intersection, walking the smallest set and probing the others (Redis's algorithm, so an
 * intset-driven result comes out sorted). `visit` returns false to stop early (SINTERCARD LIMIT).
 */
function intersect(sets: SetValue[], visit: (m: string) => boolean): void {
  const bySize = sets.slice().sort((a, b) => a.size - b.size);
  const first = bySize[0];
  const rest = bySize.slice(1);
  let stop = false;
  first.forEach((m) => {
    if (stop) return;
    for (const other of rest) if (other !== first && !other.has(m)) return;
    if (!visit(m)) stop = true;
  });
}

function sinterGeneric(c: Client, keys: string[], dest: string | null): Reply {
  const loaded = loadSets(c, keys, dest !== null);
  if (loaded.some((s) => s === undefined)) {
    if (dest === null) return new SetReply([]);
    storeResult(c, dest, null, 'sinterstore');
    return 0;
  }
  const result = new SetValue(true);
  const max = maxIntset(c);
  intersect(loaded as SetValue[], (m) => {
    result.add(m, max);
    return true;
  });
  if (dest === null) return new SetReply(result.toArray());
  return storeResult(c, dest, result, 'sinterstore');
}

/** SINTERSTORE/SUNIONSTORE/SDIFFSTORE: store a non-empty result, or delete the destination. */
function storeResult(c: Client, dest: string, result: SetValue | null, event: string): number {
  if (result !== null && result.size > 0) {
    c.db.setKey(dest, result);
    c.db.notify('s', event, dest);
    return result.size;
  }
  if (c.db.delete(dest)) c.db.notify('g', 'del', dest);
  return 0;
}

function sinter(c: Client, argv: string[]): Reply {
  return sinterGeneric(c, argv.slice(1), null);
}

function sinterstore(c: Client, argv: string[]): Reply {
  return sinterGeneric(c, argv.slice(2), argv[1]);
}

function sintercard(c: Client, argv: string[]): Reply {
  const numkeys = positiveArg(argv[1], NUMKEYS);
  if (numkeys === 0) throw NUMKEYS;
  if (numkeys > argv.length - 2) throw TOO_MANY_KEYS;
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    if (is(argv[i], 'LIMIT') && i + 1 < argv.length) limit = positiveArg(argv[++i], LIMIT_NEGATIVE);
    else throw SYNTAX;
  }
  const loaded = loadSets(c, argv.slice(2, 2 + numkeys), false);
  if (loaded.some((s) => s === undefined)) return 0;
  let n = 0;
  intersect(loaded as SetValue[], () => ++n !== limit);
  return n;
}

/** The union of sets (missing ones skipped) as a fresh set, built like Redis's dstset. */
function unionOf(sets: (SetValue | undefined)[], max: number): SetValue {
  const result = new SetValue(true);
  for (const s of sets) s?.forEach((m) => result.add(m, max));
  return result;
}

/**
 * First set minus the others. Redis picks one of two algorithms by estimated work; we do the
 * same because the second one, by copying the whole first set, decides the result's encoding.
 */
function differenceOf(sets: (SetValue | undefined)[], max: number): SetValue {
  const result = new SetValue(true);
  const first = sets[0];
  // A later key naming the same set as the first makes the difference empty.
  if (first === undefined || sets.some((s, i) => i > 0 && s === first)) return result;
  let algoOneWork = 0;
  let algoTwoWork = 0;
  for (const s of sets) {
    if (s === undefined) continue;
    algoOneWork += first.size;
    algoTwoWork += s.size;
  }
  if (Math.floor(algoOneWork / 2) <= algoTwoWork) {
    const others = sets.slice(1).filter((s): s is SetValue => s !== undefined);
    others.sort((a, b) => b.size - a.size);
    first.forEach((m) => {
      for (const o of others) if (o.has(m)) return;
      result.add(m, max);
    });
    return result;
  }
  first.forEach((m) => result.add(m, max));
  for (let i = 1; i < sets.length && result.size > 0; i++) sets[i]?.forEach((m) => result.delete(m));
  return result;
}

function sunionDiff(c: Client, keys: string[], dest: string | null, diff: boolean): Reply {
  const sets = loadSets(c, keys, dest !== null);
  const max = maxIntset(c);
  const result = diff ? differenceOf(sets, max) : unionOf(sets, max);
  if (dest === null) return new SetReply(result.toArray());
  return storeResult(c, dest, result, diff ? 'sdiffstore' : 'sunionstore');
}

function sunion(c: Client, argv: string[]): Reply {
  return sunionDiff(c, argv.slice(1), null, false);
}

function sunionstore(c: Client, argv: string[]): Reply {
  return sunionDiff(c, argv.slice(2), argv[1], false);
}

function sdiff(c: Client, argv: string[]): Reply {
  return sunionDiff(c, argv.slice(1), null, true);
}

function sdiffstore(c: Client, argv: string[]): Reply {
  return sunionDiff(c, argv.slice(2), argv[1], true);
}

// ---- SSCAN ----------------------------------------------------------------------------------

function sscan(c: Client, argv: string[]): Reply {
  const cursor = parseScanCursor(argv[2]);
  const s = readSet(c, argv[1]);
  if (s === undefined) return EMPTY_SCAN();
  const { count, pattern } = parseScanOptions(argv);
  const found: string[] = [];
  const visit = (m: string) => {
    if (pattern === null || globMatch(pattern, m)) found.push(m);
  };
  // An intset is returned whole in one call, whatever the cursor, as Redis does.
  let next = 0;
  if (s.isCompact) s.forEach(visit);
  else next = s.scan(cursor, count, visit);
  return [String(next), found];
}

/** SINTERCARD numkeys key [key ...]: the key positions (Redis's keynum key spec). */
const sintercardKeys = numkeysKeyPositions(1);

export const setCommands: CommandDef[] = [
  { name: 'sadd', summary: 'Adds members to a set, creating it if needed; answers how many were new.', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@set', handler: sadd },
  { name: 'scard', summary: 'Counts the members of a set.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@set', handler: scard },
  { name: 'sdiff', summary: 'Members of the first set that are in none of the others.', arity: -2, flags: 'readonly', keys: [1, -1, 1], acl: '@set', handler: sdiff },
  { name: 'sdiffstore', summary: 'Stores the difference of sets in a destination key.', arity: -3, flags: 'write denyoom', keys: [1, -1, 1], acl: '@set', handler: sdiffstore },
  { name: 'sinter', summary: 'Members common to every given set.', arity: -2, flags: 'readonly', keys: [1, -1, 1], acl: '@set', handler: sinter },
  { name: 'sintercard', summary: 'Counts the members common to the given sets, optionally stopping at a limit.', arity: -3, flags: 'readonly movablekeys', acl: '@set', handler: sintercard, getKeys: sintercardKeys },
  { name: 'sinterstore', summary: 'Stores the intersection of sets in a destination key.', arity: -3, flags: 'write denyoom', keys: [1, -1, 1], acl: '@set', handler: sinterstore },
  { name: 'sismember', summary: 'Tells whether a value belongs to a set.', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@set', handler: sismember },
  { name: 'smembers', summary: 'Lists every member of a set.', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: '@set', handler: smembers },
  { name: 'smismember', summary: 'Tells, for each value, whether it belongs to a set.', arity: -3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@set', handler: smismember },
  { name: 'smove', summary: 'Moves a member from one set to another.', arity: 4, flags: 'write fast', keys: [1, 2, 1], acl: '@set', handler: smove },
  { name: 'spop', summary: 'Removes and returns random members of a set.', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: '@set', handler: spop, propagate: propagateSpop },
  { name: 'srandmember', summary: 'Returns random members of a set without removing them.', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: '@set', handler: srandmember },
  { name: 'srem', summary: 'Removes members from a set; the key goes when its last member does.', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@set', handler: srem },
  { name: 'sscan', summary: 'Walks the members of a set a few at a time with a cursor.', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: '@set', handler: sscan },
  { name: 'sunion', summary: 'Members found in any of the given sets.', arity: -2, flags: 'readonly', keys: [1, -1, 1], acl: '@set', handler: sunion },
  { name: 'sunionstore', summary: 'Stores the union of sets in a destination key.', arity: -3, flags: 'write denyoom', keys: [1, -1, 1], acl: '@set', handler: sunionstore },
];
