import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { NULL_ARRAY, Reply } from '../../src/resp/reply';
import { MutableString } from '../../src/datatypes/mutable-string';
import { withServer, raw, errorOf } from '../helpers/embedded';

const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPT = 'INVALIDOBJ Corrupted HLL object detected';

async function addMany(s: RespiteServer, key: string, n: number, prefix = 'e'): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const batch: string[] = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) batch.push(`${prefix}${j}`);
    await s.call('PFADD', key, ...batch);
  }
}

test('PFADD answers 1 only when a register changes; PFCOUNT estimates', () =>
  withServer(async (s) => {
    assert.equal(await s.call('PFADD', 'h'), 1, 'creating the key counts as a change');
    assert.equal(await s.call('PFADD', 'h'), 0);
    assert.equal(await s.call('PFADD', 'h', 'a', 'b', 'c'), 1);
    assert.equal(await s.call('PFADD', 'h', 'a', 'b'), 0);
    assert.equal(await s.call('PFCOUNT', 'h'), 3);
    assert.equal(await s.call('PFCOUNT', 'missing'), 0);
    await addMany(s, 'big', 50000);
    const n = (await s.call('PFCOUNT', 'big')) as number;
    assert.ok(Math.abs(n - 50000) < 50000 * 0.03, `estimate ${n}`);
    assert.equal(await s.call('PFDEBUG', 'ENCODING', 'big'), 'dense');
    assert.equal(await s.call('STRLEN', 'big'), 12304);
    assert.equal(await s.call('PFDEBUG', 'ENCODING', 'h'), 'sparse');
  }));

test('the cached cardinality is written back by PFCOUNT and invalidated by PFADD', () =>
  withServer(async (s) => {
    await s.call('PFADD', 'h', 'x', 'y');
    const header = async () => ((await s.callBuffer('GETRANGE', 'h', 8, 15)) as Buffer);
    assert.equal((await header())[7] & 0x80, 0x80, 'stale after PFADD');
    const dirty = s.server.keyspace.dirty;
    assert.equal(await s.call('PFCOUNT', 'h'), 2);
    assert.deepEqual(await header(), Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]));
    assert.equal(s.server.keyspace.dirty, dirty + 1, 'the write-back is a change');
    assert.equal(await s.call('PFCOUNT', 'h'), 2);
    assert.equal(s.server.keyspace.dirty, dirty + 1, 'a cached answer is not');
    // A value copied with GET/SET keeps its cache and counts the same.
    await s.call('SET', 'copy', (await s.callBuffer('GET', 'h')) as Buffer);
    assert.equal(typeof s.server.keyspace.dbs[0].dict.get('copy'), 'string');
    assert.equal(await s.call('PFCOUNT', 'copy'), 2);
    assert.equal(await s.call('PFADD', 'copy', 'z'), 1);
    assert.ok(s.server.keyspace.dbs[0].dict.get('copy') instanceof MutableString, 'PFADD edits in place');
    assert.equal(await s.call('PFCOUNT', 'copy'), 3);
  }));

test('PFMERGE and multi-key PFCOUNT count the union', () =>
  withServer(async (s) => {
    await addMany(s, 'a', 3000, 'x');
    await addMany(s, 'b', 3000, 'y');
    await s.call('PFADD', 'small', 'x1', 'y1', 'z1');
    const union = (await s.call('PFCOUNT', 'a', 'b', 'small', 'missing')) as number;
    assert.ok(Math.abs(union - 6001) < 6001 * 0.03, `union ${union}`);
    assert.equal(await s.call('PFMERGE', 'dest', 'a', 'b', 'small'), 'OK');
    assert.equal(await s.call('PFCOUNT', 'dest'), union);
    assert.equal(await s.call('PFDEBUG', 'ENCODING', 'dest'), 'dense');
    assert.equal(await s.call('PFMERGE', 'sm', 'small', 'missing'), 'OK');
    assert.equal(await s.call('PFDEBUG', 'ENCODING', 'sm'), 'sparse');
    assert.equal(await s.call('PFCOUNT', 'sm'), 3);
  }));

test('hll-sparse-max-bytes decides when a sparse HLL turns dense', () =>
  withServer(async (s) => {
    await s.call('CONFIG', 'SET', 'hll-sparse-max-bytes', '100');
    let i = 0;
    await s.call('PFADD', 'h');
    while ((await s.call('PFDEBUG', 'ENCODING', 'h')) === 'sparse') {
      await s.call('PFADD', 'h', `el${i++}`);
      assert.ok((await s.call('STRLEN', 'h')) as number <= 100 || (await s.call('PFDEBUG', 'ENCODING', 'h')) === 'dense');
    }
    assert.ok(i > 5 && i < 100, `dense after ${i} elements`);
  }));

