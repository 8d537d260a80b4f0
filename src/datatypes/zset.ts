// The sorted set. Like Redis, a small one is a listpack: here one packed string of member,
// score, member, score... ordered by (score, member) (src/datatypes/packed.ts), each score kept
// as its shortest printed form, so "-0" becomes "0" as in a listpack. Past
// zset-max-listpack-entries members or a member longer than zset-max-listpack-value bytes it
// converts to a member -> node Dict (stateless ZSCAN cursors, random picks) plus a skiplist
// ordered by (score, member) for ranks and ranges, and never converts back.
//
// Range queries walk a listpack in place (walkRank, walkScore, walkLex, counts and range
// deletions), as Redis's zzl* functions do: no element is materialised before it is visited.
import { Collection } from './value';
import { Dict } from './dict';
import * as P from './packed';
import { LexRange, lexGteMin, lexLteMax, lexRangeEmpty, ScoreRange, scoreGteMin, scoreLteMax, scoreRangeEmpty, SkipList, ZNodeId } from './skiplist';

export { LEX_MAX, LexRange, ScoreRange } from './skiplist';

/** One element, as pop(), random() and iteration hand it out. */
export interface ZEntry {
  readonly member: string;
  readonly score: number;
}

/** zset-max-listpack-entries / zset-max-listpack-value. */
export interface ListpackLimits {
  maxEntries: number;
  maxValue: number;
}

/** ZADD option bits. */
export const ZADD_NX = 1;
export const ZADD_XX = 2;
export const ZADD_GT = 4;
export const ZADD_LT = 8;
export const ZADD_INCR = 16;

/**
 * What add() did: 'added' a new member, 'updated' its score, 'same' (score unchanged),
 * 'nop' (an option prevented it), 'nan' (INCR produced NaN; nothing changed).
 */
export type ZAddOutcome = 'added' | 'updated' | 'same' | 'nop' | 'nan';

/** The skiplist encoding: member -> skiplist node, and the skiplist. */
class Big {
  readonly dict = new Dict<ZNodeId>();
  zsl = new SkipList();
}

/** The score of the pair whose member entry is at p. */
function scoreAt(s: string, p: number): number {
  const q = P.next(s, p);
  const d = P.dataAt(s, q);
  const end = d + P.lenAt(s, q);
  // Integer scores, the common case, read from the chars (15 digits stay exact): no substring.
  let i = s.charCodeAt(d) === 45 ? d + 1 : d;
  if (end - i <= 15) {
    let v = 0;
    for (; i < end; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === end) return s.charCodeAt(d) === 45 ? -v : v;
  }
  return Number(s.slice(d, end));
}

/** The member of the pair at p, for comparisons only (a slice may share s's storage). */
function memberView(s: string, p: number): string {
  const d = P.dataAt(s, p);
  return s.slice(d, d + P.lenAt(s, p));
}

/** Positions of the member entries of a packed zset, in order. */
function positions(s: string): number[] {
  const out: number[] = [];
  for (let p = P.first(s); p < s.length; p = P.next(s, P.next(s, p))) out.push(p);
  return out;
}

/** A score or lex interval as two tests on the pair at p of a packed zset. */
interface Bounds {
  /** The interval holds nothing (min above max, or equal with an exclusive end). */
  empty: boolean;
  gteMin(s: string, p: number): boolean;
  lteMax(s: string, p: number): boolean;
}

function scoreBounds(r: ScoreRange): Bounds {
  return { empty: scoreRangeEmpty(r), gteMin: (s, p) => scoreGteMin(scoreAt(s, p), r), lteMax: (s, p) => scoreLteMax(scoreAt(s, p), r) };
}

function lexBounds(r: LexRange): Bounds {
  return { empty: lexRangeEmpty(r), gteMin: (s, p) => lexGteMin(memberView(s, p), r), lteMax: (s, p) => lexLteMax(memberView(s, p), r) };
}

/**
 * zzlIsInRange: false when nothing can be in range, judged as Redis does by the first and last
 * pairs only (for a lex range over unequal scores, that decides what the scans below find).
 */
