// SORT and SORT_RO (Redis's sort.c): sort the elements of a list, set or sorted set numerically
// or lexicographically, by their own value or by external keys (BY pattern), fetch other keys
// for each element (GET pattern), page with LIMIT, and reply or STORE the result as a list.
import type { Client } from '../engine/client';
import { strtod } from '../util/numbers';
import { Hash } from '../datatypes/hash';
import { ListValue } from '../datatypes/list';
import { SetValue } from '../datatypes/set';
import { Collection } from '../datatypes/value';
import { ZSet } from '../datatypes/zset';
import { SYNTAX, WRONGTYPE, errorf } from '../errors';
import { Reply } from '../resp/reply';
import { intArg, is } from './args';
import { CommandDef } from './registry';
import { hasUnrestrictedKeyAccess } from './acl';
import { READ } from '../acl/user';

const NOT_DOUBLE = errorf("ERR One or more scores can't be converted into double");

interface SortItem {
  /** The element itself. */
  obj: string;
  /** Numeric sort key (0 when the BY key is missing). */
  score: number;
  /** ALPHA with BY: the external value compared, null when the BY key is missing. */
  cmp: string | null;
}

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  sortBy: string | null;
  /** BY a pattern without '*': keep the native order. */
  dontSort: boolean;
  store: string | null;
  gets: string[];
}

function parseOptions(c: Client, argv: string[], readonly: boolean): SortOptions {
  // BY/GET patterns read arbitrary keys: only for users that may read every key (Redis's check).
  let fullAccess: boolean | null = null;
  const mayReadAll = () => (fullAccess ??= hasUnrestrictedKeyAccess(c, argv, READ));
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, sortBy: null, dontSort: false, store: null, gets: [] };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (is(a, 'ASC')) o.desc = false;
    else if (is(a, 'DESC')) o.desc = true;
    else if (is(a, 'ALPHA')) o.alpha = true;
    else if (is(a, 'LIMIT') && left >= 2) {
      o.limitStart = intArg(argv[j + 1]);
      o.limitCount = intArg(argv[j + 2]);
      j += 2;
    } else if (!readonly && is(a, 'STORE') && left >= 1) {
      o.store = argv[++j];
    } else if (is(a, 'BY') && left >= 1) {
      o.sortBy = argv[++j];
      o.dontSort = cString(o.sortBy).indexOf('*') < 0;
      if (!o.dontSort && c.server.cluster !== null) throw errorf('ERR BY option of SORT denied in Cluster mode.');
      if (!o.dontSort && !mayReadAll()) throw errorf('ERR BY option of SORT denied due to insufficient ACL permissions.');
    } else if (is(a, 'GET') && left >= 1) {
      if (c.server.cluster !== null) throw errorf('ERR GET option of SORT denied in Cluster mode.');
      if (!mayReadAll()) throw errorf('ERR GET option of SORT denied due to insufficient ACL permissions.');
      o.gets.push(argv[++j]);
    } else {
      throw SYNTAX;
    }
  }
  return o;
}

/** Redis handles patterns and values as C strings in places: the part before any NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by
 * the element and the key read (a string), or with "->field" after the '*', a hash field.
 */
function lookupByPattern(c: Client, pattern: string, subst: string): string | null {
  if (pattern.charCodeAt(0) === 35 && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) return subst;
  const head = cString(pattern);
  const star = head.indexOf('*');
  if (star < 0) return null;
  const arrow = head.indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < pattern.length && pattern.charCodeAt(arrow + 2) !== 0;
  const fieldLen = hasField ? pattern.length - arrow - 2 : 0;
  const postfixLen = pattern.length - (star + 1) - (hasField ? fieldLen + 2 : 0);
  const key = pattern.slice(0, star) + subst + pattern.substr(star + 1, postfixLen);
  const v = c.db.lookupRead(key);
  if (v === undefined) return null;
  if (hasField) return v instanceof Hash ? (v.get(pattern.slice(arrow + 2)) ?? null) : null;
  return typeof v === 'string' ? v : null;
}

/**
 * The numeric sort key Redis computes with strtod: leading white space allowed, decimal, hex
 * and infinities accepted; null (the "can't be converted" error) for trailing garbage, NaN, or a
 * range error (overflow, or an inexact underflow as glibc reports it).
 */
export function sortScore(value: string): number | null {
  const text = cString(value);
  // strtod converts nothing in "": the end pointer is the (empty) end, so Redis accepts it as 0.
  if (text.length === 0) return 0;
  const r = strtod(text);
  if (r.end !== text.length || r.rangeError || Number.isNaN(r.value)) return null;
  return r.value;
}

