// The compact blobs Redis stores inside RDB values: listpack (7.0's small hashes, sorted sets,
// list nodes, streams), ziplist (older files), intset, zipmap (very old files). Decoders accept
// every entry encoding and throw on malformed input (RESTORE of a corrupt payload must fail, never
// crash); encoders produce exactly the bytes Redis would.
import { parseIntStrict } from '../resp/format';

export class CorruptError extends Error {}

/**
 * A value with no elements (older Redis versions could write them): RESTORE refuses it as bad
 * data, loading an RDB file skips the key with a warning, as Redis 7.0 does.
 */
export class EmptyKeyError extends CorruptError {}

function corrupt(what: string): never {
  throw new CorruptError(what);
}

// ---- listpack ---------------------------------------------------------------------------------

const LP_HDR = 6;
const LP_EOF = 0xff;

/**
 * The entries of a listpack as latin1 strings (integers printed in decimal). Every entry is
 * decoded whatever `deep` says (an entry that overruns the blob is always refused); `deep`
 * (sanitize-dump-payload) adds the checks of what is only redundant for us, as Redis's deep
 * validation does: each entry's back-length and the header's entry count.
 */
export function listpackEntries(b: Buffer, deep = true): string[] {
  if (b.length < LP_HDR + 1) corrupt('listpack too short');
  const total = b.readUInt32LE(0);
  if (total !== b.length) corrupt('listpack size mismatch');
  const count = b.readUInt16LE(4);
  const out: string[] = [];
  let p = LP_HDR;
  for (;;) {
    if (p >= total) corrupt('listpack without terminator');
    const c = b[p];
    if (c === LP_EOF) break;
    let entryLen: number;
    if ((c & 0x80) === 0) {
      out.push(String(c & 0x7f));
      entryLen = 1;
    } else if ((c & 0xc0) === 0x80) {
      const len = c & 0x3f;
      entryLen = 1 + len;
      need(b, p, entryLen, total);
      out.push(b.latin1Slice(p + 1, p + 1 + len));
    } else if ((c & 0xe0) === 0xc0) {
      need(b, p, 2, total);
      const u = ((c & 0x1f) << 8) | b[p + 1];
      out.push(String(u >= 1 << 12 ? u - (1 << 13) : u));
      entryLen = 2;
    } else if ((c & 0xf0) === 0xe0) {
      need(b, p, 2, total);
      const len = ((c & 0x0f) << 8) | b[p + 1];
      entryLen = 2 + len;
      need(b, p, entryLen, total);
      out.push(b.latin1Slice(p + 2, p + 2 + len));
    } else if (c === 0xf0) {
      need(b, p, 5, total);
      const len = b.readUInt32LE(p + 1);
      entryLen = 5 + len;
      need(b, p, entryLen, total);
      out.push(b.latin1Slice(p + 5, p + 5 + len));
    } else if (c === 0xf1) {
      need(b, p, 3, total);
      out.push(String(b.readInt16LE(p + 1)));
      entryLen = 3;
    } else if (c === 0xf2) {
      need(b, p, 4, total);
      out.push(String(b.readIntLE(p + 1, 3)));
      entryLen = 4;
    } else if (c === 0xf3) {
      need(b, p, 5, total);
      out.push(String(b.readInt32LE(p + 1)));
      entryLen = 5;
    } else if (c === 0xf4) {
      need(b, p, 9, total);
      out.push(String(b.readBigInt64LE(p + 1)));
      entryLen = 9;
    } else {
      corrupt('bad listpack encoding');
    }
    p += entryLen;
    const blen = backlenSize(entryLen);
    if (p + blen > total) corrupt('listpack entry overflow');
    if (deep) checkBacklen(b, p, blen, entryLen);
    p += blen;
  }
  if (p !== total - 1) corrupt('listpack trailing bytes');
  if (deep && count !== 0xffff && count !== out.length) corrupt('listpack count mismatch');
  return out;
}

function need(b: Buffer, p: number, n: number, total: number): void {
  if (p + n > total) corrupt('listpack entry overflow');
}

/**
 * The back-length after an entry (read from its last byte backwards, 7 bits per byte, the high
 * bit set on every byte but the first stored) must give the entry's length.
 */
function checkBacklen(b: Buffer, at: number, size: number, entryLen: number): void {
  let val = 0;
  for (let i = 0; i < size; i++) {
    const x = b[at + size - 1 - i];
    if ((x & 0x80) !== 0 !== i < size - 1) corrupt('listpack bad back-length');
    val += (x & 0x7f) * 2 ** (7 * i);
  }
  if (val !== entryLen) corrupt('listpack back-length mismatch');
}

