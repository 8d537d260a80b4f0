// DEBUG introspection, MEMORY, LOLWUT, MODULE and LATENCY GRAPH against the reference server:
// digests must be equal to redis-server's for the same data, one-line summaries and reply shapes
// the same (addresses and clocks aside).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';

/** The same data of every type on both servers. */
async function fill(p: Pair): Promise<void> {
  await p.script([
    ['SET', 'str', 'hello'],
    ['SET', 'int', '12345'],
    ['SET', 'big', 'x'.repeat(100)],
    ['SET', 'bin', Buffer.from([0, 255, 128, 10, 13])],
    ['RPUSH', 'list', 'a', 'b', 'c', '1', '2', '-3'],
    ['SADD', 'intset', '1', '2', '3', '-100'],
    ['SADD', 'set', 'x', 'y', 'z', '1'],
    ['HSET', 'hash', 'f', 'v', 'g', 'w', 'n', '1'],
    ['ZADD', 'zset', '1.5', 'a', '2', 'b', '3.141592653589793', 'c', '-inf', 'd', '1e300', 'e'],
    ['XADD', 'stream', '1-1', 'f', 'v', 'g', 'w'],
    ['XADD', 'stream', '2-5', 'f2', 'v2'],
    ['SET', 'ttl', 'v', 'EX', '1000'],
    ['SELECT', '5'],
    ['SET', 'other-db', 'v'],
    ['SELECT', '0'],
  ]);
  // Big encodings (hashtable, skiplist) digest the same as the compact ones.
  const bigHash: string[] = [];
  const bigZset: string[] = [];
  const bigSet: string[] = [];
  for (let i = 0; i < 200; i++) {
    bigHash.push(`field${i}`, `value${i}`);
    bigZset.push(String(i / 7), `m${i}`);
    bigSet.push(`member${i}`);
  }
  await p.run('HSET', 'bighash', ...bigHash);
  await p.run('ZADD', 'bigzset', ...bigZset);
  await p.run('SADD', 'bigset', ...bigSet);
}

const KEYS = ['str', 'int', 'big', 'bin', 'list', 'intset', 'set', 'hash', 'zset', 'stream', 'ttl', 'bighash', 'bigzset', 'bigset', 'missing'];

/** DEBUG OBJECT without the parts that differ by nature (address, LRU clock). */
function objectLine(r: unknown): string {
  return String(r)
    .replace(/at:0x[0-9a-f]+/, 'at:_')
    .replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:_');
}

