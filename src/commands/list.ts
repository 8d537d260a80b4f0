// List commands (Redis 7.0 t_list.c): pushes, pops, ranges, LMOVE/LMPOP and their blocking
// variants. Every write emits Redis's keyspace events and dirty counts; a list emptied by a
// command is deleted (with a "del" event).
import type { Client } from '../engine/client';
import { blockOnKeys, canBlock, timeoutArg } from '../engine/blocking';
import { ListValue } from '../datatypes/list';
import { Value } from '../datatypes/value';
import { NO_SUCH_KEY, ReplyError, SYNTAX, WRONGTYPE, errorf, wrongArity } from '../errors';
import type { Db } from '../keyspace/db';
import { parseIntStrict } from '../resp/format';
import { NULL_ARRAY, OK, Reply } from '../resp/reply';
import { int64Arg, intArg, is, keywordOf, numkeysKeyPositions } from './args';
import { CommandDef } from './registry';
import { propagateAsPop, propagateBlmove, propagateBrpoplpush, propagateMpop } from '../persistence/propagation';

const enum End {
  Left,
  Right,
}

const INDEX_OUT_OF_RANGE = errorf('ERR index out of range');
const MUST_BE_POSITIVE = errorf('ERR value is out of range, must be positive');
const RANK_ZERO = errorf(
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
);
const COUNT_NEGATIVE = errorf("ERR COUNT can't be negative");
const MAXLEN_NEGATIVE = errorf("ERR MAXLEN can't be negative");
const NUMKEYS_NOT_POSITIVE = errorf('ERR numkeys should be greater than 0');
const COUNT_NOT_POSITIVE = errorf('ERR count should be greater than 0');

// ---- helpers ------------------------------------------------------------------------------------

function asList(v: Value | undefined): ListValue | undefined {
  if (v === undefined || v instanceof ListValue) return v;
  throw WRONGTYPE;
}

function readList(db: Db, key: string): ListValue | undefined {
  return asList(db.lookupRead(key));
}

function writeList(db: Db, key: string): ListValue | undefined {
  return asList(db.lookupWrite(key));
}

/** LEFT | RIGHT (Redis's getListPositionFromObjectOrReply). */
function endArg(s: string): End {
  const u = keywordOf(s);
  if (u === 'LEFT') return End.Left;
  if (u === 'RIGHT') return End.Right;
  throw SYNTAX;
}

/**
 * An integer in [min, 2^63-1] (Redis's getRangeLongFromObjectOrReply with a message): `err`
 * answers both a non-integer and an out-of-range value.
 */
function rangeLongArg(s: string, min: number, err: ReplyError): number {
  const v = parseIntStrict(s);
  if (v === null || v < min) throw err;
  return Number(v);
}

function pushEnd(l: ListValue, end: End, v: string): void {
  if (end === End.Left) l.pushHead(v);
  else l.pushTail(v);
}

function popEnd(l: ListValue, end: End): string {
  return (end === End.Left ? l.popHead() : l.popTail())!;
}

/** Removes up to `count` elements from one end; they come back in pop order. */
function popRange(l: ListValue, end: End, count: number): string[] {
  const n = Math.min(count, l.size);
  if (end === End.Left) {
    const items = l.range(0, n - 1);
    l.trimHead(n);
    return items;
  }
  const items = l.rangeReversed(l.size - n, l.size - 1);
  l.trimTail(n);
  return items;
}

/** The side effects of popping `count` elements (listElementsRemoved); `dirty` defaults to count. */
function elementsRemoved(db: Db, key: string, l: ListValue, end: End, count: number, dirty = count): void {
  db.notify('l', end === End.Left ? 'lpop' : 'rpop', key, dirty);
  if (l.size === 0) {
    db.delete(key);
    db.notify('g', 'del', key, 0);
  } else {
    db.touched(key);
  }
}

function popOneWithKey(db: Db, key: string, l: ListValue, end: End, dirty = 1): Reply {
  const v = popEnd(l, end);
  elementsRemoved(db, key, l, end, 1, dirty);
  return [key, v];
}

function popRangeWithKey(db: Db, key: string, l: ListValue, end: End, count: number): Reply {
  const items = popRange(l, end, count);
  elementsRemoved(db, key, l, end, items.length);
  return [key, items];
}

