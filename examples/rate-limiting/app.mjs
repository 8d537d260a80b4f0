// Rate limiting in Redis, shared by every app process behind the load balancer:
// - express-rate-limit + rate-limit-redis: a fixed window per client IP on the whole API (a Lua
//   script runs INCR + PEXPIRE on `rl:<ip>` and answers the count and the window's PTTL);
// - rate-limiter-flexible: brute-force protection on /login, counting failed attempts per
//   username + IP and blocking for 15 minutes after 3 of them (its own Lua INCR + PEXPIRE script).
//
//   node examples/rate-limiting/app.mjs            # an embedded respite, a short demo
//   REDIS_URL=redis://127.0.0.1:6379 node examples/rate-limiting/app.mjs
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import Redis from 'ioredis';
import { pathToFileURL } from 'node:url';
import { startServer } from 'respite';

const USERS = { alice: 'correct horse battery staple' }; // stands in for a user table with password hashes

export async function createApp({ redisUrl, apiLimit = 5, apiWindowMs = 60_000 }) {
  // rate-limiter-flexible wants offline commands refused at once rather than queued.
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', (err) => console.error('redis:', err.message));
  await redis.connect();

  const apiLimiter = rateLimit({
    windowMs: apiWindowMs,
    limit: apiLimit,
    standardHeaders: 'draft-8', // RateLimit-Policy and RateLimit: limit, remaining, reset
    legacyHeaders: false,
    store: new RedisStore({ prefix: 'rl:', sendCommand: (command, ...args) => redis.call(command, ...args) }),
  });

  const loginFailures = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'login-fail',
    points: 3, // failed attempts...
    duration: 15 * 60, // ...counted over 15 minutes
    blockDuration: 15 * 60, // then 15 minutes blocked
  });

  const app = express();
  app.use('/api', apiLimiter);
  app.get('/api/time', (req, res) => res.json({ now: new Date().toISOString() }));

  app.post('/login', express.json(), async (req, res, next) => {
    const user = String(req.body?.user ?? '');
    const key = `${user}_${req.ip}`;
    try {
      const state = await loginFailures.get(key);
      if (state !== null && state.remainingPoints <= 0) {
        res.set('Retry-After', String(Math.ceil(state.msBeforeNext / 1000)));
        return res.status(429).json({ error: 'too many failed logins' });
      }
      if (USERS[user] !== undefined && USERS[user] === req.body?.password) {
        await loginFailures.delete(key); // a success forgets the failures
        return res.json({ ok: true });
      }
      try {
        await loginFailures.consume(key);
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) throw rejected; // a Redis error, not a rejection
      }
      res.status(401).json({ error: 'wrong user or password' });
    } catch (err) {
      next(err);
    }
  });

  return { app, redis, close: async () => redis.quit() };
}

/** Starts `app` on a free port of 127.0.0.1; resolves to its base URL and a close function. */
export function listen(app) {
  return new Promise((resolve) => {
    const http = app.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${http.address().port}`, close: () => new Promise((r) => http.close(r)) });
    });
  });
}

/** The demo: `node examples/rate-limiting/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const server = process.env.REDIS_URL ? null : await startServer({ port: 0 });
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${server.port}`;
  const a = await createApp({ redisUrl });
  const b = await createApp({ redisUrl });
  const [webA, webB] = [await listen(a.app), await listen(b.app)];
  try {
    // Requests alternate between two app processes: the limit is shared through Redis.
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await fetch(`${i % 2 ? webB.url : webA.url}/api/time`)).status);
    log('GET /api/time x7 over two processes:', codes.join(' '));
    const attempt = (password) =>
      fetch(`${webA.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice', password }) });
    const tries = [];
    for (const password of ['1234', 'hunter2', 'letmein', 'correct horse battery staple']) tries.push((await attempt(password)).status);
    log('logins (3 wrong, then the right password):', tries.join(' '));
  } finally {
    await webA.close();
    await webB.close();
    await a.close();
    await b.close();
    await server?.close();
  }
}

// Run only as a program, not when imported (no top-level await: tests require() this module).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
