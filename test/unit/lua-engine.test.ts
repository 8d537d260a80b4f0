// The Lua engine behind our LuaEngine interface, and the scripting helpers that need no server:
// Redis's PRNG, shebang parsing, the FUNCTION DUMP payload format, reply conversions.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LuaHost, LuaValue } from '../../src/scripting/engine';
import { LuaVm } from '../../src/scripting/vm/lua-vm';
import { Lrand48 } from '../../src/scripting/state';
import { parseShebang, sha1hex } from '../../src/scripting/scripts';
import { RdbReader, crc64, encodePayload, verifyPayload } from '../../src/scripting/rdb-payload';
import { luaToReply } from '../../src/scripting/convert';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';

let engine: LuaVm;
const host = (calls: string[][] = [], reply: Reply = 'reply'): LuaHost => ({
  resp: 2,
  call: (args) => {
    calls.push(args);
    return reply;
  },
  log: () => undefined,
  setResp: () => undefined,
});
const run = (src: string, keys: string[] = [], args: string[] = [], h = host()): LuaValue => {
  const r = engine.start(src, keys, args, h, Infinity);
  assert.ok(r.done);
  return r.value;
};

before(() => {
  engine = new LuaVm();
});
after(() => engine.terminate());

test('the engine is Lua 5.1 with doubles printed %.14g', () => {
  assert.equal(run('return _VERSION'), 'Lua 5.1');
  assert.equal(run('return tostring(2^53)'), '9.007199254741e+15');
  assert.equal(run('return tostring(0x100000000)'), '4294967296');
  assert.equal(run('return #KEYS + #ARGV', ['a'], ['b', 'c']), 3);
});

test('KEYS/ARGV and redis.call arguments are binary-safe', () => {
  const calls: string[][] = [];
  const bin = '\x00\xff\r\n';
  assert.equal(run("return redis.call('SET', KEYS[1], ARGV[1])", [bin], [bin], host(calls, bin + 'x')), bin + 'x');
  assert.deepEqual(calls[0], ['SET', bin, bin]);
});

test('compileError reports Lua syntax errors under the given chunk name', () => {
  assert.equal(engine.compileError('return 1', '@user_script'), null);
  assert.equal(engine.compileError('return 1 +', '@user_script'), "user_script:1: unexpected symbol near '<eof>'");
});

test('a script past its budget is handed back pending; terminate() stops the worker', async () => {
  const vm = new LuaVm();
  const r = vm.start('local n = 0 while true do n = n + 1 end', [], [], host(), 50);
  assert.equal(r.done, false);
  assert.ok(vm.busy);
  vm.terminate();
  assert.ok(vm.dead);
  assert.throws(() => vm.start('return 1', [], [], host(), Infinity), /busy or gone/);
});

test('a pending run that calls redis.call finishes asynchronously with its value', async () => {
  const vm = new LuaVm();
  const calls: string[][] = [];
  const r = vm.start("local t = redis.call('TIME') local x = 0 for i = 1, 3e7 do x = x + i end return {t, redis.call('GET', 'k'), x}", [], [], host(calls, 'v'), 1);
  assert.equal(r.done, false);
  if (r.done) return;
  const v = await new Promise<LuaValue>((resolve) => r.pending.continue(resolve));
  assert.deepEqual(v, ['v', 'v', 450000015000000]);
  assert.deepEqual(calls, [['TIME'], ['GET', 'k']]);
  assert.equal(vm.start('return 7', [], [], host(), Infinity).done, true);
  vm.terminate();
});

test('payloads larger than the shared area go through the port both ways', () => {
  const big = 'x'.repeat(3 << 20);
  const calls: string[][] = [];
  const v = run("local r = redis.call('SET', 'k', ARGV[1]) return {#ARGV[1], #r}", [], [big], host(calls, big + 'y'));
  assert.deepEqual(v, [3 << 20, (3 << 20) + 1]);
  assert.equal(calls[0][2].length, 3 << 20);
  assert.equal((run('return string.rep("ab", 2^21)') as string).length, 1 << 22);
});

test('Lrand48 reproduces redis-server 7.0 math.random sequences', () => {
  const p = new Lrand48();
  assert.equal(Math.floor(p.next() * 100) + 1, 40);
  assert.equal(p.next(), 0.8404853697123403);
  p.seed(0);
  assert.deepEqual([0, 1, 2].map(() => Math.floor(p.next() * 100) + 1), [18, 75, 10]);
});

test('shebang parsing: flags, compat mode, errors', () => {
  const a = parseShebang('#!lua flags=no-writes,allow-oom\nreturn 1');
  assert.ok(!(a instanceof ReplyError));
  assert.deepEqual([...a.flags], ['no-writes', 'allow-oom']);
  assert.equal(a.code, '\nreturn 1');
  const b = parseShebang('return 1');
  assert.ok(!(b instanceof ReplyError) && b.compat);
  assert.equal((parseShebang('#!lua flags=bad\n') as ReplyError).message, 'ERR Unexpected flag in script shebang: bad');
  assert.equal((parseShebang('#!python\n') as ReplyError).message, 'ERR Unexpected engine in script shebang: #!python');
  assert.equal((parseShebang('#!lua x=1\n') as ReplyError).message, 'ERR Unknown lua shebang option: x=1');
  assert.equal(sha1hex('return 1'), 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db');
});

test('FUNCTION DUMP payloads: CRC-64/Jones, trailer checks, strings read back', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
  const long = 'x'.repeat(20000);
  const p = encodePayload(245, ['abc', long]);
  const data = verifyPayload(p)!;
  const r = new RdbReader(data);
  assert.equal(r.byte(), 245);
  assert.equal(r.string(), 'abc');
  assert.equal(r.byte(), 245);
  assert.equal(r.string(), long);
  assert.ok(r.done);
  const bad = Buffer.from(p);
  bad[1] ^= 0xff;
  assert.equal(verifyPayload(bad), null);
});

test('reply conversions: command replies reach Lua per setresp, script values come back', () => {
  const h = host([], [new SimpleString('OK'), 3, null, 'x']);
  assert.deepEqual(run("local r = redis.call('X') return {r[1].ok, r[2], tostring(r[3]), r[4]}", [], [], h), ['OK', 3, 'false', 'x']);
  assert.equal(engine.memoryUsed() > 0, true);
  assert.equal(luaToReply(9223372036854775807n), -9223372036854775808n);
  assert.deepEqual(luaToReply({ ok: 'a\r\nb' }), new SimpleString('a  b'));
  assert.deepEqual(luaToReply({ err: '-FOO bar' }), new ReplyError('FOO bar'));
  assert.deepEqual(luaToReply(['x', 2, null]), ['x', 2, null]);
});
