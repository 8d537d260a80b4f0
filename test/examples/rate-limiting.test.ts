// examples/rate-limiting: express-rate-limit + rate-limit-redis on the API, rate-limiter-flexible
// on logins, two app processes sharing the counters in an embedded respite.
import { test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { useRespite } from 'respite/testing';
import { captureMain, loadExample } from '../helpers/examples';

/** An express application (the example is JavaScript; the test only passes it back). */
type Express = { readonly __express?: never };
interface Web {
  url: string;
  close(): Promise<void>;
}
interface RateLimitingExample {
  createApp(o: { redisUrl: string; apiLimit?: number; apiWindowMs?: number }): Promise<{ app: Express; close(): Promise<unknown> }>;
  listen(app: Express): Promise<Web>;
  main(log: (...args: unknown[]) => void): Promise<void>;
}

const ex = loadExample<RateLimitingExample>('rate-limiting', 'app.mjs');
const redis = useRespite({ reset: 'each' });
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check

/** Two app processes' worth of servers on one respite, closed when the test ends (before the file's server). */
async function twoApps(t: TestContext): Promise<[Web, Web]> {
  const out: Web[] = [];
  for (let i = 0; i < 2; i++) {
    const app = await ex.createApp({ redisUrl: redis.url, apiLimit: 5, apiWindowMs: 60_000 });
    const web = await ex.listen(app.app);
    t.after(async () => {
      await web.close();
      await app.close();
    });
    out.push(web);
  }
  return out as [Web, Web];
}

async function api(web: Web): Promise<Response> {
  const res = await fetch(`${web.url}/api/time`);
  await res.arrayBuffer();
  return res;
}

test('express-rate-limit: five requests pass across two processes, the sixth is 429, the next window opens', T, async (t) => {
  const [a, b] = await twoApps(t);
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await api(i % 2 ? b : a);
    statuses.push(res.status);
    assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`r=${4 - i}\\b`), `RateLimit header ${res.headers.get('ratelimit')}`);
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
  const limited = await api(b);
  assert.equal(limited.status, 429);
  assert.match(limited.headers.get('ratelimit-policy') ?? '', /q=5; w=60/);
  assert.equal((await api(a)).status, 429, 'the other process sees the same count');
  // The counter rate-limit-redis keeps: one key per client IP, expiring with the window.
  const [, keys] = (await redis.call('SCAN', '0', 'MATCH', 'rl:*')) as [string, string[]];
  assert.equal(keys.length, 1);
  assert.equal(await redis.call('GET', keys[0]), '7');
  const pttl = Number(await redis.call('PTTL', keys[0]));
  assert.ok(pttl > 0 && pttl <= 60_000, `PTTL ${pttl}`);
  redis.server.clock.advance(60_001);
  assert.equal((await api(a)).status, 200, 'a new window after the key expired');
});

test('rate-limiter-flexible: three failed logins block the user, even with the right password, for 15 minutes', T, async (t) => {
  const [a, b] = await twoApps(t);
  const login = async (web: Web, user: string, password: string) => {
    const res = await fetch(`${web.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
    await res.arrayBuffer();
    return res;
  };
  assert.equal((await login(a, 'alice', '1234')).status, 401);
  assert.equal((await login(b, 'alice', 'hunter2')).status, 401);
  assert.equal((await login(a, 'alice', 'letmein')).status, 401);
  const blocked = await login(b, 'alice', 'correct horse battery staple');
  assert.equal(blocked.status, 429);
  const retryAfter = Number(blocked.headers.get('retry-after'));
  assert.ok(retryAfter > 850 && retryAfter <= 900, `Retry-After ${retryAfter}`);
  assert.equal((await login(a, 'bob', 'x')).status, 401, 'another user is counted separately');
  const [, keys] = (await redis.call('SCAN', '0', 'MATCH', 'login-fail:alice_*')) as [string, string[]];
  assert.equal(keys.length, 1);
  assert.equal(await redis.call('GET', keys[0]), '3');
  redis.server.clock.advance(15 * 60_000 + 1);
  assert.equal((await login(a, 'alice', 'correct horse battery staple')).status, 200);
  assert.equal(await redis.call('EXISTS', keys[0]), 0, 'a successful login forgets the failures');
});

test('the demo', T, async () => {
  const out = await captureMain(ex.main);
  assert.match(out, /GET \/api\/time x7 over two processes: 200 200 200 200 200 429 429/);
  assert.match(out, /logins \(3 wrong, then the right password\): 401 401 401 429/);
});
