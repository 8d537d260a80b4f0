// maxmemory eviction through the embedded API: keys evicted while filling, memory bounded by the
// estimate, LRU keeping the hot set, volatile-ttl order, OOM refusals (noeviction, no volatile
// keys, MULTI, scripts), `evicted` events, WATCH, INFO, and eviction paused by CLIENT PAUSE.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer, RespiteServer } from '../../src/index';
import { withServer } from '../helpers/embedded';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const tick = () => new Promise((r) => setImmediate(r));
/** Simple string or error reply as text. */
const text = (r: unknown): string => (r as { value?: string; message?: string }).value ?? (r as { message: string }).message;

async function infoField(s: RespiteServer, field: string): Promise<string> {
  const text = (await s.call('INFO', 'everything')) as string;
  const m = text.match(new RegExp(`^${field}:(.*)\r$`, 'm'));
  assert.ok(m, `INFO has ${field}`);
  return m[1];
}

async function used(s: RespiteServer): Promise<number> {
  return Number(await infoField(s, 'used_memory'));
}

/** Sets maxmemory to `bytes` above what the server uses now (the estimate, once a limit is set). */
async function limitAbove(s: RespiteServer, bytes: number): Promise<number> {
  await s.call('CONFIG', 'SET', 'maxmemory', String(1 << 30));
  const max = (await used(s)) + bytes;
  await s.call('CONFIG', 'SET', 'maxmemory', String(max));
  return max;
}

test('allkeys-lru: filling past maxmemory evicts keys and keeps memory bounded', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    const max = await limitAbove(s, 20e6);
    const value = 'v'.repeat(1000);
    const n = 40000; // ~44 MB of estimated data for a 20 MB allowance
    for (let i = 0; i < n; i++) {
      await s.call('SET', `key:${i}`, value);
      if (i % 5000 === 0) assert.ok((await used(s)) <= max + 2e6, 'memory stays near the limit');
    }
    const size = (await s.call('DBSIZE')) as number;
    const evicted = Number(await infoField(s, 'evicted_keys'));
    assert.ok(size < n && size > 1000, `some keys kept, some evicted (dbsize ${size})`);
    assert.equal(size + evicted, n);
    assert.ok((await used(s)) <= max + 2e6);
    assert.equal(await infoField(s, 'maxmemory'), String(max));
    assert.equal(await infoField(s, 'maxmemory_policy'), 'allkeys-lru');
    // The newest key always survives: it was written after the eviction before its SET.
    assert.equal(await s.call('EXISTS', `key:${n - 1}`), 1);
  }));

for (const policy of ['allkeys-lru', 'allkeys-lfu', 'volatile-lru']) test(`${policy}: recently read keys survive, cold ones go`, () =>
  withServer(async (s) => {
    s.clock.freeze();
    await s.call('CONFIG', 'SET', 'maxmemory-policy', policy);
    await s.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '100'); // all in one round
    const value = 'v'.repeat(1000);
    const n = 10000;
    for (let i = 0; i < n; i++) await s.call('SET', `key:${i}`, value, ...(policy.startsWith('volatile') ? ['EX', '100000'] : []));
    s.clock.advance(100_000);
    const hot: string[] = [];
    for (let i = 0; i < n; i += 10) hot.push(`key:${i}`);
    // LFU counts accesses (logarithmically): several reads each.
    for (let r = 0; r < (policy.endsWith('lfu') ? 5 : 1); r++) for (const k of hot) await s.call('GET', k);
    s.clock.advance(100_000);
    // Make room for about half the keys: the next command evicts.
    await s.call('CONFIG', 'SET', 'maxmemory', String(1 << 30));
    await s.call('CONFIG', 'SET', 'maxmemory', String((await used(s)) - 5.5e6));
    await s.call('PING');
    const left = (await s.call('DBSIZE')) as number;
    assert.ok(left < n * 0.7 && left > n * 0.2, `about half evicted (${left} left)`);
    let hotLeft = 0;
    for (const k of hot) hotLeft += (await s.call('EXISTS', k)) as number;
    assert.ok(hotLeft >= hot.length * 0.95, `hot keys survive (${hotLeft}/${hot.length})`);
  }));

