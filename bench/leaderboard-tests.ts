// The leaderboard rows of `npm run bench` (issue 16): ZUNION, ZINTER and ZINTERSTORE over two
// sorted sets of 100,000 members that share half of them, timed one call at a time (one client,
// no pipelining), so requests per second is the inverse of the time per call.
import type { BenchTest } from './redis-benchmark';

export const LEADERBOARD_MEMBERS = 100_000;

/** `ZADD key` + score/member pairs for members [from, from + count), 10,000 per command. */
function zadds(key: string, from: number, count: number): string[][] {
  const out: string[][] = [];
  for (let start = from; start < from + count; start += 10_000) {
    const cmd = ['ZADD', key];
    for (let i = start; i < Math.min(from + count, start + 10_000); i++) cmd.push(String((i * 7919) % 1_000_003), `player:${i}`);
    out.push(cmd);
  }
  return out;
}

const LEADERBOARD = {
  clients: 1,
  modes: ['plain' as const],
  rounds: 3,
  requests: { plain: 10 },
  // Built once per server: the commands below only read lb:a and lb:b (lb:b is written last).
  keep: 'lb:b',
  setup: () => [['DEL', 'lb:a', 'lb:b', 'lb:out'], ...zadds('lb:a', 0, LEADERBOARD_MEMBERS), ...zadds('lb:b', LEADERBOARD_MEMBERS / 2, LEADERBOARD_MEMBERS)],
};

export const LEADERBOARD_TESTS: BenchTest[] = [
  { name: 'ZUNION', command: ['ZUNION', '2', 'lb:a', 'lb:b', 'WITHSCORES'], ...LEADERBOARD },
  { name: 'ZINTER', command: ['ZINTER', '2', 'lb:a', 'lb:b', 'WITHSCORES'], ...LEADERBOARD },
  { name: 'ZINTERSTORE', command: ['ZINTERSTORE', 'lb:out', '2', 'lb:a', 'lb:b'], ...LEADERBOARD },
];
