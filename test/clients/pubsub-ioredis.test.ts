// ioredis subscribers against an embedded respite over TCP: channel and pattern subscriptions,
// binary payloads, unsubscribing, keyspace events, resubscription after a reconnect.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startServer, RespiteServer } from '../../src/index';

const T = { timeout: 20_000 };
let s: RespiteServer;
const open: Redis[] = [];

function client(opts: Record<string, unknown> = {}): Redis {
  // No ready check (INFO): these tests are about pub/sub, ioredis.test.ts covers the handshake.
  const r = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, enableReadyCheck: false, ...opts });
  r.on('error', () => {});
  open.push(r);
  return r;
}

/** Resolves with the next `n` emissions of an event. */
function nextEvents(r: Redis, event: string, n: number): Promise<unknown[][]> {
  return new Promise((resolve) => {
    const got: unknown[][] = [];
    const on = (...args: unknown[]) => {
      got.push(args);
      if (got.length === n) {
        r.off(event, on);
        resolve(got);
      }
    };
    r.on(event, on);
  });
}

before(async () => {
  s = await startServer({ port: 0 });
});

after(async () => {
  for (const r of open) r.disconnect();
  await s.close();
});

for (const protocol of [2, 3] as const) {
  describe(`ioredis pub/sub, RESP${protocol}`, () => {
    test('channel subscriptions receive messages in order; counts', T, async () => {
      const sub = client({ protocol });
      const pub = client({ protocol });
      await sub.connect();
      await pub.connect();
      const ch = `io${protocol}:news`;
      assert.equal(await sub.subscribe(ch, `${ch}:other`), 2);
      assert.deepEqual(await pub.pubsub('NUMSUB', ch, `${ch}:none`), [ch, 1, `${ch}:none`, 0]);
      const msgs = nextEvents(sub, 'message', 3);
      assert.equal(await pub.publish(ch, 'one'), 1);
      await pub.publish(`${ch}:other`, 'two');
      await pub.publish(ch, 'héllo');
      assert.deepEqual(await msgs, [
        [ch, 'one'],
        [`${ch}:other`, 'two'],
        [ch, 'héllo'],
      ]);
      assert.equal(await sub.unsubscribe(ch), 1);
      assert.equal(await pub.publish(ch, 'lost'), 0);
      await sub.unsubscribe();
      assert.equal(await pub.publish(`${ch}:other`, 'lost'), 0);
    });

    test('pattern subscriptions: pmessage with pattern and channel', T, async () => {
      const sub = client({ protocol });
      const pub = client({ protocol });
      await sub.connect();
      await pub.connect();
      const p = `io${protocol}:ev:*`;
      const base = (await pub.pubsub('NUMPAT')) as unknown as number;
      assert.equal(await sub.psubscribe(p), 1);
      const got = nextEvents(sub, 'pmessage', 2);
      assert.equal(await pub.publish(`io${protocol}:ev:a`, 'x'), 1);
      await pub.publish(`io${protocol}:other`, 'no');
      await pub.publish(`io${protocol}:ev:b`, 'y');
      assert.deepEqual(await got, [
        [p, `io${protocol}:ev:a`, 'x'],
        [p, `io${protocol}:ev:b`, 'y'],
      ]);
      assert.equal(await pub.pubsub('NUMPAT'), base + 1);
      await sub.punsubscribe(p);
      assert.equal(await pub.pubsub('NUMPAT'), base);
    });

    test('binary channel names and payloads (messageBuffer)', T, async () => {
      const sub = client({ protocol });
      const pub = client({ protocol });
      await sub.connect();
      await pub.connect();
      const ch = Buffer.from([0xff, 0x00, 0x0d, 0x0a, protocol]);
      const payload = Buffer.from([0, 1, 2, 0xfe, 0xff, 13, 10]);
      await sub.subscribe(ch as unknown as string);
      const got = nextEvents(sub, 'messageBuffer', 1);
      assert.equal(await pub.publish(ch as unknown as string, payload as unknown as string), 1);
      const [[c, m]] = await got;
      assert.ok(Buffer.isBuffer(c) && Buffer.isBuffer(m));
      assert.deepEqual(c, ch);
      assert.deepEqual(m, payload);
    });

    test('keyspace notifications through a pattern subscription', T, async () => {
      const sub = client({ protocol });
      const cmd = client({ protocol });
      await sub.connect();
      await cmd.connect();
      await cmd.config('SET', 'notify-keyspace-events', 'KEA');
      try {
        await sub.psubscribe('__keyevent@0__:*');
        const got = nextEvents(sub, 'pmessage', 3);
        await cmd.set(`io${protocol}:ks`, '1');
        await cmd.expire(`io${protocol}:ks`, 100);
        await cmd.del(`io${protocol}:ks`);
        assert.deepEqual(
          (await got).map((a) => [a[1], a[2]]),
          [
            ['__keyevent@0__:set', `io${protocol}:ks`],
            ['__keyevent@0__:expire', `io${protocol}:ks`],
            ['__keyevent@0__:del', `io${protocol}:ks`],
          ],
        );
      } finally {
        await cmd.config('SET', 'notify-keyspace-events', '');
      }
    });

    test('subscriptions are restored after the server drops the connection', T, async () => {
      const sub = client({ protocol, retryStrategy: () => 20 });
      const pub = client({ protocol });
      await sub.connect();
      await pub.connect();
      const ch = `io${protocol}:resub`;
      await sub.subscribe(ch);
      const ready = new Promise((r) => sub.once('ready', r));
      // Drop the subscriber's socket from the server side.
      for (const c of s.server.clients.values()) if (c.channels.has(ch)) c.close();
      await ready;
      // ioredis re-subscribes once ready.
      for (let i = 0; i < 50 && (await pub.pubsub('NUMSUB', ch))[1] !== 1; i++) await new Promise((r) => setTimeout(r, 20));
      const got = nextEvents(sub, 'message', 1);
      assert.equal(await pub.publish(ch, 'back'), 1);
      assert.deepEqual(await got, [[ch, 'back']]);
    });
  });
}
