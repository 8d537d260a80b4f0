// Reads RDB values and files (versions 1..10): every type and encoding redis-server 7.0 can
// write or load. Any inconsistency throws CorruptError; callers turn it into "Bad data format"
// (RESTORE) or a refused startup (file loading).
import { Hash, HashLimits } from '../datatypes/hash';
import { ListValue } from '../datatypes/list';
import { SetValue } from '../datatypes/set';
import { Value } from '../datatypes/value';
import { ListpackLimits, ZSet } from '../datatypes/zset';
import { CorruptError, EmptyKeyError, intsetEntries, listpackEntries, ziplistEntries, zipmapEntries } from './encodings';
import { lzfDecompress } from './lzf';
import * as R from './rdb-format';
import { deep, readStream } from './rdb-stream';
import { keepUnchecked, mayKeepUnchecked } from './rdb-unchecked';

export { CorruptError, EmptyKeyError };

export interface LoadLimits {
  hash: HashLimits;
  zset: ListpackLimits;
  setMaxIntset: number;
  /** stream-node-max-entries / -bytes (streams keep Redis's node layout). */
  streamNode: { maxEntries: number; maxBytes: number };
  /**
   * Deep sanitization (sanitize-dump-payload, see Persistence.deepSanitize): the redundant parts
   * of listpacks, intsets and stream nodes are checked too. Whatever the mode, a value is only
   * accepted when it decodes completely into one we can serve and save.
   */
  deep?: boolean;
  /** Called for each blob deep-sanitized (INFO's dump_payload_sanitizations). */
  onDeepCheck?: () => void;
}

export const DEFAULT_LIMITS: LoadLimits = {
  hash: { entries: 128, value: 64 },
  zset: { maxEntries: 128, maxValue: 64 },
  setMaxIntset: 512,
  streamNode: { maxEntries: 100, maxBytes: 4096 },
};

/** The reason given when the data ends in the middle of a value. */
export const UNEXPECTED_END = 'unexpected end of data';

function bad(what: string): never {
  throw new CorruptError(what);
}

function empty(): never {
  throw new EmptyKeyError('empty key');
}

/**
 * Decodes a packed blob (ziplist, listpack, intset, zipmap) into a value; any inconsistency,
 * including duplicates, is reported as "<what> integrity check failed" like Redis's messages.
 */
function checked<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof CorruptError && !(e instanceof EmptyKeyError)) throw new CorruptError(`${what} integrity check failed (${e.message}).`);
    if (e instanceof RangeError) throw new CorruptError(`${what} integrity check failed (out of range read).`);
    throw e;
  }
}

