// A redlock-style lock on one respite instance: SET NX PX to acquire, a Lua compare-and-delete to
// release and a Lua compare-and-pexpire to extend, with many contenders over TCP (ioredis).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { startServer, RespiteServer } from '../../src/index';

const T = { timeout: 20_000 };
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const EXTEND = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

let s: RespiteServer;
const clients: Redis[] = [];

before(async () => {
  s = await startServer({ port: 0 });
  for (let i = 0; i < 5; i++) {
    const r = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    r.defineCommand('release', { numberOfKeys: 1, lua: RELEASE });
    r.defineCommand('extend', { numberOfKeys: 1, lua: EXTEND });
    clients.push(r);
  }
});

after(async () => {
  for (const r of clients) r.disconnect();
  await s.close();
});

type LockClient = Redis & { release(key: string, token: string): Promise<number>; extend(key: string, token: string, ms: number): Promise<number> };

async function acquire(r: Redis, key: string, ttl: number): Promise<string | null> {
  const token = randomBytes(16).toString('hex');
  return (await r.set(key, token, 'PX', ttl, 'NX')) === 'OK' ? token : null;
}

test('only one contender holds the lock; releasing with a stale token does nothing', T, async () => {
  const tokens = await Promise.all(clients.map((r) => acquire(r, 'lock:a', 10_000)));
  const holders = tokens.filter((t) => t !== null);
  assert.equal(holders.length, 1);
  const other = clients[0] as LockClient;
  assert.equal(await other.release('lock:a', 'not-the-token'), 0);
  assert.equal(await clients[0].get('lock:a'), holders[0]);
  assert.equal(await other.release('lock:a', holders[0]!), 1);
  assert.equal(await clients[0].exists('lock:a'), 0);
});

test('mutual exclusion under contention: a shared counter is never updated concurrently', T, async () => {
  let inside = 0;
  let maxInside = 0;
  let total = 0;
  const work = async (r: Redis): Promise<void> => {
    for (let done = 0; done < 10; ) {
      const token = await acquire(r, 'lock:b', 2000);
      if (token === null) {
        await new Promise((res) => setTimeout(res, 2));
        continue;
      }
      inside++;
      maxInside = Math.max(maxInside, inside);
      const v = Number(await r.get('counter'));
      await new Promise((res) => setImmediate(res));
      await r.set('counter', String(v + 1));
      inside--;
      total++;
      done++;
      assert.equal(await (r as LockClient).release('lock:b', token), 1);
    }
  };
  await Promise.all(clients.map(work));
  assert.equal(maxInside, 1);
  assert.equal(total, 50);
  assert.equal(await clients[0].get('counter'), '50');
});

test('an expired lock can be taken over, and the old holder can no longer extend or release it', T, async () => {
  const [a, b] = clients as LockClient[];
  const old = await acquire(a, 'lock:c', 100);
  assert.ok(old);
  assert.equal(await a.extend('lock:c', old, 200), 1);
  assert.equal(await acquire(b, 'lock:c', 1000), null);
  s.clock.advance(250);
  const fresh = await acquire(b, 'lock:c', 1000);
  assert.ok(fresh);
  assert.equal(await a.extend('lock:c', old, 5000), 0);
  assert.equal(await a.release('lock:c', old), 0);
  assert.equal(await b.release('lock:c', fresh), 1);
});
