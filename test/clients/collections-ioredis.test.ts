// Collections through ioredis over TCP, the way applications use them: blocking pops on their
// own connections, a sorted-set leaderboard, and a reliable job queue on BLMOVE with a worker
// that crashes mid-job. RESP2 and RESP3.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startServer, RespiteServer } from '../../src/index';
import { blockedClientCount } from '../../src/engine/blocking';

const T = { timeout: 20_000 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let s: RespiteServer;
const open: Redis[] = [];

async function client(protocol: 2 | 3): Promise<Redis> {
  const r = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, protocol });
  r.on('error', () => {});
  open.push(r);
  await r.connect();
  return r;
}

/** Waits until the server has `n` clients blocked on keys. */
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
  for (const r of open) r.disconnect();
  await s.close();
});

for (const protocol of [2, 3] as const) {
  describe(`ioredis collections, RESP${protocol}`, () => {
    const k = (name: string) => `io${protocol}:${name}`;

    test('BLPOP waits on its own connection until another client pushes; times out with null', T, async () => {
      const r = await client(protocol);
      const blocking = r.duplicate();
      open.push(blocking);
      const popped = blocking.blpop(k('empty'), k('jobs'), 5);
      await blocked(1);
      assert.equal(await r.rpush(k('jobs'), 'first', 'second'), 2);
      assert.deepEqual(await popped, [k('jobs'), 'first']);
      assert.deepEqual(await r.lrange(k('jobs'), 0, -1), ['second']);
      const t0 = Date.now();
      assert.equal(await blocking.blpop(k('empty'), 0.1), null);
      assert.ok(Date.now() - t0 >= 90);
      // The connection is usable again after a timeout.
      assert.deepEqual(await blocking.blpop(k('jobs'), 1), [k('jobs'), 'second']);
      assert.equal(await r.exists(k('jobs')), 0);
    });

    test('BZPOPMIN returns the lowest member with its score, oldest waiter first', T, async () => {
      const r = await client(protocol);
      const w1 = r.duplicate();
      const w2 = r.duplicate();
      open.push(w1, w2);
      const first = w1.bzpopmin(k('prio'), 5);
      await blocked(1);
      const second = w2.bzpopmin(k('prio'), 5);
      await blocked(2);
      await r.zadd(k('prio'), 3, 'low', 1, 'urgent', 2, 'normal');
      const a = (await first) as [string, string, string | number];
      const b = (await second) as [string, string, string | number];
      assert.deepEqual([a[0], a[1], Number(a[2])], [k('prio'), 'urgent', 1]);
      assert.deepEqual([b[0], b[1], Number(b[2])], [k('prio'), 'normal', 2]);
      assert.deepEqual(await r.zrange(k('prio'), '0', '-1'), ['low']);
      assert.equal(await w1.bzpopmin(k('none'), 0.05), null);
    });

    test('a leaderboard: ZINCRBY, top-N with ZREVRANGE WITHSCORES, ranks, scores, pages', T, async () => {
      const r = await client(protocol);
      const board = k('leaderboard');
      const rand = prng(42 + protocol);
      const model = new Map<string, number>();
      const players = Array.from({ length: 40 }, (_, i) => `player:${String(i).padStart(2, '0')}`);
      // Points arrive in batches, pipelined like a game server would send them; multiples of 5
      // make ties frequent, and a few half points exercise score formatting.
      for (let batch = 0; batch < 10; batch++) {
        const p = r.pipeline();
        for (let i = 0; i < 40; i++) {
          const who = players[Math.floor(rand() * players.length)];
          const pts = rand() < 0.1 ? 0.5 : 5 * Math.floor(rand() * 10);
          model.set(who, (model.get(who) ?? 0) + pts);
          p.zincrby(board, String(pts), who);
        }
        const res = (await p.exec())!;
        for (const [err] of res) assert.equal(err, null);
      }
      // Redis's order: score descending, equal scores by member descending in ZREVRANGE.
      const expected = [...model.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : 0));
      assert.equal(await r.zcard(board), expected.length);
      const top = await r.zrevrange(board, 0, 9, 'WITHSCORES');
      assert.deepEqual(top, expected.slice(0, 10).flatMap(([m, sc]) => [m, String(sc)]));
      for (const [i, [member, score]] of expected.entries()) {
        assert.equal(await r.zrevrank(board, member), i);
        assert.equal(await r.zrank(board, member), expected.length - 1 - i);
        assert.equal(Number(await r.zscore(board, member)), score);
      }
      assert.equal(await r.zrevrank(board, 'nobody'), null);
      assert.equal(await r.zscore(board, 'nobody'), null);
      // Page through the whole board, 7 per page, until an empty page.
      const paged: string[] = [];
      for (let page = 0; ; page++) {
        const rows = await r.zrevrange(board, page * 7, page * 7 + 6, 'WITHSCORES');
        if (rows.length === 0) break;
        assert.ok(rows.length <= 14);
        paged.push(...rows);
      }
      assert.deepEqual(paged, expected.flatMap(([m, sc]) => [m, String(sc)]));
      // "Around me": two above and two below a player in the middle.
      const [me] = expected[10];
      const rank = (await r.zrevrank(board, me))!;
      assert.deepEqual(await r.zrevrange(board, rank - 2, rank + 2), expected.slice(8, 13).map(([m]) => m));
      // Players with at least 50 points, best first, through ZREVRANGEBYSCORE with LIMIT.
      const above = await r.zrevrangebyscore(board, '+inf', 50, 'WITHSCORES', 'LIMIT', 0, 5);
      assert.deepEqual(above, expected.filter(([, sc]) => sc >= 50).slice(0, 5).flatMap(([m, sc]) => [m, String(sc)]));
    });

    test('a reliable queue: BLMOVE to a processing list, LREM when done, a crashed worker\'s job recovered', T, async () => {
      const r = await client(protocol);
      const queue = k('queue');
      const processing = k('processing');
      const jobs = Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: i, task: `resize-${i}` }));
      // A worker takes the first job, then dies before finishing it.
      const crashy = r.duplicate();
      open.push(crashy);
      const taken = crashy.blmove(queue, processing, 'RIGHT', 'LEFT', 5);
      await blocked(1);
      await r.lpush(queue, jobs[0]);
      assert.equal(await taken, jobs[0]);
      crashy.disconnect();
      assert.deepEqual(await r.lrange(processing, 0, -1), [jobs[0]]);

      const done: string[] = [];
      let stop = false;
      const worker = async (conn: Redis, name: string) => {
        const mine: string[] = [];
        while (!stop) {
          const job = await conn.blmove(queue, processing, 'RIGHT', 'LEFT', 0.1);
          if (job === null) continue;
          assert.ok((await conn.lrange(processing, 0, -1)).includes(job), `${name} sees its job in processing`);
          mine.push(job);
          done.push(job);
          assert.equal(await conn.lrem(processing, 1, job), 1);
        }
        return mine;
      };
      const conns = [r.duplicate(), r.duplicate(), r.duplicate()];
      open.push(...conns);
      const workers = conns.map((c, i) => worker(c, `worker${i}`));
      await blocked(3);
      // The producer pushes in bursts while all three workers wait.
      for (let i = 1; i < jobs.length; i += 10) await r.lpush(queue, ...jobs.slice(i, i + 10));
      for (let i = 0; i < 400 && done.length < jobs.length - 1; i++) await sleep(10);
      assert.equal(done.length, jobs.length - 1);
      assert.deepEqual(
        done.map((j) => JSON.parse(j).id).sort((a, b) => a - b),
        Array.from({ length: 59 }, (_, i) => i + 1),
      );
      // The reaper finds the stale job in processing and requeues it; a live worker finishes it.
      assert.deepEqual(await r.lrange(processing, 0, -1), [jobs[0]]);
      assert.equal(await r.lmove(processing, queue, 'RIGHT', 'RIGHT'), jobs[0]);
      for (let i = 0; i < 200 && done.length < jobs.length; i++) await sleep(10);
      stop = true;
      const perWorker = await Promise.all(workers);
      assert.equal(perWorker.flat().length, jobs.length);
      assert.deepEqual([...done].sort(), [...jobs].sort());
      assert.equal(await r.exists(queue, processing), 0);
      await blocked(0);
    });
  });
}
