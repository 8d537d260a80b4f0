// Caching patterns on Redis: cache-aside and write-through (cache-manager + @keyv/redis), and a
// write-behind queue (a Redis stream drained by a flusher).
//
//   node examples/caching/app.mjs            # an embedded respite, a short demo
//   REDIS_URL=redis://127.0.0.1:6379 node examples/caching/app.mjs
import { pathToFileURL } from 'node:url';
import { startServer } from 'respite';
import { createProductService } from './cache.mjs';
import { ProductDatabase } from './database.mjs';
import { createWriteBehind } from './write-behind.mjs';

export { createProductService } from './cache.mjs';
export { ProductDatabase } from './database.mjs';
export { createWriteBehind } from './write-behind.mjs';

/** The demo: `node examples/caching/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const server = process.env.REDIS_URL ? null : await startServer({ port: 0 });
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${server.port}`;
  const db = new ProductDatabase([{ id: 1, name: 'kettle', price: 30 }, { id: 2, name: 'teapot', price: 25 }]);
  const shop = createProductService({ redisUrl, db, ttlMs: 60_000 });
  const behind = createWriteBehind({ redisUrl, db, cache: shop.cache });
  try {
    log('cache-aside, first read:', (await shop.getProduct(1)).from);
    log('cache-aside, second read:', (await shop.getProduct(1)).from);
    await shop.updateProduct(1, { price: 28 });
    log('write-through, then read:', await shop.getProduct(1), `(database writes: ${db.writes})`);
    for (const price of [24, 23, 22]) await behind.updateProduct(2, { price });
    log('write-behind, read before the flush:', (await shop.getProduct(2)).product.price, `database still has ${db.rows.get('2').price}`);
    log('write-behind flush wrote', await behind.flushOnce(), 'row(s); database now has', db.rows.get('2').price);
  } finally {
    await behind.close();
    await shop.close();
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
