// What Redis's integration tests (corrupt-dump, aof, other) check beyond replies: RESTORE
// validates packed encodings as Redis's deep sanitization does (ziplist prevlen and tail,
// listpack back-lengths, stream lp-count) and logs the reason; DEBUG
// SET-SKIP-CHECKSUM-VALIDATION; error replies stay one line; FLUSHDB/FLUSHALL always reach the
// AOF; #TS annotations; the AOF replay keeps keys whose TTL passed until it ends; FLUSHALL saves
// when save points exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../../src/index';
import { Crc64 } from '../../src/persistence/crc64';
import { RespClient } from '../helpers/resp-client';
import { SimpleString } from '../../src/resp/reply';

/** A RESTORE payload: type byte, one RDB string holding the blob, RDB version 10, CRC64. */
function payload(type: number, blob: Buffer, goodCrc = true): Buffer {
  assert.ok(blob.length < 64);
  const body = Buffer.concat([Buffer.from([type, blob.length]), blob, Buffer.from([10, 0])]);
  const crc = goodCrc ? new Crc64().update(body).toBuffer() : Buffer.alloc(8, 1);
  return Buffer.concat([body, crc]);
}

/** A ziplist of short strings; `mutate` may damage it (entry starts are given). */
function ziplist(items: string[], mutate?: (b: Buffer, starts: number[]) => void): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  for (const s of items) {
    const e = Buffer.concat([Buffer.from([prev, s.length]), Buffer.from(s, 'latin1')]);
    entries.push(e);
    prev = e.length;
  }
  const starts: number[] = [];
  let at = 10;
  for (const e of entries) {
    starts.push(at);
    at += e.length;
  }
  const b = Buffer.concat([Buffer.alloc(10), ...entries, Buffer.from([0xff])]);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt32LE(starts[starts.length - 1] ?? 10, 4);
  b.writeUInt16LE(items.length, 8);
  mutate?.(b, starts);
  return b;
}

/** A listpack of short strings (1-byte back-lengths); `mutate` may damage it. */
function listpack(items: string[], mutate?: (b: Buffer) => void): Buffer {
  const entries = items.map((s) => Buffer.concat([Buffer.from([0x80 | s.length]), Buffer.from(s, 'latin1'), Buffer.from([1 + s.length])]));
  const b = Buffer.concat([Buffer.alloc(6), ...entries, Buffer.from([0xff])]);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(items.length, 4);
  mutate?.(b);
  return b;
}

const HASH_ZIPLIST = 13;
const HASH_LISTPACK = 16;

