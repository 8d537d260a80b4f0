// Write-behind: the write lands in the cache at once and is queued in a Redis stream; a flusher
// writes the queue to the database later, in batches, coalescing repeated updates of one row.
// The stream's consumer group keeps every entry until it is acknowledged (XACK), so a flush that
// fails (or a flusher that dies) leaves the entries pending, and the next flush retries them.
import { createClient } from 'redis';

export function createWriteBehind({ redisUrl, db, cache, stream = 'shop:write-behind', group = 'db-writer', consumer = 'flusher-1', batch = 100 }) {
  const redis = createClient({ url: redisUrl });
  redis.on('error', (err) => console.error('redis:', err.message));
  let ready = null;
  const connect = () =>
    (ready ??= (async () => {
      await redis.connect();
      try {
        await redis.xGroupCreate(stream, group, '0', { MKSTREAM: true });
      } catch (err) {
        if (!String(err.message).startsWith('BUSYGROUP')) throw err; // the group exists already
      }
    })());

  /** Reads up to `batch` entries: first this consumer's pending ones (a failed flush), then new ones. */
  async function read() {
    for (const id of ['0', '>']) {
      const reply = await redis.xReadGroup(group, consumer, [{ key: stream, id }], { COUNT: batch });
      const messages = reply?.[0]?.messages ?? [];
      if (messages.length > 0) return messages;
    }
    return [];
  }

  return {
    /** Queues the new row first, then updates the cache: a crash in between leaves the cache stale, never the database short of a write. */
    async updateProduct(id, fields) {
      await connect();
      const current = (await cache.get(`product:${id}`)) ?? (await db.find(id)) ?? { id };
      const row = { ...current, ...fields, id };
      await redis.xAdd(stream, '*', { id: String(id), row: JSON.stringify(row) });
      await cache.set(`product:${id}`, row);
      return row;
    },

    /** One flush: the queued rows, last write per id wins, in one database write; then XACK + XDEL. Resolves to the rows written. */
    async flushOnce() {
      await connect();
      const messages = await read();
      if (messages.length === 0) return 0;
      const latest = new Map();
      for (const { message } of messages) latest.set(message.id, JSON.parse(message.row));
      await db.upsertMany([...latest.values()]); // throws: the entries stay pending for the next flush
      const ids = messages.map((m) => m.id);
      await redis.xAck(stream, group, ids);
      await redis.xDel(stream, ids);
      return latest.size;
    },

    /** Flushes every `intervalMs` until stopped (what a long-running process would do). */
    start(intervalMs = 1000) {
      const timer = setInterval(() => this.flushOnce().catch((err) => console.error('write-behind flush:', err.message)), intervalMs);
      return () => clearInterval(timer);
    },

    close: async () => {
      if (ready !== null) await ready.catch(() => undefined);
      if (redis.isOpen) await redis.close();
    },
  };
}