differential('DEBUG introspection, MEMORY, LOLWUT, MODULE', (ctx) => {
  test('DEBUG DIGEST and DIGEST-VALUE equal redis-server for every type', async () => {
    const p = await ctx.pair();
    await p.run('DEBUG', 'DIGEST'); // empty dataset: forty zeros
    await fill(p);
    await p.run('DEBUG', 'DIGEST');
    await p.run('DEBUG', 'DIGEST-VALUE', ...KEYS);
    await p.run('DEBUG', 'DIGEST-VALUE');
    // Order matters for lists, not for sets and hashes.
    await p.run('LPUSH', 'list', 'z');
    await p.run('SREM', 'set', 'x');
    await p.run('HDEL', 'bighash', 'field7');
    await p.run('DEBUG', 'DIGEST');
    await p.run('DEBUG', 'DIGEST-VALUE', 'list', 'set', 'bighash');
  });

  test('DEBUG OBJECT: same encoding, refcount, serialized length and quicklist details', async () => {
    const p = await ctx.pair();
    await fill(p);
    for (const k of KEYS.filter((k) => k !== 'missing')) {
      const [a, b] = await Promise.all([p.redis.call('DEBUG', 'OBJECT', k), p.respite.call('DEBUG', 'OBJECT', k)]);
      assert.equal(objectLine(b), objectLine(a), `DEBUG OBJECT ${k}`);
    }
    await p.run('DEBUG', 'OBJECT', 'missing');
    await p.run('DEBUG', 'OBJECT');
    await p.run('SET', 'shared', '100');
    const [a, b] = await Promise.all([p.redis.call('DEBUG', 'OBJECT', 'shared'), p.respite.call('DEBUG', 'OBJECT', 'shared')]);
    assert.equal(objectLine(b), objectLine(a));
  });

  test('DEBUG QUICKLIST-PACKED-THRESHOLD: plain nodes in DEBUG OBJECT and DUMP', async () => {
    const p = await ctx.pair();
    await p.run('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '10');
    await p.run('RPUSH', 'l', 'short', 'x'.repeat(20), 'a', 'b', 'y'.repeat(30));
    await p.run('DUMP', 'l');
    const [a, b] = await Promise.all([p.redis.call('DEBUG', 'OBJECT', 'l'), p.respite.call('DEBUG', 'OBJECT', 'l')]);
    assert.equal(objectLine(b), objectLine(a));
    await p.run('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5g');
    await p.run('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'abc');
    await p.run('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0');
    // (Redis keeps the nodes it built; respite lays lists out when it saves them, so after the
    // threshold changes back only new lists compare.)
    await p.run('RPUSH', 'l2', 'short', 'x'.repeat(20), 'a');
    await p.run('DUMP', 'l2');
  });

  test('DEBUG POPULATE, HTSTATS-KEY errors, LISTPACK / QUICKLIST checks', async () => {
    const p = await ctx.pair();
    await p.run('DEBUG', 'POPULATE', '10');
    await p.run('DEBUG', 'POPULATE', '5', 'pfx', '3');
    await p.run('DEBUG', 'POPULATE', '3', 'padded', '12');
    await p.run('SET', 'key:2', 'kept');
    await p.run('DEBUG', 'POPULATE', '4');
    await p.check('sorted', 'KEYS', '*');
    await p.run('MGET', 'key:0', 'key:2', 'key:3', 'pfx:4', 'padded:1');
    await p.run('DEBUG', 'DIGEST');
    await p.run('DEBUG', 'POPULATE', '-1');
    await p.run('DEBUG', 'POPULATE', 'x');
    await p.run('DEBUG', 'POPULATE', '1', 'a', '1', 'extra');
    await p.run('HSET', 'h', 'a', '1');
    await p.run('RPUSH', 'l', 'a');
    await p.run('DEBUG', 'HTSTATS-KEY', 'h');
    await p.run('DEBUG', 'HTSTATS-KEY', 'nokey');
    await p.run('DEBUG', 'LISTPACK', 'h');
    await p.run('DEBUG', 'LISTPACK', 'l');
    await p.run('DEBUG', 'QUICKLIST', 'l');
    await p.run('DEBUG', 'QUICKLIST', 'h');
    await p.run('DEBUG', 'HTSTATS', '99');
    await p.run('DEBUG', 'PAUSE-CRON', '0');
    await p.run('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never');
    await p.run('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'reset');
    await p.run('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'abc');
    await p.run('DEBUG', 'REPLYBUFFER', 'RESIZING', '1');
    await p.run('DEBUG', 'REPLYBUFFER', 'FOO', '1');
  });

  test('MEMORY: USAGE replies and errors, HELP, MALLOC-STATS shape, STATS keys', async () => {
    const p = await ctx.pair();
    await p.run('HSET', 'h', 'a', '1');
    await p.check('type', 'MEMORY', 'USAGE', 'h');
    await p.check('type', 'MEMORY', 'USAGE', 'h', 'SAMPLES', '0');
    await p.run('MEMORY', 'USAGE', 'nokey');
    await p.run('MEMORY', 'USAGE', 'h', 'SAMPLES', '-1');
    await p.run('MEMORY', 'USAGE', 'h', 'SAMPLES', 'x');
    await p.run('MEMORY', 'USAGE', 'h', 'FOO');
    await p.run('MEMORY', 'USAGE', 'h', 'SAMPLES');
    await p.run('MEMORY', 'HELP');
    await p.run('MEMORY', 'FOO');
    await p.run('MEMORY');
    await p.check('type', 'MEMORY', 'DOCTOR');
    await p.check('type', 'MEMORY', 'MALLOC-STATS');
    await p.run('MEMORY', 'PURGE');
    await p.run('COMMAND', 'GETKEYS', 'MEMORY', 'USAGE', 'key');
    // (Containers list their subcommands in redis-server's hash order, which varies per process.)
    await p.run('COMMAND', 'INFO', 'MEMORY|USAGE', 'LOLWUT', 'MODULE|LOAD', 'MODULE|LIST', 'MEMORY|STATS');
    const [a, b] = await Promise.all([p.redis.call('MEMORY', 'STATS'), p.respite.call('MEMORY', 'STATS')]);
    const keys = (r: unknown) => (r as unknown[]).filter((_, i) => i % 2 === 0);
    assert.deepEqual(keys(b), keys(a));
  });

  test('LOLWUT, MODULE and LATENCY GRAPH', async () => {
    const p = await ctx.pair();
    await p.run('LOLWUT');
    await p.run('LOLWUT', 'VERSION', '7');
    await p.run('LOLWUT', 'VERSION', 'x');
    // Two squares per row and column: no random rows, so the drawing is the same.
    await p.run('LOLWUT', 'VERSION', '5', '10', '2', '2');
    await p.check('type', 'LOLWUT', 'VERSION', '6', '5', '3');
    await p.run('MODULE', 'LIST');
    await p.run('MODULE', 'HELP');
    await p.run('MODULE', 'FOO');
    await p.run('MODULE', 'LOAD', '/nonexistent.so');
    await p.run('LATENCY', 'GRAPH', 'nosuch');
    await p.run('LATENCY', 'HELP');
  });
});

differential(
  'MODULE with enable-module-command',
  (ctx) => {
    test('LOAD, LOADEX and UNLOAD fail as for a library that cannot be loaded', async () => {
      const p = await ctx.pair();
      await p.run('MODULE', 'LOAD', '/nonexistent/module.so');
      await p.run('MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG', 'a', 'b', 'ARGS', 'x');
      await p.run('MODULE', 'UNLOAD', 'nosuch');
      await p.run('MODULE', 'LIST');
    });
  },
  { options: { 'enable-module-command': 'yes' }, redisArgs: ['--enable-module-command', 'yes'] },
);
