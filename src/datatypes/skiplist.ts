// A skiplist ordered by (score, member) with span counts, as Redis's zskiplist: O(log N) insert,
// delete, rank of an element, element at a rank and first/last element of a score or lex range.
// Members are latin1 strings, so JS `<` compares them byte by byte like memcmp.

const MAX_LEVEL = 32;
const P = 0.25;

export class ZNode {
  /** Forward pointers, one per level. */
  readonly next: (ZNode | null)[];
  /** span[i]: how many level-0 steps next[i] jumps (rank arithmetic). */
  readonly span: number[];
  /** Level-0 back pointer (null for the first node). */
  prev: ZNode | null = null;

  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }

  /** The following node in order, or null at the end. */
  get forward(): ZNode | null {
    return this.next[0];
  }
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

/** True when (score, member) of n sorts before (score, member). */
function before(n: ZNode, score: number, member: string): boolean {
  return n.score < score || (n.score === score && n.member < member);
}

export class SkipList {
  readonly head = new ZNode('', 0, MAX_LEVEL);
  tail: ZNode | null = null;
  length = 0;
  private level = 1;
  // Scratch path reused by every update (the list is single-threaded).
  private readonly update: ZNode[] = new Array<ZNode>(MAX_LEVEL);
  private readonly rank: number[] = new Array<number>(MAX_LEVEL).fill(0);

  first(): ZNode | null {
    return this.head.next[0];
  }

  last(): ZNode | null {
    return this.tail;
  }

  /** Inserts an element known to be absent. */
  insert(score: number, member: string): ZNode {
    const update = this.update;
    const rank = this.rank;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      let f = x.next[i];
      while (f !== null && before(f, score, member)) {
        rank[i] += x.span[i];
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        this.head.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i];
      node.next[i] = u.next[i];
      u.next[i] = node;
      node.span[i] = u.span[i] - (rank[0] - rank[i]);
      u.span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    node.prev = update[0] === this.head ? null : update[0];
    if (node.next[0] !== null) node.next[0].prev = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Removes the element (score, member). Returns whether it was there. */
  delete(score: number, member: string): boolean {
    const x = this.findPath(score, member).next[0];
    if (x === null || x.score !== score || x.member !== member) return false;
    this.unlinkWithPath(x);
    return true;
  }

  /**
   * Changes the score of the element currently at (score, member); returns its node. The node
   * stays in place when the order is unchanged (Redis's zslUpdateScore).
   */
  updateScore(score: number, member: string, newScore: number): ZNode {
    const x = this.findPath(score, member).next[0]!;
    if ((x.prev === null || x.prev.score < newScore) && (x.next[0] === null || x.next[0].score > newScore)) {
      x.score = newScore;
      return x;
    }
    this.unlinkWithPath(x);
    return this.insert(newScore, member);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rankOf(score: number, member: string): number {
    let rank = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && (f.score < score || (f.score === score && f.member <= member))) {
        rank += x.span[i];
        x = f;
        f = x.next[i];
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
      let f = x.next[i];
      while (f !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = f;
        f = x.next[i];
      }
      if (traversed === rank) return x === this.head ? null : x;
    }
    return null;
  }

  firstInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.intersectsScore(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && !scoreGteMin(f.score, r)) {
        x = f;
        f = x.next[i];
      }
    }
    const n = x.next[0];
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  lastInScoreRange(r: ScoreRange): ZNode | null {
    if (!this.intersectsScore(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && scoreLteMax(f.score, r)) {
        x = f;
        f = x.next[i];
      }
    }
    return x !== this.head && scoreGteMin(x.score, r) ? x : null;
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.intersectsLex(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && !lexGteMin(f.member, r)) {
        x = f;
        f = x.next[i];
      }
    }
    const n = x.next[0];
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.intersectsLex(r)) return null;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && lexLteMax(f.member, r)) {
        x = f;
        f = x.next[i];
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
      let f = x.next[i];
      while (f !== null && traversed + x.span[i] < start) {
        traversed += x.span[i];
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    traversed++;
    let n = x.next[0];
    let removed = 0;
    while (n !== null && traversed <= end) {
      const next = n.next[0];
      this.unlinkWithPath(n);
      onDelete(n);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByScore(r: ScoreRange, onDelete: (n: ZNode) => void): number {
    const update = this.update;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && !scoreGteMin(f.score, r)) {
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    let n = x.next[0];
    let removed = 0;
    while (n !== null && scoreLteMax(n.score, r)) {
      const next = n.next[0];
      this.unlinkWithPath(n);
      onDelete(n);
      removed++;
      n = next;
    }
    return removed;
  }

  deleteRangeByLex(r: LexRange, onDelete: (n: ZNode) => void): number {
    const update = this.update;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && !lexGteMin(f.member, r)) {
        x = f;
        f = x.next[i];
      }
      update[i] = x;
    }
    let n = x.next[0];
    let removed = 0;
    while (n !== null && lexLteMax(n.member, r)) {
      const next = n.next[0];
      this.unlinkWithPath(n);
      onDelete(n);
      removed++;
      n = next;
    }
    return removed;
  }

  private intersectsScore(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const first = this.head.next[0];
    return this.tail !== null && scoreGteMin(this.tail.score, r) && first !== null && scoreLteMax(first.score, r);
  }

  private intersectsLex(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const first = this.head.next[0];
    return this.tail !== null && lexGteMin(this.tail.member, r) && first !== null && lexLteMax(first.member, r);
  }

  /** Fills `update` with the last node before (score, member) on each level; returns level 0's. */
  private findPath(score: number, member: string): ZNode {
    const update = this.update;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let f = x.next[i];
      while (f !== null && before(f, score, member)) {
        x = f;
        f = x.next[i];
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
      if (u.next[i] === x) {
        u.span[i] += x.span[i] - 1;
        u.next[i] = x.next[i];
      } else {
        u.span[i] -= 1;
      }
    }
    const next = x.next[0];
    if (next !== null) next.prev = x.prev;
    else this.tail = x.prev;
    while (this.level > 1 && this.head.next[this.level - 1] === null) this.level--;
    this.length--;
  }
}
