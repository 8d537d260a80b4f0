// Lazy freeing, as Redis's lazyfree.c: UNLINK, FLUSHDB/FLUSHALL ASYNC and the lazyfree-lazy-*
// options hand big values (and whole flushed databases) to a job that runs after the command
// instead of releasing them inside it; INFO memory counts them (lazyfree_pending_objects while
// queued, lazyfreed_objects once released). Values cheaper to free than LAZYFREE_THRESHOLD are
// released at once and not counted, with Redis's measure of effort.
//
// In V8, dropping the last reference costs nothing and the garbage collector reclaims the memory
// when allocation pressure makes it run: an idle server may keep reporting the garbage for a
// long time, where Redis's lazyfree thread returns it within moments. So the job, once it has
// dropped its references, asks V8 for a full collection when the garbage it released is a large
// share of the heap (a collection costs time in proportion to the live heap, so it pays off only
// then), and spends at most FORCED_GC_SHARE of the time in such collections.
import type { Dict } from '../datatypes/dict';
import type { Value } from '../datatypes/value';
import type { StreamValue } from '../datatypes/stream';
import { unsanitizedPayload } from '../datatypes/unsanitized';

/** Redis's LAZYFREE_THRESHOLD: values whose free effort is at most this are freed at once. */
export const LAZYFREE_THRESHOLD = 64;
/** Estimated bytes of one collection element (node, hash slot, headers and a short payload). */
const ELEMENT_BYTES = 64;
/** Estimated bytes of a key beyond its value. */
const KEY_BYTES = 96;
/** A forced collection when released garbage reaches this share of the heap in use. */
const GC_HEAP_SHARE = 1 / 8;
/** Forced collections take at most this share of wall time (a later one waits). */
const FORCED_GC_SHARE = 0.05;
/** Keys of a flushed database looked at to estimate its size (the rest is extrapolated). */
const DB_SAMPLE = 1000;

/**
 * The effort of freeing a value (Redis's lazyfreeGetFreeEffort): the element count of a collection
 * in its big encoding, the quicklist node count of a list, macro nodes plus consumer-group
 * entries of a stream, and 1 for everything held in one allocation (strings, listpacks, intsets).
 */
export function freeEffort(v: Value, listMaxListpackSize: number): number {
  if (typeof v === 'string' || unsanitizedPayload(v) !== undefined) return 1;
  switch (v.type) {
    case 'list':
      return quicklistNodes(v.size, listMaxListpackSize);
    case 'set':
    case 'zset':
    case 'hash':
      return v.encoding === 'hashtable' || v.encoding === 'skiplist' ? v.size : 1;
    case 'stream': {
      const s = v as StreamValue;
      let effort = s.nodes.length;
      if (s.groups !== null && s.groups.size !== 0) {
        // As Redis: the first group's PEL stands for every group's.
        const first = s.groups.values().next().value!;
        effort += s.groups.size * (1 + first.pel.size);
      }
      return effort;
    }
    default:
      return 1;
  }
}

/**
 * Quicklist nodes Redis would hold for a list of n elements: a positive fill is a count per node;
 * a negative one a byte limit per node (4 KB << (-fill - 1)), estimated with small entries
 * (~16 bytes each with their listpack header) since the elements are not walked.
 */
function quicklistNodes(n: number, fill: number): number {
  if (n === 0) return 0;
  const perNode = fill > 0 ? fill : Math.max(1, (4096 << Math.min(4, -fill - 1)) / 16);
  return Math.ceil(n / perNode);
}

/** Rough bytes held by a value, to tell whether a forced collection is worth it. */
function estimateBytes(v: Value): number {
  if (typeof v === 'string') return v.length;
  const unchecked = unsanitizedPayload(v);
  if (unchecked !== undefined) return unchecked.body.length;
  if (v.type === 'string') return (v as unknown as { length: number }).length;
  return v.size * ELEMENT_BYTES;
}

