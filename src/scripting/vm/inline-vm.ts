// The in-thread Lua VM: lua-redis-wasm on the server thread, shared by every server in the process
// (scripts never nest: EVAL and FCALL are `noscript`). Every script runs here first, with an
// instruction budget: crossing to a worker thread costs more than most scripts take, and nearly
// every script finishes well within it. A script that runs out of budget before it wrote anything
// is run again from the start on the server's worker VM (lua-vm.ts), which can go on past
// busy-reply-threshold while the server answers -BUSY (see runner.ts).
//
// Speed: command arguments are read from the WebAssembly heap as latin1 strings and replies are
// encoded into one scratch buffer, then copied into the heap once.
import type { LuaHost, LuaValue } from '../engine';
import { ReplyError } from '../../errors';
import { LuaWasm, nativeEngineSelected } from './lua-wasm';
import { NativeVm } from './native-vm';
import { COMPILE_CHECK, Exports, MEMORY_QUERY, NO_HOST, ReplyEncoder, argsBlockLength, decodeResult, heapOf, loadWasmLua, readArgsBlock, writeArgsBlock } from './wire';

/** The error text lua-redis-wasm gives when the instruction budget runs out. */
export const FUEL_EXHAUSTED = 'Script killed by fuel limit';
/** No instruction budget (0 would mean the package's default). */
const NO_LIMIT = -1;

export class InlineVm {
  private host: LuaHost | null = null;
  private fuel = 0;
  /** True while a chunk runs (INFO called from a script must not re-enter the VM). */
  running = false;
  private readonly heap: Buffer;
  private readonly out = new ReplyEncoder(Buffer.allocUnsafe(64 * 1024));
  private readonly retPtr: number;
  /** The last chunk's text, kept in the heap: EVALSHA and FCALL run the same text over and over. */
  private srcText = '';
  private srcPtr = 0;

  constructor(private readonly x: Exports) {
    this.heap = heapOf(x);
    this.retPtr = x._alloc(8);
  }

  /** host_redis_call / host_redis_pcall: (retPtr, argsPtr, argsLen), [count u32]([len u32][bytes])*. */
  hostCall(args: number[], protectedCall: boolean): void {
    const [ret, ptr] = args;
    const heap = this.heap;
    const argv = readArgsBlock(heap, ptr);
    const host = this.host ?? NO_HOST;
    const out = this.out;
    out.pos = 0;
    let r;
    try {
      r = host.call(argv, protectedCall);
    } catch (e) {
      r = new ReplyError(`ERR ${(e as Error).message}`);
    }
    out.nullMarkers = host.nullMarkers === true;
    out.reply(r, host.resp);
    const dst = this.x._alloc(out.pos);
    out.buf.copy(heap, dst, 0, out.pos);
    heap.writeUInt32LE(dst, ret);
    heap.writeUInt32LE(out.pos, ret + 4);
    // Keep the scratch buffer from staying huge after one big reply.
    if (out.buf.length > 1 << 20) out.buf = Buffer.allocUnsafe(64 * 1024);
  }

  /**
   * Compiles and runs a chunk with KEYS/ARGV set, to completion. A script that executes more than
   * `fuel` VM instructions (NO_LIMIT: no budget) is aborted with an error value naming FUEL_EXHAUSTED.
   */
  run(source: string, keys: string[], args: string[], fuel: number, host: LuaHost): LuaValue {
    const x = this.x;
    if (fuel !== this.fuel) {
      x._set_limits(fuel, 0, 0);
      this.fuel = fuel;
    }
    const heap = this.heap;
    const argLen = argsBlockLength(keys, args);
    if (source !== this.srcText) {
      if (this.srcPtr !== 0) x._free_mem(this.srcPtr);
      this.srcPtr = x._alloc(source.length || 1);
      heap.latin1Write(source, this.srcPtr);
      this.srcText = source;
    }
    const sp = this.srcPtr;
    const ap = x._alloc(argLen);
    writeArgsBlock(heap, ap, keys, args);
    const outer = this.host;
    this.host = host;
    this.running = true;
    try {
      x._eval_with_args(this.retPtr, sp, source.length, ap, argLen, keys.length);
    } finally {
      this.running = false;
      this.host = outer;
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
    const r = this.run(COMPILE_CHECK, [], [source, chunkName], NO_LIMIT, NO_HOST);
    return typeof r === 'string' ? r : null;
  }

  /** Bytes the Lua heap uses (collectgarbage('count')); never call while a script runs. */
  memoryUsed(): number {
    const r = this.run(MEMORY_QUERY, [], [], NO_LIMIT, NO_HOST);
    return typeof r === 'number' ? r : 0;
  }
}

/** True when a run's value is the error of an exhausted instruction budget. */
export function fuelExhausted(v: LuaValue): boolean {
  if (v === null || typeof v !== 'object' || !('err' in v) || v.meta === undefined) return false;
  return v.err === FUEL_EXHAUSTED || v.err.endsWith(`: ${FUEL_EXHAUSTED}`);
}

/** What the runner needs of the in-thread VM (lua-redis-wasm's, or our own engine's: native-vm.ts). */
export interface ScriptVm {
  running: boolean;
  run(source: string, keys: string[], args: string[], fuel: number, host: LuaHost): LuaValue;
  compileError(source: string, chunkName: string): string | null;
  memoryUsed(): number;
  /** Drops compiled chunks kept for reuse (SCRIPT FLUSH), where the engine keeps any. */
  releaseCompiled?(): void;
}


let inline: ScriptVm | null = null;
let loading: Promise<ScriptVm> | null = null;
let loadFailed = false;
let loadError = '';

/** Loads the in-thread VM once per process (WebAssembly compiles asynchronously). */
export function loadInlineVm(): Promise<ScriptVm> {
  loading ??= (async () => {
    if (nativeEngineSelected()) return (inline = new NativeVm(await LuaWasm.load()));
    const mod = await loadWasmLua();
    const box: { vm: InlineVm | null } = { vm: null };
    const cur = (): LuaHost | null => (box.vm as unknown as { host: LuaHost | null } | null)?.host ?? null;
    // create() initialises Lua and wires log/setresp; call/pcall are replaced just below.
    mod.create({
      redisCall: () => null,
      redisPcall: () => null,
      log: (l: number, m: Buffer) => cur()?.log(l, m.latin1Slice(0, m.length)),
      onSetResp: (v: 2 | 3) => cur()?.setResp(v),
    });
    const vm = (inline = box.vm = new InlineVm(mod.exports));
    mod.handlers.call = (...a: number[]) => vm.hostCall(a, false);
    mod.handlers.pcall = (...a: number[]) => vm.hostCall(a, true);
    return vm;
  })();
  loading.catch((e: unknown) => {
    loadFailed = true;
    loadError = e instanceof Error ? e.message : String(e);
  });
  return loading;
}

/** True once loadInlineVm() has failed: nothing will come of waiting for the VM. */
export function inlineVmFailed(): boolean {
  return loadFailed;
}

/** Why loadInlineVm() failed ('' unless it did). */
export function inlineVmError(): string {
  return loadError;
}

/** The in-thread VM, or null while loadInlineVm() has not finished. */
export function inlineVm(): ScriptVm | null {
  return inline;
}
