// A skiplist ordered by (score, member) with span counts, as Redis's zskiplist: O(log N) insert,
// delete, rank of an element, element at a rank and first/last element of a score or lex range.
// Members are latin1 strings, so JS `<` compares them byte by byte like memcmp.

const MAX_LEVEL = 32;
const P = 0.25;

/** Links above level 2: next node at even index 2(i-3), its span at 2(i-3)+1. */
type Links = (ZNode | number | null)[];
// Shared empty link arrays that also tell a node's level, so nodes need no level field.
const LEVEL1: Links = [];
const LEVEL2: Links = [];
const LEVEL3: Links = [];

/**
 * Levels 0 to 2 live in fields: 98% of nodes have at most three levels, and about two thirds of
 * a search's steps are taken on levels 0-2, where a step through a field costs one load and a
 * step through the `up` array three (array, its elements, the slot): ZADD on a 100k-member set
 * runs about a fifth faster with level 2 in fields than in `up`. A span counts the level-0 steps
 * a link jumps (rank arithmetic); a level-0 link always jumps 1, so that span is not stored.
 * A node is 96 bytes (V8 x64: 24-byte header + 9 fields).
 */
export class ZNode {
  /** The following node in order (level 0), or null at the end. Read-only outside SkipList. */
  forward: ZNode | null = null;
  next1: ZNode | null = null;
  span1 = 0;
  next2: ZNode | null = null;
  span2 = 0;
  /** Levels 3 and up, next/span interleaved; LEVEL1/LEVEL2 for lower nodes. */
  readonly up: Links;
  /** Level-0 back pointer (null for the first node). */
  prev: ZNode | null = null;

  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    if (level <= 3) {
      this.up = level === 1 ? LEVEL1 : level === 2 ? LEVEL2 : LEVEL3;
    } else {
      const up: Links = [];
      for (let i = 3; i < level; i++) up.push(null, 0);
      this.up = up;
    }
  }

  /** Number of levels the node is linked on. */
  get level(): number {
    const up = this.up;
    return up === LEVEL1 ? 1 : up === LEVEL2 ? 2 : up === LEVEL3 ? 3 : (up.length >> 1) + 3;
  }
}

function nextAt(x: ZNode, i: number): ZNode | null {
  return i === 0 ? x.forward : i === 1 ? x.next1 : i === 2 ? x.next2 : (x.up[(i - 3) << 1] as ZNode | null);
}

function spanAt(x: ZNode, i: number): number {
  return i === 0 ? 1 : i === 1 ? x.span1 : i === 2 ? x.span2 : (x.up[((i - 3) << 1) + 1] as number);
}

function setNext(x: ZNode, i: number, n: ZNode | null): void {
  if (i === 0) x.forward = n;
  else if (i === 1) x.next1 = n;
  else if (i === 2) x.next2 = n;
  else x.up[(i - 3) << 1] = n;
}

function setSpan(x: ZNode, i: number, span: number): void {
  if (i === 1) x.span1 = span;
  else if (i === 0) return; // level-0 spans are always 1
  else if (i === 2) x.span2 = span;
  else x.up[((i - 3) << 1) + 1] = span;
}

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

export class SkipList {
  readonly head = new ZNode('', 0, MAX_LEVEL);
  tail: ZNode | null = null;
  length = 0;
  private level = 1;
  // Scratch path reused by every update (the list is single-threaded).
  private readonly update: ZNode[] = [];
  private readonly rank: number[] = [];

  constructor() {
    // The head's score is never read. Storing a non-number there makes V8 keep ZNode.score as a
    // tagged field: integer scores then sit in the node itself (no separate heap-number box to
    // load on every comparison, 16 bytes less per node), and other scores share the number the
    // caller passed instead of being copied into a fresh box.
    (this.head as { score: unknown }).score = null;
    for (let i = 0; i < MAX_LEVEL; i++) {
      this.update.push(this.head);
      this.rank.push(0);
    }
  }

  first(): ZNode | null {
    return this.head.forward;
  }

  last(): ZNode | null {
    return this.tail;
  }

  /** Inserts an element known to be absent. */
  insert(score: number, member: string): ZNode {
    const node = new ZNode(member, score, randomLevel());
    this.link(node);
    return node;
  }

  /** Removes the element (score, member). Returns whether it was there. */
  delete(score: number, member: string): boolean {
    const x = this.findPath(score, member).forward;
    if (x === null || x.score !== score || x.member !== member) return false;
    this.unlinkWithPath(x);
    return true;
  }

  /**
   * Changes the score of the element currently at (score, member); returns its node, which is
   * the same object (Redis's zslUpdateScore).
   */
  updateScore(score: number, member: string, newScore: number): ZNode {
    const x = this.findPath(score, member).forward!;
    this.updateNode(x, newScore);
    return x;
  }

