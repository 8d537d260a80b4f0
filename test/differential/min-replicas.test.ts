// min-replicas-to-write (Redis's checkGoodReplicasStatus): with too few replicas acking within
// min-replicas-max-lag, writes get -NOREPLICAS at the door (scripts by their declared flags, EXEC
// of queued writes) and inside legacy scripts before their first write; reads go on.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { differential } from '../helpers/differential';
import { ReplicaLink } from '../helpers/replica-link';

differential('min-replicas-to-write', (ctx) => {
  test('without replicas, writes and write scripts are refused with NOREPLICAS as in Redis', async () => {
    const p = await ctx.pair();
    await p.run('SET', 'x', 'some value');
    await p.run('CONFIG', 'SET', 'min-replicas-to-write', '1');
    try {
      await p.run('GET', 'x');
      await p.run('SET', 'x', '1');
      await p.run('INCR', 'n');
      await p.run('EVAL', "#!lua flags=no-writes\nreturn redis.call('get','x')", '1', 'x');
      await p.run('EVAL', "return redis.call('get','x')", '1', 'x');
      await p.run('EVAL', "#!lua\nreturn redis.call('get','x')", '1', 'x');
      await p.run('EVAL', "return redis.call('set','x', 1)", '1', 'x');
      await p.run('EVAL', "return redis.pcall('set','x', 1)", '1', 'x');
      await p.run('MULTI');
      await p.run('GET', 'x');
      await p.run('EXEC');
      await p.run('MULTI');
      await p.run('SET', 'x', '2');
      await p.run('EXEC');
      // max-lag 0 turns the check off.
      await p.run('CONFIG', 'SET', 'min-replicas-max-lag', '0');
      await p.run('SET', 'x', '3');
      await p.run('GET', 'x');
    } finally {
      await p.run('CONFIG', 'SET', 'min-replicas-to-write', '0');
      await p.run('CONFIG', 'SET', 'min-replicas-max-lag', '10');
    }
  });
});

test('a replica that acks in time lets writes through; one that lags past max-lag does not', async () => {
  const s = await startServer({ port: 0 });
  const link = await ReplicaLink.connect(s.port);
  try {
    s.clock.freeze();
    await s.call('CONFIG', 'SET', 'min-replicas-to-write', '1');
    await assert.rejects(s.call('SET', 'k', 'v'), /NOREPLICAS Not enough good replicas to write\.$/);
    link.send('REPLCONF', 'listening-port', '6380');
    assert.equal(await link.readLine(), '+OK');
    link.send('SYNC');
    await link.readPayload();
    link.send('REPLCONF', 'ACK', '0');
    // The ACK is read asynchronously: wait until the replica counts as good.
    for (let i = 0; ; i++) {
      if (/slave0:.*state=online/.test(String(await s.call('INFO', 'replication')))) {
        try {
          assert.equal(await s.call('SET', 'k', 'v'), 'OK');
          break;
        } catch (e) {
          if (i > 200) throw e;
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    s.clock.advance(11_000);
    await assert.rejects(s.call('SET', 'k', 'v2'), /NOREPLICAS Not enough good replicas/);
    assert.equal(await s.call('GET', 'k'), 'v');
  } finally {
    link.close();
    await s.close();
  }
});
