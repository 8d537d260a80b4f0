// The cron on demand: with the clock frozen and the timer-driven cron idle, a test steps the
// server's background work (Server.runCron) instead of waiting for it in real time.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { startServer } from '../../src/index';

test('idle clients are closed by a stepped cron once the frozen clock passes the timeout', async () => {
  const s = await startServer({ port: 0, timeout: 10 });
  s.server.stopCron();
  s.clock.freeze();
  const sock = net.createConnection({ port: s.port, host: '127.0.0.1' });
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  try {
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('PING\r\n');
    await new Promise<void>((r) => sock.once('data', () => r()));
    const hz = Number(((await s.call('CONFIG', 'GET', 'hz')) as string[])[1]);
    s.clock.advance(9_000);
    s.server.runCron(hz); // one idle check: not idle long enough yet
    assert.equal(await s.call('CLIENT', 'LIST', 'TYPE', 'normal').then((l) => String(l).split('\n').filter(Boolean).length), 2);
    s.clock.advance(2_000);
    s.server.runCron(hz);
    await closed;
    assert.equal(sock.destroyed, true);
  } finally {
    sock.destroy();
    await s.close();
  }
});

test('active expiry runs on a stepped cron, and not while the cron is stopped', async () => {
  const s = await startServer({ port: null, notifyKeyspaceEvents: 'Ex' } as never);
  s.server.stopCron();
  try {
    const sub = s.connect();
    await sub.send(['SUBSCRIBE', '__keyevent@0__:expired']);
    sub.pushes.splice(0);
    // Keys whose time has passed, never touched: only the cron finds them. (Their TTL is put in
    // the past directly: moving the clock would expire them at once, without the cron.)
    for (let i = 0; i < 20; i++) await s.call('SET', `k${i}`, 'v', 'PX', '100000');
    for (let i = 0; i < 20; i++) s.server.keyspace.dbs[0].setExpire(`k${i}`, s.clock.now() - 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(sub.pushes.length, 0);
    s.server.runCron(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(sub.pushes.length, 20);
  } finally {
    await s.close();
  }
});

test('a clock jump expires due keys only while active expiry is on (DEBUG SET-ACTIVE-EXPIRE)', async () => {
  const s = await startServer({ port: null, enableDebugCommand: 'yes' });
  s.server.stopCron();
  s.clock.freeze();
  try {
    await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await s.call('SET', 'k', 'v', 'PX', '1000');
    s.clock.advance(2_000);
    // Off: the key stays in the keyspace until something reads it (lazy expiry).
    assert.equal(await s.call('DBSIZE'), 1);
    assert.equal(await s.call('GET', 'k'), null);
    assert.equal(await s.call('DBSIZE'), 0);
    await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await s.call('SET', 'k2', 'v', 'PX', '1000');
    s.clock.advance(2_000);
    assert.equal(await s.call('DBSIZE'), 0);
  } finally {
    await s.close();
  }
});