export class RdbInput {
  pos = 0;
  /** Where the last need() that ran out of bytes wanted the data to reach. */
  failedNeed = 0;
  constructor(
    readonly buf: Buffer,
    public end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (this.pos + n > this.end) {
      this.failedNeed = this.pos + n;
      bad(UNEXPECTED_END);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  u32le(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i64le(): number {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  u64le(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  doubleLE(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length; `encoded` is set when the prefix is a special string encoding instead. */
  private lenOrEnc(): { n: number; encoded: boolean } {
    const c = this.u8();
    const kind = c >> 6;
    if (kind === 0) return { n: c & 0x3f, encoded: false };
    if (kind === 1) return { n: ((c & 0x3f) << 8) | this.u8(), encoded: false };
    if (kind === 3) return { n: c & 0x3f, encoded: true };
    if (c === R.LEN_32) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { n: v, encoded: false };
    }
    if (c === R.LEN_64) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad('length too large');
      return { n: Number(v), encoded: false };
    }
    return bad('bad length encoding');
  }

  len(): number {
    const l = this.lenOrEnc();
    if (l.encoded) bad('unexpected string encoding');
    return l.n;
  }

  /** A string as raw bytes (integer-encoded strings come back as their decimal text). */
  stringBuf(): Buffer {
    const l = this.lenOrEnc();
    if (!l.encoded) return this.bytes(l.n);
    switch (l.n) {
      case R.ENC_INT8:
        return Buffer.from(String(this.bytes(1).readInt8(0)), 'latin1');
      case R.ENC_INT16:
        return Buffer.from(String(this.bytes(2).readInt16LE(0)), 'latin1');
      case R.ENC_INT32:
        return Buffer.from(String(this.bytes(4).readInt32LE(0)), 'latin1');
      case R.ENC_LZF: {
        const clen = this.len();
        const len = this.len();
        if (len === 0) bad('empty LZF string');
        const packed = this.bytes(clen);
        try {
          return lzfDecompress(packed, len);
        } catch {
          return bad('invalid LZF data');
        }
      }
    }
    return bad('unknown string encoding');
  }

  string(): string {
    const l = this.lenOrEnc();
    if (!l.encoded) {
      this.need(l.n);
      const s = this.buf.latin1Slice(this.pos, this.pos + l.n);
      this.pos += l.n;
      return s;
    }
    this.pos--;
    // Rewind the prefix byte and decode through the general path.
    return this.stringBuf().latin1Slice();
  }

  /** Old ZSET scores: a length byte then printed text (253 nan, 254 +inf, 255 -inf). */
  doubleString(): number {
    const n = this.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    return parseScore(this.bytes(n).latin1Slice());
  }

  /**
   * Reads a value of the given type (rdbLoadObject). Without deep sanitization, a listpack-based
   * value or stream whose contents do not decode but whose framing passes Redis's shallow checks
   * is kept unchecked, as Redis keeps it (see rdb-unchecked.ts).
   */
  value(type: number, limits: LoadLimits): Value {
    if (limits.deep === true || !mayKeepUnchecked(type)) return this.decode(type, limits);
    const start = this.pos;
    try {
      return this.decode(type, limits);
    } catch (e) {
      if (!(e instanceof CorruptError || e instanceof RangeError) || e instanceof EmptyKeyError) throw e;
      this.pos = start;
      const kept = keepUnchecked(this, type, e.message);
      if (kept === null) throw e;
      return kept;
    }
  }

  private decode(type: number, limits: LoadLimits): Value {
    switch (type) {
      case R.T_STRING:
        return this.string();
      case R.T_LIST: {
        const n = this.len();
        if (n === 0) empty();
        const l = new ListValue();
        for (let i = 0; i < n; i++) l.pushTail(this.string());
        return l;
      }
      case R.T_LIST_ZIPLIST: {
        const blob = this.stringBuf();
        return nonEmpty(checked('List ziplist', () => ListValue.from(ziplistEntries(blob))));
      }
      case R.T_LIST_QUICKLIST:
      case R.T_LIST_QUICKLIST_2: {
        const nodes = this.len();
        if (nodes === 0) empty();
        const l = new ListValue();
        for (let i = 0; i < nodes; i++) {
          let container = R.QL_PACKED;
          if (type === R.T_LIST_QUICKLIST_2) {
            container = this.len();
            if (container !== R.QL_PACKED && container !== R.QL_PLAIN) bad('Quicklist integrity check failed (bad container).');
          }
          const blob = this.stringBuf();
          if (blob.length === 0) bad('empty quicklist node');
          if (container === R.QL_PLAIN) {
            l.pushTail(blob.latin1Slice());
            continue;
          }
          // Empty nodes are skipped (a list left with none is an empty key), as Redis 7.0 does.
          const items = type === R.T_LIST_QUICKLIST ? checked('Ziplist', () => ziplistEntries(blob)) : checked('Listpack', () => listpackEntries(blob, deep(limits)));
          for (const s of items) l.pushTail(s);
        }
        return nonEmpty(l);
      }
      case R.T_SET: {
        const n = this.len();
        if (n === 0) empty();
        let s: SetValue | null = null;
        for (let i = 0; i < n; i++) {
          const m = this.string();
          s ??= n > limits.setMaxIntset ? new SetValue(false) : SetValue.for(m);
          if (!s.add(m, limits.setMaxIntset)) bad('Duplicate set members detected');
        }
        return s!;
      }
      case R.T_SET_INTSET: {
        const blob = this.stringBuf();
        return checked('Intset', () => {
          const items = intsetEntries(blob, deep(limits));
          if (items.length === 0) bad('empty intset');
          const s = new SetValue(true);
          for (const m of items) s.add(m, limits.setMaxIntset);
          return s;
        });
      }
      case R.T_HASH: {
        const n = this.len();
        if (n === 0) empty();
        const h = new Hash();
        for (let i = 0; i < n; i++) {
          const f = this.string();
          const v = this.string();
          if (!h.set(f, v, limits.hash)) bad('Duplicate hash fields detected');
        }
        return h;
      }
      case R.T_HASH_ZIPMAP:
      case R.T_HASH_ZIPLIST:
      case R.T_HASH_LISTPACK: {
        const blob = this.stringBuf();
        const what = type === R.T_HASH_ZIPMAP ? 'Zipmap' : type === R.T_HASH_ZIPLIST ? 'Hash ziplist' : 'Hash listpack';
        const h = checked(what, () => {
          const items = type === R.T_HASH_ZIPMAP ? zipmapEntries(blob) : type === R.T_HASH_ZIPLIST ? ziplistEntries(blob) : listpackEntries(blob, deep(limits));
          if (items.length & 1) bad('odd number of elements');
          if (items.length === 0 && type === R.T_HASH_ZIPMAP) bad('empty zipmap');
          // Only a zipmap converts for a long field or value; the others by their field count.
          const h = Hash.fromPairs(items, limits.hash.entries, type === R.T_HASH_ZIPMAP ? limits.hash.value : Infinity);
          return h ?? bad('duplicate field');
        });
        if (h.size === 0) empty();
        return h;
      }
      case R.T_ZSET:
      case R.T_ZSET_2: {
        const n = this.len();
        if (n === 0) empty();
        const z = new ZSet(n > limits.zset.maxEntries ? 'skiplist' : 'listpack');
        for (let i = 0; i < n; i++) {
          const m = this.string();
          const sc = type === R.T_ZSET_2 ? this.doubleLE() : this.doubleString();
          if (Number.isNaN(sc)) bad('Zset with NAN score detected');
          if (!z.set(m, sc, limits.zset)) bad('Duplicate zset fields detected');
        }
        return z;
      }
      case R.T_ZSET_ZIPLIST:
      case R.T_ZSET_LISTPACK: {
        const blob = this.stringBuf();
        const z = checked(type === R.T_ZSET_ZIPLIST ? 'Zset ziplist' : 'Zset listpack', () => {
          const items = type === R.T_ZSET_ZIPLIST ? ziplistEntries(blob) : listpackEntries(blob, deep(limits));
          if (items.length & 1) bad('odd number of elements');
          const members: string[] = [];
          const scores: number[] = [];
          for (let i = 0; i < items.length; i += 2) {
            members.push(items[i]);
            scores.push(parseScore(items[i + 1]));
          }
          return ZSet.fromPairs(members, scores, limits.zset.maxEntries) ?? bad('duplicate member');
        });
        if (z.size === 0) empty();
        return z;
      }
      case R.T_STREAM_LISTPACKS:
      case R.T_STREAM_LISTPACKS_2:
        return readStream(this, type, limits);
      case R.T_MODULE:
      case R.T_MODULE_2:
        return bad('module values are not supported');
    }
    return bad(`unknown value type ${type}`);
  }
}

function nonEmpty(l: ListValue): ListValue {
  if (l.size === 0) empty();
  return l;
}

/** strtod as Redis applies it to stored scores ("inf", "-inf", decimals, exponents). */
export function parseScore(s: string): number {
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  const v = Number(s);
  if (s.length === 0 || Number.isNaN(v)) bad('bad score');
  return v;
}

export function isValueType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}
