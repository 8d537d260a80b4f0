import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { MapReply, Reply } from '../../src/resp/reply';
import { Collection } from '../../src/datatypes/value';
import { withServer, raw, errorOf } from '../helpers/embedded';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

test('GET and SET store binary values byte for byte', () =>
  withServer(async (s) => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x80, 13, 10]);
    assert.equal(await s.call('SET', bytes, bytes), 'OK');
    assert.deepEqual(await s.callBuffer('GET', bytes), bytes);
    assert.equal(await s.call('GET', 'missing'), null);
    assert.equal(await s.call('STRLEN', bytes), 7);
  }));

test('SET NX / XX / GET / KEEPTTL', () =>
  withServer(async (s) => {
    s.clock.freeze();
    assert.equal(await s.call('SET', 'k', 'a', 'XX'), null);
    assert.equal(await s.call('SET', 'k', 'a', 'NX'), 'OK');
    assert.equal(await s.call('SET', 'k', 'b', 'NX'), null);
    assert.equal(await s.call('GET', 'k'), 'a');
    assert.equal(await s.call('SET', 'k', 'b', 'XX', 'GET'), 'a');
    assert.equal(await s.call('SET', 'k', 'c', 'NX', 'GET'), 'b'); // not written: NX failed
    assert.equal(await s.call('GET', 'k'), 'b');
    assert.equal(await s.call('SET', 'new', 'v', 'NX', 'GET'), null);
    assert.equal(await s.call('GET', 'new'), 'v');
    // KEEPTTL keeps the time to live; a plain SET clears it.
    await s.call('SET', 'k', 'x', 'EX', 100);
    await s.call('SET', 'k', 'y', 'KEEPTTL');
    assert.equal(await s.call('TTL', 'k'), 100);
    await s.call('SET', 'k', 'z');
    assert.equal(await s.call('TTL', 'k'), -1);
    // Options are case-insensitive and a repeated expire option replaces the earlier one.
    assert.equal(await s.call('set', 'k', 'v', 'ex', 10, 'Ex', 20), 'OK');
    assert.equal(await s.call('TTL', 'k'), 20);
  }));

/** A non-string value, so WRONGTYPE paths are tested without depending on other families. */
function addList(s: RespiteServer, key: string): void {
  const list: Collection = { type: 'list', size: 1, encoding: 'quicklist', clone: () => list };
  s.server.keyspace.dbs[0].add(key, list);
}

test('every string command answers WRONGTYPE on other types and writes nothing', () =>
  withServer(async (s) => {
    addList(s, 'l');
    const cmds: (string | number)[][] = [
      ['GET', 'l'],
      ['SET', 'l', 'v', 'GET'],
      ['SET', 'l', 'v', 'NX', 'GET'],
      ['GETSET', 'l', 'v'],
      ['GETDEL', 'l'],
      ['GETEX', 'l', 'PERSIST'],
      ['APPEND', 'l', 'x'],
      ['STRLEN', 'l'],
      ['GETRANGE', 'l', 0, 1],
      ['SUBSTR', 'l', 0, 1],
      ['SETRANGE', 'l', 0, 'x'],
      ['SETRANGE', 'l', 0, ''],
      ['INCR', 'l'],
      ['DECR', 'l'],
      ['INCRBY', 'l', 1],
      ['DECRBY', 'l', 1],
      ['INCRBYFLOAT', 'l', '1.5'],
    ];
    for (const cmd of cmds) assert.equal(await errorOf(s, ...cmd), WRONGTYPE, cmd.join(' '));
    // Argument errors come first where Redis parses arguments before the lookup.
    assert.equal(await errorOf(s, 'INCRBY', 'l', 'x'), 'ERR value is not an integer or out of range');
    assert.equal(await errorOf(s, 'SETRANGE', 'l', -1, 'x'), 'ERR offset is out of range');
    assert.equal(await errorOf(s, 'GETEX', 'l', 'BAD'), 'ERR syntax error');
    assert.equal(await errorOf(s, 'GETEX', 'l', 'EX', 0), WRONGTYPE);
    assert.equal(await errorOf(s, 'SET', 'l', 'v', 'EX', 0, 'GET'), "ERR invalid expire time in 'set' command");
    assert.equal(await errorOf(s, 'LCS', 'l', 'x', 'BAD'), 'ERR The specified keys must contain string values');
    assert.deepEqual(await s.call('MGET', 'l', 'none'), [null, null]);
    assert.equal(await s.call('MSETNX', 'l', 'v'), 0);
    assert.equal(await s.call('SET', 'l', 'v', 'NX'), null);
    assert.equal(await s.call('TYPE', 'l'), 'list');
    assert.equal(await s.call('SET', 'l', 'v'), 'OK'); // a plain SET overwrites any type
    assert.equal(await s.call('GET', 'l'), 'v');
  }));

