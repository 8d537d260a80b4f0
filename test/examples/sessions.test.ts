// examples/sessions: express-session + connect-redis (node-redis) against an embedded respite.
import { test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { useRespite } from 'respite/testing';
import { captureMain, loadExample, runExample } from '../helpers/examples';

/** An express application (the example is JavaScript; the test only passes it back). */
type Express = { readonly __express?: never };
interface Web {
  url: string;
  close(): Promise<void>;
}
interface SessionsExample {
  createApp(o: { redisUrl: string; ttlSeconds?: number }): Promise<{ app: Express; close(): Promise<void> }>;
  listen(app: Express): Promise<Web>;
  main(log: (...args: unknown[]) => void): Promise<void>;
}

const { createApp, listen, main } = loadExample<SessionsExample>('sessions', 'app.mjs');
const redis = useRespite({ reset: 'each' });
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check

/** Two app processes' worth of servers on one respite, closed when the test ends (before the file's server). */
async function twoApps(t: TestContext, ttlSeconds = 3600): Promise<[Web, Web]> {
  const out: Web[] = [];
  for (let i = 0; i < 2; i++) {
    const ex = await createApp({ redisUrl: redis.url, ttlSeconds });
    const web = await listen(ex.app);
    t.after(async () => {
      await web.close();
      await ex.close();
    });
    out.push(web);
  }
  return out as [Web, Web];
}

async function login(web: Web, user: string): Promise<string> {
  const res = await fetch(`${web.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
  assert.equal(res.status, 200);
  // express-session sends the headers before its store.set() returns, holding back the body's end.
  assert.deepEqual(await res.json(), { user });
  const setCookie = res.headers.get('set-cookie');
  assert.ok(setCookie, 'login sets the session cookie');
  return setCookie.split(';')[0];
}

async function me(web: Web, cookie: string): Promise<{ status: number; body: { user?: string; views?: number } }> {
  const res = await fetch(`${web.url}/me`, { headers: { cookie } });
  return { status: res.status, body: (await res.json()) as { user?: string; views?: number } };
}

/** The session id inside the signed cookie `connect.sid=s%3A<id>.<signature>`. */
function sid(cookie: string): string {
  return decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0];
}

test('a session written by one app is read by the other and persists across requests', T, async (t) => {
  const [a, b] = await twoApps(t);
  const cookie = await login(a, 'alice');
  assert.deepEqual(await me(b, cookie), { status: 200, body: { user: 'alice', views: 1 } });
  assert.deepEqual(await me(a, cookie), { status: 200, body: { user: 'alice', views: 2 } });
  assert.deepEqual(await me(b, cookie), { status: 200, body: { user: 'alice', views: 3 } });
  // What connect-redis stored: JSON under sess:<id>, expiring with the cookie.
  const key = `sess:${sid(cookie)}`;
  const stored = JSON.parse(String(await redis.call('GET', key))) as { user: string; views: number };
  assert.equal(stored.user, 'alice');
  assert.equal(stored.views, 3);
  const ttl = Number(await redis.call('TTL', key));
  assert.ok(ttl > 3500 && ttl <= 3600, `TTL ${ttl}`);
  assert.equal(await redis.call('DBSIZE'), 1);
});

test('no cookie, no session; logout deletes the key', T, async (t) => {
  const [a, b] = await twoApps(t);
  assert.equal((await me(a, '')).status, 401);
  assert.equal(await redis.call('DBSIZE'), 0, 'saveUninitialized: false stores nothing for visitors');
  const cookie = await login(a, 'bob');
  assert.equal(await redis.call('EXISTS', `sess:${sid(cookie)}`), 1);
  const res = await fetch(`${b.url}/logout`, { method: 'POST', headers: { cookie } });
  assert.deepEqual(await res.json(), { ok: true });
  assert.equal(await redis.call('EXISTS', `sess:${sid(cookie)}`), 0);
  assert.equal((await me(a, cookie)).status, 401);
});

test('a session expires with its Redis TTL (the server clock moved, no waiting)', T, async (t) => {
  const [a] = await twoApps(t, 60);
  const cookie = await login(a, 'carol');
  assert.equal((await me(a, cookie)).status, 200);
  redis.server.clock.advance(61_000);
  assert.equal(await redis.call('EXISTS', `sess:${sid(cookie)}`), 0);
  assert.equal((await me(a, cookie)).status, 401);
});

test('the demo: two apps share a login', T, async () => {
  const out = await captureMain(main);
  assert.match(out, /the same cookie on app B: \{ user: 'alice', views: 1 \}/);
  assert.match(out, /sess:\S+ expires in 86(400|3\d\d) s/); // a slow machine may have crossed a second
});

test('node examples/sessions/app.mjs runs the demo as a program', T, async () => {
  const r = await runExample('sessions', 'app.mjs');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /the same cookie on app B: \{ user: 'alice', views: 1 \}/);
});
