// Replica migration (cluster-migration-barrier, cluster-allow-replica-migration): a master left
// without working replicas gets one from the master with the most. First the decision on a
// cluster state built by hand (a fake host and clock: no network, no waiting), then a whole
// embedded cluster where two replicas stop and a third moves to their master.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCluster, type RespiteServer } from '../../src/index';
import { CLUSTER_OK, ClusterState } from '../../src/cluster/cluster';
import { ClusterNode, NodeFlag } from '../../src/cluster/node';
import { REPLICA_MIGRATION_DELAY, replicaMigrationStep } from '../../src/cluster/replica-migration';
import { fakeClusterHost } from '../helpers/cluster-host';

const name = (c: string) => c.repeat(40);

interface Fixture {
  cs: ClusterState;
  config: Map<string, string>;
  /** Addresses the node was told to replicate from, in order. */
  replicated: string[];
  advance(ms: number): void;
  node(c: string): ClusterNode;
}

/**
 * Masters A (slots 0-99) and B (100-199). A has replicas `1` and `me`; B has replica `3`.
 * `me` is this node, a replica of A named by `myName` (IDs compare as strings: '0' < '1' < '2').
 */
function fixture(myName = name('0')): Fixture {
  const { host, config, replicated, advance } = fakeClusterHost();
  const cs = new ClusterState(host);
  const me = cs.myself;
  cs.renameNode(me, myName);
  const add = (c: string, flags: number, port: number) => {
    const n = new ClusterNode(name(c), flags, host.now());
    n.ip = '127.0.0.1';
    n.port = port;
    cs.addNode(n);
    return n;
  };
  const a = add('a', NodeFlag.MASTER, 7001);
  const b = add('b', NodeFlag.MASTER, 7002);
  const replicaOf = (r: ClusterNode, m: ClusterNode) => {
    r.flags = (r.flags & ~NodeFlag.MASTER) | NodeFlag.SLAVE;
    r.replicaOf = m;
    m.addReplica(r);
  };
  replicaOf(me, a);
  replicaOf(add('1', 0, 7011), a);
  replicaOf(add('3', 0, 7013), b);
  for (let s = 0; s < 200; s++) cs.addSlot(s < 100 ? a : b, s);
  cs.state = CLUSTER_OK;
  return {
    cs,
    config,
    replicated,
    advance,
    node: (c) => cs.lookup(c.length === 40 ? c : name(c))!,
  };
}

/** B's only replica fails: B is orphaned. */
function orphanB(f: Fixture): void {
  f.node('3').flags |= NodeFlag.FAIL;
}

test('replica migration: the replica with the smallest ID moves once the master has been orphaned for 5 s', () => {
  const f = fixture();
  const me = f.cs.myself;
  replicaMigrationStep(f.cs);
  assert.equal(me.replicaOf, f.node('a'), 'B still has a working replica');
  orphanB(f);
  replicaMigrationStep(f.cs); // the orphan is noticed now
  assert.equal(f.node('b').orphanedTime !== 0, true);
  f.advance(REPLICA_MIGRATION_DELAY);
  replicaMigrationStep(f.cs);
  assert.equal(me.replicaOf, f.node('a'), 'not before the delay has passed');
  f.advance(1);
  replicaMigrationStep(f.cs);
  assert.equal(me.replicaOf, f.node('b'));
  assert.deepEqual(f.replicated, ['127.0.0.1:7002']);
  assert.deepEqual(f.node('a').replicas.map((r) => r.name), [name('1')]);
  assert.ok(f.node('b').replicas.includes(me));
  // The orphan has a working replica again; A keeps one: nothing more moves.
  f.advance(10_000);
  replicaMigrationStep(f.cs);
  assert.equal(me.replicaOf, f.node('b'));
});

test('replica migration: only the candidate (smallest ID among the best-served masters) moves', () => {
  const f = fixture(name('2')); // sibling '1' is smaller
  orphanB(f);
  replicaMigrationStep(f.cs);
  f.advance(REPLICA_MIGRATION_DELAY + 1);
  replicaMigrationStep(f.cs);
  assert.equal(f.cs.myself.replicaOf, f.node('a'));
  assert.deepEqual(f.replicated, []);
});

