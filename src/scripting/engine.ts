// The values that cross the boundary of the Lua VM (src/scripting/vm: respite's build of Lua 5.1
// with Redis's cjson/cmsgpack/bit/struct in WebAssembly, native/lua), so the VM can be swapped
// without touching the scripting commands. Strings are latin1 JS strings (one char per byte).
import type { Reply } from '../resp/reply';

/** What a script run gives back (Redis's Lua -> RESP model, before our own conversions). */
export type LuaValue =
  | null
  | number
  | bigint
  | boolean
  | string
  | { ok: string }
  | { err: string; meta?: LuaErrorMeta }
  | { double: number }
  | { big_number: string }
  | { verbatim: string; format: string }
  | { map: LuaValue[] }
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
  /** The RESP version replies are converted with (redis.setresp). */
  resp: 2 | 3;
  /** Runs a command; the reply is converted to Lua by the engine (errors raise for redis.call). */
  call(argv: string[], protectedCall: boolean): Reply;
  log(level: number, message: string): void;
  setResp(version: 2 | 3): void;
  /** Present when the script runs under the Lua debugger: its client's bytes. */
  ldb?: LdbIo;
}

/** What the Lua debugger (native/lua/ldb.c) reads from and writes to its client, through the host. */
export interface LdbIo {
  /** Bytes to the debugging client (log lines, as RESP). */
  write(bytes: Buffer): void;
  /** Calls back with the client's next bytes (at most `max`), or null once it is gone. */
  read(max: number, done: (bytes: Buffer | null) => void): void;
  /** The script goes on after a stop (its clock moves, as Redis's does). */
  resumed(): void;
}