function estimateDbBytes(dict: Dict<Value>): number {
  let sampled = 0;
  let bytes = 0;
  dict.scan(0, DB_SAMPLE, (key, val) => {
    sampled++;
    bytes += KEY_BYTES + key.length + estimateBytes(val);
  });
  return sampled === 0 ? 0 : (bytes / sampled) * dict.size;
}

/** V8's full collection, made available once per process (as test runners do), or null. */
let gcFn: (() => void) | null | undefined;
function collector(): (() => void) | null {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      try {
        (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
        gcFn = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  return gcFn;
}

/** Time of the process's latest forced collection and how long it took (shared by servers). */
const forced = { at: 0, took: 0 };

type Job = { value: Value } | { dict: Dict<Value>; expires: Map<string, number>; keys: number };

export class LazyFree {
  /** Objects handed to the job and not yet released (INFO lazyfree_pending_objects). */
  pending = 0;
  /** Objects released by the job since the last CONFIG RESETSTAT (INFO lazyfreed_objects). */
  freed = 0;
  /** lazyfree-lazy-* options (user-flush is read by FLUSHDB/FLUSHALL themselves). */
  userDel = false;
  expire = false;
  eviction = false;
  serverDel = false;
  /** list-max-listpack-size, for the effort of lists. */
  listMaxListpackSize = -2;

  private jobs: Job[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  /** Estimated garbage released since the latest forced collection. */
  private garbage = 0;
  private gcTimer: NodeJS.Timeout | null = null;

  /**
   * Releases a value that left the keyspace: queued for the job when `lazy` and its effort is
   * above the threshold (Redis's freeObjAsync), otherwise dropped now (nothing to do in JS).
   */
  freeValue(v: Value, lazy: boolean): void {
    if (!lazy || typeof v === 'string' || freeEffort(v, this.listMaxListpackSize) <= LAZYFREE_THRESHOLD) return;
    this.pending++;
    this.jobs.push({ value: v });
    this.schedule();
  }

  /** A database's tables replaced by empty ones (Redis's emptyDbAsync): every key counts. */
  freeDatabase(dict: Dict<Value>, expires: Map<string, number>): void {
    const keys = dict.size;
    this.pending += keys;
    this.jobs.push({ dict, expires, keys });
    this.schedule();
  }

  /** CONFIG RESETSTAT (Redis's lazyfreeResetStats). */
  resetStats(): void {
    this.freed = 0;
  }

  /** Runs what is queued now (server shutdown). */
  stop(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.gcTimer !== null) clearTimeout(this.gcTimer);
    this.gcTimer = null;
    this.release();
  }

  private schedule(): void {
    if (this.scheduled !== null) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.release();
      this.maybeCollect();
    });
  }

  /** The job: drops the references, counting each object released. */
  private release(): void {
    const jobs = this.jobs;
    this.jobs = [];
    for (const j of jobs) {
      if ('value' in j) {
        this.garbage += estimateBytes(j.value);
        this.pending--;
        this.freed++;
      } else {
        this.garbage += estimateDbBytes(j.dict);
        this.pending -= j.keys;
        this.freed += j.keys;
      }
    }
  }

  /** MEMORY PURGE: a full collection now, so RSS shows live data only. False without a collector. */
  collectNow(): boolean {
    const gc = collector();
    if (gc === null) return false;
    const t0 = performance.now();
    gc();
    forced.at = performance.now();
    forced.took = forced.at - t0;
    this.garbage = 0;
    return true;
  }

  private maybeCollect(): void {
    if (this.gcTimer !== null || this.garbage < process.memoryUsage().heapUsed * GC_HEAP_SHARE) return;
    const gc = collector();
    if (gc === null) return;
    const wait = forced.at + forced.took / FORCED_GC_SHARE - performance.now();
    if (wait > 0) {
      this.gcTimer = setTimeout(() => {
        this.gcTimer = null;
        this.maybeCollect();
      }, wait);
      this.gcTimer.unref();
      return;
    }
    const t0 = performance.now();
    gc();
    forced.at = performance.now();
    forced.took = forced.at - t0;
    this.garbage = 0;
  }
}
