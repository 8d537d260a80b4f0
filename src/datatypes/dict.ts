// A string-keyed map with Redis's iteration guarantees: stateless SCAN cursors and O(1) random
// picks. A JS Map alone has neither, so entries also live in dense slot arrays:
//
//   index: key -> slot      keys[slot], vals[slot]      seqs[slot]: insertion sequence number
//
// Slots are appended in insertion order and deleted slots become holes; when holes pass half the
// slots the arrays are compacted, keeping order. Sequence numbers therefore stay sorted across
// compactions, and a SCAN cursor is simply "the next sequence number to visit": found again by
// binary search whatever was inserted or deleted meanwhile. Every key present for the whole scan
// is returned exactly once (stronger than Redis, which may repeat keys). Updating a key in place
// keeps its slot and sequence number.

import { SlotIndex } from './slot-index';

/** Told of every key created or deleted (cluster mode's keys-per-hash-slot index). */
export interface KeyObserver {
  add(key: string): void;
  remove(key: string): void;
  clear(): void;
}

export class Dict<V> {
  private index = new SlotIndex();
  private keys: (string | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  private seqs: number[] = [];
  /** Per-entry access info (LRU clock or LFU counter), owned by the keyspace. */
  private meta: number[] = [];
  private nextSeq = 1;
  private holes = 0;
  /** Set in cluster mode on database 0 (src/cluster/slot-keys.ts); null otherwise. */
  observer: KeyObserver | null = null;

  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.find(key, this.keys) >= 0;
  }

  get(key: string): V | undefined {
    const slot = this.index.find(key, this.keys);
    return slot < 0 ? undefined : this.vals[slot];
  }

  /** Insert or replace. Returns true when the key is new. `mark` sets the access info. */
  set(key: string, val: V, mark = 0): boolean {
    const slot = this.index.find(key, this.keys);
    if (slot >= 0) {
      this.vals[slot] = val;
      this.meta[slot] = mark;
      return false;
    }
    const s = this.keys.length;
    this.index.insert(key, s);
    this.keys.push(key);
    this.vals.push(val);
    this.seqs.push(this.nextSeq++);
    this.meta.push(mark);
    if (this.observer !== null) this.observer.add(key);
    return true;
  }

  /** Replaces the value of a present key, keeping its access info. False when absent. */
  replaceValue(key: string, val: V): boolean {
    const slot = this.index.find(key, this.keys);
    if (slot < 0) return false;
    this.vals[slot] = val;
    return true;
  }

  /** get() that also records access info, in one lookup. */
  getMarked(key: string, mark: number): V | undefined {
    const slot = this.index.find(key, this.keys);
    if (slot < 0) return undefined;
    this.meta[slot] = mark;
    return this.vals[slot];
  }

  /** The insertion sequence number of a key's entry (stable while the key exists), or -1. */
  seqOf(key: string): number {
    const slot = this.index.find(key, this.keys);
    return slot < 0 ? -1 : this.seqs[slot];
  }

  getMark(key: string): number | undefined {
    const slot = this.index.find(key, this.keys);
    return slot < 0 ? undefined : this.meta[slot];
  }

  setMark(key: string, mark: number): void {
    const slot = this.index.find(key, this.keys);
    if (slot >= 0) this.meta[slot] = mark;
  }

  delete(key: string): boolean {
    const slot = this.index.remove(key, this.keys);
    if (slot < 0) return false;
    if (this.observer !== null) this.observer.remove(key);
    this.keys[slot] = undefined;
    this.vals[slot] = undefined;
    this.holes++;
    if (slot === this.keys.length - 1) this.trimTail();
    else if (this.holes > 64 && this.holes * 2 > this.keys.length) this.compact();
    return true;
  }

  clear(): void {
    if (this.observer !== null) this.observer.clear();
    this.index.clear();
    this.keys = [];
    this.vals = [];
    this.seqs = [];
    this.meta = [];
    this.holes = 0;
  }

  /** A uniformly random key, or undefined when empty. */
  randomKey(rand: () => number = Math.random): string | undefined {
    if (this.index.size === 0) return undefined;
    for (;;) {
      const k = this.keys[Math.floor(rand() * this.keys.length)];
      if (k !== undefined) return k;
    }
  }

  /**
   * Visits about `count` entries from `cursor` (0 = start). Returns the next cursor, 0 when done.
   * Cursors are sequence numbers, so they stay valid across inserts, deletes and compactions.
   */
  scan(cursor: number, count: number, visit: (key: string, val: V) => void): number {
    let i = cursor === 0 ? 0 : this.slotForSeq(cursor);
    const n = this.keys.length;
    let seen = 0;
    for (; i < n && seen < count; i++) {
      const k = this.keys[i];
      if (k === undefined) continue;
      visit(k, this.vals[i] as V);
      seen++;
    }
    // Skip trailing holes so a finished scan reports 0 at once.
    while (i < n && this.keys[i] === undefined) i++;
    return i >= n ? 0 : this.seqs[i];
  }

  /** See SlotIndex.homePositions (DEBUG HTSTATS). */
  homePositions(): { capacity: number; homes: number[] } {
    return this.index.homePositions();
  }

  forEach(visit: (key: string, val: V) => void): void {
    const keys = this.keys;
    const vals = this.vals;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== undefined) visit(k, vals[i] as V);
    }
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      if (k !== undefined) yield [k, this.vals[i] as V];
    }
  }

  /** Key at random with its value, for sampling (eviction, SRANDMEMBER). */
  randomEntry(rand: () => number = Math.random): [string, V] | undefined {
    const k = this.randomKey(rand);
    return k === undefined ? undefined : [k, this.get(k) as V];
  }

  private slotForSeq(seq: number): number {
    const seqs = this.seqs;
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private trimTail(): void {
    while (this.keys.length > 0 && this.keys[this.keys.length - 1] === undefined) {
      this.keys.pop();
      this.vals.pop();
      this.seqs.pop();
      this.meta.pop();
      this.holes--;
    }
  }

  private compact(): void {
    const keys = this.keys;
    const vals = this.vals;
    const seqs = this.seqs;
    const meta = this.meta;
    let w = 0;
    for (let r = 0; r < keys.length; r++) {
      const k = keys[r];
      if (k === undefined) continue;
      if (w !== r) {
        keys[w] = k;
        vals[w] = vals[r];
        seqs[w] = seqs[r];
        meta[w] = meta[r];
      }
      w++;
    }
    keys.length = w;
    vals.length = w;
    seqs.length = w;
    meta.length = w;
    this.holes = 0;
    this.index.rebuild(keys);
  }
}
