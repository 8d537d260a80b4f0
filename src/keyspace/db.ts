// One logical database: keys, their expiry times, lazy expiry on access, and the write side
// effects (WATCH invalidation, keyspace notifications, dirty counter) that every write shares.
import { Dict } from '../datatypes/dict';
import { MutableString } from '../datatypes/mutable-string';
import { Value } from '../datatypes/value';
import type { Keyspace } from './keyspace';

export class Db {
  dict = new Dict<Value>();
  /** key -> absolute expiry time in ms; only keys with a TTL. */
  expires = new Map<string, number>();
  /** Keys whose average TTL feeds INFO keyspace avg_ttl (sampled by the expiry cycle). */
  avgTtl = 0;

  constructor(
    readonly id: number,
    private readonly ks: Keyspace,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** The keyspace's notion of now (ms), for TTL arithmetic. */
  now(): number {
    return this.ks.now();
  }

  /** The value at key, or undefined; expires the key first if its time has passed. No stats. */
  peek(key: string): Value | undefined {
    if (this.ks.beforeAccess !== null) this.ks.beforeAccess(this, key);
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return plain(this.dict.get(key));
  }

  /** Lookup for a read command: lazy expiry, hit/miss stats, access info (LRU/LFU), keymiss event. */
  lookupRead(key: string): Value | undefined {
    if (this.ks.beforeAccess !== null) this.ks.beforeAccess(this, key);
    return plain(this.lookupReadRaw(key));
  }

  /** Lookup for a write command: lazy expiry, access info, no hit/miss stats. */
  lookupWrite(key: string): Value | undefined {
    if (this.ks.beforeAccess !== null) this.ks.beforeAccess(this, key);
    return plain(this.lookupWriteRaw(key));
  }

  /**
   * lookupRead, but a string edited in place (bitmap, HyperLogLog) comes back as its
   * MutableString rather than its text: for the commands that edit or scan bytes.
   */
  lookupReadRaw(key: string): Value | undefined {
    const v = this.expires.size !== 0 && this.expireIfNeeded(key) ? undefined : this.access(key);
    if (v === undefined) {
      this.ks.stats.keyspaceMisses++;
      this.ks.notify('m', 'keymiss', key, this.id);
    } else {
      this.ks.stats.keyspaceHits++;
    }
    return v;
  }

  /** lookupWrite, handing out a MutableString as is (see lookupReadRaw). */
  lookupWriteRaw(key: string): Value | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key, true)) return undefined;
    return this.access(key);
  }

  /** Reads a value and records the access: one Map lookup in LRU mode (the common case). */
  private access(key: string): Value | undefined {
    const ks = this.ks;
    if (ks.noTouch) return this.dict.get(key);
    if (!ks.lfu) return this.dict.getMarked(key, ks.lruNow);
    return this.dict.getMarked(key, ks.accessMark(this.dict.getMark(key)));
  }

  exists(key: string): boolean {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return false;
    return this.dict.has(key);
  }

  /**
   * Stores a value (Redis's setKey): a new key or an overwrite. The TTL is cleared unless
   * keepTtl. Signals the modification (WATCH, tracking); the caller notifies the event.
   */
  setKey(key: string, val: Value, keepTtl = false): void {
    // lazyfree-lazy-server-del: an overwritten value is freed lazily (Redis's dbSetValue).
    const old = this.ks.lazyfree.serverDel ? this.dict.get(key) : undefined;
    const created = this.dict.set(key, val, this.ks.newMark());
    if (old !== undefined && old !== val) this.ks.lazyfree.freeValue(old, true);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    this.ks.modified(this, key);
    if (created) this.ks.notify('n', 'new', key, this.id);
  }

  /** Adds a key known not to exist. */
  add(key: string, val: Value): void {
    this.dict.set(key, val, this.ks.newMark());
    this.ks.modified(this, key);
    this.ks.notify('n', 'new', key, this.id);
  }

  /**
   * Swaps an existing key's value for the same bytes in another representation (a string and its
   * MutableString): not a modification, so nothing is signalled.
   */
  swap(key: string, val: Value): void {
    if (!this.dict.replaceValue(key, val)) this.dict.set(key, val, 0);
  }

  /** Replaces the value of an existing key in place, keeping its TTL and access info. */
  replace(key: string, val: Value): void {
    if (!this.dict.replaceValue(key, val)) this.dict.set(key, val, this.ks.newMark());
    this.ks.modified(this, key);
  }

  /** Deletes a key. Returns whether it existed. */
  delete(key: string): boolean {
    if (!this.dict.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    this.ks.modified(this, key);
    return true;
  }

  /**
   * Deletes a key whose value nothing else holds, freeing it lazily when `lazy` (UNLINK, the
   * lazyfree-lazy-* options; src/keyspace/lazyfree.ts). Returns whether it existed.
   */
  remove(key: string, lazy: boolean): boolean {
    if (!lazy) return this.delete(key);
    const v = this.dict.get(key);
    if (v === undefined || !this.delete(key)) return false;
    this.ks.lazyfree.freeValue(v, true);
    return true;
  }

  /** Absolute expiry in ms, or -1 when the key has none. */
  getExpire(key: string): number {
    return this.expires.get(key) ?? -1;
  }

  setExpire(key: string, whenMs: number): void {
    this.expires.set(key, whenMs);
    if (this.ks.replicaWritable && !this.ks.obeyingMaster) this.ks.rememberReplicaKey(this, key);
    this.ks.modified(this, key);
  }

  /** Removes the TTL. Returns whether there was one. */
  persist(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    this.ks.modified(this, key);
    return true;
  }

  /** Signals an in-place change to a collection (WATCH, client tracking). */
  touched(key: string): void {
    this.ks.modified(this, key);
  }

  /** Emits a keyspace event for a write and counts it in the dirty counter. */
  notify(type: string, event: string, key: string, dirty = 1): void {
    this.ks.dirty += dirty;
    this.ks.notify(type, event, key, this.id);
  }

  /** True if the key had expired (and was deleted now, unless expiry is held back). */
  expireIfNeeded(key: string, write = false): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > this.ks.now() || this.ks.loading) return false;
    if (this.ks.replicaMode) {
      // The master's commands see the key until its DEL arrives; a writable replica's writes delete it.
      if (this.ks.obeyingMaster) return false;
      if (write && this.ks.replicaWritable && !this.ks.expirePaused) {
        this.ks.expireKey(this, key);
        return true;
      }
      return true;
    }
    // While writes are paused the key is treated as missing but not deleted (Redis does the same).
    if (!this.ks.expireAllowed()) return true;
    this.ks.expireKey(this, key);
    return true;
  }

  /** Empties the database, its tables freed lazily when `lazy`. Returns the number of keys removed. */
  flush(lazy = false): number {
    const n = this.dict.size;
    // The keys-per-slot index (cluster mode) follows the database, not the discarded table.
    const observer = this.dict.observer;
    this.dict.observer = null;
    observer?.clear();
    if (lazy) this.ks.lazyfree.freeDatabase(this.dict, this.expires);
    this.dict = new Dict<Value>();
    this.dict.observer = observer;
    this.expires = new Map();
    this.avgTtl = 0;
    return n;
  }

  /** Random key that has not expired, or undefined. */
  randomKey(rand: () => number = Math.random): string | undefined {
    // Like Redis's dbRandomKey on a master: every expired pick is deleted, so this ends.
    for (;;) {
      const k = this.dict.randomKey(rand);
      if (k === undefined || !this.expireIfNeeded(k)) return k;
    }
  }
}

/** What every command but the bitmap and HyperLogLog ones sees: a MutableString as its text. */
function plain(v: Value | undefined): Value | undefined {
  return v instanceof MutableString ? v.toString() : v;
}
