import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { NULL_ARRAY, Reply } from '../../src/resp/reply';
import { MutableString } from '../../src/datatypes/mutable-string';
import { withServer, raw, errorOf } from '../helpers/embedded';

const stored = (s: RespiteServer, key: string) => s.server.keyspace.dbs[0].dict.get(key);

test('SETBIT edits one buffer in place; string commands see its bytes', () =>
  withServer(async (s) => {
    for (let i = 0; i < 4000; i += 3) await s.call('SETBIT', 'bm', i, 1);
    const v = stored(s, 'bm');
    assert.ok(v instanceof MutableString, 'kept as a MutableString');
    const buf = (v as MutableString).buf;
    await s.call('SETBIT', 'bm', 5, 1);
    assert.equal((stored(s, 'bm') as MutableString).buf, buf, 'same buffer: no copy per SETBIT');
    assert.equal(await s.call('BITCOUNT', 'bm'), 1335);
    assert.equal(await s.call('STRLEN', 'bm'), 500);
    const bytes = (await s.callBuffer('GET', 'bm')) as Buffer;
    assert.equal(bytes[0], 0b10010110);
    // GET's text is cached, and dropped by the next edit.
    await s.call('SETBIT', 'bm', 0, 0);
    assert.equal(((await s.callBuffer('GET', 'bm')) as Buffer)[0], 0b00010110);
    assert.equal(await s.call('TYPE', 'bm'), 'string');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'bm'), 'raw');
    // String commands replace it with a plain string; bit commands convert back on write only.
    await s.call('APPEND', 'bm', 'xyz');
    assert.equal(typeof stored(s, 'bm'), 'string');
    assert.equal(await s.call('GETBIT', 'bm', 3), 1);
    assert.equal(typeof stored(s, 'bm'), 'string', 'reads do not convert');
    assert.equal(await s.call('SETBIT', 'bm', 3, 1), 1);
    assert.ok(stored(s, 'bm') instanceof MutableString);
  }));

test('SETBIT grows the string with zero bytes and answers the previous bit', () =>
  withServer(async (s) => {
    assert.equal(await s.call('SETBIT', 'k', 17, 1), 0);
    assert.deepEqual(await s.callBuffer('GET', 'k'), Buffer.from([0, 0, 0x40]));
    assert.equal(await s.call('SETBIT', 'k', 17, 0), 1);
    assert.equal(await s.call('SETBIT', 'k', 0, 1), 0);
    assert.equal(await s.call('GETBIT', 'k', 0), 1);
    assert.equal(await s.call('GETBIT', 'k', 10000), 0);
    assert.equal(await s.call('GETBIT', 'nokey', 10), 0);
    await s.call('SET', 'num', '7');
    assert.equal(await s.call('GETBIT', 'num', 7), 1); // '7' is 0x37
  }));

test('bit offsets, bit values and types are validated before anything changes', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'list', 'a');
    assert.equal(await errorOf(s, 'SETBIT', 'k', -1, 1), 'ERR bit offset is not an integer or out of range');
    assert.equal(await errorOf(s, 'SETBIT', 'k', 4294967296, 1), 'ERR bit offset is not an integer or out of range');
    assert.equal(await errorOf(s, 'SETBIT', 'k', 1, 2), 'ERR bit is not an integer or out of range');
    assert.equal(await errorOf(s, 'SETBIT', 'list', 1, 2), 'ERR bit is not an integer or out of range');
    assert.equal(await errorOf(s, 'SETBIT', 'list', 1, 1), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await errorOf(s, 'GETBIT', 'k', 'x'), 'ERR bit offset is not an integer or out of range');
    assert.equal(await s.call('EXISTS', 'k'), 0);
  }));

test('BITCOUNT and BITPOS with byte and bit ranges', () =>
  withServer(async (s) => {
    await s.call('SET', 'k', Buffer.from([0xff, 0xf0, 0x00]));
    assert.equal(await s.call('BITCOUNT', 'k'), 12);
    assert.equal(await s.call('BITCOUNT', 'k', 1, 1), 4);
    assert.equal(await s.call('BITCOUNT', 'k', 5, 10, 'BIT'), 6);
    assert.equal(await s.call('BITCOUNT', 'k', -1, -2), 0);
    assert.equal(await errorOf(s, 'BITCOUNT', 'k', 0, 1, 'WORD'), 'ERR syntax error');
    assert.equal(await s.call('BITPOS', 'k', 0), 12);
    assert.equal(await s.call('BITPOS', 'k', 1, 1), 8);
    assert.equal(await s.call('BITPOS', 'k', 1, 2), -1);
    assert.equal(await s.call('BITPOS', 'k', 0, 0, 0), -1);
    assert.equal(await s.call('BITPOS', 'k', 0, 3, 14, 'BIT'), 12);
    assert.equal(await s.call('BITPOS', 'nokey', 0), 0);
    assert.equal(await s.call('BITPOS', 'nokey', 1), -1);
    assert.equal(await errorOf(s, 'BITPOS', 'k', 2), 'ERR The bit argument must be 1 or 0.');
  }));

