// Behaviours Redis's own test suite checks in unit/pause, unit/slowlog, unit/lazyfree and
// unit/introspection, compared with the reference server: clients held by CLIENT PAUSE count as
// blocked, a served blocking command reaches the slow log as the client sent it, lazy freeing is
// counted in INFO, CONFIG SET port/bind really moves the listener (or fails and restores every
// value), CLIENT KILL SKIPME counts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, freePort, infoField, Pair, waitBlocked } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { Reply, SimpleString } from '../../src/resp/reply';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A status or bulk reply as text. */
const str = (r: Reply) => (r instanceof SimpleString ? r.value : String(r));

/** Polls INFO memory on both servers until no object is waiting to be freed lazily. */
async function lazyfreeDone(p: Pair): Promise<void> {
  for (const c of [p.redis, p.respite]) {
    for (let i = 0; infoField(await c.call('INFO', 'memory'), 'lazyfree_pending_objects') !== 0; i++) {
      assert.ok(i < 500, 'lazy free never finished');
      await sleep(10);
    }
  }
}

/** lazyfreed_objects on both servers, compared. */
async function lazyfreed(p: Pair): Promise<number> {
  await lazyfreeDone(p);
  const [a, b] = await Promise.all([p.redis.call('INFO', 'memory'), p.respite.call('INFO', 'memory')]);
  assert.equal(infoField(b, 'lazyfreed_objects'), infoField(a, 'lazyfreed_objects'), 'lazyfreed_objects');
  return infoField(a, 'lazyfreed_objects');
}

/** The arguments of the newest slow log entry on both servers, compared. */
async function newestSlowlogArgs(p: Pair): Promise<string[]> {
  const [a, b] = await Promise.all([p.redis.call('SLOWLOG', 'GET', '1'), p.respite.call('SLOWLOG', 'GET', '1')]);
  const args = (r: Reply) => ((r as Reply[][])[0][3] as Reply[]).map(String);
  assert.deepEqual(args(b), args(a));
  return args(a);
}

/** calls / rejected_calls / failed_calls of a command in INFO commandstats (times differ). */
function callCounts(info: Reply, cmd: string): string {
  const m = new RegExp(`cmdstat_${cmd}:calls=(\\d+),usec=\\d+,usec_per_call=[\\d.]+,rejected_calls=(\\d+),failed_calls=(\\d+)`).exec(String(info));
  return m === null ? 'none' : `${m[1]}/${m[2]}/${m[3]}`;
}

