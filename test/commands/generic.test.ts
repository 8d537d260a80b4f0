import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { Collection, CollectionType } from '../../src/datatypes/value';
import { PushReply, Reply } from '../../src/resp/reply';
import { parseScanCursor } from '../../src/commands/generic';
import { stringEncoding } from '../../src/datatypes/string-encoding';

/** A minimal collection, to check what generic commands do with non-string values. */
class FakeList implements Collection {
  readonly type: CollectionType = 'list';
  constructor(public items: string[]) {}
  get size(): number {
    return this.items.length;
  }
  get encoding(): string {
    return 'quicklist';
  }
  clone(): FakeList {
    return new FakeList([...this.items]);
  }
}

const T0 = 1_700_000_000_000;

describe('generic commands (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
    s.clock.freeze(T0);
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
    await s.call('SELECT', '0');
    s.clock.set(T0);
  });
  const db = (i = 0) => s.server.keyspace.dbs[i];

  test('DEL and UNLINK count removed keys; EXISTS counts repeats', async () => {
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '2');
    assert.equal(await s.call('EXISTS', 'a', 'a', 'b', 'nope'), 3);
    assert.equal(await s.call('DEL', 'a', 'a', 'nope'), 1);
    assert.equal(await s.call('UNLINK', 'b', 'c'), 1);
    assert.equal(await s.call('EXISTS', 'a', 'b'), 0);
    assert.equal(await s.call('DBSIZE'), 0);
  });

  test('expired keys do not count for DEL, EXISTS, TOUCH, KEYS', async () => {
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '1');
    await s.call('PEXPIRE', 'a', '100');
    s.server.keyspace.expirePaused = true; // keep it logically expired but stored
    s.clock.advance(200);
    assert.deepEqual(await s.call('KEYS', '*'), ['b']);
    s.server.keyspace.expirePaused = false;
    assert.equal(await s.call('DEL', 'a'), 0);
    assert.equal(await s.call('TOUCH', 'a', 'b', 'b'), 2);
    assert.equal(await s.call('EXISTS', 'a'), 0);
  });

  test('TYPE reports string, collection types and none', async () => {
    await s.call('SET', 's', 'v');
    db().add('l', new FakeList(['x']));
    assert.equal(await s.call('TYPE', 's'), 'string');
    assert.equal(await s.call('TYPE', 'l'), 'list');
    assert.equal(await s.call('TYPE', 'nope'), 'none');
  });

  test('KEYS with glob patterns', async () => {
    for (const k of ['hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'a*b', 'a?b']) await s.call('SET', k, '1');
    const keys = async (p: string) => ((await s.call('KEYS', p)) as string[]).sort();
    assert.deepEqual(await keys('h?llo'), ['hallo', 'hello', 'hxllo']);
    assert.deepEqual(await keys('h*llo'), ['hallo', 'heeeello', 'hello', 'hllo', 'hxllo']);
    assert.deepEqual(await keys('h[ae]llo'), ['hallo', 'hello']);
    assert.deepEqual(await keys('h[^e]llo'), ['hallo', 'hxllo']);
    assert.deepEqual(await keys('h[a-b]llo'), ['hallo']);
    assert.deepEqual(await keys('a\\*b'), ['a*b']);
    assert.deepEqual(await keys('nothing*'), []);
  });

  test('SCAN walks all keys with MATCH, COUNT and TYPE', async () => {
    for (let i = 0; i < 50; i++) await s.call('SET', `k${i}`, 'v');
    db().add('list1', new FakeList(['x']));
    const all: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = (await s.call('SCAN', cursor, 'COUNT', '7')) as [string, string[]];
      assert.ok(batch.length <= 7);
      all.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    assert.equal(all.length, 51);
    assert.equal(new Set(all).size, 51);
    const [, m] = (await s.call('SCAN', '0', 'MATCH', 'k1*', 'COUNT', '1000')) as [string, string[]];
    assert.deepEqual(m.sort(), ['k1', 'k10', 'k11', 'k12', 'k13', 'k14', 'k15', 'k16', 'k17', 'k18', 'k19']);
    const [c2, t] = (await s.call('SCAN', '0', 'TYPE', 'LIST', 'COUNT', '1000')) as [string, string[]];
    assert.equal(c2, '0');
    assert.deepEqual(t, ['list1']);
    const [, none] = (await s.call('SCAN', '0', 'TYPE', 'hash', 'COUNT', '1000')) as [string, string[]];
    assert.deepEqual(none, []);
  });

  test('SCAN returns every key present for the whole scan despite inserts and deletes', async () => {
    for (let i = 0; i < 200; i++) await s.call('SET', `stable${i}`, 'v');
    for (let i = 0; i < 200; i++) await s.call('SET', `churn${i}`, 'v');
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, batch] = (await s.call('SCAN', cursor, 'COUNT', '15')) as [string, string[]];
      for (const k of batch) seen.add(k);
      cursor = next;
      // Between calls: delete some churn keys, add new ones, overwrite stable ones.
      for (let j = 0; j < 5; j++) {
        await s.call('DEL', `churn${round * 5 + j}`);
        await s.call('SET', `new${round}_${j}`, 'v');
      }
      await s.call('SET', `stable${round % 200}`, 'changed');
      round++;
    } while (cursor !== '0');
    for (let i = 0; i < 200; i++) assert.ok(seen.has(`stable${i}`), `stable${i} missed`);
  });

  test('SCAN skips and deletes expired keys', async () => {
    await s.call('SET', 'live', 'v');
    await s.call('SET', 'dead', 'v');
    await s.call('PEXPIRE', 'dead', '10');
    s.server.keyspace.expirePaused = true;
    s.clock.advance(20);
    s.server.keyspace.expirePaused = false;
    assert.equal(await s.call('DBSIZE'), 2);
    assert.deepEqual(await s.call('SCAN', '0'), ['0', ['live']]);
    assert.equal(await s.call('DBSIZE'), 1);
  });

  test('SCAN argument errors', async () => {
    await assert.rejects(s.call('SCAN', 'x'), /^RespiteError: ERR invalid cursor$/);
    await assert.rejects(s.call('SCAN', ' 1'), /ERR invalid cursor/);
    await assert.rejects(s.call('SCAN', '18446744073709551616'), /ERR invalid cursor/);
    await assert.rejects(s.call('SCAN', '0', 'COUNT', '0'), /ERR syntax error/);
    await assert.rejects(s.call('SCAN', '0', 'COUNT', 'x'), /ERR value is not an integer or out of range/);
    await assert.rejects(s.call('SCAN', '0', 'MATCH'), /ERR syntax error/);
    await assert.rejects(s.call('SCAN', '0', 'FOO', 'bar'), /ERR syntax error/);
    assert.deepEqual(await s.call('SCAN', ''), ['0', []]);
  });

  test('parseScanCursor follows strtoul', () => {
    assert.equal(parseScanCursor(''), 0);
    assert.equal(parseScanCursor('+12'), 12);
    assert.equal(parseScanCursor('007'), 7);
    assert.equal(parseScanCursor('-0'), 0);
    assert.equal(parseScanCursor('-1'), Number.MAX_SAFE_INTEGER); // wraps to 2^64-1: past our end
    assert.equal(parseScanCursor('18446744073709551615'), Number.MAX_SAFE_INTEGER);
    for (const bad of ['-', '+', '1 ', '0x1', '1.0', '-18446744073709551616']) assert.throws(() => parseScanCursor(bad), { message: 'ERR invalid cursor' });
  });

  test('RANDOMKEY', async () => {
    assert.equal(await s.call('RANDOMKEY'), null);
    await s.call('SET', 'only', 'v');
    assert.equal(await s.call('RANDOMKEY'), 'only');
  });

  test('RANDOMKEY never answers an expired key (they are deleted as they are picked)', async () => {
    for (let i = 0; i < 300; i++) await s.call('SET', `e${i}`, 'v');
    for (let i = 0; i < 300; i++) await s.call('PEXPIRE', `e${i}`, '10');
    await s.call('SET', 'survivor', 'v');
    s.server.keyspace.expirePaused = true;
    s.clock.advance(20);
    s.server.keyspace.expirePaused = false;
    assert.equal(await s.call('RANDOMKEY'), 'survivor');
    await s.call('DEL', 'survivor');
    assert.equal(await s.call('RANDOMKEY'), null);
    assert.equal(await s.call('DBSIZE'), 0);
  });

  test('RENAME and RENAMENX carry the TTL and emit rename events', async () => {
    const events = await subscribeEvents();
    await s.call('SET', 'a', '1');
    await s.call('PEXPIRE', 'a', '5000');
    assert.equal(await s.call('RENAME', 'a', 'b'), 'OK');
    assert.equal(await s.call('PTTL', 'b'), 5000);
    assert.equal(await s.call('EXISTS', 'a'), 0);
    await s.call('SET', 'c', '3');
    assert.equal(await s.call('RENAMENX', 'b', 'c'), 0);
    assert.equal(await s.call('RENAME', 'b', 'c'), 'OK');
    assert.equal(await s.call('GET', 'c'), '1');
    assert.equal(await s.call('PTTL', 'c'), 5000);
    assert.equal(await s.call('RENAME', 'c', 'c'), 'OK');
    assert.equal(await s.call('RENAMENX', 'c', 'c'), 0);
    await assert.rejects(s.call('RENAME', 'nope', 'x'), /^RespiteError: ERR no such key$/);
    await assert.rejects(s.call('RENAMENX', 'nope', 'nope'), /ERR no such key/);
    assert.equal(await s.call('RENAMENX', 'c', 'd'), 1);
    await flush();
    const renames = events().filter((e) => e[0] === 'rename_from' || e[0] === 'rename_to');
    assert.deepEqual(renames, [
      ['rename_from', 'a'],
      ['rename_to', 'b'],
      ['rename_from', 'b'],
      ['rename_to', 'c'],
      ['rename_from', 'c'],
      ['rename_to', 'd'],
    ]);
  });

  test('COPY within and across databases, REPLACE, clones collections', async () => {
    await s.call('SET', 'a', 'v');
    await s.call('PEXPIRE', 'a', '9000');
    assert.equal(await s.call('COPY', 'a', 'b'), 1);
    assert.equal(await s.call('PTTL', 'b'), 9000);
    assert.equal(await s.call('COPY', 'a', 'b'), 0);
    await s.call('SET', 'c', 'other');
    assert.equal(await s.call('COPY', 'a', 'c', 'REPLACE'), 1);
    assert.equal(await s.call('GET', 'c'), 'v');
    assert.equal(await s.call('COPY', 'nope', 'x'), 0);
    assert.equal(await s.call('COPY', 'a', 'a', 'DB', '1'), 1);
    assert.equal(db(1).peek('a'), 'v');
    assert.equal(db(1).getExpire('a'), T0 + 9000);
    await assert.rejects(s.call('COPY', 'a', 'a'), /^RespiteError: ERR source and destination objects are the same$/);
    await assert.rejects(s.call('COPY', 'a', 'a', 'DB', '0'), /ERR source and destination objects are the same/);
    await assert.rejects(s.call('COPY', 'a', 'z', 'DB', '16'), /^RespiteError: ERR DB index is out of range$/);
    await assert.rejects(s.call('COPY', 'a', 'z', 'DB', 'x'), /ERR value is not an integer or out of range/);
    await assert.rejects(s.call('COPY', 'a', 'z', 'DB', '99999999999'), /ERR value is out of range, value must between -2147483648 and 2147483647/);
    await assert.rejects(s.call('COPY', 'a', 'z', 'DB'), /ERR syntax error/);
    await assert.rejects(s.call('COPY', 'a', 'z', 'FOO'), /ERR syntax error/);
    const list = new FakeList(['x', 'y']);
    db().add('l', list);
    assert.equal(await s.call('COPY', 'l', 'l2'), 1);
    const copy = db().peek('l2') as FakeList;
    assert.notEqual(copy, list);
    assert.deepEqual(copy.items, ['x', 'y']);
    list.items.push('z');
    assert.deepEqual(copy.items, ['x', 'y']);
  });

  test('MOVE between databases', async () => {
    await s.call('SET', 'k', 'v');
    await s.call('PEXPIRE', 'k', '3000');
    await assert.rejects(s.call('MOVE', 'k', '0'), /^RespiteError: ERR source and destination objects are the same$/);
    await assert.rejects(s.call('MOVE', 'k', '16'), /^RespiteError: ERR DB index is out of range$/);
    await assert.rejects(s.call('MOVE', 'k', '-1'), /ERR DB index is out of range/);
    await assert.rejects(s.call('MOVE', 'k', 'x'), /ERR value is not an integer or out of range/);
    assert.equal(await s.call('MOVE', 'k', '2'), 1);
    assert.equal(await s.call('EXISTS', 'k'), 0);
    assert.equal(db(2).getExpire('k'), T0 + 3000);
    assert.equal(await s.call('MOVE', 'k', '2'), 0);
    await s.call('SET', 'k', 'again');
    assert.equal(await s.call('MOVE', 'k', '2'), 0); // target taken
    assert.equal(db(2).peek('k'), 'v');
  });

  test('EXPIRE family with NX XX GT LT', async () => {
    await s.call('SET', 'k', 'v');
    assert.equal(await s.call('EXPIRE', 'k', '100', 'XX'), 0);
    assert.equal(await s.call('EXPIRE', 'k', '100', 'GT'), 0);
    assert.equal(await s.call('EXPIRE', 'k', '100', 'NX'), 1);
    assert.equal(await s.call('EXPIRE', 'k', '50', 'NX'), 0);
    assert.equal(await s.call('EXPIRE', 'k', '50', 'GT'), 0);
    assert.equal(await s.call('EXPIRE', 'k', '200', 'gt'), 1);
    assert.equal(await s.call('TTL', 'k'), 200);
    assert.equal(await s.call('EXPIRE', 'k', '300', 'LT'), 0);
    assert.equal(await s.call('EXPIRE', 'k', '150', 'LT', 'XX'), 1);
    assert.equal(await s.call('TTL', 'k'), 150);
    assert.equal(await s.call('PERSIST', 'k'), 1);
    assert.equal(await s.call('EXPIRE', 'k', '10', 'LT'), 1); // no TTL counts as infinite
    assert.equal(await s.call('PEXPIREAT', 'k', String(T0 + 1234)), 1);
    assert.equal(await s.call('PTTL', 'k'), 1234);
    assert.equal(await s.call('EXPIREAT', 'k', String(T0 / 1000 + 77)), 1);
    assert.equal(await s.call('EXPIRETIME', 'k'), T0 / 1000 + 77);
    assert.equal(await s.call('PEXPIRETIME', 'k'), T0 + 77000);
    assert.equal(await s.call('EXPIRE', 'nope', '10'), 0);
    await assert.rejects(s.call('EXPIRE', 'k', '10', 'NX', 'XX'), /^RespiteError: ERR NX and XX, GT or LT options at the same time are not compatible$/);
    await assert.rejects(s.call('EXPIRE', 'k', '10', 'GT', 'LT'), /^RespiteError: ERR GT and LT options at the same time are not compatible$/);
    await assert.rejects(s.call('EXPIRE', 'k', '10', 'FOO'), /^RespiteError: ERR Unsupported option FOO$/);
    await assert.rejects(s.call('EXPIRE', 'k', 'x'), /ERR value is not an integer or out of range/);
    await assert.rejects(s.call('EXPIRE', 'k', '9223372036854775'), /^RespiteError: ERR invalid expire time in 'expire' command$/);
    await assert.rejects(s.call('pexpire', 'k', '9223372036854775807'), /ERR invalid expire time in 'pexpire' command/);
    await assert.rejects(s.call('EXPIREAT', 'k', '9223372036854776'), /ERR invalid expire time in 'expireat' command/);
    assert.equal(await s.call('PEXPIREAT', 'k', '9223372036854775807'), 1);
    assert.equal(await s.call('PEXPIRETIME', 'k'), 9223372036854775807n);
  });

  test('a past expire time deletes the key with a del event; TTL counts down with the clock', async () => {
    const events = await subscribeEvents();
    await s.call('SET', 'k', 'v');
    assert.equal(await s.call('EXPIRE', 'k', '-1'), 1);
    assert.equal(await s.call('EXISTS', 'k'), 0);
    await s.call('SET', 'k', 'v');
    assert.equal(await s.call('PEXPIREAT', 'k', String(T0)), 1); // now counts as past
    assert.equal(await s.call('EXISTS', 'k'), 0);
    await s.call('SET', 'k', 'v');
    assert.equal(await s.call('PEXPIRE', 'k', '2600'), 1);
    assert.equal(await s.call('TTL', 'k'), 3); // (2600 + 500) / 1000
    s.clock.advance(2200);
    assert.equal(await s.call('TTL', 'k'), 0); // 400 ms rounds to 0
    assert.equal(await s.call('PTTL', 'k'), 400);
    assert.equal(await s.call('PERSIST', 'k'), 1);
    assert.equal(await s.call('PERSIST', 'k'), 0);
    assert.equal(await s.call('PERSIST', 'nope'), 0);
    assert.equal(await s.call('TTL', 'k'), -1);
    assert.equal(await s.call('PTTL', 'nope'), -2);
    assert.equal(await s.call('EXPIRETIME', 'k'), -1);
    assert.equal(await s.call('PEXPIRETIME', 'nope'), -2);
    await s.call('PEXPIRE', 'k', '100');
    s.clock.advance(100);
    assert.equal(await s.call('TTL', 'k'), -2);
    await flush();
    assert.deepEqual(
      events().filter((e) => e[1] === 'k'),
      [
        ['set', 'k'],
        ['del', 'k'],
        ['set', 'k'],
        ['del', 'k'],
        ['set', 'k'],
        ['expire', 'k'],
        ['persist', 'k'],
        ['expire', 'k'],
        ['expired', 'k'],
      ],
    );
  });

  test('OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ, HELP', async () => {
    assert.equal(stringEncoding('123'), 'int');
    assert.equal(stringEncoding('-9223372036854775808'), 'int');
    assert.equal(stringEncoding('9223372036854775808'), 'embstr');
    assert.equal(stringEncoding('012'), 'embstr');
    assert.equal(stringEncoding('x'.repeat(44)), 'embstr');
    assert.equal(stringEncoding('x'.repeat(45)), 'raw');
    await s.call('SET', 'n', '5');
    await s.call('SET', 'big', '10000');
    await s.call('SET', 'str', 'hello');
    db().add('l', new FakeList(['x']));
    assert.equal(await s.call('OBJECT', 'ENCODING', 'n'), 'int');
    assert.equal(await s.call('OBJECT', 'encoding', 'str'), 'embstr');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'l'), 'quicklist');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'nope'), null);
    assert.equal(await s.call('OBJECT', 'REFCOUNT', 'n'), 2147483647);
    assert.equal(await s.call('OBJECT', 'REFCOUNT', 'big'), 1);
    assert.equal(await s.call('OBJECT', 'REFCOUNT', 'str'), 1);
    assert.equal(await s.call('OBJECT', 'REFCOUNT', 'nope'), null);
    s.clock.advance(5000);
    assert.equal(await s.call('OBJECT', 'IDLETIME', 'str'), 5);
    assert.equal(await s.call('OBJECT', 'IDLETIME', 'str'), 5); // OBJECT itself is no access
    await s.call('GET', 'str');
    assert.equal(await s.call('OBJECT', 'IDLETIME', 'str'), 0);
    await assert.rejects(s.call('OBJECT', 'FREQ', 'str'), /^RespiteError: ERR An LFU maxmemory policy is not selected, access frequency not tracked\./);
    await assert.rejects(s.call('OBJECT', 'FOO', 'str'), /^RespiteError: ERR unknown subcommand 'FOO'\. Try OBJECT HELP\.$/);
    const help = (await s.call('OBJECT', 'HELP')) as string[];
    assert.equal(help[0], 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.equal(help.at(-1), '    Prints this help.');
  });

  test('OBJECT FREQ under an LFU policy', async () => {
    const lfu = await startServer({ port: null, maxmemoryPolicy: 'allkeys-lfu' });
    try {
      await lfu.call('SET', 'k', 'v');
      assert.equal(await lfu.call('OBJECT', 'FREQ', 'k'), 5); // LFU_INIT_VAL
      await assert.rejects(lfu.call('OBJECT', 'IDLETIME', 'k'), /^RespiteError: ERR An LFU maxmemory policy is selected, idle time not tracked\./);
      await lfu.call('SET', 'n', '7');
      assert.equal(await lfu.call('OBJECT', 'REFCOUNT', 'n'), 2147483647); // maxmemory 0: sharing on
    } finally {
      await lfu.close();
    }
  });

  /** Subscribes a second connection to every keyevent; returns a reader of [event, key] pairs. */
  async function subscribeEvents(): Promise<() => [string, string][]> {
    s.server.keyspace.setNotifyConfig('KEA');
    const sub = s.connect();
    const got: [string, string][] = [];
    sub.onPush = (r: Reply) => {
      const items = (r instanceof PushReply ? r.items : (r as Reply[])) as string[];
      if (items[0] === 'pmessage' && items[2].startsWith('__keyevent@0__:')) got.push([items[2].slice(15), items[3]]);
    };
    await sub.send(['PSUBSCRIBE', '__keyevent@*']);
    return () => got;
  }

  function flush(): Promise<void> {
    return new Promise((r) => setImmediate(r));
  }
});
