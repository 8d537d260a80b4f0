// respite nodes in a cluster with real redis-server 7.0 nodes (binary compatibility of the bus),
// and redis-cli --cluster create / check on respite nodes. Skipped with a message when the
// binaries are missing; CI=true makes their absence a failure (see test/helpers/differential.ts).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REDIS_CLI, REDIS_SERVER, type Reference, freePort, redisCli as cli, startReference } from '../helpers/differential';
import { startServer, RespiteServer } from '../../src/index';

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A respite node on a port whose bus port (port + 10000) is free, as redis-cli expects. */
async function respiteNode(dir: string): Promise<RespiteServer> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 > 65535) continue;
    try {
      return await startServer({ port, bind: '127.0.0.1', clusterEnabled: true, clusterConfigFile: path.join(dir, `nodes-${port}.conf`) });
    } catch {
      // the bus port was taken: try another
    }
  }
}

/** A redis-server cluster node (timeout 1 s) whose bus port is its port + 10000 (what redis-cli assumes). */
async function redisClusterNode(dir: string): Promise<Reference> {
  for (;;) {
    const ref = await startReference(['--dir', dir, '--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--cluster-config-file', `redis-${Date.now()}-${Math.random()}.conf`]);
    if (ref.port + 10000 <= 65535) return ref;
    await ref.stop();
  }
}

