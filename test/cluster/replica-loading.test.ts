// A cluster replica loading a full sync, as Redis 7.0 shows it (cluster.c): its replication offset
// reads 0 until the load is done, so it gossips offset 0, CLUSTER SHARDS gives it `health loading`
// and CLUSTER SLOTS leaves it out; then it comes back. Also ASKING: a refused command (unknown,
// wrong arity, unknown subcommand) uses it up as any other command does (Redis's resetClient).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCluster, type RespiteServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';
import { info, until } from '../helpers/replication';
import { ReplyError } from '../../src/errors';
import { SimpleString } from '../../src/resp/reply';

const myId = async (n: RespiteServer) => String(await n.call('CLUSTER', 'MYID'));

/** The health CLUSTER SHARDS of `at` gives node `id`. */
async function healthOf(at: RespiteServer, id: string): Promise<string | undefined> {
  const shards = (await at.call('CLUSTER', 'SHARDS')) as unknown[][];
  for (const shard of shards) {
    const nodes = shard[shard.indexOf('nodes') + 1] as unknown[][];
    for (const n of nodes) if (n[n.indexOf('id') + 1] === id) return String(n[n.indexOf('health') + 1]);
  }
  return undefined;
}

/** Whether CLUSTER SLOTS of `at` lists node `id`. */
async function inSlots(at: RespiteServer, id: string): Promise<boolean> {
  return JSON.stringify(await at.call('CLUSTER', 'SLOTS')).includes(id);
}

test('a replica loading a full sync is shown loading in CLUSTER SHARDS and left out of CLUSTER SLOTS', async () => {
  const cluster = await startCluster({ masters: 1, replicasPerMaster: 1, nodeOptions: { enableDebugCommand: 'yes' } });
  const [master] = cluster.masters;
  const [replica] = cluster.replicas;
  try {
    const rid = await myId(replica);
    await master.call('DEBUG', 'POPULATE', 1000, 'key', 100);
    await until('the replica to be listed', async () => (await inSlots(master, rid)) && (await healthOf(master, rid)) === 'online', 30_000);
    // About two seconds of loading (key-load-delay is a test hook, as in Redis), with the event
    // loop served every KB.
    await replica.call('CONFIG', 'SET', 'key-load-delay', 2000);
    await replica.call('CONFIG', 'SET', 'loading-process-events-interval-bytes', 1024);
    // The replica loses its link and cannot continue: the backlog no longer holds its offset.
    await master.call('CONFIG', 'SET', 'repl-backlog-size', 16384);
    const c = master.connect();
    await c.send(['MULTI']);
    await c.send(['CLIENT', 'KILL', 'TYPE', 'replica']);
    for (let i = 0; i < 40; i++) await c.send(['SET', `{key}${i}`, 'A'.repeat(1024)]);
    await c.send(['EXEC']);
    await until('the master to see the replica loading', async () => (await healthOf(master, rid)) === 'loading' && !(await inSlots(master, rid)), 30_000);
    assert.equal(info(await replica.call('INFO', 'persistence')).loading, '1');
    await assert.rejects(replica.call('CLUSTER', 'SLOTS'), { message: 'LOADING Redis is loading the dataset in memory' });
    await replica.call('CONFIG', 'SET', 'key-load-delay', 0);
    await until('the sync to finish', async () => info(await replica.call('INFO', 'replication')).master_link_status === 'up', 30_000);
    await until('the replica to be back', async () => (await inSlots(master, rid)) && (await healthOf(master, rid)) === 'online', 30_000);
    assert.ok(await inSlots(replica, rid));
    assert.equal(await healthOf(replica, rid), 'online');
  } finally {
    await cluster.close();
  }
});

test('ASKING is used up by a refused command: unknown, wrong arity, unknown subcommand (as redis-server)', async () => {
  const cluster = await startCluster({ masters: 2 });
  const [a, b] = cluster.masters;
  try {
    // "foo" hashes to slot 12182, served by the second master; the first one imports it.
    const slotOwner = b;
    const importer = a;
    await importer.call('CLUSTER', 'SETSLOT', 12182, 'IMPORTING', await myId(slotOwner));
    const r = await RespClient.connect(importer.port);
    try {
      const moved = `MOVED 12182 127.0.0.1:${slotOwner.port}`;
      const msg = (v: unknown) => (v instanceof ReplyError ? v.message : v instanceof SimpleString ? v.value : v);
      await r.call('ASKING');
      assert.equal(await r.call('GET', 'foo'), null); // served here under ASKING
      for (const refused of [['NOSUCHCMD'], ['GET'], ['CLIENT', 'NOSUCH']]) {
        await r.call('ASKING');
        assert.match(String(msg(await r.call(...refused))), /^ERR /);
        assert.equal(msg(await r.call('GET', 'foo')), moved, refused.join(' '));
      }
      // Inside MULTI the flag lasts for the transaction, refused commands or not.
      await r.call('ASKING');
      await r.call('MULTI');
      await r.call('NOSUCH');
      assert.equal(msg(await r.call('GET', 'foo')), 'QUEUED');
      assert.equal(msg(await r.call('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
    } finally {
      r.close();
    }
  } finally {
    await cluster.close();
  }
});
