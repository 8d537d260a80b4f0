// What both Lua VMs (in-thread, native-vm.ts; worker, lua-vm.ts + lua-worker.ts) share: the wire
// format of the engine (native/lua/respite_lua.c), [tag u8][len/count u32le][payload], for command
// replies going into Lua and for the values scripts return, and the argument blocks.
import type { Reply } from '../../resp/reply';
import { DoubleReply, MapReply, Marker, PushReply, RawReply, SetReply, SimpleString, VerbatimReply } from '../../resp/reply';
import { decodeReply } from '../../resp/reply-parser';
import { formatDouble } from '../../resp/format';
import { ReplyError } from '../../errors';
import type { LuaHost, LuaValue } from '../engine';

export const T_NULL = 0x00;
const T_INT = 0x01;
const T_BULK = 0x02;
const T_ARRAY = 0x03;
const T_STATUS = 0x04;
export const T_ERROR = 0x05;
const T_SCRIPT_ERROR = 0x06;
const T_BOOL = 0x07;
const T_DOUBLE = 0x08;
const T_MAP = 0x09;
const T_SET = 0x0a;
const T_BIG_NUMBER = 0x0b;
const T_VERBATIM = 0x0c;
/** An error from the script checks: the command never ran (the debugger logs it another way). */
const T_REJECTED = 0x0d;

/** A redis.call refused by the script checks before the command ran (Redis's scriptCall errors). */
export class RejectedCall extends ReplyError {}

/** Engine-originated errors (globals protection) arrive as `__RLUA_E__:<kind>[:<name>]`. */
const ERROR_MARKER = '__RLUA_E__:';

export const COMPILE_CHECK = "local f, e = loadstring(ARGV[1], ARGV[2]) if f then return nil end return e";
export const MEMORY_QUERY = "return collectgarbage('count') * 1024";

/** Bytes of an argument block: [count u32]([len u32][bytes])* for KEYS then ARGV. */
export function argsBlockLength(keys: string[], args: string[]): number {
  let n = 4;
  for (let i = 0; i < keys.length; i++) n += 4 + keys[i].length;
  for (let i = 0; i < args.length; i++) n += 4 + args[i].length;
  return n;
}

/** Writes an argument block at `at`; returns where it ends. */
export function writeArgsBlock(b: Buffer, at: number, keys: string[], args: string[]): number {
  b.writeUInt32LE(keys.length + args.length, at);
  let o = at + 4;
  for (let i = 0; i < keys.length; i++) {
    b.writeUInt32LE(keys[i].length, o);
    o += 4 + b.latin1Write(keys[i], o + 4);
  }
  for (let i = 0; i < args.length; i++) {
    b.writeUInt32LE(args[i].length, o);
    o += 4 + b.latin1Write(args[i], o + 4);
  }
  return o;
}

/** Reads the argument block of a redis.call request (latin1 strings, one char per byte). */
export function readArgsBlock(b: Buffer, at: number): string[] {
  const n = b.readUInt32LE(at);
  const argv = new Array<string>(n);
  let o = at + 4;
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32LE(o);
    o += 4;
    argv[i] = b.latin1Slice(o, o + len);
    o += len;
  }
  return argv;
}

