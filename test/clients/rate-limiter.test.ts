// rate-limiter-flexible's RateLimiterRedis (Lua INCR + PEXPIRE script) with ioredis, against an
// embedded respite over TCP.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { startServer, RespiteServer } from '../../src/index';

const T = { timeout: 20_000 };
let s: RespiteServer;
let redis: Redis;

before(async () => {
  s = await startServer({ port: 0 });
  redis = new Redis({ port: s.port, host: '127.0.0.1', enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
});

after(async () => {
  redis.disconnect();
  await s.close();
});

test('consumes points and rejects past the limit with msBeforeNext', T, async () => {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl1', points: 3, duration: 10 });
  for (let i = 1; i <= 3; i++) {
    const r = await limiter.consume('user');
    assert.equal(r.consumedPoints, i);
    assert.equal(r.remainingPoints, 3 - i);
  }
  const rejected = await limiter.consume('user').then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(rejected instanceof RateLimiterRes, String(rejected));
  assert.equal(rejected.remainingPoints, 0);
  assert.ok(rejected.msBeforeNext > 9000 && rejected.msBeforeNext <= 10000, String(rejected.msBeforeNext));
  // The key carries the window as its TTL.
  const ttl = await redis.pttl('rl1:user');
  assert.ok(ttl > 9000 && ttl <= 10000, String(ttl));
});

test('points come back when the window passes (server clock advanced)', T, async () => {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl2', points: 2, duration: 1 });
  await limiter.consume('ip');
  await limiter.consume('ip');
  await assert.rejects(limiter.consume('ip'));
  s.clock.advance(1100); // the key expires on the server's clock
  const r = await limiter.consume('ip');
  assert.equal(r.consumedPoints, 1);
});

test('blockDuration blocks a key after the limit; block / penalty / reward / delete', T, async () => {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl3', points: 1, duration: 5, blockDuration: 60 });
  await limiter.consume('k');
  const e = await limiter.consume('k').catch((x: RateLimiterRes) => x);
  assert.ok(e instanceof RateLimiterRes);
  assert.ok(e.msBeforeNext > 55_000, String(e.msBeforeNext));
  const got = await limiter.get('k');
  assert.ok(got !== null && got.msBeforeNext > 55_000);
  assert.equal(await limiter.delete('k'), true);
  assert.equal(await limiter.get('k'), null);
  const p = await limiter.penalty('other', 1);
  assert.equal(p.consumedPoints, 1);
  const r = await limiter.reward('other', 1);
  assert.equal(r.consumedPoints, 0);
  const b = await limiter.block('third', 30);
  assert.ok(b.msBeforeNext > 29_000);
  await assert.rejects(limiter.consume('third'));
});

test('concurrent consumers never exceed the limit (the script is atomic)', T, async () => {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl4', points: 10, duration: 30 });
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => limiter.consume('shared')));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
  assert.equal(await redis.get('rl4:shared'), '50');
});
