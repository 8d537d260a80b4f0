// Micro benchmark of the in-thread Lua VMs alone (no server, no network): lua-redis-wasm, which
// compiles the script text on every run, against respite's own engine (native/lua), which compiles
// it once. The host answers redis.call with canned replies, so this is the VM's share of a script.
//
//   node dist/bench/lua-engine.js [--runs 20000]
import type { LuaHost } from '../src/scripting/engine';
import { SimpleString } from '../src/resp/reply';
import { InlineVm } from '../src/scripting/vm/inline-vm';
import { LuaWasm } from '../src/scripting/vm/lua-wasm';
import { NativeVm } from '../src/scripting/vm/native-vm';
import { loadWasmLua } from '../src/scripting/vm/wire';
import { wrapEval } from '../src/scripting/prelude';
import { TEN_CALLS, TRIVIAL } from './script-tests';

const OK = new SimpleString('OK');

/** Canned replies shaped like the real ones. */
const host: LuaHost = {
  resp: 2,
  call(argv) {
    switch (argv[0].toUpperCase()) {
      case 'INCR':
      case 'HINCRBY':
      case 'LPUSH':
      case 'ZADD':
      case 'ZREM':
      case 'ZREMRANGEBYRANK':
        return 1;
      case 'HSET':
        return 3;
      case 'RPOP':
        return '17';
      case 'HGET':
        return 'payload-12345';
    }
    return OK;
  },
  log: () => undefined,
  setResp: () => undefined,
};

interface Vm {
  run(source: string, keys: string[], args: string[], fuel: number, host: LuaHost): unknown;
}

function time(vm: Vm, source: string, keys: string[], args: string[], runs: number): number {
  for (let i = 0; i < Math.min(2000, runs); i++) vm.run(source, keys, args, 1e9, host);
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) vm.run(source, keys, args, 1e9, host);
  return Number(process.hrtime.bigint() - start) / 1000 / runs;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 20_000;
  const mod = await loadWasmLua();
  const box: { vm: InlineVm | null } = { vm: null };
  mod.create({ redisCall: () => null, redisPcall: () => null, log: () => undefined, onSetResp: () => undefined });
  const old = (box.vm = new InlineVm(mod.exports));
  mod.handlers.call = (...a: number[]) => old.hostCall(a, false);
  mod.handlers.pcall = (...a: number[]) => old.hostCall(a, true);
  const own = new NativeVm(LuaWasm.create());
  const cases: [string, string, string[], string[]][] = [
    ['trivial', wrapEval(TRIVIAL).source, ['key:1'], []],
    ['ten calls', wrapEval(TEN_CALLS).source, ['bq:id', 'bq:job:', 'bq:wait', 'bq:active', 'bq:done'], ['job-1', 'payload-1', '1700000000000']],
  ];
  console.log(`µs per run (${runs} runs)`);
  console.log('script        lua-redis-wasm   respite engine');
  for (const [name, source, keys, args] of cases) {
    const a = time(old, source, keys, args, runs);
    const b = time(own, source, keys, args, runs);
    console.log(`${name.padEnd(14)}${a.toFixed(2).padStart(14)}${b.toFixed(2).padStart(17)}`);
  }
}

void main();
