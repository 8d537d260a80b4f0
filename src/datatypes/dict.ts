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
//
// Most dicts are small (a set or hash just past its listpack limits, a database with a few
// keys), so the costly parts are made lazily: up to LINEAR_MAX slots a key is found by a linear
// scan and there is no hash index; sequence numbers are stored only once they stop being
// slot + 1 (after a deletion at the tail or a compaction); access marks only once one is not 0.

import { SlotIndex } from './slot-index';

/** Told of every key created or deleted (cluster mode's keys-per-hash-slot index). */
export interface KeyObserver {
  add(key: string): void;
  remove(key: string): void;
  clear(): void;
}

/** Slots searched linearly before a dict builds its hash index. */
const LINEAR_MAX = 8;

export class Dict<V> {
  private index: SlotIndex | null = null;
  private keys: (string | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  /** Insertion sequence number per slot; null while it is slot + 1 for every slot. */
  private seqs: number[] | null = null;
  /** Per-entry access info (LRU clock or LFU counter), owned by the keyspace; null while all 0. */
  private meta: number[] | null = null;
  private nextSeq = 1;
  private holes = 0;
  /** Set in cluster mode on database 0 (src/cluster/slot-keys.ts); null otherwise. */
  observer: KeyObserver | null = null;

  get size(): number {
    return this.keys.length - this.holes;
  }

  /** The slot of key, or -1. */
  private find(key: string): number {
    const index = this.index;
    if (index !== null) return index.find(key, this.keys);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  get(key: string): V | undefined {
    const slot = this.find(key);
    return slot < 0 ? undefined : this.vals[slot];
  }

  /** Insert or replace. Returns true when the key is new. `mark` sets the access info. */
  set(key: string, val: V, mark = 0): boolean {
    const slot = this.find(key);
    if (slot >= 0) {
      this.vals[slot] = val;
      if (this.meta !== null) this.meta[slot] = mark;
      else if (mark !== 0) this.marks()[slot] = mark;
      return false;
    }
    const s = this.keys.length;
    if (this.seqs === null && this.nextSeq !== s + 1) this.seqs = this.seqNumbers();
    this.keys.push(key);
    this.vals.push(val);
    if (this.index !== null) this.index.insert(key, s);
    else if (s + 1 > LINEAR_MAX) this.index = indexOf(this.keys);
    if (this.seqs !== null) this.seqs.push(this.nextSeq);
    this.nextSeq++;
    if (this.meta !== null) this.meta.push(mark);
    else if (mark !== 0) this.marks()[s] = mark;
    if (this.observer !== null) this.observer.add(key);
    return true;
  }

  /** The access marks, made on first use (zeros for every slot). */
  private marks(): number[] {
    if (this.meta === null) this.meta = new Array<number>(this.keys.length).fill(0);
    return this.meta;
  }

  /** Sequence numbers as stored, made from the slot + 1 rule on first need. */
  private seqNumbers(): number[] {
    if (this.seqs !== null) return this.seqs;
    const seqs = new Array<number>(this.keys.length);
    for (let i = 0; i < seqs.length; i++) seqs[i] = i + 1;
    return seqs;
  }

  private seqAt(slot: number): number {
    return this.seqs === null ? slot + 1 : this.seqs[slot];
  }

  /** Replaces the value of a present key, keeping its access info. False when absent. */
  replaceValue(key: string, val: V): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    this.vals[slot] = val;
    return true;
  }

  /** get() that also records access info, in one lookup. */
  getMarked(key: string, mark: number): V | undefined {
    const slot = this.find(key);
    if (slot < 0) return undefined;
    if (this.meta !== null) this.meta[slot] = mark;
    else if (mark !== 0) this.marks()[slot] = mark;
    return this.vals[slot];
  }

  /** The insertion sequence number of a key's entry (stable while the key exists), or -1. */
  seqOf(key: string): number {
    const slot = this.find(key);
    return slot < 0 ? -1 : this.seqAt(slot);
  }

  getMark(key: string): number | undefined {
    const slot = this.find(key);
    return slot < 0 ? undefined : this.meta === null ? 0 : this.meta[slot];
  }

  setMark(key: string, mark: number): void {
    const slot = this.find(key);
    if (slot < 0) return;
    if (this.meta !== null) this.meta[slot] = mark;
    else if (mark !== 0) this.marks()[slot] = mark;
  }

  delete(key: string): boolean {
    const slot = this.index !== null ? this.index.remove(key, this.keys) : this.find(key);
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
    this.index = null;
    this.keys = [];
    this.vals = [];
    this.seqs = null;
    this.meta = null;
    this.holes = 0;
    // Sequence numbers go on from where they were (cursors never repeat); store them from now.
    if (this.nextSeq !== 1) this.seqs = [];
  }

  /** A uniformly random key, or undefined when empty. */
  randomKey(rand: () => number = Math.random): string | undefined {
    if (this.size === 0) return undefined;
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
    return i >= n ? 0 : this.seqAt(i);
  }

  /** See SlotIndex.homePositions (DEBUG HTSTATS). */
  homePositions(): { capacity: number; homes: number[] } {
    // A small dict has no index: report the one it would have had.
    return (this.index ?? indexOf(this.keys)).homePositions();
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
    if (seqs === null) return Math.min(Math.max(seq - 1, 0), this.keys.length);
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
      if (this.seqs !== null) this.seqs.pop();
      if (this.meta !== null) this.meta.pop();
      this.holes--;
    }
  }

  private compact(): void {
    const keys = this.keys;
    const vals = this.vals;
    const seqs = (this.seqs = this.seqNumbers());
    const meta = this.meta;
    let w = 0;
    for (let r = 0; r < keys.length; r++) {
      const k = keys[r];
      if (k === undefined) continue;
      if (w !== r) {
        keys[w] = k;
        vals[w] = vals[r];
        seqs[w] = seqs[r];
        if (meta !== null) meta[w] = meta[r];
      }
      w++;
    }
    keys.length = w;
    vals.length = w;
    seqs.length = w;
    if (meta !== null) meta.length = w;
    this.holes = 0;
    if (this.index !== null) this.index.rebuild(keys);
  }
}

/** A hash index over the keys present in `keys` (inserted in slot order, as they came). */
function indexOf(keys: (string | undefined)[]): SlotIndex {
  const index = new SlotIndex();
  for (let s = 0; s < keys.length; s++) {
    const k = keys[s];
    if (k !== undefined) index.insert(k, s);
  }
  return index;
}
