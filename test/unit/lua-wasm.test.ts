// respite's Lua engine at its ABI (src/scripting/vm/lua-wasm.ts, native/lua): compile once, call
// by reference, the instruction budget, replies larger than the I/O buffer, memory growth.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LuaWasm } from '../../src/scripting/vm/lua-wasm';
import { NativeVm } from '../../src/scripting/vm/native-vm';
import { FUEL_EXHAUSTED, fuelExhausted } from '../../src/scripting/vm/inline-vm';
import type { LuaHost } from '../../src/scripting/engine';
import type { Reply } from '../../src/resp/reply';

const host = (reply: (argv: string[]) => Reply, calls: string[][] = []): LuaHost => ({
  resp: 2,
  call: (argv) => {
    calls.push(argv);
    return reply(argv);
  },
  log: () => undefined,
  setResp: () => undefined,
});

test('a chunk compiles once to a reference that runs with any KEYS/ARGV', async () => {
  const vm = await LuaWasm.load();
  const ref = vm.compile('return {KEYS[1], ARGV[1], #KEYS, #ARGV}');
  assert.equal(typeof ref, 'number');
  assert.deepEqual(vm.call(ref as number, ['k1'], ['a', 'b'], -1), ['k1', 'a', 1, 2]);
  // Lua arrays end at their first nil, as Redis converts them.
  assert.deepEqual(vm.call(ref as number, [], [], -1), []);
  assert.deepEqual(vm.call(ref as number, ['x', 'y'], ['\0\xff'], -1), ['x', '\0\xff', 2, 1]);
  vm.release(ref as number);
});

test('compile errors are script errors with the line; compileError names the chunk', () => {
  const vm = LuaWasm.create();
  assert.deepEqual(vm.compile('\n\nreturn +'), { err: "user_script:3: unexpected symbol near '+'", meta: { line: 3 } });
  assert.equal(vm.compileError('x = = 1', '@user_function'), "user_function:1: unexpected symbol near '='");
  assert.equal(vm.compileError('return 1', '@user_function'), null);
  // Precompiled chunks are refused, as in Redis: only source text is parsed.
  assert.match(String(vm.compileError('\x1bLua\x51\x00', '@user_script')), /unexpected symbol/);
});

test('the instruction budget stops a loop and only then costs anything; no budget runs to the end', () => {
  const vm = new NativeVm(LuaWasm.create());
  const h = host(() => null);
  const loop = 'local n = 0 while true do n = n + 1 end';
  const v = vm.run(loop, [], [], 100_000, h);
  assert.ok(fuelExhausted(v), JSON.stringify(v));
  assert.match((v as { err: string }).err, new RegExp(FUEL_EXHAUSTED));
  const sum = 'local s = 0 for i = 1, 200000 do s = s + i end return s';
  assert.equal(vm.run(sum, [], [], -1, h), 20000100000);
  assert.equal(vm.run(sum, [], [], 10_000_000, h), 20000100000);
  // A budget beyond one hook count (2^31) is counted in stretches.
  assert.equal(vm.run(sum, [], [], 2 ** 40, h), 20000100000);
});

test('redis.call: number arguments as %.17g, replies bigger than the I/O buffer, errors raised or returned', () => {
  const vm = new NativeVm(LuaWasm.create());
  const calls: string[][] = [];
  const big = 'x'.repeat(3 << 20);
  const h = host((argv) => (argv[0] === 'big' ? big : argv[0] === 'arr' ? [1, 'two', null] : 'OK'), calls);
  assert.equal(vm.run("return redis.call('set', 0.1, 1e20, 12345678901234567, -0.0, 7)", [], [], -1, h), 'OK');
  assert.deepEqual(calls.pop(), ['set', '0.10000000000000001', '1e+20', '12345678901234568', '-0', '7']);
  assert.equal(vm.run("return #redis.call('big')", [], [], -1, h), big.length);
  assert.deepEqual(vm.run("return redis.call('arr')", [], [], -1, h), [1, 'two', null]);
  assert.deepEqual(vm.run("return redis.call('ok')", [], [], -1, h), 'OK');
  assert.deepEqual(vm.run('return redis.call({})', [], [], -1, h), { err: 'command-arg-type', meta: { line: 1, kind: 'command-arg-type' } });
});

test('memory grows past the initial heap and views follow; SCRIPT FLUSH releases compiled chunks', () => {
  const vm = new NativeVm(LuaWasm.create());
  const h = host(() => null);
  assert.equal(vm.run("local s = string.rep('ab', 20 * 1024 * 1024) return #s", [], [], -1, h), 40 * 1024 * 1024);
  assert.deepEqual(vm.run('return {ARGV[1], KEYS[1]}', ['k'], ['v'], -1, h), ['v', 'k']);
  const before = vm.memoryUsed();
  for (let i = 0; i < 300; i++) vm.run(`local t = {} for j = 1, 10 do t[j] = j * ${i} end return #t`, [], [], -1, h);
  const grown = vm.memoryUsed();
  assert.ok(grown > before, `${grown} > ${before}`);
  vm.releaseCompiled();
  assert.ok(vm.memoryUsed() < grown, `${vm.memoryUsed()} < ${grown}`);
});
