// Replicas in the embedded cluster: CLUSTER REPLICATE and what every node reports about them,
// manual failover (CLUSTER FAILOVER, FORCE, TAKEOVER), automatic failover when a master's server
// closes, and cluster clients (ioredis, node-redis) carrying a workload through both.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { createCluster } from 'redis';
import { startCluster, type RespiteCluster, type RespiteServer } from '../../src/index';

const FAST = { clusterNodeTimeout: 1000 };

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 30000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const myId = async (n: RespiteServer) => String(await n.call('CLUSTER', 'MYID'));
const role = async (n: RespiteServer) => String(((await n.call('ROLE')) as unknown[])[0]);

/** CLUSTER NODES of a node as {id: [flags, master]}. */
async function view(n: RespiteServer): Promise<Map<string, { flags: string; master: string; slots: string }>> {
  const out = new Map<string, { flags: string; master: string; slots: string }>();
  for (const line of String(await n.call('CLUSTER', 'NODES')).trim().split('\n')) {
    const f = line.split(' ');
    out.set(f[0], { flags: f[2].replace('myself,', ''), master: f[3], slots: f.slice(8).join(' ') });
  }
  return out;
}

/** Every live node agrees that `replica` is a master and `oldMaster` its replica. */
async function swapped(live: RespiteServer[], newMaster: string, oldMaster: string): Promise<boolean> {
  for (const n of live) {
    const v = await view(n);
    if (v.get(newMaster)?.flags !== 'master' || v.get(oldMaster)?.master !== newMaster) return false;
  }
  return true;
}

test('startCluster with replicas: CLUSTER NODES/REPLICAS/SHARDS/SLOTS show them as Redis does', async () => {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  try {
    assert.equal(cluster.nodes.length, 6);
    assert.equal(cluster.masters.length, 3);
    assert.equal(cluster.replicas.length, 3);
    const ids = await Promise.all(cluster.nodes.map(myId));
    for (const n of cluster.nodes) {
      const v = await view(n);
      assert.equal(v.size, 6);
      for (let i = 0; i < 3; i++) {
        assert.equal(v.get(ids[i])!.flags, 'master');
        assert.equal(v.get(ids[3 + i])!.flags, 'slave');
        assert.equal(v.get(ids[3 + i])!.master, ids[i]);
        assert.equal(v.get(ids[3 + i])!.slots, '');
      }
    }
    // A replica's CLUSTER NODES line: its master's config epoch, and no slots.
    const line = String(await cluster.replicas[0].call('CLUSTER', 'NODES')).split('\n').find((l) => l.startsWith(ids[3]))!;
    assert.match(line, new RegExp(`^${ids[3]} 127\\.0\\.0\\.1:${cluster.replicas[0].port}@\\d+ myself,slave ${ids[0]} 0 \\d+ 1 connected$`));
    const reps = (await cluster.masters[1].call('CLUSTER', 'REPLICAS', ids[1])) as string[];
    assert.equal(reps.length, 1);
    assert.match(reps[0], new RegExp(`^${ids[4]} .* slave ${ids[1]} `));
    assert.deepEqual(await cluster.masters[1].call('CLUSTER', 'SLAVES', ids[1]), reps);
    await assert.rejects(cluster.masters[0].call('CLUSTER', 'REPLICAS', ids[3]), /The specified node is not a master/);
    assert.equal(await role(cluster.replicas[2]), 'slave');

    // A write reaches the replica; once its offset is non-zero it is listed in CLUSTER SLOTS.
    await assert.rejects(cluster.masters[0].call('SET', 'a', '1'), /MOVED 15495/);
    const owner = cluster.masters[2];
    await owner.call('SET', 'a', '1');
    await until('the replica to get the write', async () => (await cluster.replicas[2].server.keyspace.dbs[0].size) === 1);
    await until('the replica offset to reach the other nodes', async () => {
      const slots = (await cluster.masters[0].call('CLUSTER', 'SLOTS')) as unknown[][];
      return slots[2].length === 4;
    });
    const slots = (await cluster.masters[0].call('CLUSTER', 'SLOTS')) as unknown[][];
    assert.deepEqual(slots[2].slice(0, 2), [10923, 16383]);
    assert.deepEqual((slots[2][3] as unknown[]).slice(1, 3), [cluster.replicas[2].port, ids[5]]);
    const shards = (await cluster.masters[0].call('CLUSTER', 'SHARDS')) as unknown[][];
    const nodesOf = (s: unknown[]) => s[3] as unknown[][];
    const third = shards.find((s) => (s[1] as number[])[0] === 10923)!;
    assert.deepEqual(nodesOf(third).map((n) => [n[1], n[9]]), [
      [ids[2], 'master'],
      [ids[5], 'replica'],
    ]);
    // A replica redirects writes and plain reads to its master; READONLY reads are served.
    await assert.rejects(cluster.replicas[2].call('GET', 'a'), new RegExp(`MOVED 15495 127\\.0\\.0\\.1:${owner.port}`));
    const conn = cluster.replicas[2].connect();
    assert.equal(await conn.call(['READONLY']), 'OK');
    assert.equal(await conn.call(['GET', 'a']), '1');
    await assert.rejects(conn.call(['SET', 'a', '2']), /MOVED/);
    conn.close();
  } finally {
    await cluster.close();
  }
});

