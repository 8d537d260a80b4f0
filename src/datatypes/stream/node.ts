// One stream node: the entries Redis keeps in one listpack of its rax. Entries are appended in ID
// order; a deleted entry stays in place, flagged, until the whole node is empty, exactly like
// Redis, so nodes fill, split and get trimmed at the same entries. Each entry stores its ID and
// its values; when its field names equal the node's master fields (the first entry's) only the
// values are kept.
//
// Read it through msAt/seqAt/flagsAt/storedItems/fields (RDB uses these): the layout changes
// when a node is sealed.
//
// The tail node grows in plain arrays. Once a node is full (the stream opened a new one) it is
// sealed into a compact form, which is what keeps memory per entry near Redis's: IDs as int32
// deltas from the node's first ID (or float64 when they do not fit), flags in an Int32Array, and
// all strings joined into one latin1 string with end offsets, instead of one heap string each.
import { U64, cmp } from './id';
import { LP_HEADER_AND_END, lpDeltaSize, lpIntSize, lpStringSize } from './listpack-size';

export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

type IdColumn = U64[] | Float64Array | Int32Array;

export class StreamNode {
  /** Entry IDs (growing form: plain arrays; sealed: deltas from the first ID or float64). */
  private msCol: IdColumn = doubleArray();
  private seqCol: IdColumn = doubleArray();
  /** Added to a sealed Int32Array column. */
  private msBase: number = 0;
  private seqBase: number = 0;
  /** Per entry: index of its first item in the data * 4 + flags. */
  private meta: number[] | Int32Array = [];
  /** Growing form: values (same-fields entries) or field, value pairs, entry after entry. */
  private data: string[] | null = [];
  /** Sealed form: the same items joined, with the end offset of each. */
  private blob = '';
  private ends: Uint32Array | null = null;
  private count = 0;
  /** Entries not deleted / flagged deleted (the listpack master entry's two counters). */
  live = 0;
  deleted = 0;
  /** Listpack bytes, except the two counters (their size depends on their values). */
  private bytes: number;

  constructor(readonly masterFields: string[]) {
    let b = LP_HEADER_AND_END + lpIntSize(masterFields.length) + lpIntSize(0);
    for (const f of masterFields) b += lpStringSize(f);
    this.bytes = b;
  }

  /** What lpBytes() returns for Redis's listpack of this node. */
  get lpBytes(): number {
    return this.bytes + lpIntSize(this.live) + lpIntSize(this.deleted);
  }

  /** Entries in the node, deleted ones included. */
  get total(): number {
    return this.count;
  }

  msAt(i: number): U64 {
    const c = this.msCol;
    return c instanceof Int32Array ? this.msBase + c[i] : c[i];
  }

  seqAt(i: number): U64 {
    const c = this.seqCol;
    return c instanceof Int32Array ? this.seqBase + c[i] : c[i];
  }

  idString(i: number): string {
    return `${this.msAt(i)}-${this.seqAt(i)}`;
  }

  /** Appends an entry whose field/value pairs are fv[from..]. */
  append(ms: U64, seq: U64, fv: string[], from: number): void {
    if (this.data === null) this.unseal();
    const msCol = this.msCol as U64[];
    const seqCol = this.seqCol as U64[];
    const meta = this.meta as number[];
    const data = this.data!;
    const numfields = (fv.length - from) >> 1;
    const master = this.masterFields;
    let same = numfields === master.length;
    for (let i = 0; same && i < numfields; i++) same = fv[from + 2 * i] === master[i];
    const flags = same ? FLAG_SAMEFIELDS : 0;
    let b = lpIntSize(flags);
    b += this.count === 0 ? 4 : lpDeltaSize(ms, msCol[0]) + lpDeltaSize(seq, seqCol[0]);
    msCol.push(ms);
    seqCol.push(seq);
    meta.push(data.length * 4 + flags);
    if (same) {
      for (let i = from + 1; i < fv.length; i += 2) {
        data.push(fv[i]);
        b += lpStringSize(fv[i]);
      }
      b += lpIntSize(numfields + 3);
    } else {
      b += lpIntSize(numfields);
      for (let i = from; i < fv.length; i++) {
        data.push(fv[i]);
        b += lpStringSize(fv[i]);
      }
      b += lpIntSize(2 * numfields + 4);
    }
    this.bytes += b;
    this.count++;
    this.live++;
  }

  /** FLAG_DELETED | FLAG_SAMEFIELDS bits of entry i (what the listpack stores). */
  flagsAt(i: number): number {
    return this.meta[i] & 3;
  }

  /**
   * The strings entry i stores after its ID, as the listpack holds them: its values when it has
   * the master fields (FLAG_SAMEFIELDS), else field, value pairs.
   */
  storedItems(i: number): string[] {
    const start = this.meta[i] >>> 2;
    const end = i + 1 < this.count ? this.meta[i + 1] >>> 2 : this.itemCount();
    const out: string[] = [];
    for (let j = start; j < end; j++) out.push(this.item(j));
    return out;
  }

  isDeleted(i: number): boolean {
    return (this.meta[i] & FLAG_DELETED) !== 0;
  }

  /** Flags entry i as deleted (the caller removes the node when it was the last live one). */
  markDeleted(i: number): void {
    this.meta[i] |= FLAG_DELETED;
    this.live--;
    this.deleted++;
  }

