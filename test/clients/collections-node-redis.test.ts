// Collections through node-redis over TCP, the way applications use them: blocking pops on
// duplicated connections, a sorted-set leaderboard, and a reliable job queue on BLMOVE with a
// worker that crashes mid-job. RESP2 and RESP3.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startServer, RespiteServer } from '../../src/index';
import { blockedClientCount } from '../../src/engine/blocking';

const T = { timeout: 20_000 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let s: RespiteServer;
// node-redis types its clients per RESP version; the tests use both.
type AnyClient = any;
const open: AnyClient[] = [];

async function client(RESP: 2 | 3): Promise<AnyClient> {
  const c = createClient({ url: `redis://127.0.0.1:${s.port}`, RESP } as Parameters<typeof createClient>[0]);
  c.on('error', () => {});
  open.push(c);
  await c.connect();
  return c;
}

/** A separate connection for blocking commands, as node-redis recommends. */
async function duplicate(c: AnyClient): Promise<AnyClient> {
  const d = c.duplicate();
  d.on('error', () => {});
  open.push(d);
  await d.connect();
  return d;
}

async function blocked(n: number): Promise<void> {
  for (let i = 0; i < 400 && blockedClientCount(s.server) !== n; i++) await sleep(5);
  assert.equal(blockedClientCount(s.server), n);
}

/** mulberry32: reproducible scores for the leaderboard. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  s = await startServer({ port: 0 });
});

after(async () => {
  for (const c of open) if (c.isOpen) c.destroy();
  await s.close();
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis collections, RESP${RESP}`, () => {
    const k = (name: string) => `nr${RESP}:${name}`;

    test('blPop waits on a duplicated connection until another client pushes; times out with null', T, async () => {
      const c = await client(RESP);
      const blocking = await duplicate(c);
      const popped = blocking.blPop([k('empty'), k('jobs')], 5);
      await blocked(1);
      assert.equal(await c.rPush(k('jobs'), ['first', 'second']), 2);
      assert.deepEqual(await popped, { key: k('jobs'), element: 'first' });
      assert.deepEqual(await c.lRange(k('jobs'), 0, -1), ['second']);
      const t0 = Date.now();
      assert.equal(await blocking.blPop(k('empty'), 0.1), null);
      assert.ok(Date.now() - t0 >= 90);
      assert.deepEqual(await blocking.blPop(k('jobs'), 1), { key: k('jobs'), element: 'second' });
      assert.equal(await c.exists(k('jobs')), 0);
    });

    test('bzPopMin returns the lowest member with its score, oldest waiter first', T, async () => {
      const c = await client(RESP);
      const w1 = await duplicate(c);
      const w2 = await duplicate(c);
      const first = w1.bzPopMin(k('prio'), 5);
      await blocked(1);
      const second = w2.bzPopMin(k('prio'), 5);
      await blocked(2);
      await c.zAdd(k('prio'), [
        { score: 3, value: 'low' },
        { score: 1.5, value: 'urgent' },
        { score: 2, value: 'normal' },
      ]);
      assert.deepEqual(await first, { key: k('prio'), value: 'urgent', score: 1.5 });
      assert.deepEqual(await second, { key: k('prio'), value: 'normal', score: 2 });
      assert.deepEqual(await c.zRange(k('prio'), 0, -1), ['low']);
      assert.equal(await w1.bzPopMin(k('none'), 0.05), null);
    });

    test('a leaderboard: zIncrBy, top-N by score descending with scores, ranks, pages', T, async () => {
      const c = await client(RESP);
      const board = k('leaderboard');
      const rand = prng(7 + RESP);
      const model = new Map<string, number>();
      const players = Array.from({ length: 40 }, (_, i) => `player:${String(i).padStart(2, '0')}`);
      // Increments sent concurrently (node-redis pipelines them on the connection); multiples of
      // 5 make ties frequent, and some half points exercise score formatting.
      for (let batch = 0; batch < 10; batch++) {
        const pending: Promise<number>[] = [];
        for (let i = 0; i < 40; i++) {
          const who = players[Math.floor(rand() * players.length)];
          const pts = rand() < 0.1 ? 0.5 : 5 * Math.floor(rand() * 10);
          const now = (model.get(who) ?? 0) + pts;
          model.set(who, now);
          pending.push(c.zIncrBy(board, pts, who).then((v: number) => (assert.equal(v, now), v)));
        }
        await Promise.all(pending);
      }
      const expected = [...model.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : 0));
      assert.equal(await c.zCard(board), expected.length);
      // Top 10 two ways: the ZRANGE REV form node-redis offers, and a raw ZREVRANGE WITHSCORES.
      const top = await c.zRangeWithScores(board, 0, 9, { REV: true });
      assert.deepEqual(top, expected.slice(0, 10).map(([value, score]) => ({ value, score })));
      const raw = (await c.sendCommand(['ZREVRANGE', board, '0', '9', 'WITHSCORES'])) as unknown[];
      const flat = raw.flat().map(String);
      assert.deepEqual(flat, expected.slice(0, 10).flatMap(([m, sc]) => [m, String(sc)]));
      for (const [i, [member, score]] of expected.entries()) {
        assert.equal(await c.zRevRank(board, member), i);
        assert.equal(await c.zRank(board, member), expected.length - 1 - i);
        assert.equal(await c.zScore(board, member), score);
      }
      assert.equal(await c.zRevRank(board, 'nobody'), null);
      assert.equal(await c.zScore(board, 'nobody'), null);
      // Page through the whole board, 6 per page, until an empty page.
      const paged: { value: string; score: number }[] = [];
      for (let page = 0; ; page++) {
        const rows = await c.zRangeWithScores(board, page * 6, page * 6 + 5, { REV: true });
        if (rows.length === 0) break;
        paged.push(...rows);
      }
      assert.deepEqual(paged, expected.map(([value, score]) => ({ value, score })));
      // Players scoring at least 50, best first, with BYSCORE + REV + LIMIT.
      const above = await c.zRangeWithScores(board, '+inf', 50, { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: 5 } });
      assert.deepEqual(above, expected.filter(([, sc]) => sc >= 50).slice(0, 5).map(([value, score]) => ({ value, score })));
    });

    test("a reliable queue: blMove to a processing list, lRem when done, a crashed worker's job recovered", T, async () => {
      const c = await client(RESP);
      const queue = k('queue');
      const processing = k('processing');
      const jobs = Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: i, task: `email-${i}` }));
      // A worker takes the first job, then dies before finishing it.
      const crashy = await duplicate(c);
      const taken = crashy.blMove(queue, processing, 'RIGHT', 'LEFT', 5);
      await blocked(1);
      await c.lPush(queue, jobs[0]);
      assert.equal(await taken, jobs[0]);
      crashy.destroy();
      assert.deepEqual(await c.lRange(processing, 0, -1), [jobs[0]]);

      const done: string[] = [];
      let stop = false;
      const worker = async (conn: AnyClient) => {
        const mine: string[] = [];
        while (!stop) {
          const job: string | null = await conn.blMove(queue, processing, 'RIGHT', 'LEFT', 0.1);
          if (job === null) continue;
          mine.push(job);
          done.push(job);
          assert.equal(await conn.lRem(processing, 1, job), 1);
        }
        return mine;
      };
      const conns = [await duplicate(c), await duplicate(c), await duplicate(c)];
      const workers = conns.map((w) => worker(w));
      await blocked(3);
      for (let i = 1; i < jobs.length; i += 10) await c.lPush(queue, jobs.slice(i, i + 10));
      for (let i = 0; i < 400 && done.length < jobs.length - 1; i++) await sleep(10);
      assert.equal(done.length, jobs.length - 1);
      // The reaper requeues the stale job at the end workers pop from; a live worker finishes it.
      assert.deepEqual(await c.lRange(processing, 0, -1), [jobs[0]]);
      assert.equal(await c.lMove(processing, queue, 'RIGHT', 'RIGHT'), jobs[0]);
      for (let i = 0; i < 200 && done.length < jobs.length; i++) await sleep(10);
      stop = true;
      const perWorker = await Promise.all(workers);
      assert.equal(perWorker.flat().length, jobs.length);
      assert.deepEqual([...done].sort(), [...jobs].sort());
      assert.equal(await c.exists([queue, processing]), 0);
      await blocked(0);
    });
  });
}