describe('mixed cluster: respite and redis-server 7.0 nodes', { skip: REDIS_SERVER ? false : 'redis-server not found on PATH: skipped' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-mixed-'));
  let ref: Reference;
  let bus = 0;
  let mine: RespiteServer;
  before(async () => {
    bus = await freePort();
    ref = await startReference(['--dir', dir, '--cluster-enabled', 'yes', '--cluster-port', String(bus), '--cluster-config-file', path.join(dir, 'redis.conf')]);
    mine = await startServer({ port: 0, clusterEnabled: true, clusterConfigFile: path.join(dir, 'respite.conf') });
  });
  after(async () => {
    await mine?.close();
    await ref?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('MEET over the bus, slots learned both ways, MOVED to each other, CLUSTER NODES agree', async () => {
    const { RespClient } = await import('../helpers/resp-client');
    const r = await RespClient.connect(ref.port);
    try {
      await r.call('CLUSTER', 'ADDSLOTSRANGE', 0, 8191);
      await mine.call('CLUSTER', 'ADDSLOTSRANGE', 8192, 16383);
      await mine.call('CLUSTER', 'MEET', '127.0.0.1', ref.port, bus);
      const ok = async () => String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok') && String(await mine.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
      await until('both nodes ok', ok);
      assert.equal(String(await r.call('SET', 'foo', '1')), `MOVED 12182 127.0.0.1:${mine.port}`);
      await assert.rejects(mine.call('SET', 'bar', '1'), new RegExp(`MOVED 5061 127\\.0\\.0\\.1:${ref.port}`));
      // Same view of the cluster (ids, addresses, slots, epochs) on both.
      const view = (s: string) =>
        s.trim().split('\n').map((l) => { const f = l.split(' '); return [f[0], f[1].split(',')[0], f[3], f[6], ...f.slice(8)].join(' '); }).sort();
      await until('same CLUSTER NODES', async () => JSON.stringify(view(String(await r.call('CLUSTER', 'NODES')))) === JSON.stringify(view(String(await mine.call('CLUSTER', 'NODES')))));
      // PUBLISH crosses the bus.
      const sub = mine.connect();
      await sub.call(['SUBSCRIBE', 'ch']);
      const got = new Promise((resolve) => (sub.onPush = resolve));
      await r.call('PUBLISH', 'ch', 'hello');
      assert.deepEqual(await got, ['message', 'ch', 'hello'].map((x) => x));
      sub.close();
    } finally {
      r.close();
    }
  });
});

describe('redis-cli --cluster on respite nodes', { skip: REDIS_CLI ? false : 'redis-cli not found on PATH: skipped' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-cli-'));
  const nodes: RespiteServer[] = [];
  after(async () => {
    for (const n of nodes) await n.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('create (3 masters), then check: all slots covered, nodes agree', async () => {
    for (let i = 0; i < 3; i++) nodes.push(await respiteNode(dir));
    const out = await cli(['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes']);
    assert.match(out, /\[OK\] All 16384 slots covered/);
    await until('cluster ok everywhere', async () => {
      for (const n of nodes) if (!String(await n.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      return true;
    });
    const check = await cli(['--cluster', 'check', `127.0.0.1:${nodes[0].port}`]);
    assert.match(check, /\[OK\] All nodes agree about slots configuration/);
    assert.match(check, /\[OK\] All 16384 slots covered/);
    assert.doesNotMatch(check, /\[ERR\]|WARNING/);
  });
});

describe('redis-cli --cluster create with replicas on respite nodes', { skip: REDIS_CLI ? false : 'redis-cli not found on PATH: skipped' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-cli-replicas-'));
  const nodes: RespiteServer[] = [];
  after(async () => {
    for (const n of nodes) await n.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('create six nodes with --cluster-replicas 1, then check; a replica fails over', async () => {
    for (let i = 0; i < 6; i++) nodes.push(await respiteNode(dir));
    const out = await cli(['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    assert.match(out, /Adding replica 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+/);
    assert.match(out, /\[OK\] All 16384 slots covered/);
    const roles = async (n: RespiteServer) => {
      const lines = String(await n.call('CLUSTER', 'NODES')).trim().split('\n');
      return { masters: lines.filter((l) => / (myself,)?master /.test(l)).length, replicas: lines.filter((l) => / (myself,)?slave [0-9a-f]{40} /.test(l)).length };
    };
    await until('three masters and three replicas everywhere', async () => {
      for (const n of nodes) {
        if (!String(await n.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        const r = await roles(n);
        if (r.masters !== 3 || r.replicas !== 3) return false;
      }
      return true;
    });
    await until('replicas in sync', async () => {
      for (const n of nodes) {
        const role = (await n.call('ROLE')) as unknown[];
        if (role[0] === 'slave' && role[3] !== 'connected') return false;
      }
      return true;
    });
    const check = await cli(['--cluster', 'check', `127.0.0.1:${nodes[0].port}`]);
    assert.match(check, /\[OK\] All nodes agree about slots configuration/);
    assert.match(check, /\[OK\] All 16384 slots covered/);
    assert.equal((check.match(/\| 1 slaves\./g) ?? []).length, 3);
    assert.equal((check.match(/ {3}replicates [0-9a-f]{40}/g) ?? []).length, 3);
    assert.doesNotMatch(check, /\[ERR\]|WARNING/);
    // A manual failover through redis-cli, then check again.
    let replica: RespiteServer | undefined;
    for (const n of nodes) if (((await n.call('ROLE')) as unknown[])[0] === 'slave') replica = n;
    assert.equal(await cli(['-p', String(replica!.port), 'CLUSTER', 'FAILOVER']), 'OK\n');
    await until('the replica promoted', async () => ((await replica!.call('ROLE')) as unknown[])[0] === 'master');
    await until('check clean after the failover', async () => {
      const c = await cli(['--cluster', 'check', `127.0.0.1:${nodes[0].port}`]);
      return /\[OK\] All nodes agree about slots configuration/.test(c) && !/\[ERR\]|WARNING/.test(c) && (c.match(/\| 1 slaves\./g) ?? []).length === 3;
    });
  });
});

describe('mixed cluster with replicas: failovers across respite and redis-server 7.0 nodes', { skip: REDIS_SERVER && REDIS_CLI ? false : 'redis-server or redis-cli not found on PATH: skipped' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-mixed-replicas-'));
  const refs: Reference[] = [];
  const mine: RespiteServer[] = [];
  after(async () => {
    for (const n of mine) await n.close();
    for (const r of refs) await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const redisNode = () => redisClusterNode(dir);

  test('respite replica of a redis-server master and the reverse; manual failover both ways; a killed respite master', async () => {
    const { RespClient } = await import('../helpers/resp-client');
    const a = await redisNode();
    const b = await redisNode();
    refs.push(a, b);
    const c = await respiteNode(dir);
    const r = await respiteNode(dir);
    mine.push(c, r);
    for (const n of mine) await n.call('CONFIG', 'SET', 'cluster-node-timeout', '1000');
    const s = await redisNode();
    refs.push(s);
    const addr = (p: number) => `127.0.0.1:${p}`;
    await cli(['--cluster', 'create', addr(a.port), addr(b.port), addr(c.port), '--cluster-yes']);
    const conns = new Map<number, InstanceType<typeof RespClient>>();
    const call = async (port: number, ...args: (string | number)[]) => {
      let conn = conns.get(port);
      if (conn === undefined) conns.set(port, (conn = await RespClient.connect(port)));
      return conn.call(...args);
    };
    const ports = [a.port, b.port, c.port, r.port, s.port];
    const idOf = async (p: number) => String(await call(p, 'CLUSTER', 'MYID'));
    try {
      await until('the masters agree', async () => {
        for (const p of [a.port, b.port, c.port]) if (!String(await call(p, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        return true;
      });
      const [ida, idc, idr, ids] = [await idOf(a.port), await idOf(c.port), await idOf(r.port), await idOf(s.port)];
      await cli(['--cluster', 'add-node', addr(r.port), addr(a.port), '--cluster-slave', '--cluster-master-id', ida]);
      await cli(['--cluster', 'add-node', addr(s.port), addr(a.port), '--cluster-slave', '--cluster-master-id', idc]);
      /** Every node sees `replica` replicating `master`, and the replica's link is up. */
      const follows = async (replica: string, master: string, replicaPort: number) => {
        for (const p of ports) {
          if (p === deadPort) continue;
          const line = String(await call(p, 'CLUSTER', 'NODES')).split('\n').find((l) => l.startsWith(replica));
          if (line === undefined || !new RegExp(` (myself,)?slave ${master} `).test(line)) return false;
        }
        const role = (await call(replicaPort, 'ROLE')) as unknown[];
        return role[0] === 'slave' && role[3] === 'connected';
      };
      let deadPort = 0;
      await until('respite replicates redis-server, redis-server replicates respite', async () => (await follows(idr, ida, r.port)) && (await follows(ids, idc, s.port)), 30_000);
      // Data written on each master reaches its replica of the other kind.
      await call(a.port, 'SET', '{b}k', 'on-redis'); // slot 3300, on a
      await c.call('SET', '{a}k', 'on-respite'); // slot 15495, on c
      await until('replicated both ways', async () => (await r.server.keyspace.dbs[0].size) === 1 && String(await call(s.port, 'DBSIZE')) === '1');

      // Manual failover of the respite replica: the redis-server master pauses, masters vote.
      assert.equal(String(await r.call('CLUSTER', 'FAILOVER')), 'OK');
      await until('respite replica promoted over redis-server', async () => follows(ida, idr, a.port), 30_000);
      assert.equal(await r.call('GET', '{b}k'), 'on-redis');
      // Manual failover of the redis-server replica of the respite master.
      assert.equal(await cli(['-p', String(s.port), 'CLUSTER', 'FAILOVER']), 'OK\n');
      await until('redis-server replica promoted over respite', async () => follows(idc, ids, c.port), 30_000);
      assert.equal(String(await call(s.port, 'GET', '{a}k')), 'on-respite');
      // The respite master r (replicated by redis-server a) dies: a is elected.
      deadPort = r.port;
      conns.get(r.port)?.close();
      conns.delete(r.port);
      await r.close();
      mine.splice(mine.indexOf(r), 1);
      await until('redis-server replica elected after the respite master failed', async () => {
        const role = (await call(a.port, 'ROLE')) as unknown[];
        if (role[0] !== 'master') return false;
        for (const p of [b.port, c.port, s.port]) {
          const line = String(await call(p, 'CLUSTER', 'NODES')).split('\n').find((l) => l.startsWith(idr));
          if (line === undefined || !/ master,fail /.test(line)) return false;
        }
        return true;
      }, 30_000);
      assert.equal(String(await call(a.port, 'GET', '{b}k')), 'on-redis');
    } finally {
      for (const conn of conns.values()) conn.close();
    }
  });
});

describe('mixed cluster: replica migration between redis-server masters', { skip: REDIS_SERVER ? false : 'redis-server not found on PATH: skipped' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-mixed-migration-'));
  const refs: Reference[] = [];
  const mine: RespiteServer[] = [];
  after(async () => {
    for (const n of mine) await n.close();
    for (const r of refs) await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const redisNode = () => redisClusterNode(dir);

  test("the redis-server replica of B dies: one of A's two respite replicas moves to B", async () => {
    const { RespClient } = await import('../helpers/resp-client');
    const [a, b, s] = [await redisNode(), await redisNode(), await redisNode()];
    refs.push(a, b, s);
    const [r1, r2] = [await respiteNode(dir), await respiteNode(dir)];
    mine.push(r1, r2);
    for (const n of mine) await n.call('CONFIG', 'SET', 'cluster-node-timeout', '1000');
    const conns: InstanceType<typeof RespClient>[] = [];
    const conn = async (port: number) => {
      const c = await RespClient.connect(port);
      conns.push(c);
      return c;
    };
    const [ca, cb, cs] = [await conn(a.port), await conn(b.port), await conn(s.port)];
    try {
      await ca.call('CLUSTER', 'ADDSLOTSRANGE', 0, 8191);
      await cb.call('CLUSTER', 'ADDSLOTSRANGE', 8192, 16383);
      await ca.call('CLUSTER', 'SET-CONFIG-EPOCH', 1);
      await cb.call('CLUSTER', 'SET-CONFIG-EPOCH', 2);
      for (const p of [b.port, s.port, r1.port, r2.port]) await ca.call('CLUSTER', 'MEET', '127.0.0.1', p);
      const [ida, idb] = [String(await ca.call('CLUSTER', 'MYID')), String(await cb.call('CLUSTER', 'MYID'))];
      const nodesOf = async (n: RespiteServer | InstanceType<typeof RespClient>) => String(await n.call('CLUSTER', 'NODES'));
      await until('every node knows the masters', async () => {
        for (const n of [cs, r1, r2]) {
          const t = await nodesOf(n);
          if (!t.includes(ida) || !t.includes(idb)) return false;
        }
        return true;
      });
      await r1.call('CLUSTER', 'REPLICATE', ida);
      await r2.call('CLUSTER', 'REPLICATE', ida);
      await cs.call('CLUSTER', 'REPLICATE', idb);
      const ids = [String(await r1.call('CLUSTER', 'MYID')), String(await r2.call('CLUSTER', 'MYID')), String(await cs.call('CLUSTER', 'MYID'))];
      /** Every given node sees `replica` as a replica of `master`. */
      const seen = async (nodes: (RespiteServer | InstanceType<typeof RespClient>)[], replica: string, master: string) => {
        for (const n of nodes) {
          const line = (await nodesOf(n)).split('\n').find((l) => l.startsWith(replica));
          if (line === undefined || !new RegExp(` (myself,)?slave ${master} `).test(line)) return false;
        }
        return true;
      };
      await until('the replicas in place everywhere', async () =>
        (await seen([ca, cb, cs, r1, r2], ids[0], ida)) && (await seen([ca, cb, cs, r1, r2], ids[1], ida)) && (await seen([ca, cb, cs, r1, r2], ids[2], idb)),
      );
      await until('B to take writes', async () => String(await cb.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
      assert.equal((await cb.callRaw('SET', '{a}k', 'on-b')).raw.toString(), '+OK\r\n'); // slot 15495
      // B's only replica dies; the respite replica of A with the smaller ID is the candidate.
      await s.stop();
      refs.splice(refs.indexOf(s), 1);
      const mover = ids[0] < ids[1] ? r1 : r2;
      const [moverId, stayerId] = ids[0] < ids[1] ? [ids[0], ids[1]] : [ids[1], ids[0]];
      await until('the respite replica to move to B, seen by the redis-server masters', async () => seen([ca, cb, r1, r2], moverId, idb), 40_000);
      assert.ok(await seen([ca, cb, r1, r2], stayerId, ida), 'the other replica stays with A');
      await until('the moved replica to sync from B', async () => {
        const role = (await mover.call('ROLE')) as unknown[];
        return role[0] === 'slave' && role[2] === b.port && role[3] === 'connected';
      });
      const c = mover.connect();
      assert.equal(await c.call(['READONLY']), 'OK');
      assert.equal(await c.call(['GET', '{a}k']), 'on-b');
      c.close();
    } finally {
      for (const c of conns) c.close();
    }
  });
});
