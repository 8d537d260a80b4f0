// respite's own Lua engine: PUC Lua 5.1.5 with Redis's libraries, built to WebAssembly by
// scripts/build-lua-wasm.sh from native/lua (the .wasm is committed). This is the loader and the
// thin layer over its ABI (native/lua/respite_lua.c):
// - a chunk is compiled once into a reference (compile), then called any number of times (call)
//   with KEYS/ARGV written in one block into the module's memory;
// - redis.call / redis.pcall arrive as host_call with their arguments in the I/O buffer, and the
//   reply is written back into the same buffer;
// - the instruction budget is a Lua count hook armed for the whole budget.
import fs from 'node:fs';
import path from 'node:path';
import type { LuaValue } from '../engine';
import { argsBlockLength, decodeResult, writeArgsBlock } from './wire';
import { nodeCrypto } from '../../util/builtins';


// The WebAssembly API as used here (the project's TypeScript lib has no DOM/WebAssembly types).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Imports);
    readonly exports: Record<string, unknown>;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
  }
  type Imports = Record<string, Record<string, unknown>>;
  function compile(bytes: Uint8Array): Promise<Module>;
}

/** Where the module is: native/lua at the package root (this file runs from dist/src/scripting/vm). */
export const LUA_WASM_PATH = path.resolve(__dirname, '../../../../native/lua/respite-lua.wasm');

interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  rl_init(): number;
  rl_io(n: number): number;
  rl_io_cap(): number;
  rl_out(): number;
  rl_out_len(): number;
  rl_compile(len: number): number;
  rl_compile_error(len: number): number;
  rl_unref(ref: number): void;
  rl_call(ref: number, len: number, nkeys: number, fuel: number): number;
  rl_memory(): number;
  rl_gc(): void;
  rl_ldb_begin(len: number, timelimitMs: number): void;
  rl_ldb_prepare(ref: number, preludeLen: number, fixupLen: number): number;
  rl_ldb_end(): void;
}

/** What the engine calls back into, at the byte level. */
export interface LuaWasmHost {
  /**
   * redis.call / redis.pcall: the argument block is `heap[at, at + len)`; the reply must be
   * written with `vm.replyArea()` / `vm.writeReply()`. Returns the reply's length.
   */
  call(vm: LuaWasm, at: number, len: number, protectedCall: boolean): number;
  log(level: number, message: string): void;
  setResp(version: 2 | 3): void;
  /**
   * The Lua debugger's I/O (native/lua/ldb.c): op 0 writes `heap[p, p + len)` to the debugging
   * client, 1 reads at most `len` of its bytes into `heap[p...]` and returns the count (0: gone),
   * 2 returns the time in ms, 3 says the script resumes after a stop.
   */
  ldb?(vm: LuaWasm, op: number, p: number, len: number): number;
}

let compiled: WebAssembly.Module | null = null;

/** The compiled module (shared by every instance in this thread). */
function wasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(fs.readFileSync(LUA_WASM_PATH));
  return compiled;
}

export class LuaWasm {
  private readonly x: Exports;
  /** A view of the module's memory; replaced when the memory grows. */
  heap: Buffer;
  host: LuaWasmHost | null = null;

  private constructor(instance: (imports: WebAssembly.Imports) => WebAssembly.Instance) {
    let tempRet = 0;
    const self = (): LuaWasm => this;
    const inst = instance({
      env: {
        host_call: (io: number, len: number, prot: number) => {
          // An exception must not unwind through Lua's C frames (the state would be left broken):
          // 0 makes redis.call raise a Lua error instead.
          try {
            const h = self().host;
            return h === null ? 0 : h.call(self(), io, len, prot !== 0);
          } catch {
            return 0;
          }
        },
        host_log: (level: number, p: number, n: number) => self().host?.log(level, self().heap.latin1Slice(p, p + n)),
        host_setresp: (v: number) => self().host?.setResp(v === 3 ? 3 : 2),
        host_sha1hex: (p: number, n: number, outp: number) => {
          const heap = self().heap;
          heap.latin1Write(nodeCrypto().createHash('sha1').update(heap.subarray(p, p + n)).digest('hex'), outp);
        },
        emscripten_notify_memory_growth: () => self().refreshHeap(),
        getTempRet0: () => tempRet,
        setTempRet0: (v: number) => {
          tempRet = v;
        },
        host_ldb: (op: number, p: number, len: number) => {
          if (op === 2) return performance.now();
          const h = self().host;
          return h?.ldb === undefined ? 0 : h.ldb(self(), op, p, len);
        },
        __syscall_dup3: () => -1,
      },
      wasi_snapshot_preview1: {
        // Only reached by C error paths that print (stderr) and exit.
        fd_write: (_fd: number, iovs: number, n: number, written: number) => {
          const heap = self().heap;
          let total = 0;
          for (let i = 0; i < n; i++) total += heap.readUInt32LE(iovs + 8 * i + 4);
          heap.writeUInt32LE(total, written);
          return 0;
        },
        fd_read: () => 8,
        fd_close: () => 8,
        fd_seek: () => 8,
        proc_exit: (code: number) => {
          throw new Error(`the Lua VM exited (${code})`);
        },
      },
    });
    this.x = inst.exports as unknown as Exports;
    this.heap = Buffer.from(this.x.memory.buffer);
    this.x._initialize();
    if (this.x.rl_init() === 0) throw new Error('the Lua VM could not start');
  }

