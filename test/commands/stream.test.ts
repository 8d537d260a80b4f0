// Stream commands through the embedded API with a frozen clock: generated IDs, idle times,
// claiming by idle time, blocking timeouts and wake-ups, MULTI, keyspace-independent details.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { StreamValue } from '../../src/datatypes/stream';
import { unblockClient } from '../../src/engine/blocking';
import { NULL_ARRAY, OK } from '../../src/resp/reply';
import { ReplyError } from '../../src/errors';

const T0 = 1_700_000_000_000;

/** A RESP2 map reply (flat array) as an object. */
function obj(v: unknown): Record<string, unknown> {
  const flat = v as unknown[];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return o;
}

describe('stream commands (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
    s.clock.freeze(T0);
  });

  test('XADD * uses the server clock and stays monotonic when it goes back', async () => {
    assert.equal(await s.call('XADD', 's', '*', 'f', 'v'), `${T0}-0`);
    assert.equal(await s.call('XADD', 's', '*', 'f', 'v'), `${T0}-1`);
    s.clock.advance(5);
    assert.equal(await s.call('XADD', 's', '*', 'f', 'v'), `${T0 + 5}-0`);
    s.clock.advance(-1000);
    assert.equal(await s.call('XADD', 's', '*', 'f', 'v'), `${T0 + 5}-1`);
    assert.equal(await s.call('XADD', 's', `${T0 + 5}-*`, 'f', 'v'), `${T0 + 5}-2`);
    assert.equal(await s.call('XLEN', 's'), 5);
    assert.equal(await s.call('TYPE', 's'), 'stream');
    assert.equal(await s.call('OBJECT', 'ENCODING', 's'), 'stream');
  });

  test('IDs use the full unsigned 64-bit range', async () => {
    const max = '18446744073709551615';
    assert.equal(await s.call('XADD', 's', `9007199254740993-${max}`, 'f', 'v'), `9007199254740993-${max}`);
    assert.equal(await s.call('XADD', 's', '9007199254740993-*', 'f', 'v').catch((e) => e.message), 'ERR The ID specified in XADD is equal or smaller than the target stream top item');
    assert.equal(await s.call('XADD', 's', '*', 'f', 'v'), '9007199254740994-0');
    assert.equal(await s.call('XADD', 's', `${max}-${max}`, 'f', 'v'), `${max}-${max}`);
    await assert.rejects(s.call('XADD', 's', '*', 'f', 'v'), /exhausted the last possible ID/);
    assert.deepEqual(
      ((await s.call('XRANGE', 's', `(9007199254740993-${max}`, '+')) as [string, string[]][]).map((e) => e[0]),
      ['9007199254740994-0', `${max}-${max}`],
    );
    assert.deepEqual(((await s.call('XREVRANGE', 's', '+', '-', 'COUNT', '1')) as [string][]).map((e) => e[0]), [`${max}-${max}`]);
  });

  test('binary fields and values round-trip', async () => {
    const f = Buffer.from([0, 1, 255, 13, 10]);
    const v = Buffer.from([200, 0, 7]);
    await s.call('XADD', 's', '1-1', f, v);
    const got = (await s.callBuffer('XRANGE', 's', '-', '+')) as [Buffer, Buffer[]][];
    assert.deepEqual(got[0][1], [f, v]);
  });

  test('XPENDING idle times, IDLE filter, XCLAIM IDLE/TIME and XAUTOCLAIM by idle time', async () => {
    for (let i = 1; i <= 4; i++) await s.call('XADD', 's', `${i}-0`, 'f', String(i));
    await s.call('XGROUP', 'CREATE', 's', 'g', '0');
    await s.call('XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '2', 'STREAMS', 's', '>');
    s.clock.advance(1000);
    await s.call('XREADGROUP', 'GROUP', 'g', 'b', 'STREAMS', 's', '>');
    s.clock.advance(500);
    assert.deepEqual(await s.call('XPENDING', 's', 'g', '-', '+', '10'), [
      ['1-0', 'a', 1500, 1],
      ['2-0', 'a', 1500, 1],
      ['3-0', 'b', 500, 1],
      ['4-0', 'b', 500, 1],
    ]);
    assert.deepEqual(await s.call('XPENDING', 's', 'g', 'IDLE', '1000', '-', '+', '10'), [
      ['1-0', 'a', 1500, 1],
      ['2-0', 'a', 1500, 1],
    ]);
    // Too recent for 1000 ms: nothing claimed; old enough: claimed, idle reset, count bumped.
    assert.deepEqual(await s.call('XCLAIM', 's', 'g', 'c', '1000', '3-0', 'JUSTID'), []);
    assert.deepEqual(await s.call('XCLAIM', 's', 'g', 'c', '1000', '1-0'), [['1-0', ['f', '1']]]);
    assert.deepEqual(await s.call('XPENDING', 's', 'g', '-', '+', '1', 'c'), [['1-0', 'c', 0, 2]]);
    await s.call('XCLAIM', 's', 'g', 'c', '0', '2-0', 'IDLE', '300', 'JUSTID');
    await s.call('XCLAIM', 's', 'g', 'c', '0', '3-0', 'TIME', String(T0 + 1500 - 42), 'RETRYCOUNT', '9', 'JUSTID');
    await s.call('XCLAIM', 's', 'g', 'c', '0', '4-0', 'TIME', String(T0 + 999999), 'JUSTID');
    assert.deepEqual(await s.call('XPENDING', 's', 'g', '-', '+', '10', 'c'), [
      ['1-0', 'c', 0, 2],
      ['2-0', 'c', 300, 1],
      ['3-0', 'c', 42, 9],
      ['4-0', 'c', 0, 1],
    ]);
    s.clock.advance(100);
    assert.deepEqual(await s.call('XAUTOCLAIM', 's', 'g', 'd', '350', '0', 'JUSTID'), ['0-0', ['2-0'], []]);
    const consumers = ((await s.call('XINFO', 'CONSUMERS', 's', 'g')) as unknown[]).map(obj);
    assert.deepEqual(
      consumers.map((c) => [c.name, c.pending, c.idle]),
      [
        ['a', 0, 1600],
        ['b', 0, 600],
        ['c', 3, 100],
        ['d', 1, 0],
      ],
    );
    const full = obj(await s.call('XINFO', 'STREAM', 's', 'FULL'));
    const group = obj((full.groups as unknown[])[0]);
    assert.deepEqual((group.pending as unknown[][])[0], ['1-0', 'c', T0 + 1500, 2]);
    assert.equal(obj((group.consumers as unknown[])[3])['seen-time'], T0 + 1600);
  });

  test('XREAD BLOCK times out on the server clock and wakes on XADD', async () => {
    const c = s.connect();
    const timedOut = c.send(['XREAD', 'BLOCK', '5000', 'STREAMS', 's', '$']);
    s.clock.advance(4999);
    let settled = false;
    void timedOut.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    s.clock.advance(1);
    assert.equal(await timedOut, NULL_ARRAY);

    const served = c.send(['XREAD', 'BLOCK', '0', 'COUNT', '5', 'STREAMS', 'a', 's', '$', '$']);
    await s.call('XADD', 's', '1-0', 'x', '1');
    assert.deepEqual(await served, [['s', [['1-0', ['x', '1']]]]]);
  });

  test('XREADGROUP BLOCK: > entries, NOACK, deleted group and CLIENT UNBLOCK', async () => {
    await s.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    const c = s.connect();
    const r1 = c.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.call('XADD', 's', '1-0', 'k', 'v');
    assert.deepEqual(await r1, [['s', [['1-0', ['k', 'v']]]]]);
    assert.deepEqual(await s.call('XPENDING', 's', 'g'), [0, null, null, null]);

    const r2 = c.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.call('XGROUP', 'DESTROY', 's', 'g');
    const err = await r2;
    assert.ok(err instanceof ReplyError);
    assert.equal(err.message, 'NOGROUP the consumer group this client was blocked on no longer exists');

    const r3 = c.send(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']);
    assert.equal(unblockClient(c.client, 'timeout'), true);
    assert.equal(await r3, NULL_ARRAY);
  });

  test('blocking reads inside MULTI answer at once', async () => {
    const c = s.connect();
    await c.send(['MULTI']);
    await c.send(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']);
    await c.send(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await c.send(['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>']);
    assert.deepEqual(await c.send(['EXEC']), [NULL_ARRAY, OK, NULL_ARRAY]);
  });

  test('approximate trimming removes whole nodes only', async () => {
    await s.call('CONFIG', 'SET', 'stream-node-max-entries', '10');
    for (let i = 1; i <= 35; i++) await s.call('XADD', 's', `${i}-0`, 'f', 'v');
    assert.equal(await s.call('XTRIM', 's', 'MAXLEN', '~', '12'), 20);
    assert.equal(await s.call('XLEN', 's'), 15);
    assert.equal(await s.call('XTRIM', 's', 'MAXLEN', '12'), 3);
    const info = obj(await s.call('XINFO', 'STREAM', 's'));
    assert.equal(info['radix-tree-keys'], 2);
    assert.equal(info['recorded-first-entry-id'], '24-0');
    await s.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
  });

  test('COPY, RENAME and WATCH see streams as values', async () => {
    await s.call('XADD', 's', '1-0', 'f', 'v');
    await s.call('XGROUP', 'CREATE', 's', 'g', '0');
    await s.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>');
    await s.call('COPY', 's', 't');
    await s.call('XACK', 's', 'g', '1-0');
    assert.deepEqual(await s.call('XPENDING', 't', 'g'), [1, '1-0', '1-0', [['c', '1']]]);
    assert.deepEqual(await s.call('XPENDING', 's', 'g'), [0, null, null, null]);
    const v = s.server.keyspace.dbs[0].peek('t');
    assert.ok(v instanceof StreamValue);
    assert.equal(v.size, 1);
    const w = s.connect();
    await w.send(['WATCH', 's']);
    await w.send(['MULTI']);
    await w.send(['XLEN', 's']);
    await s.call('XADD', 's', '2-0', 'f', 'v');
    assert.equal(await w.send(['EXEC']), NULL_ARRAY);
  });
});
