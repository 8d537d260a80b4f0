// WATCH bookkeeping: which clients watch which keys, and marking them dirty when a watched key
// is modified (any write through the keyspace's write path, expiry, flush, swap).
import type { Db } from '../keyspace/db';
import type { Client } from './client';
import type { ServerContext } from './context';

/** One WATCHed key of one client. */
interface Watched {
  db: Db;
  key: string;
  client: Client;
  /**
   * The key was logically expired (still stored) when WATCHed, or became so through SWAPDB.
   * Its deletion is then no change; other writes are.
   */
  expired: boolean;
}

export class WatchRegistry {
  /** db -> key -> its watchers */
  private byDb = new Map<Db, Map<string, Watched[]>>();
  /** client -> its watched keys */
  private byClient = new Map<Client, Watched[]>();
  /** Clients whose transaction must fail (CLIENT_DIRTY_CAS). */
  readonly dirty = new Set<Client>();

  constructor(server: ServerContext) {
    server.keyspace.onModified((db, key) => this.touch(db, key));
    server.events.on('clientClosed', (c) => this.unwatchAll(c));
  }

  get size(): number {
    return this.byClient.size;
  }

  /** Number of keys watched in total (INFO: watching_clients / total_watched_keys). */
  watchedKeyCount(): number {
    let n = 0;
    for (const m of this.byDb.values()) n += m.size;
    return n;
  }

  watchedBy(c: Client): number {
    return this.byClient.get(c)?.length ?? 0;
  }

  watch(c: Client, db: Db, key: string): void {
    let list = this.byClient.get(c);
    if (!list) this.byClient.set(c, (list = []));
    if (list.some((w) => w.db === db && w.key === key)) return;
    const w: Watched = { db, key, client: c, expired: isStale(db, key) };
    list.push(w);
    let keys = this.byDb.get(db);
    if (!keys) this.byDb.set(db, (keys = new Map()));
    const watchers = keys.get(key);
    if (watchers) watchers.push(w);
    else keys.set(key, [w]);
  }

  unwatchAll(c: Client): void {
    this.dirty.delete(c);
    const list = this.byClient.get(c);
    if (!list) return;
    this.byClient.delete(c);
    for (const w of list) {
      const keys = this.byDb.get(w.db);
      const watchers = keys?.get(w.key);
      if (!watchers) continue;
      const i = watchers.indexOf(w);
      if (i >= 0) watchers.splice(i, 1);
      if (watchers.length === 0) keys!.delete(w.key);
      if (keys!.size === 0) this.byDb.delete(w.db);
    }
  }

  /** A write to key (or its expiry): its watchers' transactions fail. */
  touch(db: Db, key: string): void {
    if (this.byDb.size === 0) return;
    const watchers = this.byDb.get(db)?.get(key);
    if (!watchers) return;
    for (const w of watchers) {
      if (w.expired) {
        // Watched while already expired: deleting it is no logical change (and from now on it
        // is just a missing key). Any other write to it stops the walk here, as in Redis 7.0.
        if (!db.dict.has(key)) {
          w.expired = false;
          continue;
        }
        break;
      }
      this.dirty.add(w.client);
    }
  }

  /**
   * FLUSHDB/FLUSHALL (replacedWith null) or SWAPDB, called before the contents change: a watched
   * key that exists on either side is touched, except a stale key that disappears or stays
   * stale, and a missing key replaced by a stale one.
   */
  touchDb(emptied: Db, replacedWith: Db | null): void {
    const keys = this.byDb.get(emptied);
    if (!keys) return;
    for (const [key, watchers] of keys) {
      const existed = emptied.dict.has(key);
      const replaced = replacedWith !== null && replacedWith.dict.has(key);
      if (!existed && !replaced) continue;
      for (const w of watchers) {
        if (w.expired) {
          if (!replaced) {
            w.expired = false;
            continue;
          }
          if (isStale(replacedWith!, key)) continue;
        } else if (!existed && isStale(replacedWith!, key)) {
          w.expired = true;
          continue;
        }
        this.dirty.add(w.client);
      }
    }
  }

  /** True when EXEC must fail: a watched key was touched, or has expired since WATCH. */
  isDirty(c: Client): boolean {
    if (this.dirty.has(c)) return true;
    const list = this.byClient.get(c);
    if (!list) return false;
    for (const w of list) if (!w.expired && isStale(w.db, w.key)) return true;
    return false;
  }
}

/** Stored but past its expiry time (Redis's keyIsExpired). */
function isStale(db: Db, key: string): boolean {
  const when = db.expires.get(key);
  return when !== undefined && when <= db.now();
}