function mayHold(s: string, pos: number[], b: Bounds): boolean {
  return !b.empty && pos.length > 0 && b.gteMin(s, pos[pos.length - 1]) && b.lteMax(s, pos[0]);
}

/** Index (into pos) of the first pair in range, or -1: zzlFirstInRange's scan from the head. */
function firstIndex(s: string, pos: number[], b: Bounds): number {
  if (!mayHold(s, pos, b)) return -1;
  for (let i = 0; i < pos.length; i++) if (b.gteMin(s, pos[i])) return b.lteMax(s, pos[i]) ? i : -1;
  return -1;
}

/** Index of the last pair in range, or -1: zzlLastInRange's scan from the tail. */
function lastIndex(s: string, pos: number[], b: Bounds): number {
  if (!mayHold(s, pos, b)) return -1;
  for (let i = pos.length - 1; i >= 0; i--) if (b.lteMax(s, pos[i])) return b.gteMin(s, pos[i]) ? i : -1;
  return -1;
}

/** End (exclusive) of the run of pairs from `from` that stay under the range's max. */
function endIndex(s: string, pos: number[], from: number, b: Bounds): number {
  let i = from;
  while (i < pos.length && b.lteMax(s, pos[i])) i++;
  return i;
}

/** Visits pairs from index i (down when reverse) until visit says stop. */
function walkPacked(s: string, pos: number[], i: number, reverse: boolean, visit: ZVisit): void {
  const step = reverse ? -1 : 1;
  for (; i >= 0 && i < pos.length; i += step) if (!visit(P.entryAt(s, pos[i]), scoreAt(s, pos[i]))) return;
}

/** Visits nodes from n on (backwards when reverse) until visit says stop. */
function walkNodes(zsl: SkipList, n: ZNodeId, reverse: boolean, visit: ZVisit): void {
  for (; n !== 0; n = reverse ? zsl.prev(n) : zsl.next(n)) if (!visit(zsl.member(n), zsl.score(n))) return;
}

/** Steps `offset` nodes on from n (backwards when reverse). */
function skipNodes(zsl: SkipList, n: ZNodeId, reverse: boolean, offset: number): ZNodeId {
  for (; n !== 0 && offset > 0; offset--) n = reverse ? zsl.prev(n) : zsl.next(n);
  return n;
}

/** What a walk calls for each element, in walk order; false stops the walk. */
export type ZVisit = (member: string, score: number) => boolean;

/** The score ZADD's flags give a member now at `cur`, or the outcome that stops the update. */
function applyFlags(cur: number, score: number, flags: number): number | 'nop' | 'nan' {
  if (flags & ZADD_NX) return 'nop';
  if (flags & ZADD_INCR) {
    score += cur;
    if (Number.isNaN(score)) return 'nan';
  }
  if ((flags & ZADD_LT && score >= cur) || (flags & ZADD_GT && score <= cur)) return 'nop';
  return score;
}

/** The printed form a listpack keeps (Number() reads it back exactly; -0 prints as 0). */
function scoreText(score: number): string {
  return String(score);
}

export class ZSet implements Collection {
  /** The packed listpack (count = members) while compact, the skiplist encoding once converted. */
  private data: string | Big;

  /** A new set; 'skiplist' for results that never become listpacks (ZUNION replies...). */
  constructor(encoding: 'listpack' | 'skiplist' = 'listpack') {
    this.data = encoding === 'skiplist' ? new Big() : P.EMPTY_PACKED;
  }

  get type(): 'zset' {
    return 'zset';
  }

  get size(): number {
    const d = this.data;
    return typeof d === 'string' ? P.count(d) : d.dict.size;
  }

  get encoding(): string {
    return typeof this.data === 'string' ? 'listpack' : 'skiplist';
  }

  /** Converts to the skiplist encoding, as Redis's zsetConvert does for SORT. */
  convertToSkiplist(): void {
    const d = this.data;
    if (typeof d === 'string') this.convert(d);
  }

  /** The hash table of the big encoding, null while compact (DEBUG HTSTATS-KEY). */
  hashTable(): { homePositions(): { capacity: number; homes: number[] } } | null {
    const d = this.data;
    return typeof d === 'string' ? null : d.dict;
  }

