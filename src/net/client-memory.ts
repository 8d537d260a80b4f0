// What each TCP client costs in memory (CLIENT LIST tot-mem) and maxmemory-clients, Redis 7.0's
// client eviction: when normal and pub/sub clients together use the limit or more, the biggest
// ones are closed until they fit. Figures follow Redis's getClientMemoryUsage: output buffers,
// the query buffer's allocation, the client structure and its 16 KiB reply buffer, the running
// command's arguments, queued MULTI commands, WATCHed keys, subscriptions, tracking prefixes.
//
// Each connection remembers what it last counted, and the total moves by the difference
// (after each read event, flush, pushed message and cron pass): nothing scans all clients
// except the eviction itself, which only runs while the total is at the limit.
import type { Client } from '../engine/client';
import type { Server } from '../engine/server';
import { clientInfoString } from '../commands/client';

/** sizeof(client) in Redis 7.0, as its allocator rounds it. */
const CLIENT_STRUCT = 768;
const POINTER = 8;
const LIST_NODE = 24;
const DICT_ENTRY = 24;
/** A queued MULTI command (multiCmd) and a WATCHed key (listNode + watchedKey). */
const MULTI_CMD = 24;
const WATCHED_KEY = LIST_NODE + 32;
/** Redis's underestimate of a tracking prefix: one rax node. */
const RAX_NODE = 32;
/** Redis never lets the limit go below this (a bad setting must not lock everybody out). */
const MIN_LIMIT = 128 * 1024;
/** Buckets are powers of two from 32 KiB (Redis's CLIENT_MEM_USAGE_BUCKET_MIN_LOG..MAX_LOG). */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;

/** What the connection layer tells about one client. */
export interface MemoryTracked {
  readonly client: Client;
  /** Memory counted in the total (0 for replicas, which have their own limits). */
  counted: number;
  /** Recomputes this client's memory (and updates `counted` through ClientMemory.update). */
  updateMemory(): void;
  /** The cron's pass: query buffer resize, then updateMemory. */
  cronPass(): void;
}

/** Slots of a Redis dict holding n entries (a power of two, 0 when empty). */
function dictSlots(n: number): number {
  return n === 0 ? 0 : 2 ** Math.ceil(Math.log2(Math.max(4, n)));
}

/** Memory of the state kept outside the connection's buffers (pub/sub, WATCH, tracking). */
export function stateMemory(c: Client): number {
  let mem = c.patterns.size * LIST_NODE;
  mem += c.channels.size * DICT_ENTRY + dictSlots(c.channels.size) * POINTER;
  mem += c.shardChannels.size * DICT_ENTRY + dictSlots(c.shardChannels.size) * POINTER;
  mem += c.server.watches.watchedBy(c) * WATCHED_KEY;
  if (c.tracking !== null) mem += c.tracking.prefixes.size * RAX_NODE;
  return mem;
}

/** Bytes of a command's arguments as Redis counts them (argv_len_sum + the pointers). */
export function argvMemory(argv: string[]): number {
  let n = argv.length * POINTER;
  for (const a of argv) n += a.length;
  return n;
}

/**
 * A client's memory: `output` bytes not yet sent, `queryBuffer` the query buffer's allocation,
 * `argv` the running command's arguments, `multi` the queued commands.
 */
export function clientMemory(c: Client, output: number, queryBuffer: number, argv: number, multi: number): number {
  return output + queryBuffer + CLIENT_STRUCT + (c.replyBuffer?.size ?? 0) + argv + multi + stateMemory(c);
}

/** A queued MULTI command's memory (its arguments and Redis's multiCmd). */
export function queuedMemory(argv: string[]): number {
  return argvMemory(argv) + MULTI_CMD;
}

function bucketOf(mem: number): number {
  const log = mem > 0 ? Math.floor(Math.log2(mem)) + 1 : 0;
  return Math.min(BUCKET_MAX_LOG, Math.max(BUCKET_MIN_LOG, log));
}

/** One per server (Server.clientMemory): the total and the eviction. */
export class ClientMemory {
  /** Memory of normal and pub/sub clients, as last counted. */
  total = 0;
  /** The eviction threshold in bytes; 0: maxmemory-clients is off. */
  limit = 0;
  private readonly tracked = new Set<MemoryTracked>();
  private evicting = false;

  constructor(private readonly server: Server) {
    this.refreshLimit();
    server.events.on('cron', () => {
      // A percentage follows maxmemory, which can change without touching this parameter.
      this.refreshLimit();
      for (const t of this.tracked) t.cronPass();
      this.evictIfNeeded();
    });
  }

  add(t: MemoryTracked): void {
    this.tracked.add(t);
  }

  /** A closed client: it no longer counts. */
  remove(t: MemoryTracked): void {
    if (!this.tracked.delete(t)) return;
    this.total -= t.counted;
    t.counted = 0;
  }

  /** Records a client's new memory figure. */
  update(t: MemoryTracked, mem: number): void {
    const counted = t.client.isReplica ? 0 : mem;
    this.total += counted - t.counted;
    t.counted = counted;
  }

  /** maxmemory-clients as bytes: a size, or a percentage of maxmemory; never below 128 KiB. */
  refreshLimit(): void {
    const v = this.server.config.get('maxmemory-clients');
    let limit: number;
    if (v.endsWith('%')) {
      const maxmemory = this.server.maxmemory;
      limit = maxmemory > 0 ? Math.floor((maxmemory * Number(v.slice(0, -1))) / 100) : 0;
    } else limit = Number(v);
    const was = this.limit;
    this.limit = limit === 0 ? 0 : Math.max(limit, MIN_LIMIT);
    // Figures are kept only while the limit is on: count everybody afresh when it turns on.
    if (was === 0 && this.limit !== 0) {
      this.total = 0;
      for (const t of this.tracked) {
        t.counted = 0;
        t.updateMemory();
      }
    }
  }

  /**
   * Closes the biggest evictable clients (by power-of-two bucket, oldest first within one) until
   * the total is under the limit. Called before each command and after each read event, so the
   * check itself is two comparisons.
   */
  evictIfNeeded(): void {
    if (this.limit === 0 || this.total < this.limit || this.evicting) return;
    this.evicting = true;
    try {
      const candidates: MemoryTracked[] = [];
      for (const t of this.tracked) if (!t.client.noEvict && !t.client.isReplica && !t.client.closed) candidates.push(t);
      candidates.sort((a, b) => bucketOf(b.counted) - bucketOf(a.counted) || a.client.id - b.client.id);
      for (const t of candidates) {
        if (this.total < this.limit) return;
        this.server.log.notice(`Evicting client: ${clientInfoString(t.client, null, null)}`);
        this.server.stats.evictedClients++;
        t.client.close();
      }
      if (this.total >= this.limit) this.server.log.warning('Over client maxmemory after evicting all evictable clients');
    } finally {
      this.evicting = false;
    }
  }
}
