// Interoperability, the other direction: respite as a replica of a real redis-server master. The
// replica syncs (the RDB sent with a length prefix, and streamed in the diskless $EOF form), then
// follows the writes (every type, several databases, TTLs, transactions, scripts, expiry), answers
// GETACK so WAIT counts it, refuses client writes (-READONLY), and continues with a partial resync
// when its link is cut. Skipped when redis-server is not installed (fails under CI=true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_SERVER, startReference } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { fillEveryType, info, picture, until } from '../helpers/replication';
import { startServer } from '../../src/index';
import { Reply, SimpleString } from '../../src/resp/reply';
import { ReplyError } from '../../src/errors';

const skip = REDIS_SERVER ? false : 'redis-server not found on PATH: replica interop test skipped (apt-get install redis-server)';

for (const diskless of [false, true]) {
  const form = diskless ? 'diskless $EOF' : '$<len>';
  test(`a respite replica of redis-server (${form} RDB): same data, same offset, WAIT, READONLY, partial resync`, { skip }, async () => {
    const master = await startReference(['--repl-diskless-sync', diskless ? 'yes' : 'no', '--repl-diskless-sync-delay', '0']);
    const m = await RespClient.connect(master.port);
    await fillEveryType(m, 'before');
    const replica = await startServer({ port: 0, replicaof: ['127.0.0.1', master.port], log: process.env.REPL_LOG === '1' ? (l: string) => void process.stderr.write(l + '\n') : false });
    const r = await RespClient.connect(replica.port);
    try {
      await until('the link to come up', async () => info(await r.call('INFO', 'replication')).master_link_status === 'up');
      const ri = info(await r.call('INFO', 'replication'));
      assert.equal(ri.role, 'slave');
      assert.equal(ri.master_port, String(master.port));
      assert.equal(ri.master_replid, info(await m.call('INFO', 'replication')).master_replid);
      // Writes after the sync come through the stream.
      await fillEveryType(m, 'after');
      await m.call('INCR', 'counter');
      await m.call('LPOP', 'listbefore');
      await m.call('SPOP', 'setbefore');
      await m.call('HINCRBYFLOAT', 'hashbefore', 'f3', '1.5');
      await m.call('EXPIRE', 'strbefore', 500);
      await m.call('MULTI');
      await m.call('SET', 'm1', '1');
      await m.call('SELECT', 3);
      await m.call('SET', 'm3', '3');
      await m.call('EXEC');
      await m.call('SELECT', 0);
      await m.call('EVAL', "redis.call('set', KEYS[1], ARGV[1]); redis.call('rpush', 'listafter', ARGV[1])", 1, 'scripted', 'z');
      await m.call('XADD', 'streamafter', 'MAXLEN', '~', 5, '*', 'f', 'new');
      await m.call('XACK', 'streambefore', 'g', '1-1');
      // The replica answers REPLCONF GETACK with its offset: WAIT counts it.
      assert.equal(await m.call('WAIT', 1, 5000), 1);
      assert.deepEqual(await picture(r), await picture(m));
      await until('equal offsets', async () => info(await r.call('INFO', 'replication')).slave_repl_offset === info(await m.call('INFO', 'replication')).master_repl_offset);
      // Its acknowledgements reach the master every second.
      await until('the acknowledged offset', async () => {
        const role = (await m.call('ROLE')) as Reply[];
        const list = role[2] as Reply[][];
        return list.length === 1 && Number(list[0][2]) === Number(role[1]);
      });
      const role = (await r.call('ROLE')) as Reply[];
      assert.deepEqual(role.slice(0, 4), ['slave', '127.0.0.1', master.port, 'connected']);
      // Client writes are refused; the master client shows in CLIENT LIST with flags=M.
      const ro = await r.call('SET', 'x', '1');
      assert.ok(ro instanceof ReplyError);
      assert.equal(ro.message, "READONLY You can't write against a read only replica.");
      assert.match(String(await r.call('CLIENT', 'LIST')), new RegExp(`addr=127\\.0\\.0\\.1:${master.port} .*flags=M `));
      // A key that expires on the master: the replica hides it, but only the master's DEL removes it.
      await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
      await m.call('SET', 'short', 'v', 'PX', 50);
      assert.equal(await m.call('WAIT', 1, 5000), 1);
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(await r.call('GET', 'short'), null);
      assert.equal(await r.call('EXISTS', 'short'), 0);
      const before = Number(info(await r.call('INFO', 'keyspace')).db0?.match(/keys=(\d+)/)?.[1]);
      assert.equal(await m.call('GET', 'short'), null); // lazy expiry on the master: DEL propagated
      assert.equal(await m.call('WAIT', 1, 5000), 1);
      const after = Number(info(await r.call('INFO', 'keyspace')).db0?.match(/keys=(\d+)/)?.[1]);
      assert.equal(after, before - 1);
      // Cut the link from the master's side: the replica comes back with PSYNC and continues.
      assert.equal(await m.call('CLIENT', 'KILL', 'TYPE', 'replica'), 1);
      await m.call('SET', 'while-away', '1');
      await until('the link to come back', async () => info(await r.call('INFO', 'replication')).master_link_status === 'up' && (await r.call('EXISTS', 'while-away')) === 1);
      const stats = info(await m.call('INFO', 'stats'));
      assert.equal(stats.sync_full, '1');
      assert.equal(stats.sync_partial_ok, '1');
      // And from the replica's side (CLIENT KILL TYPE master).
      assert.equal(await r.call('CLIENT', 'KILL', 'TYPE', 'master'), 1);
      await m.call('SET', 'while-away-2', '1');
      await until('the link to come back again', async () => info(await r.call('INFO', 'replication')).master_link_status === 'up' && (await r.call('EXISTS', 'while-away-2')) === 1);
      assert.equal(info(await m.call('INFO', 'stats')).sync_partial_ok, '2');
      assert.equal(await m.call('WAIT', 1, 5000), 1);
      assert.deepEqual(await picture(r), await picture(m));
    } finally {
      r.close();
      m.close();
      await replica.close();
      await master.stop();
    }
  });
}

