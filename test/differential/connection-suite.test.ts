// Connection-level behaviours that Redis's own suite (unit/protocol, multi, pubsub, tracking,
// type/stream-cgroups) checks, compared with the reference byte for byte: DEBUG PROTOCOL samples,
// the full close after a protocol error, WATCH of stale keys, pub/sub confirmations under CLIENT
// REPLY OFF, tracking of expired keys and of scripts, XREADGROUP woken by FLUSHALL, EXEC's fixed
// time, and a stream restored from a pre-RDB-10 payload.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { encodeCommand } from '../../src/resp/reply-parser';
import { DiffContext, Pair, differential, waitBlocked } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';

type Arg = string | number | Buffer;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes commands without waiting for replies (CLIENT REPLY OFF sends none). */
function send(c: RespClient, ...cmds: Arg[][]): void {
  for (const cmd of cmds) c.write(encodeCommand(cmd));
}

/** Everything a connection received before the reply to a PING sent now. */
async function drain(c: RespClient): Promise<string[]> {
  c.write(encodeCommand(['PING']));
  const out: string[] = [];
  for (;;) {
    const m = (await c.readNext()).raw.toString('latin1');
    if (m === '+PONG\r\n') return out;
    out.push(m);
  }
}

async function sameMessages(p: Pair): Promise<string[]> {
  const [a, b] = await Promise.all([drain(p.redis), drain(p.respite)]);
  assert.deepEqual(b, a);
  return a;
}

/**
 * Sends bytes that end in a protocol error, then keeps writing: resolves with how the writes
 * ended ('error' once the server closed the socket, 'timeout' if it never did).
 */
function writeAfterProtocolError(port: number, first: string): Promise<'error' | 'timeout'> {
  return new Promise((resolve) => {
    // allowHalfOpen: our side does not close on the server's FIN, as a client that keeps writing.
    const sock = net.createConnection({ port, host: '127.0.0.1', allowHalfOpen: true });
    let timer: NodeJS.Timeout | null = null;
    let finished = false;
    const done = (how: 'error' | 'timeout') => {
      if (finished) return;
      finished = true;
      if (timer) clearInterval(timer);
      sock.destroy();
      resolve(how);
    };
    const started = Date.now();
    sock.on('error', () => done('error'));
    sock.on('data', () => {});
    sock.on('connect', () => {
      sock.write(first);
      const chunk = Buffer.alloc(1024, 'A');
      timer = setInterval(() => {
        if (Date.now() - started > 3000) return done('timeout');
        sock.write(chunk);
      }, 5);
    });
  });
}

async function resp3Pair(ctx: DiffContext): Promise<Pair> {
  const p = await ctx.pair();
  await p.check('type', 'HELLO', '3');
  return p;
}