/** Pops from `src` and pushes onto `dst` (which may be `src`); `dl` is dst's list if it exists. */
function moveElement(db: Db, src: string, sl: ListValue, dst: string, dl: ListValue | undefined, from: End, to: End, dirty = 1): string {
  const v = popEnd(sl, from);
  if (dl === undefined) {
    dl = new ListValue();
    pushEnd(dl, to, v);
    db.add(dst, dl);
  } else {
    pushEnd(dl, to, v);
    db.touched(dst);
  }
  db.notify('l', to === End.Left ? 'lpush' : 'rpush', dst, 0);
  db.notify('l', from === End.Left ? 'lpop' : 'rpop', src, dirty);
  if (sl.size === 0) {
    db.delete(src);
    db.notify('g', 'del', src, 0);
  } else if (src !== dst) {
    db.touched(src);
  }
  return v;
}

// ---- push ---------------------------------------------------------------------------------------

function push(c: Client, argv: string[], end: End, onlyIfExists: boolean): Reply {
  const db = c.db;
  const key = argv[1];
  let l = writeList(db, key);
  if (l === undefined) {
    if (onlyIfExists) return 0;
    l = new ListValue(argv.length - 2);
    for (let i = 2; i < argv.length; i++) pushEnd(l, end, argv[i]);
    db.add(key, l);
  } else {
    for (let i = 2; i < argv.length; i++) pushEnd(l, end, argv[i]);
    db.touched(key);
  }
  db.notify('l', end === End.Left ? 'lpush' : 'rpush', key, argv.length - 2);
  return l.size;
}

const lpush = (c: Client, argv: string[]) => push(c, argv, End.Left, false);
const rpush = (c: Client, argv: string[]) => push(c, argv, End.Right, false);
const lpushx = (c: Client, argv: string[]) => push(c, argv, End.Left, true);
const rpushx = (c: Client, argv: string[]) => push(c, argv, End.Right, true);

// ---- pop ----------------------------------------------------------------------------------------

function pop(c: Client, argv: string[], end: End): Reply {
  if (argv.length > 3) throw wrongArity(end === End.Left ? 'lpop' : 'rpop');
  const hasCount = argv.length === 3;
  const count = hasCount ? rangeLongArg(argv[2], 0, MUST_BE_POSITIVE) : 0;
  const db = c.db;
  const key = argv[1];
  const l = writeList(db, key);
  if (l === undefined) return hasCount ? NULL_ARRAY : null;
  if (!hasCount) {
    const v = popEnd(l, end);
    elementsRemoved(db, key, l, end, 1);
    return v;
  }
  if (count === 0) return [];
  const items = popRange(l, end, count);
  elementsRemoved(db, key, l, end, items.length);
  return items;
}

const lpop = (c: Client, argv: string[]) => pop(c, argv, End.Left);
const rpop = (c: Client, argv: string[]) => pop(c, argv, End.Right);

// ---- read commands ------------------------------------------------------------------------------

function llen(c: Client, argv: string[]): Reply {
  return readList(c.db, argv[1])?.size ?? 0;
}

function lrange(c: Client, argv: string[]): Reply {
  let start = intArg(argv[2]);
  let end = intArg(argv[3]);
  const l = readList(c.db, argv[1]);
  if (l === undefined) return [];
  const len = l.size;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return [];
  if (end >= len) end = len - 1;
  return l.range(start, end);
}

function lindex(c: Client, argv: string[]): Reply {
  const l = readList(c.db, argv[1]);
  if (l === undefined) return null;
  let index = intArg(argv[2]);
  if (index < 0) index += l.size;
  return l.at(index) ?? null;
}

/**
 * LPOS's RANK as a JS number. Beyond 2^53 no list has that many matches (+-Infinity), except
 * -2^63: Redis negates it in C, where it stays negative and so accepts the first match.
 */
function rankArg(s: string): number {
  const v = int64Arg(s);
  if (typeof v === 'number') return v;
  if (v === -9223372036854775808n) return -1;
  return v < 0n ? -Infinity : Infinity;
}

