// Sharded pub/sub when a slot changes hands: the subscribers of its shard channels are told
// (sunsubscribe) on the master that loses it and on that master's replicas, as Redis 7.0 drops
// the channels on every node of the shard.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCluster } from '../../src/index';

test("a slot moved away: SSUBSCRIBE clients on the old master's replica get sunsubscribe", async () => {
  const cluster = await startCluster({ masters: 2, replicasPerMaster: 1 });
  const [m0, m1] = cluster.masters;
  const r0 = cluster.replicas[0];
  const slot = 5061; // 'bar': m0's
  const sub = r0.connect();
  const onMaster = m0.connect();
  try {
    const pushes: unknown[] = [];
    const masterPushes: unknown[] = [];
    sub.onPush = (p) => void pushes.push(p);
    onMaster.onPush = (p) => void masterPushes.push(p);
    assert.deepEqual(await sub.call(['SSUBSCRIBE', 'bar']), ['ssubscribe', 'bar', 1]);
    assert.deepEqual(await onMaster.call(['SSUBSCRIBE', 'bar']), ['ssubscribe', 'bar', 1]);
    const [id0, id1] = [String(await m0.call('CLUSTER', 'MYID')), String(await m1.call('CLUSTER', 'MYID'))];
    await m0.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', id1);
    await m1.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', id0);
    // Still served during the migration: a message reaches the replica's subscriber.
    await m0.call('SPUBLISH', 'bar', 'hello');
    await m1.call('CLUSTER', 'SETSLOT', slot, 'NODE', id1);
    await m0.call('CLUSTER', 'SETSLOT', slot, 'NODE', id1);
    const deadline = Date.now() + 15_000;
    while (pushes.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pushes, [
      ['smessage', 'bar', 'hello'],
      ['sunsubscribe', 'bar', 0],
    ]);
    assert.deepEqual(masterPushes.at(-1), ['sunsubscribe', 'bar', 0]);
  } finally {
    sub.close();
    onMaster.close();
    await cluster.close();
  }
});
