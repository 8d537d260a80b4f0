// A skiplist ordered by (score, member) with span counts, as Redis's zskiplist: O(log N) insert,
// delete, rank of an element, element at a rank and first/last element of a score or lex range.
// Members are latin1 strings, so JS `<` compares them byte by byte like memcmp.
//
// Nodes are records in one ArrayBuffer, not JS objects: a node is an index, and a search step
// reads the next node's score and its links from one 32-byte record (one cache line), where a V8
// object node cost a 96-byte object whose fields and `up` array were separate loads, plus GC
// marking of every node. Record x, as int32 slots from x*8:
//   0-1 score (float64)  2 next on level 0 (0 = none)  3 previous node (0 = head/none)
//   4 next on level 1    5 its span                    6 next on level 2   7 its span
// Levels 3 and up (1 node in 64) live in fixed blocks of `upper`: next at 2(i-3), span after it.
// Node 0 is the head; a link to 0 means "none". Freed records are chained through slot 2.

const MAX_LEVEL = 32;
const P = 0.25;
const STRIDE = 8;
const NEXT0 = 2;
const PREV = 3;
/** Int32 slots of an upper block: levels 3..31, next and span each. */
const UPPER_BLOCK = (MAX_LEVEL - 3) * 2;
const INITIAL_CAPACITY = 16;

/** A score interval; `minex`/`maxex` make a bound exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/**
 * A member interval. Bounds are latin1 strings; LEX_MAX (a char no member can contain) stands
 * for "+", and "-" is encoded as '' inclusive (as a min) or '' exclusive (as a max).
 */
export interface LexRange {
  min: string;
  max: string;
  minex: boolean;
  maxex: boolean;
}

