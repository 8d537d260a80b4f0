// The in-thread VM on respite's own Lua engine (lua-wasm.ts): every chunk text is compiled once
// and kept as a function reference, so EVALSHA and FCALL only pay for running the script.
// redis.call replies are encoded straight into the engine's I/O buffer.
import type { LuaHost, LuaValue } from '../engine';
import { ReplyError } from '../../errors';
import { LuaWasm, LuaWasmHost } from './lua-wasm';
import { ArgReader } from './arg-strings';
import { NO_HOST, ReplyEncoder } from './wire';

/** Compiled chunks kept per VM; past this many, all are released (EVAL of ever-new texts). */
const MAX_CHUNKS = 1000;

export class NativeVm implements LuaWasmHost {
  private host: LuaHost | null = null;
  /** True while a chunk runs (INFO called from a script must not re-enter the VM). */
  running = false;
  private readonly refs = new Map<string, number>();
  private readonly args = new ArgReader();
  private readonly out = new ReplyEncoder(Buffer.alloc(0));
  /** The heap and I/O address the encoder's area was made for. */
  private areaHeap: Buffer | null = null;
  private areaAt = -1;

  constructor(private vm: LuaWasm) {
    vm.host = this;
    vm.io(64 * 1024);
  }

  /** After a trap inside the engine its Lua state cannot be trusted: start a new one. */
  private replaceEngine(): void {
    this.refs.clear();
    this.areaHeap = null;
    this.vm = LuaWasm.create();
    this.vm.host = this;
    this.vm.io(64 * 1024);
  }

  /** redis.call / redis.pcall from the engine. */
  call(vm: LuaWasm, at: number, _len: number, protectedCall: boolean): number {
    const argv = this.args.read(vm.heap, at);
    const host = this.host ?? NO_HOST;
    let r;
    try {
      r = host.call(argv, protectedCall);
    } catch (e) {
      r = new ReplyError(`ERR ${(e as Error).message}`);
    }
    const out = this.out;
    if (vm.heap !== this.areaHeap || at !== this.areaAt) {
      // The encoder writes into the I/O buffer itself (re-made when the memory grew or it moved).
      out.area = vm.heap.subarray(at, at + vm.ioCapacity());
      this.areaHeap = vm.heap;
      this.areaAt = at;
    }
    out.reset();
    out.reply(r, host.resp);
    const n = out.pos;
    if (out.buf !== out.area) {
      // Larger than the I/O buffer: grow it and copy.
      const big = out.buf;
      const p = vm.io(n);
      big.copy(vm.heap, p, 0, n);
      out.reset();
    }
    return n;
  }

  log(level: number, message: string): void {
    this.host?.log(level, message);
  }

  setResp(version: 2 | 3): void {
    this.host?.setResp(version);
  }

  /** The function compiled from `source`, or the compile error. */
  private chunk(source: string): number | LuaValue {
    const ref = this.refs.get(source);
    if (ref !== undefined) return ref;
    const r = this.vm.compile(source);
    if (typeof r !== 'number') return r;
    if (this.refs.size >= MAX_CHUNKS) {
      for (const old of this.refs.values()) this.vm.release(old);
      this.refs.clear();
    }
    this.refs.set(source, r);
    return r;
  }

  /**
   * Runs a chunk with KEYS/ARGV set, to completion. A script that executes more than `fuel` VM
   * instructions (< 0: no budget) is aborted with an error value naming FUEL_EXHAUSTED.
   */
  run(source: string, keys: string[], args: string[], fuel: number, host: LuaHost): LuaValue {
    const outer = this.host;
    this.host = host;
    this.running = true;
    try {
      const ref = this.chunk(source);
      if (typeof ref !== 'number') return ref;
      return this.vm.call(ref, keys, args, fuel);
    } catch (e) {
      this.replaceEngine();
      return { err: `ERR the Lua VM failed: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      this.running = false;
      this.host = outer;
    }
  }

  /** Forgets every compiled chunk (SCRIPT FLUSH: Redis starts a new Lua state there). */
  releaseCompiled(): void {
    if (this.running) return;
    for (const ref of this.refs.values()) this.vm.release(ref);
    this.refs.clear();
    this.vm.collect();
  }

  compileError(source: string, chunkName: string): string | null {
    return this.vm.compileError(source, chunkName);
  }

  /** Bytes the Lua heap uses; never call while a script runs. */
  memoryUsed(): number {
    return this.vm.memoryUsed();
  }
}
