// Blocking list commands over TCP: one connection blocks, others push, time out, disconnect.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { blockedClientCount, blockingKeyCount, clientsInTimeoutTable } from '../../src/engine/blocking';
import { RespClient } from '../helpers/resp-client';
import { encodeCommand } from '../../src/resp/reply-parser';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True if the promise is still unsettled after `ms`. */
async function pending(p: Promise<unknown>, ms = 30): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return !settled;
}

/** Waits until the server sees `n` blocked clients (the BLPOP has arrived). */
async function blockedCount(s: RespiteServer, n: number): Promise<void> {
  for (let i = 0; i < 200 && blockedClientCount(s.server) !== n; i++) await sleep(5);
  assert.equal(blockedClientCount(s.server), n);
}

async function withTcp(n: number, fn: (s: RespiteServer, cs: RespClient[]) => Promise<void>): Promise<void> {
  const s = await startServer({ port: 0 });
  const cs: RespClient[] = [];
  try {
    for (let i = 0; i < n; i++) cs.push(await RespClient.connect(s.port));
    await fn(s, cs);
  } finally {
    for (const c of cs) c.close();
    await s.close();
  }
}

const raw = async (p: Promise<{ raw: Buffer }>) => (await p).raw.toString('latin1');

test('BLPOP waits for a push from another client', () =>
  withTcp(2, async (s, [a, b]) => {
    const r = raw(a.callRaw('BLPOP', 'k1', 'k2', '0'));
    await blockedCount(s, 1);
    assert.equal(blockingKeyCount(s.server), 2);
    assert.equal(clientsInTimeoutTable(s.server), 0);
    assert.ok(await pending(r));
    assert.equal(await b.call('RPUSH', 'k2', 'x', 'y'), 2);
    assert.equal(await r, '*2\r\n$2\r\nk2\r\n$1\r\nx\r\n');
    assert.equal(blockedClientCount(s.server), 0);
    assert.equal(blockingKeyCount(s.server), 0);
    assert.deepEqual(await b.call('LRANGE', 'k2', '0', '-1'), ['y']);
    const info = String(await b.call('INFO', 'clients'));
    assert.match(info, /blocked_clients:0/);
  }));

test('INFO reports blocked clients and the timeout table', () =>
  withTcp(3, async (s, [a, b, c]) => {
    const r1 = a.callRaw('BLPOP', 'k', '0');
    const r2 = b.callRaw('BRPOP', 'k', '100');
    await blockedCount(s, 2);
    const info = String(await c.call('INFO', 'clients'));
    assert.match(info, /blocked_clients:2/);
    assert.match(info, /clients_in_timeout_table:1/);
    await c.call('RPUSH', 'k', '1', '2');
    assert.equal(await raw(r1), '*2\r\n$1\r\nk\r\n$1\r\n1\r\n');
    assert.equal(await raw(r2), '*2\r\n$1\r\nk\r\n$1\r\n2\r\n');
    assert.equal(clientsInTimeoutTable(s.server), 0);
  }));

test('three waiters on one key are served in the order they blocked', () =>
  withTcp(4, async (s, [a, b, c, pusher]) => {
    const ra = raw(a.callRaw('BLPOP', 'q', '0'));
    await blockedCount(s, 1);
    const rb = raw(b.callRaw('BRPOP', 'q', '0'));
    await blockedCount(s, 2);
    const rc = raw(c.callRaw('BLMPOP', '0', '1', 'q', 'LEFT', 'COUNT', '5'));
    await blockedCount(s, 3);
    await pusher.call('RPUSH', 'q', '1');
    assert.equal(await ra, '*2\r\n$1\r\nq\r\n$1\r\n1\r\n');
    assert.ok(await pending(rb));
    await pusher.call('RPUSH', 'q', '2', '3', '4', '5');
    // b pops the tail, c takes everything left.
    assert.equal(await rb, '*2\r\n$1\r\nq\r\n$1\r\n5\r\n');
    assert.equal(await rc, '*2\r\n$1\r\nq\r\n*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n');
    assert.equal(await pusher.call('EXISTS', 'q'), 0);
  }));

