// The databases and what they share: the clock, expiry (lazy and the active cycle), access
// tracking for LRU/LFU, keyspace statistics, and the hooks that make every write visible to
// WATCH, client tracking, keyspace notifications and propagation.
import { LazyFree } from './lazyfree';
import { Clock } from './clock';
import { Db } from './db';
import { NotifyFlags, parseNotifyFlags } from './notify';

export interface KeyspaceStats {
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
  evictedKeys: number;
  expiredStalePerc: number;
  expiredTimeCapReachedCount: number;
  expireCycleCpuMs: number;
}

/** expired: the key was deleted by lazy or active expiry (no client modified it). */
export type ModifiedHook = (db: Db, key: string, expired: boolean) => void;
export type EventHook = (channel: string, message: string) => void;
export type PropagateHook = (dbId: number, argv: string[]) => void;

const LFU_INIT_VAL = 5;
const KEYS_PER_LOOP = 20;

export class Keyspace {
  dbs: Db[] = [];
  dirty = 0;
  stats: KeyspaceStats = {
    keyspaceHits: 0,
    keyspaceMisses: 0,
    expiredKeys: 0,
    evictedKeys: 0,
    expiredStalePerc: 0,
    expiredTimeCapReachedCount: 0,
    expireCycleCpuMs: 0,
  };
  /** LFU instead of LRU access marks (maxmemory-policy *-lfu). */
  lfu = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** Set while a CLIENT NO-TOUCH client runs a command: reads don't update access info. */
  noTouch = false;
  /** Expiry is suspended while writes are paused (CLIENT PAUSE) and on replicas. */
  expirePaused = false;
  /**
   * This server is a replica (src/replication/replica.ts): it never expires keys on its own (it
   * waits for the master's DEL); reads see expired keys as missing, the master's commands see
   * them as present; writes of a writable replica delete them (Redis's expireIfNeeded).
   */
  replicaMode = false;
  replicaWritable = false;
  /** True while a command of the master's replication stream runs. */
  obeyingMaster = false;
  /**
   * A writable replica's keys that its own clients gave a TTL: the replica expires those itself
   * (Redis's slaveKeysWithExpire), since its master knows nothing of them.
   */
  replicaKeysWithExpire: Map<Db, Set<string>> | null = null;
  /**
   * Set while the AOF is replayed: nothing expires (a key whose TTL passed stays, so later
   * commands of the file still apply to it) and EXPIRE with a past time sets the TTL instead of
   * deleting, as Redis does while loading. Expiry happens once loading is over.
   */
  loading = false;
  /** When set, "now" for expiry is this value (scripts see time stand still). */
  timeSnapshot: number | null = null;
  activeExpireEnabled = true;
  /** UNLINK, FLUSHDB ASYNC and the lazyfree-lazy-* options (src/keyspace/lazyfree.ts). */
  readonly lazyfree = new LazyFree();
  activeExpireEffort = 1;
  /**
   * Set while a background save runs: called before a key is looked up, so the save can copy
   * a collection before it changes in place (src/persistence/snapshot.ts).
   */
  beforeAccess: ((db: Db, key: string) => void) | null = null;

  private notifyFlags: NotifyFlags = 0;
  private modifiedHooks: ModifiedHook[] = [];
  private eventHook: EventHook | null = null;
  private propagateHooks: PropagateHook[] = [];
  private expireCursorDb = 0;
  private expireIters = new Map<Db, { map: Map<string, number>; it: Iterator<[string, number]> }>();

  constructor(
    readonly clock: Clock,
    databases = 16,
  ) {
    this.resize(databases);
    this.refreshLruClock();
    clock.onChange(() => this.refreshLruClock());
  }

  /** INFO keyspace: the databases that hold keys. */
  infoFields(): [string, string][] {
    const out: [string, string][] = [];
    for (const db of this.dbs) {
      if (db.size === 0) continue;
      out.push([`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${Math.floor(db.avgTtl)}`]);
    }
    return out;
  }

  resize(databases: number): void {
    while (this.dbs.length < databases) this.dbs.push(new Db(this.dbs.length, this));
    this.dbs.length = databases;
  }

  now(): number {
    return this.timeSnapshot ?? this.clock.now();
  }

  expireAllowed(): boolean {
    return !this.expirePaused && !this.replicaMode;
  }