  /** A new Lua state, the module compiled off the thread's critical path (server startup). */
  static async load(): Promise<LuaWasm> {
    compiled ??= await WebAssembly.compile(await fs.promises.readFile(LUA_WASM_PATH));
    return LuaWasm.create();
  }

  /** A new Lua state (synchronous: the module is compiled once per thread). */
  static create(): LuaWasm {
    const mod = wasmModule();
    return new LuaWasm((imports) => new WebAssembly.Instance(mod, imports));
  }

  private refreshHeap(): void {
    if (this.heap.buffer !== this.x.memory.buffer) this.heap = Buffer.from(this.x.memory.buffer);
  }

  /** The I/O buffer's address, with room for at least `n` bytes. */
  io(n: number): number {
    const p = this.x.rl_io(n);
    if (p === 0) throw new Error('the Lua VM is out of memory');
    this.refreshHeap();
    return p;
  }

  /** Bytes the I/O buffer holds now (its address is io(0)). */
  ioCapacity(): number {
    return this.x.rl_io_cap();
  }

  /**
   * Compiles a chunk (named @user_script): a reference for call(), or the compile error as the
   * value a run would give (a script error).
   */
  compile(source: string): number | LuaValue {
    const p = this.io(source.length);
    this.heap.latin1Write(source, p);
    const ref = this.x.rl_compile(source.length);
    this.refreshHeap();
    return ref !== 0 ? ref : this.output(this.x.rl_out());
  }

  release(ref: number): void {
    this.x.rl_unref(ref);
  }

  /** Runs a compiled chunk with KEYS/ARGV; `fuel` < 0: no instruction budget. */
  call(ref: number, keys: string[], args: string[], fuel: number): LuaValue {
    const len = argsBlockLength(keys, args);
    const p = this.io(len);
    writeArgsBlock(this.heap, p, keys, args);
    const out = this.x.rl_call(ref, len, keys.length, fuel);
    this.refreshHeap();
    return this.output(out);
  }

  /** Runs a compiled chunk with an argument block as it is; returns the output's bytes (valid until the next call). */
  callRaw(ref: number, block: Buffer, nkeys: number, fuel: number): Buffer {
    const p = this.io(block.length);
    block.copy(this.heap, p);
    const out = this.x.rl_call(ref, block.length, nkeys, fuel);
    this.refreshHeap();
    return this.heap.subarray(out, out + this.x.rl_out_len());
  }

  /** The bytes of the last output (a compile error after compile() failed). */
  lastOutput(): Buffer {
    const at = this.x.rl_out();
    return this.heap.subarray(at, at + this.x.rl_out_len());
  }

  private output(at: number): LuaValue {
    return this.x.rl_out_len() === 0 ? null : decodeResult(this.heap, at);
  }

  /** The compile error of a chunk named `chunkName` (e.g. '@user_function'), null if it compiles. */
  compileError(source: string, chunkName: string): string | null {
    const p = this.io(source.length + chunkName.length + 1);
    this.heap.latin1Write(source, p);
    this.heap.latin1Write(chunkName, p + source.length);
    this.heap[p + source.length + chunkName.length] = 0;
    const n = this.x.rl_compile_error(source.length);
    this.refreshHeap();
    if (n === 0) return null;
    const at = this.x.rl_out();
    return this.heap.latin1Slice(at, at + n);
  }

  /** Opens a Lua debugger session for a script (its text as sent); timelimitMs 0: 5 s. */
  ldbBegin(source: string, timelimitMs: number): void {
    const p = this.io(source.length);
    this.heap.latin1Write(source, p);
    this.x.rl_ldb_begin(source.length, timelimitMs);
  }

  /** Gives the session's script its helpers (an environment) and return fixup; false if they do not load. */
  ldbPrepare(ref: number, prelude: string, fixup: string): boolean {
    const p = this.io(prelude.length + fixup.length);
    this.heap.latin1Write(prelude, p);
    this.heap.latin1Write(fixup, p + prelude.length);
    const ok = this.x.rl_ldb_prepare(ref, prelude.length, fixup.length) !== 0;
    this.refreshHeap();
    return ok;
  }

  /** Ends the session (sends the last log lines and <endsession>). */
  ldbEnd(): void {
    this.x.rl_ldb_end();
    this.refreshHeap();
  }

  /** A full garbage collection. */
  collect(): void {
    this.x.rl_gc();
  }

  /** Bytes the Lua heap holds (collectgarbage('count')). */
  memoryUsed(): number {
    return this.x.rl_memory();
  }
}
