// Per-server scripting state (Server.scripting): the EVAL script cache, the
// function libraries, the client scripts run as, and the PRNG Redis's math.random uses.
import type { ServerContext } from '../engine/context';
import type { Library } from './functions';
import type { ScriptClient, ScriptRun } from './runner';
import { nodeOs } from '../util/builtins';
import { LuaVm, workingDirectoryExists } from './vm/lua-vm';

/** Redis's redisLrand48 (48-bit LCG, state shared by every script and function of a server). */
export class Lrand48 {
  private x = 0x1234abcd330en;

  next(): number {
    this.x = (0x5deece66dn * this.x + 0xbn) & 0xffffffffffffn;
    const v = Number(this.x >> 17n);
    return (v % 2147483647) / 2147483647;
  }

  /** The generator's state, to rewind it (a script started over on the worker VM). */
  get state(): bigint {
    return this.x;
  }
  set state(v: bigint) {
    this.x = v;
  }

  /** redisSrand48(seed): seed is a C int. */
  seed(n: number): void {
    const s = BigInt.asUintN(32, BigInt(Math.trunc(n) | 0));
    this.x = ((s << 16n) | 0x330en) & 0xffffffffffffn;
  }
}

/** Server.scripting */
export class ScriptingState {
  /** SHA1 -> script body (as given, shebang included). */
  readonly scripts = new Map<string, string>();
  readonly libraries = new Map<string, Library>();
  /** Lower-cased function name -> its library (function names are case-insensitive). */
  readonly functions = new Map<string, Library>();
  client: ScriptClient | null = null;
  running: ScriptRun | null = null;
  readonly prng = new Lrand48();
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may run commands flagged noscript. */
  denyScriptsDisabled = false;
  /** This server's Lua VM (a worker thread), started on first use and after SCRIPT KILL. */
  vm: LuaVm | null = null;
  /** Copies of this server running SCRIPT DEBUG YES sessions (shut down with it). */
  readonly debugCopies = new Set<ServerContext>();

  constructor(srv: ServerContext) {
    srv.events.on('shutdown', () => {
      // A busy script ends as if killed (the server state is released; no client is left to answer).
      srv.busyScript?.kill();
      this.vm?.terminate();
      for (const copy of [...this.debugCopies]) copy.events.emit('shutdown');
      this.debugCopies.clear();
    });
  }
}

/** The server's scripting state (Server.scripting). */
export function scriptingState(srv: ServerContext): ScriptingState {
  return srv.scripting;
}

/** The server's Lua VM, started (synchronously, in a worker thread) when first needed. */
export function luaVm(srv: ServerContext): LuaVm {
  const st = scriptingState(srv);
  if (st.vm === null || st.vm.dead) {
    if (!workingDirectoryExists()) {
      // The process cannot start threads from a deleted directory; a deleted `dir` cannot be
      // saved to either, so move somewhere that exists rather than lose scripting.
      const to = nodeOs().tmpdir();
      srv.log.warning(`The working directory no longer exists; changing to ${to} to start the Lua VM`);
      process.chdir(to);
    }
    return (st.vm = new LuaVm());
  }
  return st.vm;
}

