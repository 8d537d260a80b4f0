// List commands through the embedded API.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RespiteServer } from '../../src/index';
import { ListValue } from '../../src/datatypes/list';
import { withServer } from '../helpers/embedded';

test('pushes build the list in order and report its length', () =>
  withServer(async (s) => {
    assert.equal(await s.call('RPUSH', 'l', 'b', 'c'), 2);
    assert.equal(await s.call('LPUSH', 'l', 'a', 'z'), 4);
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['z', 'a', 'b', 'c']);
    assert.equal(await s.call('LPUSHX', 'nope', 'x'), 0);
    assert.equal(await s.call('RPUSHX', 'l', 'd'), 5);
    assert.equal(await s.call('EXISTS', 'nope'), 0);
    assert.equal(await s.call('TYPE', 'l'), 'list');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'l'), 'quicklist');
    assert.equal(await s.call('LLEN', 'l'), 5);
  }));

test('pops from both ends, with counts, and delete the emptied list', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'l', '1', '2', '3', '4', '5');
    assert.equal(await s.call('LPOP', 'l'), '1');
    assert.equal(await s.call('RPOP', 'l'), '5');
    assert.deepEqual(await s.call('RPOP', 'l', '2'), ['4', '3']);
    assert.deepEqual(await s.call('LPOP', 'l', '0'), []);
    assert.deepEqual(await s.call('LPOP', 'l', '9'), ['2']);
    assert.equal(await s.call('EXISTS', 'l'), 0);
    assert.equal(await s.call('LPOP', 'l'), null);
    assert.equal(await s.call('LPOP', 'l', '3'), null);
    await assert.rejects(s.call('LPOP', 'l', '-1'), /^RespiteError: ERR value is out of range, must be positive$/);
    await assert.rejects(s.call('LPOP', 'l', '1', '2'), /wrong number of arguments for 'lpop' command/);
  }));

test('index access, LSET and LINSERT', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await s.call('LINDEX', 'l', '-1'), 'c');
    assert.equal(await s.call('LINDEX', 'l', '3'), null);
    assert.equal(await s.call('LSET', 'l', '-2', 'B'), 'OK');
    await assert.rejects(s.call('LSET', 'l', '3', 'x'), /^RespiteError: ERR index out of range$/);
    await assert.rejects(s.call('LSET', 'nokey', '0', 'x'), /^RespiteError: ERR no such key$/);
    assert.equal(await s.call('LINSERT', 'l', 'BEFORE', 'a', 'first'), 4);
    assert.equal(await s.call('LINSERT', 'l', 'AFTER', 'c', 'last'), 5);
    assert.equal(await s.call('LINSERT', 'l', 'AFTER', 'B', 'mid'), 6);
    assert.equal(await s.call('LINSERT', 'l', 'AFTER', 'zzz', 'x'), -1);
    assert.equal(await s.call('LINSERT', 'nokey', 'AFTER', 'a', 'x'), 0);
    await assert.rejects(s.call('LINSERT', 'l', 'UNDER', 'a', 'x'), /^RespiteError: ERR syntax error$/);
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['first', 'a', 'B', 'mid', 'c', 'last']);
  }));

test('LREM, LTRIM and LPOS', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'l', 'x', 'a', 'x', 'b', 'x', 'c', 'x');
    assert.equal(await s.call('LREM', 'l', '-1', 'x'), 1);
    assert.equal(await s.call('LREM', 'l', '1', 'x'), 1);
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['a', 'x', 'b', 'x', 'c']);
    assert.equal(await s.call('LPOS', 'l', 'x'), 1);
    assert.equal(await s.call('LPOS', 'l', 'x', 'RANK', '-1'), 3);
    assert.deepEqual(await s.call('LPOS', 'l', 'x', 'COUNT', '0'), [1, 3]);
    assert.deepEqual(await s.call('LPOS', 'l', 'x', 'COUNT', '0', 'MAXLEN', '2'), [1]);
    assert.equal(await s.call('LPOS', 'l', 'nope'), null);
    await assert.rejects(s.call('LPOS', 'l', 'x', 'RANK', '0'), /RANK can't be zero: use 1 to start from the first match/);
    assert.equal(await s.call('LREM', 'l', '0', 'x'), 2);
    assert.equal(await s.call('LTRIM', 'l', '1', '-1'), 'OK');
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['b', 'c']);
    assert.equal(await s.call('LTRIM', 'l', '2', '1'), 'OK');
    assert.equal(await s.call('EXISTS', 'l'), 0);
  }));

