// The server thread's side of a Lua VM that lives in a worker thread (lua-worker.ts). A script
// run is synchronous for the server until busy-reply-threshold: the thread waits on the channel,
// answering the script's redis.call requests as they come. If the script is still running then,
// start() hands back a pending run that the caller continues asynchronously, so the event loop can
// answer other clients with -BUSY and take SCRIPT KILL, which terminates the worker.
//
// Conversions happen here, not in the worker: command replies are encoded into the package's wire
// format straight into shared memory, and a script's result is decoded from it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Reply } from '../../resp/reply';
import { DoubleReply, MapReply, Marker, PushReply, RawReply, SetReply, SimpleString, VerbatimReply } from '../../resp/reply';
import { decodeReply } from '../../resp/reply-parser';
import { formatDouble } from '../../resp/format';
import { ReplyError } from '../../errors';
import type { LuaHost, LuaValue } from '../engine';
import { Channel, DATA_BYTES, Message, Op, SPIN_BUSY_US } from './channel';

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

const COMPILE_CHECK = "local f, e = loadstring(ARGV[1], ARGV[2]) if f then return nil end return e";
const MEMORY_QUERY = "return collectgarbage('count') * 1024";
/** How long the server waits for a new worker to load the VM before giving up. */
const START_TIMEOUT_MS = 60_000;
/** Limit for the VM's own chunks (compile checks, memory queries); a live VM needs milliseconds. */
const INTERNAL_TIMEOUT_MS = 30_000;
const CRASHED: LuaValue = { err: 'ERR the Lua VM stopped unexpectedly' };

/** A run still going after its synchronous budget; continue() finishes it asynchronously. */
export interface PendingRun {
  continue(onDone: (v: LuaValue) => void): void;
}

/** The result of start(): the script's value, or a pending run. */
export type StartResult = { done: true; value: LuaValue } | { done: false; pending: PendingRun };

/** Encoder for command replies, writing into the shared area until a reply outgrows it. */
class ReplyEncoder {
  buf: Buffer;
  pos = 0;
  constructor(readonly area: Buffer) {
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
    if (r instanceof ReplyError) return this.str(T_ERROR, r.message);
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
      // Precomputed RESP (e.g. COMMAND): decode it as the RESP2 bytes it is.
      const d = decodeReply(r.bytes, 0);
      return this.reply(d === null ? null : d.value, resp);
    }
    this.head(T_NULL, 0);
  }
}

const NO_HOST: LuaHost = {
  resp: 2,
  call: () => new ReplyError('ERR no redis.call here'),
  log: () => undefined,
  setResp: () => undefined,
};

export class LuaVm {
  private readonly worker: Worker;
  private readonly ch: Channel;
  private readonly out: ReplyEncoder;
  private host: LuaHost = NO_HOST;
  private running = false;
  /** Ends a pending run when the worker dies under it. */
  private onCrash: (() => void) | null = null;
  /** Set once the worker is terminated (SCRIPT KILL, server close): the VM is unusable. */
  dead = false;

  constructor() {
    if (!workingDirectoryExists()) throw new Error('the Lua VM failed to start: the working directory no longer exists');
    const sab = Channel.create();
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(path.join(__dirname, 'lua-worker.js'), { workerData: { sab, port: port2 }, transferList: [port2] });
    this.worker.unref();
    // A worker that dies must not take the server with it; a script it was running gets an error.
    this.worker.on('error', () => this.crashed());
    this.worker.on('exit', () => this.crashed());
    port1.unref();
    this.ch = new Channel(sab, port1, 'main');
    this.out = new ReplyEncoder(this.ch.area);
    // The worker loads the VM on its own thread; this thread just waits for it.
    const m = this.ch.receive(0, START_TIMEOUT_MS);
    if (m === null || m.op !== Op.Ready || m.aux !== 0) {
      const why = m === null ? 'timed out' : m.data.latin1Slice(0, m.data.length);
      this.terminate();
      throw new Error(`the Lua VM failed to start: ${why}`);
    }
  }

  /** True while a script runs (synchronously or as a pending run). */
  get busy(): boolean {
    return this.running;
  }

  /**
   * Runs a chunk with KEYS/ARGV. Waits up to `budgetMs` for it to finish (Infinity: no limit);
   * past that, returns a pending run.
   */
  start(source: string, keys: string[], args: string[], host: LuaHost, budgetMs: number): StartResult {
    if (this.running || this.dead) throw new Error('the Lua VM is busy or gone');
    this.post(source, keys, args);
    this.host = host;
    this.running = true;
    const deadline = performance.now() + budgetMs;
    for (;;) {
      const left = deadline - performance.now();
      const m = this.ch.receive(SPIN_BUSY_US, left > 0 ? left : 0);
      if (m === null) return { done: false, pending: { continue: (onDone) => void this.finishAsync(onDone) } };
      const v = this.handle(m);
      if (v !== undefined) return { done: true, value: v };
    }
  }

