// The hash type: field -> value.
//
// Like Redis, a small hash is a listpack: here one packed string of field, value, field, value...
// in insertion order (src/datatypes/packed.ts), searched linearly. Once a field or value is
// longer than hash-max-listpack-value bytes or the hash has more than hash-max-listpack-entries
// fields, it converts to a Dict (stateless SCAN cursors, O(1) random fields) and never converts
// back. A Dict iterates in insertion order and updates in place, so the listpack order carries over.
import { Dict } from './dict';
import * as P from './packed';
import { Collection } from './value';

/** hash-max-listpack-entries / hash-max-listpack-value, read from the config by the caller. */
export interface HashLimits {
  entries: number;
  value: number;
}

export class Hash implements Collection {
  /** The packed listpack (count = fields) while compact, the Dict once converted. */
  private data: string | Dict<string> = P.EMPTY_PACKED;

  /**
   * A hash of field, value, field, value... as loaded from an RDB listpack/ziplist (zipmap too,
   * with its maxValue): it stays a listpack unless it has more than maxEntries fields or, when
   * maxValue is given, a longer field or value, as rdbLoadObject decides. Built in one pass (no
   * insert-by-insert rebuild of the string). Null when a field repeats.
   */
  static fromPairs(items: readonly string[], maxEntries: number, maxValue = Infinity): Hash | null {
    const h = new Hash();
    const n = items.length >> 1;
    let compact = n <= maxEntries;
    for (let i = 0; compact && i < items.length; i++) if (items[i].length > maxValue) compact = false;
    if (!compact) {
      const dict = new Dict<string>();
      for (let i = 0; i < items.length; i += 2) if (!dict.set(items[i], items[i + 1])) return null;
      h.data = dict;
      return h;
    }
    const seen = new Set<string>();
    for (let i = 0; i < items.length; i += 2) {
      if (seen.has(items[i])) return null;
      seen.add(items[i]);
    }
    h.data = P.pack(items, 2);
    return h;
  }

  get type(): 'hash' {
    return 'hash';
  }

  get size(): number {
    const d = this.data;
    return typeof d === 'string' ? P.count(d) : d.size;
  }

  get encoding(): string {
    return typeof this.data === 'string' ? 'listpack' : 'hashtable';
  }

  /** True while the hash is a listpack (HSCAN then returns it whole). */
  get isCompact(): boolean {
    return typeof this.data === 'string';
  }

  /** Position of field's entry in the packed string, or -1. */
  private find(s: string, field: string): number {
    for (let p = P.first(s); p < s.length; p = P.next(s, P.next(s, p))) if (P.equalsAt(s, p, field)) return p;
    return -1;
  }

  get(field: string): string | undefined {
    const d = this.data;
    if (typeof d !== 'string') return d.get(field);
    const p = this.find(d, field);
    return p < 0 ? undefined : P.entryAt(d, P.next(d, p));
  }

  has(field: string): boolean {
    const d = this.data;
    return typeof d === 'string' ? this.find(d, field) >= 0 : d.has(field);
  }

  /** Inserts or overwrites a field. Returns true when the field is new. */
  set(field: string, value: string, limits: HashLimits): boolean {
    let d = this.data;
    if (typeof d === 'string') {
      // Redis's hashTypeSet: a long field or value converts before the insert, too many
      // fields after it.
      if (field.length > limits.value || value.length > limits.value) d = this.convert(d);
      else {
        const p = this.find(d, field);
        if (p >= 0) {
          const v = P.next(d, p);
          this.data = P.splice(d, v, P.next(d, v), [value], 0);
          return false;
        }
        const grown = P.splice(d, d.length, d.length, [field, value], 1);
        this.data = grown;
        if (P.count(grown) > limits.entries) this.convert(grown);
        return true;
      }
    }
    return d.set(field, value);
  }

  delete(field: string): boolean {
    const d = this.data;
    if (typeof d !== 'string') return d.delete(field);
    const p = this.find(d, field);
    if (p < 0) return false;
    this.data = P.splice(d, p, P.next(d, P.next(d, p)), [], -1);
    return true;
  }

  forEach(visit: (field: string, value: string) => void): void {
    const d = this.data;
    if (typeof d !== 'string') return d.forEach(visit);
    const items = P.entries(d);
    for (let i = 0; i < items.length; i += 2) visit(items[i], items[i + 1]);
  }

  randomField(rand: () => number = Math.random): string | undefined {
    const d = this.data;
    if (typeof d !== 'string') return d.randomKey(rand);
    const n = P.count(d);
    if (n === 0) return undefined;
    let p = P.first(d);
    for (let k = Math.floor(rand() * n); k > 0; k--) p = P.next(d, P.next(d, p));
    return P.entryAt(d, p);
  }

  /** Dict.scan over the fields: next cursor, 0 when done. A listpack is visited whole. */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    const d = this.data;
    if (typeof d !== 'string') return d.scan(cursor, count, visit);
    this.forEach(visit);
    return 0;
  }

  /** The hash table of the big encoding, null while compact (DEBUG HTSTATS-KEY). */
  hashTable(): { homePositions(): { capacity: number; homes: number[] } } | null {
    const d = this.data;
    return typeof d === 'string' ? null : d;
  }

  /** The packed string while compact (MEMORY USAGE), else null. */
  packed(): string | null {
    const d = this.data;
    return typeof d === 'string' ? d : null;
  }

  clone(): Hash {
    const h = new Hash();
    const d = this.data;
    if (typeof d === 'string') h.data = d; // immutable: shared safely
    else {
      const copy = new Dict<string>();
      d.forEach((f, v) => copy.set(f, v));
      h.data = copy;
    }
    return h;
  }

  private convert(s: string): Dict<string> {
    const dict = new Dict<string>();
    const items = P.entries(s);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
    this.data = dict;
    return dict;
  }
}