test('CLUSTER REPLICATE and FAILOVER: the errors Redis gives', async () => {
  const cluster = await startCluster({ masters: 2, replicasPerMaster: 1 });
  try {
    const [m0, m1] = cluster.masters;
    const [r0] = cluster.replicas;
    const id0 = await myId(m0);
    const idr0 = await myId(r0);
    await assert.rejects(m0.call('CLUSTER', 'REPLICATE', id0), /Can't replicate myself/);
    await assert.rejects(m1.call('CLUSTER', 'REPLICATE', idr0), /I can only replicate a master, not a replica\./);
    await assert.rejects(m1.call('CLUSTER', 'REPLICATE', id0), /To set a master the node must be empty and without assigned slots\./);
    await assert.rejects(m1.call('CLUSTER', 'REPLICATE', 'f'.repeat(40)), new RegExp(`Unknown node ${'f'.repeat(40)}`));
    await assert.rejects(m0.call('CLUSTER', 'FAILOVER'), /You should send CLUSTER FAILOVER to a replica/);
    await assert.rejects(r0.call('CLUSTER', 'FAILOVER', 'NOW'), /syntax error/);
    await assert.rejects(m0.call('REPLICAOF', '127.0.0.1', m1.port), /REPLICAOF not allowed in cluster mode\./);
    await assert.rejects(m0.call('CLUSTER', 'FORGET', id0), /can't forget myself/);
    await assert.rejects(r0.call('CLUSTER', 'FORGET', id0), /Can't forget my master!/);
  } finally {
    await cluster.close();
  }
});

test('CLUSTER FAILOVER: the replica takes over with the data, the old master follows it', async () => {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeOptions: FAST });
  try {
    const m = cluster.masters[1];
    const r = cluster.replicas[1];
    const [mid, rid] = [await myId(m), await myId(r)];
    // {c} hashes to 7365, served by the second master.
    for (let i = 0; i < 50; i++) await m.call('SET', `{c}${i}`, String(i));
    await r.call('CLUSTER', 'FAILOVER');
    await until('the failover to be seen by every node', () => swapped(cluster.nodes, rid, mid));
    assert.equal(await role(r), 'master');
    await until('the old master to resync', async () => (await role(m)) === 'slave' && m.server.replication.replicaOf?.state === 'connected');
    assert.equal(await r.call('GET', '{c}49'), '49');
    assert.equal(await r.call('SET', '{c}x', 'new'), 'OK');
    await until('the write to reach the old master', async () => m.server.keyspace.dbs[0].size === 51);
    await assert.rejects(m.call('GET', '{c}x'), new RegExp(`MOVED \\d+ 127\\.0\\.0\\.1:${r.port}`));
    // The new master's epoch is the largest: it won an election.
    const info = String(await r.call('CLUSTER', 'INFO'));
    const epoch = Number(/cluster_my_epoch:(\d+)/.exec(info)![1]);
    assert.equal(epoch, Number(/cluster_current_epoch:(\d+)/.exec(info)![1]));
    assert.ok(epoch > 3);

    // FORCE and TAKEOVER from the old master (now a replica) bring it back.
    await m.call('CLUSTER', 'FAILOVER', 'FORCE');
    await until('the forced failover', () => swapped(cluster.nodes, mid, rid));
    await r.call('CLUSTER', 'FAILOVER', 'TAKEOVER');
    await until('the takeover', () => swapped(cluster.nodes, rid, mid));
    assert.equal(await r.call('GET', '{c}x'), 'new');
  } finally {
    await cluster.close();
  }
});

test("CLUSTER FAILOVER lifts only its own pause: a user's CLIENT PAUSE on the old master stays", async () => {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeOptions: FAST });
  try {
    const m = cluster.masters[1];
    const r = cluster.replicas[1];
    const [mid, rid] = [await myId(m), await myId(r)];
    await m.call('SET', '{c}1', 'before');
    await until('the replica to have the key', async () => r.server.keyspace.dbs[0].size === 1);
    assert.equal(await m.call('CLIENT', 'PAUSE', 100_000, 'WRITE'), 'OK');
    await r.call('CLUSTER', 'FAILOVER');
    await until('the failover to be seen by every node', () => swapped(cluster.nodes, rid, mid));
    await until('the old master to follow the new one', async () => (await role(m)) === 'slave');
    // The manual failover's pause ended with it; the user's pause is still in force.
    const pause = m.server.clientPause;
    assert.ok(pause !== null && pause.refresh(), "the user's CLIENT PAUSE ended with the failover");
    assert.ok(pause.purposes[0] !== null);
    // It still holds the stream from the new master; CLIENT UNPAUSE lets it through.
    assert.equal(await r.call('SET', '{c}2', 'after'), 'OK');
    assert.equal(m.server.keyspace.dbs[0].size, 1);
    assert.equal(await m.call('CLIENT', 'UNPAUSE'), 'OK');
    await until('the write to reach the old master', async () => m.server.keyspace.dbs[0].size === 2);
  } finally {
    await cluster.close();
  }
});

