// The in-thread Lua VM: respite's own engine (native-vm.ts) on the server thread, shared by every
// server in the process (scripts never nest: EVAL and FCALL are `noscript`). Every script runs
// here first, with an instruction budget: crossing to a worker thread costs more than most scripts
// take, and nearly every script finishes well within it. A script that runs out of budget before it
// wrote anything is run again from the start on the server's worker VM (lua-vm.ts), which can go
// on past busy-reply-threshold while the server answers -BUSY (see runner.ts).
import type { LuaValue } from '../engine';
import { ReplyError, errorf, oneLine } from '../../errors';
import { LuaWasm } from './lua-wasm';
import { NativeVm } from './native-vm';

/** The error the engine raises when the instruction budget runs out. */
export const FUEL_EXHAUSTED = 'Script killed by fuel limit';

/** True when a run's value is the error of an exhausted instruction budget. */
export function fuelExhausted(v: LuaValue): boolean {
  if (v === null || typeof v !== 'object' || !('err' in v) || v.meta === undefined) return false;
  return v.err === FUEL_EXHAUSTED || v.err.endsWith(`: ${FUEL_EXHAUSTED}`);
}


let inline: NativeVm | null = null;
let loading: Promise<NativeVm> | null = null;
let loadFailed = false;
let loadError = '';

/** Loads the in-thread VM once per process (WebAssembly compiles asynchronously). */
export function loadInlineVm(): Promise<NativeVm> {
  loading ??= LuaWasm.load().then((engine) => (inline ??= new NativeVm(engine)));
  loading.catch(recordFailure);
  return loading;
}

function recordFailure(e: unknown): void {
  loadFailed = true;
  loadError = e instanceof Error ? e.message : String(e);
}

/**
 * The reply to a command that needs the Lua engine when loading it failed (e.g. a sandbox that
 * refuses WebAssembly), or null while it may still load.
 */
export function luaUnavailable(): ReplyError | null {
  return loadFailed ? errorf(oneLine(`ERR the Lua engine could not be loaded: ${loadError}`)) : null;
}

/**
 * The in-thread VM, made now if it is not loaded (a synchronous compile, ~10 ms): for work that
 * cannot wait, such as loading a data set's function libraries. Throws if the engine cannot load.
 */
export function inlineVmNow(): NativeVm {
  if (inline === null) {
    try {
      inline = new NativeVm(LuaWasm.create());
    } catch (e) {
      recordFailure(e);
      throw e;
    }
    loading ??= Promise.resolve(inline);
  }
  return inline;
}

/** The in-thread VM, or null while loadInlineVm() has not finished. */
export function inlineVm(): NativeVm | null {
  return inline;
}
