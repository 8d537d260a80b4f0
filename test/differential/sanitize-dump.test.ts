// sanitize-dump-payload against redis-server: which damaged-but-signed RESTORE payloads each
// mode takes (no: the redundant parts of listpacks, intsets and stream nodes are not checked;
// yes and clients: they are), the skip-sanitize-payload ACL flag, and a stream whose pending
// entries carry negative times (accepted by Redis, and saved by respite since this fix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { differential, Pair } from '../helpers/differential';
import { Crc64 } from '../../src/persistence/crc64';
import { ListpackBuilder } from '../../src/persistence/encodings';
import { ReplyError } from '../../src/errors';
import { Reply } from '../../src/resp/reply';

function sign(body: Buffer): Buffer {
  const b = Buffer.concat([body, Buffer.from([10, 0])]);
  return Buffer.concat([b, new Crc64().update(b).toBuffer()]);
}

/** An RDB string holding `blob` (lengths below 16384). */
function rdbString(blob: Buffer): Buffer {
  const len = blob.length < 64 ? Buffer.from([blob.length]) : Buffer.from([0x40 | (blob.length >> 8), blob.length & 0xff]);
  return Buffer.concat([len, blob]);
}

function listpack(items: string[], mutate?: (b: Buffer) => void): Buffer {
  const lp = new ListpackBuilder();
  for (const s of items) lp.append(s);
  const b = Buffer.from(lp.finish());
  mutate?.(b);
  return b;
}

function intset(vals: number[]): Buffer {
  const b = Buffer.alloc(8 + 2 * vals.length);
  b.writeUInt32LE(2, 0);
  b.writeUInt32LE(vals.length, 4);
  vals.forEach((v, i) => b.writeInt16LE(v, 8 + 2 * i));
  return b;
}

/** A one-entry stream (ID 1-1, f=v), its node's lp-count given. */
function stream(lpCount: number): Buffer {
  const id = Buffer.alloc(16);
  id.writeBigUInt64BE(1n, 0);
  id.writeBigUInt64BE(1n, 8);
  const node = listpack(['1', '0', '1', 'f', '0', '2', '0', '0', 'v', String(lpCount)]);
  // nodes, key, listpack, length, last ID, first ID, max deleted ID, entries added, groups
  return sign(Buffer.concat([Buffer.from([19, 1]), rdbString(id), rdbString(node), Buffer.from([1, 1, 1, 1, 1, 0, 0, 1, 0])]));
}

/**
 * The stream of the Redis suite's "corrupt payload: fuzzer findings - infinite loop" (its RDB
 * version and checksum left off): an entry of the node's listpack has the unused encoding 0xFD.
 */
const INFINITE_LOOP_STREAM = Buffer.from(
  [
    '0f0110000001753aa6d09300000000000000004042420000001800030100010201846974656d058576616c7565060001',
    '0201000100010101000105010201000101010101825f3103fd01020100010201010102010501ff0381000001753aa6d0',
    '930201076d7967726f757081000001753aa6d0930001000001753aa6d093000000000000000094d0a63a750100000101',
    '05416c69636594d0a63a7501000001000001753aa6d0930000000000000000',
  ].join(''),
  'hex',
);

// Back-length byte of the first entry ("a": encoding byte, 'a', back-length) is at offset 8.
const PAYLOADS: [string, Buffer][] = [
  ['hash listpack, bad back-length', sign(Buffer.concat([Buffer.from([16]), rdbString(listpack(['a', '1'], (b) => (b[8] = 5)))]))],
  ['hash listpack, wrong entry count', sign(Buffer.concat([Buffer.from([16]), rdbString(listpack(['a', '1'], (b) => b.writeUInt16LE(4, 4)))]))],
  ['zset listpack, bad back-length', sign(Buffer.concat([Buffer.from([17]), rdbString(listpack(['a', '1'], (b) => (b[8] = 9)))]))],
  ['list quicklist node, bad back-length', sign(Buffer.concat([Buffer.from([18, 1, 2]), rdbString(listpack(['a', 'b'], (b) => (b[8] = 5)))]))],
  ['intset out of order', sign(Buffer.concat([Buffer.from([11]), rdbString(intset([5, 3, 9]))]))],
  ['intset with a duplicate', sign(Buffer.concat([Buffer.from([11]), rdbString(intset([3, 3, 9]))]))],
  ['stream entry, wrong lp-count', stream(5)],
  ['stream, well formed', stream(4)],
  ['hash listpack, well formed', sign(Buffer.concat([Buffer.from([16]), rdbString(listpack(['a', '1']))]))],
  // Contents that do not decode at all, framing sound: "no" keeps them unchecked, as Redis does.
  ['hash listpack, invalid entry encoding', sign(Buffer.concat([Buffer.from([16]), rdbString(listpack(['a', '1'], (b) => (b[6] = 0xf5)))]))],
  ['zset listpack, entry running past the end', sign(Buffer.concat([Buffer.from([17]), rdbString(listpack(['a', '1'], (b) => (b[6] = 0x8f)))]))],
  ['list quicklist node, invalid entry encoding', sign(Buffer.concat([Buffer.from([18, 1, 2]), rdbString(listpack(['a', 'b'], (b) => (b[6] = 0xfd)))]))],
  ['stream node, invalid entry encoding (Redis suite "infinite loop")', sign(INFINITE_LOOP_STREAM)],
  ['hash listpack, header byte count wrong', sign(Buffer.concat([Buffer.from([16]), rdbString(listpack(['a', '1'], (b) => b.writeUInt32LE(99, 0)))]))],
];

function reply(r: Reply): string {
  return r instanceof ReplyError ? `-${r.message}` : String(r instanceof Object && 'value' in r ? (r as { value: unknown }).value : r);
}

