// The size Redis's query buffer would have for a connection (CLIENT LIST qbuf / qbuf-free, the
// client's tot-mem, client eviction). The parser keeps its own buffers; this mirrors Redis 7.0's
// sds growth so the figures mean what Redis's do:
// - before each read Redis makes room for 16 KiB (PROTO_IOBUF_LEN): exactly that much while the
//   buffer is smaller than 16 KiB, else greedily (double, or +1 MiB past 1 MiB);
// - a bulk argument of 32 KiB or more gets a buffer of exactly its length (+CRLF), kept after
//   the argument is taken (Redis hands the buffer to the argument and allocates a fresh one);
// - the cron frees the spare room of a client idle more than 2 s, and shrinks a buffer larger
//   than 32 KiB that is over twice its recent peak (clientsCronResizeQueryBuffer).
// All sizes are what the allocator would give (jemalloc size classes), as Redis reports them.
// Updated once per read event and per cron pass: nothing is allocated.

const IOBUF_LEN = 16 * 1024;
const RESIZE_THRESHOLD = 32 * 1024;
const MAX_PREALLOC = 1024 * 1024;

/** jemalloc's size class for a request of n bytes (4 classes per power of two). */
export function mallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  const p = 2 ** Math.floor(Math.log2(n - 1));
  const step = p / 4;
  return Math.ceil(n / step) * step;
}

/** The sds header size for a string of this capacity. */
function sdsHeader(len: number): number {
  return len < 256 ? 3 : len < 65536 ? 5 : len < 4294967296 ? 9 : 17;
}

/** The capacity an sds gets when room for `len` bytes is requested (allocator rounding kept). */
function sdsAlloc(len: number): number {
  const hdr = sdsHeader(len);
  return mallocSize(hdr + len + 1) - hdr - 1;
}

export class QueryBufferModel {
  /** Bytes held (sdslen): what the parser has not consumed yet. */
  len = 0;
  /** Capacity (sdsalloc). */
  alloc = 0;
  /** Largest len since the last cron pass (c->querybuf_peak). */
  peak = 0;

  /** Memory the buffer takes from the allocator (sdsZmallocSize); 0 before the first read. */
  get mallocSize(): number {
    return this.alloc === 0 && this.len === 0 ? 0 : mallocSize(sdsHeader(this.alloc) + this.alloc + 1);
  }

  /**
   * Before a read event: `before` bytes are buffered and `bigLeft` bytes of a large bulk are still
   * expected (0: none). Redis makes room for the read first (so the command it runs sees it).
   * Returns the read length Redis would use, for afterRead.
   */
  beforeRead(before: number, bigLeft: number): number {
    const readlen = bigLeft > 0 ? bigLeft : IOBUF_LEN;
    if (this.alloc - before < readlen) {
      if (bigLeft > 0 || this.alloc < IOBUF_LEN) this.alloc = sdsAlloc(before + readlen);
      else this.grow(before + readlen);
    }
    return readlen;
  }

  /**
   * After the read of n bytes was parsed: `after` bytes are left, and `bulkLen` is the length of
   * a large bulk being filled (-1: none).
   */
  afterRead(before: number, n: number, readlen: number, after: number, bulkLen: number): void {
    // Redis reads at most 16 KiB at a time and trims what it parsed in between: the buffer
    // held the last read on top of what was left.
    const held = Math.max(after, Math.min(before + n, after + readlen));
    if (held > this.alloc) this.grow(held);
    if (bulkLen >= 0 && this.alloc < bulkLen + 2) this.alloc = sdsAlloc(bulkLen + 2);
    this.len = after;
    if (held > this.peak) this.peak = held;
    if (bulkLen > this.peak) this.peak = bulkLen;
  }

  private grow(len: number): void {
    this.alloc = sdsAlloc(len < MAX_PREALLOC ? len * 2 : len + MAX_PREALLOC);
  }

  /** The cron's pass over the client: `idleSeconds` since its last read, `bulkLen` as above. */
  cronResize(idleSeconds: number, bulkLen: number): void {
    if (this.alloc - this.len > 4096) {
      if (idleSeconds > 2) {
        this.alloc = this.len;
      } else if (this.alloc > RESIZE_THRESHOLD && this.alloc / 2 > this.peak) {
        let size = Math.max(this.len, this.peak);
        if (bulkLen !== -1 && size < bulkLen) size = bulkLen;
        this.alloc = size;
      }
    }
    this.peak = this.len;
    if (bulkLen !== -1 && bulkLen > this.peak) this.peak = bulkLen;
  }
}