  /** Bytes of the skiplist's node records (MEMORY USAGE); 0 while compact. */
  skiplistBytes(): number {
    const d = this.data;
    return typeof d === 'string' ? 0 : d.zsl.structureBytes;
  }

  /** The packed string while compact (MEMORY USAGE), else null. */
  packed(): string | null {
    const d = this.data;
    return typeof d === 'string' ? d : null;
  }

  clone(): ZSet {
    const d = this.data;
    const z = new ZSet(typeof d === 'string' ? 'listpack' : 'skiplist');
    if (typeof d === 'string') z.data = d; // immutable: shared safely
    else z.insertAll(d.zsl);
    return z;
  }

  score(member: string): number | undefined {
    const d = this.data;
    if (typeof d !== 'string') {
      const n = d.dict.get(member);
      return n === undefined ? undefined : d.zsl.score(n);
    }
    const p = this.find(d, member);
    return p < 0 ? undefined : scoreAt(d, p);
  }

  has(member: string): boolean {
    const d = this.data;
    return typeof d === 'string' ? this.find(d, member) >= 0 : d.dict.has(member);
  }

  /**
   * ZADD semantics for one member (Redis's zsetAdd): honours NX/XX/GT/LT/INCR bits and converts
   * to the skiplist encoding when the set outgrows the listpack limits.
   */
  add(member: string, score: number, flags: number, limits: ListpackLimits): ZAddOutcome {
    let d = this.data;
    if (typeof d === 'string') {
      const p = this.find(d, member);
      if (p >= 0) {
        const cur = scoreAt(d, p);
        const next = applyFlags(cur, score, flags);
        if (typeof next !== 'number') return next;
        score = next;
        if (score === cur) return 'same';
        const without = P.splice(d, p, P.next(d, P.next(d, p)), [], -1);
        this.data = this.insertPacked(without, member, score);
        return 'updated';
      }
      if (flags & ZADD_XX) return 'nop';
      if (P.count(d) + 1 > limits.maxEntries || member.length > limits.maxValue) d = this.convert(d);
      else {
        this.data = this.insertPacked(d, member, score);
        return 'added';
      }
    }
    const node = d.dict.get(member);
    if (node !== undefined) {
      const cur = d.zsl.score(node);
      // Plain ZADD skips applyFlags: its number-or-outcome result would box the double score.
      if (flags !== 0) {
        const next = applyFlags(cur, score, flags);
        if (typeof next !== 'number') return next;
        score = next;
      }
      if (score === cur) return 'same';
      d.zsl.updateNode(node, score);
      return 'updated';
    }
    if (flags & ZADD_XX) return 'nop';
    this.insertNew(member, score);
    return 'added';
  }

  /** Sets member's score unconditionally (limits apply). Returns true when the member is new. */
  set(member: string, score: number, limits: ListpackLimits): boolean {
    return this.add(member, score, 0, limits) === 'added';
  }

  delete(member: string): boolean {
    const d = this.data;
    if (typeof d === 'string') {
      const p = this.find(d, member);
      if (p < 0) return false;
      this.data = P.splice(d, p, P.next(d, P.next(d, p)), [], -1);
      return true;
    }
    const node = d.dict.get(member);
    if (node === undefined) return false;
    d.zsl.delete(d.zsl.score(node), member);
    d.dict.delete(member);
    this.shrinkIfSparse(d);
    return true;
  }

  /** 0-based rank (reverse: counted from the highest score), or undefined when absent. */
  rank(member: string, reverse = false): number | undefined {
    const d = this.data;
    let r: number;
    if (typeof d === 'string') {
      r = 0;
      let p = P.first(d);
      for (; p < d.length && !P.equalsAt(d, p, member); p = P.next(d, P.next(d, p))) r++;
      if (p >= d.length) return undefined;
    } else {
      const node = d.dict.get(member);
      if (node === undefined) return undefined;
      r = d.zsl.rankOf(d.zsl.score(node), member) - 1;
    }
    return reverse ? this.size - 1 - r : r;
  }

