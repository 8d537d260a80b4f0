// examples/locks: redlock over three embedded respite servers: exclusion, expiry and takeover,
// and the majority rule when servers go away.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import type Redlock from 'redlock';
import { startServer, RespiteServer } from 'respite';
import { captureMain, loadExample } from '../helpers/examples';

interface LocksExample {
  createRedlock(clients: Redis[], settings?: Record<string, number>): Redlock;
  transfer(redlock: Redlock, data: Redis, from: string, to: string, amount: number): Promise<boolean>;
  main(log: (...args: unknown[]) => void): Promise<void>;
}

const ex = loadExample<LocksExample>('locks', 'app.mjs');
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check
let servers: RespiteServer[] = [];
let clients: Redis[] = [];
const closed = new Set<RespiteServer>();

before(async () => {
  servers = await Promise.all([0, 1, 2].map(() => startServer({ port: 0 })));
  // No offline queue and no reconnection: a command to a stopped server fails at once, as a vote against.
  clients = servers.map((s) => {
    const c = new Redis({ host: '127.0.0.1', port: s.port, enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    c.on('error', () => undefined);
    return c;
  });
  await Promise.all(clients.map((c) => c.connect()));
});
after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) if (!closed.has(s)) await s.close();
});

test('concurrent transfers under the lock: exactly the affordable ones succeed', T, async () => {
  const redlock = ex.createRedlock(clients);
  const data = clients[0];
  await data.mset('balance:alice', 100, 'balance:bob', 0);
  const results = await Promise.all(Array.from({ length: 12 }, () => ex.transfer(redlock, data, 'alice', 'bob', 10)));
  assert.equal(results.filter(Boolean).length, 10);
  assert.deepEqual(await data.mget('balance:alice', 'balance:bob'), ['0', '100']);
  for (const c of clients) assert.equal(await c.exists('lock:account:alice', 'lock:account:bob'), 0, 'released everywhere');
});

test('one holder at a time: a critical section never runs twice at once', T, async () => {
  const redlock = ex.createRedlock(clients);
  let inside = 0;
  let most = 0;
  let runs = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let i = 0; i < 3; i++) {
        await redlock.using(['lock:report'], 5000, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 2));
          inside--;
          runs++;
        });
      }
    }),
  );
  assert.equal(runs, 18);
  assert.equal(most, 1);
});

test('a held lock refuses others; after its TTL passes it can be taken, and the old token frees nothing', T, async () => {
  const first = ex.createRedlock(clients);
  const impatient = ex.createRedlock(clients, { retryCount: 0 });
  const lock = await first.acquire(['lock:nightly'], 10_000);
  for (const c of clients) assert.equal(await c.get('lock:nightly'), lock.value, 'the same token on every server');
  await assert.rejects(impatient.acquire(['lock:nightly'], 10_000), { name: 'ExecutionError' });
  for (const s of servers) s.clock.advance(10_001);
  const second = await impatient.acquire(['lock:nightly'], 10_000);
  assert.notEqual(second.value, lock.value);
  await lock.release().catch(() => undefined); // the old holder's release is refused by every server
  for (const c of clients) assert.equal(await c.get('lock:nightly'), second.value);
  await second.release();
  for (const c of clients) assert.equal(await c.exists('lock:nightly'), 0);
});

test('a majority suffices: one server of three down, locks still work; two down, they are refused', T, async () => {
  const redlock = ex.createRedlock(clients, { retryCount: 2, retryDelay: 10 });
  await servers[2].close();
  closed.add(servers[2]);
  const lock = await redlock.acquire(['lock:quorum'], 5000);
  const votes = await lock.attempts[lock.attempts.length - 1];
  assert.equal(votes.votesFor.size, 2);
  assert.equal(votes.votesAgainst.size, 1);
  await lock.release();
  await servers[1].close();
  closed.add(servers[1]);
  await assert.rejects(redlock.acquire(['lock:quorum'], 5000), { name: 'ExecutionError' });
});

test('the demo', T, async () => {
  const out = await captureMain(ex.main);
  assert.match(out, /transfers done: 10 refused: 2/);
  assert.match(out, /balances: \[ '0', '100' \]/);
});