  private item(j: number): string {
    if (this.data !== null) return this.data[j];
    const ends = this.ends!;
    return this.blob.slice(j === 0 ? 0 : ends[j - 1], ends[j]);
  }

  private itemCount(): number {
    return this.data !== null ? this.data.length : this.ends!.length;
  }

  /** Field/value pairs of entry i, flat. */
  fields(i: number): string[] {
    const m = this.meta[i];
    const start = m >>> 2;
    const end = i + 1 < this.count ? this.meta[i + 1] >>> 2 : this.itemCount();
    if ((m & FLAG_SAMEFIELDS) === 0) {
      if (this.data !== null) return this.data.slice(start, end);
      const out: string[] = [];
      for (let j = start; j < end; j++) out.push(this.item(j));
      return out;
    }
    const master = this.masterFields;
    const out = new Array<string>(2 * master.length);
    for (let k = 0; k < master.length; k++) {
      out[2 * k] = master[k];
      out[2 * k + 1] = this.item(start + k);
    }
    return out;
  }

  /** First index whose ID is >= (ms, seq), deleted or not; total if none. */
  lowerBound(ms: U64, seq: U64): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.msAt(mid), this.seqAt(mid), ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Switches a full node to the compact form. The int32 columns share one ArrayBuffer: one
   * backing store per node instead of four is most of the cost of sealing.
   */
  seal(): void {
    if (this.data === null || this.count === 0) return;
    const ms = this.msCol as U64[];
    const seq = this.seqCol as U64[];
    const meta = this.meta as number[];
    const data = this.data;
    const n = this.count;
    const msKind = columnKind(ms);
    const seqKind = columnKind(seq);
    const int32Cols = (msKind === INT32 ? 1 : 0) + (seqKind === INT32 ? 1 : 0);
    const buffer = new ArrayBuffer(4 * ((int32Cols + 1) * n + data.length));
    let at = 0; // byte offset of the next view
    this.msBase = msKind === INT32 ? (ms[0] as number) : 0;
    if (msKind === INT32) {
      this.msCol = fillDeltas(new Int32Array(buffer, at, n), ms);
      at += 4 * n;
    } else if (msKind === FLOAT64) {
      this.msCol = Float64Array.from(ms as number[]);
    }
    this.seqBase = seqKind === INT32 ? (seq[0] as number) : 0;
    if (seqKind === INT32) {
      this.seqCol = fillDeltas(new Int32Array(buffer, at, n), seq);
      at += 4 * n;
    } else if (seqKind === FLOAT64) {
      this.seqCol = Float64Array.from(seq as number[]);
    }
    const packedMeta = new Int32Array(buffer, at, n);
    at += 4 * n;
    for (let i = 0; i < n; i++) packedMeta[i] = meta[i];
    this.meta = packedMeta;
    const ends = new Uint32Array(buffer, at, data.length);
    let end = 0;
    for (let j = 0; j < data.length; j++) ends[j] = end += data[j].length;
    this.blob = data.join(''); // join builds one flat one-byte string
    this.ends = ends;
    this.data = null;
  }

  /** Back to growing arrays (a sealed node takes entries again after a config change). */
  private unseal(): void {
    const n = this.count;
    const ms: U64[] = doubleArray();
    const seq: U64[] = doubleArray();
    for (let i = 0; i < n; i++) {
      ms.push(this.msAt(i));
      seq.push(this.seqAt(i));
    }
    const data: string[] = [];
    for (let j = 0; j < this.ends!.length; j++) data.push(this.item(j));
    this.msCol = ms;
    this.seqCol = seq;
    this.meta = Array.from(this.meta);
    this.data = data;
    this.blob = '';
    this.ends = null;
  }

  clone(): StreamNode {
    const n = new StreamNode(this.masterFields);
    n.msCol = this.msCol.slice();
    n.seqCol = this.seqCol.slice();
    n.msBase = this.msBase;
    n.seqBase = this.seqBase;
    n.meta = this.meta.slice();
    n.data = this.data === null ? null : this.data.slice();
    n.blob = this.blob;
    n.ends = this.ends === null ? null : this.ends.slice();
    n.count = this.count;
    n.live = this.live;
    n.deleted = this.deleted;
    n.bytes = this.bytes;
    return n;
  }
}

/**
 * An empty array already holding doubles: ID columns then keep one elements kind from the first
 * push on (timestamps are not small integers), so the pushes on the hot path stay monomorphic.
 */
function doubleArray(): U64[] {
  const a: U64[] = [0.5];
  a.pop();
  return a;
}

const INT32 = 0;
const FLOAT64 = 1;
const AS_IS = 2;

/**
 * The smallest exact form of an ID column: int32 deltas from the first value, float64, or as is
 * (it holds bigints).
 */
function columnKind(col: U64[]): number {
  const base = col[0];
  if (typeof base !== 'number') return AS_IS;
  let fits = true;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (typeof v !== 'number') return AS_IS;
    const d = v - base;
    if (d < -2147483648 || d > 2147483647) fits = false;
  }
  return fits ? INT32 : FLOAT64;
}

function fillDeltas(out: Int32Array, col: U64[]): Int32Array {
  const base = col[0] as number;
  for (let i = 0; i < col.length; i++) out[i] = (col[i] as number) - base;
  return out;
}