async function restoreAll(p: Pair, as: 'redis' | 'respite'): Promise<string[]> {
  const c = as === 'redis' ? p.redis : p.respite;
  const out: string[] = [];
  for (const [name, payload] of PAYLOADS) out.push(`${name}: ${reply(await c.call('RESTORE', `k:${name}`, '0', payload, 'REPLACE'))}`);
  return out;
}

differential('sanitize-dump-payload', (ctx) => {
  test('each mode accepts and refuses the same damaged payloads as redis-server', async () => {
    const p = await ctx.pair();
    for (const mode of ['no', 'yes', 'clients']) {
      await p.run('CONFIG', 'SET', 'sanitize-dump-payload', mode);
      const [a, b] = [await restoreAll(p, 'redis'), await restoreAll(p, 'respite')];
      assert.deepEqual(b, a, `sanitize-dump-payload ${mode}`);
      // Only what was accepted is read back (Redis asserts on some of what "no" lets in).
      await p.run('FLUSHALL');
    }
    // The deep checks refuse something in "yes".
    await p.run('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
    assert.ok((await restoreAll(p, 'respite')).some((l) => l.endsWith('-ERR Bad data format')));
    await p.run('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
  });

  test('"clients" trusts users with skip-sanitize-payload', async () => {
    const p = await ctx.pair();
    await p.run('CONFIG', 'SET', 'sanitize-dump-payload', 'clients');
    await p.run('ACL', 'SETUSER', 'trusted', 'on', 'nopass', '+@all', '~*', 'skip-sanitize-payload');
    await p.run('ACL', 'SETUSER', 'plain', 'on', 'nopass', '+@all', '~*');
    const bad = PAYLOADS[0][1];
    await p.run('AUTH', 'plain', 'x');
    await p.run('RESTORE', 'k', '0', bad, 'REPLACE');
    await p.run('AUTH', 'trusted', 'x');
    await p.run('RESTORE', 'k', '0', bad, 'REPLACE');
    await p.run('AUTH', 'default', 'x');
    await p.run('ACL', 'DELUSER', 'trusted', 'plain');
    await p.run('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
  });

  test('stream counters restored at 2^64-1 wrap to 0 when incremented, as in Redis, and can be saved', async () => {
    const p = await ctx.pair();
    const id = Buffer.alloc(16);
    id.writeBigUInt64BE(1n, 0);
    id.writeBigUInt64BE(1n, 8);
    const max = Buffer.from([0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const time = Buffer.alloc(8);
    time.writeBigInt64LE(1000n);
    const node = listpack(['1', '0', '1', 'f', '0', '2', '0', '0', 'v', '4']);
    const payload = sign(
      Buffer.concat([
        Buffer.from([19, 1]), rdbString(id), rdbString(node),
        // length 1, last ID 1-1, first ID 1-1, max deleted 0-0, entries added 2^64-1
        Buffer.from([1, 1, 1, 1, 1, 0, 0]), max,
        // one group "g" at 1-1, entries read 1, one pending entry delivered 2^64-1 times to "c"
        Buffer.from([1, 1, 0x67, 1, 1, 1, 1]), id, time, max, Buffer.from([1, 1, 0x63]), time, Buffer.from([1]), id,
      ]),
    );
    await p.run('RESTORE', 's', '0', payload);
    await p.run('XADD', 's', '2-1', 'f', 'v');
    await p.check('type', 'XCLAIM', 's', 'g', 'c', '0', '1-1', 'TIME', '5000');
    await p.run('XINFO', 'STREAM', 's');
    // The delivery count (the idle time beside it depends on the clock).
    const count = async (c: typeof p.redis) => String(((await c.call('XPENDING', 's', 'g', '-', '+', '10')) as Reply[][])[0][3]);
    assert.equal(await count(p.respite), await count(p.redis));
    assert.equal(await count(p.respite), '0');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-sanitize-'));
    await p.respite.call('CONFIG', 'SET', 'dir', dir);
    assert.equal(reply(await p.respite.call('SAVE')), 'OK');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('stream pending entries with negative delivery and seen times: restored, shown and saved', async () => {
    const p = await ctx.pair();
    await p.redis.call('XADD', 's', '5-1', 'f', 'v');
    await p.redis.call('XGROUP', 'CREATE', 's', 'g', '0');
    await p.redis.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    const dump = (await p.redis.callRaw('DUMP', 's')).raw;
    const payload = Buffer.from(dump.subarray(dump.indexOf('\r\n') + 2, dump.length - 2));
    // The entry's ID (5-1) appears as the node key, in the group PEL (then its delivery time) and
    // in the consumer PEL (after the consumer's seen time and a PEL count of 1).
    const id = Buffer.alloc(16);
    id.writeBigUInt64BE(5n, 0);
    id.writeBigUInt64BE(1n, 8);
    const last = payload.lastIndexOf(id);
    const groupPel = payload.lastIndexOf(id, last - 1);
    payload.writeBigInt64LE(-5n, groupPel + 16);
    payload.writeBigInt64LE(-7000000000000n, last - 9);
    new Crc64().update(payload, 0, payload.length - 8).toBuffer().copy(payload, payload.length - 8);
    await p.run('RESTORE', 'r', '0', payload);
    await p.run('XINFO', 'STREAM', 'r', 'FULL');
    await p.run('DUMP', 'r');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-sanitize-'));
    await p.respite.call('CONFIG', 'SET', 'dir', dir);
    assert.equal(reply(await p.respite.call('SAVE')), 'OK');
    assert.equal(reply(await p.respite.call('DEBUG', 'RELOAD')), 'OK');
    await p.run('XINFO', 'STREAM', 'r', 'FULL');
    await p.run('DUMP', 'r');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
