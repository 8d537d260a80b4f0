// The Lua engine behind our LuaEngine interface, and the scripting helpers that need no server:
// Redis's PRNG, shebang parsing, the FUNCTION DUMP payload format, reply conversions.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LuaEngine, LuaHost, LuaValue } from '../../src/scripting/engine';
import { loadLuaEngine } from '../../src/scripting/wasm-engine';
import { Lrand48 } from '../../src/scripting/state';
import { parseShebang, sha1hex } from '../../src/scripting/scripts';
import { RdbReader, crc64, encodePayload, verifyPayload } from '../../src/scripting/rdb-payload';
import { luaToReply } from '../../src/scripting/convert';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';

let engine: LuaEngine;
const host = (calls: string[][] = [], reply: Reply = 'reply'): LuaHost => ({
  resp: 2,
  call: (args) => {
    calls.push(args);
    return reply;
  },
  log: () => undefined,
  setResp: () => undefined,
});
const run = (src: string, keys: string[] = [], args: string[] = [], h = host()): LuaValue =>
  engine.run(src, keys, args, 1e8, h);

before(async () => {
  engine = await loadLuaEngine();
});

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

test('an instruction budget stops a runaway loop with an error value', () => {
  const r = engine.run('while true do end', [], [], 100_000, host()) as { err: string };
  assert.ok(r !== null && typeof r === 'object' && 'err' in r);
  assert.match(r.err, /fuel/);
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
