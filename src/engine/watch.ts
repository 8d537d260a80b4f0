// WATCH bookkeeping: which clients watch which keys, and marking them dirty when a watched key
// is modified (any write through the keyspace's write path, expiry, flush, swap).
import type { Db } from '../keyspace/db';
import type { Client } from './client';
import type { Server } from './server';

export class WatchRegistry {
  /** db -> key -> watching clients */
  private byDb = new Map<Db, Map<string, Set<Client>>>();
  /** client -> its watched (db, key) pairs */
  private byClient = new Map<Client, { db: Db; key: string; expiredAtWatch: boolean }[]>();
  /** Clients whose transaction must fail (CLIENT_DIRTY_CAS). */
  readonly dirty = new Set<Client>();

  constructor(server: Server) {
    server.keyspace.onModified((db, key) => this.touch(db, key));
    server.clientCloseHooks.push((c) => this.unwatchAll(c));
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
    // A key already logically expired at WATCH time only counts if it is modified later.
    const when = db.expires.get(key);
    list.push({ db, key, expiredAtWatch: when !== undefined && when <= db.now() });
    let keys = this.byDb.get(db);
    if (!keys) this.byDb.set(db, (keys = new Map()));
    let clients = keys.get(key);
    if (!clients) keys.set(key, (clients = new Set()));
    clients.add(c);
  }

  unwatchAll(c: Client): void {
    this.dirty.delete(c);
    const list = this.byClient.get(c);
    if (!list) return;
    this.byClient.delete(c);
    for (const { db, key } of list) {
      const keys = this.byDb.get(db);
      const clients = keys?.get(key);
      if (!clients) continue;
      clients.delete(c);
      if (clients.size === 0) keys!.delete(key);
      if (keys!.size === 0) this.byDb.delete(db);
    }
  }

  touch(db: Db, key: string): void {
    if (this.byDb.size === 0) return;
    const clients = this.byDb.get(db)?.get(key);
    if (clients) for (const c of clients) this.dirty.add(c);
  }

  /** After FLUSHDB/FLUSHALL/SWAPDB: every watched key of db that existed (or exists now) is touched. */
  touchDb(db: Db, existedBefore: (key: string) => boolean): void {
    const keys = this.byDb.get(db);
    if (!keys) return;
    for (const [key, clients] of keys) {
      if (existedBefore(key) || db.dict.has(key)) for (const c of clients) this.dirty.add(c);
    }
  }

  /** True when EXEC must fail: a watched key was touched, or has expired since WATCH. */
  isDirty(c: Client): boolean {
    if (this.dirty.has(c)) return true;
    const list = this.byClient.get(c);
    if (!list) return false;
    for (const w of list) {
      if (w.expiredAtWatch) continue;
      const when = w.db.expires.get(w.key);
      if (when !== undefined && when <= w.db.now()) return true;
    }
    return false;
  }
}
