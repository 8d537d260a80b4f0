// examples/caching: cache-aside and write-through (cache-manager + @keyv/redis) and the
// write-behind stream, against an embedded respite.
import { test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { useRespite } from 'respite/testing';
import { captureMain, loadExample } from '../helpers/examples';

interface Row {
  id: number | string;
  name?: string;
  price?: number;
}
interface Db {
  rows: Map<string, Row>;
  reads: number;
  writes: number;
  failNextWrites: number;
  find(id: number): Promise<Row | null>;
}
interface Cache {
  get(key: string): Promise<unknown>;
}
interface Shop {
  cache: Cache;
  getProduct(id: number): Promise<{ product: Row | null; from: 'cache' | 'database' }>;
  updateProduct(id: number, fields: Partial<Row>): Promise<Row>;
  deleteProduct(id: number): Promise<void>;
  close(): Promise<void>;
}
interface WriteBehind {
  updateProduct(id: number, fields: Partial<Row>): Promise<Row>;
  flushOnce(): Promise<number>;
  close(): Promise<void>;
}
interface CachingExample {
  ProductDatabase: new (rows: Row[]) => Db;
  createProductService(o: { redisUrl: string; db: Db; ttlMs?: number }): Shop;
  createWriteBehind(o: { redisUrl: string; db: Db; cache: Cache }): WriteBehind;
  main(log: (...args: unknown[]) => void): Promise<void>;
}

const ex = loadExample<CachingExample>('caching', 'app.mjs');
const redis = useRespite({ reset: 'each' });
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check

/** The example's service over a fresh database, closed when the test ends (before the file's server). */
function setup(t: TestContext, ttlMs = 60_000): { db: Db; shop: Shop } {
  const db = new ex.ProductDatabase([
    { id: 1, name: 'kettle', price: 30 },
    { id: 2, name: 'teapot', price: 25 },
  ]);
  const shop = ex.createProductService({ redisUrl: redis.url, db, ttlMs });
  t.after(() => shop.close());
  return { db, shop };
}

test('cache-aside: a miss reads the database and fills the cache, the next read is a hit until the TTL', T, async (t) => {
  const { db, shop } = setup(t, 30_000);
  assert.deepEqual(await shop.getProduct(1), { product: { id: 1, name: 'kettle', price: 30 }, from: 'database' });
  assert.equal(db.reads, 1);
  assert.deepEqual(await shop.getProduct(1), { product: { id: 1, name: 'kettle', price: 30 }, from: 'cache' });
  assert.equal(db.reads, 1, 'the hit did not reach the database');
  // The entry @keyv/redis wrote: JSON under the namespace, with a PX expiry.
  const pttl = Number(await redis.call('PTTL', 'shop::product:1'));
  assert.ok(pttl > 25_000 && pttl <= 30_000, `PTTL ${pttl}`);
  assert.deepEqual((JSON.parse(String(await redis.call('GET', 'shop::product:1'))) as { value: Row }).value, { id: 1, name: 'kettle', price: 30 });
  redis.server.clock.advance(30_001);
  assert.equal((await shop.getProduct(1)).from, 'database');
  assert.equal(db.reads, 2);
  // An absent row is a miss every time (and stores nothing).
  assert.deepEqual(await shop.getProduct(99), { product: null, from: 'database' });
  assert.equal(await redis.call('EXISTS', 'shop::product:99'), 0);
});

test('write-through: the database and the cache both hold the update; delete invalidates', T, async (t) => {
  const { db, shop } = setup(t);
  await shop.getProduct(2);
  await shop.updateProduct(2, { price: 20 });
  assert.deepEqual(db.rows.get('2'), { id: 2, name: 'teapot', price: 20 });
  const readsBefore = db.reads;
  assert.deepEqual(await shop.getProduct(2), { product: { id: 2, name: 'teapot', price: 20 }, from: 'cache' });
  assert.equal(db.reads, readsBefore);
  await shop.deleteProduct(2);
  assert.equal(await redis.call('EXISTS', 'shop::product:2'), 0);
  assert.deepEqual(await shop.getProduct(2), { product: null, from: 'database' });
});

test('write-behind: the cache is current at once, the database after a flush that coalesces', T, async (t) => {
  const { db, shop } = setup(t);
  const behind = ex.createWriteBehind({ redisUrl: redis.url, db, cache: shop.cache });
  t.after(() => behind.close());
  for (const price of [24, 23, 22]) await behind.updateProduct(2, { price });
  await behind.updateProduct(1, { name: 'steel kettle' });
  assert.equal(await redis.call('XLEN', 'shop:write-behind'), 4);
  assert.deepEqual((await shop.getProduct(2)).product, { id: 2, name: 'teapot', price: 22 });
  assert.equal(db.rows.get('2')?.price, 25, 'nothing written to the database yet');
  assert.equal(db.writes, 0);
  assert.equal(await behind.flushOnce(), 2, 'four queued updates, two rows');
  assert.equal(db.writes, 1, 'one batched write');
  assert.deepEqual(db.rows.get('2'), { id: 2, name: 'teapot', price: 22 });
  assert.deepEqual(db.rows.get('1'), { id: 1, name: 'steel kettle', price: 30 });
  assert.equal(await redis.call('XLEN', 'shop:write-behind'), 0);
  assert.equal(await behind.flushOnce(), 0);
});

test('write-behind: a failed flush leaves the entries pending and the next flush writes them', T, async (t) => {
  const { db, shop } = setup(t);
  const behind = ex.createWriteBehind({ redisUrl: redis.url, db, cache: shop.cache });
  t.after(() => behind.close());
  await behind.updateProduct(1, { price: 35 });
  db.failNextWrites = 1;
  await assert.rejects(behind.flushOnce(), /database unavailable/);
  const pending = (await redis.call('XPENDING', 'shop:write-behind', 'db-writer')) as unknown[];
  assert.equal(pending[0], 1, 'one entry delivered and not acknowledged');
  assert.equal(db.rows.get('1')?.price, 30);
  assert.equal(await behind.flushOnce(), 1);
  assert.equal(db.rows.get('1')?.price, 35);
  assert.equal(((await redis.call('XPENDING', 'shop:write-behind', 'db-writer')) as unknown[])[0], 0);
});

test('the demo', T, async () => {
  const out = await captureMain(ex.main);
  assert.match(out, /cache-aside, first read: database\ncache-aside, second read: cache/);
  assert.match(out, /write-behind flush wrote 1 row\(s\); database now has 22/);
});
