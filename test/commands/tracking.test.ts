// Client-side caching through the embedded API: invalidations on clock-driven expiry, the
// tracking table limit, the helpers CLIENT LIST / INFO use, cleanup on disconnect and RESET.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer, RespiteServer } from '../../src/index';
import { clientRedirect, clientTrackingFlags, trackingClientCount, trackingStats } from '../../src/commands/client-tracking';
import { EmbeddedConnection } from '../../src/embedded';
import { OK, PushReply, Reply } from '../../src/resp/reply';

const tick = () => new Promise((r) => setImmediate(r));

async function resp3(s: RespiteServer): Promise<EmbeddedConnection> {
  const c = s.connect();
  await c.send(['HELLO', '3']);
  return c;
}

/** The keys of the invalidation pushes received so far (null for a flush), then forgets them. */
function invalidations(c: EmbeddedConnection): (string[] | null)[] {
  const out: (string[] | null)[] = [];
  for (const p of c.pushes.splice(0)) {
    assert.ok(p instanceof PushReply);
    assert.equal(p.items[0], 'invalidate');
    out.push(p.items[1] as string[] | null);
  }
  return out;
}

test('tracked keys are invalidated when the embedded clock makes them expire', async () => {
  const s = await startServer({ port: null });
  try {
    s.clock.freeze();
    const c = await resp3(s);
    await s.call('SET', 'session', 'v', 'EX', '60');
    assert.deepEqual(await c.send(['CLIENT', 'TRACKING', 'ON']), OK);
    assert.equal(await c.send(['GET', 'session']), 'v');
    s.clock.advance(59_000);
    await tick();
    assert.deepEqual(invalidations(c), []);
    s.clock.advance(1_000);
    await tick();
    assert.deepEqual(invalidations(c), [['session']]);
  } finally {
    await s.close();
  }
});

test('reads inside EXEC are tracked; writes by others invalidate; a key is sent once', async () => {
  const s = await startServer({ port: null });
  try {
    const c = await resp3(s);
    await c.send(['CLIENT', 'TRACKING', 'ON']);
    await c.send(['MULTI']);
    await c.send(['GET', 'a']);
    await c.send(['HGET', 'h', 'f']);
    await c.send(['EXEC']);
    assert.deepEqual(trackingStats(s.server), { keys: 2, items: 2, prefixes: 0 });
    await s.call('SET', 'a', '1');
    await s.call('SET', 'a', '2');
    await s.call('HSET', 'h', 'f', 'v');
    await tick();
    assert.deepEqual(invalidations(c), [['a'], ['h']]);
    assert.deepEqual(trackingStats(s.server), { keys: 0, items: 0, prefixes: 0 });
  } finally {
    await s.close();
  }
});

test('tracking-table-max-keys: the table is trimmed before the next command', async () => {
  const s = await startServer({ port: null, trackingTableMaxKeys: 2 } as never);
  try {
    const c = await resp3(s);
    await c.send(['CLIENT', 'TRACKING', 'ON']);
    await c.send(['MGET', 'k1', 'k2', 'k3']);
    assert.equal(trackingStats(s.server).keys, 3);
    await c.send(['PING']);
    await tick();
    const inv = invalidations(c);
    assert.equal(inv.length, 1);
    assert.equal(trackingStats(s.server).keys, 2);
    // Writes to the dropped key send nothing more.
    await s.call('SET', inv[0]![0], 'x');
    await tick();
    assert.deepEqual(invalidations(c), []);
  } finally {
    await s.close();
  }
});

test('flags, redirect and counts for CLIENT LIST / INFO; cleanup on RESET and disconnect', async () => {
  const s = await startServer({ port: null });
  try {
    const a = await resp3(s);
    const b = s.connect();
    assert.equal(trackingClientCount(s.server), 0);
    assert.equal(clientTrackingFlags(a.client), '');
    assert.equal(clientRedirect(a.client), -1);
    await a.send(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(b.client.id)]);
    assert.equal(clientTrackingFlags(a.client), 't');
    assert.equal(clientRedirect(a.client), b.client.id);
    assert.equal(await a.send(['CLIENT', 'GETREDIR']), b.client.id);
    await a.send(['GET', 'k']);
    b.close();
    await s.call('SET', 'k', 'v');
    await tick();
    assert.equal(clientTrackingFlags(a.client), 'tR');
    const broken = a.pushes.splice(0) as Reply[];
    assert.ok(broken[0] instanceof PushReply);
    assert.deepEqual(broken[0].items, ['tracking-redir-broken', b.client.id]);

    const c = s.connect();
    await c.send(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'cfg:']);
    assert.equal(clientTrackingFlags(c.client), 'tB');
    assert.equal(trackingClientCount(s.server), 2);
    assert.equal(trackingStats(s.server).prefixes, 2);
    await c.send(['RESET']);
    assert.equal(trackingClientCount(s.server), 1);
    assert.equal(trackingStats(s.server).prefixes, 0);
    a.close();
    assert.equal(trackingClientCount(s.server), 0);
  } finally {
    await s.close();
  }
});

test('BCAST through the embedded API: one message per event-loop turn, keys sorted', async () => {
  const s = await startServer({ port: null });
  try {
    const c = await resp3(s);
    await c.send(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:']);
    await s.call('SET', 'user:2', 'x');
    await s.call('SET', 'other', 'x');
    await s.call('SET', 'user:1', 'x');
    await s.call('DEL', 'user:2');
    await tick();
    await tick();
    assert.deepEqual(invalidations(c), [['user:1', 'user:2']]);
    await s.call('FLUSHALL');
    await tick();
    assert.deepEqual(invalidations(c), [null]);
  } finally {
    await s.close();
  }
});

test('RESP2 redirect target in subscriber mode gets __redis__:invalidate messages', async () => {
  const s = await startServer({ port: null });
  try {
    const sub = s.connect();
    await sub.send(['SUBSCRIBE', '__redis__:invalidate']);
    sub.pushes.splice(0);
    const c = s.connect();
    await c.send(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sub.client.id)]);
    await c.send(['GET', Buffer.from([0xff, 0x00])]);
    await s.call('SET', Buffer.from([0xff, 0x00]), 'x');
    await tick();
    const m = sub.pushes.splice(0) as Reply[];
    assert.equal(m.length, 1);
    assert.deepEqual(m[0], ['message', '__redis__:invalidate', ['\xff\x00']]);
  } finally {
    await s.close();
  }
});

test('no tracking client: reads leave nothing behind', async () => {
  const s = await startServer({ port: null });
  try {
    await s.call('MGET', 'a', 'b');
    await s.call('SET', 'a', '1');
    assert.deepEqual(trackingStats(s.server), { keys: 0, items: 0, prefixes: 0 });
    assert.equal(s.server.tracking.active, false);
  } finally {
    await s.close();
  }
});