  /** Runs a short internal chunk (compile check, memory query) to completion. */
  private runToEnd(source: string, args: string[]): LuaValue {
    const r = this.start(source, [], args, NO_HOST, INTERNAL_TIMEOUT_MS);
    if (r.done) return r.value;
    this.terminate();
    throw new Error('the Lua VM stopped answering');
  }

  compileError(source: string, chunkName: string): string | null {
    const r = this.runToEnd(COMPILE_CHECK, [source, chunkName]);
    return typeof r === 'string' ? r : null;
  }

  /** Bytes the Lua heap uses (collectgarbage('count')). */
  memoryUsed(): number {
    const r = this.runToEnd(MEMORY_QUERY, []);
    return typeof r === 'number' ? r : 0;
  }

  /** Stops the worker at once (a looping script included); the VM cannot be used again. */
  terminate(): void {
    if (this.dead) return;
    this.dead = true;
    this.running = false;
    this.host = NO_HOST;
    void this.worker.terminate();
  }

  private async finishAsync(onDone: (v: LuaValue) => void): Promise<void> {
    // Atomics.waitAsync does not keep the event loop alive; the worker's handle does meanwhile.
    this.worker.ref();
    const crash = new Promise<void>((resolve) => (this.onCrash = resolve));
    try {
      for (;;) {
        await Promise.race([this.ch.whenPending(), crash]);
        if (this.dead) {
          // Killed (the caller was answered already) or crashed (answer it now).
          if (this.crashedWhileRunning) onDone(CRASHED);
          return;
        }
        const v = this.handle(this.ch.take());
        if (v !== undefined) return onDone(v);
      }
    } finally {
      this.onCrash = null;
      this.worker.unref();
    }
  }

  private crashedWhileRunning = false;

  /** The worker exited or threw outside our control. */
  private crashed(): void {
    if (this.dead) return;
    this.crashedWhileRunning = this.running;
    this.dead = true;
    this.running = false;
    this.host = NO_HOST;
    this.onCrash?.();
  }

  /** Run payload: [source length u32][source][count u32]([len u32][bytes])*, nkeys as aux. */
  private post(source: string, keys: string[], args: string[]): void {
    let len = 8 + source.length;
    for (const k of keys) len += 4 + k.length;
    for (const a of args) len += 4 + a.length;
    const big = len > DATA_BYTES;
    const b = big ? Buffer.allocUnsafe(len) : this.ch.area;
    b.writeUInt32LE(source.length, 0);
    let o = 4 + b.latin1Write(source, 4);
    b.writeUInt32LE(keys.length + args.length, o);
    o += 4;
    for (const list of [keys, args]) {
      for (const s of list) {
        b.writeUInt32LE(s.length, o);
        o += 4;
        o += b.latin1Write(s, o);
      }
    }
    this.ch.send(Op.Run, keys.length, len, big ? b : null);
  }

  /** Serves one request from the worker; returns the script's value when it is done. */
  private handle(m: Message): LuaValue | undefined {
    const host = this.host;
    switch (m.op) {
      case Op.Call: {
        const d = m.data;
        const n = d.readUInt32LE(0);
        const argv = new Array<string>(n);
        let o = 4;
        for (let i = 0; i < n; i++) {
          const len = d.readUInt32LE(o);
          o += 4;
          argv[i] = d.latin1Slice(o, o + len);
          o += len;
        }
        let r: Reply;
        try {
          r = host.call(argv, m.aux === 1);
        } catch (e) {
          r = new ReplyError(`ERR ${(e as Error).message}`);
        }
        const out = this.out;
        out.reset();
        out.reply(r, host.resp);
        if (out.buf === out.area) this.ch.send(Op.Reply, 0, out.pos);
        else this.ch.send(Op.Reply, 0, 0, out.buf.subarray(0, out.pos));
        out.reset();
        return undefined;
      }
      case Op.Log:
        host.log(m.aux, m.data.latin1Slice(0, m.data.length));
        this.ch.send(Op.Reply, 0, 0);
        return undefined;
      case Op.SetResp:
        host.setResp(m.aux === 3 ? 3 : 2);
        this.ch.send(Op.Reply, 0, 0);
        return undefined;
      case Op.Done: {
        this.running = false;
        this.host = NO_HOST;
        const v = m.data.length === 0 ? null : decodeResult(m.data, 0);
        if (m.aux === 1) this.terminate(); // the VM broke (see lua-worker.ts); the next script gets a new one
        return v;
      }
    }
    throw new Error(`Lua worker: unexpected message ${m.op}`);
  }
}

/**
 * A worker thread reads the working directory as it boots and dies if it was deleted (tests often
 * remove the `dir` a server ran in), so check before starting one.
 */
export function workingDirectoryExists(): boolean {
  try {
    return fs.existsSync(process.cwd());
  } catch {
    return false;
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
