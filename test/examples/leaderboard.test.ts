// examples/leaderboard: ZADD / ZINCRBY / ZREVRANK / ZREVRANGE through ioredis, ranks checked
// against a sort done in JavaScript.
import { test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { useRespite } from 'respite/testing';
import { captureMain, loadExample } from '../helpers/examples';

interface Row {
  rank: number;
  player: string;
  score: number;
}
interface Board {
  setScores(scores: Record<string, number>, o?: { onlyHigher?: boolean }): Promise<number>;
  addPoints(player: string, points: number): Promise<number>;
  top(n: number): Promise<Row[]>;
  rankOf(player: string): Promise<Row | null>;
  around(player: string, radius?: number): Promise<Row[]>;
  countAtLeast(score: number): Promise<number>;
  remove(player: string): Promise<number>;
}
interface LeaderboardExample {
  Leaderboard: new (redis: Redis, key?: string) => Board;
  main(log: (...args: unknown[]) => void): Promise<void>;
}

const ex = loadExample<LeaderboardExample>('leaderboard', 'app.mjs');
const redis = useRespite({ reset: 'each' });
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check

/** An ioredis client for one test, disconnected when it ends (before the file's server closes). */
function connect(t: TestContext): Redis {
  const client = new Redis(redis.url);
  t.after(() => client.disconnect());
  return client;
}

/** Redis's order: score descending, equal scores by member bytes descending (ZREVRANGE). */
function expected(scores: Map<string, number>): Row[] {
  return [...scores]
    .sort(([pa, sa], [pb, sb]) => sb - sa || (pa < pb ? 1 : pa > pb ? -1 : 0))
    .map(([player, score], i) => ({ rank: i + 1, player, score }));
}

test('scores, points and ranks match a sort of the same data (ties included)', T, async (t) => {
  const board = new ex.Leaderboard(connect(t));
  const scores = new Map<string, number>();
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const initial: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const score = Math.floor(rand() * 50); // few distinct scores: many ties
    initial[`p${i}`] = score;
    scores.set(`p${i}`, score);
  }
  assert.equal(await board.setScores(initial), 200);
  for (let i = 0; i < 300; i++) {
    const player = `p${Math.floor(rand() * 200)}`;
    const points = Math.floor(rand() * 10) - 3;
    const next = scores.get(player)! + points;
    scores.set(player, next);
    assert.equal(await board.addPoints(player, points), next);
  }
  const want = expected(scores);
  assert.deepEqual(await board.top(10), want.slice(0, 10));
  for (const i of [0, 1, 57, 120, 199]) assert.deepEqual(await board.rankOf(want[i].player), want[i]);
  assert.deepEqual(await board.around(want[100].player, 2), want.slice(98, 103));
  assert.deepEqual(await board.around(want[0].player, 2), want.slice(0, 3), 'clipped at the top');
  assert.equal(await board.countAtLeast(want[9].score), want.filter((r) => r.score >= want[9].score).length);
});

test('ZINCRBY moves a player up; ZADD GT keeps the best score; absent players have no rank', T, async (t) => {
  const board = new ex.Leaderboard(connect(t), 'weekly');
  await board.setScores({ ada: 120, grace: 95, linus: 80 });
  assert.deepEqual(await board.rankOf('linus'), { rank: 3, player: 'linus', score: 80 });
  assert.equal(await board.addPoints('linus', 50), 130);
  assert.deepEqual(await board.rankOf('linus'), { rank: 1, player: 'linus', score: 130 });
  assert.equal(await board.addPoints('newcomer', 5), 5, 'ZINCRBY starts a new player at 0');
  await board.setScores({ ada: 100, grace: 200 }, { onlyHigher: true });
  assert.deepEqual(
    (await board.top(5)).map((r) => [r.player, r.score]),
    [['grace', 200], ['linus', 130], ['ada', 120], ['newcomer', 5]],
  );
  assert.equal(await board.remove('grace'), 1);
  assert.equal(await board.rankOf('grace'), null);
  assert.deepEqual(await board.around('nobody'), []);
  assert.equal(await redis.call('ZCARD', 'weekly'), 3);
});

test('the demo', T, async () => {
  const out = await captureMain(ex.main);
  assert.match(out, /top 3: 1\. barbara 150, 2\. linus 130, 3\. ada 120/);
  assert.match(out, /rank of grace: \{ rank: 4, player: 'grace', score: 95 \}/);
  assert.match(out, /around ada: linus > ada > grace/);
});
