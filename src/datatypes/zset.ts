// The sorted set: member -> node map (a Dict, for stateless ZSCAN cursors and random picks) plus a
// skiplist ordered by (score, member) for ranks and ranges. Redis keeps small sets in a listpack;
// we keep one structure and only report the encoding Redis would have. The one observable
// difference of a listpack, that it stores -0 as 0, is reproduced.
import { Collection } from './value';
import { Dict } from './dict';
import { LexRange, ScoreRange, SkipList, ZNode } from './skiplist';

export { LEX_MAX, LexRange, ScoreRange, ZNode } from './skiplist';

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

export class ZSet implements Collection {
  readonly type = 'zset';
  private readonly dict = new Dict<ZNode>();
  private readonly zsl = new SkipList();
  private skiplist = false;
  /** The score add() ended with (the ZINCRBY / ZADD INCR reply). */
  lastScore = 0;

  /** A new set; 'skiplist' for results that never become listpacks (ZUNION replies...). */
  constructor(encoding: 'listpack' | 'skiplist' = 'listpack') {
    this.skiplist = encoding === 'skiplist';
  }

  get size(): number {
    return this.dict.size;
  }

  get encoding(): string {
    return this.skiplist ? 'skiplist' : 'listpack';
  }

  /** Switches the reported encoding to skiplist, as Redis's zsetConvert does for SORT. */
  convertToSkiplist(): void {
    this.skiplist = true;
  }

  /** The hash table of the big encoding, null while compact (DEBUG HTSTATS-KEY). */
  hashTable(): { homePositions(): { capacity: number; homes: number[] } } | null {
    return this.encoding === 'skiplist' ? this.dict : null;
  }

  clone(): ZSet {
    const z = new ZSet(this.skiplist ? 'skiplist' : 'listpack');
    for (let n = this.zsl.first(); n !== null; n = n.forward) z.insertNew(n.member, n.score);
    return z;
  }

  score(member: string): number | undefined {
    return this.dict.get(member)?.score;
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /**
   * ZADD semantics for one member (Redis's zsetAdd): honours NX/XX/GT/LT/INCR bits and converts
   * to the skiplist encoding when the set outgrows the listpack limits.
   */
  add(member: string, score: number, flags: number, limits: ListpackLimits): ZAddOutcome {
    const node = this.dict.get(member);
    if (node !== undefined) {
      if (flags & ZADD_NX) return 'nop';
      const cur = node.score;
      if (flags & ZADD_INCR) {
        score += cur;
        if (Number.isNaN(score)) return 'nan';
      }
      if ((flags & ZADD_LT && score >= cur) || (flags & ZADD_GT && score <= cur)) return 'nop';
      this.lastScore = score;
      if (score === cur) return 'same';
      this.zsl.updateNode(node, this.stored(score));
      return 'updated';
    }
    if (flags & ZADD_XX) return 'nop';
    if (!this.skiplist && (this.dict.size + 1 > limits.maxEntries || member.length > limits.maxValue)) this.skiplist = true;
    this.insertNew(member, score);
    this.lastScore = score;
    return 'added';
  }

  /** Sets member's score unconditionally (limits apply). Returns true when the member is new. */
  set(member: string, score: number, limits: ListpackLimits): boolean {
    return this.add(member, score, 0, limits) === 'added';
  }

  delete(member: string): boolean {
    const node = this.dict.get(member);
    if (node === undefined) return false;
    this.zsl.delete(node.score, member);
    this.dict.delete(member);
    return true;
  }

  /** 0-based rank (reverse: counted from the highest score), or undefined when absent. */
  rank(member: string, reverse = false): number | undefined {
    const node = this.dict.get(member);
    if (node === undefined) return undefined;
    const r = this.zsl.rankOf(node.score, member) - 1;
    return reverse ? this.dict.size - 1 - r : r;
  }

  /** The node at a 0-based rank, or null. O(log N). */
  at(rank: number): ZNode | null {
    return rank < 0 || rank >= this.dict.size ? null : this.zsl.byRank(rank + 1);
  }

  /** Lowest element; iterate on with node.forward. */
  first(): ZNode | null {
    return this.zsl.first();
  }

  /** Highest element; iterate back with node.prev. */
  last(): ZNode | null {
    return this.zsl.last();
  }

  firstInScoreRange(r: ScoreRange): ZNode | null {
    return this.zsl.firstInScoreRange(r);
  }

  lastInScoreRange(r: ScoreRange): ZNode | null {
    return this.zsl.lastInScoreRange(r);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    return this.zsl.firstInLexRange(r);
  }

  lastInLexRange(r: LexRange): ZNode | null {
    return this.zsl.lastInLexRange(r);
  }

  /** Number of elements with a score in r, in O(log N). */
  countInScoreRange(r: ScoreRange): number {
    const first = this.zsl.firstInScoreRange(r);
    if (first === null) return 0;
    const last = this.zsl.lastInScoreRange(r)!;
    return this.zsl.rankOf(last.score, last.member) - this.zsl.rankOf(first.score, first.member) + 1;
  }

  countInLexRange(r: LexRange): number {
    const first = this.zsl.firstInLexRange(r);
    if (first === null) return 0;
    const last = this.zsl.lastInLexRange(r)!;
    return this.zsl.rankOf(last.score, last.member) - this.zsl.rankOf(first.score, first.member) + 1;
  }

  /** Removes 0-based ranks start..end inclusive (already clamped to the set). */
  deleteRangeByRank(start: number, end: number): number {
    return this.zsl.deleteRangeByRank(start + 1, end + 1, this.forget);
  }

  deleteRangeByScore(r: ScoreRange): number {
    return this.zsl.deleteRangeByScore(r, this.forget);
  }

  deleteRangeByLex(r: LexRange): number {
    return this.zsl.deleteRangeByLex(r, this.forget);
  }

  /** Removes and returns the lowest (max=false) or highest element. */
  pop(max: boolean): ZNode | null {
    const n = max ? this.zsl.last() : this.zsl.first();
    if (n === null) return null;
    this.zsl.delete(n.score, n.member);
    this.dict.delete(n.member);
    return n;
  }

  /** Elements in order. */
  *[Symbol.iterator](): IterableIterator<ZNode> {
    for (let n = this.zsl.first(); n !== null; n = n.forward) yield n;
  }

  forEach(visit: (member: string, score: number) => void): void {
    for (let n = this.zsl.first(); n !== null; n = n.forward) visit(n.member, n.score);
  }

  /** Stateless cursor scan over the member map (Dict.scan semantics). */
  scan(cursor: number, count: number, visit: (member: string, score: number) => void): number {
    return this.dict.scan(cursor, count, (m, n) => visit(m, n.score));
  }

  /** A uniformly random element, or null when empty. */
  random(rand: () => number = Math.random): ZNode | null {
    const m = this.dict.randomKey(rand);
    return m === undefined ? null : this.dict.get(m)!;
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
    if (z.size <= limits.maxEntries && maxLen <= limits.maxValue) {
      z.skiplist = false;
      for (let n = z.zsl.first(); n !== null; n = n.forward) if (n.score === 0) n.score = 0; // -0 -> 0
    }
    return z;
  }

  private insertNew(member: string, score: number): void {
    this.dict.set(member, this.zsl.insert(this.stored(score), member));
  }

  /** A listpack keeps scores as printed numbers, and "-0" becomes the integer 0. */
  private stored(score: number): number {
    return score === 0 && !this.skiplist ? 0 : score;
  }

  private readonly forget = (n: ZNode): void => {
    this.dict.delete(n.member);
  };
}
