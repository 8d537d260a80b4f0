// The stream type (Redis 7.0 t_stream.c): entries ordered by ID in nodes that fill and split like
// Redis's listpacks (stream-node-max-entries / stream-node-max-bytes), consumer groups with their
// pending entries lists (one per group, one per consumer, sharing the NACK objects), and the 7.0
// counters behind XINFO: entries-added, max-deleted-entry-id, recorded-first-entry-id, and the
// groups' entries-read and lag.
import { IdMap } from './stream/id-map';
import { MAX_ID, MIN_ID, StreamId, U64, cmp, cmpId, inc, incrId, isZero, norm, big } from './stream/id';
import { StreamNode } from './stream/node';
import { Collection } from './value';

export * from './stream/id';

/** A pending entry: delivered to a consumer, not acknowledged yet. */
export class Nack {
  constructor(
    readonly ms: U64,
    readonly seq: U64,
    public consumer: Consumer | null,
    public deliveryTime: number,
    public deliveryCount: U64,
  ) {}
}

export class Consumer {
  readonly pel = new IdMap<Nack>();
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

/** entries-read when unknown (SCG_INVALID_ENTRIES_READ). */
export const ENTRIES_READ_INVALID = -1;

export class ConsumerGroup {
  readonly pel = new IdMap<Nack>();
  readonly consumers = new Map<string, Consumer>();
  constructor(
    public lastId: StreamId,
    /** Logical number of entries read through lastId, or ENTRIES_READ_INVALID. */
    public entriesRead: U64,
  ) {}

  consumer(name: string): Consumer | undefined {
    return this.consumers.get(name);
  }

  /** Creates a consumer; undefined if it exists. */
  createConsumer(name: string, now: number): Consumer | undefined {
    if (this.consumers.has(name)) return undefined;
    const c = new Consumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** Removes a consumer and its pending entries from the group PEL. */
  deleteConsumer(c: Consumer): void {
    c.pel.forEach((n) => {
      this.pel.delete(n.ms, n.seq);
    });
    this.consumers.delete(c.name);
  }

  /** Consumers in name order (byte order, like the rax). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Acknowledges an entry: drops it from both PELs. */
  ack(ms: U64, seq: U64): boolean {
    const n = this.pel.delete(ms, seq);
    if (n === undefined) return false;
    n.consumer?.pel.delete(ms, seq);
    return true;
  }

  /** Gives a pending entry to `to` (removing it from its current owner's PEL). */
  transfer(n: Nack, to: Consumer): void {
    if (n.consumer === to) return;
    n.consumer?.pel.delete(n.ms, n.seq);
    to.pel.insert(n);
    n.consumer = to;
  }
}

export interface NodeLimits {
  /** stream-node-max-entries (0 = no limit). */
  maxEntries: number;
  /** stream-node-max-bytes (0 = no limit). */
  maxBytes: number;
}

export interface TrimArgs {
  strategy: 'maxlen' | 'minid';
  maxlen: number;
  minid: StreamId;
  /** `~`: only whole nodes are removed. */
  approx: boolean;
  /** Most entries removed in one go (0 = no limit). */
  limit: number;
}

const LISTPACK_MAX_SIZE = 1 << 30;

/** An entry as replies carry it: ID and flat field/value pairs. */
export type Entry = [string, string[]];

export class StreamValue implements Collection {
  readonly type = 'stream' as const;
  readonly encoding = 'stream';
  nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamId = MIN_ID;
  /** recorded-first-entry-id: the first live entry, 0-0 when empty. */
  firstId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;
  entriesAdded: U64 = 0;
  /** Bumped by the writes that wake blocked readers (XADD, XGROUP DESTROY). */
  signals = 0;
  /** Consumer groups by name; null until the first is created. */
  groups: Map<string, ConsumerGroup> | null = null;

  get size(): number {
    return this.length;
  }

  // ---- entries ----------------------------------------------------------------------------------

  /** The ID XADD * generates at time `now` (Redis's streamNextID); null when exhausted. */
  nextId(now: number): StreamId | null {
    if (now > this.lastId.ms) return { ms: now, seq: 0 };
    return incrId(this.lastId);
  }