  /**
   * Gives node a new score. When its neighbours keep it in order only the score changes (no
   * search); otherwise the node is unlinked and linked back at its new place, keeping its level.
   */
  updateNode(x: ZNode, newScore: number): void {
    const prev = x.prev;
    const next = x.forward;
    if ((prev === null || prev.score < newScore) && (next === null || next.score > newScore)) {
      x.score = newScore;
      return;
    }
    this.findPath(x.score, x.member);
    this.unlinkWithPath(x);
    x.score = newScore;
    x.prev = null;
    this.link(x);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rankOf(score: number, member: string): number {
    let rank = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        rank += spanAt(x, i);
        x = f;
        f = nextAt(x, i);
      }
      if (x !== this.head && x.member === member) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank, or null. */
  byRank(rank: number): ZNode | null {
    let traversed = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && traversed + (spanAt(x, i)) <= rank) {
        traversed += spanAt(x, i);
        x = f;
        f = nextAt(x, i);
      }
      if (traversed === rank) return x === this.head ? null : x;
    }
    return null;
  }

  firstInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.intersectsScore(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && !scoreGteMin(f.score, r)) {
        x = f;
        f = nextAt(x, i);
      }
    }
    const n = x.forward;
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  lastInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.intersectsScore(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && scoreLteMax(f.score, r)) {
        x = f;
        f = nextAt(x, i);
      }
    }
    return x !== this.head && scoreGteMin(x.score, r) ? x : null;
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.intersectsLex(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && !lexGteMin(f.member, r)) {
        x = f;
        f = nextAt(x, i);
      }
    }
    const n = x.forward;
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.intersectsLex(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && lexLteMax(f.member, r)) {
        x = f;
        f = nextAt(x, i);
      }
    }
    return x !== this.head && lexGteMin(x.member, r) ? x : null;
  }

  /** Deletes the nodes at 1-based ranks start..end (inclusive); calls onDelete for each. */
  deleteRangeByRank(start: number, end: number, onDelete: (n: ZNode) => void): number {
    const update = this.update;
    let traversed = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && traversed + (spanAt(x, i)) < start) {
        traversed += spanAt(x, i);
        x = f;
        f = nextAt(x, i);
      }
      update[i] = x;
    }
    traversed++;
    let n = x.forward;
    let removed = 0;
    while (n !== null && traversed <= end) {
      const next = n.forward;
      this.unlinkWithPath(n);
      onDelete(n);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByScore(r: ScoreRange, onDelete: (n: ZNode) => void): number {
    return this.deleteRange(
      (n) => scoreGteMin(n.score, r),
      (n) => scoreLteMax(n.score, r),
      onDelete,
    );
  }

  deleteRangeByLex(r: LexRange, onDelete: (n: ZNode) => void): number {
    return this.deleteRange(
      (n) => lexGteMin(n.member, r),
      (n) => lexLteMax(n.member, r),
      onDelete,
    );
  }

  /** Deletes the run of nodes from the first one past `reachedMin` while `withinMax` holds. */
  private deleteRange(reachedMin: (n: ZNode) => boolean, withinMax: (n: ZNode) => boolean, onDelete: (n: ZNode) => void): number {
    const update = this.update;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && !reachedMin(f)) {
        x = f;
        f = nextAt(x, i);
      }
      update[i] = x;
    }
    let n = x.forward;
    let removed = 0;
    while (n !== null && withinMax(n)) {
      const next = n.forward;
      this.unlinkWithPath(n);
      onDelete(n);
      removed++;
      n = next;
    }
    return removed;
  }

  private intersectsScore(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const first = this.head.forward;
    return this.tail !== null && scoreGteMin(this.tail.score, r) && first !== null && scoreLteMax(first.score, r);
  }

  private intersectsLex(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const first = this.head.forward;
    return this.tail !== null && lexGteMin(this.tail.member, r) && first !== null && lexLteMax(first.member, r);
  }

  /** Links a detached node at the place of its (score, member), keeping its level (zslInsert). */
  private link(node: ZNode): void {
    const update = this.update;
    const rank = this.rank;
    const score = node.score;
    const member = node.member;
    let x = this.head;
    let r = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
        r += spanAt(x, i);
        x = f;
        f = nextAt(x, i);
      }
      rank[i] = r;
      update[i] = x;
    }
    const level = node.level;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        setSpan(this.head, i, this.length);
      }
      this.level = level;
    }
    const r0 = rank[0];
    for (let i = 0; i < level; i++) {
      const u = update[i];
      const skipped = r0 - rank[i];
      setNext(node, i, nextAt(u, i));
      setNext(u, i, node);
      setSpan(node, i, spanAt(u, i) - skipped);
      setSpan(u, i, skipped + 1);
    }
    for (let i = level; i < this.level; i++) setSpan(update[i], i, spanAt(update[i], i) + 1);
    const before = update[0];
    node.prev = before === this.head ? null : before;
    const next = node.forward;
    if (next !== null) next.prev = node;
    else this.tail = node;
    this.length++;
  }

  /** Fills `update` with the last node before (score, member) on each level; returns level 0's. */
  private findPath(score: number, member: string): ZNode {
    const update = this.update;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = nextAt(x, i);
      while (f !== null && (f.score < score || (f.score === score && f.member < member))) {
        x = f;
        f = nextAt(x, i);
      }
      update[i] = x;
    }
    return x;
  }

  /** Removes x given `update` holds its predecessors on every level (Redis's zslDeleteNode). */
  private unlinkWithPath(x: ZNode): void {
    const update = this.update;
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (nextAt(u, i) === x) {
        setSpan(u, i, spanAt(u, i) + spanAt(x, i) - 1);
        setNext(u, i, nextAt(x, i));
      } else {
        setSpan(u, i, spanAt(u, i) - 1);
      }
    }
    const next = x.forward;
    if (next !== null) next.prev = x.prev;
    else this.tail = x.prev;
    while (this.level > 1 && nextAt(this.head, this.level - 1) === null) this.level--;
    this.length--;
  }
}
