// Serialises values and whole databases in the RDB 7.0 format. Output goes through a sink in
// chunks (a file, a DUMP payload, an AOF base), with the CRC64 computed on the way.
//
// Encoding choices mirror what Redis writes, so redis-server loads our files into the same
// encodings and DUMP payloads of small values are byte-identical to Redis's: strings as integers
// when they are short canonical ints, LZF when longer than 20 bytes (rdbcompression); small hashes
// and sorted sets as one listpack; intsets as intsets; lists as a quicklist of listpacks split at
// list-max-listpack-size; big hashes/sets/sorted sets as plain element lists.
import { unsanitizedPayload } from '../datatypes/unsanitized';
import { formatDouble } from '../resp/format';
import { Hash } from '../datatypes/hash';
import { ListValue } from '../datatypes/list';
import { SetValue } from '../datatypes/set';
import { Value } from '../datatypes/value';
import { ZSet } from '../datatypes/zset';
import { parseIntStrict } from '../resp/format';
import { Crc64 } from './crc64';
import { ListpackBuilder, buildIntset, buildListpack } from './encodings';
import { lzfCompress } from './lzf';
import * as R from './rdb-format';
import { writeStream } from './rdb-stream';

export interface RdbWriteOptions {
  /** rdbcompression */
  compression: boolean;
  /** list-max-listpack-size */
  listFill: number;
  /** Elements at least this long get a node of their own (DEBUG QUICKLIST-PACKED-THRESHOLD). */
  packedThreshold?: number;
}

/** Redis's default quicklist packed threshold: 1 GB. */
export const DEFAULT_PACKED_THRESHOLD = 1 << 30;

/** A quicklist node: a plain element of its own, or a listpack of several. */
export interface QuicklistNode {
  plain: string | null;
  lp: ListpackBuilder | null;
}

/**
 * Splits list elements into quicklist nodes the way quicklist pushes do
 * (_quicklistNodeAllowInsert, and isLargeElement for plain nodes). Used to save lists and by
 * DEBUG OBJECT to describe them.
 */
export function quicklistNodes(items: Iterable<string>, fill: number, threshold = DEFAULT_PACKED_THRESHOLD): QuicklistNode[] {
  const nodes: QuicklistNode[] = [];
  let cur: ListpackBuilder | null = null;
  for (const s of items) {
    if (s.length >= threshold) {
      nodes.push({ plain: s, lp: null });
      cur = null;
      continue;
    }
    if (cur !== null && !allowInsert(cur, s.length, fill)) cur = null;
    if (cur === null) {
      cur = new ListpackBuilder();
      nodes.push({ plain: null, lp: cur });
    }
    cur.append(s);
  }
  return nodes;
}

const CHUNK = 64 * 1024;
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];

/** A byte sink with the RDB primitives. */
export class RdbOutput {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  readonly crc = new Crc64();
  /** Bytes handed to the sink so far plus the ones buffered. */
  written = 0;

