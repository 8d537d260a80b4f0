// INFO memory's replication buffer figures as Redis 7.0 reports them: the stream a replica has not
// taken yet is memory of the replication buffer (mem_total_replication_buffers), the part beyond
// repl-backlog-size counted as the replicas' (mem_clients_slaves), and it goes back down once the
// replica reads again. Redis's integration/shutdown waits on this figure to know a stopped
// replica's socket is full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startServer } from '../../src/index';
import { info, until } from '../helpers/replication';

test('mem_total_replication_buffers grows while a replica does not read, and shrinks when it does', async () => {
  const s = await startServer({ port: 0, save: '' });
  const replica = net.connect(s.port, '127.0.0.1');
  try {
    await new Promise<void>((r) => replica.once('connect', () => r()));
    await s.call('CONFIG', 'SET', 'repl-backlog-size', '16384');
    replica.write('SYNC\r\n');
    await until('the replica to be attached', async () => info(await s.call('INFO', 'replication')).connected_slaves === '1');
    // The replica stops reading: what the master writes piles up in its output.
    replica.pause();
    const mem = async () => info(await s.call('INFO', 'memory'));
    const value = Buffer.alloc(1024, 'x');
    for (let i = 0; Number((await mem()).mem_total_replication_buffers) <= 2 * 1024 * 1024; i++) {
      assert.ok(i < 1000, 'the replication buffer never grew past 2 MB');
      for (let j = 0; j < 256; j++) await s.callBuffer('SET', `k${i}:${j}`, value);
    }
    const m = await mem();
    assert.equal(Number(m.mem_replication_backlog), 16384);
    assert.equal(Number(m.mem_clients_slaves), Number(m.mem_total_replication_buffers) - 16384);
    const stats = (await s.call('MEMORY', 'STATS')) as unknown[];
    assert.equal(stats[stats.indexOf('clients.slaves') + 1], Number(m.mem_clients_slaves));
    // Reading again drains it: only the backlog's history is left.
    replica.resume();
    replica.on('data', () => {});
    await until('the output to drain', async () => Number((await mem()).mem_clients_slaves) === 0);
    assert.equal(Number((await mem()).mem_total_replication_buffers), 16384);
  } finally {
    replica.destroy();
    await s.close();
  }
});
