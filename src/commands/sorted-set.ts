// Sorted-set commands (Redis's t_zset.c). Every write parses all of its arguments before it
// touches the keyspace; emptied sets are deleted; events and replies follow Redis 7.0.
import type { Client } from '../engine/client';
import { WRONGTYPE, SYNTAX, NOT_INTEGER, ReplyError, errorf } from '../errors';
import type { Db } from '../keyspace/db';
import { globMatch } from '../datatypes/glob';
import { Value } from '../datatypes/value';
import {
  ListpackLimits,
  LexRange,
  ScoreRange,
  ZEntry,
  ZSet,
  ZADD_GT,
  ZADD_INCR,
  ZADD_LT,
  ZADD_NX,
  ZADD_XX,
} from '../datatypes/zset';
import { DoubleReply, NULL_ARRAY, Reply } from '../resp/reply';
import { formatDouble, parseIntStrict } from '../resp/format';
import { is, numkeysKeyPositions } from './args';
import { blockOnKeys, timeoutArg } from '../engine/blocking';
import { CommandDef } from './registry';
import { parseLexRange, parseScoreRange, zscoreArg } from './zset-parse';
import { propagateAsPop, propagateMpop } from '../persistence/propagation';

// ---------------------------------------------------------------------------------------------
// Shared helpers

const NAN_SCORE = errorf('ERR resulting score is not a number (NaN)');
const POSITIVE = errorf('ERR value is out of range, must be positive');
const EMPTY_SCAN: Reply = ['0', []];
const NO_LIMITS: ListpackLimits = { maxEntries: Infinity, maxValue: Infinity };

export function zsetLimits(c: Client): ListpackLimits {
  const cfg = c.server.config;
  return { maxEntries: cfg.int('zset-max-listpack-entries'), maxValue: cfg.int('zset-max-listpack-value') };
}

/** The sorted set at key for reading, undefined when missing; WRONGTYPE for other types. */
export function readZset(db: Db, key: string): ZSet | undefined {
  const v = db.lookupRead(key);
  if (v === undefined) return undefined;
  if (!(v instanceof ZSet)) throw WRONGTYPE;
  return v;
}

export function writeZset(db: Db, key: string): ZSet | undefined {
  const v = db.lookupWrite(key);
  if (v === undefined) return undefined;
  if (!(v instanceof ZSet)) throw WRONGTYPE;
  return v;
}

/** Deletes the key when the set was emptied (the deletion itself signals WATCH and tracking). */
function deleteIfEmpty(db: Db, key: string, z: ZSet): boolean {
  if (z.size !== 0) return false;
  db.delete(key);
  return true;
}

/** A C long argument (getLongFromObjectOrReply). */
function longArg(s: string, err: ReplyError = NOT_INTEGER): number {
  const v = parseIntStrict(s);
  if (v === null) throw err;
  return Number(v);
}

/** getPositiveLongFromObjectOrReply: non-integers and negatives give the same error. */
function positiveArg(s: string, err: ReplyError = POSITIVE): number {
  const v = parseIntStrict(s);
  if (v === null || v < 0) throw err;
  return Number(v);
}

const PREALLOCATE_MAX = 4096;

/** Collects [member, score] output: flat in RESP2, pairs in RESP3. */
class ScoredOut {
  readonly items: Reply[];
  private n = 0;
  /** `expected`: how many elements will be added when known (a rank range), sized once. */
  constructor(
    private readonly withScores: boolean,
    private readonly nested: boolean,
    expected = 0,
  ) {
    // Sized once up to a bound: V8 makes a larger `new Array(n)` a slow dictionary array.
    const slots = withScores && !nested ? expected * 2 : expected;
    this.items = slots > 0 && slots <= PREALLOCATE_MAX ? new Array<Reply>(slots) : [];
  }
  add(member: string, score: number): void {
    const items = this.items;
    if (!this.withScores) items[this.n++] = member;
    else if (this.nested) items[this.n++] = [member, new DoubleReply(score)];
    else {
      items[this.n++] = member;
      items[this.n++] = new DoubleReply(score);
    }
  }
  /** The reply: exactly the elements added. */
  done(): Reply[] {
    if (this.items.length !== this.n) this.items.length = this.n;
    return this.items;
  }
}

