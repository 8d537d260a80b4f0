// BullMQ (its Lua scripts, streams for events, blocking moves) against an embedded respite over TCP.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { startServer, RespiteServer } from '../../src/index';

const T = { timeout: 20_000 };
let s: RespiteServer;
const closers: (() => Promise<unknown>)[] = [];
let connection: { host: string; port: number; maxRetriesPerRequest: null };

before(async () => {
  s = await startServer({ port: 0 });
  connection = { host: '127.0.0.1', port: s.port, maxRetriesPerRequest: null };
});

after(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await s.close();
});

function queue(name: string): Queue {
  const q = new Queue(name, { connection });
  closers.push(() => q.close());
  return q;
}

function worker(name: string, fn: (job: Job) => Promise<unknown>, opts: Record<string, unknown> = {}): Worker {
  const w = new Worker(name, fn, { connection, ...opts });
  w.on('error', () => undefined);
  closers.push(() => w.close());
  return w;
}

function waitFor<T>(emitter: { on(ev: string, fn: (...a: any[]) => void): unknown }, ev: string, n: number, pick: (...a: any[]) => T): Promise<T[]> {
  const seen: T[] = [];
  return new Promise((resolve) => {
    emitter.on(ev, (...a: any[]) => {
      seen.push(pick(...a));
      if (seen.length === n) resolve(seen);
    });
  });
}

test('a worker processes queued jobs and stores their results', T, async () => {
  const q = queue('basic');
  for (let i = 1; i <= 5; i++) await q.add('sum', { a: i, b: 10 });
  const w = worker('basic', async (job) => job.data.a + job.data.b);
  const done = await waitFor(w, 'completed', 5, (job: Job, rv: number) => rv);
  assert.deepEqual(done.sort((x, y) => x - y), [11, 12, 13, 14, 15]);
  const counts = await q.getJobCounts('completed', 'waiting', 'active');
  assert.deepEqual(counts, { completed: 5, waiting: 0, active: 0 });
});

test('delayed jobs wait until their time has passed', T, async () => {
  const q = queue('delayed');
  const w = worker('delayed', async () => Date.now());
  const t0 = Date.now();
  await q.add('later', {}, { delay: 600 });
  assert.equal(await q.getDelayedCount(), 1);
  const [ranAt] = await waitFor(w, 'completed', 1, (_job: Job, rv: number) => rv);
  assert.ok(ranAt - t0 >= 600, `ran after ${ranAt - t0} ms`);
  assert.equal(await q.getDelayedCount(), 0);
});

test('failed jobs are retried with backoff until they succeed', T, async () => {
  const q = queue('retry');
  const attempts: number[] = [];
  const w = worker('retry', async (job) => {
    attempts.push(Date.now());
    if (job.attemptsMade < 2) throw new Error(`fail ${job.attemptsMade}`);
    return 'ok';
  });
  const failed: string[] = [];
  w.on('failed', (_job, err) => failed.push(err.message));
  await q.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
  const [job] = await waitFor(w, 'completed', 1, (j: Job) => j);
  assert.deepEqual(failed, ['fail 0', 'fail 1']);
  assert.equal(job.attemptsMade, 3); // BullMQ >= 5 counts the successful attempt too
  assert.equal(attempts.length, 3);
  assert.ok(attempts[1] - attempts[0] >= 200 && attempts[2] - attempts[1] >= 200, JSON.stringify(attempts));
});

test('priorities order the jobs a worker takes', T, async () => {
  const q = queue('prio');
  await q.add('p5', {}, { priority: 5 });
  await q.add('p1', {}, { priority: 1 });
  await q.add('p3', {}, { priority: 3 });
  await q.add('p1b', {}, { priority: 1 });
  const order: string[] = [];
  const w = worker('prio', async (job) => void order.push(job.name), { concurrency: 1 });
  await waitFor(w, 'completed', 4, (j: Job) => j.name);
  assert.deepEqual(order, ['p1', 'p1b', 'p3', 'p5']);
});

test('QueueEvents delivers completed and failed events', T, async () => {
  const events = new QueueEvents('evq', { connection });
  closers.push(() => events.close());
  await events.waitUntilReady();
  const q = queue('evq');
  const w = worker('evq', async (job) => {
    if (job.data.bad) throw new Error('bad job');
    return { echoed: job.data.v };
  });
  const completed = waitFor(events, 'completed', 1, (e: { jobId: string; returnvalue: unknown }) => e);
  const failed = waitFor(events, 'failed', 1, (e: { jobId: string; failedReason: string }) => e);
  const good = await q.add('good', { v: 42 });
  const bad = await q.add('bad', { bad: true });
  const [c] = await completed;
  const [f] = await failed;
  assert.equal(c.jobId, good.id);
  assert.deepEqual(typeof c.returnvalue === 'string' ? JSON.parse(c.returnvalue) : c.returnvalue, { echoed: 42 });
  assert.equal(f.jobId, bad.id);
  assert.equal(f.failedReason, 'bad job');
  await w.close();
});
