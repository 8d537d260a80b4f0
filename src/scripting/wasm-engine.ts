// LuaEngine on lua-redis-wasm: PUC Lua 5.1 plus Redis's cjson, cmsgpack, bit and struct, compiled
// to WebAssembly. One VM per process serves every server in it: scripts run synchronously and never
// nest (EVAL/FCALL are `noscript`), so the host callbacks are simply routed to the current run.
import { FUEL_EXHAUSTED, LuaEngine, LuaHost, LuaValue } from './engine';

// The package's types describe the same shapes as LuaValue; keep its import local to this file.
interface WasmEngine {
  evalWithArgs(script: Buffer, keys: Buffer[], args: Buffer[]): LuaValue;
  exports: { _set_limits(fuel: number, maxReply: number, maxArg: number): void };
}

const COMPILE_CHECK = Buffer.from(
  "local f, e = loadstring(ARGV[1], ARGV[2]) if f then return nil end return e",
  'latin1',
);

class WasmLuaEngine implements LuaEngine {
  private host: LuaHost | null = null;
  private fuel = -1;

  constructor(private readonly vm: WasmEngine) {}

  /** Callbacks from the VM, routed to the run in progress. */
  readonly callbacks = {
    redisCall: (args: Buffer[]): LuaValue => this.current().call(args, false),
    redisPcall: (args: Buffer[]): LuaValue => this.current().call(args, true),
    log: (level: number, message: Buffer): void => this.current().log(level, message),
    onSetResp: (version: 2 | 3): void => this.current().setResp(version),
  };

  private current(): LuaHost {
    if (this.host === null) throw new Error('Lua host callback outside a script run');
    return this.host;
  }

  run(source: Buffer, keys: Buffer[], args: Buffer[], fuel: number, host: LuaHost): LuaValue {
    if (fuel !== this.fuel) {
      this.vm.exports._set_limits(fuel, 0, 0);
      this.fuel = fuel;
    }
    const outer = this.host;
    this.host = host;
    try {
      return this.vm.evalWithArgs(source, keys, args);
    } finally {
      this.host = outer;
    }
  }

  compileError(source: Buffer, chunkName: string): string | null {
    const r = this.run(COMPILE_CHECK, [], [source, Buffer.from(chunkName, 'latin1')], 0, NO_HOST);
    return Buffer.isBuffer(r) ? r.latin1Slice(0, r.length) : null;
  }
}

const NO_HOST: LuaHost = {
  call: () => ({ err: Buffer.from('ERR no redis.call here') }),
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
    const lib = require('lua-redis-wasm') as { load(o: object): Promise<{ create(h: object): unknown }> };
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
    const vm = mod.create({
      redisCall: (a: Buffer[]) => box.e!.callbacks.redisCall(a),
      redisPcall: (a: Buffer[]) => box.e!.callbacks.redisPcall(a),
      log: (l: number, m: Buffer) => box.e!.callbacks.log(l, m),
      onSetResp: (v: 2 | 3) => box.e!.callbacks.onSetResp(v),
    }) as WasmEngine;
    engine = box.e = new WasmLuaEngine(vm);
    return engine;
  })();
  return loading;
}

/** The loaded VM, or null while loadLuaEngine() has not finished. */
export function luaEngine(): LuaEngine | null {
  return engine;
}

export { FUEL_EXHAUSTED };
