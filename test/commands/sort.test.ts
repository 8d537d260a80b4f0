// SORT / SORT_RO through the embedded API, and the strtod rules of its numeric keys.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { sortScore } from '../../src/commands/sort';

describe('SORT numeric keys (strtod)', () => {
  test('accepted forms', () => {
    assert.equal(sortScore(''), 0);
    assert.equal(sortScore(' \t5'), 5);
    assert.equal(sortScore('0x10'), 16);
    assert.equal(sortScore('0x1.8p1'), 3);
    assert.equal(sortScore('-.5e1'), -5);
    assert.equal(sortScore('5.'), 5);
    assert.equal(sortScore('+3'), 3);
    assert.equal(sortScore('-Infinity'), -Infinity);
    assert.equal(sortScore('inf'), Infinity);
    assert.equal(sortScore('7\0garbage'), 7, 'Redis reads a C string');
    assert.equal(sortScore('0x1p-1070'), 2 ** -1070, 'an exact subnormal is fine');
    assert.equal(sortScore('0e-999'), 0);
  });

  test('rejected forms: garbage, NaN, overflow, inexact underflow', () => {
    for (const bad of [' ', '5 ', '1e', '0x', '.', '-', 'nan', '-nan', 'infx', '1e400', '1e-400', '4.9e-324', '1_0', 'abc']) {
      assert.equal(sortScore(bad), null, JSON.stringify(bad));
    }
  });
});

describe('SORT (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
    await s.call('SADD', 'ids', '1', '2', '3');
    await s.call('HSET', 'user:1', 'age', '30', 'name', 'carol');
    await s.call('HSET', 'user:2', 'age', '25', 'name', 'alice');
    await s.call('HSET', 'user:3', 'age', '41', 'name', 'bob');
  });

  test('BY and GET with hash fields', async () => {
    assert.deepEqual(await s.call('SORT', 'ids', 'BY', 'user:*->age', 'GET', 'user:*->name'), ['alice', 'carol', 'bob']);
    assert.deepEqual(await s.call('SORT', 'ids', 'BY', 'user:*->name', 'ALPHA', 'DESC', 'GET', '#'), ['1', '3', '2']);
    assert.deepEqual(await s.call('SORT', 'ids', 'GET', 'user:*->nope', 'LIMIT', '0', '1'), [null]);
    assert.deepEqual(await s.call('SORT_RO', 'ids', 'DESC'), ['3', '2', '1']);
  });

  test('sorted sets: by value, or by score with BY nosort', async () => {
    await s.call('ZADD', 'z', '1', '30', '2', '4', '3', '100');
    assert.deepEqual(await s.call('SORT', 'z'), ['4', '30', '100']);
    assert.deepEqual(await s.call('SORT', 'z', 'BY', 'nosort', 'DESC'), ['100', '4', '30']);
    assert.deepEqual(await s.call('SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '5'), ['4', '100']);
  });

  test('lists, and STORE writing a list (missing GET values stored as empty strings)', async () => {
    await s.call('RPUSH', 'l', '3', '1', '2');
    assert.deepEqual(await s.call('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '0', '2'), ['2', '1']);
    assert.equal(await s.call('SORT', 'l', 'GET', '#', 'GET', 'user:*->nope', 'STORE', 'dst'), 6);
    assert.deepEqual(await s.call('LRANGE', 'dst', '0', '-1'), ['1', '', '2', '', '3', '']);
    assert.equal(await s.call('SORT', 'ids', 'BY', 'nosort', 'STORE', 'dst'), 3);
    assert.deepEqual(await s.call('LRANGE', 'dst', '0', '-1'), ['1', '2', '3']);
    assert.equal(await s.call('SORT', 'nokey', 'STORE', 'dst'), 0);
    assert.equal(await s.call('EXISTS', 'dst'), 0);
  });

  test('errors', async () => {
    await s.call('SET', 'str', 'x');
    await assert.rejects(s.call('SORT', 'str'), /^.*WRONGTYPE/);
    await assert.rejects(s.call('SORT_RO', 'ids', 'STORE', 'd'), /ERR syntax error/);
    await assert.rejects(s.call('SORT', 'ids', 'LIMIT', 'x', '1'), /ERR value is not an integer or out of range/);
    await s.call('SADD', 'w', 'a', '1');
    await assert.rejects(s.call('SORT', 'w'), /ERR One or more scores can't be converted into double/);
  });

  test('key positions: the sorted key and the last STORE destination', () => {
    const sort = s.server.registry.lookup('sort')!;
    assert.deepEqual(sort.keyPositions(['SORT', 'k']), [1]);
    assert.deepEqual(sort.keyPositions(['SORT', 'k', 'STORE', 'd']), [1, 3]);
    assert.deepEqual(sort.keyPositions(['SORT', 'k', 'GET', 'store', 'LIMIT', '0', '1', 'store', 'a', 'STORE', 'b']), [1, 10]);
    assert.deepEqual(sort.keyPositions(['SORT', 'k', 'BY', 'x', 'STORE']), [1]);
    assert.deepEqual(s.server.registry.lookup('sort_ro')!.keyPositions(['SORT_RO', 'k', 'BY', 'x']), [1]);
  });
});