  /**
   * Appends an entry whose field/value pairs are fv[from..] (Redis's streamAppendItem). The
   * caller checked that id > lastId.
   */
  append(id: StreamId, fv: string[], from: number, limits: NodeLimits): void {
    let tail = this.nodes.length === 0 ? undefined : this.nodes[this.nodes.length - 1];
    if (tail !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      let elen = 0;
      for (let i = from; i < fv.length; i++) elen += fv[i].length;
      if (tail.lpBytes + elen >= maxBytes) tail = undefined;
      else if (limits.maxEntries !== 0 && tail.live + tail.deleted >= limits.maxEntries) tail = undefined;
    }
    if (tail === undefined) {
      const fields: string[] = [];
      for (let i = from; i < fv.length; i += 2) fields.push(fv[i]);
      this.nodes[this.nodes.length - 1]?.seal();
      tail = new StreamNode(fields);
      this.nodes.push(tail);
    }
    tail.append(id.ms, id.seq, fv, from);
    this.length++;
    this.entriesAdded = inc(this.entriesAdded);
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Index of the last node whose first ID is <= (ms, seq); -1 if none. */
  private nodeAtOrBefore(ms: U64, seq: U64): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(nodes[mid].msAt(0), nodes[mid].seqAt(0), ms, seq) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Location of a live entry, or null. */
  private locate(ms: U64, seq: U64): [number, number] | null {
    const k = this.nodeAtOrBefore(ms, seq);
    if (k < 0) return null;
    const n = this.nodes[k];
    const i = n.lowerBound(ms, seq);
    if (i === n.total || n.msAt(i) !== ms || n.seqAt(i) !== seq || n.isDeleted(i)) return null;
    return [k, i];
  }

  has(id: StreamId): boolean {
    return this.locate(id.ms, id.seq) !== null;
  }

  /** The entry with this ID as [id, fields], or null. */
  get(id: StreamId): Entry | null {
    const at = this.locate(id.ms, id.seq);
    if (at === null) return null;
    const n = this.nodes[at[0]];
    return [n.idString(at[1]), n.fields(at[1])];
  }

  /** Deletes one entry (flagged; the node goes when it was its last live entry). */
  delete(id: StreamId): boolean {
    const at = this.locate(id.ms, id.seq);
    if (at === null) return false;
    const n = this.nodes[at[0]];
    if (n.live === 1) this.nodes.splice(at[0], 1);
    else n.markDeleted(at[1]);
    this.length--;
    return true;
  }

  /**
   * Visits live entries with start <= ID <= end, ascending (or descending when rev). The visitor
   * returns false to stop; it must not modify the stream.
   */
  scan(start: StreamId, end: StreamId, rev: boolean, visit: (n: StreamNode, i: number) => boolean | void): void {
    const nodes = this.nodes;
    if (nodes.length === 0 || cmpId(start, end) > 0) return;
    if (!rev) {
      let k = this.nodeAtOrBefore(start.ms, start.seq);
      if (k < 0) k = 0;
      let i = nodes[k].lowerBound(start.ms, start.seq);
      for (; k < nodes.length; k++, i = 0) {
        const n = nodes[k];
        for (const t = n.total; i < t; i++) {
          if (cmp(n.msAt(i), n.seqAt(i), end.ms, end.seq) > 0) return;
          if (!n.isDeleted(i) && visit(n, i) === false) return;
        }
      }
    } else {
      let k = this.nodeAtOrBefore(end.ms, end.seq);
      if (k < 0) return;
      let n = nodes[k];
      let i = n.lowerBound(end.ms, end.seq);
      if (i === n.total || cmp(n.msAt(i), n.seqAt(i), end.ms, end.seq) > 0) i--;
      for (;;) {
        for (; i >= 0; i--) {
          if (cmp(n.msAt(i), n.seqAt(i), start.ms, start.seq) < 0) return;
          if (!n.isDeleted(i) && visit(n, i) === false) return;
        }
        if (--k < 0) return;
        n = nodes[k];
        i = n.total - 1;
      }
    }
  }

  /** Up to `count` entries (0 = all) in [start, end]. */
  range(start: StreamId, end: StreamId, count: number, rev: boolean): Entry[] {
    const out: Entry[] = [];
    this.scan(start, end, rev, (n, i) => {
      out.push([n.idString(i), n.fields(i)]);
      return count === 0 || out.length < count;
    });
    return out;
  }

  /** First (or last) live entry ID; null when empty. */
  edgeId(first: boolean): StreamId | null {
    const found: StreamId[] = [];
    this.scan(MIN_ID, MAX_ID, !first, (n, i) => {
      found.push({ ms: n.msAt(i), seq: n.seqAt(i) });
      return false;
    });
    return found.length === 0 ? null : found[0];
  }

  /** Redis's streamLastValidID: the last live entry, 0-0 when empty. */
  lastValidId(): StreamId {
    return this.edgeId(false) ?? MIN_ID;
  }

  /** Updates firstId after deletions. */
  refreshFirstId(): void {
    this.firstId = this.length === 0 ? MIN_ID : (this.edgeId(true) ?? MIN_ID);
  }

  /** Redis's streamTrim. Returns the number of entries removed. */
  trim(a: TrimArgs): number {
    const nodes = this.nodes;
    let deleted = 0;
    let removeNodes = 0;
    for (let k = 0; k < nodes.length; k++) {
      if (a.strategy === 'maxlen' && this.length <= a.maxlen) break;
      const n = nodes[k];
      const entries = n.live;
      if (a.limit !== 0 && deleted + entries > a.limit) break;
      const last = n.total - 1;
      const removeNode =
        a.strategy === 'maxlen' ? this.length - entries >= a.maxlen : cmp(n.msAt(last), n.seqAt(last), a.minid.ms, a.minid.seq) < 0;
      if (removeNode) {
        removeNodes++;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (a.approx) break;
      // Flag entries inside this node, then stop: what remains is past the threshold.
      for (let i = 0; i < n.total; i++) {
        const stop = a.strategy === 'maxlen' ? this.length <= a.maxlen : cmp(n.msAt(i), n.seqAt(i), a.minid.ms, a.minid.seq) >= 0;
        if (stop) break;
        if (!n.isDeleted(i)) {
          n.markDeleted(i);
          this.length--;
          deleted++;
        }
      }
      break;
    }
    if (removeNodes !== 0) nodes.splice(0, removeNodes);
    if (deleted !== 0) this.refreshFirstId();
    return deleted;
  }

  // ---- lag and entries-read (7.0) -----------------------------------------------------------------

  /** True if [start, end] (end open = MAX) may contain a deleted entry (streamRangeHasTombstones). */
  rangeHasTombstones(start: StreamId | null, end: StreamId | null): boolean {
    if (this.length === 0 || isZero(this.maxDeletedId)) return false;
    if (cmpId(this.firstId, this.maxDeletedId) > 0) return false;
    const s = start ?? MIN_ID;
    const e = end ?? MAX_ID;
    return cmpId(s, this.maxDeletedId) <= 0 && cmpId(this.maxDeletedId, e) <= 0;
  }

  /**
   * The logical read counter of an ID (streamEstimateDistanceFromFirstEverEntry), or
   * ENTRIES_READ_INVALID when it cannot be known.
   */
  estimateDistance(id: StreamId): U64 {
    if (this.entriesAdded === 0) return 0;
    const cmpLast = cmpId(id, this.lastId);
    if (this.length === 0 && cmpLast < 1) return this.entriesAdded;
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return ENTRIES_READ_INVALID;
    const cmpFirst = cmpId(id, this.firstId);
    if (isZero(this.maxDeletedId) || cmpId(this.maxDeletedId, this.firstId) < 0) {
      if (cmpFirst < 0) return subS(this.entriesAdded, this.length);
      if (cmpFirst === 0) return subS(this.entriesAdded, this.length - 1);
    }
    return ENTRIES_READ_INVALID;
  }

  /** A group's lag, or null when unknown (streamReplyWithCGLag). */
  lag(g: ConsumerGroup): U64 | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(g.lastId, null)) return subS(this.entriesAdded, g.entriesRead);
    const read = this.estimateDistance(g.lastId);
    return read === ENTRIES_READ_INVALID ? null : subS(this.entriesAdded, read);
  }

