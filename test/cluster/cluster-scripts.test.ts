// Scripts in cluster mode (Redis's scriptVerifyClusterState): keys of a slot this node does not
// serve, keys of two slots in one script, the no-cluster and allow-cross-slot-keys flags.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startCluster } from '../../src/index';

test('redis.call on keys of another node or another slot gives Redis errors', async () => {
  const cluster = await startCluster({ masters: 2 });
  // Slots 0-8191 on the first node: bar and {bar}x hash to 5061, a{b} to 3300, foo to 12182.
  const n = cluster.nodes[0];
  try {
    await assert.rejects(
      n.call('EVAL', "return redis.call('get', 'foo')", 0),
      /^RespiteError: ERR Script attempted to access a non local key in a cluster node script: [0-9a-f]{40}, on @user_script:1\.$/,
    );
    assert.equal(await n.call('EVAL', "return redis.pcall('get', 'foo')['err']", 0), 'ERR Script attempted to access a non local key in a cluster node');
    // Declared keys of another node: the EVAL itself is redirected.
    await assert.rejects(n.call('EVAL', "return redis.call('get', KEYS[1])", 1, 'foo'), /^RespiteError: MOVED 12182 /);
    assert.equal(await n.call('EVAL', "redis.call('set', KEYS[1], 1); return redis.call('get', '{bar}x')", 1, 'bar'), null);
    // A script with a shebang stays in one slot; one without keeps Redis 6's leniency.
    await assert.rejects(
      n.call('EVAL', "#!lua\nredis.call('set', KEYS[1], 1); return redis.call('get', 'a{b}')", 1, 'bar'),
      /^RespiteError: ERR Script attempted to access keys that do not hash to the same slot script: [0-9a-f]{40}, on @user_script:2\.$/,
    );
    await assert.rejects(n.call('EVAL', "#!lua\nredis.call('get', 'bar'); return redis.call('get', 'a{b}')", 0), /do not hash to the same slot/);
    assert.equal(await n.call('EVAL', "redis.call('get', 'bar'); return redis.call('get', 'a{b}')", 0), null);
    assert.equal(await n.call('EVAL', "#!lua flags=allow-cross-slot-keys\nredis.call('get', 'bar'); return redis.call('get', 'a{b}')", 0), null);
    await assert.rejects(n.call('EVAL', '#!lua flags=no-cluster\nreturn 1', 0), /^RespiteError: ERR Can not run script on cluster, 'no-cluster' flag is set\.$/);
    // Functions: the same checks, and no compatibility mode.
    await n.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('two', function(keys) redis.call('get', 'bar'); return redis.call('get', 'a{b}') end)\nredis.register_function{function_name='nc', callback=function() return 1 end, flags={'no-cluster'}}");
    await assert.rejects(n.call('FCALL', 'two', 0), /do not hash to the same slot/);
    await assert.rejects(n.call('FCALL', 'nc', 0), /'no-cluster' flag is set/);
  } finally {
    await cluster.close();
  }
});

test('ASKING on the importing node carries into the script that follows (EVAL and FCALL)', async () => {
  const cluster = await startCluster({ masters: 2 });
  const [a, b] = cluster.nodes;
  const slot = 5061; // 'bar': node A's
  try {
    await a.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', String(await b.call('CLUSTER', 'MYID')));
    await b.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', String(await a.call('CLUSTER', 'MYID')));
    const script = "return redis.call('set', '{bar}x', '1')";
    await assert.rejects(b.call('EVAL', script, 0), /non local key/);
    // One embedded client keeps its ASKING flag from one call to the next, as a connection does.
    assert.equal(await b.call('ASKING'), 'OK');
    assert.equal(await b.call('EVAL', script, 0), 'OK');
    await assert.rejects(b.call('EVAL', script, 0), /non local key/);
    await b.call('FUNCTION', 'LOAD', "#!lua name=l\nredis.register_function('f', function() return redis.call('incr', '{bar}n') end)");
    await b.call('ASKING');
    assert.equal(await b.call('FCALL', 'f', 0), 1);
    await b.call('ASKING');
    await b.call('MULTI');
    await b.call('FCALL', 'f', 0);
    assert.deepEqual(await b.call('EXEC'), [2]);
    assert.equal(await b.call('CLUSTER', 'COUNTKEYSINSLOT', slot), 2);
  } finally {
    await cluster.close();
  }
});
