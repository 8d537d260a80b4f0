// Encodes reply values as RESP2 or RESP3 into a slab buffer. Replies for one read event are
// gathered and handed to the socket as one Buffer (take()). Bytes handed out are never written
// over while someone may hold them: new replies go after them, and a full slab is replaced. Once
// the socket says it wrote them out synchronously (release()), the slab is written from its start
// again, so one slab's pages serve every reply instead of a fresh allocation's (page faults).
import { ReplyError, oneLine } from '../errors';
import {
  DoubleReply,
  MapReply,
  NO_REPLY,
  NULL_ARRAY,
  PushReply,
  RawReply,
  Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
} from './reply';
import { formatDouble } from './format';

const SLAB = 64 * 1024;

export class RespWriter {
  private buf: Buffer = Buffer.allocUnsafe(SLAB);
  private start = 0;
  private pos = 0;
  /** The last take() handed out bytes of the current slab (release() may rewind it). */
  private taken = false;
  protocol: 2 | 3 = 2;

  get pending(): number {
    return this.pos - this.start;
  }

  /** The bytes written since the last take(), or null. */
  take(): Buffer | null {
    if (this.pos === this.start) return null;
    const out = this.buf.subarray(this.start, this.pos);
    if (this.buf.length > SLAB) {
      // Grown for a large reply: not kept past it.
      this.buf = Buffer.allocUnsafe(SLAB);
      this.pos = 0;
      this.taken = false;
    } else {
      this.taken = true;
    }
    this.start = this.pos;
    return out;
  }

  /** Nothing holds the bytes of the last take() any more: the slab is written from its start. */
  release(): void {
    if (this.taken && this.pos === this.start) this.start = this.pos = 0;
    this.taken = false;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.start;
    const size = Math.max(SLAB, used + n + (used >> 1));
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  private ascii(s: string): void {
    // Short strings are faster with a loop than with a call into C++.
    const n = s.length;
    if (n < 48) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += this.buf.latin1Write(s, this.pos);
    }
  }

  private crlf(): void {
    this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
  }

  private int(n: number): void {
    if (n >= 0 && n < 10) {
      this.buf[this.pos++] = 48 + n;
    } else if (n >= 10 && n < 1e15 && Math.floor(n) === n) {
      // Lengths and counts: digits written in place, no String(n) per bulk reply.
      const buf = this.buf;
      let end = this.pos + 2;
      for (let p = 100; p <= n; p *= 10) end++;
      this.pos = end;
      do {
        const q = Math.floor(n / 10);
        buf[--end] = 48 + (n - q * 10);
        n = q;
      } while (n > 0);
    } else {
      this.ascii(String(n));
    }
  }

  /** `<prefix><n>\r\n` */
  private line(prefix: number, n: number): void {
    this.ensure(24);
    this.buf[this.pos++] = prefix;
    this.int(n);
    this.crlf();
  }

  bulk(s: string): void {
    const n = s.length;
    this.ensure(n + 24);
    this.buf[this.pos++] = 36; // '$'
    this.int(n);
    this.crlf();
    this.ascii(s);
    this.crlf();
  }

  simple(s: string): void {
    this.ensure(s.length + 3);
    this.buf[this.pos++] = 43; // '+'
    this.ascii(s);
    this.crlf();
  }

  error(e: ReplyError): void {
    // An error reply is one line; a message quoting client data (a group name) could hold CR/LF.
    const s = oneLine(e.message);
    this.ensure(s.length + 3);
    this.buf[this.pos++] = 45; // '-'
    this.ascii(s);
    this.crlf();
  }

  integer(n: number | bigint): void {
    this.ensure(24);
    this.buf[this.pos++] = 58; // ':'
    if (typeof n === 'number') this.int(n);
    else this.ascii(n.toString());
    this.crlf();
  }

  nullBulk(): void {
    this.ensure(5);
    if (this.protocol === 3) {
      this.buf[this.pos++] = 95; // '_'
    } else {
      this.buf[this.pos++] = 36;
      this.buf[this.pos++] = 45;
      this.buf[this.pos++] = 49;
    }
    this.crlf();
  }