  /**
   * Visits the elements from 0-based rank `start` on, towards the highest score; when reverse,
   * from rank `start` counted from the highest, towards the lowest. Stops when visit says so.
   */
  walkRank(start: number, reverse: boolean, visit: ZVisit): void {
    const d = this.data;
    const len = this.size;
    if (start < 0 || start >= len) return;
    const rank = reverse ? len - 1 - start : start;
    if (typeof d !== 'string') return walkNodes(d.zsl, d.zsl.byRank(rank + 1), reverse, visit);
    if (!reverse) {
      let p = P.first(d);
      for (let k = rank; k > 0; k--) p = P.next(d, P.next(d, p));
      for (; p < d.length; p = P.next(d, P.next(d, p))) if (!visit(P.entryAt(d, p), scoreAt(d, p))) return;
      return;
    }
    walkPacked(d, positions(d), rank, true, visit);
  }

  /**
   * Visits the elements from the first with a score in r (the last when reverse), skipping
   * `offset` of them, until visit says stop: the caller checks the far end of the range.
   */
  walkScore(r: ScoreRange, reverse: boolean, offset: number, visit: ZVisit): void {
    const d = this.data;
    if (typeof d !== 'string') {
      const n = reverse ? d.zsl.lastInScoreRange(r) : d.zsl.firstInScoreRange(r);
      return walkNodes(d.zsl, skipNodes(d.zsl, n, reverse, offset), reverse, visit);
    }
    this.walkPackedFrom(d, scoreBounds(r), reverse, offset, visit);
  }

  /** walkScore for a member range (elements of equal score). */
  walkLex(r: LexRange, reverse: boolean, offset: number, visit: ZVisit): void {
    const d = this.data;
    if (typeof d !== 'string') {
      const n = reverse ? d.zsl.lastInLexRange(r) : d.zsl.firstInLexRange(r);
      return walkNodes(d.zsl, skipNodes(d.zsl, n, reverse, offset), reverse, visit);
    }
    this.walkPackedFrom(d, lexBounds(r), reverse, offset, visit);
  }

  /** Number of elements with a score in r: O(log N) on a skiplist, one scan on a listpack. */
  countInScoreRange(r: ScoreRange): number {
    const d = this.data;
    if (typeof d === 'string') return this.packedRun(d, scoreBounds(r)).count;
    const zsl = d.zsl;
    const first = zsl.firstInScoreRange(r);
    if (first === 0) return 0;
    const last = zsl.lastInScoreRange(r);
    return zsl.rankOf(zsl.score(last), zsl.member(last)) - zsl.rankOf(zsl.score(first), zsl.member(first)) + 1;
  }

  countInLexRange(r: LexRange): number {
    const d = this.data;
    if (typeof d === 'string') return this.packedRun(d, lexBounds(r)).count;
    const zsl = d.zsl;
    const first = zsl.firstInLexRange(r);
    if (first === 0) return 0;
    const last = zsl.lastInLexRange(r);
    return zsl.rankOf(zsl.score(last), zsl.member(last)) - zsl.rankOf(zsl.score(first), zsl.member(first)) + 1;
  }

  /** Removes 0-based ranks start..end inclusive (already clamped to the set). */
  deleteRangeByRank(start: number, end: number): number {
    const d = this.data;
    if (typeof d !== 'string') return this.shrinkAfter(d, d.zsl.deleteRangeByRank(start + 1, end + 1, (m) => d.dict.delete(m)));
    return this.deletePacked(d, positions(d), start, end + 1);
  }

  deleteRangeByScore(r: ScoreRange): number {
    const d = this.data;
    if (typeof d !== 'string') return this.shrinkAfter(d, d.zsl.deleteRangeByScore(r, (m) => d.dict.delete(m)));
    const run = this.packedRun(d, scoreBounds(r));
    return this.deletePacked(d, run.pos, run.from, run.from + run.count);
  }

  deleteRangeByLex(r: LexRange): number {
    const d = this.data;
    if (typeof d !== 'string') return this.shrinkAfter(d, d.zsl.deleteRangeByLex(r, (m) => d.dict.delete(m)));
    const run = this.packedRun(d, lexBounds(r));
    return this.deletePacked(d, run.pos, run.from, run.from + run.count);
  }