test('SET expiry options: relative, absolute, past and invalid', () =>
  withServer(async (s) => {
    s.clock.freeze(1_700_000_000_000);
    await s.call('SET', 'a', 'v', 'EX', 10);
    assert.equal(await s.call('PTTL', 'a'), 10_000);
    await s.call('SET', 'a', 'v', 'PX', 1500);
    assert.equal(await s.call('PTTL', 'a'), 1500);
    await s.call('SET', 'a', 'v', 'EXAT', 1_700_000_100);
    assert.equal(await s.call('PTTL', 'a'), 100_000);
    await s.call('SET', 'a', 'v', 'PXAT', 1_700_000_000_250);
    assert.equal(await s.call('PTTL', 'a'), 250);
    s.clock.advance(250);
    assert.equal(await s.call('GET', 'a'), null);
    // A time already past is accepted; the key is gone on the next access.
    assert.equal(await s.call('SET', 'b', 'v', 'PXAT', 1), 'OK');
    assert.equal(await s.call('EXISTS', 'b'), 0);
    for (const bad of [['EX', '0'], ['EX', '-1'], ['PX', '0'], ['EXAT', '0'], ['EX', '9223372036854775'], ['PX', '9223372036854775807']]) {
      assert.equal(await errorOf(s, 'SET', 'c', 'v', ...bad), "ERR invalid expire time in 'set' command");
    }
    assert.equal(await errorOf(s, 'SET', 'c', 'v', 'EX', '1.5'), 'ERR value is not an integer or out of range');
    assert.equal(await errorOf(s, 'SET', 'c', 'v', 'EX', 'abc'), 'ERR value is not an integer or out of range');
    for (const bad of [['NX', 'XX'], ['XX', 'NX'], ['EX', '10', 'KEEPTTL'], ['KEEPTTL', 'PX', '5'], ['EX'], ['PX', '10', 'EX', '10'], ['PERSIST'], ['FOO']]) {
      assert.equal(await errorOf(s, 'SET', 'c', 'v', ...bad), 'ERR syntax error', bad.join(' '));
    }
    assert.equal(await s.call('EXISTS', 'c'), 0);
    // Huge but representable absolute times are fine.
    assert.equal(await s.call('SET', 'd', 'v', 'PXAT', '9223372036854775807'), 'OK');
    assert.equal(await errorOf(s, 'SETEX', 'd', '0', 'v'), "ERR invalid expire time in 'setex' command");
    assert.equal(await errorOf(s, 'PSETEX', 'd', '-5', 'v'), "ERR invalid expire time in 'psetex' command");
  }));

test('SETNX, SETEX, PSETEX, GETSET, GETDEL', () =>
  withServer(async (s) => {
    s.clock.freeze();
    assert.equal(await s.call('SETNX', 'k', '1'), 1);
    assert.equal(await s.call('SETNX', 'k', '2'), 0);
    assert.equal(await s.call('SETEX', 'k', 5, 'x'), 'OK');
    assert.equal(await s.call('TTL', 'k'), 5);
    assert.equal(await s.call('PSETEX', 'k', 5000, 'y'), 'OK');
    assert.equal(await s.call('PTTL', 'k'), 5000);
    assert.equal(await s.call('GETSET', 'k', 'z'), 'y');
    assert.equal(await s.call('TTL', 'k'), -1); // GETSET clears the TTL
    assert.equal(await s.call('GETSET', 'nokey', 'v'), null);
    assert.equal(await s.call('GETDEL', 'k'), 'z');
    assert.equal(await s.call('EXISTS', 'k'), 0);
    assert.equal(await s.call('GETDEL', 'k'), null);
  }));

