// Cache-aside and write-through with cache-manager 7 over Keyv's Redis store (@keyv/redis).
import { createCache } from 'cache-manager';
import { createKeyv } from '@keyv/redis';

/**
 * A product service with a Redis cache in front of `db`. Cached entries live under
 * `shop::product:<id>` as JSON with a PX expiry of `ttlMs`.
 */
export function createProductService({ redisUrl, db, ttlMs = 60_000 }) {
  const cache = createCache({ stores: [createKeyv(redisUrl, { namespace: 'shop' })], ttl: ttlMs });

  return {
    cache,

    /** Cache-aside (lazy loading): read the cache; on a miss read the database and fill the cache. */
    async getProduct(id) {
      const key = `product:${id}`;
      const cached = await cache.get(key);
      if (cached !== undefined) return { product: cached, from: 'cache' };
      const row = await db.find(id);
      if (row !== null) await cache.set(key, row); // misses for absent rows are not cached here
      return { product: row, from: 'database' };
    },

    /** Write-through: the database first, then the cache, before the caller hears back. */
    async updateProduct(id, fields) {
      const current = (await db.find(id)) ?? { id };
      const row = { ...current, ...fields, id };
      await db.upsert(row);
      await cache.set(`product:${id}`, row);
      return row;
    },

    /** Deleting invalidates: the next read is a miss that sees the database. */
    async deleteProduct(id) {
      await db.remove(id);
      await cache.del(`product:${id}`);
    },

    close: () => cache.disconnect(),
  };
}