  /** Removes and returns the lowest (max=false) or highest element. */
  pop(max: boolean): ZEntry | null {
    const d = this.data;
    if (typeof d === 'string') {
      const n = P.count(d);
      if (n === 0) return null;
      let p = P.first(d);
      for (let k = max ? n - 1 : 0; k > 0; k--) p = P.next(d, P.next(d, p));
      const e = { member: P.entryAt(d, p), score: scoreAt(d, p) };
      this.data = P.splice(d, p, P.next(d, P.next(d, p)), [], -1);
      return e;
    }
    const zsl = d.zsl;
    const n = max ? zsl.last() : zsl.first();
    if (n === 0) return null;
    const e = { member: zsl.member(n), score: zsl.score(n) };
    zsl.delete(e.score, e.member);
    d.dict.delete(e.member);
    this.shrinkIfSparse(d);
    return e;
  }

  /** Elements in order. */
  *[Symbol.iterator](): IterableIterator<ZEntry> {
    const d = this.data;
    if (typeof d !== 'string') {
      const zsl = d.zsl;
      for (let n = zsl.first(); n !== 0; n = zsl.next(n)) yield { member: zsl.member(n), score: zsl.score(n) };
      return;
    }
    for (let p = P.first(d); p < d.length; p = P.next(d, P.next(d, p))) yield { member: P.entryAt(d, p), score: scoreAt(d, p) };
  }

  forEach(visit: (member: string, score: number) => void): void {
    const d = this.data;
    if (typeof d === 'string') {
      const items = P.entries(d);
      for (let i = 0; i < items.length; i += 2) visit(items[i], Number(items[i + 1]));
      return;
    }
    const zsl = d.zsl;
    for (let n = zsl.first(); n !== 0; n = zsl.next(n)) visit(zsl.member(n), zsl.score(n));
  }

  /** Stateless cursor scan over the member map (Dict.scan semantics); a listpack is visited whole. */
  scan(cursor: number, count: number, visit: (member: string, score: number) => void): number {
    const d = this.data;
    if (typeof d === 'string') {
      this.forEach(visit);
      return 0;
    }
    const zsl = d.zsl;
    return d.dict.scan(cursor, count, (m, n) => visit(m, zsl.score(n)));
  }

  /** A uniformly random element, or null when empty. */
  random(rand: () => number = Math.random): ZEntry | null {
    const d = this.data;
    if (typeof d === 'string') {
      const n = P.count(d);
      if (n === 0) return null;
      let p = P.first(d);
      for (let k = Math.floor(rand() * n); k > 0; k--) p = P.next(d, P.next(d, p));
      return { member: P.entryAt(d, p), score: scoreAt(d, p) };
    }
    const m = d.dict.randomKey(rand);
    return m === undefined ? null : { member: m, score: d.zsl.score(d.dict.get(m)!) };
  }

  /**
   * For a freshly computed store result (ZUNIONSTORE...): Redis builds it as a skiplist and
   * turns it into a listpack when it fits the limits.
   */
  static fromSorted(limits: ListpackLimits, build: (insert: (member: string, score: number) => void) => void): ZSet {
    const z = new ZSet('skiplist');
    let maxLen = 0;
    build((member, score) => {
      if (member.length > maxLen) maxLen = member.length;
      z.insertNew(member, score);
    });
    const d = z.data as Big;
    if (z.size <= limits.maxEntries && maxLen <= limits.maxValue) z.data = packList(d.zsl);
    return z;
  }

  /**
   * A sorted set of (member, score) pairs as loaded from an RDB listpack/ziplist: a listpack
   * unless it has more than maxEntries members (rdbLoadObject looks at nothing else), packed in
   * one pass. Pairs out of order (a blob loaded without deep sanitization) are sorted. Null when
   * a member repeats.
   */
  static fromPairs(members: readonly string[], scores: readonly number[], maxEntries: number): ZSet | null {
    const n = members.length;
    if (n > maxEntries) {
      const z = new ZSet('skiplist');
      for (let i = 0; i < n; i++) {
        if ((z.data as Big).dict.has(members[i])) return null;
        z.insertNew(members[i], scores[i]);
      }
      return z;
    }
    const order = Array.from({ length: n }, (_, i) => i);
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = before(scores[i - 1], members[i - 1], scores[i], members[i]);
    if (!sorted) order.sort((a, b) => (before(scores[a], members[a], scores[b], members[b]) ? -1 : 1));
    const seen = new Set<string>();
    const items: string[] = [];
    for (const i of order) {
      if (seen.has(members[i])) return null;
      seen.add(members[i]);
      items.push(members[i], scoreText(scores[i]));
    }
    const z = new ZSet('listpack');
    z.data = P.pack(items, 2);
    return z;
  }

