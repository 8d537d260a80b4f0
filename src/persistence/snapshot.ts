// A point-in-time snapshot without fork(). At the start, each database's keys, value references
// and expiry times are captured (one pointer copy per key). Strings are immutable and replacing or
// deleting a key does not touch the captured reference, so only collections changed in place
// could make the snapshot drift: every collection captured is "pending" until it is written, and
// the first access to a pending collection during the save (any lookup, and every key of a write
// command) serialises it first — copy-on-write at the granularity of a key. The writer then uses
// that frozen copy. The file is written in slices of a few milliseconds between event-loop turns,
// so clients are served throughout.
import type { Db } from '../keyspace/db';
import type { Keyspace } from '../keyspace/keyspace';
import { Collection, Value } from '../datatypes/value';
import { AccessInfo, ReplAux, serializeValue, writeHeader, writeFunctions, writeKeySerialized, writeKeyValue, writeSelectDb, writeTrailer } from './rdb-file';
import { RdbOutput, RdbWriteOptions } from './rdb-writer';

export interface SnapshotOptions extends RdbWriteOptions {
  checksum: boolean;
  aofBase: boolean;
  usedMem: number;
  now: number;
  /** 'lru' / 'lfu' when the eviction policy needs access info saved, else null. */
  accessInfo: 'lru' | 'lfu' | null;
  functions: readonly string[];
  /** For a replica's RDB: the replication aux fields (src/replication). */
  replAux?: ReplAux;
  /** No keys at all (REPLCONF rdb-filter-only: functions, or nothing). */
  excludeData?: boolean;
}

interface DbImage {
  id: number;
  keys: string[];
  vals: Value[];
  expires: Map<string, number>;
  db: Db;
}

/** Captures the databases; the caller writes them now (SAVE) or in slices (BGSAVE). */
export class Snapshot {
  private readonly images: DbImage[] = [];
  private dbIndex = 0;
  private keyIndex = 0;
  private started = false;
  /** Collections not written yet; the copy-on-write trigger. */
  private readonly pending = new Set<Collection>();
  /** Frozen copies of pending collections accessed during the save. */
  private readonly frozen = new Map<Collection, Buffer>();
  readonly totalKeys: number;
  processedKeys = 0;
  /** Bytes held by frozen copies now / at most (INFO's cow fields). */
  cowBytes = 0;
  cowPeak = 0;
  /** Bytes the capture itself holds (key and value reference arrays, expiry copies). */
  readonly captureBytes: number;
  private out: RdbOutput;
  private finished = false;

  constructor(
    private readonly ks: Keyspace,
    private readonly opts: SnapshotOptions,
    private readonly sink: (chunk: Buffer) => void,
    trackChanges: boolean,
  ) {
    let total = 0;
    let capture = 0;
    for (const db of opts.excludeData === true ? [] : ks.dbs) {
      if (db.size === 0) continue;
      const keys: string[] = new Array(db.size);
      const vals: Value[] = new Array(db.size);
      let i = 0;
      db.dict.forEach((k, v) => {
        keys[i] = k;
        vals[i++] = v;
        if (trackChanges && typeof v !== 'string') this.pending.add(v);
      });
      this.images.push({ id: db.id, keys, vals, expires: new Map(db.expires), db });
      total += i;
      capture += i * 16 + db.expires.size * 40;
    }
    capture += this.pending.size * 24;
    this.totalKeys = total;
    this.captureBytes = capture;
    this.out = new RdbOutput(sink, opts, opts.checksum);
  }

  /** Copy-on-write: called before a key is accessed while the save runs. */
  beforeAccess(db: Db, key: string): void {
    const v = db.dict.get(key);
    if (v === undefined || typeof v === 'string' || !this.pending.delete(v)) return;
    const bytes = serializeValue(v, this.opts);
    this.frozen.set(v, bytes);
    this.cowBytes += bytes.length;
    if (this.cowBytes > this.cowPeak) this.cowPeak = this.cowBytes;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Writes keys for about `budgetMs`; returns true once the whole file is written. */
  step(budgetMs = Infinity): boolean {
    const out = this.out;
    const t0 = performance.now();
    if (!this.started) {
      this.started = true;
      writeHeader(out, this.opts.aofBase, this.opts.usedMem, this.opts.now, this.opts.replAux ?? null);
      writeFunctions(out, this.opts.functions);
    }
    let n = 0;
    while (this.dbIndex < this.images.length) {
      const img = this.images[this.dbIndex];
      if (this.keyIndex === 0) writeSelectDb(out, img.id, img.keys.length, img.expires.size);
      while (this.keyIndex < img.keys.length) {
        const i = this.keyIndex++;
        const key = img.keys[i];
        const val = img.vals[i];
        const exp = img.expires.get(key) ?? -1;
        const access = this.access(img.db, key);
        if (typeof val === 'string') writeKeyValue(out, key, val, exp, access);
        else {
          const frozen = this.frozen.get(val);
          if (frozen !== undefined) {
            writeKeySerialized(out, key, frozen, exp, access);
            this.frozen.delete(val);
            this.cowBytes -= frozen.length;
          } else {
            this.pending.delete(val);
            writeKeyValue(out, key, val, exp, access);
          }
        }
        // Release what is written.
        (img.vals as (Value | undefined)[])[i] = undefined;
        this.processedKeys++;
        if ((++n & 63) === 0 && performance.now() - t0 > budgetMs) return false;
      }
      this.images[this.dbIndex] = { ...img, keys: [], vals: [], expires: new Map() };
      this.dbIndex++;
      this.keyIndex = 0;
    }
    writeTrailer(out, this.sink, this.opts.checksum);
    this.finished = true;
    return true;
  }

  private access(db: Db, key: string): AccessInfo | null {
    const mode = this.opts.accessInfo;
    if (mode === null) return null;
    const mark = db.dict.getMark(key);
    if (mark === undefined) return null;
    return mode === 'lru' ? { idle: this.ks.idleSeconds(mark), freq: null } : { idle: null, freq: this.ks.lfuCounter(mark) };
  }

  /** Stops tracking (the save ended or was aborted). */
  release(): void {
    this.pending.clear();
    this.frozen.clear();
    this.images.length = 0;
    this.cowBytes = 0;
  }
}