function out(c: Client, withScores: boolean, expected = 0): ScoredOut {
  return new ScoredOut(withScores, c.protocol === 3, expected);
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY

function zaddGeneric(c: Client, argv: string[], baseFlags: number): Reply {
  let flags = baseFlags;
  let ch = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const o = argv[i];
    if (is(o, 'NX')) flags |= ZADD_NX;
    else if (is(o, 'XX')) flags |= ZADD_XX;
    else if (is(o, 'CH')) ch = true;
    else if (is(o, 'INCR')) flags |= ZADD_INCR;
    else if (is(o, 'GT')) flags |= ZADD_GT;
    else if (is(o, 'LT')) flags |= ZADD_LT;
    else break;
  }
  const pairs = argv.length - i;
  if (pairs === 0 || pairs % 2 !== 0) throw SYNTAX;
  const nx = flags & ZADD_NX;
  const incr = (flags & ZADD_INCR) !== 0;
  if (nx && flags & ZADD_XX) throw errorf('ERR XX and NX options at the same time are not compatible');
  if ((nx && flags & (ZADD_GT | ZADD_LT)) || (flags & ZADD_GT && flags & ZADD_LT)) {
    throw errorf('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && pairs > 2) throw errorf('ERR INCR option supports a single increment-element pair');
  const n = pairs / 2;
  const scores = new Array<number>(n);
  for (let j = 0; j < n; j++) scores[j] = zscoreArg(argv[i + 2 * j]);

  const db = c.db;
  const key = argv[1];
  let z = writeZset(db, key);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let nanError = false;
  const created = z === undefined && !(flags & ZADD_XX);
  if (created) {
    z = new ZSet();
    db.add(key, z);
  }
  // ZADD INCR takes one pair: its reply is the member's new score as computed (a listpack
  // then stores -0 as 0, but the reply says -0 as Redis's does).
  let incrScore = 0;
  if (z !== undefined) {
    const limits = zsetLimits(c);
    if (incr) {
      const cur = z.score(argv[i + 1]);
      incrScore = cur === undefined ? scores[0] : scores[0] + cur;
    }
    for (let j = 0; j < n; j++) {
      const r = z.add(argv[i + 2 * j + 1], scores[j], flags, limits);
      if (r === 'nan') {
        nanError = true;
        break;
      }
      if (r === 'added') added++;
      else if (r === 'updated') updated++;
      if (r !== 'nop') processed++;
    }
    if (added + updated > 0) {
      if (!created) db.touched(key);
      db.notify('z', incr ? 'zincr' : 'zadd', key, added + updated);
    }
  }
  if (nanError) throw NAN_SCORE;
  if (incr) return processed > 0 ? new DoubleReply(incrScore) : null;
  return ch ? added + updated : added;
}

function zadd(c: Client, argv: string[]): Reply {
  return zaddGeneric(c, argv, 0);
}

function zincrby(c: Client, argv: string[]): Reply {
  return zaddGeneric(c, argv, ZADD_INCR);
}

// ---------------------------------------------------------------------------------------------
// Simple reads and removal

function zcard(c: Client, argv: string[]): Reply {
  return readZset(c.db, argv[1])?.size ?? 0;
}

function zscore(c: Client, argv: string[]): Reply {
  const s = readZset(c.db, argv[1])?.score(argv[2]);
  return s === undefined ? null : new DoubleReply(s);
}

function zmscore(c: Client, argv: string[]): Reply {
  const z = readZset(c.db, argv[1]);
  const res: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i]);
    res.push(s === undefined ? null : new DoubleReply(s));
  }
  return res;
}

function rankCommand(reverse: boolean) {
  return (c: Client, argv: string[]): Reply => readZset(c.db, argv[1])?.rank(argv[2], reverse) ?? null;
}

function zcount(c: Client, argv: string[]): Reply {
  const r = parseScoreRange(argv[2], argv[3]);
  return readZset(c.db, argv[1])?.countInScoreRange(r) ?? 0;
}

function zlexcount(c: Client, argv: string[]): Reply {
  const r = parseLexRange(argv[2], argv[3]);
  return readZset(c.db, argv[1])?.countInLexRange(r) ?? 0;
}

function zrem(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const z = writeZset(db, key);
  if (z === undefined) return 0;
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (z.delete(argv[i])) deleted++;
    if (z.size === 0) break;
  }
  if (deleted > 0) {
    const removed = deleteIfEmpty(db, key, z);
    if (!removed) db.touched(key);
    db.notify('z', 'zrem', key, deleted);
    if (removed) db.notify('g', 'del', key, 0);
  }
  return deleted;
}

type RangeKind = 'rank' | 'score' | 'lex';

