// The Lua VM behind a small interface of ours, so the implementation (today lua-redis-wasm: real
// Lua 5.1 with Redis's cjson/cmsgpack/bit/struct in WebAssembly) can be swapped without touching
// the scripting commands. Values crossing the boundary use the engine-neutral LuaValue shape.

/** A reply as Lua sees it or returns it (Redis's Lua<->RESP conversion model). Strings are bytes. */
export type LuaValue =
  | null
  | number
  | bigint
  | boolean
  | Buffer
  | { ok: Buffer }
  | { err: Buffer; code?: Buffer; meta?: LuaErrorMeta }
  | { double: number }
  | { big_number: Buffer }
  | { verbatim_string: { format: Buffer; string: Buffer } }
  | { map: [LuaValue, LuaValue][] }
  | { set: LuaValue[] }
  | LuaValue[];

/** Where a script-aborting error happened; `kind` classifies errors raised by the sandbox itself. */
export interface LuaErrorMeta {
  line: number;
  kind?: string;
  name?: string;
}

/** What the VM calls back into: redis.call / redis.pcall, redis.log, redis.setresp. */
export interface LuaHost {
  call(args: Buffer[], protectedCall: boolean): LuaValue;
  log(level: number, message: Buffer): void;
  setResp(version: 2 | 3): void;
}

export interface LuaEngine {
  /**
   * Compiles and runs a chunk with KEYS/ARGV set. Runs to completion synchronously; a script that
   * executes more than `fuel` VM instructions is aborted with an error value.
   */
  run(source: Buffer, keys: Buffer[], args: Buffer[], fuel: number, host: LuaHost): LuaValue;
  /** Returns the Lua compile error for a chunk (chunk name e.g. "@user_script"), or null. */
  compileError(source: Buffer, chunkName: string): string | null;
}

/** The error text the engine uses when the instruction budget runs out. */
export const FUEL_EXHAUSTED = 'Script killed by fuel limit';