differential('connection behaviours from the Tcl suite', (ctx) => {
  test('DEBUG PROTOCOL: every sample type in RESP2 and RESP3', async () => {
    const p = await ctx.pair();
    const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false', 'nosuch', 'PUSH'];
    for (const t of types) await p.run('DEBUG', 'PROTOCOL', t);
    await p.check('type', 'HELLO', '3');
    for (const t of types.slice(0, -1)) await p.run('DEBUG', 'PROTOCOL', t);
    // The push frame, then the real reply.
    await p.run('DEBUG', 'PROTOCOL', 'push');
    await p.next('reply after the push');
    await p.run('DEBUG', 'PROTOCOL');
  });

  test('a protocol error closes the socket: a client that keeps writing gets an error', async () => {
    for (const first of ['\x00', '*\x00', '$\x00']) {
      const [a, b] = await Promise.all([writeAfterProtocolError(ctx.reference.port, first), writeAfterProtocolError(ctx.respite.port, first)]);
      assert.equal(a, 'error', `the reference closed after ${JSON.stringify(first)}`);
      assert.equal(b, 'error', `respite closed after ${JSON.stringify(first)}`);
    }
  });

  test('WATCH of stale keys: their deletion, a flush or a swap that keeps them stale is no change', async () => {
    const p = await ctx.pair();
    await p.run('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      const staleX = async () => {
        await p.run('SET', 'x', 'foo', 'PX', '1');
        await sleep(5);
      };
      const exec = async () => {
        await p.run('MULTI');
        await p.run('PING');
        return p.run('EXEC');
      };
      // Lazy expiry deletes it.
      await staleX();
      await p.run('WATCH', 'x');
      await p.run('EXISTS', 'x');
      await exec();
      // FLUSHDB drops it.
      await staleX();
      await p.run('WATCH', 'x');
      await p.run('FLUSHDB');
      await exec();
      // Still stale at EXEC: the transaction runs.
      await staleX();
      await p.run('WATCH', 'x');
      await exec();
      // Expired after WATCH: it fails.
      await p.run('SET', 'x', 'foo', 'PX', '30');
      await p.run('WATCH', 'x');
      await sleep(40);
      await exec();
      // Stale key overwritten: it fails.
      await staleX();
      await p.run('WATCH', 'x');
      await p.run('SET', 'x', 'bar');
      await exec();
      // SWAPDB: stale replaced with nothing, nothing with stale, stale with stale.
      await p.run('FLUSHALL');
      await p.run('SELECT', '1');
      await staleX();
      await p.run('WATCH', 'x');
      await p.run('SWAPDB', '0', '1');
      await exec();
      await p.run('FLUSHALL');
      await p.run('SELECT', '0');
      await staleX();
      await p.run('SELECT', '1');
      await p.run('WATCH', 'x');
      await p.run('SWAPDB', '0', '1');
      await exec();
      await p.run('FLUSHALL');
      await staleX();
      await p.run('SELECT', '0');
      await staleX();
      await p.run('SELECT', '1');
      await p.run('WATCH', 'x');
      await p.run('SWAPDB', '0', '1');
      await exec();
      // A live key swapped away fails.
      await p.run('SET', 'y', '1');
      await p.run('WATCH', 'y');
      await p.run('SWAPDB', '0', '1');
      await exec();
    } finally {
      await p.run('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });

  test('subscribe confirmations are pushes: sent under CLIENT REPLY OFF, in RESP2 and RESP3', async () => {
    for (const proto of ['2', '3']) {
      const p = await ctx.pair();
      await p.check('type', 'HELLO', proto);
      const pub = await ctx.pair();
      for (const c of [p.redis, p.respite]) send(c, ['CLIENT', 'REPLY', 'OFF'], ['SUBSCRIBE', 'ch'], ['PSUBSCRIBE', 'c*']);
      await pub.run('PING'); // both subscriptions are in place once the publisher's PING is back
      await sleep(20);
      await pub.run('PUBLISH', 'ch', 'hello');
      for (const c of [p.redis, p.respite]) send(c, ['UNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['CLIENT', 'REPLY', 'ON']);
      await sameMessages(p);
    }
  });

  test('BCAST NOLOOP: a key the client itself lazily expires is invalidated (inside MULTI too)', async () => {
    const p = await resp3Pair(ctx);
    await p.run('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
    await p.run('MULTI');
    await p.run('SET', 'mykey', 'v', 'PX', '1');
    await p.run('SET', 'otherkey', 'v');
    await p.run('DEBUG', 'SLEEP', '0.01');
    await p.run('GET', 'mykey');
    // Time stands still inside EXEC: GET finds the key, which expires (actively) afterwards.
    await p.run('EXEC');
    await sleep(300);
    const got = await sameMessages(p);
    assert.equal(got.length, 1);
    // Lazy expiry by the client's own read (no active expiry): heard, as no client changed it.
    await p.run('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      await p.run('SET', 'lazykey', 'v', 'PX', '1');
      await sleep(20);
      assert.deepEqual(await sameMessages(p), []);
      await p.run('GET', 'lazykey');
      await sleep(20);
      assert.equal((await sameMessages(p)).length, 1);
    } finally {
      await p.run('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
    // Own writes stay silent; a write by another client last is heard.
    await p.run('SET', 'a', '1');
    const q = await ctx.pair();
    await q.run('SET', 'b', '1');
    await sleep(20);
    await sameMessages(p);
  });

  test('tracking and scripts: NOLOOP covers script writes, script reads track the declared keys', async () => {
    const p = await resp3Pair(ctx);
    const other = await ctx.pair();
    await p.run('CLIENT', 'TRACKING', 'on', 'NOLOOP');
    await p.run('SET', 'key1', '1');
    await p.run('GET', 'key1');
    await p.run('EVAL', "return redis.call('set', KEYS[1], '2')", '1', 'key1');
    await p.run('GET', 'key1');
    assert.deepEqual(await sameMessages(p), []);
    const q = await resp3Pair(ctx);
    await q.run('CLIENT', 'TRACKING', 'on');
    await q.run('EVAL', "redis.call('set', 'k3', 'bar')", '2', 'k1', 'k2');
    await other.run('MSET', 'k1', '1', 'k2', '1', 'k3', '1');
    await q.run('EVAL', "redis.call('get', 'k3')", '2', 'k1', 'k2');
    await q.run('EVAL_RO', "redis.call('ping')", '2', 'k4', 'k5');
    await other.run('MSET', 'k1', '2', 'k2', '2', 'k3', '2', 'k4', '2', 'k5', '2');
    await sleep(20);
    const got = await sameMessages(q);
    assert.equal(got.length, 2);
  });

  test('XREADGROUP BLOCK 0 is answered with an error when FLUSHALL or FLUSHDB drops the stream', async () => {
    for (const flush of [['FLUSHALL'], ['FLUSHDB']]) {
      const p = await ctx.pair();
      const q = await ctx.pair();
      await q.run('XADD', 'mystream', '666', 'f', 'v');
      await q.run('XGROUP', 'CREATE', 'mystream', 'mygroup', '$');
      for (const c of [p.redis, p.respite]) send(c, ['XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'BLOCK', '0', 'STREAMS', 'mystream', '>']);
      await waitBlocked(q, 1);
      await q.run(...flush);
      await p.next('reply of the blocked XREADGROUP');
      await p.run('PING');
    }
  });

  test('a stream DUMPed by Redis 5 (RDB < 10) restores with estimated group read counters', async () => {
    // XADD x 1-0..6-0, XDEL x 3-0, XGROUP CREATE x g1 0 and g2 0, XREADGROUP GROUP g1 c11 COUNT 4,
    // XTRIM x MAXLEN = 2 (the payload of Redis's stream-cgroups test).
    const payload = Buffer.from(
    '0f011000000000000000010000000000000000c3404a4057165700000023000201040101018464617461050001030100' +
    '20010381610204200a0001400a0062600a0002400a0063600a4022018164200a4039200a0065600a0005400a0066200a' +
    '00ff02060002026731050004000000000000000100000000000000003ef783437a010000010000000000000002000000' +
    '00000000003ef783437a01000001000000000000000400000000000000003ef783437a01000001000000000000000500' +
    '000000000000003ef783437a0100000101036331313ef783437a01000004000000000000000100000000000000000000' +
    '000000000002000000000000000000000000000000040000000000000000000000000000000500000000000000000267' +
    '320000000009003d52ef6867521dfa',
      'hex',
    );
    const p = await ctx.pair();
    await p.run('RESTORE', 'x', '0', payload);
    await p.run('XINFO', 'STREAM', 'x', 'FULL');
    await p.run('XINFO', 'GROUPS', 'x');
  });
});