test('REPLICAOF at run time, REPLICAOF NO ONE promotes the respite replica and its replid2 lets the old history continue', { skip }, async () => {
  const master = await startReference(['--repl-diskless-sync-delay', '0']);
  const m = await RespClient.connect(master.port);
  const replica = await startServer({ port: 0 });
  const r = await RespClient.connect(replica.port);
  try {
    await m.call('SET', 'k', 'v');
    assert.deepEqual(await r.call('REPLICAOF', '127.0.0.1', master.port), new SimpleString('OK'));
    assert.deepEqual(await r.call('REPLICAOF', '127.0.0.1', master.port), new SimpleString('OK Already connected to specified master'));
    await until('the link to come up', async () => info(await r.call('INFO', 'replication')).master_link_status === 'up');
    await m.call('SET', 'k2', 'v2');
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    const masterId = info(await m.call('INFO', 'replication')).master_replid;
    const offset = Number(info(await m.call('INFO', 'replication')).master_repl_offset);
    assert.deepEqual(await r.call('REPLICAOF', 'NO', 'ONE'), new SimpleString('OK'));
    const ri = info(await r.call('INFO', 'replication'));
    assert.equal(ri.role, 'master');
    assert.equal(ri.master_replid2, masterId);
    assert.equal(ri.second_repl_offset, String(offset + 1));
    assert.notEqual(ri.master_replid, masterId);
    assert.deepEqual(await r.call('SET', 'mine', '1'), new SimpleString('OK'));
    // The old master now replicates from the promoted node and continues partially.
    await m.call('REPLICAOF', '127.0.0.1', replica.port);
    await until('the old master to follow', async () => info(await m.call('INFO', 'replication')).master_link_status === 'up');
    assert.equal(info(await r.call('INFO', 'stats')).sync_partial_ok, '1');
    await r.call('SET', 'after-swap', '1');
    assert.equal(await r.call('WAIT', 1, 5000), 1);
    assert.equal(await m.call('GET', 'after-swap'), '1');
    assert.deepEqual(await picture(m), await picture(r));
  } finally {
    r.close();
    m.close();
    await replica.close();
    await master.stop();
  }
});
