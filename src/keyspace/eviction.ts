// maxmemory: evicting keys before a command runs (Redis's performEvictions) and the memory
// estimate it works from.
//
// Node cannot report what one command allocated, and V8's heapUsed counts garbage until a major
// GC (often several times the live data), so used memory is estimated:
//   used = base + written - freed
// base: heapUsed + external sampled right after the last major GC (a PerformanceObserver sees
// it), i.e. close to the live data; written: the argument bytes of write commands since then
// (plus a fixed per-command overhead); freed: the estimated size of the keys evicted since
// then, so an eviction counts at once instead of after the next GC. Because the same figure
// sampled by the cron (garbage included, minus what was evicted since the GC) is also an upper
// bound, the estimate is the smaller of the two.
import type { PerformanceObserver } from 'node:perf_hooks';
import { F, type Command } from '../commands/registry';
import type { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import type { Value } from '../datatypes/value';
import { unsanitizedPayload } from '../datatypes/unsanitized';
import type { Db } from './db';

/** Bytes a key costs beyond its name and value (Map entry, Dict slots, string headers). */
const KEY_OVERHEAD = 96;
/** Estimated bytes of one collection element beyond its payload (node, hash slot, headers). */
const ELEMENT_OVERHEAD = 48;
/** Payload bytes assumed per collection element (elements are not walked to measure them). */
const ELEMENT_PAYLOAD = 16;
/** Redis's EVPOOL_SIZE: the best candidates kept across eviction rounds. */
const POOL_SIZE = 16;

// ---- memory estimate ----------------------------------------------------------------------

function processMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Process-wide: the memory figure right after the latest major GC, and how many there were. */
const gc = { epoch: 0, sample: 0 };
let gcObserver: PerformanceObserver | null = null;

function watchGc(): void {
  if (gcObserver !== null) return;
  // node:perf_hooks loads when maxmemory is first checked, not at startup (issue 16).
  const { constants, PerformanceObserver: Observer } = require('node:perf_hooks') as typeof import('node:perf_hooks');
  gcObserver = new Observer((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (kind & constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.epoch++;
        gc.sample = processMemory();
        return;
      }
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

interface PoolEntry {
  score: number;
  key: string;
  db: Db;
}

export class EvictionState {
  gcEpoch = -1;
  base = 0;
  /** Latest cron sample (garbage included), and what write commands added since it. */
  cronSample = 0;
  writtenSinceCron = 0;
  writtenSinceGc = 0;
  freedSinceGc = 0;
  /** Eviction pool, ascending score (the best candidate is last). */
  pool: PoolEntry[] = [];
  /** Round-robin database for the random policies (Redis's static next_db). */
  nextDb = 0;
  /** Per-db walk of the expires table, to sample volatile keys (a Map has no random access). */
  volatileIters = new Map<Db, { map: Map<string, number>; it: Iterator<string> }>();
  /** Set when a round was cut short by the time limit: rounds go on from the event loop. */
  continuation: NodeJS.Immediate | null = null;
  /** Whether memory could not be brought under the limit before the current command. */
  oomAtCommandStart = false;

  /**
   * Whether the estimate runs: from the first time something needs it (INFO, maxmemory), with
   * the process's memory at that moment as its base, as Redis's figure starts from what the
   * process holds when it is first read. Until then writes are not counted.
   */
  started = false;

  constructor(private readonly srv: ServerContext) {
    srv.events.on('cron', () => {
      if (this.started) this.cron();
    });
    srv.events.on('shutdown', () => {
      if (this.continuation !== null) clearImmediate(this.continuation);
      this.continuation = null;
    });
  }

  /** Starts the estimate (see `started`); returns this. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    watchGc();
    const now = processMemory();
    this.rebase(gc.epoch, now);
    this.cronSample = now;
    return this;
  }

  private rebase(epoch: number, sample: number): void {
    this.gcEpoch = epoch;
    this.base = sample;
    this.writtenSinceGc = 0;
    this.freedSinceGc = 0;
  }

  private cron(): void {
    this.cronSample = processMemory();
    this.writtenSinceCron = 0;
  }

  /** Redis's eviction time proc: more rounds, between events, until memory is under the limit. */
  continueLater(): void {
    if (this.continuation !== null) return;
    this.continuation = setImmediate(() => {
      this.continuation = null;
      performEvictions(this.srv);
    });
    this.continuation.unref();
  }

  used(): number {
    if (this.gcEpoch !== gc.epoch) this.rebase(gc.epoch, gc.sample);
    const sinceGc = this.base + this.writtenSinceGc - this.freedSinceGc;
    const sinceCron = this.cronSample + this.writtenSinceCron - this.freedSinceGc;
    return Math.max(0, Math.min(sinceGc, sinceCron));
  }

  wrote(bytes: number): void {
    this.writtenSinceGc += bytes;
    this.writtenSinceCron += bytes;
  }
}

function stateOf(srv: ServerContext): EvictionState {
  return srv.eviction.start();
}

/** CONFIG SET maxmemory: a lower limit evicts at once, as in Redis. */
export function applyMaxmemory(srv: ServerContext, bytes: number): void {
  srv.maxmemory = bytes;
  // As Redis 7.0 (startEvictionTimeProc): eviction starts right after the command, outside it,
  // so an EXEC that lowers maxmemory runs to its end and the evictions propagate on their own.
  if (bytes !== 0) stateOf(srv).continueLater();
}

/**
 * INFO's used_memory: the estimate, whether maxmemory is set or not, so the figure a client reads
 * before CONFIG SET maxmemory is the one eviction then works from (Redis's suite sets limits
 * relative to it).
 */
export function usedMemory(srv: ServerContext): number {
  return stateOf(srv).used();
}

/**
 * What a write command adds, for the estimate (argument bytes plus the per-key overhead): called
 * by the dispatcher for writes when maxmemory is off (refuseForMemory counts them otherwise).
 */
export function countWrite(srv: ServerContext, argv: string[]): void {
  const st = srv.eviction;
  if (!st.started) return;
  let bytes = KEY_OVERHEAD;
  for (let i = 1; i < argv.length; i++) bytes += argv[i].length + 8;
  st.wrote(bytes);
}

/** A value grown in place beyond what its command's arguments say (SETBIT, SETRANGE offsets). */
export function countGrowth(srv: ServerContext, bytes: number): void {
  if (bytes > 0 && srv.eviction.started) srv.eviction.wrote(bytes);
}

/** Estimated bytes a key holds (name, value, overhead); collections by element count. */
export function estimateKeySize(key: string, v: Value): number {
  if (typeof v === 'string') return KEY_OVERHEAD + key.length + v.length;
  if (v.type === 'string') return KEY_OVERHEAD + key.length + (v as unknown as { length: number }).length;
  const unchecked = unsanitizedPayload(v);
  if (unchecked !== undefined) return KEY_OVERHEAD + key.length + unchecked.body.length;
  return KEY_OVERHEAD + key.length + v.size * (ELEMENT_OVERHEAD + ELEMENT_PAYLOAD);
}

// ---- admission (dispatcher) -----------------------------------------------------------------

/**
 * Redis's maxmemory step of processCommand, run only when maxmemory > 0: evicts what the policy
 * allows, then tells whether the command must be refused with -OOM (a denyoom command, an EXEC
 * with one queued, anything but EXEC/DISCARD/QUIT/RESET queued into MULTI).
 */
export function refuseForMemory(c: Client, cmd: Command, flags: number, argv: string[]): boolean {
  const srv = c.server;
  const st = stateOf(srv);
  const oom = performEvictions(srv) === 'fail';
  st.oomAtCommandStart = oom;
  // What the write will add, until the next sample measures it.
  if (flags & F.WRITE) countWrite(srv, argv);
  if (!oom) return false;
  if (flags & F.DENYOOM) return true;
  const queued = c.multi;
  if (queued === null) return false;
  const name = cmd.name;
  // EXEC is refused when it would run a denyoom command; queueing anything else is refused.
  if (name === 'exec') return queued.some((q) => (q.flags & F.DENYOOM) !== 0);
  return name !== 'discard' && name !== 'quit' && name !== 'reset';
}

/** Whether the command being run found memory over the limit (scripts' first denyoom write). */
export function oomAtCommandStart(srv: ServerContext): boolean {
  if (srv.maxmemory === 0) return false;
  return srv.eviction.oomAtCommandStart;
}

// ---- eviction -------------------------------------------------------------------------------

/**
 * Redis's evictionTimeLimitUs: how long one round may evict before leaving the rest to the
 * cron (maxmemory-eviction-tenacity; 100 means no limit).
 */
function timeLimitMs(tenacity: number): number {
  if (tenacity <= 10) return (50 * tenacity) / 1000;
  if (tenacity < 100) return (500 * Math.pow(1.15, tenacity - 10)) / 1000;
  return Infinity;
}

/** Evicts keys until the estimate is under maxmemory. 'fail': it could not (OOM). */
export function performEvictions(srv: ServerContext): 'ok' | 'fail' | 'running' {
  const max = srv.maxmemory;
  if (max === 0) return 'ok';
  const ks = srv.keyspace;
  // Eviction is suspended while writes are paused (CLIENT PAUSE), like expiry.
  if (ks.expirePaused) return 'ok';
  const st = stateOf(srv);
  const used = st.used();
  if (used <= max) return 'ok';
  const policy = srv.config.get('maxmemory-policy');
  if (policy === 'noeviction') return 'fail';
  const toFree = used - max;
  const volatile = policy.startsWith('volatile-');
  const samples = srv.config.int('maxmemory-samples');
  const limit = timeLimitMs(srv.config.int('maxmemory-eviction-tenacity'));
  const start = performance.now();
  let freed = 0;
  let evicted = 0;
  while (freed < toFree) {
    const picked = policy.endsWith('-random') ? pickRandom(srv, st, volatile) : pickFromPool(srv, st, policy, volatile, samples);
    if (picked === null) break;
    const [db, key] = picked;
    const v = db.dict.get(key);
    if (v === undefined) continue;
    const size = estimateKeySize(key, v);
    evictKey(srv, db, key);
    freed += size;
    st.freedSinceGc += size;
    evicted++;
    if ((evicted & 15) === 0 && performance.now() - start > limit) {
      // Out of time: the command runs, eviction goes on between events.
      st.continueLater();
      return 'running';
    }
  }
  return st.used() <= max ? 'ok' : 'fail';
}

/** Deletes an evicted key the way Redis does: WATCH/tracking see it, `evicted` event, DEL propagated. */
function evictKey(srv: ServerContext, db: Db, key: string): void {
  const ks = srv.keyspace;
  const lazy = ks.lazyfree.eviction;
  db.remove(key, lazy);
  ks.stats.evictedKeys++;
  ks.notify('e', 'evicted', key, db.id);
  ks.propagate(db.id, [lazy ? 'UNLINK' : 'DEL', key]);
}

function pickRandom(srv: ServerContext, st: EvictionState, volatile: boolean): [Db, string] | null {
  const dbs = srv.keyspace.dbs;
  for (let i = 0; i < dbs.length; i++) {
    const db = dbs[st.nextDb++ % dbs.length];
    if (volatile) {
      if (db.expires.size === 0) continue;
      const k = sampleVolatile(st, db, 1)[0];
      if (k !== undefined) return [db, k];
    } else {
      const k = db.dict.randomKey();
      if (k !== undefined) return [db, k];
    }
  }
  return null;
}

/**
 * Redis's evictionPoolPopulate + pick: samples `samples` keys per database into the pool of the
 * best candidates, then takes the best one that still exists.
 */
function pickFromPool(srv: ServerContext, st: EvictionState, policy: string, volatile: boolean, samples: number): [Db, string] | null {
  const ks = srv.keyspace;
  const pool = st.pool;
  for (;;) {
    let candidates = 0;
    for (const db of ks.dbs) {
      const size = volatile ? db.expires.size : db.dict.size;
      if (size === 0) continue;
      candidates += size;
      if (volatile) {
        for (const key of sampleVolatile(st, db, samples)) addToPool(pool, db, key, score(ks, db, key, policy));
      } else {
        for (let i = 0; i < samples; i++) {
          const key = db.dict.randomKey()!;
          addToPool(pool, db, key, score(ks, db, key, policy));
        }
      }
    }
    if (candidates === 0) {
      pool.length = 0;
      return null;
    }
    // Best first; entries whose key went away (or lost its TTL) are dropped.
    while (pool.length !== 0) {
      const e = pool.pop()!;
      if (volatile ? e.db.expires.has(e.key) : e.db.dict.has(e.key)) return [e.db, e.key];
    }
  }
}

/** Higher is evicted first: idle time (LRU), 255 - frequency (LFU), -expire time (TTL). */
function score(ks: ServerContext['keyspace'], db: Db, key: string, policy: string): number {
  if (policy.endsWith('-ttl')) return -(db.expires.get(key) ?? 0);
  const mark = db.dict.getMark(key) ?? 0;
  if (policy.endsWith('-lfu')) return 255 - ks.lfuCounter(mark);
  return ks.idleSeconds(mark);
}

function addToPool(pool: PoolEntry[], db: Db, key: string, s: number): void {
  for (const e of pool) if (e.key === key && e.db === db) return;
  if (pool.length >= POOL_SIZE && s <= pool[0].score) return;
  let i = 0;
  while (i < pool.length && pool[i].score < s) i++;
  pool.splice(i, 0, { score: s, key, db });
  if (pool.length > POOL_SIZE) pool.shift();
}

/**
 * Up to n keys with a TTL: random picks from the keyspace when volatile keys are common, topped
 * up by a rotating walk of the expires table (Maps cannot be sampled at random).
 */
function sampleVolatile(st: EvictionState, db: Db, n: number): string[] {
  const out: string[] = [];
  const expires = db.expires;
  if (expires.size * 4 >= db.dict.size) {
    for (let tries = 0; tries < n * 2 && out.length < n; tries++) {
      const k = db.dict.randomKey();
      if (k !== undefined && expires.has(k)) out.push(k);
    }
  }
  let cur = st.volatileIters.get(db);
  if (cur === undefined || cur.map !== expires) {
    cur = { map: expires, it: expires.keys() };
    st.volatileIters.set(db, cur);
  }
  for (let wrapped = false; out.length < n && expires.size !== 0; ) {
    const r = cur.it.next();
    if (r.done) {
      if (wrapped) break;
      wrapped = true;
      cur.it = expires.keys();
      continue;
    }
    out.push(r.value);
  }
  return out;
}