test('GETEX changes or clears the TTL', () =>
  withServer(async (s) => {
    s.clock.freeze(1_000_000);
    await s.call('SET', 'k', 'v');
    assert.equal(await s.call('GETEX', 'k'), 'v');
    assert.equal(await s.call('GETEX', 'k', 'EX', 100), 'v');
    assert.equal(await s.call('TTL', 'k'), 100);
    assert.equal(await s.call('GETEX', 'k', 'PX', 500), 'v');
    assert.equal(await s.call('PTTL', 'k'), 500);
    assert.equal(await s.call('GETEX', 'k', 'PXAT', 1_002_000), 'v');
    assert.equal(await s.call('PTTL', 'k'), 2000);
    assert.equal(await s.call('GETEX', 'k', 'PERSIST'), 'v');
    assert.equal(await s.call('TTL', 'k'), -1);
    // An absolute time already past deletes the key at once.
    assert.equal(await s.call('GETEX', 'k', 'EXAT', 1), 'v');
    assert.equal(await s.call('EXISTS', 'k'), 0);
    assert.equal(await s.call('GETEX', 'k', 'EX', 10), null);
    // Syntax errors win over a missing key; bad times only matter for an existing key.
    assert.equal(await errorOf(s, 'GETEX', 'k', 'EX', 10, 'PERSIST'), 'ERR syntax error');
    assert.equal(await errorOf(s, 'GETEX', 'k', 'KEEPTTL'), 'ERR syntax error');
    assert.equal(await s.call('GETEX', 'k', 'EX', -1), null);
    await s.call('SET', 'k', 'v');
    assert.equal(await errorOf(s, 'GETEX', 'k', 'EX', -1), "ERR invalid expire time in 'getex' command");
  }));

test('MGET, MSET, MSETNX', () =>
  withServer(async (s) => {
    assert.equal(await s.call('MSET', 'a', '1', 'b', '2', 'a', '3'), 'OK');
    addList(s, 'l');
    assert.deepEqual(await s.call('MGET', 'a', 'b', 'c', 'l'), ['3', '2', null, null]);
    assert.equal(await s.call('MSETNX', 'c', '1', 'a', '9'), 0);
    assert.equal(await s.call('EXISTS', 'c'), 0);
    assert.equal(await s.call('MSETNX', 'c', '1', 'd', '2'), 1);
    assert.equal(await errorOf(s, 'MSET', 'a', '1', 'b'), "ERR wrong number of arguments for 'mset' command");
    assert.equal(await errorOf(s, 'MSETNX', 'a', '1', 'b'), "ERR wrong number of arguments for 'msetnx' command");
  }));