function zremrange(kind: RangeKind) {
  const event = kind === 'rank' ? 'zremrangebyrank' : kind === 'score' ? 'zremrangebyscore' : 'zremrangebylex';
  return (c: Client, argv: string[]): Reply => {
    let start = 0;
    let end = 0;
    let score: ScoreRange | undefined;
    let lex: LexRange | undefined;
    if (kind === 'rank') {
      start = longArg(argv[2]);
      end = longArg(argv[3]);
    } else if (kind === 'score') score = parseScoreRange(argv[2], argv[3]);
    else lex = parseLexRange(argv[2], argv[3]);
    const db = c.db;
    const key = argv[1];
    const z = writeZset(db, key);
    if (z === undefined) return 0;
    let deleted: number;
    if (kind === 'rank') {
      const len = z.size;
      if (start < 0) start += len;
      if (end < 0) end += len;
      if (start < 0) start = 0;
      if (start > end || start >= len) return 0;
      if (end >= len) end = len - 1;
      deleted = z.deleteRangeByRank(start, end);
    } else if (score) deleted = z.deleteRangeByScore(score);
    else deleted = z.deleteRangeByLex(lex!);
    if (deleted > 0) {
      const removed = deleteIfEmpty(db, key, z);
      if (!removed) db.touched(key);
      db.notify('z', event, key, deleted);
      if (removed) db.notify('g', 'del', key, 0);
    }
    return deleted;
  };
}

// ---------------------------------------------------------------------------------------------
// ZRANGE family

interface RangeRequest {
  kind: RangeKind;
  reverse: boolean;
  withScores: boolean;
  start: number;
  end: number;
  score?: ScoreRange;
  lex?: LexRange;
  offset: number;
  limit: number;
}

/**
 * Parses `<key> <min> <max> [options]` from argv[at] (zrangeGenericCommand). `kind`/`rev` are
 * fixed by legacy commands (ZRANGEBYSCORE...) and chosen by options for ZRANGE/ZRANGESTORE.
 */
