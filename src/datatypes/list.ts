// The list type. Redis 7.0 stores every list as a quicklist (listpack-encoded lists only arrived
// in 7.2), so OBJECT ENCODING always reports 'quicklist', whatever list-max-listpack-size says.
//
// Storage: a small list is one packed string (src/datatypes/packed.ts), like a quicklist of a
// single listpack node: up to PACK_MAX_ENTRIES elements and PACK_MAX_BYTES bytes. Past either it
// moves, for good, to a Deque: a growable ring buffer of latin1 strings where push and pop at
// either end and access by index are O(1), and inserting or removing in the middle shifts the
// shorter side.
import * as P from './packed';
import { Collection } from './value';

const MIN_CAPACITY = 8;
/** Bounds of the packed form: each change copies the string, so it stays short. */
const PACK_MAX_ENTRIES = 128;
const PACK_MAX_BYTES = 4096;

export class ListValue implements Collection {
  private data: string | Deque;

  /** An empty list; `capacity` hints how many elements are about to be pushed. */
  constructor(capacity = 0) {
    this.data = capacity > PACK_MAX_ENTRIES ? new Deque(capacity) : P.EMPTY_PACKED;
  }

  static from(items: Iterable<string>): ListValue {
    const l = new ListValue();
    for (const s of items) l.pushTail(s);
    return l;
  }

  /** A prototype getter, not a field: 8 bytes less per list. */
  get type(): 'list' {
    return 'list';
  }

  get size(): number {
    const d = this.data;
    return typeof d === 'string' ? P.count(d) : d.size;
  }

  get encoding(): string {
    return 'quicklist';
  }

  /** True while the list is one packed string (MEMORY USAGE). */
  packed(): string | null {
    const d = this.data;
    return typeof d === 'string' ? d : null;
  }

  clone(): ListValue {
    const l = new ListValue();
    const d = this.data;
    l.data = typeof d === 'string' ? d : d.clone(); // a string is immutable: shared safely
    return l;
  }

  /** The Deque, after moving a packed list that cannot take `extra` more bytes into one. */
  private deque(extra: number): Deque | null {
    const d = this.data;
    if (typeof d !== 'string') return d;
    if (P.count(d) < PACK_MAX_ENTRIES && d.length + extra + 5 <= PACK_MAX_BYTES) return null;
    const q = new Deque(P.count(d) + 1);
    for (const s of P.entries(d)) q.pushTail(s);
    this.data = q;
    return q;
  }

  /** Position of the element at index (0 <= index <= size; size gives the end). */
  private static pos(d: string, index: number): number {
    let p = P.first(d);
    for (; index > 0; index--) p = P.next(d, p);
    return p;
  }

  pushHead(v: string): void {
    const q = this.deque(v.length);
    if (q !== null) return q.pushHead(v);
    const d = this.data as string;
    const p = P.first(d);
    this.data = P.splice(d, p, p, [v], 1);
  }

  pushTail(v: string): void {
    const q = this.deque(v.length);
    if (q !== null) return q.pushTail(v);
    const d = this.data as string;
    this.data = P.splice(d, d.length, d.length, [v], 1);
  }

  popHead(): string | undefined {
    const d = this.data;
    if (typeof d !== 'string') return d.popHead();
    if (P.count(d) === 0) return undefined;
    const p = P.first(d);
    const v = P.entryAt(d, p);
    this.data = P.splice(d, p, P.next(d, p), [], -1);
    return v;
  }

  popTail(): string | undefined {
    const d = this.data;
    if (typeof d !== 'string') return d.popTail();
    const n = P.count(d);
    if (n === 0) return undefined;
    const p = ListValue.pos(d, n - 1);
    const v = P.entryAt(d, p);
    this.data = P.splice(d, p, d.length, [], -1);
    return v;
  }

  /** Element at a zero-based index from the head (no negative indexes), or undefined. */
  at(index: number): string | undefined {
    const d = this.data;
    if (typeof d !== 'string') return d.at(index);
    if (index < 0 || index >= P.count(d)) return undefined;
    return P.entryAt(d, ListValue.pos(d, index));
  }

  set(index: number, v: string): void {
    const q = this.deque(v.length);
    if (q !== null) return q.set(index, v);
    const d = this.data as string;
    const p = ListValue.pos(d, index);
    this.data = P.splice(d, p, P.next(d, p), [v], 0);
  }

  /** Elements [start, end] (inclusive, already clamped to the list), head to tail. */
  range(start: number, end: number): string[] {
    const d = this.data;
    if (typeof d !== 'string') return d.range(start, end);
    const out: string[] = [];
    let p = ListValue.pos(d, start);
    for (let i = start; i <= end; i++, p = P.next(d, p)) out.push(P.entryAt(d, p));
    return out;
  }

  /** Elements [start, end] (inclusive, clamped), tail to head. */
  rangeReversed(start: number, end: number): string[] {
    const d = this.data;
    if (typeof d !== 'string') return d.rangeReversed(start, end);
    return this.range(start, end).reverse();
  }

  /** Index of the first element equal to v from the head, or -1. */
  indexOf(v: string): number {
    const d = this.data;
    if (typeof d !== 'string') return d.indexOf(v);
    let i = 0;
    for (let p = P.first(d); p < d.length; p = P.next(d, p), i++) if (P.equalsAt(d, p, v)) return i;
    return -1;
  }

  /** Inserts v so that it ends up at `index` (0..size). */
  insertAt(index: number, v: string): void {
    const q = this.deque(v.length);
    if (q !== null) return q.insertAt(index, v);
    const d = this.data as string;
    const p = ListValue.pos(d, index);
    this.data = P.splice(d, p, p, [v], 1);
  }

