// MIGRATE between two respite servers: moved, copied and replaced keys, TTLs kept, NOKEY, the
// target's errors and connection failures as Redis words them. MIGRATE waits for the target
// synchronously (as redis-server does), so the target runs in its own process.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { spawn, ChildProcess } from 'child_process';
import { startServer, RespiteServer } from '../../src/index';
import { freePort } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';

/** A respite-server process on a free port, and a client connected to it. */
async function startTarget(): Promise<{ proc: ChildProcess; port: number; client: RespClient }> {
  const port = await freePort();
  const cli = path.join(__dirname, '..', '..', 'src', 'cli.js');
  const proc = spawn(process.execPath, [cli, '--port', String(port), '--save', ''], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const client = await RespClient.connect(port);
      await client.call('PING');
      return { proc, port, client };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill();
  throw new Error('target did not start');
}

describe('MIGRATE (embedded source, TCP target)', () => {
  let src: RespiteServer;
  let target: { proc: ChildProcess; port: number; client: RespClient };
  let dst: { port: number; call: (...a: (string | number)[]) => Promise<unknown> };
  before(async () => {
    src = await startServer({ port: null });
    target = await startTarget();
    dst = { port: target.port, call: (...a) => target.client.call(...a) };
  });
  after(async () => {
    await src.close();
    target.client.close();
    target.proc.kill();
  });
  beforeEach(async () => {
    await src.call('FLUSHALL');
    await dst.call('FLUSHALL');
  });

  test('moves a key with its TTL, and copies with COPY', async () => {
    await src.call('RPUSH', 'l', 'a', 'b');
    await src.call('PEXPIRE', 'l', 100000);
    await src.call('SET', 's', 'v');
    assert.equal(await src.call('MIGRATE', '127.0.0.1', dst.port, 'l', 2, 1000), 'OK');
    assert.equal(await src.call('EXISTS', 'l'), 0);
    await dst.call('SELECT', 2);
    assert.deepEqual(await dst.call('LRANGE', 'l', 0, -1), ['a', 'b']);
    assert.ok(((await dst.call('PTTL', 'l')) as number) > 90000);
    await dst.call('SELECT', 0);
    assert.equal(await src.call('MIGRATE', '127.0.0.1', dst.port, '', 2, 1000, 'COPY', 'KEYS', 's', 'missing'), 'OK');
    assert.equal(await src.call('EXISTS', 's'), 1);
    await dst.call('SELECT', 2);
    assert.equal(await dst.call('GET', 's'), 'v');
    await dst.call('SELECT', 0);
  });

  test('BUSYKEY from the target, REPLACE, NOKEY, option errors', async () => {
    await src.call('SET', 'k', 'new');
    await dst.call('SET', 'k', 'old');
    await assert.rejects(src.call('MIGRATE', '127.0.0.1', dst.port, 'k', 0, 1000), /ERR Target instance replied with error: BUSYKEY Target key name already exists\./);
    assert.equal(await src.call('EXISTS', 'k'), 1);
    assert.equal(await src.call('MIGRATE', '127.0.0.1', dst.port, 'k', 0, 1000, 'REPLACE'), 'OK');
    assert.equal(await dst.call('GET', 'k'), 'new');
    assert.equal(await src.call('MIGRATE', '127.0.0.1', dst.port, 'nothing', 0, 1000), 'NOKEY');
    await assert.rejects(src.call('MIGRATE', '127.0.0.1', dst.port, 'k', 0, 1000, 'KEYS', 'a'), /When using MIGRATE KEYS option, the key argument must be set to the empty string/);
    await assert.rejects(src.call('MIGRATE', '127.0.0.1', dst.port, 'k', 0, 1000, 'BOGUS'), /syntax error/);
  });

  test('MIGRATE caches its connection (migrate_cached_sockets), reconnects when the target closed it, drops it after 10 s', async () => {
    const cached = async () => Number(/migrate_cached_sockets:(\d+)/.exec(String(await src.call('INFO', 'stats')))![1]);
    // Earlier tests of this suite may have left the socket cached already.
    await src.call('SET', 'c1', 'v');
    assert.equal(await src.call('MIGRATE', '127.0.0.1', dst.port, 'c1', 0, 1000, 'REPLACE'), 'OK');
    assert.equal(await cached(), 1);
    const clients = () => dst.call('CLIENT', 'LIST').then((l) => String(l).trim().split('\n').length);
    const before = await clients();
    await src.call('SET', 'c2', 'v');
    assert.equal(await src.call('MIGRATE', '127.0.0.1', dst.port, 'c2', 0, 1000, 'REPLACE'), 'OK');
    assert.equal(await clients(), before, 'the second MIGRATE reuses the connection');
    // The target drops every other connection: the next MIGRATE retries on a new one.
    await dst.call('CLIENT', 'KILL', 'SKIPME', 'yes');
    await src.call('SET', 'c3', 'v');
    assert.equal(await src.call('MIGRATE', '127.0.0.1', dst.port, 'c3', 0, 1000, 'REPLACE'), 'OK');
    assert.equal(await dst.call('GET', 'c3'), 'v');
    assert.equal(await cached(), 1);
    const deadline = Date.now() + 15_000;
    while ((await cached()) !== 0) {
      assert.ok(Date.now() < deadline, 'the cached socket is closed after 10 s unused');
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  test('an unreachable target is an IOERR', async () => {
    await src.call('SET', 'k', 'v');
    const closed = await startServer({ port: 0 });
    const port = closed.port;
    await closed.close();
    await assert.rejects(src.call('MIGRATE', '127.0.0.1', port, 'k', 0, 200), /IOERR error or timeout connecting to the client/);
    assert.equal(await src.call('GET', 'k'), 'v');
  });

  test('SORT BY and GET patterns need read access to every key', async () => {
    await src.call('RPUSH', 'mylist', '1');
    await src.call('ACL', 'SETUSER', 'sorter', 'on', 'nopass', '+sort', '~mylist', '~v*');
    const c = src.connect();
    await c.call(['AUTH', 'sorter', 'x']);
    await assert.rejects(c.call(['SORT', 'mylist', 'BY', 'v*']), /ERR BY option of SORT denied due to insufficient ACL permissions\./);
    await assert.rejects(c.call(['SORT', 'mylist', 'GET', 'v*']), /ERR GET option of SORT denied due to insufficient ACL permissions\./);
    assert.deepEqual(await c.call(['SORT', 'mylist', 'BY', 'nosort']), ['1']);
    await src.call('ACL', 'SETUSER', 'sorter', '%R~*');
    assert.deepEqual(await c.call(['SORT', 'mylist', 'BY', 'v*']), ['1']);
    c.close();
    await src.call('ACL', 'DELUSER', 'sorter');
  });
});