test('replica migration: the barrier, the allow flag, PFAIL siblings and the cluster state hold it back', () => {
  const cases: [string, (f: Fixture) => void][] = [
    ['cluster-migration-barrier 2 (A would keep 1 replica)', (f) => f.config.set('cluster-migration-barrier', '2')],
    ['cluster-allow-replica-migration no', (f) => f.config.set('cluster-allow-replica-migration', 'no')],
    ['a sibling in PFAIL does not count as working', (f) => void (f.node('1').flags |= NodeFlag.PFAIL)],
    ['the cluster is down', (f) => void (f.cs.state = 1)],
    ['the orphan serves no slot', (f) => {
      for (let s = 100; s < 200; s++) f.cs.delSlot(s);
    }],
    ['the orphan is FAIL itself', (f) => void (f.node('b').flags |= NodeFlag.FAIL)],
  ];
  for (const [why, setup] of cases) {
    const f = fixture();
    orphanB(f);
    setup(f);
    replicaMigrationStep(f.cs);
    f.advance(REPLICA_MIGRATION_DELAY + 1);
    replicaMigrationStep(f.cs);
    assert.equal(f.cs.myself.replicaOf, f.node('a'), why);
    assert.deepEqual(f.replicated, [], why);
  }
  // With the barrier at 0 a master with one working replica gives none (at least two are needed).
  const f = fixture();
  f.config.set('cluster-migration-barrier', '0');
  f.node('1').flags |= NodeFlag.FAIL;
  orphanB(f);
  replicaMigrationStep(f.cs);
  f.advance(REPLICA_MIGRATION_DELAY + 1);
  replicaMigrationStep(f.cs);
  assert.equal(f.cs.myself.replicaOf, f.node('a'));
});

test('replica migration: a master that got its first slot while no master had replicas is no target', () => {
  const f = fixture();
  const c = new ClusterNode(name('c'), NodeFlag.MASTER, 0);
  f.cs.addNode(c);
  f.cs.addSlot(c, 500);
  assert.ok(c.flags & NodeFlag.MIGRATE_TO, 'masters have replicas: a new master with slots is a target');
  // In a cluster without any replica, the first slot leaves the flag unset.
  const g = fixture();
  for (const n of [...g.cs.nodes.values()]) if (n.replicaOf !== null) n.replicaOf.removeReplica(n);
  const d = new ClusterNode(name('d'), NodeFlag.MASTER, 0);
  g.cs.addNode(d);
  g.cs.addSlot(d, 500);
  assert.equal(d.flags & NodeFlag.MIGRATE_TO, 0);
});

const idOf = async (n: RespiteServer) => String(await n.call('CLUSTER', 'MYID'));

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 40000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The master of node `id` as `n` sees it ('-' for a master). */
async function masterOf(n: RespiteServer, id: string): Promise<string | undefined> {
  const line = String(await n.call('CLUSTER', 'NODES')).split('\n').find((l) => l.startsWith(id));
  return line?.split(' ')[3];
}

test('embedded cluster: both replicas of a master stop, a replica of the other master moves to it', async () => {
  const cluster = await startCluster({ masters: 2, replicasPerMaster: 2, nodeOptions: { clusterNodeTimeout: 1000 } });
  try {
    const [m0, m1] = cluster.masters;
    const [r0a, r0b, r1a, r1b] = cluster.replicas;
    const m1id = await idOf(m1);
    // {b} hashes to 3300 (m0's), {a} to 15495 (m1's).
    await m1.call('SET', '{a}k', 'v');
    await r1a.close();
    await r1b.close();
    const live = [m0, m1, r0a, r0b];
    const ids = [await idOf(r0a), await idOf(r0b)];
    // The one with the smaller ID goes, after the two have been flagged FAIL and 5 s have passed.
    const mover = ids[0] < ids[1] ? r0a : r0b;
    const stayer = mover === r0a ? r0b : r0a;
    const moverId = await idOf(mover);
    await until('the replica to move to the orphaned master', async () => {
      for (const n of live) if ((await masterOf(n, moverId)) !== m1id) return false;
      return true;
    });
    assert.equal(await masterOf(stayer, await idOf(stayer)), await idOf(m0));
    await until('the moved replica to sync', () => mover.server.replication.replicaOf?.state === 'connected');
    const conn = mover.connect();
    assert.equal(await conn.call(['READONLY']), 'OK');
    assert.equal(await conn.call(['GET', '{a}k']), 'v');
    conn.close();
  } finally {
    await cluster.close();
  }
});