function lpos(c: Client, argv: string[]): Reply {
  const element = argv[2];
  let rank = 1;
  let count = -1; // -1: no COUNT option
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = keywordOf(argv[j]);
    const more = j < argv.length - 1;
    if (opt === 'RANK' && more) {
      rank = rankArg(argv[++j]);
      if (rank === 0) throw RANK_ZERO;
    } else if (opt === 'COUNT' && more) {
      count = rangeLongArg(argv[++j], 0, COUNT_NEGATIVE);
    } else if (opt === 'MAXLEN' && more) {
      maxlen = rangeLongArg(argv[++j], 0, MAXLEN_NEGATIVE);
    } else {
      throw SYNTAX;
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const l = readList(c.db, argv[1]);
  if (l === undefined) return count !== -1 ? [] : null;
  const len = l.size;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  const found: number[] = [];
  let matches = 0;
  for (let k = 0; k < limit; k++) {
    const i = fromTail ? len - 1 - k : k;
    if (l.at(i) !== element) continue;
    matches++;
    if (matches < rank) continue;
    if (count === -1) return i;
    found.push(i);
    if (count !== 0 && found.length >= count) break;
  }
  return count === -1 ? null : found;
}

// ---- in-place writes ----------------------------------------------------------------------------

function lset(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const l = writeList(db, key);
  if (l === undefined) throw NO_SUCH_KEY;
  let index = intArg(argv[2]);
  if (index < 0) index += l.size;
  if (index < 0 || index >= l.size) throw INDEX_OUT_OF_RANGE;
  l.set(index, argv[3]);
  db.touched(key);
  db.notify('l', 'lset', key);
  return OK;
}

function linsert(c: Client, argv: string[]): Reply {
  const where = keywordOf(argv[2]);
  if (where !== 'BEFORE' && where !== 'AFTER') throw SYNTAX;
  const db = c.db;
  const key = argv[1];
  const l = writeList(db, key);
  if (l === undefined) return 0;
  const pivot = l.indexOf(argv[3]);
  if (pivot < 0) return -1;
  l.insertAt(where === 'AFTER' ? pivot + 1 : pivot, argv[4]);
  db.touched(key);
  db.notify('l', 'linsert', key);
  return l.size;
}

function lrem(c: Client, argv: string[]): Reply {
  const count = intArg(argv[2]);
  const db = c.db;
  const key = argv[1];
  const l = writeList(db, key);
  if (l === undefined) return 0;
  const removed = l.removeMatching(argv[3], Math.abs(count), count < 0);
  if (removed === 0) return 0;
  db.notify('l', 'lrem', key, removed);
  if (l.size === 0) {
    db.delete(key);
    db.notify('g', 'del', key, 0);
  } else {
    db.touched(key);
  }
  return removed;
}

function ltrim(c: Client, argv: string[]): Reply {
  let start = intArg(argv[2]);
  let end = intArg(argv[3]);
  const db = c.db;
  const key = argv[1];
  const l = writeList(db, key);
  if (l === undefined) return OK;
  const len = l.size;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  let fromHead: number;
  let fromTail: number;
  if (start > end || start >= len) {
    fromHead = len;
    fromTail = 0;
  } else {
    if (end >= len) end = len - 1;
    fromHead = start;
    fromTail = len - end - 1;
  }
  l.trimHead(fromHead);
  l.trimTail(fromTail);
  db.notify('l', 'ltrim', key, fromHead + fromTail);
  if (l.size === 0) {
    db.delete(key);
    db.notify('g', 'del', key, 0);
  } else {
    db.touched(key);
  }
  return OK;
}

// ---- LMOVE / RPOPLPUSH ----------------------------------------------------------------------------

function move(c: Client, src: string, dst: string, from: End, to: End): Reply {
  const db = c.db;
  const sl = writeList(db, src);
  if (sl === undefined) return null;
  const dl = writeList(db, dst);
  return moveElement(db, src, sl, dst, dl, from, to);
}

function lmove(c: Client, argv: string[]): Reply {
  const from = endArg(argv[3]);
  const to = endArg(argv[4]);
  return move(c, argv[1], argv[2], from, to);
}

function rpoplpush(c: Client, argv: string[]): Reply {
  return move(c, argv[1], argv[2], End.Right, End.Left);
}

// ---- LMPOP -------------------------------------------------------------------------------------

interface MpopArgs {
  keys: string[];
  end: End;
  count: number;
}

/** numkeys key [key ...] LEFT|RIGHT [COUNT count], from argv[numkeysIdx]. */
function parseMpop(argv: string[], numkeysIdx: number): MpopArgs {
  const numkeys = rangeLongArg(argv[numkeysIdx], 1, NUMKEYS_NOT_POSITIVE);
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw SYNTAX;
  const end = endArg(argv[whereIdx]);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'COUNT') && j < argv.length - 1) {
      count = rangeLongArg(argv[++j], 1, COUNT_NOT_POSITIVE);
    } else {
      throw SYNTAX;
    }
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), end, count: count === -1 ? 1 : count };
}

