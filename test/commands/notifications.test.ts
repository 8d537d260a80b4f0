// Keyspace notifications through the embedded API: expired events from the embedded clock,
// lazy and active expiry, flag classes, and 'n' kept alongside 'A'.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer, RespiteServer } from '../../src/index';
import { EmbeddedConnection } from '../../src/embedded';

const tick = () => new Promise((r) => setImmediate(r));

async function subscriber(s: RespiteServer, pattern = '__key*__:*'): Promise<EmbeddedConnection> {
  const c = s.connect();
  await c.send(['PSUBSCRIBE', pattern]);
  c.pushes.splice(0);
  return c;
}

/** [channel, message] of each pmessage received so far. */
async function received(c: EmbeddedConnection): Promise<[string, string][]> {
  await tick();
  return (c.pushes.splice(0) as string[][]).map((m) => [m[2], m[3]]);
}

test('expired events when the embedded clock passes a TTL, without any access', async () => {
  const s = await startServer({ port: null, notifyKeyspaceEvents: 'Ex' } as never);
  try {
    s.clock.freeze();
    const sub = await subscriber(s);
    await s.call('SET', 'a', '1', 'PX', '1000');
    await s.call('HSET', 'h', 'f', 'v');
    await s.call('PEXPIRE', 'h', '2000');
    assert.deepEqual(await received(sub), []);
    s.clock.advance(1000);
    assert.deepEqual(await received(sub), [['__keyevent@0__:expired', 'a']]);
    s.clock.set(s.clock.now() + 5000);
    assert.deepEqual(await received(sub), [['__keyevent@0__:expired', 'h']]);
    assert.equal(await s.call('EXISTS', 'a', 'h'), 0);
  } finally {
    await s.close();
  }
});

test('lazy expiry emits expired before the reading command sees no key', async () => {
  const s = await startServer({ port: null, notifyKeyspaceEvents: 'KEA' } as never);
  try {
    s.server.keyspace.activeExpireEnabled = false;
    const sub = await subscriber(s);
    await s.call('SET', 'k', 'v', 'PX', '100000');
    await received(sub);
    // The TTL runs out (set in the past directly: a clock jump would expire the key at once).
    s.server.keyspace.dbs[0].setExpire('k', s.clock.now() - 1);
    assert.equal(await s.call('GET', 'k'), null);
    assert.deepEqual(await received(sub), [
      ['__keyspace@0__:k', 'expired'],
      ['__keyevent@0__:expired', 'k'],
    ]);
  } finally {
    await s.close();
  }
});

test('active expiry (the cron) emits expired events', async () => {
  const s = await startServer({ port: null, notifyKeyspaceEvents: 'Ex', hz: 100 } as never);
  try {
    s.server.stopCron(); // stepped below
    const sub = await subscriber(s);
    await s.call('SET', 'k1', 'v', 'PX', '100000');
    await s.call('SET', 'k2', 'v', 'PX', '100000');
    // TTLs that ran out, put in the past directly (a clock jump would expire them without the cron).
    for (const k of ['k1', 'k2']) s.server.keyspace.dbs[0].setExpire(k, s.clock.now() - 1);
    assert.deepEqual(await received(sub), []);
    s.server.runCron(1);
    const got = await received(sub);
    assert.deepEqual(got.map((m) => m[1]).sort(), ['k1', 'k2']);
  } finally {
    await s.close();
  }
});

test("'A' with 'n': CONFIG GET prints AKE, new-key events still flow", async () => {
  const s = await startServer({ port: null, notifyKeyspaceEvents: 'KEAn' } as never);
  try {
    assert.deepEqual(await s.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', 'AKE']);
    const sub = await subscriber(s, '__keyevent@0__:*');
    await s.call('SET', 'fresh', '1');
    await s.call('SET', 'fresh', '2');
    assert.deepEqual(await received(sub), [
      ['__keyevent@0__:new', 'fresh'],
      ['__keyevent@0__:set', 'fresh'],
      ['__keyevent@0__:set', 'fresh'],
    ]);
    // Setting it again to KEA (same printed form) really drops 'n'.
    await s.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await s.call('SET', 'fresh2', '1');
    assert.deepEqual(await received(sub), [['__keyevent@0__:set', 'fresh2']]);
  } finally {
    await s.close();
  }
});

test('classes: m (key miss) is not part of A; K alone without a class sends nothing', async () => {
  const s = await startServer({ port: null, notifyKeyspaceEvents: 'KA' } as never);
  try {
    const sub = await subscriber(s);
    await s.call('GET', 'missing');
    await s.call('LPUSH', 'l', 'x');
    assert.deepEqual(await received(sub), [['__keyspace@0__:l', 'lpush']]);
    await s.call('CONFIG', 'SET', 'notify-keyspace-events', 'Km');
    await s.call('GET', 'missing');
    await s.call('LPUSH', 'l', 'x');
    assert.deepEqual(await received(sub), [['__keyspace@0__:missing', 'keymiss']]);
    await s.call('CONFIG', 'SET', 'notify-keyspace-events', 'K');
    await s.call('DEL', 'l');
    assert.deepEqual(await received(sub), []);
    await assert.rejects(s.call('CONFIG', 'SET', 'notify-keyspace-events', 'KX'), /Invalid event class character/);
  } finally {
    await s.close();
  }
});