/** Encodes command replies as scripts see them into an area, until one outgrows it. */
export class ReplyEncoder {
  buf: Buffer;
  pos = 0;
  /** Where replies are written until one outgrows it (the owner may point it elsewhere). */
  constructor(public area: Buffer) {
    this.buf = area;
  }
  reset(): void {
    this.buf = this.area;
    this.pos = 0;
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  head(tag: number, n: number): void {
    this.ensure(5);
    const b = this.buf;
    b[this.pos] = tag;
    b.writeUInt32LE(n, this.pos + 1);
    this.pos += 5;
  }
  str(tag: number, s: string): void {
    this.head(tag, s.length);
    this.ensure(s.length);
    this.pos += this.buf.latin1Write(s, this.pos);
  }
  int(n: number | bigint): void {
    this.head(T_INT, 8);
    this.ensure(8);
    if (typeof n === 'bigint') this.buf.writeBigInt64LE(n, this.pos);
    else {
      const hi = Math.floor(n / 4294967296);
      this.buf.writeUInt32LE(n - hi * 4294967296, this.pos);
      this.buf.writeInt32LE(hi, this.pos + 4);
    }
    this.pos += 8;
  }

  /** A command reply as the script sees it (Redis's RESP -> Lua conversion, per setresp). */
  reply(r: Reply, resp: 2 | 3): void {
    switch (typeof r) {
      case 'string':
        return this.str(T_BULK, r);
      case 'number':
      case 'bigint':
        return this.int(r);
      case 'boolean':
        if (resp === 2) return this.int(r ? 1 : 0);
        this.head(T_BOOL, 1);
        this.ensure(1);
        this.buf[this.pos++] = r ? 1 : 0;
        return;
    }
    if (r === null || r instanceof Marker) return this.head(T_NULL, 0);
    if (Array.isArray(r)) {
      this.head(T_ARRAY, r.length);
      for (let i = 0; i < r.length; i++) this.reply(r[i], resp);
      return;
    }
    if (r instanceof SimpleString) return this.str(T_STATUS, r.value);
    if (r instanceof ReplyError) return this.str(r instanceof RejectedCall ? T_REJECTED : T_ERROR, r.message);
    if (r instanceof DoubleReply) {
      if (resp === 2) return this.str(T_BULK, formatDouble(r.value));
      this.head(T_DOUBLE, 8);
      this.ensure(8);
      this.buf.writeDoubleLE(r.value, this.pos);
      this.pos += 8;
      return;
    }
    if (r instanceof MapReply) {
      const f = r.flat;
      this.head(resp === 3 ? T_MAP : T_ARRAY, resp === 3 ? f.length >> 1 : f.length);
      for (let i = 0; i < f.length; i++) this.reply(f[i], resp);
      return;
    }
    if (r instanceof SetReply || r instanceof PushReply) {
      this.head(resp === 3 && r instanceof SetReply ? T_SET : T_ARRAY, r.items.length);
      for (const x of r.items) this.reply(x, resp);
      return;
    }
    if (r instanceof VerbatimReply) {
      if (resp === 2) return this.str(T_BULK, r.text);
      this.head(T_VERBATIM, 4 + r.format.length + r.text.length);
      this.ensure(4 + r.format.length + r.text.length);
      this.buf.writeUInt32LE(r.format.length, this.pos);
      this.pos += 4;
      this.pos += this.buf.latin1Write(r.format, this.pos);
      this.pos += this.buf.latin1Write(r.text, this.pos);
      return;
    }
    if (r instanceof RawReply) {
      // A RESP3 big number (DEBUG PROTOCOL bignum): {big_number = text} after setresp(3).
      if (r.bytes[0] === 0x28) {
        const text = r.bytes.latin1Slice(1, r.bytes.indexOf(13));
        return this.str(resp === 3 ? T_BIG_NUMBER : T_BULK, text);
      }
      // Precomputed RESP (e.g. COMMAND): decode it as the RESP2 bytes it is.
      const d = decodeReply(r.bytes, 0);
      return this.reply(d === null ? null : d.value, resp);
    }
    this.head(T_NULL, 0);
  }
}

export const NO_HOST: LuaHost = {
  resp: 2,
  call: () => new ReplyError('ERR no redis.call here'),
  log: () => undefined,
  setResp: () => undefined,
};

/** Decodes the value a script returned (nested values only appear as arrays here). */
export function decodeResult(heap: Buffer, at: number): LuaValue {
  let pos = at;
  const one = (): LuaValue => {
    const tag = heap[pos];
    const n = heap.readUInt32LE(pos + 1);
    pos += 5;
    switch (tag) {
      case T_NULL:
        return null;
      case T_INT: {
        const v = heap.readBigInt64LE(pos);
        pos += 8;
        return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      }
      case T_BOOL:
        return heap[pos++] !== 0;
      case T_BULK:
        pos += n;
        return heap.latin1Slice(pos - n, pos);
      case T_BIG_NUMBER:
        pos += n;
        return { big_number: heap.latin1Slice(pos - n, pos) };
      case T_STATUS:
        pos += n;
        return { ok: heap.latin1Slice(pos - n, pos) };
      case T_ERROR:
        pos += n;
        return { err: heap.latin1Slice(pos - n, pos) };
      case T_SCRIPT_ERROR: {
        const line = heap.readUInt32LE(pos) || 0;
        const text = heap.latin1Slice(pos + 4, pos + n);
        pos += n;
        return scriptError(text, line);
      }
      case T_DOUBLE: {
        const d = heap.readDoubleLE(pos);
        pos += 8;
        return { double: d };
      }
      case T_VERBATIM: {
        const end = pos + n;
        const fl = heap.readUInt32LE(pos);
        const format = heap.latin1Slice(pos + 4, pos + 4 + fl);
        const verbatim = heap.latin1Slice(pos + 4 + fl, end);
        pos = end;
        return { verbatim, format };
      }
      case T_ARRAY:
      case T_SET:
      case T_MAP: {
        const a: LuaValue[] = [];
        for (let i = 0; i < (tag === T_MAP ? 2 * n : n); i++) a.push(one());
        return tag === T_ARRAY ? a : tag === T_SET ? { set: a } : { map: a };
      }
    }
    throw new Error(`Lua engine: unknown reply tag ${tag}`);
  };
  return one();
}

/** An error that aborted the script: its text, and the line (parsed from the text when absent). */
function scriptError(text: string, line: number): LuaValue {
  if (line === 0) {
    const m = /^user_(?:script|function):(\d+):/.exec(text);
    line = m !== null ? Number(m[1]) : 1;
  }
  const i = text.indexOf(ERROR_MARKER);
  if (i >= 0) {
    const rest = text.slice(i + ERROR_MARKER.length);
    const sep = rest.indexOf(':');
    return sep < 0 ? { err: rest, meta: { line, kind: rest } } : { err: rest, meta: { line, kind: rest.slice(0, sep), name: rest.slice(sep + 1) } };
  }
  return { err: text, meta: { line } };
}