test('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE', () =>
  withServer(async (s) => {
    assert.equal(await s.call('APPEND', 'k', 'Hello'), 5);
    assert.equal(await s.call('APPEND', 'k', ' World'), 11);
    assert.equal(await s.call('STRLEN', 'k'), 11);
    assert.equal(await s.call('GETRANGE', 'k', 0, 4), 'Hello');
    assert.equal(await s.call('GETRANGE', 'k', -5, -1), 'World');
    assert.equal(await s.call('GETRANGE', 'k', -1, -5), '');
    assert.equal(await s.call('GETRANGE', 'k', 5, 1), '');
    assert.equal(await s.call('GETRANGE', 'k', 0, 1000), 'Hello World');
    assert.equal(await s.call('SUBSTR', 'k', -100, 2), 'Hel');
    assert.equal(await s.call('GETRANGE', 'missing', 0, -1), '');
    assert.equal(await errorOf(s, 'GETRANGE', 'k', 'a', 1), 'ERR value is not an integer or out of range');
    assert.equal(await s.call('SETRANGE', 'k', 6, 'Redis'), 11);
    assert.equal(await s.call('GET', 'k'), 'Hello Redis');
    assert.equal(await s.call('SETRANGE', 'k', 13, 'X'), 14);
    assert.deepEqual(await s.callBuffer('GET', 'k'), Buffer.from('Hello Redis\0\0X', 'latin1'));
    assert.equal(await s.call('SETRANGE', 'k', 1, ''), 14);
    assert.equal(await s.call('SETRANGE', 'new', 0, ''), 0);
    assert.equal(await s.call('EXISTS', 'new'), 0);
    assert.equal(await s.call('SETRANGE', 'new', 3, 'ab'), 5);
    assert.deepEqual(await s.callBuffer('GET', 'new'), Buffer.from('\0\0\0ab', 'latin1'));
    assert.equal(await errorOf(s, 'SETRANGE', 'k', -1, 'x'), 'ERR offset is out of range');
    const tooLong = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
    assert.equal(await errorOf(s, 'SETRANGE', 'k', 536870912, 'x'), tooLong);
    assert.equal(await errorOf(s, 'SETRANGE', 'k', '9223372036854775807', 'x'), tooLong);
    await s.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb');
    await s.call('SET', 'big', 'x'.repeat(1024 * 1024 - 1));
    assert.equal(await s.call('APPEND', 'big', 'y'), 1024 * 1024);
    assert.equal(await errorOf(s, 'APPEND', 'big', 'z'), tooLong);
    assert.equal(await errorOf(s, 'SETRANGE', 'big', 1024 * 1024, 'z'), tooLong);
  }));

test('INCR family: exact int64 arithmetic and its errors', () =>
  withServer(async (s) => {
    assert.equal(await s.call('INCR', 'n'), 1);
    assert.equal(await s.call('INCRBY', 'n', 41), 42);
    assert.equal(await s.call('DECR', 'n'), 41);
    assert.equal(await s.call('DECRBY', 'n', 50), -9);
    await s.call('SET', 'n', '9007199254740991'); // 2^53 - 1
    assert.equal(await s.call('INCR', 'n'), 9007199254740992n);
    assert.equal(await s.call('INCR', 'n'), 9007199254740993n);
    assert.equal(await s.call('GET', 'n'), '9007199254740993');
    await s.call('SET', 'n', '9223372036854775806');
    assert.equal(await s.call('INCR', 'n'), 9223372036854775807n);
    assert.equal(await errorOf(s, 'INCR', 'n'), 'ERR increment or decrement would overflow');
    assert.equal(await s.call('INCRBY', 'n', '-9223372036854775807'), 0);
    assert.equal(await s.call('DECRBY', 'n', '9223372036854775807'), -9223372036854775807n);
    assert.equal(await s.call('DECR', 'n'), -9223372036854775808n);
    assert.equal(await errorOf(s, 'DECR', 'n'), 'ERR increment or decrement would overflow');
    assert.equal(await errorOf(s, 'DECRBY', 'n', '-9223372036854775808'), 'ERR decrement would overflow');
    for (const v of ['abc', '', ' 1', '1.0', '01', '-0', '9223372036854775808']) {
      await s.call('SET', 'x', v);
      assert.equal(await errorOf(s, 'INCR', 'x'), 'ERR value is not an integer or out of range', JSON.stringify(v));
    }
    assert.equal(await errorOf(s, 'INCRBY', 'x', '1x'), 'ERR value is not an integer or out of range');
    // INCR keeps the TTL.
    s.clock.freeze();
    await s.call('SET', 't', '1', 'EX', 50);
    await s.call('INCR', 't');
    assert.equal(await s.call('TTL', 't'), 50);
  }));