function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Builds a listpack the way Redis's lpAppend does (integers in their smallest encoding). */
export class ListpackBuilder {
  private buf = Buffer.allocUnsafe(64);
  private len = LP_HDR;
  count = 0;

  get bytes(): number {
    return this.len + 1;
  }

  private ensure(n: number): void {
    if (this.len + n + 1 <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n + 1) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  append(s: string): this {
    const v = s.length <= 20 ? parseIntStrict(s) : null;
    const start = this.len;
    if (v !== null) this.appendInt(v);
    else {
      const n = s.length;
      this.ensure(n + 5 + 5);
      const b = this.buf;
      if (n < 64) b[this.len++] = 0x80 | n;
      else if (n < 4096) {
        b[this.len++] = 0xe0 | (n >> 8);
        b[this.len++] = n & 0xff;
      } else {
        b[this.len++] = 0xf0;
        b.writeUInt32LE(n, this.len);
        this.len += 4;
      }
      this.len += b.latin1Write(s, this.len);
    }
    this.backlen(this.len - start);
    this.count++;
    return this;
  }

  private appendInt(v: number | bigint): void {
    this.ensure(9 + 5);
    const b = this.buf;
    if (typeof v === 'bigint' || v < -2147483648 || v > 2147483647) {
      b[this.len++] = 0xf4;
      b.writeBigInt64LE(BigInt(v), this.len);
      this.len += 8;
    } else if (v >= 0 && v <= 127) {
      b[this.len++] = v;
    } else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      b[this.len++] = 0xc0 | (u >> 8);
      b[this.len++] = u & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      b[this.len++] = 0xf1;
      b.writeInt16LE(v, this.len);
      this.len += 2;
    } else if (v >= -8388608 && v <= 8388607) {
      b[this.len++] = 0xf2;
      b.writeIntLE(v, this.len, 3);
      this.len += 3;
    } else {
      b[this.len++] = 0xf3;
      b.writeInt32LE(v, this.len);
      this.len += 4;
    }
  }

  private backlen(l: number): void {
    const b = this.buf;
    if (l <= 127) b[this.len++] = l;
    else if (l < 16383) {
      b[this.len++] = l >> 7;
      b[this.len++] = (l & 127) | 128;
    } else if (l < 2097151) {
      b[this.len++] = l >> 14;
      b[this.len++] = ((l >> 7) & 127) | 128;
      b[this.len++] = (l & 127) | 128;
    } else if (l < 268435455) {
      b[this.len++] = l >> 21;
      b[this.len++] = ((l >> 14) & 127) | 128;
      b[this.len++] = ((l >> 7) & 127) | 128;
      b[this.len++] = (l & 127) | 128;
    } else {
      b[this.len++] = Math.floor(l / 2 ** 28);
      b[this.len++] = ((l >> 21) & 127) | 128;
      b[this.len++] = ((l >> 14) & 127) | 128;
      b[this.len++] = ((l >> 7) & 127) | 128;
      b[this.len++] = (l & 127) | 128;
    }
  }

  finish(): Buffer {
    this.ensure(0);
    this.buf[this.len] = LP_EOF;
    const total = this.len + 1;
    this.buf.writeUInt32LE(total, 0);
    this.buf.writeUInt16LE(this.count < 0xffff ? this.count : 0xffff, 4);
    return this.buf.subarray(0, total);
  }
}

export function buildListpack(items: Iterable<string>): Buffer {
  const lp = new ListpackBuilder();
  for (const s of items) lp.append(s);
  return lp.finish();
}

// ---- ziplist (RDB files from Redis before 7.0) ------------------------------------------------