test('a master paused for a manual failover sends its replicas no PING (their offset must stay where it told them)', async () => {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeOptions: FAST });
  try {
    const m = cluster.masters[1];
    const r = cluster.replicas[1];
    await until('the replica to follow', () => r.server.replication.replicaOf?.state === 'connected');
    await m.call('CONFIG', 'SET', 'repl-ping-replica-period', 1);
    const repl = m.server.replication as unknown as { cronLoops: number; masterReplOffset: number };
    const crons = async (n: number) => {
      const target = repl.cronLoops + n;
      await until(`${n} replication crons`, () => repl.cronLoops >= target);
    };
    // As on MFSTART from the replica (bus.ts): the deadline, and writes paused for the failover.
    const cs = m.server.cluster!;
    cs.mfEnd = Date.now() + 60_000;
    cs.mfReplica = cs.lookup(await myId(r))!;
    cs.host.pauseWrites(Date.now() + 60_000);
    const offset = repl.masterReplOffset;
    await crons(2);
    assert.equal(repl.masterReplOffset, offset);
    // Once the manual failover ends, the PINGs resume.
    cs.resetManualFailover();
    await crons(2);
    assert.ok(repl.masterReplOffset > offset);
  } finally {
    await cluster.close();
  }
});

test('a master whose server closes: FAIL by majority, its replica is elected', async () => {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeOptions: FAST });
  try {
    const m = cluster.masters[0];
    const r = cluster.replicas[0];
    const [mid, rid] = [await myId(m), await myId(r)];
    // {b} hashes to 3300, served by the first master.
    await m.call('SET', '{b}k', 'v');
    await until('the replica to get the write', () => r.server.keyspace.dbs[0].size === 1);
    await m.close();
    const live = cluster.nodes.filter((n) => n !== m);
    await until('the replica to be promoted', async () => (await role(r)) === 'master');
    await until('every node to see the new master and the old one failed', async () => {
      for (const n of live) {
        const v = await view(n);
        if (v.get(rid)?.flags !== 'master' || v.get(mid)?.flags !== 'master,fail' || v.get(rid)?.slots !== '0-5460') return false;
      }
      return true;
    });
    assert.equal(await r.call('GET', '{b}k'), 'v');
    for (const n of live) assert.match(String(await n.call('CLUSTER', 'INFO')), /cluster_state:ok/);
  } finally {
    await cluster.close();
  }
});

