// Hash commands through the embedded API: behaviour Redis leaves random (HRANDFIELD) checked by
// its properties, HSCAN's guarantee under concurrent changes, encodings, WATCH invalidation.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { Hash } from '../../src/datatypes/hash';

describe('hash commands (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
    await s.call('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
    await s.call('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  });

  async function fill(key: string, n: number): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    const args: string[] = [];
    for (let i = 0; i < n; i++) {
      m.set(`f${i}`, `v${i}`);
      args.push(`f${i}`, `v${i}`);
    }
    await s.call('HSET', key, ...args);
    return m;
  }

  test('writes, reads and field order of a small hash', async () => {
    assert.equal(await s.call('HSET', 'h', 'b', '1', 'a', '2', 'b', '3'), 2);
    assert.deepEqual(await s.call('HKEYS', 'h'), ['b', 'a']);
    assert.deepEqual(await s.call('HMGET', 'h', 'a', 'zz'), ['2', null]);
    assert.equal(await s.call('HMSET', 'h', 'c', '4'), 'OK');
    assert.equal(await s.call('HSETNX', 'h', 'c', 'x'), 0);
    assert.equal(await s.call('HSTRLEN', 'h', 'c'), 1);
    assert.equal(await s.call('HINCRBY', 'h', 'c', '-10'), -6);
    assert.equal(await s.call('HINCRBYFLOAT', 'h', 'c', '0.1'), '-5.9');
    assert.equal(await s.call('HDEL', 'h', 'a', 'b', 'c'), 3);
    assert.equal(await s.call('EXISTS', 'h'), 0);
    await assert.rejects(s.call('HSET', 'h', 'a'), /ERR wrong number of arguments for 'hset' command/);
  });

  test('HINCRBY keeps 64-bit precision beyond 2^53', async () => {
    await s.call('HSET', 'h', 'n', '9007199254740993');
    assert.equal(await s.call('HINCRBY', 'h', 'n', '2'), 9007199254740995n);
    assert.equal(await s.call('HGET', 'h', 'n'), '9007199254740995');
    await s.call('HSET', 'h', 'max', '9223372036854775807');
    await assert.rejects(s.call('HINCRBY', 'h', 'max', '1'), /ERR increment or decrement would overflow/);
    assert.equal(await s.call('HINCRBY', 'h', 'max', '-9223372036854775807'), 0);
  });

  test('encoding converts past the limits and never back', async () => {
    await s.call('CONFIG', 'SET', 'hash-max-listpack-entries', '3');
    await fill('h', 3);
    assert.equal(await s.call('OBJECT', 'ENCODING', 'h'), 'listpack');
    await s.call('HSET', 'h', 'x', '1');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'h'), 'hashtable');
    await s.call('HDEL', 'h', 'x', 'f0', 'f1');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'h'), 'hashtable');
    await s.call('HSET', 'v', 'f', 'x'.repeat(65));
    assert.equal(await s.call('OBJECT', 'ENCODING', 'v'), 'hashtable');
    const copy = (s.server.keyspace.dbs[0].peek('h') as Hash).clone();
    assert.equal(copy.encoding, 'hashtable');
    assert.equal(copy.get('f2'), 'v2');
  });

  test('HRANDFIELD with a positive count: distinct fields of the hash, at most its size', async () => {
    const m = await fill('h', 40);
    for (const count of [1, 5, 13, 20, 39, 40, 100]) {
      const got = (await s.call('HRANDFIELD', 'h', String(count))) as string[];
      assert.equal(got.length, Math.min(count, 40));
      assert.equal(new Set(got).size, got.length, `distinct for count ${count}`);
      for (const f of got) assert.ok(m.has(f));
    }
    const pairs = (await s.call('HRANDFIELD', 'h', '7', 'WITHVALUES')) as string[];
    assert.equal(pairs.length, 14);
    for (let i = 0; i < pairs.length; i += 2) assert.equal(pairs[i + 1], m.get(pairs[i]));
  });

  test('HRANDFIELD with a negative count: exactly |count| picks, repeats allowed, all fields reachable', async () => {
    const m = await fill('h', 5);
    const got = (await s.call('HRANDFIELD', 'h', '-500')) as string[];
    assert.equal(got.length, 500);
    for (const f of got) assert.ok(m.has(f));
    assert.equal(new Set(got).size, 5, 'every field shows up in 500 picks');
    const pairs = (await s.call('HRANDFIELD', 'h', '-3', 'WITHVALUES')) as string[];
    assert.equal(pairs.length, 6);
    for (let i = 0; i < pairs.length; i += 2) assert.equal(pairs[i + 1], m.get(pairs[i]));
    assert.ok(m.has((await s.call('HRANDFIELD', 'h')) as string));
  });

  test('HRANDFIELD WITHVALUES in RESP3 nests pairs', async () => {
    await fill('h', 4);
    const conn = s.connect();
    await conn.send(['HELLO', '3']);
    const reply = (await conn.call(['HRANDFIELD', 'h', '2', 'WITHVALUES'])) as string[][];
    assert.equal(reply.length, 2);
    for (const [f, v] of reply) assert.equal(v, f.replace('f', 'v'));
    conn.close();
  });

  test('HSCAN returns every field present for the whole scan, despite concurrent changes', async () => {
    const m = await fill('h', 1000);
    assert.equal(await s.call('OBJECT', 'ENCODING', 'h'), 'hashtable');
    const seen = new Set<string>();
    const everExisted = new Set(m.keys());
    const deleted = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, batch] = (await s.call('HSCAN', 'h', cursor, 'COUNT', '37')) as [string, string[]];
      for (let i = 0; i < batch.length; i += 2) {
        assert.ok(everExisted.has(batch[i]), `${batch[i]} never existed`);
        seen.add(batch[i]);
      }
      cursor = next;
      // Between calls: add new fields, delete some old ones, overwrite others.
      const added = `new${round}`;
      everExisted.add(added);
      await s.call('HSET', 'h', added, 'x', `f${(round * 7) % 1000}`, 'changed');
      const victim = `f${(round * 13 + 5) % 1000}`;
      if ((await s.call('HDEL', 'h', victim)) === 1) deleted.add(victim);
      round++;
    } while (cursor !== '0');
    for (const f of m.keys()) if (!deleted.has(f)) assert.ok(seen.has(f), `${f} missed`);
  });

  test('HSCAN of a listpack hash: everything at once, cursor 0, MATCH filters fields', async () => {
    await s.call('HSET', 'h', 'ab', '1', 'b', '2', 'ac', '3');
    assert.deepEqual(await s.call('HSCAN', 'h', '0', 'COUNT', '1'), ['0', ['ab', '1', 'b', '2', 'ac', '3']]);
    assert.deepEqual(await s.call('HSCAN', 'h', '0', 'MATCH', 'a*'), ['0', ['ab', '1', 'ac', '3']]);
    await assert.rejects(s.call('HSCAN', 'h', 'x'), /ERR invalid cursor/);
  });

  test('writes invalidate WATCH; a no-op HDEL or HSETNX does not', async () => {
    await s.call('HSET', 'h', 'a', '1');
    const run = async (write: string[], aborted: boolean) => {
      const w = s.connect();
      await w.call(['WATCH', 'h']);
      await s.call(...write);
      await w.call(['MULTI']);
      await w.call(['HGET', 'h', 'a']);
      const res = await w.call(['EXEC']);
      assert.equal(res === null, aborted, write.join(' '));
      w.close();
    };
    await run(['HDEL', 'h', 'nope'], false);
    await run(['HSETNX', 'h', 'a', '2'], false);
    await run(['HSET', 'h', 'a', '1'], true);
    await run(['HINCRBY', 'h', 'n', '1'], true);
    await run(['HDEL', 'h', 'n'], true);
  });
});
