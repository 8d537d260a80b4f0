// A client blocked on a key whose slot moves to another node is answered -MOVED (Redis's
// clusterRedirectBlockedClientIfNeeded); once the cluster is down, -CLUSTERDOWN.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCluster } from '../../src/index';

test('BLPOP and XREAD BLOCK on a slot given away get -MOVED to the new owner, -CLUSTERDOWN once it is unassigned', async () => {
  const cluster = await startCluster({ masters: 2 });
  const [a, b] = cluster.nodes;
  try {
    const slot = Number(await a.call('CLUSTER', 'KEYSLOT', 'bar')); // 5061, served by a
    const conn = a.connect();
    const blocked = conn.call(['BLPOP', 'bar', '0']);
    const other = a.connect();
    const blockedStream = other.call(['XREAD', 'BLOCK', '0', 'STREAMS', '{bar}s', '$']);
    await new Promise((r) => setTimeout(r, 50));
    const bId = String(await b.call('CLUSTER', 'MYID'));
    await b.call('CLUSTER', 'SETSLOT', slot, 'NODE', bId);
    await a.call('CLUSTER', 'SETSLOT', slot, 'NODE', bId);
    await assert.rejects(blocked, new RegExp(`^RespiteError: MOVED ${slot} 127\\.0\\.0\\.1:${b.port}$`));
    await assert.rejects(blockedStream, new RegExp(`^RespiteError: MOVED ${slot} 127\\.0\\.0\\.1:${b.port}$`));
    // On b, the slot is then unassigned: a waiting client gets the cluster-down answer.
    const onB = b.connect();
    const waiting = onB.call(['BLPOP', 'bar', '0']);
    await new Promise((r) => setTimeout(r, 50));
    await b.call('CLUSTER', 'DELSLOTS', slot);
    await assert.rejects(waiting, /^RespiteError: CLUSTERDOWN /);
    conn.close();
    other.close();
    onB.close();
  } finally {
    await cluster.close();
  }
});

test("the server's cron redirects blocked clients (a stepped cron, about once a second of ticks)", async () => {
  const cluster = await startCluster({ masters: 2 });
  const [a, b] = cluster.nodes;
  try {
    const slot = Number(await a.call('CLUSTER', 'KEYSLOT', 'bar'));
    const conn = a.connect();
    const blocked = conn.call(['BLPOP', 'bar', '0']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.server.blocking.byClient.size, 1);
    const bId = String(await b.call('CLUSTER', 'MYID'));
    await a.call('CLUSTER', 'SETSLOT', slot, 'NODE', bId);
    // One second of the server's cron passes (hz ticks): the client is answered then.
    a.server.runCron(a.server.config.int('hz'));
    assert.equal(a.server.blocking.byClient.size, 0);
    await assert.rejects(blocked, new RegExp(`^RespiteError: MOVED ${slot} 127\\.0\\.0\\.1:${b.port}$`));
    conn.close();
  } finally {
    await cluster.close();
  }
});
