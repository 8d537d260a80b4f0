// LuaEngine on lua-redis-wasm 1.5.0 (pinned): PUC Lua 5.1 plus Redis's cjson, cmsgpack, bit and
// struct, compiled to WebAssembly. One VM per process serves every server in it: scripts run
// synchronously and never nest (EVAL/FCALL are `noscript`), so callbacks go to the current run.
//
// Speed: the package's LuaEngine.evalWithArgs hashes every script in pure JS (SHA1, only for error
// metadata we do not use), copies every argument into a fresh Buffer and builds replies with
// Buffer.concat. We use the module's exports (eval_with_args, alloc, free_mem) and its host
// handler slots directly: scripts, KEYS/ARGV and command replies are written straight into the
// WebAssembly heap from latin1 strings, and command arguments are read back as latin1 strings. The
// wire formats are the package's documented ABI (codec.ts): [tag u8][len/count u32le][payload].
import type { Reply } from '../resp/reply';
import { DoubleReply, MapReply, Marker, PushReply, RawReply, SetReply, SimpleString, VerbatimReply } from '../resp/reply';
import { decodeReply } from '../resp/reply-parser';
import { formatDouble } from '../resp/format';
import { ReplyError } from '../errors';
import { FUEL_EXHAUSTED, LuaEngine, LuaHost, LuaValue } from './engine';

const T_NULL = 0x00;
const T_INT = 0x01;
const T_BULK = 0x02;
const T_ARRAY = 0x03;
const T_STATUS = 0x04;
const T_ERROR = 0x05;
const T_SCRIPT_ERROR = 0x06;
const T_BOOL = 0x07;
const T_DOUBLE = 0x08;
const T_MAP = 0x09;
const T_SET = 0x0a;
const T_BIG_NUMBER = 0x0b;
const T_VERBATIM = 0x0c;

/** Engine-originated errors (globals protection) arrive as `__RLUA_E__:<kind>[:<name>]`. */
const ERROR_MARKER = '__RLUA_E__:';

interface Exports {
  HEAPU8: Uint8Array;
  _alloc(n: number): number;
  _free_mem(p: number): void;
  _eval_with_args(ret: number, sp: number, sl: number, ap: number, al: number, nkeys: number): void;
  _set_limits(fuel: number, maxReply: number, maxArg: number): void;
}

interface WasmModule {
  exports: Exports;
  handlers: Record<string, (...a: number[]) => unknown>;
  create(host: object): unknown;
}

const COMPILE_CHECK = "local f, e = loadstring(ARGV[1], ARGV[2]) if f then return nil end return e";
const MEMORY_QUERY = "return collectgarbage('count') * 1024";

/** Growable scratch buffer the reply encoder writes into before one copy into the heap. */
class Scratch {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;
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
}

class WasmLuaEngine implements LuaEngine {
  private host: LuaHost | null = null;
  private fuel = -1;
  private readonly heap: Buffer;
  private readonly out = new Scratch();
  private readonly retPtr: number;

  constructor(private readonly x: Exports) {
    // The module is built without memory growth, so one Buffer view over the heap stays valid.
    const h = x.HEAPU8;
    this.heap = Buffer.from(h.buffer, h.byteOffset, h.byteLength);
    this.retPtr = x._alloc(8);
  }

  /** host_redis_call / host_redis_pcall: [count u32][len u32][bytes]... in, a reply out. */
  hostCall(args: number[], protectedCall: boolean): void {
    const [ret, ptr] = args;
    const heap = this.heap;
    const n = heap.readUInt32LE(ptr);
    const argv = new Array<string>(n);
    let o = ptr + 4;
    for (let i = 0; i < n; i++) {
      const len = heap.readUInt32LE(o);
      o += 4;
      argv[i] = heap.latin1Slice(o, o + len);
      o += len;
    }
    const host = this.host;
    const out = this.out;
    out.pos = 0;
    if (host === null) out.str(T_ERROR, 'ERR redis.call outside a script run');
    else {
      let r: Reply;
      try {
        r = host.call(argv, protectedCall);
      } catch (e) {
        r = new ReplyError(`ERR ${(e as Error).message}`);
      }
      this.encode(r, host.resp);
    }
    const dst = this.x._alloc(out.pos);
    out.buf.copy(heap, dst, 0, out.pos);
    heap.writeUInt32LE(dst, ret);
    heap.writeUInt32LE(out.pos, ret + 4);
  }