  /** Group read counter update when delivering `id` past its last ID (streamReplyWithRange). */
  advanceGroup(g: ConsumerGroup, id: StreamId): void {
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(id, null)) g.entriesRead = inc(g.entriesRead);
    else if (this.entriesAdded !== 0) g.entriesRead = this.estimateDistance(id);
    g.lastId = id;
  }

  // ---- groups ---------------------------------------------------------------------------------------

  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** Creates a group; undefined if the name is taken. */
  createGroup(name: string, lastId: StreamId, entriesRead: U64): ConsumerGroup | undefined {
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(name)) return undefined;
    const g = new ConsumerGroup(lastId, entriesRead);
    this.groups.set(name, g);
    return g;
  }

  destroyGroup(name: string): boolean {
    return this.groups?.delete(name) ?? false;
  }

  /** Groups in name order. */
  sortedGroups(): [string, ConsumerGroup][] {
    if (this.groups === null) return [];
    return [...this.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  get groupCount(): number {
    return this.groups?.size ?? 0;
  }

  // ---- introspection ----------------------------------------------------------------------------------

  /** Number of listpacks (XINFO radix-tree-keys). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * Number of nodes of Redis's rax holding the listpacks (XINFO radix-tree-nodes). The rax is a
   * compressed radix tree over 16-byte big-endian IDs; insertion and deletion keep it canonical,
   * so its node count follows from the set of keys.
   */
  raxNodeCount(): number {
    if (this.nodes.length === 0) return 1;
    const keys = this.nodes.map((n) => idKey(n.msAt(0)) + idKey(n.seqAt(0)));
    return raxCount(keys, 0, keys.length, 0, false, true);
  }

  clone(): StreamValue {
    const s = new StreamValue();
    s.nodes = this.nodes.map((n) => n.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      s.groups = new Map();
      for (const [name, g] of this.groups) {
        const ng = new ConsumerGroup(g.lastId, g.entriesRead);
        const owners = new Map<Consumer, Consumer>();
        for (const c of g.consumers.values()) {
          const nc = new Consumer(c.name, c.seenTime);
          owners.set(c, nc);
          ng.consumers.set(c.name, nc);
        }
        g.pel.forEach((n) => {
          const owner = n.consumer === null ? null : (owners.get(n.consumer) ?? null);
          const nn = new Nack(n.ms, n.seq, owner, n.deliveryTime, n.deliveryCount);
          ng.pel.insert(nn);
          owner?.pel.insert(nn);
        });
        s.groups.set(name, ng);
      }
    }
    return s;
  }
}

/** a - b as a signed 64-bit result (number when safe). */
export function subS(a: U64, b: U64 | number): U64 {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const d = big(a) - big(b);
  return d >= 0n ? norm(d) : d >= -9007199254740991n ? Number(d) : d;
}

/** 8 bytes big-endian as a latin1 string. */
function idKey(v: U64): string {
  let b = big(v);
  let s = '';
  for (let i = 0; i < 8; i++) {
    s = String.fromCharCode(Number(b & 0xffn)) + s;
    b >>= 8n;
  }
  return s;
}

/**
 * Nodes of a compressed radix tree holding keys[lo..hi) (sorted, distinct, 16 bytes, sharing
 * their first d bytes), below the node at depth d. A run of single-child trie nodes is one rax
 * node; branching nodes and leaves are nodes of their own.
 */
function raxCount(keys: string[], lo: number, hi: number, d: number, parentSingle: boolean, root: boolean): number {
  if (d === 16) return 1;
  const a = keys[lo];
  const b = keys[hi - 1];
  let l = d;
  while (l < 16 && a.charCodeAt(l) === b.charCodeAt(l)) l++;
  if (l > d) return (root || !parentSingle ? 1 : 0) + raxCount(keys, lo, hi, l, true, false);
  let total = 1;
  for (let s = lo; s < hi; ) {
    const ch = keys[s].charCodeAt(d);
    let e = s + 1;
    while (e < hi && keys[e].charCodeAt(d) === ch) e++;
    total += raxCount(keys, s, e, d + 1, false, false);
    s = e;
  }
  return total;
}
