// A string value edited in place: the bytes of a bitmap or HyperLogLog that SETBIT, BITFIELD,
// PFADD... change one bit or register at a time. JS strings are immutable, so rebuilding a 1 MB
// string for every SETBIT would cost O(n) per call (about 900 calls/s); this keeps the bytes in
// a growable Buffer instead and is what Redis does too (an sds edited in place).
//
// To every other command it is simply the string it holds: TYPE says "string" and the Db's
// lookups hand out its text (`toString()`, cached until the next edit), so string commands never
// see this class. Only bitmap and HyperLogLog commands ask the Db for it (lookup*Raw).
import type { Collection } from './value';

export class MutableString implements Collection {
  readonly type = 'string' as const;
  /** The bytes; capacity may exceed `length`, and bytes past `length` are always zero. */
  buf: Buffer;
  length: number;
  private text: string | null;

  constructor(buf: Buffer, length: number, text: string | null = null) {
    this.buf = buf;
    this.length = length;
    this.text = text;
  }

  /** A copy of a string's bytes (with one spare zero byte, like an sds terminator). */
  static fromString(s: string): MutableString {
    const buf = Buffer.alloc(s.length + 1);
    buf.latin1Write(s, 0, s.length);
    return new MutableString(buf, s.length, s);
  }

  /** Takes ownership of `buf` (the whole buffer is the value). */
  static fromBuffer(buf: Buffer): MutableString {
    return new MutableString(buf, buf.length);
  }

  get size(): number {
    return this.length;
  }

  /** Edited strings are what Redis calls "raw". */
  get encoding(): string {
    return 'raw';
  }

  clone(): MutableString {
    return MutableString.fromBuffer(Buffer.from(this.buf.subarray(0, this.length)));
  }

  toString(): string {
    if (this.text === null) this.text = this.buf.latin1Slice(0, this.length);
    return this.text;
  }

  /** The bytes as a view (valid until the next resize). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Must be called after writing to `buf`: drops the cached text. */
  changed(): void {
    this.text = null;
  }

  /**
   * Sets the length, zero-filling when it grows (sdsgrowzero) and clearing the dropped bytes when
   * it shrinks. Capacity grows geometrically, so appending bit after bit is amortised O(1).
   */
  resize(len: number): void {
    if (len > this.buf.length - 1) {
      this.reserve(len);
    } else if (len < this.length) {
      this.buf.fill(0, len, this.length);
    }
    this.length = len;
    this.text = null;
  }

  /** Makes room for `len` bytes (plus a spare zero byte) without changing the length. */
  reserve(len: number): void {
    if (len <= this.buf.length - 1) return;
    const next = Buffer.alloc(Math.max(len + 1, Math.min(this.buf.length * 2, len + (1 << 20))));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Replaces the bytes with a buffer this value now owns (e.g. a sparse HLL promoted to dense). */
  replaceBuffer(buf: Buffer, length: number): void {
    this.buf = buf;
    this.length = length;
    this.text = null;
  }
}
