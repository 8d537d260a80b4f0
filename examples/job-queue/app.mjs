// A job queue with BullMQ: a producer adds jobs (some delayed), workers process them, and a job
// whose handler throws is retried with exponential backoff until it succeeds or runs out of
// attempts. BullMQ keeps each queue in Redis lists, sorted sets, hashes and a stream of events,
// and moves jobs between states with Lua scripts, so any number of producers and workers share it.
//
//   node examples/job-queue/app.mjs            # an embedded respite, a short demo
//   REDIS_URL=redis://127.0.0.1:6379 node examples/job-queue/app.mjs
import { Queue, QueueEvents, Worker } from 'bullmq';
import Redis from 'ioredis';
import { pathToFileURL } from 'node:url';
import { startServer } from 'respite';

/** Every job retried up to 3 times in all, 100 ms then 200 ms apart; finished jobs trimmed. */
export const defaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 100 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

/** BullMQ wants its own connections with maxRetriesPerRequest: null (workers block on Redis). */
export function connect(redisUrl) {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

/** The producer side: what a web request handler calls. */
export function createEmailQueue(redisUrl) {
  const connection = connect(redisUrl);
  const queue = new Queue('emails', { connection, defaultJobOptions });
  return {
    queue,
    /** Queues an email now, or `delayMs` from now (a reminder, a retry-later). */
    send: (to, subject, { delayMs = 0 } = {}) => queue.add('email', { to, subject }, { delay: delayMs }),
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** The worker side: `deliver(data)` does the work; a throw fails this attempt and BullMQ retries. */
export function createEmailWorker(redisUrl, deliver, { concurrency = 4 } = {}) {
  const connection = connect(redisUrl);
  const worker = new Worker('emails', async (job) => deliver(job.data, job.attemptsMade + 1), { connection, concurrency });
  worker.on('error', (err) => console.error('worker:', err.message));
  return {
    worker,
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}

/** The demo: `node examples/job-queue/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const server = process.env.REDIS_URL ? null : await startServer({ port: 0 });
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${server.port}`;
  const producer = createEmailQueue(redisUrl);
  const eventsConnection = connect(redisUrl);
  const events = new QueueEvents('emails', { connection: eventsConnection });
  let worker = null;
  try {
    await events.waitUntilReady();
    const now = await producer.send('ada@example.com', 'welcome');
    const later = await producer.send('grace@example.com', 'reminder', { delayMs: 300 });
    log('queued:', now.id, 'and', later.id, `(delayed: ${await producer.queue.getDelayedCount()})`);
    // The worker, usually another process. Its mail provider refuses the first two attempts at every message.
    worker = createEmailWorker(redisUrl, async ({ to }, attempt) => {
      if (attempt < 3) throw new Error(`SMTP 451 for ${to}, attempt ${attempt}`);
      return `delivered to ${to} on attempt ${attempt}`;
    });
    worker.worker.on('failed', (job, err) => log('attempt failed:', err.message));
    log('result:', await now.waitUntilFinished(events, 30_000));
    log('result:', await later.waitUntilFinished(events, 30_000));
  } finally {
    await worker?.close();
    await producer.close();
    await events.close();
    eventsConnection.disconnect();
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