  /** A command reply as the script sees it (Redis's RESP -> Lua conversion, per setresp). */
  private encode(r: Reply, resp: 2 | 3): void {
    const out = this.out;
    switch (typeof r) {
      case 'string':
        return out.str(T_BULK, r);
      case 'number':
      case 'bigint':
        return out.int(r);
      case 'boolean':
        if (resp === 2) return out.int(r ? 1 : 0);
        out.head(T_BOOL, 1);
        out.ensure(1);
        out.buf[out.pos++] = r ? 1 : 0;
        return;
    }
    if (r === null || r instanceof Marker) return out.head(T_NULL, 0);
    if (Array.isArray(r)) {
      out.head(T_ARRAY, r.length);
      for (let i = 0; i < r.length; i++) this.encode(r[i], resp);
      return;
    }
    if (r instanceof SimpleString) return out.str(T_STATUS, r.value);
    if (r instanceof ReplyError) return out.str(T_ERROR, r.message);
    if (r instanceof DoubleReply) {
      if (resp === 2) return out.str(T_BULK, formatDouble(r.value));
      out.head(T_DOUBLE, 8);
      out.ensure(8);
      out.buf.writeDoubleLE(r.value, out.pos);
      out.pos += 8;
      return;
    }
    if (r instanceof MapReply) {
      const f = r.flat;
      out.head(resp === 3 ? T_MAP : T_ARRAY, resp === 3 ? f.length >> 1 : f.length);
      for (let i = 0; i < f.length; i++) this.encode(f[i], resp);
      return;
    }
    if (r instanceof SetReply || r instanceof PushReply) {
      out.head(resp === 3 && r instanceof SetReply ? T_SET : T_ARRAY, r.items.length);
      for (const x of r.items) this.encode(x, resp);
      return;
    }
    if (r instanceof VerbatimReply) {
      if (resp === 2) return out.str(T_BULK, r.text);
      out.head(T_VERBATIM, 4 + r.format.length + r.text.length);
      out.ensure(4 + r.format.length + r.text.length);
      out.buf.writeUInt32LE(r.format.length, out.pos);
      out.pos += 4;
      out.pos += out.buf.latin1Write(r.format, out.pos);
      out.pos += out.buf.latin1Write(r.text, out.pos);
      return;
    }
    if (r instanceof RawReply) {
      // Precomputed RESP (e.g. COMMAND): decode it as the RESP2 bytes it is.
      const d = decodeReply(r.bytes, 0);
      return this.encode(d === null ? null : d.value, resp);
    }
    out.head(T_NULL, 0);
  }

  run(source: string, keys: string[], args: string[], fuel: number, host: LuaHost): LuaValue {
    const x = this.x;
    if (fuel !== this.fuel) {
      x._set_limits(fuel, 0, 0);
      this.fuel = fuel;
    }
    const heap = this.heap;
    let argLen = 4;
    for (const k of keys) argLen += 4 + k.length;
    for (const a of args) argLen += 4 + a.length;
    const sp = x._alloc(source.length || 1);
    heap.latin1Write(source, sp);
    const ap = x._alloc(argLen);
    heap.writeUInt32LE(keys.length + args.length, ap);
    let o = ap + 4;
    for (const list of [keys, args]) {
      for (const s of list) {
        heap.writeUInt32LE(s.length, o);
        o += 4;
        o += heap.latin1Write(s, o);
      }
    }
    const outer = this.host;
    this.host = host;
    try {
      x._eval_with_args(this.retPtr, sp, source.length, ap, argLen, keys.length);
    } finally {
      this.host = outer;
      x._free_mem(sp);
      x._free_mem(ap);
    }
    const rp = heap.readUInt32LE(this.retPtr);
    const rl = heap.readUInt32LE(this.retPtr + 4);
    if (rp === 0 || rl === 0) return null;
    try {
      return decodeResult(heap, rp);
    } finally {
      x._free_mem(rp);
    }
  }

  compileError(source: string, chunkName: string): string | null {
    const r = this.run(COMPILE_CHECK, [], [source, chunkName], 0, NO_HOST);
    return typeof r === 'string' ? r : null;
  }

  memoryUsed(): number {
    const r = this.run(MEMORY_QUERY, [], [], 0, NO_HOST);
    return typeof r === 'number' ? r : 0;
  }
}

/** Decodes the value a script returned (nested values only appear as arrays here). */
function decodeResult(heap: Buffer, at: number): LuaValue {
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
    throw new Error(`lua-redis-wasm: unknown reply tag ${tag}`);
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

const NO_HOST: LuaHost = {
  resp: 2,
  call: () => new ReplyError('ERR no redis.call here'),
  log: () => undefined,
  setResp: () => undefined,
};

let engine: WasmLuaEngine | null = null;
let loading: Promise<LuaEngine> | null = null;

/** Loads the VM once per process (WebAssembly compilation is asynchronous). */
export function loadLuaEngine(): Promise<LuaEngine> {
  if (loading !== null) return loading;
  loading = (async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const lib = require('lua-redis-wasm') as { load(o: object): Promise<WasmModule> };
    const mod = await lib.load({
      profile: 'redis-7.0',
      redisProps: {
        REDIS_VERSION: { value: '7.0.15' },
        REDIS_VERSION_NUM: { value: 0x07000f },
        REPL_NONE: { value: 0 },
        REPL_AOF: { value: 1 },
        REPL_SLAVE: { value: 2 },
        REPL_REPLICA: { value: 2 },
        REPL_ALL: { value: 3 },
        replicate_commands: { returns: true },
        breakpoint: { returns: false },
        debug: { returns: null },
      },
    });
    const box: { e: WasmLuaEngine | null } = { e: null };
    const cur = (): LuaHost | null => (box.e as unknown as { host: LuaHost | null } | null)?.host ?? null;
    // create() initialises Lua and wires log/setresp; call/pcall are replaced just below.
    mod.create({
      redisCall: () => null,
      redisPcall: () => null,
      log: (l: number, m: Buffer) => cur()?.log(l, m.latin1Slice(0, m.length)),
      onSetResp: (v: 2 | 3) => cur()?.setResp(v),
    });
    const e = (engine = box.e = new WasmLuaEngine(mod.exports));
    // sret ABI (checked at load): (retPtr, argsPtr, argsLen).
    mod.handlers.call = (...a: number[]) => e.hostCall(a, false);
    mod.handlers.pcall = (...a: number[]) => e.hostCall(a, true);
    return e;
  })();
  return loading;
}

/** The loaded VM, or null while loadLuaEngine() has not finished. */
export function luaEngine(): LuaEngine | null {
  return engine;
}

export { FUEL_EXHAUSTED };
