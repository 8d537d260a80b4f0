// The hash type: field -> value, on a Dict (stateless SCAN cursors, O(1) random fields).
//
// Redis keeps small hashes in a listpack and converts them to a hashtable once a field or value
// is longer than hash-max-listpack-value bytes or the hash has more than
// hash-max-listpack-entries fields; it never converts back. We mirror the reported encoding.
// A Dict iterates in insertion order and updates in place, which is exactly listpack order, so
// small hashes list their fields in the same order as Redis.
import { Dict } from './dict';
import { Collection } from './value';

/** hash-max-listpack-entries / hash-max-listpack-value, read from the config by the caller. */
export interface HashLimits {
  entries: number;
  value: number;
}

export class Hash implements Collection {
  readonly type = 'hash' as const;
  private readonly dict = new Dict<string>();
  private listpack = true;

  get size(): number {
    return this.dict.size;
  }

  get encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  /** True while the hash would be a listpack in Redis (HSCAN then returns it whole). */
  get isCompact(): boolean {
    return this.listpack;
  }

  get(field: string): string | undefined {
    return this.dict.get(field);
  }

  has(field: string): boolean {
    return this.dict.has(field);
  }

  /** Inserts or overwrites a field. Returns true when the field is new. */
  set(field: string, value: string, limits: HashLimits): boolean {
    // Redis's hashTypeSet: a long field or value converts before the insert, too many
    // fields after it.
    if (this.listpack && (field.length > limits.value || value.length > limits.value)) this.listpack = false;
    const created = this.dict.set(field, value);
    if (this.listpack && this.dict.size > limits.entries) this.listpack = false;
    return created;
  }

  delete(field: string): boolean {
    return this.dict.delete(field);
  }

  forEach(visit: (field: string, value: string) => void): void {
    this.dict.forEach(visit);
  }

  randomField(rand: () => number = Math.random): string | undefined {
    return this.dict.randomKey(rand);
  }

  /** Dict.scan over the fields: next cursor, 0 when done. */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    return this.dict.scan(cursor, count, visit);
  }

  /** The hash table of the big encoding, null while compact (DEBUG HTSTATS-KEY). */
  hashTable(): { homePositions(): { capacity: number; homes: number[] } } | null {
    return this.isCompact ? null : this.dict;
  }

  clone(): Hash {
    const h = new Hash();
    h.listpack = this.listpack;
    this.dict.forEach((f, v) => h.dict.set(f, v));
    return h;
  }
}
