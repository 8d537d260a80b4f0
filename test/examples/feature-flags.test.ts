// examples/feature-flags: the Redis-backed flag store, its per-user bucketing and rollout.
import { test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { useRespite } from 'respite/testing';
import { captureMain, loadExample } from '../helpers/examples';

interface FlagOptions {
  enabled?: boolean;
  rollout?: number;
  description?: string;
  salt?: string;
  allow?: string[];
  deny?: string[];
}
interface Store {
  define(name: string, o?: FlagOptions): Promise<void>;
  setRollout(name: string, percent: number): Promise<void>;
  setEnabled(name: string, on: boolean): Promise<void>;
  allow(name: string, ...ids: string[]): Promise<void>;
  deny(name: string, ...ids: string[]): Promise<void>;
  remove(name: string): Promise<void>;
  isEnabled(name: string, userId: string): Promise<boolean>;
  enabledFor(name: string, userIds: string[]): Promise<boolean[]>;
  list(): Promise<{ name: string; enabled: boolean; rollout: number; description: string }[]>;
}
interface FlagsExample {
  FlagStore: new (redis: Redis, prefix?: string, indexKey?: string) => Store;
  bucketOf(salt: string, userId: string): number;
  main(log: (...args: unknown[]) => void): Promise<void>;
}

const ex = loadExample<FlagsExample>('feature-flags', 'app.mjs');
const redis = useRespite({ reset: 'each' });
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check
const USERS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

/** An ioredis client for one test, disconnected when it ends (before the file's server closes). */
function connect(t: TestContext): Redis {
  const client = new Redis(redis.url);
  t.after(() => client.disconnect());
  return client;
}

/** The users the flag is on for, as a set. */
async function onFor(store: Store, name: string): Promise<Set<string>> {
  const on = await store.enabledFor(name, USERS);
  return new Set(USERS.filter((_, i) => on[i]));
}

test('rollout percentages hold within bounds over 10,000 users, and grow monotonically', T, async (t) => {
  const store = new ex.FlagStore(connect(t));
  await store.define('new-checkout', { rollout: 0 });
  assert.equal((await onFor(store, 'new-checkout')).size, 0);
  let previous = new Set<string>();
  for (const percent of [1, 10, 25, 50, 90]) {
    await store.setRollout('new-checkout', percent);
    const on = await onFor(store, 'new-checkout');
    const share = (on.size / USERS.length) * 100;
    assert.ok(Math.abs(share - percent) <= 1.5, `${percent}%: ${share.toFixed(2)}% of users`);
    for (const user of previous) assert.ok(on.has(user), `${user} was on at a lower percentage and must stay on`);
    previous = on;
  }
  await store.setRollout('new-checkout', 100);
  assert.equal((await onFor(store, 'new-checkout')).size, USERS.length);
  await store.setRollout('new-checkout', 250);
  assert.equal(await redis.call('HGET', 'flag:new-checkout', 'rollout'), '100', 'clamped to 100');
});

test('bucketing is deterministic, the same for every store instance, and different per flag salt', T, async (t) => {
  const a = new ex.FlagStore(connect(t));
  const b = new ex.FlagStore(connect(t));
  {
    await a.define('dark-mode', { rollout: 50 });
    await a.define('search-v2', { rollout: 50 });
    const fromA = await a.enabledFor('dark-mode', USERS);
    assert.deepEqual(await b.enabledFor('dark-mode', USERS), fromA);
    assert.deepEqual(await a.enabledFor('dark-mode', USERS), fromA);
    for (const i of [0, 17, 4242]) assert.equal(await b.isEnabled('dark-mode', USERS[i]), fromA[i]);
    assert.equal(ex.bucketOf('dark-mode', 'user-1'), ex.bucketOf('dark-mode', 'user-1'));
    // Two independent 50% flags: about a quarter of users have both.
    const dark = await onFor(a, 'dark-mode');
    const search = await onFor(a, 'search-v2');
    const both = [...dark].filter((u) => search.has(u)).length;
    assert.ok(both > 2200 && both < 2800, `${both} users in both`);
  }
});

test('allow and deny lists win over the percentage; the kill switch wins over everything', T, async (t) => {
  const store = new ex.FlagStore(connect(t));
  await store.define('beta', { rollout: 0, allow: ['staff-1'], description: 'beta features' });
  const someoneIn = USERS.find((u) => ex.bucketOf('beta', u) < 9000)!;
  assert.equal(await store.isEnabled('beta', 'staff-1'), true);
  assert.equal(await store.isEnabled('beta', someoneIn), false);
  await store.setRollout('beta', 90);
  assert.equal(await store.isEnabled('beta', someoneIn), true);
  await store.deny('beta', someoneIn);
  assert.equal(await store.isEnabled('beta', someoneIn), false);
  await store.allow('beta', 'staff-2');
  assert.deepEqual(await store.enabledFor('beta', ['staff-1', 'staff-2', someoneIn]), [true, true, false]);
  await store.setEnabled('beta', false);
  assert.deepEqual(await store.enabledFor('beta', ['staff-1', 'staff-2']), [false, false]);
  assert.deepEqual(await store.list(), [{ name: 'beta', enabled: false, rollout: 90, description: 'beta features' }]);
  assert.equal(await store.isEnabled('no-such-flag', 'staff-1'), false, 'an unknown flag is off');
  await store.remove('beta');
  assert.deepEqual(await store.list(), []);
  assert.equal(await redis.call('DBSIZE'), 0);
});

test('the demo', T, async () => {
  const out = await captureMain(ex.main);
  assert.match(out, /rollout 10%: \d+ of 1000 users; staff-1: true/);
  assert.match(out, /kill switch: 0 of 1000 users; staff-1: false/);
});
