import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import type { Db } from '../../src/keyspace/db';

describe('database commands (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
    await s.call('SELECT', '0');
  });

  test('DBSIZE counts the keys of the selected database', async () => {
    assert.equal(await s.call('DBSIZE'), 0);
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '1');
    assert.equal(await s.call('DBSIZE'), 2);
    await s.call('SELECT', '3');
    assert.equal(await s.call('DBSIZE'), 0);
  });

  test('FLUSHDB empties only the selected database; FLUSHALL every one', async () => {
    await s.call('SET', 'a', '1');
    await s.call('SELECT', '1');
    await s.call('SET', 'b', '1');
    await s.call('PEXPIRE', 'b', '100000');
    assert.equal(await s.call('FLUSHDB'), 'OK');
    assert.equal(await s.call('DBSIZE'), 0);
    assert.equal(s.server.keyspace.dbs[1].expires.size, 0);
    await s.call('SELECT', '0');
    assert.equal(await s.call('DBSIZE'), 1);
    await s.call('SELECT', '5');
    await s.call('SET', 'c', '1');
    assert.equal(await s.call('FLUSHALL', 'ASYNC'), 'OK');
    for (const db of s.server.keyspace.dbs) assert.equal(db.size, 0);
    assert.equal(await s.call('FLUSHDB', 'sync'), 'OK');
    assert.equal(await s.call('FLUSHALL', 'SYNC'), 'OK');
    assert.equal(await s.call('FLUSHDB', 'async'), 'OK');
  });

  test('FLUSH argument errors', async () => {
    await assert.rejects(s.call('FLUSHDB', 'now'), /^RespiteError: ERR syntax error$/);
    await assert.rejects(s.call('FLUSHALL', 'ASYNC', 'SYNC'), /^RespiteError: ERR syntax error$/);
  });

  test('FLUSHDB counts removed keys as changes and fails WATCHers of existing keys', async () => {
    await s.call('SET', 'w', '1');
    const dirty0 = s.server.keyspace.dirty;
    await s.call('FLUSHDB');
    assert.equal(s.server.keyspace.dirty - dirty0, 1);
    await s.call('SET', 'w', '1');
    const c = s.connect();
    await c.send(['WATCH', 'w']);
    await c.send(['MULTI']);
    await c.send(['PING']);
    await s.call('FLUSHALL');
    assert.equal(await c.call(['EXEC']), null);
    // Flushing when the watched key does not exist leaves the transaction alone.
    await c.send(['WATCH', 'w']);
    await c.send(['MULTI']);
    await c.send(['PING']);
    await s.call('FLUSHALL');
    assert.deepEqual(await c.call(['EXEC']), ['PONG']);
    c.close();
  });

  test('SWAPDB exchanges contents; clients stay on their index', async () => {
    const other = s.connect();
    await other.send(['SELECT', '1']);
    await s.call('SET', 'in0', 'zero');
    await s.call('PEXPIRE', 'in0', '100000');
    await other.send(['SET', 'in1', 'one']);
    assert.equal(await s.call('SWAPDB', '0', '1'), 'OK');
    assert.equal(await s.call('GET', 'in1'), 'one');
    assert.equal(await s.call('EXISTS', 'in0'), 0);
    assert.equal(await other.call(['GET', 'in0']), 'zero');
    assert.ok(((await other.call(['PTTL', 'in0'])) as number) > 0);
    assert.equal(s.server.keyspace.dbs[0].id, 0);
    assert.equal(other.client.db.id, 1);
    assert.equal(await s.call('SWAPDB', '1', '1'), 'OK');
    assert.equal(await other.call(['GET', 'in0']), 'zero');
    other.close();
  });

  test('SWAPDB fails WATCHers of keys existing on either side', async () => {
    await s.call('SELECT', '2');
    await s.call('SET', 'k', 'v');
    await s.call('SELECT', '0');
    const c = s.connect();
    await c.send(['WATCH', 'k']); // absent in db 0, present in db 2
    await c.send(['MULTI']);
    await c.send(['PING']);
    await s.call('SWAPDB', '0', '2');
    assert.equal(await c.call(['EXEC']), null);
    c.close();
  });

  test('SWAPDB errors', async () => {
    await assert.rejects(s.call('SWAPDB', 'x', '1'), /^RespiteError: ERR invalid first DB index$/);
    await assert.rejects(s.call('SWAPDB', '0', 'y'), /^RespiteError: ERR invalid second DB index$/);
    await assert.rejects(s.call('SWAPDB', '0', '99999999999'), /^RespiteError: ERR invalid second DB index$/);
    await assert.rejects(s.call('SWAPDB', '0', '16'), /^RespiteError: ERR DB index is out of range$/);
    await assert.rejects(s.call('SWAPDB', '-1', '0'), /^RespiteError: ERR DB index is out of range$/);
    await assert.rejects(s.call('SWAPDB', '0'), /ERR wrong number of arguments for 'swapdb' command/);
  });

  test('flush and swap events fire once per command, on their own server only', async () => {
    const flushed: number[][] = [];
    const swapped: number[][] = [];
    const other = await startServer({ port: null });
    try {
      s.server.events.on('dbFlushed', (dbs) => void flushed.push(dbs.map((d) => d.id)));
      s.server.events.on('dbSwapped', (a: Db, b: Db) => void swapped.push([a.id, b.id]));
      await s.call('SELECT', '2');
      await s.call('FLUSHDB');
      await s.call('FLUSHALL');
      await s.call('SWAPDB', '3', '1');
      await s.call('SWAPDB', '1', '1'); // a no-op swap
      await other.call('FLUSHALL');
      await other.call('SWAPDB', '0', '1');
      assert.deepEqual(flushed, [[2], Array.from({ length: 16 }, (_, i) => i)]);
      assert.deepEqual(swapped, [[3, 1]]);
    } finally {
      await other.close();
    }
  });
});