test('PFDEBUG GETREG, DECODE and TODENSE', () =>
  withServer(async (s) => {
    await s.call('PFADD', 'h', 'a');
    const decoded = (await s.call('PFDEBUG', 'DECODE', 'h')) as string;
    assert.match(decoded, /^Z:\d+ v:\d+,1 Z:\d+$/);
    const regs = (await s.call('PFDEBUG', 'GETREG', 'h')) as number[];
    assert.equal(regs.length, 16384);
    assert.equal(regs.filter((r) => r !== 0).length, 1);
    assert.equal(await s.call('PFDEBUG', 'ENCODING', 'h'), 'dense', 'GETREG converts');
    assert.equal(await errorOf(s, 'PFDEBUG', 'DECODE', 'h'), 'ERR HLL encoding is not sparse');
    await s.call('PFADD', 'h2', 'a');
    assert.equal(await s.call('PFDEBUG', 'TODENSE', 'h2'), 1);
    assert.equal(await s.call('PFDEBUG', 'TODENSE', 'h2'), 0);
    assert.deepEqual(await s.callBuffer('GET', 'h2'), await s.callBuffer('GET', 'h'));
    assert.equal(await errorOf(s, 'PFDEBUG', 'ENCODING', 'nokey'), 'ERR The specified key does not exist');
    assert.equal(await errorOf(s, 'PFDEBUG', 'FOO', 'h'), "ERR Unknown PFDEBUG subcommand 'FOO'");
  }));

test('wrong types and corrupt values give Redis\'s errors', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'list', 'a');
    await s.call('SET', 'str', 'hello');
    assert.equal(await errorOf(s, 'PFADD', 'list', 'a'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await errorOf(s, 'PFADD', 'str', 'a'), NOT_HLL);
    assert.equal(await errorOf(s, 'PFCOUNT', 'str'), NOT_HLL);
    assert.equal(await errorOf(s, 'PFMERGE', 'd', 'str'), NOT_HLL);
    assert.equal(await s.call('EXISTS', 'd'), 0);
    const hdr = Buffer.from('HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80', 'latin1');
    await s.call('SET', 'bad', Buffer.concat([hdr, Buffer.from([0x7f, 0xfe])])); // 16383 registers
    assert.equal(await errorOf(s, 'PFCOUNT', 'bad'), CORRUPT);
    assert.equal(await errorOf(s, 'PFCOUNT', 'bad', 'str'), CORRUPT, 'keys are checked and merged one by one');
    assert.equal(await errorOf(s, 'PFCOUNT', 'str', 'bad'), NOT_HLL);
    assert.equal(await errorOf(s, 'PFCOUNT', 'bad', 'missing'), CORRUPT);
    assert.equal(await errorOf(s, 'PFMERGE', 'd', 'bad'), CORRUPT);
    assert.equal(await errorOf(s, 'PFDEBUG', 'GETREG', 'bad'), CORRUPT);
    await s.call('SET', 'dense-short', Buffer.concat([Buffer.from('HYLL\0\0\0\0\0\0\0\0\0\0\0\0', 'latin1'), Buffer.alloc(10)]));
    assert.equal(await errorOf(s, 'PFADD', 'dense-short', 'a'), NOT_HLL);
  }));

test('PFADD signals WATCH; PFCOUNT does only when it refreshes the cache', () =>
  withServer(async (s) => {
    await s.call('PFADD', 'h', 'a');
    const c = s.connect();
    await c.send(['WATCH', 'h']);
    await s.call('PFCOUNT', 'h'); // refreshes the cache: a modification
    await c.send(['MULTI']);
    await c.send(['PFCOUNT', 'h']);
    assert.equal(await c.send(['EXEC']), NULL_ARRAY);
    await c.send(['WATCH', 'h']);
    await s.call('PFCOUNT', 'h'); // cached
    await s.call('PFADD', 'h', 'a'); // no change
    await c.send(['MULTI']);
    await c.send(['PFCOUNT', 'h']);
    assert.deepEqual(await c.send(['EXEC']), [1]);
    c.close();
  }));

test('PFSELFTEST passes', () =>
  withServer(async (s) => {
    assert.equal(await s.call('PFSELFTEST'), 'OK');
  }));