/** Keys and transactions through a cluster client while the cluster fails over twice. */
async function workload(cluster: RespiteCluster, client: Client): Promise<void> {
  let n = 0;
  const round = async () => {
    n++;
    await client.set(`key:${n}`, String(n));
    assert.equal(await client.get(`key:${n}`), String(n));
    await client.mset(`{user${n % 7}}:a`, String(n), `{user${n % 7}}:b`, String(n));
    assert.deepEqual(await client.mget(`{user${n % 7}}:a`, `{user${n % 7}}:b`), [String(n), String(n)]);
    assert.deepEqual(await client.multiIncr(`{tx}:c`, `{tx}:d`), [n, n]);
    assert.equal(await client.lua(`{lua}:e`), n);
  };
  for (let i = 0; i < 20; i++) await round();
  // Manual failover of the shard serving {tx}.
  const r = cluster.replicas[1];
  const mid = await myId(cluster.masters[1]);
  const rid = await myId(r);
  await r.call('CLUSTER', 'FAILOVER');
  await until('the manual failover', () => swapped(cluster.nodes, rid, mid));
  for (let i = 0; i < 20; i++) await round();
  // Kill the master of slot range 0-5460.
  const dead = cluster.masters[0];
  await dead.close();
  const live = cluster.nodes.filter((x) => x !== dead);
  await until('the replica of the killed master to be promoted', async () => (await role(cluster.replicas[0])) === 'master');
  await until('every node to agree', async () => {
    for (const x of live) if (!/cluster_state:ok/.test(String(await x.call('CLUSTER', 'INFO')))) return false;
    return true;
  });
  for (let i = 0; i < 20; i++) await round();
  // Nothing written was lost.
  for (let i = 1; i <= n; i++) assert.equal(await client.get(`key:${i}`), String(i));
}

interface Client {
  set(k: string, v: string): Promise<unknown>;
  get(k: string): Promise<string | null>;
  mset(...kv: string[]): Promise<unknown>;
  mget(...k: string[]): Promise<(string | null)[]>;
  multiIncr(a: string, b: string): Promise<number[]>;
  lua(k: string): Promise<number>;
}

const LUA = "return redis.call('incr', KEYS[1])";

test('ioredis Redis.Cluster follows a manual failover and a killed master', async () => {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeOptions: FAST });
  const io = new Redis.Cluster(cluster.masters.map((m) => ({ host: '127.0.0.1', port: m.port })), {
    clusterRetryStrategy: () => 100,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    maxRedirections: 50,
    redisOptions: { maxRetriesPerRequest: 50 },
  });
  io.on('error', () => undefined);
  try {
    await workload(cluster, {
      set: (k, v) => io.set(k, v),
      get: (k) => io.get(k),
      mset: (...kv) => io.mset(...kv),
      mget: (...k) => io.mget(...k),
      multiIncr: async (a, b) => ((await io.multi().incr(a).incr(b).exec()) ?? []).map(([e, v]) => (e === null ? (v as number) : Number.NaN)),
      lua: async (k) => (await io.eval(LUA, 1, k)) as number,
    });
  } finally {
    io.disconnect();
    await cluster.close();
  }
});

test('node-redis createCluster follows a manual failover and a killed master', async () => {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeOptions: FAST });
  const nr = createCluster({
    rootNodes: cluster.masters.map((m) => ({ url: `redis://127.0.0.1:${m.port}` })),
    defaults: { socket: { reconnectStrategy: () => 100, connectTimeout: 2000 } },
    maxCommandRedirections: 50,
  });
  nr.on('error', () => undefined);
  await nr.connect();
  // node-redis does not retry a command whose connection closed: retry as an application would.
  const retry = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (i >= 100 || !/closed|CLUSTERDOWN|TRYAGAIN|ECONNREFUSED|Socket|not connected|Disconnects client|Connection|MOVED/i.test(String(e))) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  try {
    await workload(cluster, {
      set: (k, v) => retry(() => nr.set(k, v)),
      get: (k) => retry(() => nr.get(k)),
      mset: (...kv) => retry(() => nr.mSet(kv)),
      mget: (...k) => retry(() => nr.mGet(k)),
      multiIncr: (a, b) => retry(async () => (await nr.multi().incr(a).incr(b).exec()) as unknown as number[]),
      lua: (k) => retry(async () => (await nr.eval(LUA, { keys: [k] })) as number),
    });
  } finally {
    await nr.close().catch(() => undefined);
    await cluster.close();
  }
});