test('volatile-ttl evicts the shortest TTLs first and leaves keys without TTL', () =>
  withServer(async (s) => {
    s.clock.freeze();
    await s.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl');
    await s.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '100');
    const value = 'v'.repeat(10000);
    const n = 1000;
    for (let i = 0; i < 100; i++) await s.call('SET', `persistent:${i}`, value);
    for (let i = 0; i < n; i++) await s.call('SET', `ttl:${i}`, value, 'EX', String(1000 + ((i * 7919) % n)));
    await s.call('CONFIG', 'SET', 'maxmemory', String(1 << 30));
    await s.call('CONFIG', 'SET', 'maxmemory', String((await used(s)) - 5e6));
    await s.call('PING');
    let shortLeft = 0;
    let longLeft = 0;
    for (let i = 0; i < n; i++) {
      const ttl = 1000 + ((i * 7919) % n);
      const exists = (await s.call('EXISTS', `ttl:${i}`)) as number;
      if (ttl < 1250) shortLeft += exists;
      if (ttl >= 1750) longLeft += exists;
    }
    assert.ok(shortLeft <= 25, `shortest TTLs evicted (${shortLeft}/250 left)`);
    assert.ok(longLeft >= 240, `longest TTLs kept (${longLeft}/250 left)`);
    for (let i = 0; i < 100; i++) assert.equal(await s.call('EXISTS', `persistent:${i}`), 1);
  }));

test('noeviction, and volatile-* without volatile keys: OOM on writes, reads and DEL still run', () =>
  withServer(async (s) => {
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '2');
    await s.call('CONFIG', 'SET', 'maxmemory', '1');
    for (const policy of ['noeviction', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
      await s.call('CONFIG', 'SET', 'maxmemory-policy', policy);
      await assert.rejects(s.call('SET', 'x', '1'), { message: OOM });
      await assert.rejects(s.call('LPUSH', 'l', '1'), { message: OOM });
      assert.equal(await s.call('GET', 'a'), '1');
      assert.equal(await s.call('DBSIZE'), 2);
    }
    assert.equal(await s.call('DEL', 'b'), 1);
    assert.equal(await s.call('INCRBY', 'nope', '0').catch((e: Error) => e.message), OOM);
    assert.equal(await infoField(s, 'evicted_keys'), '0');
    assert.equal(await infoField(s, 'errorstat_OOM'), `count=${5 * 2 + 1}`);
    await s.call('CONFIG', 'SET', 'maxmemory', '0');
    assert.equal(await s.call('SET', 'x', '1'), 'OK');
  }));

test('OOM in MULTI aborts EXEC; EXEC with a queued denyoom command is refused', () =>
  withServer(async (s) => {
    const c = s.connect();
    assert.equal(text(await c.send(['MULTI'])), 'OK');
    assert.equal(text(await c.send(['SET', 'k', 'v'])), 'QUEUED');
    await s.call('CONFIG', 'SET', 'maxmemory', '1');
    assert.equal(text(await c.send(['EXEC'])), `EXECABORT Transaction discarded because of: ${OOM}`);
    assert.equal(await s.call('EXISTS', 'k'), 0);
    assert.equal(text(await c.send(['EXEC'])), 'ERR EXEC without MULTI');
    // Queueing while out of memory poisons the transaction, even for a read.
    assert.equal(text(await c.send(['MULTI'])), 'OK');
    assert.equal(text(await c.send(['GET', 'k'])), OOM);
    assert.match(text(await c.send(['EXEC'])), /^EXECABORT/);
    c.close();
  }));

