// FAILOVER between embedded respite servers: the error texts, a failover to a named replica and to
// any replica (the old master becomes a replica and both continue with a partial resync), writes
// paused while waiting (reads go on), TIMEOUT, ABORT, and FORCE with a replica that never
// acknowledges (a raw connection that attached with PSYNC and stays silent).
import * as net from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RespClient } from '../helpers/resp-client';
import { failoverState as state, info, linkUp, until, withPair } from '../helpers/replication';
import { startServer, RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';

const OK = new SimpleString('OK');

function errText(r: Reply): string {
  assert.ok(r instanceof ReplyError, `expected an error, got ${String(r)}`);
  return r.message;
}

/** A replica that attaches (PSYNC) from `listeningPort` and then never acknowledges anything. */
async function silentReplica(masterPort: number, listeningPort: number): Promise<net.Socket> {
  const s = net.createConnection({ host: '127.0.0.1', port: masterPort });
  await new Promise((res) => s.once('connect', res));
  // PSYNC must come once the REPLCONF replies were read (not with output pending, as Redis).
  s.write(`REPLCONF listening-port ${listeningPort}\r\n`);
  await new Promise((res) => s.once('data', res));
  s.on('data', () => undefined);
  s.write('PSYNC ? -1\r\n');
  return s;
}

test('FAILOVER: error texts as Redis', async () => {
  const master = await startServer({ port: 0 });
  const m = await RespClient.connect(master.port);
  let replica: RespiteServer | null = null;
  let r: RespClient | null = null;
  try {
    assert.equal(errText(await m.call('FAILOVER')), 'ERR FAILOVER requires connected replicas.');
    assert.equal(errText(await m.call('FAILOVER', 'ABORT')), 'ERR No failover in progress.');
    assert.equal(errText(await m.call('FAILOVER', 'TO', 'h', 'notaport')), 'ERR value is not an integer or out of range');
    assert.equal(errText(await m.call('FAILOVER', 'TIMEOUT', 0)), 'ERR FAILOVER timeout must be greater than 0');
    assert.equal(errText(await m.call('FAILOVER', 'FORCE', 'FORCE')), 'ERR syntax error');
    assert.equal(errText(await m.call('FAILOVER', 'ABORT', 'TIMEOUT', 10)), 'ERR syntax error');
    assert.equal(errText(await m.call('PSYNC', '?', '-1', 'FAILOVER')), "ERR PSYNC FAILOVER can't be sent to a master.");
    replica = await startServer({ port: 0, replicaof: ['127.0.0.1', master.port] });
    r = await RespClient.connect(replica.port);
    await linkUp(r);
    assert.equal(errText(await m.call('FAILOVER', 'FORCE', 'TIMEOUT', 100)), 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    assert.equal(errText(await m.call('FAILOVER', 'TO', '127.0.0.1', replica.port, 'FORCE')), 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    assert.equal(errText(await m.call('FAILOVER', 'TO', 'invalidhost', replica.port)), 'ERR FAILOVER target HOST and PORT is not a replica.');
    assert.equal(errText(await r.call('FAILOVER')), 'ERR FAILOVER is not valid when server is a replica.');
    assert.equal(errText(await r.call('PSYNC', 'abc', '1', 'FAILOVER')), 'ERR PSYNC FAILOVER replid must match my replid.');
    assert.equal(await state(m), 'no-failover');
  } finally {
    r?.close();
    m.close();
    await replica?.close();
    await master.close();
  }
});

test('FAILOVER TO a replica, then FAILOVER to any replica: roles flip, data kept, partial resyncs only', async () => {
  await withPair(async ({ replica: b, m: ca, r: cb }) => {
    for (let i = 0; i < 100; i++) await ca.call('SET', `k${i}`, i);
    assert.deepEqual(await ca.call('FAILOVER', 'TO', '127.0.0.1', b.port), OK);
    await until('the failover to end', async () => (await state(ca)) === 'no-failover');
    await linkUp(ca);
    assert.equal(((await ca.call('ROLE')) as Reply[])[0], 'slave');
    assert.equal(((await cb.call('ROLE')) as Reply[])[0], 'master');
    assert.equal(await cb.call('GET', 'k99'), '99');
    const bi = info(await cb.call('INFO', 'stats'));
    assert.equal(bi.sync_partial_ok, '1');
    assert.equal(bi.sync_full, '0');
    // The new master's history continues the old one (replid2), and writes flow the other way.
    const ai = info(await ca.call('INFO', 'replication'));
    const bri = info(await cb.call('INFO', 'replication'));
    assert.equal(ai.master_replid, bri.master_replid);
    assert.deepEqual(await cb.call('SET', 'after', '1'), OK);
    assert.equal(await cb.call('WAIT', 1, 5000), 1);
    assert.equal(await ca.call('GET', 'after'), '1');
    // FAILOVER without a target picks the replica that caught up.
    const fullBefore = info(await ca.call('INFO', 'stats')).sync_full;
    assert.deepEqual(await cb.call('FAILOVER'), OK);
    await until('the second failover to end', async () => (await state(cb)) === 'no-failover');
    assert.equal(((await ca.call('ROLE')) as Reply[])[0], 'master');
    await linkUp(cb);
    assert.deepEqual(await ca.call('SET', 'back', '1'), OK);
    assert.equal(await ca.call('WAIT', 1, 5000), 1);
    assert.equal(await cb.call('GET', 'back'), '1');
    assert.equal(info(await ca.call('INFO', 'stats')).sync_full, fullBefore);
    assert.equal(info(await ca.call('INFO', 'stats')).sync_partial_ok, '1');
  });
});

test('FAILOVER waiting for a replica that never acknowledges: writes wait, reads run, ABORT and TIMEOUT end it', async () => {
  const master = await startServer({ port: 0 });
  const m = await RespClient.connect(master.port);
  const w = await RespClient.connect(master.port);
  const silent = await silentReplica(master.port, 1);
  try {
    await until('the replica to attach', async () => info(await m.call('INFO', 'replication')).connected_slaves === '1');
    await m.call('SET', 'k', 'v');
    assert.deepEqual(await m.call('FAILOVER', 'TO', '127.0.0.1', 1, 'TIMEOUT', 60_000), OK);
    assert.equal(await state(m), 'waiting-for-sync');
    assert.equal(errText(await m.call('FAILOVER')), 'ERR FAILOVER already in progress.');
    assert.equal(errText(await m.call('REPLICAOF', '127.0.0.1', 1)), 'ERR REPLICAOF not allowed while failing over.');
    assert.equal(errText(await w.call('PSYNC', '?', '-1')), "NOMASTERLINK Can't SYNC while failing over");
    assert.equal(await m.call('GET', 'k'), 'v');
    // A write waits for the pause (CLIENT UNPAUSE does not lift a failover's pause).
    let written = false;
    const pending = w.call('SET', 'k', 'w').then((r) => {
      written = true;
      return r;
    });
    await m.call('CLIENT', 'UNPAUSE');
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(written, false);
    assert.deepEqual(await m.call('FAILOVER', 'ABORT'), OK);
    assert.deepEqual(await pending, OK);
    assert.equal(await state(m), 'no-failover');
    assert.equal(((await m.call('ROLE')) as Reply[])[0], 'master');
    // A TIMEOUT without FORCE gives up and stays master.
    assert.deepEqual(await m.call('FAILOVER', 'TO', '127.0.0.1', 1, 'TIMEOUT', 200), OK);
    await until('the failover to time out', async () => (await state(m)) === 'no-failover');
    assert.equal(((await m.call('ROLE')) as Reply[])[0], 'master');
    assert.deepEqual(await m.call('SET', 'k', 'x'), OK);
  } finally {
    silent.destroy();
    w.close();
    m.close();
    await master.close();
  }
});

test('FAILOVER FORCE: after the timeout the master follows the target even though it lags', async () => {
  await withPair(async ({ replica: b, m: ca, r: cb }) => {
    // b's master client waits on a write pause: b acknowledges nothing new.
    await cb.call('CLIENT', 'PAUSE', 100_000, 'WRITE');
    await ca.call('SET', 'lagging', '1');
    assert.deepEqual(await ca.call('FAILOVER', 'TO', '127.0.0.1', b.port, 'TIMEOUT', 100, 'FORCE'), OK);
    assert.equal(await state(ca), 'waiting-for-sync');
    await until('the failover to end', async () => (await state(ca)) === 'no-failover');
    assert.equal(((await cb.call('ROLE')) as Reply[])[0], 'master');
    assert.equal(((await ca.call('ROLE')) as Reply[])[0], 'slave');
    await cb.call('CLIENT', 'UNPAUSE');
    // The write b never applied is gone: a follows b's data set.
    await linkUp(ca);
    assert.deepEqual(await cb.call('SET', 'after', '1'), OK);
    assert.equal(await cb.call('WAIT', 1, 5000), 1);
    assert.equal(await ca.call('GET', 'lagging'), await cb.call('GET', 'lagging'));
    assert.equal(await ca.call('GET', 'after'), '1');
  });
});

test('FAILOVER aborts when the target refuses PSYNC (ACL -psync)', async () => {
  await withPair(async ({ replica: b, m: ca, r: cb }) => {
    await cb.call('ACL', 'SETUSER', 'default', '-psync');
    assert.deepEqual(await ca.call('FAILOVER', 'TO', '127.0.0.1', b.port), OK);
    await until('the failover to end', async () => (await state(ca)) === 'no-failover');
    assert.equal(((await ca.call('ROLE')) as Reply[])[0], 'master');
    assert.equal(((await cb.call('ROLE')) as Reply[])[0], 'slave');
    await cb.call('ACL', 'SETUSER', 'default', '+psync');
    await linkUp(cb);
    assert.deepEqual(await ca.call('SET', 'k', '1'), OK);
    assert.equal(await ca.call('WAIT', 1, 5000), 1);
  });
});
