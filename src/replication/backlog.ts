// The replication backlog: the last `size` bytes of the replication stream in a ring buffer, so a
// replica that lost its link can continue from its offset (PSYNC answered +CONTINUE) instead of
// loading a whole new RDB. Offsets are Redis's: `offset` is the stream offset of the oldest byte
// held (master_repl_offset + 1 when the backlog was created and is still empty).
export class Backlog {
  private buf: Buffer;
  /** Where the next byte goes. */
  private idx = 0;
  /** Bytes held (at most size). */
  histlen = 0;

  constructor(
    public size: number,
    /** Stream offset of the oldest byte held. */
    public offset: number,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  append(b: Buffer): void {
    let src = b;
    // Only the tail of an oversized chunk fits (the offsets below account for the rest).
    if (src.length > this.size) src = src.subarray(src.length - this.size);
    const first = Math.min(src.length, this.size - this.idx);
    src.copy(this.buf, this.idx, 0, first);
    if (first < src.length) src.copy(this.buf, 0, first);
    this.idx = (this.idx + src.length) % this.size;
    const total = this.histlen + b.length;
    if (total > this.size) {
      this.offset += total - this.size;
      this.histlen = this.size;
    } else this.histlen = total;
  }

  /** Whether the bytes from stream offset `from` to the end are all held. */
  has(from: number): boolean {
    return from >= this.offset && from <= this.offset + this.histlen;
  }

  /** The bytes from stream offset `from` (which has() accepted) to the end. */
  since(from: number): Buffer {
    const len = this.offset + this.histlen - from;
    const out = Buffer.allocUnsafe(len);
    const start = (this.idx - len + this.size) % this.size;
    const first = Math.min(len, this.size - start);
    this.buf.copy(out, 0, start, start + first);
    if (first < len) this.buf.copy(out, first, 0, len - first);
    return out;
  }

  /** repl-backlog-size changed: keep the most recent bytes that fit. */
  resize(size: number): void {
    if (size === this.size) return;
    const keep = Math.min(this.histlen, size);
    const data = this.since(this.offset + this.histlen - keep);
    this.buf = Buffer.allocUnsafe(size);
    data.copy(this.buf, 0);
    this.offset += this.histlen - keep;
    this.histlen = keep;
    this.size = size;
    this.idx = keep % size;
  }
}
