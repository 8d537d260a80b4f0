// The per-server event set: how subsystems hear about each other without callback slots on
// Server or process-wide hook arrays. Each server owns one (Server.events); a subsystem created
// by the server subscribes in its constructor. Events fire synchronously, in subscription order.
//
// Per-key events stay on the keyspace (Keyspace.onModified / onPropagate): they fire on every
// write, so they avoid this generic dispatch.
import type { Client } from './client';
import type { Db } from '../keyspace/db';

export interface ServerEventMap {
  /** A cron tick (hz times a second; not while paused or a busy script runs). */
  cron: () => void;
  /** A client is gone: per-client state elsewhere is released. */
  clientClosed: (c: Client) => void;
  /** The server stops: timers, threads and files are closed. */
  shutdown: () => void;
  /** FLUSHDB (one db) or FLUSHALL (every db), even when nothing was removed. */
  dbFlushed: (dbs: readonly Db[]) => void;
  /** SWAPDB exchanged the contents of two databases. */
  dbSwapped: (a: Db, b: Db) => void;
}

type Handlers = { [K in keyof ServerEventMap]: ServerEventMap[K][] };

export class ServerEvents {
  private readonly handlers: Handlers = { cron: [], clientClosed: [], shutdown: [], dbFlushed: [], dbSwapped: [] };

  on<K extends keyof ServerEventMap>(name: K, fn: ServerEventMap[K]): void {
    this.handlers[name].push(fn);
  }

  emit<K extends keyof ServerEventMap>(name: K, ...args: Parameters<ServerEventMap[K]>): void {
    const hs = this.handlers[name] as ((...a: Parameters<ServerEventMap[K]>) => void)[];
    for (let i = 0; i < hs.length; i++) hs[i](...args);
  }
}