function lmpop(c: Client, argv: string[]): Reply {
  const { keys, end, count } = parseMpop(argv, 1);
  const db = c.db;
  for (const key of keys) {
    const l = writeList(db, key);
    if (l !== undefined) return popRangeWithKey(db, key, l, end, count);
  }
  return NULL_ARRAY;
}

/** Key positions of LMPOP (numkeys at 1) and BLMPOP (numkeys at 2) for COMMAND GETKEYS & co. */
const mpopKeys = numkeysKeyPositions;

// ---- blocking commands ----------------------------------------------------------------------------

/**
 * BLPOP / BRPOP (count -1: reply [key, element]) and BLMPOP (reply [key, [elements]]): pops from
 * the first non-empty list, or blocks on all the keys.
 */
function blockingPop(c: Client, keys: string[], end: End, count: number, deadline: number): Reply {
  const db = c.db;
  for (const key of keys) {
    const l = writeList(db, key);
    if (l === undefined) continue;
    return count < 0 ? popOneWithKey(db, key, l, end) : popRangeWithKey(db, key, l, end, count);
  }
  return blockOnKeys(
    c,
    db,
    keys,
    deadline,
    (key) => {
      // A key that now holds another type does not serve list waiters: they keep waiting.
      const l = db.peek(key);
      if (!(l instanceof ListValue)) return undefined;
      // Like Redis 7.0, a served BLPOP/BRPOP (and BLMOVE below) adds nothing to the dirty counter.
      return count < 0 ? popOneWithKey(db, key, l, end, 0) : popRangeWithKey(db, key, l, end, count);
    },
    () => NULL_ARRAY,
  );
}

function blpop(c: Client, argv: string[]): Reply {
  const deadline = timeoutArg(c, argv[argv.length - 1]);
  return blockingPop(c, argv.slice(1, -1), End.Left, -1, deadline);
}

function brpop(c: Client, argv: string[]): Reply {
  const deadline = timeoutArg(c, argv[argv.length - 1]);
  return blockingPop(c, argv.slice(1, -1), End.Right, -1, deadline);
}

function blmpop(c: Client, argv: string[]): Reply {
  const { keys, end, count } = parseMpop(argv, 2);
  const deadline = timeoutArg(c, argv[1]);
  return blockingPop(c, keys, end, count, deadline);
}

function blockingMove(c: Client, src: string, dst: string, from: End, to: End, deadline: number): Reply {
  const db = c.db;
  if (writeList(db, src) !== undefined) return move(c, src, dst, from, to);
  // Inside EXEC or a script an empty source answers a null bulk string, not the timeout reply.
  if (!canBlock(c)) return null;
  return blockOnKeys(
    c,
    db,
    [src],
    deadline,
    (key) => {
      const sl = db.peek(key);
      if (!(sl instanceof ListValue)) return undefined;
      // The destination is checked when served: another type there answers WRONGTYPE.
      const dv = db.lookupWrite(dst);
      if (dv !== undefined && !(dv instanceof ListValue)) return WRONGTYPE;
      return moveElement(db, key, sl, dst, dv, from, to, 0);
    },
    () => NULL_ARRAY,
  );
}

function blmove(c: Client, argv: string[]): Reply {
  const from = endArg(argv[3]);
  const to = endArg(argv[4]);
  const deadline = timeoutArg(c, argv[5]);
  return blockingMove(c, argv[1], argv[2], from, to, deadline);
}

function brpoplpush(c: Client, argv: string[]): Reply {
  const deadline = timeoutArg(c, argv[3]);
  return blockingMove(c, argv[1], argv[2], End.Right, End.Left, deadline);
}

