// examples/job-queue: BullMQ producer and worker with retries, backoff and delays.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Job, Queue, Worker } from 'bullmq';
import { useRespite } from 'respite/testing';
import { captureMain, loadExample } from '../helpers/examples';

interface Email {
  to: string;
  subject: string;
}
interface JobQueueExample {
  createEmailQueue(url: string): { queue: Queue; send(to: string, subject: string, o?: { delayMs?: number }): Promise<Job>; close(): Promise<void> };
  createEmailWorker(url: string, deliver: (data: Email, attempt: number) => Promise<unknown>): { worker: Worker; close(): Promise<void> };
  main(log: (...args: unknown[]) => void): Promise<void>;
}

const ex = loadExample<JobQueueExample>('job-queue', 'app.mjs');
const redis = useRespite({ reset: 'each' });
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check

/** Resolves when the job with `id` completes, or fails for the last time. */
function settled(worker: Worker, id: string): Promise<{ ok: boolean; job: Job }> {
  return new Promise((resolve) => {
    worker.on('completed', (job) => job.id === id && resolve({ ok: true, job }));
    worker.on('failed', (job) => job?.id === id && job.attemptsMade >= (job.opts.attempts ?? 1) && resolve({ ok: false, job }));
  });
}

type Producer = ReturnType<JobQueueExample['createEmailQueue']>;

/** The example's producer, and its worker once `startWorker()` is called; both closed at the end. */
async function withQueue(deliver: (data: Email, attempt: number) => Promise<unknown>, fn: (q: Producer, startWorker: () => Worker) => Promise<void>): Promise<void> {
  const producer = ex.createEmailQueue(redis.url);
  let worker: ReturnType<JobQueueExample['createEmailWorker']> | null = null;
  try {
    await fn(producer, () => (worker = ex.createEmailWorker(redis.url, deliver)).worker);
  } finally {
    await (worker as ReturnType<JobQueueExample['createEmailWorker']> | null)?.close();
    await producer.close();
  }
}

test('a job that fails twice is retried with backoff and completes on its third attempt', T, async () => {
  const attempts: number[] = [];
  await withQueue(
    async ({ to }, attempt) => {
      attempts.push(Date.now());
      if (attempt < 3) throw new Error(`SMTP 451 for ${to}`);
      return `delivered to ${to}`;
    },
    async (producer, startWorker) => {
      const worker = startWorker();
      const failures: string[] = [];
      worker.on('failed', (_job, err) => failures.push(err.message));
      const job = await producer.send('ada@example.com', 'welcome');
      const { ok, job: done } = await settled(worker, job.id!);
      assert.equal(ok, true);
      assert.equal(done.attemptsMade, 3);
      assert.equal(done.returnvalue, 'delivered to ada@example.com');
      assert.deepEqual(failures, ['SMTP 451 for ada@example.com', 'SMTP 451 for ada@example.com']);
      assert.equal(await producer.queue.getJobState(job.id!), 'completed');
      // Exponential backoff from 100 ms: at least 100 ms, then 200 ms, between attempts.
      assert.ok(attempts[1] - attempts[0] >= 100 && attempts[2] - attempts[1] >= 200, `attempts at ${attempts.map((t) => t - attempts[0])}`);
    },
  );
});

test('a job that always fails ends failed after its three attempts, with the reason kept', T, async () => {
  await withQueue(
    async () => {
      throw new Error('mailbox does not exist');
    },
    async (producer, startWorker) => {
      const worker = startWorker();
      const job = await producer.send('nobody@example.com', 'welcome');
      const { ok, job: done } = await settled(worker, job.id!);
      assert.equal(ok, false);
      assert.equal(done.attemptsMade, 3);
      assert.equal(await producer.queue.getJobState(job.id!), 'failed');
      assert.equal((await producer.queue.getJob(job.id!))?.failedReason, 'mailbox does not exist');
      assert.equal(await producer.queue.getFailedCount(), 1);
    },
  );
});

test('a delayed job waits in the delayed set, then runs no earlier than its delay', T, async () => {
  await withQueue(
    async ({ to }) => `reminded ${to}`,
    async (producer, startWorker) => {
      const job = await producer.send('grace@example.com', 'reminder', { delayMs: 400 });
      // No worker yet, so nothing promotes the job however slow this machine is.
      assert.equal(await producer.queue.getJobState(job.id!), 'delayed');
      assert.equal(await producer.queue.getDelayedCount(), 1);
      const { ok, job: done } = await settled(startWorker(), job.id!);
      assert.equal(ok, true);
      assert.equal(done.returnvalue, 'reminded grace@example.com');
      assert.ok(done.processedOn! - done.timestamp >= 400, `processed ${done.processedOn! - done.timestamp} ms after it was added`);
      assert.equal(await producer.queue.getDelayedCount(), 0);
    },
  );
});

test('the demo', T, async () => {
  const out = await captureMain(ex.main);
  assert.match(out, /queued: 1 and 2 \(delayed: 1\)/);
  assert.match(out, /result: delivered to ada@example\.com on attempt 3/);
  assert.match(out, /result: delivered to grace@example\.com on attempt 3/);
});