/** memcmp order of two byte strings (JS compares latin1 strings by code unit: the same). */
function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C / C.UTF-8 locale: byte order of the C strings (up to a NUL). */
function collate(a: string, b: string): number {
  return binaryCompare(cString(a), cString(b));
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): Reply {
  const o = parseOptions(c, argv, readonly);
  const found = c.db.lookupRead(argv[1]);
  if (found !== undefined && !(found instanceof SetValue) && !(found instanceof ZSet) && !(found instanceof ListValue)) throw WRONGTYPE;
  const val = found as Collection | undefined;
  // Redis's sortCommandGeneric converts a listpack sorted set to a skiplist in place
  // ("Destructively convert encoded sorted sets for SORT"): OBJECT ENCODING shows it.
  if (val instanceof ZSet) val.convertToSkiplist();

  // An unsorted set would come out in hash order; STORE makes the result depend on it, so Redis
  // sorts it lexicographically then, and for scripts (whose effects must not depend on it either).
  if (o.dontSort && val instanceof SetValue && (o.store !== null || c.kind === 'lua')) {
    o.dontSort = false;
    o.alpha = true;
    o.sortBy = null;
  }

  const len = val === undefined ? 0 : val.size;
  let start = o.limitStart < 0 ? 0 : o.limitStart;
  let end = o.limitCount < 0 ? len - 1 : start + o.limitCount - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  let items: string[];
  let failed = false;
  if (val === undefined) {
    items = [];
  } else if (o.dontSort) {
    // Native order (reversed by DESC for lists and sorted sets), only the LIMIT window.
    items = nativeRange(val, o.desc, start, end);
    end -= start;
    start = 0;
  } else {
    const vector = loadVector(val);
    failed = scoreVector(c, vector, o);
    if (!failed) vector.sort(comparator(o));
    items = new Array(vector.length);
    for (let i = 0; i < vector.length; i++) items[i] = vector[i].obj;
  }
  if (failed) throw NOT_DOUBLE;

  const count = Math.max(0, end - start + 1);
  if (o.store === null) {
    const out: Reply[] = [];
    for (let j = start; j <= end; j++) {
      if (o.gets.length === 0) out.push(items[j]);
      for (const p of o.gets) out.push(lookupByPattern(c, p, items[j]));
    }
    return out;
  }
  const stored: string[] = [];
  for (let j = start; j <= end; j++) {
    if (o.gets.length === 0) stored.push(items[j]);
    for (const p of o.gets) stored.push(lookupByPattern(c, p, items[j]) ?? '');
  }
  const outputLen = o.gets.length > 0 ? o.gets.length * count : count;
  if (outputLen > 0) {
    c.db.setKey(o.store, ListValue.from(stored));
    c.db.notify('l', 'sortstore', o.store, outputLen);
  } else if (c.db.delete(o.store)) {
    c.db.notify('g', 'del', o.store);
  }
  return outputLen;
}

/** Elements start..end of a list or sorted set in native order (from the tail when desc). */
function nativeRange(val: object, desc: boolean, start: number, end: number): string[] {
  if (end < start) return [];
  if (val instanceof ZSet) {
    const out: string[] = [];
    let left = end - start + 1;
    val.walkRank(start, desc, (member) => (out.push(member), --left > 0));
    return out;
  }
  if (val instanceof SetValue) return val.toArray().slice(start, end + 1);
  const list = val as ListValue;
  const last = list.size - 1;
  return desc ? list.rangeReversed(last - end, last - start) : list.range(start, end);
}

function loadVector(val: object): SortItem[] {
  const vector: SortItem[] = [];
  const push = (obj: string) => vector.push({ obj, score: 0, cmp: null });
  if (val instanceof SetValue) val.forEach(push);
  else if (val instanceof ZSet) val.forEach(push);
  else for (const e of (val as ListValue).toArray()) push(e);
  return vector;
}

/** Fills the sort keys. Returns true when a numeric key could not be parsed. */
function scoreVector(c: Client, vector: SortItem[], o: SortOptions): boolean {
  let failed = false;
  for (const item of vector) {
    let by: string | null = item.obj;
    if (o.sortBy !== null) {
      by = lookupByPattern(c, o.sortBy, item.obj);
      if (by === null) continue;
    }
    if (o.alpha) {
      if (o.sortBy !== null) item.cmp = by;
    } else {
      const score = sortScore(by);
      if (score === null) failed = true;
      else item.score = score;
    }
  }
  return failed;
}

/** Redis's sortCompare, as a comparator for a stable sort (glibc's qsort is a stable merge sort). */
function comparator(o: SortOptions): (a: SortItem, b: SortItem) => number {
  const sign = o.desc ? -1 : 1;
  if (!o.alpha) {
    return (a, b) => sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : binaryCompare(a.obj, b.obj));
  }
  const cmpStrings = o.store !== null ? binaryCompare : collate;
  if (o.sortBy !== null) {
    return (a, b) => {
      if (a.cmp === null || b.cmp === null) return sign * (a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1);
      return sign * cmpStrings(a.cmp, b.cmp);
    };
  }
  return (a, b) => sign * cmpStrings(a.obj, b.obj);
}

function sort(c: Client, argv: string[]): Reply {
  return sortGeneric(c, argv, false);
}

function sort_ro(c: Client, argv: string[]): Reply {
  return sortGeneric(c, argv, true);
}

/** Redis's sortGetKeys: the sorted key, plus the last STORE destination. */
function sortKeys(argv: string[]): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    if (is(argv[i], 'LIMIT')) i += 2;
    else if (is(argv[i], 'GET') || is(argv[i], 'BY')) i += 1;
    else if (is(argv[i], 'STORE') && i + 1 < argv.length) store = i + 1;
  }
  if (store > 0) keys.push(store);
  return keys;
}

export const sortCommands: CommandDef[] = [
  { name: 'sort', summary: 'Sorts a list, set or sorted set, optionally by or with other keys, replying or storing a list.', arity: -2, flags: 'write denyoom movablekeys', keys: [1, 1, 1], acl: '@set @sortedset @list @dangerous', handler: sort, getKeys: sortKeys },
  { name: 'sort_ro', summary: 'Sorts a list, set or sorted set like SORT, without the STORE option.', arity: -2, flags: 'readonly movablekeys', keys: [1, 1, 1], acl: '@set @sortedset @list @dangerous', handler: sort_ro, getKeys: () => [1] },
];