test('RESTORE checks ziplist prevlen and tail offset and listpack back-lengths, and logs why it refused', async () => {
  const lines: string[] = [];
  const s = await startServer({ port: null, loglevel: 'verbose', log: (l: string) => lines.push(l) });
  try {
    const ok = async (p: Buffer) => s.call('RESTORE', 'k', '0', p, 'REPLACE');
    assert.equal(await ok(payload(HASH_ZIPLIST, ziplist(['a', '1', 'b', '2']))), 'OK');
    assert.deepEqual(await s.call('HGETALL', 'k'), ['a', '1', 'b', '2']);
    assert.equal(await ok(payload(HASH_LISTPACK, listpack(['a', '1']))), 'OK');
    const bad: [string, Buffer][] = [
      ['prevlen', payload(HASH_ZIPLIST, ziplist(['a', '1', 'b', '2'], (b, st) => (b[st[2]] = 7)))],
      ['tail', payload(HASH_ZIPLIST, ziplist(['a', '1', 'b', '2'], (b) => b.writeUInt32LE(10, 4)))],
      ['backlen', payload(HASH_LISTPACK, listpack(['a', '1'], (b) => (b[8] = 5)))],
      ['empty zipmap', payload(9, Buffer.from([0x00, 0xff]))],
    ];
    for (const [what, p] of bad) {
      lines.length = 0;
      // A listpack's back-lengths are checked by deep sanitization only (Redis's
      // lpValidateIntegrity); ziplists and zipmaps are always walked whole.
      await s.call('CONFIG', 'SET', 'sanitize-dump-payload', what === 'backlen' ? 'yes' : 'no');
      await assert.rejects(ok(p), /^.*Bad data format/, what);
      assert.ok(lines.some((l) => / - RESTORE: corrupt DUMP payload: .*integrity check failed/.test(l)), `${what}: ${lines.join('')}`);
    }
    // Without deep sanitization (the default) Redis takes the listpack's back-lengths on trust.
    await s.call('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
    assert.equal(await ok(payload(HASH_LISTPACK, listpack(['a', '1'], (b) => (b[8] = 5)))), 'OK');
    assert.deepEqual(await s.call('HGETALL', 'k'), ['a', '1']);
    // A hash listpack without elements is an empty key: refused without a log line.
    lines.length = 0;
    await assert.rejects(ok(payload(HASH_LISTPACK, listpack([]))), /Bad data format/);
    assert.equal(lines.filter((l) => l.includes('RESTORE')).length, 0);
  } finally {
    await s.close();
  }
});

test('DEBUG SET-SKIP-CHECKSUM-VALIDATION lets RESTORE take a payload with a wrong CRC', async () => {
  const s = await startServer({ port: null, enableDebugCommand: 'yes' });
  try {
    const p = payload(HASH_LISTPACK, listpack(['f', 'v']), false);
    await assert.rejects(s.call('RESTORE', 'k', '0', p), /DUMP payload version or checksum are wrong/);
    assert.equal(await s.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'), 'OK');
    assert.equal(await s.call('RESTORE', 'k', '0', p), 'OK');
    assert.equal(await s.call('HGET', 'k', 'f'), 'v');
    assert.equal(await s.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'), 'OK');
    await assert.rejects(s.call('RESTORE', 'k2', '0', p), /checksum are wrong/);
  } finally {
    await s.close();
  }
});

test('an error reply quoting a name with CR/LF stays one line on the wire', async () => {
  const s = await startServer({ port: 0 });
  const c = await RespClient.connect(s.port);
  try {
    await c.call('XADD', 'st', '1-1', 'f', 'v');
    const r = await c.call('XPENDING', 'st', 'g\r\n+OK');
    assert.match(String(r), /^NOGROUP No such key 'st' or consumer group 'g  \+OK'$/);
    const pong = await c.call('PING');
    assert.equal(pong instanceof SimpleString ? pong.value : pong, 'PONG');
  } finally {
    c.close();
    await s.close();
  }
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'respite-dumpval-'));
}

/** The incr file, once the writes of this event-loop turn reached it. */
async function incrAof(dir: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 50));
  const d = path.join(dir, 'appendonlydir');
  const f = fs.readdirSync(d).find((n) => n.endsWith('.incr.aof'))!;
  return fs.readFileSync(path.join(d, f), 'latin1');
}

test('FLUSHDB and FLUSHALL reach the AOF even on empty databases; #TS annotations when enabled', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir, appendonly: 'yes', appendfsync: 'always', save: '' });
  try {
    await s.call('FLUSHDB');
    await s.call('FLUSHDB');
    await s.call('FLUSHALL');
    const aof = (await incrAof(dir)).toLowerCase();
    assert.equal(aof.split('$7\r\nflushdb\r\n').length - 1, 2, aof);
    assert.equal(aof.split('$8\r\nflushall\r\n').length - 1, 1, aof);
    await s.call('CONFIG', 'SET', 'aof-timestamp-enabled', 'yes');
    const before = (await incrAof(dir)).length;
    await s.call('SET', 'a', '1');
    assert.match((await incrAof(dir)).slice(before), /^#TS:\d{10}\r\n\*3\r\n\$3\r\nSET\r\n/);
  } finally {
    await s.close();
  }
});

test('while the AOF is replayed a key whose TTL passed keeps taking commands; it expires afterwards', async () => {
  const dir = tmpDir();
  const d = path.join(dir, 'appendonlydir');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
  const cmd = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`;
  fs.writeFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), cmd('RPUSH', 'l', 'a') + cmd('PEXPIREAT', 'l', '1000') + cmd('RPUSH', 'l', 'b') + cmd('SET', 'k', 'v'));
  const s = await startServer({ port: null, dir, appendonly: 'yes', save: '' });
  try {
    assert.equal(await s.call('LLEN', 'l'), 0);
    assert.equal(await s.call('EXISTS', 'l'), 0);
    assert.equal(await s.call('GET', 'k'), 'v');
  } finally {
    await s.close();
  }
});

test('FLUSHALL with save points configured saves at once (the dirty counter goes back to 0)', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir, save: '3600 1' });
  try {
    await s.call('SET', 'a', '1');
    await s.call('FLUSHALL');
    assert.match(String(await s.call('INFO', 'persistence')), /rdb_changes_since_last_save:0\r\n/);
    assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
    await s.call('CONFIG', 'SET', 'save', '');
    await s.call('SET', 'a', '1');
    await s.call('FLUSHALL');
    assert.match(String(await s.call('INFO', 'persistence')), /rdb_changes_since_last_save:2\r\n/);
  } finally {
    await s.close();
  }
});
