// A leaderboard in a sorted set: ZADD and ZINCRBY keep scores, ZREVRANK and ZREVRANGE read ranks
// in O(log N), so a board of millions answers "top 10" and "my rank" at once (ioredis).
//
//   node examples/leaderboard/app.mjs            # an embedded respite, a short demo
//   REDIS_URL=redis://127.0.0.1:6379 node examples/leaderboard/app.mjs
import Redis from 'ioredis';
import { pathToFileURL } from 'node:url';
import { startServer } from 'respite';

/** Pairs [member, score, member, score...] from WITHSCORES into rows with 1-based ranks. */
function rows(flat, firstRank) {
  const out = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ rank: firstRank + i / 2, player: flat[i], score: Number(flat[i + 1]) });
  return out;
}

export class Leaderboard {
  /** `redis` is an ioredis client; the board is the sorted set `key`. */
  constructor(redis, key = 'leaderboard') {
    this.redis = redis;
    this.key = key;
  }

  /** Sets scores: ZADD key score member [score member ...]. `onlyHigher` keeps a player's best (ZADD GT). */
  async setScores(scores, { onlyHigher = false } = {}) {
    const args = Object.entries(scores).flatMap(([player, score]) => [score, player]);
    return onlyHigher ? this.redis.zadd(this.key, 'GT', ...args) : this.redis.zadd(this.key, ...args);
  }

  /** Adds points: ZINCRBY (creates the player at 0 first). Resolves to the new score. */
  async addPoints(player, points) {
    return Number(await this.redis.zincrby(this.key, points, player));
  }

  /** The top `n`, best first: ZREVRANGE key 0 n-1 WITHSCORES. Equal scores go in reverse byte order of the names. */
  async top(n) {
    return rows(await this.redis.zrevrange(this.key, 0, n - 1, 'WITHSCORES'), 1);
  }

  /** A player's 1-based rank and score (ZREVRANK + ZSCORE in one round trip), or null. */
  async rankOf(player) {
    const [[, rank], [, score]] = await this.redis.multi().zrevrank(this.key, player).zscore(this.key, player).exec();
    return rank === null ? null : { rank: rank + 1, player, score: Number(score) };
  }

  /** The players ranked around `player`: `radius` above and below it. */
  async around(player, radius = 2) {
    const rank = await this.redis.zrevrank(this.key, player);
    if (rank === null) return [];
    const start = Math.max(0, rank - radius);
    return rows(await this.redis.zrevrange(this.key, start, rank + radius, 'WITHSCORES'), start + 1);
  }

  /** How many players have at least `score` points (ZCOUNT key score +inf). */
  async countAtLeast(score) {
    return this.redis.zcount(this.key, score, '+inf');
  }

  async remove(player) {
    return this.redis.zrem(this.key, player);
  }
}

/** The demo: `node examples/leaderboard/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const server = process.env.REDIS_URL ? null : await startServer({ port: 0 });
  const redis = new Redis(process.env.REDIS_URL ?? `redis://127.0.0.1:${server.port}`);
  try {
    const board = new Leaderboard(redis, 'demo:leaderboard');
    await board.setScores({ ada: 120, grace: 95, linus: 80, barbara: 150, ken: 60 });
    await board.addPoints('linus', 50); // 130: up to second place
    log('top 3:', (await board.top(3)).map((r) => `${r.rank}. ${r.player} ${r.score}`).join(', '));
    log('rank of grace:', await board.rankOf('grace'));
    log('around ada:', (await board.around('ada', 1)).map((r) => r.player).join(' > '));
    await redis.del('demo:leaderboard');
  } finally {
    redis.disconnect();
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
