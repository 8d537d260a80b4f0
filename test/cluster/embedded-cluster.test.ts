// A whole cluster in one process (startCluster): formed over the real cluster bus, served to a
// cluster client (ioredis Redis.Cluster), keys indexed per slot, slots moved with MIGRATE.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startCluster } from '../../src/index';

test('startCluster: 3 masters joined by MEET over the bus, every node agrees', async () => {
  const t0 = Date.now();
  const cluster = await startCluster({ masters: 3 });
  try {
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(cluster.addresses.length, 3);
    for (const n of cluster.nodes) {
      const info = String(await n.call('CLUSTER', 'INFO'));
      assert.match(info, /cluster_state:ok/);
      assert.match(info, /cluster_known_nodes:3/);
      assert.match(info, /cluster_size:3/);
      const lines = String(await n.call('CLUSTER', 'NODES')).trim().split('\n');
      assert.equal(lines.length, 3);
      assert.equal(lines.filter((l) => l.includes('myself')).length, 1);
    }
    const slots = (await cluster.nodes[0].call('CLUSTER', 'SLOTS')) as unknown[][];
    assert.deepEqual(slots.map((s) => [s[0], s[1]]), [[0, 5460], [5461, 10922], [10923, 16383]]);
    // Redirection from a node that does not serve the key.
    await assert.rejects(cluster.nodes[0].call('SET', 'foo', 'x'), /^RespiteError: MOVED 12182 127\.0\.0\.1:\d+$/);
  } finally {
    await cluster.close();
  }
});

test('ioredis Redis.Cluster: hash tags, MULTI in one slot, Lua, CROSSSLOT', async () => {
  const cluster = await startCluster({ masters: 3 });
  const client = new Redis.Cluster(cluster.addresses);
  try {
    for (let i = 0; i < 200; i++) await client.set(`k${i}`, String(i));
    for (let i = 0; i < 200; i += 37) assert.equal(await client.get(`k${i}`), String(i));
    let total = 0;
    for (const n of cluster.nodes) total += Number(await n.call('DBSIZE'));
    assert.equal(total, 200);
    await client.mset('{u}a', '1', '{u}b', '2');
    assert.deepEqual(await client.mget('{u}a', '{u}b'), ['1', '2']);
    assert.deepEqual(await client.multi().incr('{u}a').incr('{u}b').exec(), [[null, 2], [null, 3]]);
    assert.equal(await client.eval("return redis.call('incr', KEYS[1])", 1, '{u}a'), 3);
    await assert.rejects(client.mget('a', 'b'), /CROSSSLOT/);
    // COUNTKEYSINSLOT / GETKEYSINSLOT on the owner.
    const slot = Number(await cluster.nodes[0].call('CLUSTER', 'KEYSLOT', '{u}'));
    const owner = cluster.nodes.find((_, i) => slot >= [0, 5461, 10923][i] && slot <= [5460, 10922, 16383][i])!;
    assert.equal(await owner.call('CLUSTER', 'COUNTKEYSINSLOT', slot), 2);
    assert.deepEqual(await owner.call('CLUSTER', 'GETKEYSINSLOT', slot, 10), ['{u}a', '{u}b']);
  } finally {
    client.disconnect();
    await cluster.close();
  }
});

test('moving a slot by hand (SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE) keeps every key', async () => {
  const cluster = await startCluster({ masters: 2 });
  const [a, b] = cluster.nodes;
  try {
    const slot = Number(await a.call('CLUSTER', 'KEYSLOT', 'bar')); // 5061, on A
    await a.call('SET', 'bar', '1');
    await a.call('SET', '{bar}2', '2');
    const aId = String(await a.call('CLUSTER', 'MYID'));
    const bId = String(await b.call('CLUSTER', 'MYID'));
    await b.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', aId);
    await a.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', bId);
    await a.call('MIGRATE', '127.0.0.1', b.port, '', 0, 5000, 'KEYS', 'bar');
    await assert.rejects(a.call('GET', 'bar'), /^RespiteError: ASK 5061 /);
    await assert.rejects(a.call('MGET', 'bar', '{bar}2'), /^RespiteError: TRYAGAIN/);
    const conn = b.connect();
    assert.equal(await conn.call(['ASKING']), 'OK');
    assert.equal(await conn.call(['GET', 'bar']), '1');
    conn.close();
    await a.call('MIGRATE', '127.0.0.1', b.port, '', 0, 5000, 'KEYS', '{bar}2');
    await b.call('CLUSTER', 'SETSLOT', slot, 'NODE', bId);
    await a.call('CLUSTER', 'SETSLOT', slot, 'NODE', bId);
    assert.equal(await b.call('GET', '{bar}2'), '2');
    assert.equal(await a.call('CLUSTER', 'COUNTKEYSINSLOT', slot), 0);
    // The new owner's bumped epoch reaches A over the bus: A redirects there.
    await assert.rejects(a.call('GET', 'bar'), new RegExp(`MOVED ${slot} 127\\.0\\.0\\.1:${b.port}`));
  } finally {
    await cluster.close();
  }
});

test('CONFIG SET cluster-announce-hostname shows in CLUSTER SLOTS and NODES at once (not at the next cron)', async () => {
  const cluster = await startCluster({ masters: 1 });
  const n = cluster.nodes[0];
  try {
    assert.equal(await n.call('CONFIG', 'SET', 'cluster-announce-hostname', 'me.com'), 'OK');
    const slots = (await n.call('CLUSTER', 'SLOTS')) as unknown[][];
    const master = slots[0][2] as unknown[];
    assert.deepEqual(master[3], ['hostname', 'me.com']); // a map, as key/value pairs
    assert.match(String(await n.call('CLUSTER', 'NODES')), /:\d+@\d+,me\.com myself,master /);
    await n.call('CONFIG', 'SET', 'cluster-announce-hostname', '');
    assert.deepEqual((((await n.call('CLUSTER', 'SLOTS')) as unknown[][])[0][2] as unknown[])[3], []);
  } finally {
    await cluster.close();
  }
});