test('timeouts follow the embedded clock when it is frozen and advanced', () =>
  withTcp(2, async (s, [a, b]) => {
    s.clock.freeze();
    const r = raw(a.callRaw('BLPOP', 'k', '5'));
    const m = raw(b.callRaw('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '2.5'));
    await blockedCount(s, 2);
    s.clock.advance(2499);
    assert.ok(await pending(m));
    s.clock.advance(1);
    assert.equal(await m, '*-1\r\n');
    s.clock.advance(2499);
    assert.ok(await pending(r));
    s.clock.advance(1);
    assert.equal(await r, '*-1\r\n');
    assert.equal(blockedClientCount(s.server), 0);
    assert.equal(clientsInTimeoutTable(s.server), 0);
  }));

test('a real-time timeout answers a null array, in RESP3 too', () =>
  withTcp(1, async (_s, [a]) => {
    const t0 = Date.now();
    assert.equal(await raw(a.callRaw('BLPOP', 'k', '0.1')), '*-1\r\n');
    assert.ok(Date.now() - t0 >= 90);
    await a.call('HELLO', '3');
    assert.equal(await raw(a.callRaw('BRPOPLPUSH', 'k', 'd', '0.05')), '_\r\n');
  }));

test('BLMOVE chains: serving one client pushes to the key another waits on', () =>
  withTcp(4, async (s, [a, b, c, pusher]) => {
    const ra = raw(a.callRaw('BLMOVE', 'k1', 'k2', 'LEFT', 'RIGHT', '0'));
    const rb = raw(b.callRaw('BRPOPLPUSH', 'k2', 'k3', '0'));
    const rc = raw(c.callRaw('BLPOP', 'k3', '0'));
    await blockedCount(s, 3);
    await pusher.call('RPUSH', 'k1', 'v');
    assert.equal(await ra, '$1\r\nv\r\n');
    assert.equal(await rb, '$1\r\nv\r\n');
    assert.equal(await rc, '*2\r\n$2\r\nk3\r\n$1\r\nv\r\n');
    for (const k of ['k1', 'k2', 'k3']) assert.equal(await pusher.call('EXISTS', k), 0);
  }));

test('a BLMOVE onto its own key rotates and serves the next waiter', () =>
  withTcp(3, async (s, [a, b, pusher]) => {
    const ra = raw(a.callRaw('BLMOVE', 'k', 'k', 'LEFT', 'RIGHT', '0'));
    const rb = raw(b.callRaw('BLPOP', 'k', '0'));
    await blockedCount(s, 2);
    await pusher.call('RPUSH', 'k', 'v');
    assert.equal(await ra, '$1\r\nv\r\n');
    assert.equal(await rb, '*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
  }));

test('pushes inside MULTI wake waiters only after EXEC', () =>
  withTcp(2, async (s, [a, b]) => {
    const r = raw(a.callRaw('BLPOP', 'k', '0'));
    await blockedCount(s, 1);
    await b.call('MULTI');
    await b.call('RPUSH', 'k', 'x');
    assert.ok(await pending(r));
    await b.call('RPUSH', 'k', 'y');
    await b.call('LPOP', 'k');
    assert.deepEqual(await b.call('EXEC'), [1, 2, 'x']);
    assert.equal(await r, '*2\r\n$1\r\nk\r\n$1\r\ny\r\n');
  }));

test('a blocking command inside EXEC does not block', () =>
  withTcp(1, async (s, [a]) => {
    await a.call('MULTI');
    await a.call('BLPOP', 'k', '0');
    await a.call('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
    assert.equal(await raw(a.callRaw('EXEC')), '*2\r\n*-1\r\n$-1\r\n');
    assert.equal(blockedClientCount(s.server), 0);
  }));

test('a client that disconnects while blocked leaves no trace', () =>
  withTcp(2, async (s, [a, b]) => {
    void a.callRaw('BLPOP', 'k', '10').catch(() => undefined);
    await blockedCount(s, 1);
    a.close();
    for (let i = 0; i < 100 && blockedClientCount(s.server) !== 0; i++) await sleep(5);
    assert.equal(blockedClientCount(s.server), 0);
    assert.equal(blockingKeyCount(s.server), 0);
    assert.equal(clientsInTimeoutTable(s.server), 0);
    await b.call('RPUSH', 'k', 'kept');
    assert.deepEqual(await b.call('LRANGE', 'k', '0', '-1'), ['kept']);
  }));

test('commands pipelined after a blocking command wait for it', () =>
  withTcp(2, async (s, [a, b]) => {
    a.write(Buffer.concat([encodeCommand(['BLPOP', 'k', '0']), encodeCommand(['RPUSH', 'k', 'mine']), encodeCommand(['PING'])]));
    await blockedCount(s, 1);
    await b.call('RPUSH', 'k', 'first');
    assert.equal((await a.readNext()).raw.toString('latin1'), '*2\r\n$1\r\nk\r\n$5\r\nfirst\r\n');
    assert.equal((await a.readNext()).raw.toString('latin1'), ':1\r\n');
    assert.equal((await a.readNext()).raw.toString('latin1'), '+PONG\r\n');
    assert.deepEqual(await b.call('LRANGE', 'k', '0', '-1'), ['mine']);
  }));

test('a client blocked on several keys is served once', () =>
  withTcp(3, async (s, [a, b, pusher]) => {
    const ra = raw(a.callRaw('BLPOP', 'x', 'y', 'x', '0'));
    const rb = raw(b.callRaw('BLPOP', 'y', '0'));
    await blockedCount(s, 2);
    assert.equal(blockingKeyCount(s.server), 2);
    await pusher.call('RPUSH', 'x', '1');
    assert.equal(await ra, '*2\r\n$1\r\nx\r\n$1\r\n1\r\n');
    await pusher.call('RPUSH', 'y', '2');
    assert.equal(await rb, '*2\r\n$1\r\ny\r\n$1\r\n2\r\n');
  }));

test('a key that becomes another type keeps list waiters blocked; BLMOVE to a non-list gets WRONGTYPE', () =>
  withTcp(3, async (s, [a, b, pusher]) => {
    const ra = raw(a.callRaw('BLPOP', 'k', '0'));
    await pusher.call('SET', 'dst', 'str');
    const rb = raw(b.callRaw('BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0'));
    await blockedCount(s, 2);
    await pusher.call('SET', 'k', 'string');
    assert.ok(await pending(ra));
    await pusher.call('DEL', 'k');
    await pusher.call('LPUSH', 'k', 'v');
    assert.equal(await ra, '*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
    await pusher.call('RPUSH', 'src', 'e');
    assert.equal(await rb, '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    assert.deepEqual(await pusher.call('LRANGE', 'src', '0', '-1'), ['e']);
  }));

test('a list created by RENAME serves waiters', () =>
  withTcp(2, async (s, [a, b]) => {
    const r = raw(a.callRaw('BRPOP', 'dst', '0'));
    await blockedCount(s, 1);
    await b.call('RPUSH', 'tmp', 'a', 'b');
    await b.call('RENAME', 'tmp', 'dst');
    assert.equal(await r, '*2\r\n$3\r\ndst\r\n$1\r\nb\r\n');
  }));

test('CLIENT UNBLOCK answers with the timeout reply or an UNBLOCKED error', () =>
  withTcp(2, async (s, [a, b]) => {
    const id = await a.call('CLIENT', 'ID');
    const r1 = raw(a.callRaw('BLPOP', 'k', '0'));
    await blockedCount(s, 1);
    assert.equal(await b.call('CLIENT', 'UNBLOCK', String(id)), 1);
    assert.equal(await r1, '*-1\r\n');
    const r2 = raw(a.callRaw('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'));
    await blockedCount(s, 1);
    assert.equal(await b.call('CLIENT', 'UNBLOCK', String(id), 'ERROR'), 1);
    assert.equal(await r2, '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    assert.equal(await b.call('CLIENT', 'UNBLOCK', String(id)), 0);
    assert.equal(blockedClientCount(s.server), 0);
  }));

test('embedded connections block and are served too', async () => {
  const s = await startServer({ port: null });
  try {
    const a = s.connect();
    const r = a.call(['BLPOP', 'k', '0']);
    assert.ok(await pending(r));
    await s.call('RPUSH', 'k', 'v');
    assert.deepEqual(await r, ['k', 'v']);
  } finally {
    await s.close();
  }
});

test('commands sent on a blocked embedded connection wait their turn', async () => {
  const s = await startServer({ port: null });
  try {
    const a = s.connect();
    const r1 = a.call(['BLPOP', 'k', '0']);
    const r2 = a.call(['LLEN', 'k']);
    assert.ok(await pending(r2));
    await s.call('RPUSH', 'k', 'v1', 'v2');
    assert.deepEqual(await r1, ['k', 'v1']);
    assert.equal(await r2, 1);
  } finally {
    await s.close();
  }
});

test('serving a BLPOP adds nothing to the dirty counter (Redis 7.0)', () =>
  withTcp(2, async (s, [a, b]) => {
    const r = a.callRaw('BLPOP', 'k', '0');
    await blockedCount(s, 1);
    const before = s.server.keyspace.dirty;
    await b.call('RPUSH', 'k', 'v');
    await r;
    assert.equal(s.server.keyspace.dirty - before, 1);
  }));
