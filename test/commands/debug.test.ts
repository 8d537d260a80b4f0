// DEBUG introspection subcommands, MEMORY, LATENCY GRAPH, MODULE and LOLWUT through the embedded
// API and TCP (no reference server needed).
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, RespiteServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';
import { renderSparkline } from '../../src/engine/sparkline';
import { hashTableStatsText } from '../../src/datatypes/ht-stats';

const text = (r: unknown) => String(r && typeof r === 'object' && 'text' in r ? (r as { text: string }).text : r);

describe('DEBUG / MEMORY introspection (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: 0, 'enable-debug-command': 'yes' });
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
    await s.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0');
  });

  test('DEBUG DIGEST-VALUE of a string is the SHA1 mix Redis defines', async () => {
    await s.call('SET', 'k', 'v');
    // mix(type 0 as 4 bytes BE) then mix("v"), from a zero digest: d = SHA1(d ^ SHA1(data)).
    const sha = (b: Buffer) => createHash('sha1').update(b).digest();
    const mix = (d: Buffer, data: Buffer) => {
      const h = sha(data);
      for (let i = 0; i < 20; i++) d[i] ^= h[i];
      return sha(d);
    };
    let d = Buffer.alloc(20);
    d = mix(d, Buffer.from([0, 0, 0, 0]));
    d = mix(d, Buffer.from('v'));
    assert.deepEqual(await s.call('DEBUG', 'DIGEST-VALUE', 'k', 'nokey'), [d.toString('hex'), '0'.repeat(40)]);
    // The dataset digest changes with data and returns to zeros when empty.
    const before = await s.call('DEBUG', 'DIGEST');
    await s.call('SET', 'k2', 'v');
    assert.notEqual(await s.call('DEBUG', 'DIGEST'), before);
    await s.call('FLUSHALL');
    assert.equal(await s.call('DEBUG', 'DIGEST'), '0'.repeat(40));
  });

  test('DEBUG DIGEST: list order matters, set order does not, a TTL counts', async () => {
    await s.call('RPUSH', 'a', '1', '2');
    await s.call('RPUSH', 'b', '2', '1');
    const [da, db] = (await s.call('DEBUG', 'DIGEST-VALUE', 'a', 'b')) as string[];
    assert.notEqual(da, db);
    await s.call('SADD', 's1', 'x', 'y');
    await s.call('SADD', 's2', 'y', 'x');
    const [d1, d2] = (await s.call('DEBUG', 'DIGEST-VALUE', 's1', 's2')) as string[];
    assert.equal(d1, d2);
    const plain = await s.call('DEBUG', 'DIGEST-VALUE', 'a');
    await s.call('EXPIRE', 'a', '100');
    assert.notDeepEqual(await s.call('DEBUG', 'DIGEST-VALUE', 'a'), plain);
  });

  test('DEBUG OBJECT: missing key, shared integers, in-place INCR keeps the address', async () => {
    await assert.rejects(s.call('DEBUG', 'OBJECT', 'nokey'), /ERR no such key/);
    await s.call('SET', 'n', '20000');
    await s.call('INCR', 'n');
    const addr = (r: unknown) => String(r).split(' ')[1];
    const a1 = addr(await s.call('DEBUG', 'OBJECT', 'n'));
    await s.call('INCR', 'n');
    assert.equal(addr(await s.call('DEBUG', 'OBJECT', 'n')), a1);
    await s.call('SET', 'x', '7');
    await s.call('SET', 'y', '7');
    const ox = String(await s.call('DEBUG', 'OBJECT', 'x'));
    assert.equal(addr(ox), addr(await s.call('DEBUG', 'OBJECT', 'y')));
    assert.match(ox, /^Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 lru:\d+ lru_seconds_idle:\d+$/);
    await s.call('HSET', 'h', 'f', 'x'.repeat(50));
    assert.match(String(await s.call('DEBUG', 'OBJECT', 'h')), / encoding:listpack /);
    await s.call('HSET', 'h', 'g', 'x'.repeat(1024));
    assert.match(String(await s.call('DEBUG', 'OBJECT', 'h')), / encoding:hashtable /);
  });

  test('DEBUG QUICKLIST-PACKED-THRESHOLD puts big elements in nodes of their own', async () => {
    await s.call('RPUSH', 'l', 'a', 'b', 'c', 'x'.repeat(50), 'd');
    assert.match(String(await s.call('DEBUG', 'OBJECT', 'l')), / ql_nodes:1 ql_avg_node:5\.00 ql_listpack_max:-2 ql_compressed:0 /);
    assert.equal(await s.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '10b'), 'OK');
    assert.match(String(await s.call('DEBUG', 'OBJECT', 'l')), / ql_nodes:3 ql_avg_node:1\.67 /);
    await assert.rejects(s.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '4gb'), /argument must be a memory value bigger than 1 and smaller than 4gb/);
    // The layout survives DUMP / RESTORE.
    const payload = await s.callBuffer('DUMP', 'l');
    await s.call('DEL', 'l');
    await s.call('RESTORE', 'l', '0', payload as Buffer);
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['a', 'b', 'c', 'x'.repeat(50), 'd']);
  });

  test('DEBUG POPULATE creates missing keys only, with prefix and size', async () => {
    await s.call('SET', 'key:1', 'mine');
    assert.equal(await s.call('DEBUG', 'POPULATE', '3'), 'OK');
    assert.deepEqual(await s.call('MGET', 'key:0', 'key:1', 'key:2'), ['value:0', 'mine', 'value:2']);
    await s.call('DEBUG', 'POPULATE', '2', 'p', '10');
    assert.equal(await s.call('GET', 'p:1'), 'value:1\0\0\0');
    await s.call('DEBUG', 'POPULATE', '1', 'q', '3');
    assert.equal(await s.call('GET', 'q:0'), 'val');
    assert.equal(await s.call('DBSIZE'), 6);
  });

  test('DEBUG HTSTATS / HTSTATS-KEY report the real table', async () => {
    const members = Array.from({ length: 600 }, (_, i) => `m${i}`);
    await s.call('SADD', 'big', ...members);
    const st = String(await s.call('DEBUG', 'HTSTATS-KEY', 'big'));
    assert.match(st, /^Hash table 0 stats \(main hash table\):\n table size: \d+\n number of elements: 600\n different slots: \d+\n max chain length: \d+\n/);
    await s.call('SADD', 'small', '1');
    await assert.rejects(s.call('DEBUG', 'HTSTATS-KEY', 'small'), /not represented using an hash table/);
    const all = text(await s.call('DEBUG', 'HTSTATS', '0'));
    assert.match(all, /^\[Dictionary HT\]\nHash table 0 stats \(main hash table\):\n table size: 8\n number of elements: 2\n/);
    assert.match(all, /\[Expires HT\]\nHash table 0 stats \(main hash table\):\nNo stats available for empty dictionaries\n$/);
    // Chain lengths: keys sharing a home bucket.
    const t = hashTableStatsText({ capacity: 4, homes: [1, 1, 1, 3] });
    assert.match(t, / different slots: 2\n max chain length: 3\n avg chain length \(counted\): 2\.00\n/);
    assert.match(t, /   0: 2 \(50\.00%\)\n   1: 1 \(25\.00%\)\n   3: 1 \(25\.00%\)\n$/);
  });

  test('MEMORY USAGE grows with the data; SAMPLES 0 walks every element', async () => {
    await s.call('SET', 's', 'x');
    const small = (await s.call('MEMORY', 'USAGE', 's')) as number;
    await s.call('SET', 's', 'x'.repeat(10000));
    assert.ok(((await s.call('MEMORY', 'USAGE', 's')) as number) > small + 9000);
    const fields: string[] = [];
    for (let i = 0; i < 100; i++) fields.push(`f${i}`, i < 5 ? 'v' : 'v'.repeat(1000));
    await s.call('HSET', 'h', ...fields);
    const sampled = (await s.call('MEMORY', 'USAGE', 'h')) as number;
    const full = (await s.call('MEMORY', 'USAGE', 'h', 'SAMPLES', '0')) as number;
    assert.ok(full > sampled * 5, `${full} vs ${sampled}`);
    assert.equal(await s.call('MEMORY', 'USAGE', 'nokey'), null);
    await assert.rejects(s.call('MEMORY', 'USAGE', 'h', 'SAMPLES', '-1'), /syntax error/);
    for (const k of ['list', 'set', 'zset', 'stream']) {
      if (k === 'list') await s.call('RPUSH', k, 'a', 'b');
      if (k === 'set') await s.call('SADD', k, 'a', 'b');
      if (k === 'zset') await s.call('ZADD', k, '1', 'a');
      if (k === 'stream') await s.call('XADD', k, '*', 'f', 'v');
      assert.ok(((await s.call('MEMORY', 'USAGE', k)) as number) > 0, k);
    }
    const stats = (await s.call('MEMORY', 'STATS')) as unknown[];
    assert.equal(stats[0], 'peak.allocated');
    assert.ok(stats.includes('db.0') && stats.includes('keys.count'));
    assert.equal(stats[stats.indexOf('keys.count') + 1], 6);
  });

  test('DEBUG PAUSE-CRON stops active expiry until resumed', async () => {
    // The cron is stepped (runCron) rather than waited for; the key's TTL is put in the past.
    s.server.stopCron();
    await s.call('DEBUG', 'PAUSE-CRON', '1');
    try {
      await s.call('SET', 'k', 'v', 'PX', '100000');
      s.server.keyspace.dbs[0].setExpire('k', s.clock.now() - 1);
      s.server.runCron(30);
      assert.equal(s.server.keyspace.dbs[0].dict.size, 1);
    } finally {
      await s.call('DEBUG', 'PAUSE-CRON', '0');
    }
    s.server.runCron(1);
    s.server.startCron();
    assert.equal(s.server.keyspace.dbs[0].dict.size, 0);
  });

  test('reply buffer: idle clients shrink to 1 KB, big replies grow it back to 16 KB', async () => {
    const c = await RespClient.connect(s.port);
    try {
      await c.call('CLIENT', 'SETNAME', 'rb');
      const rbs = async () => Number(/name=rb .*?rbs=(\d+)/.exec(String(await s.call('CLIENT', 'LIST')))![1]);
      await s.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100');
      // The clients cron resizes the buffers: stepped here, with the clock moved past the peak reset time.
      s.server.stopCron();
      for (let i = 0; i < 100 && (await rbs()) > 2000; i++) {
        s.clock.advance(100);
        s.server.runCron(1);
      }
      assert.equal(await rbs(), 1024);
      await s.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never');
      await s.call('SET', 'big', 'x'.repeat(32768));
      for (let i = 0; i < 100 && (await rbs()) < 16384; i++) {
        await c.call('GET', 'big');
        s.server.runCron(1);
      }
      assert.equal(await rbs(), 16384);
      await assert.rejects(s.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'x'), /not an integer/);
    } finally {
      await s.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'reset');
      s.server.startCron();
      c.close();
    }
  });

  test('LATENCY GRAPH draws the samples; unknown events are an error', async () => {
    await assert.rejects(s.call('LATENCY', 'GRAPH', 'nope'), /No samples available for event 'nope'/);
    const now = Math.floor(s.server.clock.now() / 1000);
    s.server.latency.add('ev', 10, now - 120);
    s.server.latency.add('ev', 40, now - 5);
    const g = text(await s.call('LATENCY', 'GRAPH', 'ev'));
    // Four rows of levels, a blank line, then each sample's age written downwards (2m, 5s).
    assert.equal(g, `ev - high 40 ms, low 10 ms (all time high 40 ms)\n${'-'.repeat(80)}\n #\n |\n |\n_|\n  \n25\nms\n`);
  });

  test('LATENCY DOCTOR: integer average and deviation, period from the oldest sample', async () => {
    // Monitoring on, but so high that no real command of this test (slow under load) is recorded.
    await s.call('CONFIG', 'SET', 'latency-monitor-threshold', '60000');
    s.clock.freeze(1_700_000_000_000);
    try {
      await s.call('LATENCY', 'RESET');
      const now = 1_700_000_000;
      s.server.latency.add('ev', 100, now - 4);
      s.server.latency.add('ev', 71, now - 2);
      // avg 85 (85.5 truncated), deviation (15 + 14) / 2 = 14, period 4 s / 2 samples.
      assert.match(text(await s.call('LATENCY', 'DOCTOR')), /1\. ev: 2 latency spikes \(average 85ms, mean deviation 14ms, period 2\.00 sec\)\. Worst all time event 100ms\./);
      await s.call('LATENCY', 'RESET');
      s.server.latency.add('ev', 50, now);
      assert.match(text(await s.call('LATENCY', 'DOCTOR')), /period 1\.00 sec/);
    } finally {
      await s.call('LATENCY', 'RESET');
      await s.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
      s.clock.unfreeze();
    }
  });

  test('the active expire cycle is sampled as the expire-cycle latency event', async () => {
    await s.call('LATENCY', 'RESET');
    await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      for (let i = 0; i < 50000; i++) void s.call('SET', `k${i}`, 'v', 'PX', '100000');
      await s.call('PING');
      // Every TTL already passed (set directly: a clock jump would expire them without the cron).
      const db = s.server.keyspace.dbs[0];
      for (let i = 0; i < 50000; i++) db.setExpire(`k${i}`, s.clock.now() - 1);
      await s.call('CONFIG', 'SET', 'latency-monitor-threshold', '1');
      await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      for (let i = 0; i < 100 && s.server.latency.events.get('expire-cycle') === undefined; i++) s.server.runCron(1);
      assert.ok(s.server.latency.events.has('expire-cycle'));
    } finally {
      await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      await s.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
      await s.call('LATENCY', 'RESET');
    }
  });

  test('sparkline: levels, fill and vertical labels', () => {
    const out = renderSparkline(
      [
        { value: 0, label: '1s' },
        { value: 5, label: '' },
        { value: 10, label: '10m' },
      ],
      80,
      2,
    );
    assert.equal(out, ' _#\n_||\n   \n1 1\ns 0\n  m\n');
  });

  test('MODULE: nothing loaded, LOAD fails; LOLWUT prints the version', async () => {
    assert.deepEqual(await s.call('MODULE', 'LIST'), []);
    await assert.rejects(s.call('MODULE', 'LOAD', '/x.so'), /MODULE command not allowed/);
    assert.equal(text(await s.call('LOLWUT')), 'Redis ver. 7.0.15\n');
    assert.match(text(await s.call('LOLWUT', 'VERSION', '5', '20')), /Georg Nees - schotter, plotter on paper, 1968\. Redis ver\. 7\.0\.15\n$/);
    assert.match(text(await s.call('LOLWUT', 'VERSION', '6', '10', '4')), /\x1b\[0;\d+;\d+m \x1b\[0m/);
    assert.equal(await s.call('DEBUG', 'STRINGMATCH-TEST'), 'Apparently Redis did not crash: test passed');
  });
});

test('LOLWUT with the largest arguments Redis accepts draws a bounded canvas and the server goes on', async () => {
  const s = await startServer({ port: null });
  try {
    const art = String(await s.call('LOLWUT', 'VERSION', '5', '1000', '1', '200'));
    assert.match(art, /Georg Nees - schotter/);
    assert.ok(art.length < 20_000_000, `art of ${art.length} chars`);
    assert.equal(await s.call('PING'), 'PONG');
  } finally {
    await s.close();
  }
});