function parseRange(argv: string[], at: number, store: boolean, kind: RangeKind | null, rev: boolean | null): RangeRequest {
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = at + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const o = argv[j];
    if (!store && is(o, 'WITHSCORES')) withScores = true;
    else if (is(o, 'LIMIT') && left >= 2) {
      offset = longArg(argv[j + 1]);
      limit = longArg(argv[j + 2]);
      j += 2;
    } else if (rev === null && is(o, 'REV')) rev = true;
    else if (kind === null && is(o, 'BYLEX')) kind = 'lex';
    else if (kind === null && is(o, 'BYSCORE')) kind = 'score';
    else throw SYNTAX;
  }
  const reverse = rev ?? false;
  const k = kind ?? 'rank';
  if (limit !== -1 && k === 'rank') {
    throw errorf('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withScores && k === 'lex') throw errorf('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  // Reverse score and lex ranges are written max first.
  const minArg = reverse && k !== 'rank' ? argv[at + 2] : argv[at + 1];
  const maxArg = reverse && k !== 'rank' ? argv[at + 1] : argv[at + 2];
  const req: RangeRequest = { kind: k, reverse, withScores, start: 0, end: 0, offset, limit };
  if (k === 'rank') {
    req.start = longArg(minArg);
    req.end = longArg(maxArg);
  } else if (k === 'score') req.score = parseScoreRange(minArg, maxArg);
  else req.lex = parseLexRange(minArg, maxArg);
  return req;
}

/** How many elements the rank range start..end (negative: from the end) selects in a set of len. */
function rankCount(len: number, start: number, end: number): number {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return 0;
  if (end >= len) end = len - 1;
  return end - start + 1;
}

/** Visits the requested range of z in reply order. */
function visitRange(z: ZSet, q: RangeRequest, emit: (member: string, score: number) => void): void {
  if (q.kind === 'rank') {
    const len = z.size;
    let start = q.start;
    let end = q.end;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return;
    if (end >= len) end = len - 1;
    let count = end - start + 1;
    z.walkRank(start, q.reverse, (m, sc) => {
      emit(m, sc);
      return --count > 0;
    });
    return;
  }
  const offset = q.offset;
  // A negative offset walks off the end, as in Redis.
  if (offset < 0 || (offset > 0 && offset >= z.size)) return;
  let limit = q.limit;
  if (limit === 0) return;
  if (q.kind === 'score') {
    const r = q.score!;
    z.walkScore(r, q.reverse, offset, (m, sc) => {
      if (q.reverse ? !scoreGte(sc, r) : !scoreLte(sc, r)) return false;
      emit(m, sc);
      return --limit !== 0;
    });
  } else {
    const r = q.lex!;
    z.walkLex(r, q.reverse, offset, (m, sc) => {
      if (q.reverse ? !lexGte(m, r) : !lexLte(m, r)) return false;
      emit(m, sc);
      return --limit !== 0;
    });
  }
}

function scoreGte(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
function scoreLte(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}
function lexGte(v: string, r: LexRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
function lexLte(v: string, r: LexRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

function rangeCommand(kind: RangeKind | null, rev: boolean | null) {
  return (c: Client, argv: string[]): Reply => {
    const q = parseRange(argv, 1, false, kind, rev);
    const z = readZset(c.db, argv[1]);
    if (z === undefined) return [];
    const o = out(c, q.withScores, q.kind === 'rank' ? rankCount(z.size, q.start, q.end) : 0);
    visitRange(z, q, (m, sc) => o.add(m, sc));
    return o.done();
  };
}

/** Stores a computed result at dst (or deletes dst when empty); replies with its size. */
function storeResult(c: Client, dst: string, z: ZSet, event: string): number {
  const db = c.db;
  if (z.size > 0) {
    db.setKey(dst, z);
    db.notify('z', event, dst);
    return z.size;
  }
  if (db.delete(dst)) db.notify('g', 'del', dst);
  return 0;
}

function zrangestore(c: Client, argv: string[]): Reply {
  const q = parseRange(argv, 2, true, null, null);
  const z = readZset(c.db, argv[2]);
  const limits = zsetLimits(c);
  const dst = new ZSet();
  if (z !== undefined) visitRange(z, q, (m, sc) => dst.set(m, sc, limits));
  return storeResult(c, argv[1], dst, 'zrangestore');
}

// ---------------------------------------------------------------------------------------------
// Pops

/** Pops up to count from z (already known non-empty), emitting events; deletes when emptied. */
function popFrom(c: Client, key: string, z: ZSet, max: boolean, count: number, visit: (n: ZEntry) => void): void {
  const db = c.db;
  let popped = 0;
  while (popped < count) {
    const n = z.pop(max);
    if (n === null) break;
    visit(n);
    popped++;
  }
  const removed = deleteIfEmpty(db, key, z);
  if (!removed) db.touched(key);
  db.notify('z', max ? 'zpopmax' : 'zpopmin', key, popped);
  if (removed) db.notify('g', 'del', key, 0);
}

function zpop(max: boolean) {
  return (c: Client, argv: string[]): Reply => {
    if (argv.length > 3) throw SYNTAX;
    const count = argv.length === 3 ? positiveArg(argv[2]) : -1;
    const key = argv[1];
    const z = writeZset(c.db, key);
    if (z === undefined || count === 0) return [];
    const o = new ScoredOut(true, c.protocol === 3 && count !== -1);
    popFrom(c, key, z, max, count === -1 ? 1 : count, (n) => o.add(n.member, n.score));
    return o.done();
  };
}

export interface MpopRequest {
  keys: string[];
  max: boolean;
  count: number;
}

/** Parses `numkeys key... MIN|MAX [COUNT n]` starting at argv[at] (ZMPOP, BZMPOP). */
export function parseMpop(argv: string[], at: number): MpopRequest {
  const numErr = errorf('ERR numkeys should be greater than 0');
  const numkeys = longArg(argv[at], numErr);
  if (numkeys < 1) throw numErr;
  const whereAt = at + numkeys + 1;
  if (whereAt >= argv.length) throw SYNTAX;
  let max: boolean;
  if (is(argv[whereAt], 'MIN')) max = false;
  else if (is(argv[whereAt], 'MAX')) max = true;
  else throw SYNTAX;
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'COUNT') && j + 1 < argv.length) {
      const cntErr = errorf('ERR count should be greater than 0');
      count = longArg(argv[++j], cntErr);
      if (count < 1) throw cntErr;
    } else throw SYNTAX;
  }
  return { keys: argv.slice(at + 1, whereAt), max, count: count === -1 ? 1 : count };
}

/** The first non-empty set among keys popped as [key, [[member, score]...]]; undefined if none. */
export function mpopFirst(c: Client, keys: string[], max: boolean, count: number): Reply | undefined {
  for (const key of keys) {
    const z = writeZset(c.db, key);
    if (z === undefined || z.size === 0) continue;
    const o = new ScoredOut(true, true);
    popFrom(c, key, z, max, count, (n) => o.add(n.member, n.score));
    return [key, o.done()];
  }
  return undefined;
}

/** BZPOPMIN/BZPOPMAX's reply from the first non-empty key: [key, member, score]. */
export function popOneWithKey(c: Client, keys: string[], max: boolean): Reply | undefined {
  for (const key of keys) {
    const z = writeZset(c.db, key);
    if (z === undefined || z.size === 0) continue;
    const res: Reply[] = [key];
    popFrom(c, key, z, max, 1, (n) => res.push(n.member, new DoubleReply(n.score)));
    return res;
  }
  return undefined;
}

function zmpop(c: Client, argv: string[]): Reply {
  const q = parseMpop(argv, 1);
  return mpopFirst(c, q.keys, q.max, q.count) ?? NULL_ARRAY;
}

// ---------------------------------------------------------------------------------------------
// Blocking pops: answer at once when a key has members, otherwise wait (blocked.c). Inside
// MULTI/EXEC blockOnKeys answers with the timeout reply at once.

const timedOut = (): Reply => NULL_ARRAY;

/** The set at key when it can serve a waiter now (a non-empty zset), else undefined. */
function servable(db: Db, key: string): ZSet | undefined {
  const v = db.lookupWrite(key);
  return v instanceof ZSet && v.size !== 0 ? v : undefined;
}

function bzpop(max: boolean) {
  return (c: Client, argv: string[]): Reply => {
    const deadline = timeoutArg(c, argv[argv.length - 1]);
    const keys = argv.slice(1, -1);
    const now = popOneWithKey(c, keys, max);
    if (now !== undefined) return now;
    const db = c.db;
    return blockOnKeys(c, db, keys, deadline, (key) => (servable(db, key) ? popOneWithKey(c, [key], max) : undefined), timedOut);
  };
}

function bzmpop(c: Client, argv: string[]): Reply {
  const q = parseMpop(argv, 2);
  const deadline = timeoutArg(c, argv[1]);
  const now = mpopFirst(c, q.keys, q.max, q.count);
  if (now !== undefined) return now;
  const db = c.db;
  return blockOnKeys(c, db, q.keys, deadline, (key) => (servable(db, key) ? mpopFirst(c, [key], q.max, q.count) : undefined), timedOut);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

function zrandmember(c: Client, argv: string[]): Reply {
  if (argv.length === 2) {
    const z = readZset(c.db, argv[1]);
    return z === undefined ? null : z.random()!.member;
  }
  const count = parseIntStrict(argv[2]);
  if (count === null) throw NOT_INTEGER;
  if (typeof count === 'bigint' && count < -9223372036854775807n) {
    throw errorf('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  }
  let withScores = false;
  if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'WITHSCORES'))) throw SYNTAX;
  const l = Number(count);
  if (argv.length === 4) {
    withScores = true;
    if (count < -4611686018427387903n || count > 4611686018427387903n) throw errorf('ERR value is out of range');
  }
  const z = readZset(c.db, argv[1]);
  if (z === undefined || l === 0) return [];
  const o = out(c, withScores);
  const size = z.size;
  if (l < 0 || l === 1) {
    // With repetitions (or a single pick): independent uniform draws, in random order.
    const n = Math.abs(l);
    for (let i = 0; i < n; i++) {
      const e = z.random()!;
      o.add(e.member, e.score);
    }
    return o.done();
  }
  if (l >= size) {
    // The whole set; Redis's set iterator walks it from the highest element down.
    z.walkRank(0, true, (m, sc) => (o.add(m, sc), true));
    return o.done();
  }
  if (z.encoding === 'listpack') {
    // Redis samples a listpack in order: selection sampling keeps that order.
    let need = l;
    let left = size;
    z.walkRank(0, false, (m, sc) => {
      if (Math.random() * left-- < need) {
        o.add(m, sc);
        need--;
      }
      return need > 0;
    });
    return o.done();
  }
  const picked = new Set<string>();
  if (l * 3 > size) {
    // Close to the whole set: drop random members until count remain.
    const all: ZEntry[] = [...z];
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    for (let i = 0; i < l; i++) o.add(all[i].member, all[i].score);
    return o.done();
  }
  while (picked.size < l) {
    const e = z.random()!;
    if (picked.has(e.member)) continue;
    picked.add(e.member);
    o.add(e.member, e.score);
  }
  return o.done();
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF and their STORE forms, ZINTERCARD

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** A plain set used as an input: every member scores 1. */
interface SetLike {
  readonly type: string;
  readonly size: number;
  has(member: string): boolean;
  forEach(visit: (member: string) => void): void;
}

interface Source {
  /** undefined for a missing key. */
  value: ZSet | SetLike | undefined;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.value?.size ?? 0;
}

function sourceScore(s: Source, member: string): number | undefined {
  const v = s.value;
  if (v === undefined) return undefined;
  if (v instanceof ZSet) return v.score(member);
  return v.has(member) ? 1 : undefined;
}

function forEachSource(s: Source, visit: (member: string, score: number) => void): void {
  const v = s.value;
  if (v === undefined) return;
  if (v instanceof ZSet) v.forEach(visit);
  else v.forEach((m) => visit(m, 1));
}

function aggregate(target: number, val: number, agg: Aggregate): number {
  if (agg === 'sum') {
    const r = target + val;
    // inf + -inf: Redis's convention is 0.
    return Number.isNaN(r) ? 0 : r;
  }
  if (agg === 'min') return val < target ? val : target;
  return val > target ? val : target;
}

interface SetOpRequest {
  sources: Source[];
  agg: Aggregate;
  withScores: boolean;
  limit: number;
}

/** zunionInterDiffGenericCommand's parsing: numkeys, keys (type checked first), options. */
function parseSetOp(c: Client, argv: string[], at: number, op: SetOp, store: boolean, cardOnly: boolean): SetOpRequest {
  const numkeys = longArg(argv[at]);
  if (numkeys < 1) throw errorf(`ERR at least 1 input key is needed for '${argv[0].toLowerCase()}' command`);
  if (numkeys > argv.length - at - 1) throw SYNTAX;
  const sources: Source[] = [];
  let j = at + 1;
  for (let i = 0; i < numkeys; i++, j++) {
    const v: Value | undefined = store ? c.db.lookupWrite(argv[j]) : c.db.lookupRead(argv[j]);
    if (v !== undefined && !(v instanceof ZSet) && (typeof v === 'string' || v.type !== 'set')) throw WRONGTYPE;
    sources.push({ value: v as ZSet | SetLike | undefined, weight: 1 });
  }
  let agg: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const left = argv.length - j;
    const o = argv[j];
    if (op !== 'diff' && !cardOnly && left >= numkeys + 1 && is(o, 'WEIGHTS')) {
      j++;
      for (let i = 0; i < numkeys; i++, j++) sources[i].weight = zscoreArg(argv[j], errorf('ERR weight value is not a float'));
    } else if (op !== 'diff' && !cardOnly && left >= 2 && is(o, 'AGGREGATE')) {
      const a = argv[j + 1];
      if (is(a, 'SUM')) agg = 'sum';
      else if (is(a, 'MIN')) agg = 'min';
      else if (is(a, 'MAX')) agg = 'max';
      else throw SYNTAX;
      j += 2;
    } else if (!store && !cardOnly && is(o, 'WITHSCORES')) {
      withScores = true;
      j++;
    } else if (cardOnly && left >= 2 && is(o, 'LIMIT')) {
      limit = positiveArg(argv[j + 1], errorf("ERR LIMIT can't be negative"));
      j += 2;
    } else throw SYNTAX;
  }
  return { sources, agg, withScores, limit };
}

/** Computes the operation into a sorted member list handed to `insert` (unordered is fine). */
function computeSetOp(op: SetOp, q: SetOpRequest, insert: (member: string, score: number) => void): void {
  const src = q.sources;
  if (op === 'diff') {
    const first = src[0];
    if (sourceSize(first) === 0) return;
    forEachSource(first, (m, s) => {
      for (let i = 1; i < src.length; i++) if (sourceScore(src[i], m) !== undefined) return;
      insert(m, s);
    });
    return;
  }
  // Smallest inputs first (a stable sort, like glibc's qsort here): it fixes the order in which
  // scores are combined, which matters for floating point sums.
  const sorted = [...src].sort((a, b) => sourceSize(a) - sourceSize(b));
  if (op === 'inter') {
    const first = sorted[0];
    if (sourceSize(first) === 0) return;
    forEachSource(first, (m, s) => {
      let score = first.weight * s;
      if (Number.isNaN(score)) score = 0;
      for (let i = 1; i < sorted.length; i++) {
        const other = sorted[i].value === first.value ? s : sourceScore(sorted[i], m);
        if (other === undefined) return;
        score = aggregate(score, other * sorted[i].weight, q.agg);
      }
      insert(m, score);
    });
    return;
  }
  const acc = new Map<string, number>();
  for (const s of sorted) {
    forEachSource(s, (m, v) => {
      let score = s.weight * v;
      if (Number.isNaN(score)) score = 0;
      const prev = acc.get(m);
      acc.set(m, prev === undefined ? score : aggregate(prev, score, q.agg));
    });
  }
  for (const [m, v] of acc) insert(m, v);
}

function setOpCommand(op: SetOp) {
  return (c: Client, argv: string[]): Reply => {
    const q = parseSetOp(c, argv, 1, op, false, false);
    const tmp = new ZSet('skiplist');
    computeSetOp(op, q, (m, s) => tmp.set(m, s, NO_LIMITS));
    const o = out(c, q.withScores);
    tmp.forEach((m, s) => o.add(m, s));
    return o.done();
  };
}

function setOpStoreCommand(op: SetOp) {
  return (c: Client, argv: string[]): Reply => {
    const q = parseSetOp(c, argv, 2, op, true, false);
    const dst = ZSet.fromSorted(zsetLimits(c), (insert) => computeSetOp(op, q, insert));
    return storeResult(c, argv[1], dst, `z${op}store`);
  };
}

function zintercard(c: Client, argv: string[]): Reply {
  const q = parseSetOp(c, argv, 1, 'inter', false, true);
  const src = [...q.sources].sort((a, b) => sourceSize(a) - sourceSize(b));
  const first = src[0];
  let card = 0;
  if (sourceSize(first) === 0) return 0;
  // Iterate the smallest input, stopping at LIMIT.
  const members: string[] = [];
  forEachSource(first, (m) => members.push(m));
  for (const m of members) {
    let inAll = true;
    for (let i = 1; i < src.length && inAll; i++) inAll = src[i].value === first.value || sourceScore(src[i], m) !== undefined;
    if (!inAll) continue;
    card++;
    if (q.limit > 0 && card >= q.limit) break;
  }
  return card;
}

// ---------------------------------------------------------------------------------------------
// ZSCAN

const INVALID_CURSOR = errorf('ERR invalid cursor');

/** strtoul as Redis's parseScanCursorOrReply uses it ("" is 0, "-1" wraps). */
function scanCursor(s: string): number {
  if (s.length === 0) return 0;
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (m === null) throw INVALID_CURSOR;
  let v = BigInt(m[2]);
  if (v > 18446744073709551615n) throw INVALID_CURSOR;
  if (m[1] === '-' && v !== 0n) v = 18446744073709551616n - v;
  return Number(v);
}

function zscan(c: Client, argv: string[]): Reply {
  const cursor = scanCursor(argv[2]);
  const z = readZset(c.db, argv[1]);
  if (z === undefined) return EMPTY_SCAN;
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; i += 2) {
    const left = argv.length - i;
    if (is(argv[i], 'COUNT') && left >= 2) {
      count = longArg(argv[i + 1]);
      if (count < 1) throw SYNTAX;
    } else if (is(argv[i], 'MATCH') && left >= 2) {
      pattern = argv[i + 1] === '*' ? null : argv[i + 1];
    } else throw SYNTAX;
  }
  const items: Reply[] = [];
  const visit = (m: string, s: number) => {
    if (pattern === null || globMatch(pattern, m)) items.push(m, formatDouble(s));
  };
  if (z.encoding === 'listpack') {
    // Small sets come back whole, in order, like Redis's listpack scan.
    z.forEach(visit);
    return ['0', items];
  }
  const next = z.scan(cursor, count, visit);
  return [String(next), items];
}

