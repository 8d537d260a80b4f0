// FAILOVER across implementations: redis-server hands the master role to a respite replica (which
// receives PSYNC ... FAILOVER and continues redis-server's history), and respite hands it to a
// redis-server replica. Either way the old master ends as a replica of the new one after a partial
// resync, with the same data. Skipped when redis-server is missing (fails under CI=true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_SERVER, startReference } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { fillEveryType, info, picture, until } from '../helpers/replication';
import { startServer } from '../../src/index';
import { Reply, SimpleString } from '../../src/resp/reply';

const skip = REDIS_SERVER ? false : 'redis-server not found on PATH: FAILOVER interop test skipped (apt-get install redis-server)';
const OK = new SimpleString('OK');

async function linkUp(c: RespClient): Promise<void> {
  await until('the link to come up', async () => info(await c.call('INFO', 'replication')).master_link_status === 'up');
}

async function failoverDone(c: RespClient): Promise<void> {
  await until('the failover to end', async () => info(await c.call('INFO', 'replication')).master_failover_state === 'no-failover');
}

async function roleOf(c: RespClient): Promise<string> {
  return String(((await c.call('ROLE')) as Reply[])[0]);
}

test('FAILOVER on redis-server TO its respite replica', { skip }, async () => {
  const ref = await startReference(['--repl-diskless-sync-delay', '0']);
  const m = await RespClient.connect(ref.port);
  await fillEveryType(m, 'before');
  const replica = await startServer({ port: 0, replicaof: ['127.0.0.1', ref.port] });
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    await fillEveryType(m, 'after');
    assert.deepEqual(await m.call('FAILOVER', 'TO', '127.0.0.1', replica.port, 'TIMEOUT', 10_000), OK);
    await failoverDone(m);
    assert.equal(await roleOf(r), 'master');
    assert.equal(await roleOf(m), 'slave');
    await linkUp(m);
    // redis-server continued with a partial resync from respite, which kept its history.
    assert.equal(info(await r.call('INFO', 'stats')).sync_partial_ok, '1');
    assert.equal(info(await r.call('INFO', 'stats')).sync_full, '0');
    assert.equal(info(await m.call('INFO', 'replication')).master_replid, info(await r.call('INFO', 'replication')).master_replid);
    assert.deepEqual(await r.call('SET', 'from-respite', '1'), OK);
    assert.equal(await r.call('WAIT', 1, 5000), 1);
    assert.deepEqual(await picture(m), await picture(r));
  } finally {
    r.close();
    m.close();
    await replica.close();
    await ref.stop();
  }
});

test('FAILOVER on respite TO its redis-server replica', { skip }, async () => {
  const master = await startServer({ port: 0 });
  const m = await RespClient.connect(master.port);
  await fillEveryType(m, 'before');
  const ref = await startReference(['--replicaof', '127.0.0.1', String(master.port)]);
  const r = await RespClient.connect(ref.port);
  try {
    await linkUp(r);
    await fillEveryType(m, 'after');
    assert.deepEqual(await m.call('FAILOVER', 'TO', '127.0.0.1', ref.port), OK);
    await failoverDone(m);
    assert.equal(await roleOf(r), 'master');
    assert.equal(await roleOf(m), 'slave');
    await linkUp(m);
    assert.equal(info(await r.call('INFO', 'stats')).sync_partial_ok, '1');
    assert.equal(info(await r.call('INFO', 'stats')).sync_full, '0');
    assert.deepEqual(await r.call('SET', 'from-redis', '1'), OK);
    assert.equal(await r.call('WAIT', 1, 5000), 1);
    assert.deepEqual(await picture(m), await picture(r));
  } finally {
    r.close();
    m.close();
    await ref.stop();
    await master.close();
  }
});
