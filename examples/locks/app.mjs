// Distributed locks with redlock: a lock is a key SET with a random token and a PX expiry on each
// of N independent Redis servers (a Lua script, set only where no such key exists); it is held when
// a majority agreed within its validity time. Release and extension are Lua scripts that touch
// the key only while it still holds our token, so an expired lock taken over by someone else is
// never deleted or extended by its old holder. `using()` extends the lock while the work runs.
//
//   node examples/locks/app.mjs            # three embedded respite servers, a short demo
//   REDIS_URLS=redis://h1:6379,redis://h2:6379,redis://h3:6379 node examples/locks/app.mjs
import Redlock from 'redlock';
import Redis from 'ioredis';
import { pathToFileURL } from 'node:url';
import { startServer } from 'respite';

/** A Redlock over `clients` (ioredis, one per independent server; one works too, without fault tolerance). */
export function createRedlock(clients, settings = {}) {
  return new Redlock(clients, {
    driftFactor: 0.01, // clock drift allowance: 1% of the TTL, plus 2 ms
    retryCount: 200, // tries before acquire() gives up...
    retryDelay: 25, // ...this many ms apart...
    retryJitter: 25, // ...plus up to this much at random, so contenders do not retry in step
    automaticExtensionThreshold: 500, // using(): extend when less than this many ms remain
    ...settings,
  });
}

/**
 * A read-modify-write that is only safe under a lock: moves `amount` between two balances kept in
 * `data` (any ioredis client), refusing to overdraw. The lock covers both accounts.
 */
export async function transfer(redlock, data, from, to, amount) {
  return redlock.using([`lock:account:${from}`, `lock:account:${to}`].sort(), 5000, async (signal) => {
    const balance = Number(await data.get(`balance:${from}`));
    if (balance < amount) return false;
    await new Promise((r) => setTimeout(r, 5)); // slow work in the middle (a fraud check, a payment API)
    if (signal.aborted) throw signal.error; // the lock was lost: stop before writing
    await data.set(`balance:${from}`, balance - amount);
    await data.incrby(`balance:${to}`, amount);
    return true;
  });
}

/** The demo: `node examples/locks/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const servers = process.env.REDIS_URLS ? [] : await Promise.all([0, 1, 2].map(() => startServer({ port: 0 })));
  const urls = process.env.REDIS_URLS?.split(',') ?? servers.map((s) => `redis://127.0.0.1:${s.port}`);
  const clients = urls.map((url) => new Redis(url));
  const data = clients[0]; // the balances live on the first server; the locks on all three
  try {
    const redlock = createRedlock(clients);
    await data.mset('balance:alice', 100, 'balance:bob', 0);
    // Twelve concurrent transfers of 10 from alice's 100: exactly ten succeed, none overdraws.
    const results = await Promise.all(Array.from({ length: 12 }, () => transfer(redlock, data, 'alice', 'bob', 10)));
    log('transfers done:', results.filter(Boolean).length, 'refused:', results.filter((ok) => !ok).length);
    log('balances:', await data.mget('balance:alice', 'balance:bob'));
    await data.del('balance:alice', 'balance:bob');
  } finally {
    for (const c of clients) c.disconnect();
    for (const s of servers) await s.close();
  }
}

// Run only as a program, not when imported (no top-level await: tests require() this module).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