test('INCRBYFLOAT prints like Redis (long double, %.17Lf)', () =>
  withServer(async (s) => {
    assert.equal(await s.call('INCRBYFLOAT', 'f', '0.1'), '0.1');
    assert.equal(await s.call('INCRBYFLOAT', 'f', '0.1'), '0.2');
    assert.equal(await s.call('INCRBYFLOAT', 'f', '0.1'), '0.3');
    await s.call('SET', 'f', '10.5');
    assert.equal(await s.call('INCRBYFLOAT', 'f', '0'), '10.5');
    await s.call('SET', 'f', '5.0e3');
    assert.equal(await s.call('INCRBYFLOAT', 'f', '2.0e2'), '5200');
    assert.equal(await s.call('INCRBYFLOAT', 'f', '-5200'), '0');
    assert.equal(await errorOf(s, 'INCRBYFLOAT', 'f', 'abc'), 'ERR value is not a valid float');
    assert.equal(await errorOf(s, 'INCRBYFLOAT', 'f', 'inf'), 'ERR increment would produce NaN or Infinity');
    await s.call('SET', 'f', '1e4932');
    assert.equal(await errorOf(s, 'INCRBYFLOAT', 'f', '1e4932'), 'ERR increment would produce NaN or Infinity');
    await s.call('SET', 'f', 'text');
    assert.equal(await errorOf(s, 'INCRBYFLOAT', 'f', '1'), 'ERR value is not a valid float');
    s.clock.freeze();
    await s.call('SET', 't', '1', 'EX', 50);
    assert.equal(await s.call('INCRBYFLOAT', 't', '1.5'), '2.5');
    assert.equal(await s.call('TTL', 't'), 50);
  }));

test('LCS plain, LEN, IDX with MINMATCHLEN and WITHMATCHLEN', () =>
  withServer(async (s) => {
    await s.call('MSET', 'a', 'ohmytext', 'b', 'mynewtext');
    assert.equal(await s.call('LCS', 'a', 'b'), 'mytext');
    assert.equal(await s.call('LCS', 'a', 'b', 'LEN'), 6);
    assert.equal(await s.call('LCS', 'a', 'missing'), '');
    const idx = await raw(s, 'LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', 4, 'WITHMATCHLEN');
    assert.deepEqual(idx, ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]); // RESP2: a flat array
    const resp3 = s.connect();
    await resp3.send(['HELLO', '3']);
    assert.deepEqual(await resp3.send(['LCS', 'a', 'b', 'idx']), new MapReply(['matches', [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], 'len', 6]));
    resp3.close();
    assert.equal(await errorOf(s, 'LCS', 'a', 'b', 'LEN', 'IDX'), 'ERR If you want both the length and indexes, please just use IDX.');
    assert.equal(await errorOf(s, 'LCS', 'a', 'b', 'MINMATCHLEN'), 'ERR syntax error');
    assert.equal(await errorOf(s, 'LCS', 'a', 'b', 'MINMATCHLEN', 'x'), 'ERR value is not an integer or out of range');
    addList(s, 'l');
    assert.equal(await errorOf(s, 'LCS', 'a', 'l'), 'ERR The specified keys must contain string values');
  }));

test('keyspace events have Redis names', () =>
  withServer(async (s) => {
    s.clock.freeze(1_000_000);
    await s.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const sub = s.connect();
    await sub.send(['PSUBSCRIBE', '__keyevent@0__:*']);
    const events: string[] = [];
    sub.onPush = (r) => {
      const m = r as unknown as Reply[];
      if (Array.isArray(m) && m[0] === 'pmessage') events.push(`${String(m[2]).slice('__keyevent@0__:'.length)} ${String(m[3])}`);
    };
    await s.call('SET', 'k', 'v', 'EX', 10);
    await s.call('GETEX', 'k', 'PERSIST');
    await s.call('GETEX', 'k', 'PX', 100);
    await s.call('APPEND', 'k', 'x');
    await s.call('SETRANGE', 'k', 0, 'y');
    await s.call('INCRBYFLOAT', 'f', '1');
    await s.call('INCR', 'i');
    await s.call('GETDEL', 'i');
    await s.call('MSET', 'm1', 'a', 'm2', 'b');
    await s.call('GETEX', 'k', 'EXAT', 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, [
      'set k',
      'expire k',
      'persist k',
      'expire k',
      'append k',
      'setrange k',
      'incrbyfloat f',
      'incrby i',
      'del i',
      'set m1',
      'set m2',
      'del k',
    ]);
    sub.close();
  }));
