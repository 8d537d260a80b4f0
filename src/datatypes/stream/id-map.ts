// An ordered map from stream ID to a value that carries its own ID (pending entries). Redis uses
// a rax; we keep sorted chunks of at most CHUNK items: O(log N) lookup, insert and delete, cheap
// appends (new deliveries have growing IDs) and in-order scans from any ID.
import { U64, cmp } from './id';

export interface HasId {
  readonly ms: U64;
  readonly seq: U64;
}

const CHUNK = 128;

/** A position in the map: chunk index and index in the chunk. */
export interface Cursor {
  c: number;
  i: number;
}

export class IdMap<V extends HasId> {
  private chunks: V[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Index of the first chunk whose last item is >= (ms, seq); chunks.length if none. */
  private chunkFor(ms: U64, seq: U64): number {
    const ch = this.chunks;
    let lo = 0;
    let hi = ch.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const last = ch[mid][ch[mid].length - 1];
      if (cmp(last.ms, last.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index in `chunk` whose item is >= (ms, seq). */
  private static indexIn<V extends HasId>(chunk: V[], ms: U64, seq: U64): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const it = chunk[mid];
      if (cmp(it.ms, it.seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(ms: U64, seq: U64): V | undefined {
    const c = this.chunkFor(ms, seq);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c];
    const it = chunk[IdMap.indexIn(chunk, ms, seq)];
    return it !== undefined && it.ms === ms && it.seq === seq ? it : undefined;
  }

  /** Adds v unless its ID is present. Returns whether it was added. */
  insert(v: V): boolean {
    const ch = this.chunks;
    if (ch.length === 0) {
      ch.push([v]);
      this.count++;
      return true;
    }
    let c = this.chunkFor(v.ms, v.seq);
    if (c === ch.length) c--; // after every item: append to the last chunk
    const chunk = ch[c];
    const i = IdMap.indexIn(chunk, v.ms, v.seq);
    const at = chunk[i];
    if (at !== undefined && at.ms === v.ms && at.seq === v.seq) return false;
    if (i === chunk.length) chunk.push(v);
    else chunk.splice(i, 0, v);
    if (chunk.length > CHUNK) ch.splice(c + 1, 0, chunk.splice(CHUNK >> 1));
    this.count++;
    return true;
  }

  delete(ms: U64, seq: U64): V | undefined {
    const c = this.chunkFor(ms, seq);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c];
    const i = IdMap.indexIn(chunk, ms, seq);
    const it = chunk[i];
    if (it === undefined || it.ms !== ms || it.seq !== seq) return undefined;
    if (i === 0) chunk.shift();
    else chunk.splice(i, 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
    this.count--;
    return it;
  }

  first(): V | undefined {
    return this.chunks.length === 0 ? undefined : this.chunks[0][0];
  }

  last(): V | undefined {
    const ch = this.chunks;
    if (ch.length === 0) return undefined;
    const l = ch[ch.length - 1];
    return l[l.length - 1];
  }

  /** Cursor at the first item >= (ms, seq). */
  seek(ms: U64, seq: U64): Cursor {
    const c = this.chunkFor(ms, seq);
    if (c === this.chunks.length) return { c, i: 0 };
    return { c, i: IdMap.indexIn(this.chunks[c], ms, seq) };
  }

  /** The item at the cursor (and advances it), or undefined at the end. */
  next(cur: Cursor): V | undefined {
    const chunk = this.chunks[cur.c];
    if (chunk === undefined) return undefined;
    const v = chunk[cur.i++];
    if (cur.i >= chunk.length) {
      cur.c++;
      cur.i = 0;
    }
    return v;
  }

  /** Items >= (ms, seq) in order; the visitor returns false to stop. Not safe under mutation. */
  forEachFrom(ms: U64, seq: U64, visit: (v: V) => boolean | void): void {
    const cur = this.seek(ms, seq);
    for (let v = this.next(cur); v !== undefined; v = this.next(cur)) if (visit(v) === false) return;
  }

  forEach(visit: (v: V) => boolean | void): void {
    this.forEachFrom(0, 0, visit);
  }
}