differential('Redis suite: pause, slowlog, lazyfree, introspection', (ctx) => {
  test('a client held by CLIENT PAUSE counts in INFO blocked_clients until the pause ends', async () => {
    const p = await ctx.pair();
    const held = new Pair(await RespClient.connect(ctx.reference.port), await RespClient.connect(ctx.respite.port));
    try {
      await p.run('CLIENT', 'PAUSE', '60000', 'WRITE');
      held.redis.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
      held.respite.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
      await waitBlocked(p, 1);
      await p.run('CLIENT', 'UNPAUSE');
      await held.next('reply of the postponed SET');
      await waitBlocked(p, 0);
      await p.run('GET', 'k');
    } finally {
      held.close();
    }
  });

  test('a served BLPOP is logged as sent, after the command that served it', async () => {
    const p = await ctx.pair();
    const blocker = new Pair(await RespClient.connect(ctx.reference.port), await RespClient.connect(ctx.respite.port));
    try {
      await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      blocker.redis.write('*3\r\n$5\r\nblpop\r\n$1\r\nl\r\n$1\r\n0\r\n');
      blocker.respite.write('*3\r\n$5\r\nblpop\r\n$1\r\nl\r\n$1\r\n0\r\n');
      await waitBlocked(p, 1);
      await p.run('MULTI');
      await p.run('LPUSH', 'l', 'foo');
      await p.run('SLOWLOG', 'RESET');
      await p.run('EXEC');
      await blocker.next('BLPOP reply');
      assert.deepEqual(await newestSlowlogArgs(p), ['blpop', 'l', '0']);
      const [a, b] = await Promise.all([p.redis.call('SLOWLOG', 'LEN'), p.respite.call('SLOWLOG', 'LEN')]);
      assert.equal(b, a, 'SLOWLOG LEN');
    } finally {
      blocker.close();
      await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    }
  });

  test('subcommands named like MULTI-passthrough commands are queued (SLOWLOG RESET is not RESET)', async () => {
    const p = await ctx.pair();
    await p.run('MULTI');
    await p.run('SLOWLOG', 'RESET');
    await p.run('LATENCY', 'RESET');
    await p.run('SLOWLOG', 'LEN');
    await p.run('EXEC');
  });

  test('CLIENT UNBLOCK counts the unblocked call as failed, whichever reply it gets', async () => {
    const p = await ctx.pair();
    const blocker = new Pair(await RespClient.connect(ctx.reference.port), await RespClient.connect(ctx.respite.port));
    try {
      await p.run('CONFIG', 'RESETSTAT');
      const ids = [await blocker.redis.call('CLIENT', 'ID'), await blocker.respite.call('CLIENT', 'ID')];
      for (const how of ['TIMEOUT', 'ERROR']) {
        blocker.redis.write('*3\r\n$5\r\nblpop\r\n$1\r\nl\r\n$1\r\n0\r\n');
        blocker.respite.write('*3\r\n$5\r\nblpop\r\n$1\r\nl\r\n$1\r\n0\r\n');
        await waitBlocked(p, 1);
        const [ra, rb] = await Promise.all([p.redis.call('CLIENT', 'UNBLOCK', String(ids[0]), how), p.respite.call('CLIENT', 'UNBLOCK', String(ids[1]), how)]);
        assert.equal(rb, ra);
        await blocker.next(`BLPOP reply after UNBLOCK ${how}`);
      }
      const [a, b] = await Promise.all([p.redis.call('INFO', 'commandstats'), p.respite.call('INFO', 'commandstats')]);
      assert.equal(callCounts(b, 'blpop'), callCounts(a, 'blpop'));
      assert.equal(callCounts(a, 'blpop'), '2/0/2');
    } finally {
      blocker.close();
    }
  });

  test('UNLINK frees big values lazily and counts them; small ones are freed at once', async () => {
    const p = await ctx.pair();
    await lazyfreeDone(p);
    await p.run('CONFIG', 'RESETSTAT');
    const members = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    await p.run('SADD', 'big', ...members);
    await p.run('SADD', 'small', 'a', 'b');
    await p.run('SADD', 'ints', ...Array.from({ length: 100 }, (_, i) => String(i))); // an intset: one allocation
    await p.run('UNLINK', 'big', 'small', 'ints', 'missing');
    assert.equal(await lazyfreed(p), 1);
    // DEL frees at once unless lazyfree-lazy-user-del says otherwise.
    await p.run('SADD', 'big', ...members);
    await p.run('DEL', 'big');
    assert.equal(await lazyfreed(p), 1);
    await p.run('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes');
    await p.run('ZADD', 'z', ...members.flatMap((m, i) => [String(i), m]));
    await p.run('HSET', 'h', ...members.flatMap((m) => [m, 'v']));
    await p.run('DEL', 'z', 'h');
    assert.equal(await lazyfreed(p), 3);
    await p.run('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no');
    await p.run('CONFIG', 'RESETSTAT');
    assert.equal(await lazyfreed(p), 0);
  });

  test('streams: macro nodes and consumer groups make the effort', async () => {
    const p = await ctx.pair();
    await lazyfreeDone(p);
    await p.run('CONFIG', 'SET', 'stream-node-max-entries', '5');
    await p.run('CONFIG', 'RESETSTAT');
    for (let j = 0; j < 400; j++) await p.check('type', 'XADD', 'stream', '*', j % 10 === 0 ? 'bar' : 'foo', String(j));
    await p.run('UNLINK', 'stream');
    assert.equal(await lazyfreed(p), 1);
    await p.run('XADD', 's', '1-1', 'a', 'b');
    await p.run('XGROUP', 'CREATE', 's', 'g', '$');
    await p.run('XGROUP', 'DESTROY', 's', 'g');
    await p.run('UNLINK', 's');
    assert.equal(await lazyfreed(p), 1);
    await p.run('CONFIG', 'SET', 'stream-node-max-entries', '100');
  });

  test('FLUSHDB/FLUSHALL ASYNC (or lazyfree-lazy-user-flush) count every key of the database', async () => {
    const p = await ctx.pair();
    await lazyfreeDone(p);
    await p.run('CONFIG', 'RESETSTAT');
    await p.run('MSET', 'a', '1', 'b', '2', 'c', '3');
    await p.run('FLUSHDB', 'ASYNC');
    assert.equal(await lazyfreed(p), 3);
    await p.run('MSET', 'a', '1', 'b', '2');
    await p.run('FLUSHDB');
    assert.equal(await lazyfreed(p), 3);
    await p.run('CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'yes');
    await p.run('MSET', 'a', '1', 'b', '2');
    await p.run('SELECT', '5');
    await p.run('SET', 'x', '1');
    await p.run('FLUSHALL');
    assert.equal(await lazyfreed(p), 6);
    await p.run('SET', 'x', '1');
    await p.run('FLUSHALL', 'SYNC');
    assert.equal(await lazyfreed(p), 6);
    await p.run('CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'no');
  });

  test('DEBUG CONFIG-REWRITE-FORCE-ALL without a config file', async () => {
    const p = await ctx.pair();
    await p.run('DEBUG', 'CONFIG-REWRITE-FORCE-ALL');
  });

  test('CLIENT KILL SKIPME YES/NO count every other client (and then the caller)', async () => {
    const p = await ctx.pair();
    const others = [await RespClient.connect(ctx.reference.port), await RespClient.connect(ctx.reference.port)];
    const mine = [await RespClient.connect(ctx.respite.port), await RespClient.connect(ctx.respite.port)];
    try {
      const [ca, cb] = await Promise.all([p.redis.call('INFO', 'clients'), p.respite.call('INFO', 'clients')]);
      assert.equal(infoField(cb, 'connected_clients'), infoField(ca, 'connected_clients'));
      const killed = await p.run('CLIENT', 'KILL', 'SKIPME', 'yes');
      assert.equal(killed, infoField(ca, 'connected_clients') - 1);
      await p.run('CLIENT', 'KILL', 'SKIPME', 'no');
    } finally {
      for (const c of [...others, ...mine]) c.close();
    }
  });
});

differential('Redis suite: CONFIG SET port and bind', (ctx) => {
  test('a port in use fails with Redis error, restores every value set with it, keeps listening', async () => {
    const p = await ctx.pair();
    const maxmemory = await p.run('CONFIG', 'GET', 'maxmemory');
    // Each server is asked for the other's port, which is taken.
    const [a, b] = await Promise.all([
      p.redis.callRaw('CONFIG', 'SET', 'maxmemory', '10000001', 'port', String(ctx.respite.port), 'client-query-buffer-limit', '10m'),
      p.respite.callRaw('CONFIG', 'SET', 'maxmemory', '10000001', 'port', String(ctx.reference.port), 'client-query-buffer-limit', '10m'),
    ]);
    assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'));
    assert.match(a.raw.toString('latin1'), /^-ERR CONFIG SET failed \(possibly related to argument 'port'\) - Unable to listen on this port/);
    assert.deepEqual(await p.run('CONFIG', 'GET', 'maxmemory'), maxmemory);
    await p.run('CONFIG', 'GET', 'client-query-buffer-limit');
    const again = await RespClient.connect(ctx.respite.port);
    assert.equal(str(await again.call('PING')), 'PONG');
    again.close();
  });

  test('an address that cannot be bound fails with Redis error and the old ones stay', async () => {
    const p = await ctx.pair();
    // The two servers were started with different bind lists: each keeps its own.
    const [ba, bb] = await Promise.all([p.redis.call('CONFIG', 'GET', 'bind'), p.respite.call('CONFIG', 'GET', 'bind')]);
    await p.run('CONFIG', 'SET', 'bind', '999.999.999.999');
    assert.deepEqual(await p.redis.call('CONFIG', 'GET', 'bind'), ba);
    assert.deepEqual(await p.respite.call('CONFIG', 'GET', 'bind'), bb);
    const again = await RespClient.connect(ctx.respite.port);
    assert.equal(str(await again.call('PING')), 'PONG');
    again.close();
  });

  test('a free port: the reply comes once the server listens there, and the old port is closed', async () => {
    const p = await ctx.pair();
    const oldPort = ctx.respite.port;
    const port = await freePort();
    assert.equal(str(await p.respite.call('CONFIG', 'SET', 'port', String(port))), 'OK');
    const moved = await RespClient.connect(port);
    try {
      assert.equal(str(await moved.call('PING')), 'PONG');
      assert.equal(String(await moved.call('CONFIG', 'GET', 'port')), `port,${port}`);
      // The connection that asked stays.
      assert.equal(str(await p.respite.call('PING')), 'PONG');
      await assert.rejects(RespClient.connect(oldPort));
      // And back (later suites of this file do not reuse the port, but leave it as found).
      assert.equal(str(await moved.call('CONFIG', 'SET', 'port', String(oldPort))), 'OK');
    } finally {
      moved.close();
    }
    const back = await RespClient.connect(oldPort);
    assert.equal(str(await back.call('PING')), 'PONG');
    back.close();
  });
});
