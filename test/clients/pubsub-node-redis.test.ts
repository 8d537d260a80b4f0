// node-redis (v5 API) against an embedded respite over TCP: subscribers in RESP2 and RESP3
// (push messages interleaved with ordinary replies on one connection), pattern subscriptions,
// binary payloads, invalidation events and node-redis's client-side cache.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startServer, RespiteServer } from '../../src/index';

const T = { timeout: 20_000 };
let s: RespiteServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = any;
const open: AnyClient[] = [];

async function client(RESP: 2 | 3, extra: Record<string, unknown> = {}): Promise<AnyClient> {
  const c = createClient({ socket: { port: s.port, host: '127.0.0.1', reconnectStrategy: 10 }, RESP, ...extra } as Parameters<typeof createClient>[0]);
  c.on('error', () => {});
  open.push(c);
  await c.connect();
  return c;
}

/** A listener that collects calls and resolves once `n` arrived. */
function collector<T extends unknown[]>(n: number): { fn: (...a: T) => void; done: Promise<T[]> } {
  const got: T[] = [];
  let resolve!: (v: T[]) => void;
  const done = new Promise<T[]>((r) => (resolve = r));
  return {
    fn: (...a: T) => {
      got.push(a);
      if (got.length === n) resolve(got);
    },
    done,
  };
}

const until = async (cond: () => Promise<boolean> | boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

before(async () => {
  s = await startServer({ port: 0 });
});

after(async () => {
  for (const c of open) if (c.isOpen) c.destroy();
  await s.close();
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis pub/sub, RESP${RESP}`, () => {
    test('subscribe / publish / unsubscribe', T, async () => {
      const sub = await client(RESP);
      const pub = await client(RESP);
      const ch = `nr${RESP}:ch`;
      const got = collector<[string, string]>(2);
      await sub.subscribe(ch, got.fn);
      assert.deepEqual(await pub.pubSubNumSub(ch), { [ch]: 1 });
      assert.equal(await pub.publish(ch, 'a'), 1);
      assert.equal(await pub.publish(ch, 'ünïcode'), 1);
      assert.deepEqual(await got.done, [
        ['a', ch],
        ['ünïcode', ch],
      ]);
      await sub.unsubscribe(ch);
      assert.equal(await pub.publish(ch, 'lost'), 0);
    });

    test('pattern subscriptions and binary payloads', T, async () => {
      const sub = await client(RESP);
      const pub = await client(RESP);
      const got = collector<[Buffer, Buffer]>(2);
      await sub.pSubscribe(`nr${RESP}:p:*`, got.fn, true);
      const bin = Buffer.from([0, 0xff, 13, 10, 0x80]);
      assert.equal(await pub.publish(`nr${RESP}:p:one`, bin), 1);
      await pub.publish(`nr${RESP}:q`, 'no');
      await pub.publish(`nr${RESP}:p:two`, 'text');
      const [[m1, c1], [m2, c2]] = await got.done;
      assert.deepEqual(m1, bin);
      assert.equal(c1.toString(), `nr${RESP}:p:one`);
      assert.equal(m2.toString(), 'text');
      assert.equal(c2.toString(), `nr${RESP}:p:two`);
      await sub.pUnsubscribe(`nr${RESP}:p:*`);
    });
  });
}

describe('node-redis RESP3 push', () => {
  test('a subscribed RESP3 connection still runs ordinary commands', T, async () => {
    const c = await client(3);
    const pub = await client(3);
    const got = collector<[string, string]>(3);
    await c.subscribe('nr3:mixed', got.fn);
    // Messages (push) and replies share the connection.
    const [, v1, , v2] = await Promise.all([
      pub.publish('nr3:mixed', 'm1'),
      c.set('nr3:mixed:k', 'v'),
      pub.publish('nr3:mixed', 'm2'),
      c.get('nr3:mixed:k'),
    ]);
    assert.equal(v1, 'OK');
    assert.equal(v2, 'v');
    await pub.publish('nr3:mixed', 'm3');
    assert.deepEqual(
      (await got.done).map((a) => a[0]),
      ['m1', 'm2', 'm3'],
    );
    assert.equal(await c.ping(), 'PONG');
  });

  test('emitInvalidate: tracking invalidations arrive as events', T, async () => {
    const c = await client(3, { emitInvalidate: true });
    const w = await client(3);
    const keys: (string | null)[] = [];
    c.on('invalidate', (k: Buffer | null) => keys.push(k === null ? null : k.toString()));
    await c.get('nr3:inv');
    await w.set('nr3:inv', '1');
    await until(() => keys.length === 1);
    assert.deepEqual(keys, ['nr3:inv']);
    await w.flushDb();
    await until(() => keys.length === 2);
    assert.deepEqual(keys, ['nr3:inv', null]);
  });

  test('clientSideCache: hits until another client writes the key', T, async () => {
    const c = await client(3, { clientSideCache: { ttl: 0, maxEntries: 0 } });
    const w = await client(3);
    await w.set('nr3:csc', 'v1');
    assert.equal(await c.get('nr3:csc'), 'v1');
    assert.equal(await c.get('nr3:csc'), 'v1');
    const stats = () => c.clientSideCache.stats();
    assert.equal(stats().hitCount, 1);
    assert.equal(stats().missCount, 1);
    await w.set('nr3:csc', 'v2');
    await until(() => c.clientSideCache.size() === 0);
    assert.equal(await c.get('nr3:csc'), 'v2');
    assert.equal(stats().missCount, 2);
    assert.equal(await c.get('nr3:csc'), 'v2');
    assert.equal(stats().hitCount, 2);
  });
});