test('scripts: OOM on the first denyoom call unless allow-oom; flagged scripts refused up front', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'SET', 'maxmemory', '1');
    await assert.rejects(s.call('EVAL', "return redis.call('set','x','1')", '0'), (e: Error) => e.message.startsWith(OOM));
    await assert.rejects(s.call('EVAL', "#!lua\nreturn redis.call('set','x','1')", '0'), { message: OOM });
    assert.equal(await s.call('EVAL', "#!lua flags=allow-oom\nreturn redis.call('set','x','1')", '0'), 'OK');
    assert.equal(await s.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('get','x')", '0'), '1');
    assert.equal(await s.call('EVAL', "return redis.call('get','x')", '0'), '1');
    await assert.rejects(s.call('EVALSHA', (await s.call('SCRIPT', 'LOAD', "#!lua\nreturn 1")) as string, '0'), { message: OOM });
  }));

test('evictions publish `evicted` events, count in INFO, and touch WATCHed keys', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
    await s.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await s.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '100');
    const sub = s.connect();
    await sub.send(['SUBSCRIBE', '__keyevent@0__:evicted']);
    sub.pushes.splice(0);
    const watcher = s.connect();
    const value = 'v'.repeat(10000);
    for (let i = 0; i < 1000; i++) await s.call('SET', `k${i}`, value);
    await watcher.send(['WATCH', ...Array.from({ length: 1000 }, (_, i) => `k${i}`)]);
    await watcher.send(['MULTI']);
    await watcher.send(['PING']);
    await s.call('CONFIG', 'SET', 'maxmemory', String(1 << 30));
    await s.call('CONFIG', 'SET', 'maxmemory', String((await used(s)) - 3e6));
    await s.call('PING');
    await tick();
    const events = (sub.pushes.splice(0) as string[][]).map((m) => m[2]);
    const left = (await s.call('DBSIZE')) as number;
    assert.ok(events.length > 100, `${events.length} evicted events`);
    assert.equal(events.length, 1000 - left);
    for (const k of events) assert.equal(await s.call('EXISTS', k), 0);
    assert.equal(await infoField(s, 'evicted_keys'), String(events.length));
    assert.equal((await watcher.send(['EXEC']) as { name?: string }).name, 'null-array');
    sub.close();
    watcher.close();
  }));

test('maxmemory and policy given at startup', async () => {
  const s = await startServer({ port: null, maxmemory: '1', maxmemoryPolicy: 'allkeys-random' } as never);
  try {
    // Nothing to evict in an empty keyspace: writes are refused at once.
    await assert.rejects(s.call('SET', 'a', '1'), { message: OOM });
    assert.equal(await s.call('GET', 'a'), null);
    assert.equal(await infoField(s, 'maxmemory'), '1');
    assert.equal(await infoField(s, 'maxmemory_policy'), 'allkeys-random');
  } finally {
    await s.close();
  }
});

test('no eviction while CLIENT PAUSE WRITE is in effect', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    for (let i = 0; i < 100; i++) await s.call('SET', `k${i}`, 'v'.repeat(1000));
    await s.call('CLIENT', 'PAUSE', '100000', 'WRITE');
    await s.call('CONFIG', 'SET', 'maxmemory', '1');
    assert.equal(await s.call('GET', 'k1'), 'v'.repeat(1000));
    assert.equal(await s.call('DBSIZE'), 100);
    await s.call('CLIENT', 'UNPAUSE');
    await s.call('PING');
    assert.equal(await s.call('DBSIZE'), 0);
    assert.equal(await infoField(s, 'evicted_keys'), '100');
  }));

test('a round cut short by maxmemory-eviction-tenacity goes on between events', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    await s.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '0');
    for (let i = 0; i < 2000; i++) await s.call('SET', `k${i}`, 'v'.repeat(1000));
    await s.call('CONFIG', 'SET', 'maxmemory', '1');
    // The first round stops after 16 keys and lets the command run.
    assert.equal(await s.call('SET', 'new', 'x'), 'OK');
    assert.ok(((await s.call('DBSIZE')) as number) > 1000);
    for (let i = 0; i < 200 && ((await s.call('DBSIZE')) as number) > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await s.call('DBSIZE'), 0);
    await assert.rejects(s.call('SET', 'x', '1'), { message: OOM });
  }));
