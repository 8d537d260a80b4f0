// Servers in one process share nothing: every per-server state is owned by its Server (see
// src/engine/server.ts), so what happens on one never reaches another, and a closed server can be
// garbage-collected. (Embedded users start one server per test file, often several at once.)
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { startServer, RespiteServer } from '../../src/index';
import { EmbeddedConnection } from '../../src/embedded';
import { PushReply } from '../../src/resp/reply';

const tick = () => new Promise((r) => setImmediate(r));

async function pair(): Promise<[RespiteServer, RespiteServer]> {
  return [await startServer({ port: null }), await startServer({ port: null })];
}

async function resp3(s: RespiteServer): Promise<EmbeddedConnection> {
  const c = s.connect();
  await c.send(['HELLO', '3']);
  return c;
}

test('FLUSHALL on one server sends no invalidation to tracking clients of another', async () => {
  const [a, b] = await pair();
  try {
    const ca = await resp3(a);
    const cb = await resp3(b);
    await ca.send(['CLIENT', 'TRACKING', 'ON']);
    await cb.send(['CLIENT', 'TRACKING', 'ON', 'BCAST']);
    await a.call('SET', 'k', 'v');
    await ca.send(['GET', 'k']);
    await b.call('FLUSHALL');
    await b.call('FLUSHDB');
    await tick();
    assert.deepEqual(ca.pushes, []);
    // The server that flushed tells its own tracking client (a null key list: everything).
    assert.equal(cb.pushes.length, 2);
    assert.ok(cb.pushes[0] instanceof PushReply);
    assert.deepEqual((cb.pushes[0] as PushReply).items, ['invalidate', null]);
    // And the other one still invalidates its own keys.
    await a.call('SET', 'k', 'w');
    await tick();
    assert.equal(ca.pushes.length, 1);
    assert.deepEqual((ca.pushes[0] as PushReply).items, ['invalidate', ['k']]);
  } finally {
    await a.close();
    await b.close();
  }
});

test('SWAPDB on one server does not wake clients blocked on another', async () => {
  const [a, b] = await pair();
  try {
    const blocked = a.connect();
    const reply = blocked.send(['BLPOP', 'list', '0']);
    await b.call('SELECT', '1');
    await b.call('RPUSH', 'list', 'x');
    await b.call('SWAPDB', '0', '1');
    await tick();
    // Still blocked on a: its own push serves it.
    await a.call('RPUSH', 'list', 'mine');
    assert.deepEqual(await reply, ['list', 'mine']);
    await b.call('SELECT', '0');
    assert.deepEqual(await b.call('LRANGE', 'list', '0', '-1'), ['x']);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a config change on one server leaves the other as it was', async () => {
  const [a, b] = await pair();
  try {
    await a.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'notify-keyspace-events', 'KEA', 'hz', '50');
    assert.deepEqual(await a.call('CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'allkeys-lru']);
    assert.deepEqual(await b.call('CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    assert.deepEqual(await b.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', '']);
    assert.deepEqual(await b.call('CONFIG', 'GET', 'hz'), ['hz', '10']);
  } finally {
    await a.close();
    await b.close();
  }
});

test('scripts and function libraries of one server are unknown to the other', async () => {
  const [a, b] = await pair();
  try {
    const sha = await a.call('SCRIPT', 'LOAD', 'return 1');
    assert.equal(await a.call('EVALSHA', sha as string, '0'), 1);
    await assert.rejects(b.call('EVALSHA', sha as string, '0'), /^RespiteError: NOSCRIPT/);
    await a.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 2 end)");
    assert.equal(await a.call('FCALL', 'f', '0'), 2);
    await assert.rejects(b.call('FCALL', 'f', '0'), /Function not found/);
    assert.deepEqual(await b.call('FUNCTION', 'LIST'), []);
    // math.random's generator is per server too: a seeded sequence is not disturbed by the other.
    const seq = 'math.randomseed(7); return tostring(math.random())';
    const first = await a.call('EVAL', seq, '0');
    await b.call('EVAL', 'return tostring(math.random())', '0');
    assert.equal(await a.call('EVAL', seq, '0'), first);
  } finally {
    await a.close();
    await b.close();
  }
});

test('keyspace notifications of one server never reach subscribers of another', async () => {
  const [a, b] = await pair();
  try {
    await a.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await b.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const sa = a.connect();
    const sb = b.connect();
    await sa.send(['PSUBSCRIBE', '__key*__:*']);
    await sb.send(['PSUBSCRIBE', '__key*__:*']);
    sa.pushes.splice(0);
    sb.pushes.splice(0);
    await b.call('SET', 'only-b', 'v');
    await tick();
    assert.deepEqual(sa.pushes, []);
    assert.equal(sb.pushes.length, 2); // __keyspace@0__:only-b and __keyevent@0__:set
    await a.call('DEL', 'nothing');
    await a.call('SET', 'only-a', 'v');
    await tick();
    assert.equal(sa.pushes.length, 2);
    assert.equal(sb.pushes.length, 2);
  } finally {
    await a.close();
    await b.close();
  }
});

/** global.gc, also when the test runs without --expose-gc. */
function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * Starts a server, uses some of everything (data, a tracking client, a blocked client, a script,
 * a function, a subscriber, a save, INFO and cron bookkeeping), closes it, and returns weak
 * references only (in its own function, so no frame of the test keeps the server alive).
 */
async function useAndClose(): Promise<WeakRef<object>[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-gc-'));
  const s = await startServer({ port: 0, enableDebugCommand: 'yes', dir, save: '' });
  await s.call('DEBUG', 'POPULATE', '20000', 'key', '100');
  const c = await resp3(s);
  await c.send(['CLIENT', 'TRACKING', 'ON']);
  await c.send(['GET', 'key:1']);
  await s.connect().send(['SUBSCRIBE', 'ch']);
  void s.connect().send(['BLPOP', 'nothing', '0']).catch(() => undefined);
  await s.call('EVAL', "return redis.call('GET', KEYS[1])", '1', 'key:2');
  await s.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 2 end)");
  await s.call('FCALL', 'f', '0');
  await s.call('INFO');
  await s.call('SAVE');
  const refs = [new WeakRef(s.server), new WeakRef(s.server.keyspace)];
  await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return refs;
}

test('a closed server can be garbage-collected, with its data', async () => {
  const gc = gcFunction();
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < 3; i++) refs.push(...(await useAndClose()));
  for (let i = 0; i < 10 && refs.some((r) => r.deref() !== undefined); i++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
  }
  assert.deepEqual(
    refs.map((r) => r.deref() === undefined),
    refs.map(() => true),
  );
});