export const listCommands: CommandDef[] = [
  { name: 'blmove', summary: 'Moves an element from one list end to another list, waiting for the source to get one if it is empty.', arity: 6, flags: 'write denyoom noscript blocking', keys: [1, 2, 1], acl: '@list', handler: blmove, propagate: propagateBlmove },
  { name: 'blmpop', summary: 'Pops elements from the first non-empty list among the keys, waiting while they are all empty.', arity: -5, flags: 'write blocking movablekeys', acl: '@list', handler: blmpop, getKeys: mpopKeys(2), propagate: propagateMpop(2) },
  { name: 'blpop', summary: 'Removes the first element of the first non-empty list, waiting while all are empty.', arity: -3, flags: 'write noscript blocking', keys: [1, -2, 1], acl: '@list', handler: blpop, propagate: propagateAsPop('LPOP') },
  { name: 'brpop', summary: 'Removes the last element of the first non-empty list, waiting while all are empty.', arity: -3, flags: 'write noscript blocking', keys: [1, -2, 1], acl: '@list', handler: brpop, propagate: propagateAsPop('RPOP') },
  { name: 'brpoplpush', summary: 'Moves the last element of a list to the head of another, waiting for one if the source is empty.', arity: 4, flags: 'write denyoom noscript blocking', keys: [1, 2, 1], acl: '@list', handler: brpoplpush, propagate: propagateBrpoplpush },
  { name: 'lindex', summary: 'Returns the element at a position (negative counts from the tail).', arity: 3, flags: 'readonly', keys: [1, 1, 1], acl: '@list', handler: lindex },
  { name: 'linsert', summary: 'Inserts an element just before or after the first occurrence of a pivot element.', arity: 5, flags: 'write denyoom', keys: [1, 1, 1], acl: '@list', handler: linsert },
  { name: 'llen', summary: 'Returns how many elements a list holds.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@list', handler: llen },
  { name: 'lmove', summary: 'Pops an element from one end of a list and pushes it onto an end of another (or the same) list.', arity: 5, flags: 'write denyoom', keys: [1, 2, 1], acl: '@list', handler: lmove },
  { name: 'lmpop', summary: 'Pops one or more elements from the first non-empty list among the keys.', arity: -4, flags: 'write movablekeys', acl: '@list', handler: lmpop, getKeys: mpopKeys(1), propagate: propagateMpop(1) },
  { name: 'lpop', summary: 'Removes and returns the first element(s) of a list.', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: '@list', handler: lpop },
  { name: 'lpos', summary: 'Finds the position(s) of an element in a list, with rank, count and scan-length options.', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: '@list', handler: lpos },
  { name: 'lpush', summary: 'Adds elements at the head of a list, creating it if needed.', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@list', handler: lpush },
  { name: 'lpushx', summary: 'Adds elements at the head of a list, only if the list exists.', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@list', handler: lpushx },
  { name: 'lrange', summary: 'Returns the elements between two positions, inclusive.', arity: 4, flags: 'readonly', keys: [1, 1, 1], acl: '@list', handler: lrange },
  { name: 'lrem', summary: 'Removes occurrences of an element: from the head, from the tail, or all of them.', arity: 4, flags: 'write', keys: [1, 1, 1], acl: '@list', handler: lrem },
  { name: 'lset', summary: 'Replaces the element at a position.', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: '@list', handler: lset },
  { name: 'ltrim', summary: 'Keeps only the elements between two positions, dropping the rest.', arity: 4, flags: 'write', keys: [1, 1, 1], acl: '@list', handler: ltrim },
  { name: 'rpop', summary: 'Removes and returns the last element(s) of a list.', arity: -2, flags: 'write fast', keys: [1, 1, 1], acl: '@list', handler: rpop },
  { name: 'rpoplpush', summary: 'Moves the last element of a list to the head of another (or the same) list.', arity: 3, flags: 'write denyoom', keys: [1, 2, 1], acl: '@list', handler: rpoplpush },
  { name: 'rpush', summary: 'Adds elements at the tail of a list, creating it if needed.', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@list', handler: rpush },
  { name: 'rpushx', summary: 'Adds elements at the tail of a list, only if the list exists.', arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@list', handler: rpushx },
];