  /** Removes `count` elements from the head. */
  trimHead(count: number): void {
    const d = this.data;
    if (typeof d !== 'string') return d.trimHead(count);
    const n = Math.min(count, P.count(d));
    this.data = P.splice(d, P.first(d), ListValue.pos(d, n), [], -n);
  }

  /** Removes `count` elements from the tail. */
  trimTail(count: number): void {
    const d = this.data;
    if (typeof d !== 'string') return d.trimTail(count);
    const n = Math.min(count, P.count(d));
    this.data = P.splice(d, ListValue.pos(d, P.count(d) - n), d.length, [], -n);
  }

  /**
   * Removes elements equal to v: at most `limit` of them (0 = all), scanning from the head, or
   * from the tail when `fromTail`. Returns how many were removed.
   */
  removeMatching(v: string, limit: number, fromTail: boolean): number {
    const d = this.data;
    if (typeof d !== 'string') return d.removeMatching(v, limit, fromTail);
    const items = P.entries(d);
    const n = items.length;
    const drop = new Uint8Array(n);
    let removed = 0;
    for (let k = 0; k < n && (limit === 0 || removed < limit); k++) {
      const i = fromTail ? n - 1 - k : k;
      if (items[i] === v) {
        drop[i] = 1;
        removed++;
      }
    }
    if (removed > 0) this.data = P.pack(items.filter((_, i) => drop[i] === 0));
    return removed;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    const d = this.data;
    if (typeof d !== 'string') yield* d;
    else yield* P.entries(d);
  }

  toArray(): string[] {
    const d = this.data;
    return typeof d === 'string' ? P.entries(d) : d.toArray();
  }
}

/** The ring buffer of a big list. */
class Deque {
  private buf: (string | undefined)[];
  /** Capacity - 1; the capacity is a power of two so that wrapping is a mask. */
  private mask: number;
  private head = 0;
  private len = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.len;
  }

  clone(): Deque {
    const l = new Deque(this.len);
    for (let i = 0; i < this.len; i++) l.buf[i] = this.buf[(this.head + i) & this.mask];
    l.len = this.len;
    return l;
  }

  pushHead(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  pushTail(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Element at a zero-based index from the head (no negative indexes), or undefined. */
  at(index: number): string | undefined {
    if (index < 0 || index >= this.len) return undefined;
    return this.buf[(this.head + index) & this.mask];
  }

  set(index: number, v: string): void {
    this.buf[(this.head + index) & this.mask] = v;
  }

  /** Elements [start, end] (inclusive, already clamped to the list), head to tail. */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start, j = 0; i <= end; i++, j++) out[j] = this.buf[(this.head + i) & this.mask]!;
    return out;
  }

  /** Elements [start, end] (inclusive, clamped), tail to head. */
  rangeReversed(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = end, j = 0; i >= start; i--, j++) out[j] = this.buf[(this.head + i) & this.mask]!;
    return out;
  }

  /** Index of the first element equal to v from the head, or -1. */
  indexOf(v: string): number {
    for (let i = 0; i < this.len; i++) if (this.buf[(this.head + i) & this.mask] === v) return i;
    return -1;
  }

  /** Inserts v so that it ends up at `index` (0..size), moving the shorter side. */
  insertAt(index: number, v: string): void {
    if (index <= this.len - index) {
      this.pushHead(v);
      // Shift elements 1..index one step towards the head.
      for (let i = 0; i < index; i++) this.set(i, this.at(i + 1)!);
    } else {
      this.pushTail(v);
      for (let i = this.len - 1; i > index; i--) this.set(i, this.at(i - 1)!);
    }
    this.set(index, v);
  }

  /** Removes `count` elements from the head. */
  trimHead(count: number): void {
    if (count >= this.len) return this.clear();
    for (let i = 0; i < count; i++) this.buf[(this.head + i) & this.mask] = undefined;
    this.head = (this.head + count) & this.mask;
    this.len -= count;
    this.maybeShrink();
  }

  /** Removes `count` elements from the tail. */
  trimTail(count: number): void {
    if (count >= this.len) return this.clear();
    for (let i = this.len - count; i < this.len; i++) this.buf[(this.head + i) & this.mask] = undefined;
    this.len -= count;
    this.maybeShrink();
  }

  /**
   * Removes elements equal to v: at most `limit` of them (0 = all), scanning from the head, or
   * from the tail when `fromTail`. One compacting pass. Returns how many were removed.
   */
  removeMatching(v: string, limit: number, fromTail: boolean): number {
    const n = this.len;
    // Indexes (from the head) of the elements to drop, found in scan order.
    let removed = 0;
    const drop = new Uint8Array(n);
    for (let k = 0; k < n && (limit === 0 || removed < limit); k++) {
      const i = fromTail ? n - 1 - k : k;
      if (this.buf[(this.head + i) & this.mask] === v) {
        drop[i] = 1;
        removed++;
      }
    }
    if (removed === 0) return 0;
    let w = 0;
    for (let r = 0; r < n; r++) {
      if (drop[r]) continue;
      if (w !== r) this.set(w, this.at(r)!);
      w++;
    }
    for (let i = w; i < n; i++) this.buf[(this.head + i) & this.mask] = undefined;
    this.len = w;
    this.maybeShrink();
    return removed;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) & this.mask]!;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  private clear(): void {
    this.buf = new Array<string | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
  }

  private grow(): void {
    this.resize(this.buf.length * 2);
  }

  /** Gives memory back once the list uses less than a quarter of a large buffer. */
  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > 64 && this.len < cap >> 2) this.resize(cap >> 1);
  }

  private resize(cap: number): void {
    const next = new Array<string | undefined>(cap);
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}