  constructor(
    private readonly sink: (chunk: Buffer) => void,
    readonly opts: RdbWriteOptions,
    private readonly checksum = true,
  ) {}

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    if (this.checksum) this.crc.update(chunk);
    this.sink(Buffer.from(chunk));
    this.pos = 0;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
    this.written++;
  }

  raw(b: Uint8Array): void {
    if (b.length > CHUNK) {
      this.flush();
      if (this.checksum) this.crc.update(b);
      this.sink(Buffer.from(b));
      this.written += b.length;
      return;
    }
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    this.written += b.length;
  }

  latin1(s: string): void {
    if (s.length > CHUNK) return this.raw(Buffer.from(s, 'latin1'));
    this.room(s.length);
    this.pos += this.buf.latin1Write(s, this.pos);
    this.written += s.length;
  }

  u64le(v: number): void {
    this.room(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.pos);
    this.pos += 8;
    this.written += 8;
  }

  /**
   * A signed 64-bit millisecond time (rdbSaveMillisecondTime). Times read from a payload keep
   * any int64 (negative ones too); a double past the int64 range is clamped to it.
   */
  i64le(v: number): void {
    this.room(8);
    const b = v >= 9223372036854775807 ? 9223372036854775807n : v <= -9223372036854775808 ? -9223372036854775808n : BigInt(Math.trunc(v));
    this.buf.writeBigInt64LE(b, this.pos);
    this.pos += 8;
    this.written += 8;
  }

  u32le(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    this.written += 4;
  }

  double(d: number): void {
    this.room(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
    this.written += 8;
  }

  len(n: number | bigint): void {
    if (typeof n === 'number' && n < 64) this.u8(n);
    else if (typeof n === 'number' && n < 16384) {
      this.u8(0x40 | (n >> 8));
      this.u8(n & 0xff);
    } else if (typeof n === 'number' && n <= 0xffffffff) {
      this.u8(R.LEN_32);
      this.room(4);
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
      this.written += 4;
    } else {
      this.u8(R.LEN_64);
      this.room(8);
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
      this.written += 8;
    }
  }

  /** rdbSaveRawString: integer encoding for short ints, LZF for long strings, else raw. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0) {
      const v = parseIntStrict(s);
      if (v !== null && typeof v === 'number') {
        if (v >= -128 && v <= 127) {
          this.u8(0xc0 | R.ENC_INT8);
          this.u8(v & 0xff);
          return;
        }
        if (v >= -32768 && v <= 32767) {
          this.u8(0xc0 | R.ENC_INT16);
          this.u8(v & 0xff);
          this.u8((v >> 8) & 0xff);
          return;
        }
        if (v >= -2147483648 && v <= 2147483647) {
          this.u8(0xc0 | R.ENC_INT32);
          this.u32le(v);
          return;
        }
      }
    }
    if (this.opts.compression && n > 20) {
      const packed = lzfCompress(Buffer.from(s, 'latin1'));
      if (packed !== null) {
        this.u8(0xc0 | R.ENC_LZF);
        this.len(packed.length);
        this.len(n);
        this.raw(packed);
        return;
      }
    }
    this.len(n);
    this.latin1(s);
  }

  /** A binary blob (listpack, intset) saved as a string: LZF when it pays. */
  blob(b: Buffer): void {
    if (this.opts.compression && b.length > 20) {
      const packed = lzfCompress(b);
      if (packed !== null) {
        this.u8(0xc0 | R.ENC_LZF);
        this.len(packed.length);
        this.len(b.length);
        this.raw(packed);
        return;
      }
    }
    this.len(b.length);
    this.raw(b);
  }

  /** Writes the type byte and the value (rdbSaveObjectType + rdbSaveObject). */
  value(v: Value): void {
    const unchecked = unsanitizedPayload(v);
    if (unchecked !== undefined) {
      // Kept unchecked (sanitize-dump-payload no): saved as it came, as Redis saves its listpacks.
      this.u8(unchecked.rdbType);
      this.raw(unchecked.body);
      return;
    }
    if (typeof v === 'string' || v.type === 'string') {
      // v.type 'string': a bitmap/HLL kept as a MutableString; String(v) is its bytes.
      this.u8(R.T_STRING);
      this.string(String(v));
      return;
    }
    switch (v.type) {
      case 'list':
        return this.list(v as ListValue);
      case 'hash':
        return this.hash(v as Hash);
      case 'set':
        return this.set(v as SetValue);
      case 'zset':
        return this.zset(v as ZSet);
      case 'stream':
        return writeStream(this, v);
    }
  }

  private list(l: ListValue): void {
    this.u8(R.T_LIST_QUICKLIST_2);
    const nodes = quicklistNodes(l, this.opts.listFill, this.opts.packedThreshold);
    this.len(nodes.length);
    for (const n of nodes) {
      if (n.plain !== null) {
        this.len(R.QL_PLAIN);
        this.string(n.plain);
      } else {
        this.len(R.QL_PACKED);
        this.blob(n.lp!.finish());
      }
    }
  }

  private hash(h: Hash): void {
    if (h.isCompact) {
      this.u8(R.T_HASH_LISTPACK);
      const lp = new ListpackBuilder();
      h.forEach((f, v) => {
        lp.append(f);
        lp.append(v);
      });
      this.blob(lp.finish());
      return;
    }
    this.u8(R.T_HASH);
    this.len(h.size);
    h.forEach((f, v) => {
      this.string(f);
      this.string(v);
    });
  }

  private set(s: SetValue): void {
    if (s.isCompact) {
      this.u8(R.T_SET_INTSET);
      this.blob(buildIntset(s.toArray()));
      return;
    }
    this.u8(R.T_SET);
    this.len(s.size);
    s.forEach((m) => this.string(m));
  }

  private zset(z: ZSet): void {
    if (z.encoding === 'listpack') {
      this.u8(R.T_ZSET_LISTPACK);
      const items: string[] = [];
      z.forEach((m, sc) => items.push(m, formatDouble(sc) /* Redis's d2string, as in replies */));
      this.blob(buildListpack(items));
      return;
    }
    // Highest first, as Redis does, so that loading inserts at the head of the skiplist.
    this.u8(R.T_ZSET_2);
    this.len(z.size);
    z.walkRank(0, true, (m, sc) => {
      this.string(m);
      this.double(sc);
      return true;
    });
  }

  /** Finishes: flushes and returns the checksum bytes (zero when checksums are off). */
  end(): void {
    this.flush();
  }
}

function allowInsert(lp: ListpackBuilder, sz: number, fill: number): boolean {
  const newSz = lp.bytes + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return lp.count < fill;
}

export interface AuxField {
  key: string;
  value: string;
}
