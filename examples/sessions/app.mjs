// Sessions in Redis: express-session keeps the session data in Redis through connect-redis, so any
// number of app processes behind a load balancer see the same sessions, and a restart logs nobody out.
//
//   node examples/sessions/app.mjs            # an embedded respite, a short demo
//   REDIS_URL=redis://127.0.0.1:6379 node examples/sessions/app.mjs
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { startServer } from 'respite';
import { pathToFileURL } from 'node:url';

/** An express app whose sessions live in Redis under `sess:<id>` with a TTL of `ttlSeconds`. */
export async function createApp({ redisUrl, secret = 'change me', ttlSeconds = 86400 }) {
  const redis = createClient({ url: redisUrl });
  redis.on('error', (err) => console.error('redis:', err.message));
  await redis.connect();

  const app = express();
  app.use(
    session({
      store: new RedisStore({ client: redis, prefix: 'sess:', ttl: ttlSeconds }),
      secret,
      resave: false, // the store's touch() refreshes the TTL; no rewrite of unchanged sessions
      saveUninitialized: false, // no key for visitors who never log in
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: ttlSeconds * 1000 },
    }),
  );

  app.post('/login', express.json(), (req, res, next) => {
    // A new session id at login, so an id planted before login is worth nothing (session fixation).
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = String(req.body?.user ?? 'anonymous');
      req.session.views = 0;
      res.json({ user: req.session.user });
    });
  });

  app.get('/me', (req, res) => {
    if (req.session.user === undefined) return res.status(401).json({ error: 'not logged in' });
    req.session.views += 1;
    res.json({ user: req.session.user, views: req.session.views });
  });

  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });

  return { app, redis, close: () => redis.close() };
}

/** Starts `app` on a free port of 127.0.0.1; resolves to its base URL and a close function. */
export function listen(app) {
  return new Promise((resolve) => {
    const http = app.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${http.address().port}`, close: () => new Promise((r) => http.close(r)) });
    });
  });
}

/** The demo: `node examples/sessions/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const server = process.env.REDIS_URL ? null : await startServer({ port: 0 });
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${server.port}`;
  // Two app processes' worth of servers sharing one Redis: a login on one is a login on both.
  const a = await createApp({ redisUrl });
  const b = await createApp({ redisUrl });
  const [webA, webB] = [await listen(a.app), await listen(b.app)];
  try {
    const login = await fetch(`${webA.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"alice"}' });
    const cookie = login.headers.get('set-cookie').split(';')[0];
    log('logged in on app A:', await login.json());
    const me = await fetch(`${webB.url}/me`, { headers: { cookie } });
    log('the same cookie on app B:', await me.json());
    for await (const keys of a.redis.scanIterator({ MATCH: 'sess:*' })) {
      for (const key of keys) log(`${key} expires in ${await a.redis.ttl(key)} s`);
    }
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