test('LMOVE rotates a list onto itself and moves between lists', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await s.call('LMOVE', 'l', 'l', 'LEFT', 'RIGHT'), 'a');
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['b', 'c', 'a']);
    assert.equal(await s.call('RPOPLPUSH', 'l', 'other'), 'a');
    assert.equal(await s.call('LMOVE', 'l', 'other', 'LEFT', 'LEFT'), 'b');
    assert.equal(await s.call('LMOVE', 'l', 'other', 'RIGHT', 'RIGHT'), 'c');
    assert.equal(await s.call('EXISTS', 'l'), 0);
    assert.deepEqual(await s.call('LRANGE', 'other', '0', '-1'), ['b', 'a', 'c']);
    assert.equal(await s.call('LMOVE', 'l', 'other', 'LEFT', 'LEFT'), null);
    await s.call('SET', 'str', 'x');
    await assert.rejects(s.call('LMOVE', 'other', 'str', 'LEFT', 'LEFT'), /^RespiteError: WRONGTYPE/);
    assert.equal(await s.call('LLEN', 'other'), 3);
  }));

test('LMPOP pops from the first non-empty list', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'b', '1', '2', '3');
    assert.deepEqual(await s.call('LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'), ['b', ['3', '2']]);
    assert.deepEqual(await s.call('LMPOP', '2', 'a', 'b', 'LEFT', 'COUNT', '5'), ['b', ['1']]);
    assert.equal(await s.call('LMPOP', '2', 'a', 'b', 'LEFT'), null);
    await assert.rejects(s.call('LMPOP', '0', 'a', 'LEFT'), /^RespiteError: ERR numkeys should be greater than 0$/);
    await assert.rejects(s.call('LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'), /^RespiteError: ERR count should be greater than 0$/);
  }));

test('binary elements survive byte for byte', () =>
  withServer(async (s) => {
    const bin = Buffer.from([0, 0xff, 0x80, 13, 10, 0xc3]);
    await s.call('RPUSH', 'l', bin, 'plain');
    assert.deepEqual(await s.callBuffer('LINDEX', 'l', '0'), bin);
    assert.equal(await s.call('LPOS', 'l', bin), 0);
    assert.equal(await s.call('LREM', 'l', '0', bin), 1);
  }));

test('an in-place list change invalidates WATCH', () =>
  withServer(async (s) => {
    const a = s.connect();
    const b = s.connect();
    await s.call('RPUSH', 'l', 'a', 'b');
    for (const change of [['RPUSH', 'l', 'c'], ['LSET', 'l', '0', 'x'], ['LREM', 'l', '1', 'x'], ['LPOP', 'l']]) {
      await a.call(['WATCH', 'l']);
      await b.call(change);
      await a.call(['MULTI']);
      await a.call(['LLEN', 'l']);
      assert.equal(await a.call(['EXEC']), null, `${change[0]} must invalidate the watch`);
    }
  }));

test('COPY gives an independent list', () =>
  withServer(async (s) => {
    await s.call('RPUSH', 'l', 'a', 'b');
    assert.equal(await s.call('COPY', 'l', 'c'), 1);
    await s.call('RPUSH', 'c', 'z');
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['a', 'b']);
    assert.deepEqual(await s.call('LRANGE', 'c', '0', '-1'), ['a', 'b', 'z']);
  }));

test('the dirty counter counts elements like Redis', () =>
  withServer(async (s) => {
    const ks = s.server.keyspace;
    const before = ks.dirty;
    await s.call('RPUSH', 'l', 'a', 'b', 'c', 'd');
    assert.equal(ks.dirty - before, 4);
    await s.call('LTRIM', 'l', '1', '1');
    assert.equal(ks.dirty - before, 7);
    assert.ok(s.server.keyspace.dbs[0].peek('l') instanceof ListValue);
  }));