  nullArray(): void {
    if (this.protocol === 3) return this.nullBulk();
    this.ensure(5);
    this.buf[this.pos++] = 42;
    this.buf[this.pos++] = 45;
    this.buf[this.pos++] = 49;
    this.crlf();
  }

  arrayHeader(n: number): void {
    this.line(42, n);
  }

  mapHeader(pairs: number): void {
    if (this.protocol === 3) this.line(37, pairs);
    else this.line(42, pairs * 2);
  }

  setHeader(n: number): void {
    this.line(this.protocol === 3 ? 126 : 42, n);
  }

  pushHeader(n: number): void {
    this.line(this.protocol === 3 ? 62 : 42, n);
  }

  double(d: number, text?: string): void {
    if (text !== undefined) {
      if (this.protocol !== 3) return this.bulk(text);
      this.ensure(text.length + 3);
      this.buf[this.pos++] = 44; // ','
      this.ascii(text);
      return this.crlf();
    }
    if (this.protocol === 3) {
      const s = d === Infinity ? 'inf' : d === -Infinity ? '-inf' : Number.isNaN(d) ? 'nan' : formatDouble(d);
      this.ensure(s.length + 3);
      this.buf[this.pos++] = 44; // ','
      this.ascii(s);
      this.crlf();
    } else {
      this.bulk(formatDouble(d));
    }
  }

  boolean(b: boolean): void {
    if (this.protocol === 3) {
      this.ensure(4);
      this.buf[this.pos++] = 35; // '#'
      this.buf[this.pos++] = b ? 116 : 102;
      this.crlf();
    } else {
      this.integer(b ? 1 : 0);
    }
  }

  verbatim(format: string, text: string): void {
    if (this.protocol === 3) {
      const n = text.length + 4;
      this.ensure(n + 24);
      this.buf[this.pos++] = 61; // '='
      this.int(n);
      this.crlf();
      this.ascii(format);
      this.buf[this.pos++] = 58;
      this.ascii(text);
      this.crlf();
    } else {
      this.bulk(text);
    }
  }

  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.pos += bytes.copy(this.buf, this.pos);
  }

  write(r: Reply): void {
    switch (typeof r) {
      case 'string':
        return this.bulk(r);
      case 'number':
        return this.integer(r);
      case 'bigint':
        return this.integer(r);
      case 'boolean':
        return this.boolean(r);
      case 'object':
        if (r === null) return this.nullBulk();
        if (r === NULL_ARRAY) return this.nullArray();
        if (r === NO_REPLY) return;
        if (Array.isArray(r)) {
          this.arrayHeader(r.length);
          for (let i = 0; i < r.length; i++) {
            // Most arrays are of bulk strings (ranges, MGET): no second dispatch for those.
            const x = r[i];
            if (typeof x === 'string') this.bulk(x);
            else this.write(x);
          }
          return;
        }
        if (r instanceof SimpleString) return this.simple(r.value);
        if (r instanceof ReplyError) return this.error(r);
        if (r instanceof DoubleReply) return this.double(r.value, r.text);
        if (r instanceof MapReply) {
          this.mapHeader(r.flat.length >> 1);
          for (let i = 0; i < r.flat.length; i++) this.write(r.flat[i]);
          return;
        }
        if (r instanceof SetReply) {
          this.setHeader(r.items.length);
          for (let i = 0; i < r.items.length; i++) this.write(r.items[i]);
          return;
        }
        if (r instanceof PushReply) {
          this.pushHeader(r.items.length);
          for (let i = 0; i < r.items.length; i++) this.write(r.items[i]);
          return;
        }
        if (r instanceof VerbatimReply) return this.verbatim(r.format, r.text);
        if (r instanceof RawReply) return this.raw(r.bytes);
    }
    throw new Error(`cannot encode reply ${String(r)}`);
  }
}
