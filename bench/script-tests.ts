// The scripting rows of `npm run bench` (issue 18): EVALSHA and FCALL of a trivial script and of a
// BullMQ-like one (ten redis.calls over a counter, a hash, a list and two sorted sets, through a
// `local rcall = redis.call` alias and with number arguments, as BullMQ writes them).
import { createHash } from 'node:crypto';
import type { BenchTest } from './redis-benchmark';

export const TRIVIAL = "return redis.call('incr', KEYS[1])";

/** Adds a job, takes the oldest waiting one, moves it through active to completed (kept to 100). */
export const TEN_CALLS = [
  'local rcall = redis.call',
  "local id = rcall('INCR', KEYS[1])",
  "rcall('HSET', KEYS[2] .. id, 'name', ARGV[1], 'data', ARGV[2], 'timestamp', ARGV[3])",
  "rcall('LPUSH', KEYS[3], id)",
  "local job = rcall('RPOP', KEYS[3])",
  "rcall('ZADD', KEYS[4], ARGV[3], job)",
  "local attempts = rcall('HINCRBY', KEYS[2] .. job, 'attempts', 1)",
  "local data = rcall('HGET', KEYS[2] .. job, 'data')",
  "rcall('ZREM', KEYS[4], job)",
  "rcall('ZADD', KEYS[5], tonumber(ARGV[3]) + attempts, job)",
  "rcall('ZREMRANGEBYRANK', KEYS[5], 0, -101)",
  'return {job, data, attempts}',
].join('\n');

const LIBRARY = [
  '#!lua name=benchlib',
  `redis.register_function('trivial', function(KEYS, ARGV) ${TRIVIAL} end)`,
  `redis.register_function('tencalls', function(KEYS, ARGV)\n${TEN_CALLS}\nend)`,
].join('\n');

const sha1 = (s: string): string => createHash('sha1').update(s, 'latin1').digest('hex');

const SCRIPTING = { rounds: 3, requests: { plain: 30_000, pipelined: 60_000 } };
const TEN_KEYS = ['5', 'bq:id', 'bq:job:', 'bq:wait', 'bq:active', 'bq:done', 'job-__rand_int__', 'payload-__rand_int__', '1700000000000'];

// The trivial scripts INCR keys of their own: SET leaves non-integer values under key:<n>.
export const SCRIPT_TESTS: BenchTest[] = [
  {
    name: 'EVALSHA',
    command: ['EVALSHA', sha1(TRIVIAL), '1', 'script:__rand_int__'],
    ...SCRIPTING,
    setup: () => [['SCRIPT', 'LOAD', TRIVIAL]],
  },
  {
    name: 'EVALSHA_10',
    command: ['EVALSHA', sha1(TEN_CALLS), ...TEN_KEYS],
    ...SCRIPTING,
    setup: () => [['SCRIPT', 'LOAD', TEN_CALLS], ['DEL', 'bq:id', 'bq:wait', 'bq:active', 'bq:done']],
  },
  {
    name: 'FCALL',
    command: ['FCALL', 'trivial', '1', 'script:__rand_int__'],
    ...SCRIPTING,
    setup: () => [['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]],
  },
  {
    name: 'FCALL_10',
    command: ['FCALL', 'tencalls', ...TEN_KEYS],
    ...SCRIPTING,
    setup: () => [['FUNCTION', 'LOAD', 'REPLACE', LIBRARY], ['DEL', 'bq:id', 'bq:wait', 'bq:active', 'bq:done']],
  },
];