// ---------------------------------------------------------------------------------------------

export const sortedSetCommands: CommandDef[] = [
  { name: 'bzmpop', summary: 'Blocks until one of several sorted sets has members, then pops the lowest or highest of the first one', arity: -5, flags: 'write blocking movablekeys', acl: '@sortedset', handler: bzmpop, getKeys: numkeysKeyPositions(2), propagate: propagateMpop(2) },
  { name: 'bzpopmax', summary: 'Pops the highest-scored member of the first non-empty sorted set, waiting for one if all are empty', arity: -3, flags: 'write noscript blocking fast', keys: [1, -2, 1], acl: '@sortedset', handler: bzpop(true), propagate: propagateAsPop('ZPOPMAX') },
  { name: 'bzpopmin', summary: 'Pops the lowest-scored member of the first non-empty sorted set, waiting for one if all are empty', arity: -3, flags: 'write noscript blocking fast', keys: [1, -2, 1], acl: '@sortedset', handler: bzpop(false), propagate: propagateAsPop('ZPOPMIN') },
  { name: 'zadd', summary: 'Inserts members with scores into a sorted set or changes their scores', arity: -4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@sortedset', handler: zadd },
  { name: 'zcard', summary: 'Counts the members of a sorted set', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@sortedset', handler: zcard },
  { name: 'zcount', summary: 'Counts the members whose score lies in an interval', arity: 4, flags: 'readonly fast', keys: [1, 1, 1], acl: '@sortedset', handler: zcount },
  { name: 'zdiff', summary: 'Returns the members of the first sorted set that appear in none of the others', arity: -3, flags: 'readonly movablekeys', acl: '@sortedset', handler: setOpCommand('diff'), getKeys: numkeysKeyPositions(1) },
  { name: 'zdiffstore', summary: 'Stores the difference of sorted sets in a key', arity: -4, flags: 'write denyoom movablekeys', keys: [1, 1, 1], acl: '@sortedset', handler: setOpStoreCommand('diff'), getKeys: storeKeys },
  { name: 'zincrby', summary: "Adds an increment to a member's score", arity: 4, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@sortedset', handler: zincrby },
  { name: 'zinter', summary: 'Returns the members present in every given sorted set, with combined scores', arity: -3, flags: 'readonly movablekeys', acl: '@sortedset', handler: setOpCommand('inter'), getKeys: numkeysKeyPositions(1) },
  { name: 'zintercard', summary: 'Counts the members present in every given sorted set', arity: -3, flags: 'readonly movablekeys', acl: '@sortedset', handler: zintercard, getKeys: numkeysKeyPositions(1) },
  { name: 'zinterstore', summary: 'Stores the intersection of sorted sets in a key', arity: -4, flags: 'write denyoom movablekeys', keys: [1, 1, 1], acl: '@sortedset', handler: setOpStoreCommand('inter'), getKeys: storeKeys },
  { name: 'zlexcount', summary: 'Counts the members between two member bounds (for equal scores)', arity: 4, flags: 'readonly fast', keys: [1, 1, 1], acl: '@sortedset', handler: zlexcount },
  { name: 'zmpop', summary: 'Pops the lowest or highest members of the first non-empty sorted set among several', arity: -4, flags: 'write movablekeys', acl: '@sortedset', handler: zmpop, getKeys: numkeysKeyPositions(1), propagate: propagateMpop(1) },
  { name: 'zmscore', summary: 'Returns the scores of several members', arity: -3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@sortedset', handler: zmscore },
  { name: 'zpopmax', summary: 'Removes and returns the highest-scored members', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: '@sortedset', handler: zpop(true) },
  { name: 'zpopmin', summary: 'Removes and returns the lowest-scored members', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: '@sortedset', handler: zpop(false) },
  { name: 'zrandmember', summary: 'Returns random members of a sorted set, optionally with scores', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: zrandmember },
  { name: 'zrange', summary: 'Returns members by rank, score or member interval, in either direction', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: rangeCommand(null, null) },
  { name: 'zrangebylex', summary: 'Returns members between two member bounds (for equal scores)', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: rangeCommand('lex', false) },
  { name: 'zrangebyscore', summary: 'Returns members whose score lies in an interval, lowest first', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: rangeCommand('score', false) },
  { name: 'zrangestore', summary: 'Stores a range of a sorted set in another key', arity: -5, flags: 'write denyoom', keys: [1, 2, 1], acl: '@sortedset', handler: zrangestore },
  { name: 'zrank', summary: 'Returns the position of a member, counted from the lowest score', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@sortedset', handler: rankCommand(false) },
  { name: 'zrem', summary: 'Removes members from a sorted set', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@sortedset', handler: zrem },
  { name: 'zremrangebylex', summary: 'Removes the members between two member bounds', arity: 4, flags: 'write', keys: [1, 1, 1], acl: '@sortedset', handler: zremrange('lex') },
  { name: 'zremrangebyrank', summary: 'Removes the members in a rank interval', arity: 4, flags: 'write', keys: [1, 1, 1], acl: '@sortedset', handler: zremrange('rank') },
  { name: 'zremrangebyscore', summary: 'Removes the members whose score lies in an interval', arity: 4, flags: 'write', keys: [1, 1, 1], acl: '@sortedset', handler: zremrange('score') },
  { name: 'zrevrange', summary: 'Returns members by rank, highest score first', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: rangeCommand('rank', true) },
  { name: 'zrevrangebylex', summary: 'Returns members between two member bounds, in reverse order', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: rangeCommand('lex', true) },
  { name: 'zrevrangebyscore', summary: 'Returns members whose score lies in an interval, highest first', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: rangeCommand('score', true) },
  { name: 'zrevrank', summary: 'Returns the position of a member, counted from the highest score', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@sortedset', handler: rankCommand(true) },
  { name: 'zscan', summary: 'Iterates over the members and scores of a sorted set with a cursor', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: '@sortedset', handler: zscan },
  { name: 'zscore', summary: 'Returns the score of a member', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@sortedset', handler: zscore },
  { name: 'zunion', summary: 'Returns the members of any of the given sorted sets, with combined scores', arity: -3, flags: 'readonly movablekeys', acl: '@sortedset', handler: setOpCommand('union'), getKeys: numkeysKeyPositions(1) },
  { name: 'zunionstore', summary: 'Stores the union of sorted sets in a key', arity: -4, flags: 'write denyoom movablekeys', keys: [1, 1, 1], acl: '@sortedset', handler: setOpStoreCommand('union'), getKeys: storeKeys },
];

// Key positions for movable-key commands (COMMAND GETKEYS, WATCH, ACL key checks).

const storeSourceKeys = numkeysKeyPositions(2);

function storeKeys(argv: string[]): number[] {
  const sources = storeSourceKeys(argv);
  return sources.length === 0 ? [] : [1, ...sources];
}
