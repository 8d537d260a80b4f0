// redis-cli --cluster reshard, add-node and del-node against an embedded respite cluster while a cluster
// client keeps writing: no acknowledged key may be lost, and --cluster check must agree after.
// Skipped with a message when redis-cli is missing; CI=true makes its absence a failure.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { startCluster, startServer } from '../../src/index';
import { REDIS_CLI, redisCli as cli } from '../helpers/differential';

test('redis-cli --cluster reshard moves 1000 slots under a write load without losing a key; add-node joins a new node and del-node removes it', { skip: REDIS_CLI ? false : 'redis-cli not found on PATH: skipped' }, async () => {
  const cluster = await startCluster({ masters: 3 });
  const ports = cluster.nodes.map((n) => n.port);
  const client = new Redis.Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-reshard-'));
  let extra: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const ids: string[] = [];
    for (const port of ports) {
      const r = new Redis(port, '127.0.0.1');
      ids.push(String(await r.cluster('MYID')));
      r.disconnect();
    }
    let written = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        await client.set(`key:${written}`, String(written));
        written++;
      }
    })();
    await cli(['--cluster', 'reshard', `127.0.0.1:${ports[0]}`, '--cluster-from', ids[0], '--cluster-to', ids[1], '--cluster-slots', '1000', '--cluster-yes', '--cluster-pipeline', '50']);
    stop = true;
    await load;
    assert.ok(written > 0, 'the load wrote keys during the reshard');
    for (let i = 0; i < written; i++) assert.equal(await client.get(`key:${i}`), String(i), `key:${i} after the reshard`);
    const check = await cli(['--cluster', 'check', `127.0.0.1:${ports[0]}`]);
    assert.match(check, /All nodes agree about slots configuration/);
    assert.match(check, /All 16384 slots covered/);
    assert.match(check, new RegExp(`${written} keys in 3 masters`));
    // The first node gave up slots 0-999 (the lowest it owned) to the second.
    const slots = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number, string]][];
    const owner = (slot: number) => slots.find(([a, b]) => slot >= a && slot <= b)?.[2][2];
    assert.equal(owner(0), ids[1]);
    assert.equal(owner(999), ids[1]);
    assert.equal(owner(1000), ids[0]);

    // A fourth, empty node joins through redis-cli and every node learns of it.
    extra = await startServer({ port: 0, bind: '127.0.0.1', clusterEnabled: true, clusterConfigFile: path.join(dir, 'nodes-extra.conf') });
    const extraPort = extra.port;
    await cli(['--cluster', 'add-node', `127.0.0.1:${extraPort}`, `127.0.0.1:${ports[0]}`]);
    const extraId = String(await extra.call('CLUSTER', 'MYID'));
    const deadline = Date.now() + 20_000;
    for (;;) {
      let known = 0;
      for (const port of ports) {
        const r = new Redis(port, '127.0.0.1');
        if (String(await r.cluster('NODES')).includes(extraId)) known++;
        r.disconnect();
      }
      // The new node, whose view --cluster check reads, has also learned every node and slot.
      const info = String(await extra.call('CLUSTER', 'INFO'));
      if (known === ports.length && info.includes(`cluster_known_nodes:${ports.length + 1}`) && info.includes('cluster_slots_assigned:16384')) break;
      if (Date.now() > deadline) throw new Error(`only ${known} of ${ports.length} nodes know the added node`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(await cli(['--cluster', 'check', `127.0.0.1:${extraPort}`]), /All nodes agree about slots configuration/);

    // del-node: the others forget it (CLUSTER FORGET) and redis-cli shuts it down.
    await cli(['--cluster', 'del-node', `127.0.0.1:${ports[0]}`, extraId]);
    for (const port of ports) {
      const r = new Redis(port, '127.0.0.1');
      assert.doesNotMatch(String(await r.cluster('NODES')), new RegExp(extraId), `node ${port} forgot the deleted node`);
      r.disconnect();
    }
    assert.match(await cli(['--cluster', 'check', `127.0.0.1:${ports[0]}`]), /All nodes agree about slots configuration/);
  } finally {
    client.disconnect();
    await cluster.close();
    if (extra) await extra.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