  /** Position of member's entry in the packed string, or -1. */
  private find(s: string, member: string): number {
    for (let p = P.first(s); p < s.length; p = P.next(s, P.next(s, p))) if (P.equalsAt(s, p, member)) return p;
    return -1;
  }

  /** s with (member, score) inserted in (score, member) order; member is absent from s. */
  private insertPacked(s: string, member: string, score: number): string {
    let p = P.first(s);
    for (; p < s.length; p = P.next(s, P.next(s, p))) {
      const sc = scoreAt(s, p);
      if (sc > score || (sc === score && P.entryAt(s, p) > member)) break;
    }
    return P.splice(s, p, p, [member, scoreText(score)], 1);
  }

  private insertNew(member: string, score: number): void {
    const d = this.data as Big;
    d.dict.set(member, d.zsl.insert(score, member));
  }

  /** Inserts every element of zsl (into an empty big set): highest first, so each lands at the head. */
  private insertAll(zsl: SkipList): void {
    for (let n = zsl.last(); n !== 0; n = zsl.prev(n)) this.insertNew(zsl.member(n), zsl.score(n));
  }

  /**
   * Rebuilds the skiplist when deletions left it using under a quarter of its records, so a set
   * that shrank gives its memory back (records are never freed one by one). Amortised O(1).
   */
  private shrinkIfSparse(d: Big): void {
    const old = d.zsl;
    if (old.capacity <= 64 || old.length >= old.capacity >> 2) return;
    d.zsl = new SkipList();
    this.insertAll(old);
  }

  private shrinkAfter(d: Big, removed: number): number {
    if (removed > 0) this.shrinkIfSparse(d);
    return removed;
  }

  /** walkScore/walkLex on a listpack: from the first (last) pair in b, `offset` pairs on. */
  private walkPackedFrom(d: string, b: Bounds, reverse: boolean, offset: number, visit: ZVisit): void {
    if (offset < 0) return;
    const pos = positions(d);
    const i = reverse ? lastIndex(d, pos, b) : firstIndex(d, pos, b);
    if (i < 0) return;
    walkPacked(d, pos, reverse ? i - offset : i + offset, reverse, visit);
  }

  /** The run of pairs in b, as zzlDeleteRangeBy* and the zzl counts see it: from the first in range up to the max. */
  private packedRun(d: string, b: Bounds): { pos: number[]; from: number; count: number } {
    const pos = positions(d);
    const from = firstIndex(d, pos, b);
    return from < 0 ? { pos, from: 0, count: 0 } : { pos, from, count: endIndex(d, pos, from, b) - from };
  }

  /** Removes pairs from..end-1 (indexes into pos) of the listpack d in one splice. */
  private deletePacked(d: string, pos: number[], from: number, end: number): number {
    const n = end - from;
    if (n <= 0) return 0;
    this.data = P.splice(d, pos[from], end < pos.length ? pos[end] : d.length, [], -n);
    return n;
  }

  private convert(s: string): Big {
    const big = new Big();
    this.data = big;
    const items = P.entries(s);
    for (let i = items.length - 2; i >= 0; i -= 2) this.insertNew(items[i], Number(items[i + 1]));
    return big;
  }
}

/** (score a, member a) sorts strictly before (score b, member b). */
function before(sa: number, ma: string, sb: number, mb: string): boolean {
  return sa < sb || (sa === sb && ma < mb);
}

/** The listpack of a skiplist's elements, in order. */
function packList(zsl: SkipList): string {
  const items: string[] = [];
  for (let n = zsl.first(); n !== 0; n = zsl.next(n)) items.push(zsl.member(n), scoreText(zsl.score(n)));
  return P.pack(items, 2);
}