export function ziplistEntries(b: Buffer): string[] {
  if (b.length < 11) corrupt('ziplist too short');
  const total = b.readUInt32LE(0);
  if (total !== b.length) corrupt('ziplist size mismatch');
  const tail = b.readUInt32LE(4);
  const count = b.readUInt16LE(8);
  const out: string[] = [];
  let p = 10;
  // Each entry records the length of the one before it, and the header the offset of the last
  // one: both are checked, so a payload is only accepted if Redis would read it the same way.
  let prevStart = 10;
  let prevLen = 0;
  for (;;) {
    if (p >= total) corrupt('ziplist without terminator');
    if (b[p] === 0xff) break;
    const start = p;
    let storedPrev: number;
    if (b[p] < 254) {
      storedPrev = b[p];
      p += 1;
    } else {
      zneed(p + 5, total);
      storedPrev = b.readUInt32LE(p + 1);
      p += 5;
    }
    if (storedPrev !== prevLen) corrupt('ziplist prevlen mismatch');
    if (p >= total) corrupt('ziplist entry overflow');
    const c = b[p];
    const hi = c >> 6;
    let end: number;
    if (hi === 0) {
      end = p + 1 + (c & 0x3f);
      zneed(end, total);
      out.push(b.latin1Slice(p + 1, end));
    } else if (hi === 1) {
      zneed(p + 2, total);
      end = p + 2 + (((c & 0x3f) << 8) | b[p + 1]);
      zneed(end, total);
      out.push(b.latin1Slice(p + 2, end));
    } else if (hi === 2) {
      zneed(p + 5, total);
      end = p + 5 + b.readUInt32BE(p + 1);
      zneed(end, total);
      out.push(b.latin1Slice(p + 5, end));
    } else if (c === 0xc0) {
      zneed((end = p + 3), total);
      out.push(String(b.readInt16LE(p + 1)));
    } else if (c === 0xd0) {
      zneed((end = p + 5), total);
      out.push(String(b.readInt32LE(p + 1)));
    } else if (c === 0xe0) {
      zneed((end = p + 9), total);
      out.push(String(b.readBigInt64LE(p + 1)));
    } else if (c === 0xf0) {
      zneed((end = p + 4), total);
      out.push(String(b.readIntLE(p + 1, 3)));
    } else if (c === 0xfe) {
      zneed((end = p + 2), total);
      out.push(String(b.readInt8(p + 1)));
    } else if (c >= 0xf1 && c <= 0xfd) {
      end = p + 1;
      out.push(String((c & 0x0f) - 1));
    } else {
      corrupt('bad ziplist encoding');
    }
    p = end;
    prevStart = start;
    prevLen = end - start;
  }
  if (p !== total - 1) corrupt('ziplist trailing bytes');
  if (tail !== prevStart) corrupt('ziplist tail offset mismatch');
  if (count !== 0xffff && count !== out.length) corrupt('ziplist count mismatch');
  return out;
}

function zneed(end: number, total: number): void {
  if (end > total - 1) corrupt('ziplist entry overflow');
}

// ---- intset -----------------------------------------------------------------------------------

/**
 * The members of an intset. `deep` (sanitize-dump-payload) also requires them in strictly
 * ascending order, as Redis's deep validation does; without it they are taken in any order
 * (the set sorts them, duplicates collapse), since a shallow RESTORE in Redis accepts them too.
 */
export function intsetEntries(b: Buffer, deep = true): string[] {
  if (b.length < 8) corrupt('intset too short');
  const enc = b.readUInt32LE(0);
  const n = b.readUInt32LE(4);
  if ((enc !== 2 && enc !== 4 && enc !== 8) || b.length !== 8 + enc * n) corrupt('bad intset');
  const out = new Array<string>(n);
  let prev: bigint | null = null;
  for (let i = 0; i < n; i++) {
    const p = 8 + i * enc;
    const v = enc === 2 ? BigInt(b.readInt16LE(p)) : enc === 4 ? BigInt(b.readInt32LE(p)) : b.readBigInt64LE(p);
    if (deep && prev !== null && v <= prev) corrupt('intset not sorted');
    prev = v;
    out[i] = String(v);
  }
  return out;
}

/** An intset of canonical integer strings already in ascending order. */
export function buildIntset(sorted: readonly string[]): Buffer {
  let enc = 2;
  const vals = sorted.map((s) => BigInt(s));
  for (const v of vals) {
    if (v < -2147483648n || v > 2147483647n) enc = 8;
    else if (enc < 4 && (v < -32768n || v > 32767n)) enc = 4;
  }
  const b = Buffer.allocUnsafe(8 + enc * vals.length);
  b.writeUInt32LE(enc, 0);
  b.writeUInt32LE(vals.length, 4);
  vals.forEach((v, i) => {
    const p = 8 + i * enc;
    if (enc === 2) b.writeInt16LE(Number(v), p);
    else if (enc === 4) b.writeInt32LE(Number(v), p);
    else b.writeBigInt64LE(v, p);
  });
  return b;
}

// ---- zipmap (hashes in RDB files from Redis 2.x) ----------------------------------------------

export function zipmapEntries(b: Buffer): string[] {
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= b.length) corrupt('zipmap overflow');
    const c = b[p];
    if (c < 254) {
      p += 1;
      return c;
    }
    if (c === 254) {
      if (p + 5 > b.length) corrupt('zipmap overflow');
      const n = b.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    return -1;
  };
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    if (p + klen > b.length) corrupt('zipmap overflow');
    out.push(b.latin1Slice(p, p + klen));
    p += klen;
    const vlen = readLen();
    if (vlen < 0 || p >= b.length) corrupt('zipmap overflow');
    const free = b[p++];
    if (p + vlen + free > b.length) corrupt('zipmap overflow');
    out.push(b.latin1Slice(p, p + vlen));
    p += vlen + free;
  }
  if (p !== b.length - 1) corrupt('zipmap trailing bytes');
  return out;
}
