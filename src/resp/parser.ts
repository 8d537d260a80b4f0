// Incremental RESP request parser: multibulk (`*N\r\n$len\r\n...`) and inline commands.
// It knows nothing of commands. Arguments come out as latin1 strings (one char per byte).
//
// Pull-based: feed() appends bytes, next() returns one command at a time, so the connection can
// stop between commands (blocked client, CLIENT PAUSE, auth state changing mid-buffer) and the
// rest stays buffered here. A partial frame keeps its progress (arguments read so far, the bulk
// length), so a frame arriving in many pieces is never re-parsed from its start, and a large bulk
// is copied once into a buffer of its final size instead of re-concatenated per chunk.

import { constants } from 'node:buffer';
import { string2llBytes } from '../util/numbers';

const CR = 13;
const LF = 10;
const INLINE_MAX = 64 * 1024; // PROTO_INLINE_MAX_SIZE
const BIG_ARG = 32 * 1024; // PROTO_MBULK_BIG_ARG: above this, accumulate into a dedicated buffer
const INT_MAX = 2147483647;
/** V8 cannot hold a longer string: a bigger bulk is refused instead of crashing the process. */
const MAX_ARG = constants.MAX_STRING_LENGTH;
/** Above this, the partial-frame buffer is dropped once it is empty. */
const OWN_KEEP = 256 * 1024;
const EMPTY = Buffer.alloc(0);
/** Stands for "no frame started": every frame gets its own array at its header. */
const NO_ARGS: string[] = [];

export interface ParserPolicy {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** Unauthenticated clients get tighter limits (10 args, 16 KiB bulks). */
  authRequired(): boolean;
}

/** A protocol error: the reply text (after "ERR Protocol error: "), then the connection closes. */
export class ProtocolError {
  constructor(readonly reason: string) {}
}

export class RespParser {
  /** Unparsed bytes are buf[pos, buf.length); buf is a view on `own` or a borrowed socket chunk. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Our own buffer for partial frames, reused across reads (appends are amortised O(1)). */
  private own: Buffer | null = null;
  /** True while buf is a view on `own`. */
  private inOwn = false;
  // Progress inside the current multibulk frame.
  private argsLeft = 0;
  /** The frame's arguments, allocated at its header at their final size (up to 1024, as Redis). */
  private argv: string[] = NO_ARGS;
  private argc = 0;
  // Large bulk being filled chunk by chunk.
  private big: Buffer | null = null;
  private bigFill = 0;
  private bigLen = 0;
  /** The last command name read (see commandName). */
  private lastName = '';
  /** Bytes waiting in the parser (for CLIENT LIST qbuf). */
  get buffered(): number {
    return this.buf.length - this.pos + (this.big ? this.bigFill : 0);
  }

  /** Length of the large bulk being filled (Redis's c->bulklen for a big argument), or -1. */
  get pendingBulkLen(): number {
    return this.big ? this.bigLen : -1;
  }

  /** The first n buffered bytes as a latin1 string (for log lines about a client's input). */
  preview(n: number): string {
    if (this.big) return this.big.latin1Slice(0, Math.min(n, this.bigFill));
    return this.buf.latin1Slice(this.pos, Math.min(this.buf.length, this.pos + n));
  }

  constructor(private readonly policy: ParserPolicy) {}