/** Sorts after every latin1 string. */
export const LEX_MAX = '\uffff';

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}
export function lexGteMin(v: string, r: LexRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function lexLteMax(v: string, r: LexRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}
export function lexRangeEmpty(r: LexRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

/** Node indexes: 0 is "none" wherever a node is expected. */
export type ZNodeId = number;

export class SkipList {
  length = 0;
  private level = 1;
  private tailNode = 0;
  /** Records (see the top of the file), as int32 and float64 views of one buffer. */
  private i32: Int32Array;
  private f64: Float64Array;
  /** Member of each record ('' when free). */
  private members: string[] = [''];
  /** Level of each record. */
  private levels: Uint8Array;
  /** Offset in `upper` of each record of level 4 or more. */
  private upperAt: Int32Array;
  private upper: Int32Array;
  private upperUsed = 0;
  private freeUpper: number[] = [];
  /** Records handed out so far (including the head and freed ones). */
  private used = 1;
  /** First free record, chained through NEXT0; 0 when none. */
  private freeList = 0;
  // Scratch path reused by every update (the list is single-threaded).
  private readonly update = new Int32Array(MAX_LEVEL);
  private readonly rank = new Int32Array(MAX_LEVEL);

  constructor() {
    const buf = new ArrayBuffer(INITIAL_CAPACITY * STRIDE * 4);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    this.levels = new Uint8Array(INITIAL_CAPACITY);
    this.upperAt = new Int32Array(INITIAL_CAPACITY);
    this.upper = new Int32Array(UPPER_BLOCK * 4);
    this.levels[0] = MAX_LEVEL;
    this.upperAt[0] = this.allocUpper();
  }

  /** Records allocated (live, free and the head): MEMORY USAGE. */
  get capacity(): number {
    return this.levels.length;
  }

  /** Bytes held by the records, per-record arrays and upper blocks (not the member strings). */
  get structureBytes(): number {
    return this.i32.byteLength + this.levels.byteLength + this.upperAt.byteLength + this.upper.byteLength + this.members.length * 8;
  }

  first(): ZNodeId {
    return this.i32[NEXT0];
  }

  last(): ZNodeId {
    return this.tailNode;
  }

  next(x: ZNodeId): ZNodeId {
    return this.i32[x * STRIDE + NEXT0];
  }

  /** The node before x, 0 for the first node. */
  prev(x: ZNodeId): ZNodeId {
    return this.i32[x * STRIDE + PREV];
  }

  score(x: ZNodeId): number {
    return this.f64[x * (STRIDE >> 1)];
  }

  member(x: ZNodeId): string {
    return this.members[x];
  }

  /** Inserts an element known to be absent; returns its node. */
  insert(score: number, member: string): ZNodeId {
    const x = this.alloc(randomLevel());
    this.f64[x * (STRIDE >> 1)] = score;
    this.members[x] = member;
    this.link(x);
    return x;
  }

  /** Removes the element (score, member). Returns whether it was there. */
  delete(score: number, member: string): boolean {
    const x = this.next(this.findPath(score, member));
    if (x === 0 || this.score(x) !== score || this.members[x] !== member) return false;
    this.unlinkWithPath(x);
    this.release(x);
    return true;
  }

  /**
   * Gives node x a new score (Redis's zslUpdateScore). When its neighbours keep it in order only
   * the score changes (no search); otherwise it is unlinked and linked back at its new place,
   * keeping its level and index.
   */
  updateNode(x: ZNodeId, newScore: number): void {
    const i32 = this.i32;
    const f64 = this.f64;
    const prev = i32[x * STRIDE + PREV];
    const next = i32[x * STRIDE + NEXT0];
    if ((prev === 0 || f64[prev * 4] < newScore) && (next === 0 || f64[next * 4] > newScore)) {
      f64[x * 4] = newScore;
      return;
    }
    this.findPath(f64[x * 4], this.members[x]);
    this.unlinkWithPath(x);
    this.f64[x * 4] = newScore;
    this.link(x);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rankOf(score: number, member: string): number {
    const f64 = this.f64;
    const members = this.members;
    let rank = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && (f64[f * 4] < score || (f64[f * 4] === score && members[f] <= member))) {
        rank += this.spanAt(x, i);
        x = f;
        f = this.nextAt(x, i);
      }
      if (x !== 0 && members[x] === member) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank, or 0. */
  byRank(rank: number): ZNodeId {
    let traversed = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && traversed + this.spanAt(x, i) <= rank) {
        traversed += this.spanAt(x, i);
        x = f;
        f = this.nextAt(x, i);
      }
      if (traversed === rank) return x;
    }
    return 0;
  }

  firstInScoreRange(r: ScoreRange): ZNodeId {
    if (!this.intersectsScore(r)) return 0;
    const f64 = this.f64;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && !scoreGteMin(f64[f * 4], r)) {
        x = f;
        f = this.nextAt(x, i);
      }
    }
    const n = this.next(x);
    return n !== 0 && scoreLteMax(f64[n * 4], r) ? n : 0;
  }

  lastInScoreRange(r: ScoreRange): ZNodeId {
    if (!this.intersectsScore(r)) return 0;
    const f64 = this.f64;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && scoreLteMax(f64[f * 4], r)) {
        x = f;
        f = this.nextAt(x, i);
      }
    }
    return x !== 0 && scoreGteMin(f64[x * 4], r) ? x : 0;
  }

  firstInLexRange(r: LexRange): ZNodeId {
    if (!this.intersectsLex(r)) return 0;
    const members = this.members;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && !lexGteMin(members[f], r)) {
        x = f;
        f = this.nextAt(x, i);
      }
    }
    const n = this.next(x);
    return n !== 0 && lexLteMax(members[n], r) ? n : 0;
  }

  lastInLexRange(r: LexRange): ZNodeId {
    if (!this.intersectsLex(r)) return 0;
    const members = this.members;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && lexLteMax(members[f], r)) {
        x = f;
        f = this.nextAt(x, i);
      }
    }
    return x !== 0 && lexGteMin(members[x], r) ? x : 0;
  }

  /** Deletes the nodes at 1-based ranks start..end (inclusive); calls onDelete with each member. */
  deleteRangeByRank(start: number, end: number, onDelete: (member: string) => void): number {
    const update = this.update;
    let traversed = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && traversed + this.spanAt(x, i) < start) {
        traversed += this.spanAt(x, i);
        x = f;
        f = this.nextAt(x, i);
      }
      update[i] = x;
    }
    traversed++;
    let n = this.next(x);
    let removed = 0;
    while (n !== 0 && traversed <= end) {
      const next = this.next(n);
      this.removeVisited(n, onDelete);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByScore(r: ScoreRange, onDelete: (member: string) => void): number {
    const f64 = this.f64;
    const update = this.update;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && !scoreGteMin(f64[f * 4], r)) {
        x = f;
        f = this.nextAt(x, i);
      }
      update[i] = x;
    }
    let n = this.next(x);
    let removed = 0;
    while (n !== 0 && scoreLteMax(this.f64[n * 4], r)) {
      const next = this.next(n);
      this.removeVisited(n, onDelete);
      removed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByLex(r: LexRange, onDelete: (member: string) => void): number {
    const members = this.members;
    const update = this.update;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = this.nextAt(x, i);
      while (f !== 0 && !lexGteMin(members[f], r)) {
        x = f;
        f = this.nextAt(x, i);
      }
      update[i] = x;
    }
    let n = this.next(x);
    let removed = 0;
    while (n !== 0 && lexLteMax(members[n], r)) {
      const next = this.next(n);
      this.removeVisited(n, onDelete);
      removed++;
      n = next;
    }
    return removed;
  }

  /** Unlinks n (its predecessors are in `update`), reports its member and frees it. */
  private removeVisited(n: ZNodeId, onDelete: (member: string) => void): void {
    this.unlinkWithPath(n);
    onDelete(this.members[n]);
    this.release(n);
  }

  private intersectsScore(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const first = this.first();
    return this.tailNode !== 0 && scoreGteMin(this.score(this.tailNode), r) && first !== 0 && scoreLteMax(this.score(first), r);
  }

  private intersectsLex(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const first = this.first();
    return this.tailNode !== 0 && lexGteMin(this.members[this.tailNode], r) && first !== 0 && lexLteMax(this.members[first], r);
  }

  private nextAt(x: ZNodeId, i: number): ZNodeId {
    const i32 = this.i32;
    if (i < 3) return i32[x * STRIDE + (i === 0 ? NEXT0 : i === 1 ? 4 : 6)];
    return this.upper[this.upperAt[x] + ((i - 3) << 1)];
  }

  private spanAt(x: ZNodeId, i: number): number {
    if (i === 0) return 1; // level-0 links always jump one node
    if (i < 3) return this.i32[x * STRIDE + (i === 1 ? 5 : 7)];
    return this.upper[this.upperAt[x] + ((i - 3) << 1) + 1];
  }

  private setNext(x: ZNodeId, i: number, n: ZNodeId): void {
    if (i < 3) this.i32[x * STRIDE + (i === 0 ? NEXT0 : i === 1 ? 4 : 6)] = n;
    else this.upper[this.upperAt[x] + ((i - 3) << 1)] = n;
  }

  private setSpan(x: ZNodeId, i: number, span: number): void {
    if (i === 0) return;
    if (i < 3) this.i32[x * STRIDE + (i === 1 ? 5 : 7)] = span;
    else this.upper[this.upperAt[x] + ((i - 3) << 1) + 1] = span;
  }

  /** Links detached node x at the place of its (score, member), keeping its level (zslInsert). */
  private link(x: ZNodeId): void {
    const update = this.update;
    const rank = this.rank;
    const i32 = this.i32;
    const f64 = this.f64;
    const members = this.members;
    const score = f64[x * 4];
    const member = members[x];
    let p = 0;
    let r = 0;
    let i = this.level - 1;
    // Levels 3 and up through the upper blocks, then 2, 1, 0 straight from the records.
    const upper = this.upper;
    const upperAt = this.upperAt;
    for (; i >= 3; i--) {
      const off = (i - 3) << 1;
      let f = upper[upperAt[p] + off];
      while (f !== 0) {
        const s = f64[f * 4];
        if (s > score || (s === score && members[f] >= member)) break;
        r += upper[upperAt[p] + off + 1];
        p = f;
        f = upper[upperAt[p] + off];
      }
      rank[i] = r;
      update[i] = p;
    }
    for (; i >= 0; i--) {
      const slot = i === 0 ? NEXT0 : i === 1 ? 4 : 6;
      let f = i32[p * STRIDE + slot];
      while (f !== 0) {
        const s = f64[f * 4];
        if (s > score || (s === score && members[f] >= member)) break;
        r += i === 0 ? 1 : i32[p * STRIDE + slot + 1];
        p = f;
        f = i32[p * STRIDE + slot];
      }
      rank[i] = r;
      update[i] = p;
    }
    const level = this.levels[x];
    if (level > this.level) {
      for (let j = this.level; j < level; j++) {
        rank[j] = 0;
        update[j] = 0;
        this.setSpan(0, j, this.length);
      }
      this.level = level;
    }
    const r0 = rank[0];
    for (let j = 0; j < level; j++) {
      const u = update[j];
      const skipped = r0 - rank[j];
      if (j < 3) {
        const slot = j === 0 ? NEXT0 : j === 1 ? 4 : 6;
        i32[x * STRIDE + slot] = i32[u * STRIDE + slot];
        i32[u * STRIDE + slot] = x;
        if (j !== 0) {
          i32[x * STRIDE + slot + 1] = i32[u * STRIDE + slot + 1] - skipped;
          i32[u * STRIDE + slot + 1] = skipped + 1;
        }
      } else {
        const ux = upperAt[u] + ((j - 3) << 1);
        const xx = upperAt[x] + ((j - 3) << 1);
        upper[xx] = upper[ux];
        upper[ux] = x;
        upper[xx + 1] = upper[ux + 1] - skipped;
        upper[ux + 1] = skipped + 1;
      }
    }
    // Levels above the node's: the links over it now jump one more node.
    for (let j = level; j < this.level; j++) {
      const u = update[j];
      if (j < 3) i32[u * STRIDE + (j === 1 ? 5 : 7)]++;
      else upper[upperAt[u] + ((j - 3) << 1) + 1]++;
    }
    i32[x * STRIDE + PREV] = update[0];
    const next = i32[x * STRIDE + NEXT0];
    if (next !== 0) i32[next * STRIDE + PREV] = x;
    else this.tailNode = x;
    this.length++;
  }

  /** Fills `update` with the last node before (score, member) on each level; returns level 0's. */
  private findPath(score: number, member: string): ZNodeId {
    const update = this.update;
    const i32 = this.i32;
    const f64 = this.f64;
    const members = this.members;
    let p = 0;
    let i = this.level - 1;
    const upper = this.upper;
    const upperAt = this.upperAt;
    for (; i >= 3; i--) {
      const off = (i - 3) << 1;
      let f = upper[upperAt[p] + off];
      while (f !== 0) {
        const s = f64[f * 4];
        if (s > score || (s === score && members[f] >= member)) break;
        p = f;
        f = upper[upperAt[p] + off];
      }
      update[i] = p;
    }
    for (; i >= 0; i--) {
      const slot = i === 0 ? NEXT0 : i === 1 ? 4 : 6;
      let f = i32[p * STRIDE + slot];
      while (f !== 0) {
        const s = f64[f * 4];
        if (s > score || (s === score && members[f] >= member)) break;
        p = f;
        f = i32[p * STRIDE + slot];
      }
      update[i] = p;
    }
    return p;
  }

  /** Removes x given `update` holds its predecessors on every level (Redis's zslDeleteNode). */
  private unlinkWithPath(x: ZNodeId): void {
    const update = this.update;
    const i32 = this.i32;
    const upper = this.upper;
    const upperAt = this.upperAt;
    const level = this.level;
    for (let i = 0; i < level; i++) {
      const u = update[i];
      if (i < 3) {
        const slot = i === 0 ? NEXT0 : i === 1 ? 4 : 6;
        if (i32[u * STRIDE + slot] === x) {
          i32[u * STRIDE + slot] = i32[x * STRIDE + slot];
          if (i !== 0) i32[u * STRIDE + slot + 1] += i32[x * STRIDE + slot + 1] - 1;
        } else if (i !== 0) i32[u * STRIDE + slot + 1]--;
      } else {
        const ux = upperAt[u] + ((i - 3) << 1);
        if (upper[ux] === x) {
          const xx = upperAt[x] + ((i - 3) << 1);
          upper[ux] = upper[xx];
          upper[ux + 1] += upper[xx + 1] - 1;
        } else upper[ux + 1]--;
      }
    }
    const next = i32[x * STRIDE + NEXT0];
    const prev = i32[x * STRIDE + PREV];
    if (next !== 0) i32[next * STRIDE + PREV] = prev;
    else this.tailNode = prev;
    while (this.level > 1 && this.nextAt(0, this.level - 1) === 0) this.level--;
    this.length--;
  }

  /** A detached record of the given level, links cleared. */
  private alloc(level: number): ZNodeId {
    let x = this.freeList;
    if (x !== 0) this.freeList = this.i32[x * STRIDE + NEXT0];
    else {
      if (this.used === this.levels.length) this.grow();
      x = this.used++;
    }
    const base = x * STRIDE;
    this.i32.fill(0, base, base + STRIDE);
    this.levels[x] = level;
    if (level > 3) {
      const at = this.allocUpper();
      this.upperAt[x] = at;
      this.upper.fill(0, at, at + UPPER_BLOCK);
    }
    return x;
  }

  /** Returns a record (already unlinked) to the free list. */
  private release(x: ZNodeId): void {
    if (this.levels[x] > 3) this.freeUpper.push(this.upperAt[x]);
    this.levels[x] = 0;
    this.members[x] = '';
    this.i32[x * STRIDE + NEXT0] = this.freeList;
    this.freeList = x;
  }

  private allocUpper(): number {
    const reused = this.freeUpper.pop();
    if (reused !== undefined) return reused;
    if (this.upperUsed + UPPER_BLOCK > this.upper.length) {
      const bigger = new Int32Array(this.upper.length * 2);
      bigger.set(this.upper);
      this.upper = bigger;
    }
    const at = this.upperUsed;
    this.upperUsed += UPPER_BLOCK;
    return at;
  }

  /** Half again as many records (a new buffer; untouched pages of it cost no RSS). */
  private grow(): void {
    const cap = this.levels.length;
    const next = cap < 1024 ? cap * 2 : cap + (cap >> 1);
    const buf = new ArrayBuffer(next * STRIDE * 4);
    const i32 = new Int32Array(buf);
    i32.set(this.i32);
    this.i32 = i32;
    this.f64 = new Float64Array(buf);
    const levels = new Uint8Array(next);
    levels.set(this.levels);
    this.levels = levels;
    const upperAt = new Int32Array(next);
    upperAt.set(this.upperAt);
    this.upperAt = upperAt;
  }
}