  // ---- hooks -------------------------------------------------------------------------------

  onModified(fn: ModifiedHook): void {
    this.modifiedHooks.push(fn);
  }

  onPropagate(fn: PropagateHook): void {
    this.propagateHooks.push(fn);
  }

  setEventPublisher(fn: EventHook): void {
    this.eventHook = fn;
  }

  setNotifyConfig(flags: string): boolean {
    const f = parseNotifyFlags(flags);
    if (f === null) return false;
    this.notifyFlags = f;
    return true;
  }

  get notifyConfig(): NotifyFlags {
    return this.notifyFlags;
  }

  modified(db: Db, key: string, expired = false): void {
    const hooks = this.modifiedHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i](db, key, expired);
  }

  notify(type: string, event: string, key: string, dbId: number): void {
    if (this.notifyFlags === 0 || this.eventHook === null) return;
    const cls = NotifyFlags.classOf(type);
    if ((this.notifyFlags & cls) === 0) return;
    if (this.notifyFlags & NotifyFlags.KEYSPACE) this.eventHook(`__keyspace@${dbId}__:${key}`, event);
    if (this.notifyFlags & NotifyFlags.KEYEVENT) this.eventHook(`__keyevent@${dbId}__:${event}`, key);
  }

  propagate(dbId: number, argv: string[]): void {
    const hooks = this.propagateHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i](dbId, argv);
  }

  // ---- access info (OBJECT IDLETIME / FREQ, eviction) -----------------------------------------

  /**
   * The LRU clock (seconds, 24 bits), cached like Redis's server.lruclock: refreshed by the cron
   * and on every manual clock change, so key accesses do not read the time.
   */
  lruNow = 0;

  refreshLruClock(): void {
    this.lruNow = Math.floor(this.clock.now() / 1000) & 0xffffff;
  }

  private lruClock(): number {
    return this.lruNow;
  }

  newMark(): number {
    if (!this.lfu) return this.lruNow;
    return ((Math.floor(this.clock.now() / 60000) & 0xffff) << 8) | LFU_INIT_VAL;
  }

  accessMark(old: number | undefined): number {
    if (!this.lfu) return this.lruNow;
    let counter = this.lfuCounter(old ?? this.newMark());
    // Logarithmic increment, as Redis's LFULogIncr.
    if (counter < 255) {
      const base = Math.max(0, counter - LFU_INIT_VAL);
      const p = 1 / (base * this.lfuLogFactor + 1);
      if (Math.random() < p) counter++;
    }
    return ((Math.floor(this.clock.now() / 60000) & 0xffff) << 8) | counter;
  }

  /** LFU counter after decay for the minutes elapsed since the last access. */
  lfuCounter(mark: number): number {
    const ldt = mark >> 8;
    const nowMin = Math.floor(this.clock.now() / 60000) & 0xffff;
    const elapsed = nowMin >= ldt ? nowMin - ldt : 65535 - ldt + nowMin;
    const periods = this.lfuDecayTime ? Math.floor(elapsed / this.lfuDecayTime) : 0;
    const counter = mark & 0xff;
    return periods > counter ? 0 : counter - periods;
  }

  /** Seconds since the key was last accessed (LRU mode). */
  idleSeconds(mark: number): number {
    const now = this.lruClock();
    return now >= mark ? now - mark : 0xffffff - mark + now;
  }

  // ---- expiry -----------------------------------------------------------------------------

  expireKey(db: Db, key: string): void {
    const lazy = this.lazyfree.expire;
    const v = lazy ? db.dict.get(key) : undefined;
    db.dict.delete(key);
    db.expires.delete(key);
    if (v !== undefined) this.lazyfree.freeValue(v, true);
    this.stats.expiredKeys++;
    this.notify('x', 'expired', key, db.id);
    this.modified(db, key, true);
    // Propagated as UNLINK when freed lazily (Redis's propagateDeletion).
    this.propagate(db.id, [lazy ? 'UNLINK' : 'DEL', key]);
  }

  /**
   * One run of the active expiry cycle: walks each database's expires table from where the last
   * run stopped, sampling KEYS_PER_LOOP keys at a time and deleting those past their time; goes
   * on while more than 10% of a sample was expired, within a time budget (like Redis, 25% of a
   * tick).
   */
  activeExpireCycle(hz: number): void {
    if (this.replicaMode && this.activeExpireEnabled && !this.expirePaused) return this.expireReplicaKeys();
    if (!this.activeExpireEnabled || !this.expireAllowed()) return;
    const start = performance.now();
    const budgetMs = (1000 / hz) * (0.25 + 0.02 * (this.activeExpireEffort - 1));
    const perLoop = KEYS_PER_LOOP + Math.floor((KEYS_PER_LOOP / 4) * (this.activeExpireEffort - 1));
    const acceptableStale = 10 - (this.activeExpireEffort - 1);
    const now = this.now();
    let sampledAll = 0;
    let expiredAll = 0;
    for (let d = 0; d < this.dbs.length; d++) {
      const db = this.dbs[(this.expireCursorDb + d) % this.dbs.length];
      if (db.expires.size === 0) continue;
      let ttlSum = 0;
      let ttlSamples = 0;
      for (;;) {
        let sampled = 0;
        let expired = 0;
        for (let i = 0; i < perLoop && db.expires.size > 0; i++) {
          const e = this.nextExpireEntry(db);
          if (e === null) break;
          sampled++;
          if (e[1] <= now) {
            if (db.expires.get(e[0]) === e[1]) {
              this.expireKey(db, e[0]);
              expired++;
            }
          } else {
            ttlSum += e[1] - now;
            ttlSamples++;
          }
        }
        sampledAll += sampled;
        expiredAll += expired;
        if (performance.now() - start > budgetMs) {
          this.stats.expiredTimeCapReachedCount++;
          this.expireCursorDb = (this.expireCursorDb + d) % this.dbs.length;
          this.finishCycle(start, sampledAll, expiredAll);
          return;
        }
        if (sampled === 0 || expired * 100 <= sampled * acceptableStale) break;
      }
      if (ttlSamples > 0) {
        const avg = ttlSum / ttlSamples;
        db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
      }
    }
    this.finishCycle(start, sampledAll, expiredAll);
  }

  private finishCycle(start: number, sampled: number, expired: number): void {
    this.stats.expireCycleCpuMs += performance.now() - start;
    const perc = sampled ? expired / sampled : 0;
    this.stats.expiredStalePerc = perc * 0.05 + this.stats.expiredStalePerc * 0.95;
  }

  /** The next entry of db's expires table in a walk that survives inserts and deletes. */
  private nextExpireEntry(db: Db): [string, number] | null {
    let cur = this.expireIters.get(db);
    if (cur === undefined || cur.map !== db.expires) {
      cur = { map: db.expires, it: db.expires.entries() };
      this.expireIters.set(db, cur);
    }
    let r = cur.it.next();
    if (r.done) {
      cur.it = db.expires.entries();
      r = cur.it.next();
      if (r.done) return null;
    }
    return r.value;
  }

  /** A writable replica's client set a TTL on key: tracked for expireReplicaKeys. */
  rememberReplicaKey(db: Db, key: string): void {
    const m = (this.replicaKeysWithExpire ??= new Map());
    let set = m.get(db);
    if (set === undefined) m.set(db, (set = new Set()));
    set.add(key);
  }

  /** On a replica, instead of the active cycle: deletes the tracked keys whose time has passed. */
  private expireReplicaKeys(): void {
    const m = this.replicaKeysWithExpire;
    if (m === null) return;
    const now = this.now();
    for (const [db, keys] of m) {
      for (const k of [...keys]) {
        const when = db.expires.get(k);
        if (when === undefined) keys.delete(k);
        else if (when <= now) {
          this.expireKey(db, k);
          keys.delete(k);
        }
      }
      if (keys.size === 0) m.delete(db);
    }
    if (m.size === 0) this.replicaKeysWithExpire = null;
  }

  /**
   * Expires, in every database, every key whose time has passed (after a clock jump): what the
   * active cycle would do over the skipped time, so not when active expiry is off
   * (DEBUG SET-ACTIVE-EXPIRE 0), paused, or on a replica.
   */
  expireAllDue(): void {
    if (!this.activeExpireEnabled || !this.expireAllowed()) return;
    const now = this.now();
    for (const db of this.dbs) {
      if (db.expires.size === 0) continue;
      const due: string[] = [];
      for (const [k, t] of db.expires) if (t <= now) due.push(k);
      for (const k of due) this.expireKey(db, k);
    }
  }
}
