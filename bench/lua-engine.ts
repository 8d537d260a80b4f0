// Micro benchmark of respite's Lua engine alone (no server, no network): a script run by its
// compiled reference (what EVALSHA and FCALL do) against compiling the text on every run (what the
// previous engine, lua-redis-wasm, had to do). The host answers redis.call with canned replies, so
// this is the VM's share of a script.
//
//   node dist/bench/lua-engine.js [--runs 20000]
import type { LuaHost } from '../src/scripting/engine';
import { SimpleString } from '../src/resp/reply';
import { LuaWasm } from '../src/scripting/vm/lua-wasm';
import { NativeVm } from '../src/scripting/vm/native-vm';
import { wrapEval } from '../src/scripting/prelude';
import { TEN_CALLS, TRIVIAL } from './script-tests';

/** Canned replies shaped like the real ones. */
const host: LuaHost = {
  resp: 2,
  call(argv) {
    switch (argv[0].toUpperCase()) {
      case 'HSET':
        return 3;
      case 'RPOP':
        return '17';
      case 'HGET':
        return 'payload-12345';
    }
    return 1;
  },
  log: () => undefined,
  setResp: () => undefined,
};

function time(runs: number, f: () => void): number {
  for (let i = 0; i < Math.min(2000, runs); i++) f();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) f();
  return Number(process.hrtime.bigint() - start) / 1000 / runs;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 20_000;
  const engine = await LuaWasm.load();
  const vm = new NativeVm(engine);
  const cases: [string, string, string[], string[]][] = [
    ['trivial', wrapEval(TRIVIAL).source, ['key:1'], []],
    ['ten calls', wrapEval(TEN_CALLS).source, ['bq:id', 'bq:job:', 'bq:wait', 'bq:active', 'bq:done'], ['job-1', 'payload-1', '1700000000000']],
  ];
  console.log(`µs per run (${runs} runs)`);
  console.log('script        compiled once   compiled each run');
  for (const [name, source, keys, args] of cases) {
    const once = time(runs, () => vm.run(source, keys, args, 1e9, host));
    // The VM's host outside run(): the same redis.call path, with the compile in every run.
    (vm as unknown as { host: LuaHost }).host = host;
    const each = time(runs, () => {
      const ref = engine.compile(source) as number;
      engine.call(ref, keys, args, 1e9);
      engine.release(ref);
    });
    (vm as unknown as { host: LuaHost | null }).host = null;
    console.log(`${name.padEnd(14)}${once.toFixed(2).padStart(13)}${each.toFixed(2).padStart(20)}`);
  }
}

void main();