test('BITOP combines sources of different lengths and deletes the target for empty input', () =>
  withServer(async (s) => {
    await s.call('SET', 'a', Buffer.from([0xf0, 0x0f, 0xff]));
    await s.call('SET', 'b', Buffer.from([0x3c]));
    assert.equal(await s.call('BITOP', 'AND', 'd', 'a', 'b'), 3);
    assert.deepEqual(await s.callBuffer('GET', 'd'), Buffer.from([0x30, 0, 0]));
    assert.equal(await s.call('BITOP', 'OR', 'd', 'a', 'b'), 3);
    assert.deepEqual(await s.callBuffer('GET', 'd'), Buffer.from([0xfc, 0x0f, 0xff]));
    assert.equal(await s.call('BITOP', 'XOR', 'd', 'a', 'b', 'a'), 3);
    assert.deepEqual(await s.callBuffer('GET', 'd'), Buffer.from([0x3c, 0, 0]));
    assert.equal(await s.call('BITOP', 'NOT', 'd', 'b'), 1);
    assert.deepEqual(await s.callBuffer('GET', 'd'), Buffer.from([0xc3]));
    assert.equal(await errorOf(s, 'BITOP', 'NOT', 'd', 'a', 'b'), 'ERR BITOP NOT must be called with a single source key.');
    assert.equal(await s.call('BITOP', 'OR', 'd', 'none'), 0);
    assert.equal(await s.call('EXISTS', 'd'), 0);
  }));

test('BITFIELD: signed/unsigned widths, #N offsets, overflow modes, BITFIELD_RO', () =>
  withServer(async (s) => {
    assert.deepEqual(await s.call('BITFIELD', 'k', 'SET', 'i8', 0, -1, 'GET', 'u8', 0, 'GET', 'i4', 0), [0, 255, -1]);
    assert.deepEqual(await s.call('BITFIELD', 'k', 'INCRBY', 'u8', '#1', 300, 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '#1', 300), [44, 255]);
    assert.deepEqual(await s.call('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', 0, -200, 'GET', 'i8', 0), [null, -1]);
    assert.deepEqual(await s.call('BITFIELD', 'big', 'SET', 'i64', 0, '-9223372036854775808', 'INCRBY', 'i64', 0, -1), [0, 9223372036854775807n]);
    assert.deepEqual(await s.call('BITFIELD', 'big', 'GET', 'u63', 1), [9223372036854775807n]);
    assert.deepEqual(await s.call('BITFIELD_RO', 'k', 'GET', 'u16', 0), [0xffff]);
    assert.equal(await errorOf(s, 'BITFIELD_RO', 'k', 'SET', 'u8', 0, 1), 'ERR BITFIELD_RO only supports the GET subcommand');
    assert.equal(await errorOf(s, 'BITFIELD', 'k', 'GET', 'u64', 0), 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
    assert.equal(await errorOf(s, 'BITFIELD', 'k', 'OVERFLOW', 'MAYBE'), 'ERR Invalid OVERFLOW type specified');
    assert.equal(await errorOf(s, 'BITFIELD', 'k', 'SET', 'u8', '#-1', 1), 'ERR bit offset is not an integer or out of range');
    assert.equal(await errorOf(s, 'BITFIELD', 'k', 'SET', 'u8', 0), 'ERR syntax error');
  }));

test('writes are counted as dirty only when bits change, and touch WATCHed keys', () =>
  withServer(async (s) => {
    const dirty = () => s.server.keyspace.dirty;
    const d0 = dirty();
    await s.call('SETBIT', 'k', 3, 1);
    await s.call('SETBIT', 'k', 3, 1); // no change
    assert.equal(dirty() - d0, 1);
    await s.call('BITFIELD', 'k', 'SET', 'u4', 0, 5, 'SET', 'u4', 4, 2, 'GET', 'u8', 0);
    assert.equal(dirty() - d0, 3);
    const c = s.connect();
    await c.send(['WATCH', 'k']);
    await s.call('SETBIT', 'k', 3, 0);
    await c.send(['MULTI']);
    await c.send(['GET', 'k']);
    assert.equal(await c.send(['EXEC']), NULL_ARRAY, 'EXEC aborted: the watched key changed');
    c.close();
  }));

test('SETBIT inside MULTI and across COPY keeps values independent', () =>
  withServer(async (s) => {
    await s.call('SETBIT', 'a', 0, 1);
    await s.call('COPY', 'a', 'b');
    await s.call('SETBIT', 'b', 1, 1);
    assert.deepEqual(await s.callBuffer('GET', 'a'), Buffer.from([0x80]));
    assert.deepEqual(await s.callBuffer('GET', 'b'), Buffer.from([0xc0]));
    const c = s.connect();
    await c.send(['MULTI']);
    await c.send(['SETBIT', 'a', 7, 1]);
    await c.send(['BITCOUNT', 'a']);
    assert.deepEqual(await c.send(['EXEC']), [0, 2]);
    c.close();
  }));