  feed(chunk: Buffer): void {
    if (this.big) {
      const need = this.bigLen + 2 - this.bigFill;
      const n = Math.min(need, chunk.length);
      chunk.copy(this.big, this.bigFill, 0, n);
      this.bigFill += n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    const rest = this.buf.length - this.pos;
    if (rest === 0) {
      // The common case: everything before was consumed; parse the chunk where it lies.
      this.buf = chunk;
      this.pos = 0;
      this.inOwn = false;
      // Do not keep a buffer grown for one unusually large frame.
      if (this.own !== null && this.own.length > OWN_KEEP) this.own = null;
      return;
    }
    // A partial frame waits: append the chunk after it in our own buffer, which is reused from
    // read to read and grows geometrically, so a frame trickling in costs linear time.
    if (this.inOwn) {
      const own = this.own!;
      let end = this.pos + rest;
      if (own.length - end < chunk.length && rest + chunk.length <= own.length) {
        own.copyWithin(0, this.pos, end); // room at the front: move the partial frame there
        this.pos = 0;
        end = rest;
      }
      if (own.length - end >= chunk.length) {
        chunk.copy(own, end);
        this.buf = own.subarray(0, end + chunk.length);
        return;
      }
    }
    const own = this.ownFor(rest + chunk.length);
    this.buf.copy(own, 0, this.pos, this.pos + rest);
    chunk.copy(own, rest);
    this.setOwn(own, rest + chunk.length);
  }

  /**
   * Copies the unparsed bytes out of a borrowed chunk whose owner is about to reuse it (the
   * connection's shared read buffer). A no-op when nothing is left or the bytes are ours.
   */
  detach(): void {
    if (this.inOwn) return;
    const rest = this.buf.length - this.pos;
    if (rest === 0) return;
    const own = this.ownFor(rest);
    this.buf.copy(own, 0, this.pos);
    this.setOwn(own, rest);
  }

  /** Our buffer, with room for n bytes; a new one when buf still points into the old one. */
  private ownFor(n: number): Buffer {
    const own = this.own;
    if (own !== null && own.length >= n && !this.inOwn) return own;
    return Buffer.allocUnsafe(Math.max(16 * 1024, 2 * n));
  }

  private setOwn(own: Buffer, len: number): void {
    this.own = own;
    this.inOwn = true;
    this.buf = own.subarray(0, len);
    this.pos = 0;
  }

  /** The next complete command, null if more bytes are needed, or a ProtocolError. */
  next(): string[] | null | ProtocolError {
    for (;;) {
      if (this.big) {
        if (this.bigFill < this.bigLen + 2) return null;
        this.argv[this.argc++] = this.big.latin1Slice(0, this.bigLen);
        this.big = null;
        this.argsLeft--;
        if (this.argsLeft === 0) return this.take();
      }
      if (this.argsLeft === 0) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] !== 42 /* '*' */) {
          const r = this.inline();
          if (r === undefined) continue; // empty line
          return r;
        }
        const r = this.header(INT_MAX, 'mbulk');
        if (r === null || r instanceof ProtocolError) return r;
        if (r > 10 && this.policy.authRequired()) return new ProtocolError('unauthenticated multibulk length');
        if (r <= 0) continue; // *0 and *-1 are ignored
        this.argsLeft = r;
        this.argv = new Array<string>(r < 1024 ? r : 1024);
        this.argc = 0;
      }
      const maxBulkLen = this.policy.maxBulkLen;
      while (this.argsLeft > 0) {
        const buf = this.buf;
        if (this.pos >= buf.length) return null;
        const save = this.pos;
        const len = this.header(maxBulkLen, 'bulk');
        if (len === null || len instanceof ProtocolError) return len;
        if (len > 16384 && this.policy.authRequired()) return new ProtocolError('unauthenticated bulk length');
        const avail = this.buf.length - this.pos;
        if (avail >= len + 2) {
          const i = this.argc++;
          this.argv[i] = i === 0 ? this.commandName(this.buf, this.pos, len) : latin1(this.buf, this.pos, len);
          this.pos += len + 2;
          this.argsLeft--;
          continue;
        }
        if (len >= BIG_ARG) {
          this.big = Buffer.allocUnsafe(len + 2);
          this.bigLen = len;
          this.bigFill = this.buf.copy(this.big, 0, this.pos);
          this.buf = EMPTY;
          this.pos = 0;
          this.inOwn = false;
          return null;
        }
        this.pos = save; // re-read the small header when the rest arrives
        return null;
      }
      return this.take();
    }
  }

  /**
   * The first argument: the previous command's name string again when the bytes match, as they
   * do in a pipeline. Saves building the string, and the command table's lookup cache then
   * recognises it by identity.
   */
  private commandName(b: Buffer, s: number, len: number): string {
    const last = this.lastName;
    if (last.length === len) {
      let i = 0;
      while (i < len && last.charCodeAt(i) === b[s + i]) i++;
      if (i === len) return last;
    }
    return (this.lastName = latin1(b, s, len));
  }

  private take(): string[] {
    const argv = this.argv;
    this.argv = NO_ARGS;
    return argv;
  }

  /**
   * Reads a `*<count>\r\n` (mbulk) or `$<len>\r\n` (bulk) line at pos, in Redis's order of checks.
   * Returns the number (pos moves past the line), null when the line is incomplete (pos
   * unchanged), or a ProtocolError. Redis finds the line end with strchr(), which stops at a NUL
   * byte: a line holding a NUL counts as incomplete, as it does there.
   */
  private header(max: number, what: 'mbulk' | 'bulk'): number | null | ProtocolError {
    // Fast path for the usual `$<digits>\r\n`: positive, at most 15 digits, complete line. Saves
    // a native indexOf and a second pass; anything else takes the general path below.
    const buf = this.buf;
    const start = this.pos;
    const size = buf.length;
    if (what === 'mbulk' || buf[start] === 36 /* '$' */) {
      let i = start + 1;
      let c = buf[i];
      if (c >= 49 && c <= 57) {
        let n = c - 48;
        const limit = Math.min(size, start + 16);
        for (i++; i < limit && (c = buf[i]) >= 48 && c <= 57; i++) n = n * 10 + c - 48;
        if (c === CR && i + 1 < size) {
          if (what === 'mbulk' ? n > INT_MAX : n > max || n > MAX_ARG) return this.slowHeader(max, what);
          this.pos = i + 2;
          return n;
        }
      }
    }
    return this.slowHeader(max, what);
  }

  private slowHeader(max: number, what: 'mbulk' | 'bulk'): number | null | ProtocolError {
    const buf = this.buf;
    const start = this.pos;
    const cr = buf.indexOf(CR, start);
    // Redis wants one more byte after the CR (it does not check that it is a LF).
    if (cr < 0 || cr + 1 >= buf.length || hasNul(buf, start, cr)) {
      if (buf.length - start > INLINE_MAX) return new ProtocolError(`too big ${what} count string`);
      return null;
    }
    if (what === 'bulk' && buf[start] !== 36 /* '$' */) {
      const got = buf[start] === CR || buf[start] === LF ? ' ' : String.fromCharCode(buf[start]);
      return new ProtocolError(`expected '$', got '${got}'`);
    }
    const n = parseLongLong(buf, start + 1, cr);
    if (what === 'mbulk') {
      if (n === null || n > INT_MAX) return new ProtocolError('invalid multibulk length');
    } else if (n === null || n < 0 || n > max || n > MAX_ARG) {
      return new ProtocolError('invalid bulk length');
    }
    this.pos = cr + 2;
    return n;
  }

  private inline(): string[] | null | ProtocolError | undefined {
    const buf = this.buf;
    const lf = buf.indexOf(LF, this.pos);
    if (lf < 0 || hasNul(buf, this.pos, lf)) {
      if (buf.length - this.pos > INLINE_MAX) return new ProtocolError('too big inline request');
      return null;
    }
    let end = lf;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = buf.latin1Slice(this.pos, end);
    this.pos = lf + 1;
    const args = splitArgs(line);
    if (args === null) return new ProtocolError('unbalanced quotes in request');
    if (args.length === 0) return undefined;
    return args;
  }
}

const fromCharCode = String.fromCharCode;

/**
 * The bytes [start, start+len) as a latin1 string. Short arguments (command names, small keys
 * and numbers) are built in JS: faster than the native latin1Slice call for them.
 */
function latin1(b: Buffer, s: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return fromCharCode(b[s]);
    case 2:
      return fromCharCode(b[s], b[s + 1]);
    case 3:
      return fromCharCode(b[s], b[s + 1], b[s + 2]);
    case 4:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    default:
      return b.latin1Slice(s, s + len);
  }
}

function hasNul(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

/** Redis's string2ll over a byte range (util/numbers.ts). */
export const parseLongLong = string2llBytes;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Splits an inline command line like Redis's sdssplitargs: whitespace separated, "double quotes"
 * with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \' only. Null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n && hexVal(line.charCodeAt(i + 2)) >= 0 && hexVal(line.charCodeAt(i + 3)) >= 0) {
          cur += String.fromCharCode(hexVal(line.charCodeAt(i + 2)) * 16 + hexVal(line.charCodeAt(i + 3)));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (i >= n) break;
        const c = line[i];
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0') done = true;
        else if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}
