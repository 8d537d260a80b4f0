// SORT and SORT_RO side by side with redis-server: numeric and ALPHA order, BY and GET patterns
// (string keys and hash fields), LIMIT, DESC, STORE, errors and RESP3.
import { test } from 'node:test';
import { differential, Pair } from '../helpers/differential';

/** Users with weights and names in strings and hashes, the classic SORT example. */
async function fixture(p: Pair): Promise<void> {
  await p.script([
    ['SADD', 'ids', '3', '1', '2', '10', '7'],
    ['MSET', 'w_1', '40', 'w_2', '5', 'w_3', '5', 'w_10', '-2.5', 'w_7', 'x'],
    ['MSET', 'name_1', 'carol', 'name_2', 'alice', 'name_3', 'bob', 'name_10', 'Dave'],
    ['HSET', 'user:1', 'age', '30', 'nick', 'c'],
    ['HSET', 'user:2', 'age', '25', 'nick', 'a'],
    ['HSET', 'user:3', 'age', '41'],
    ['HSET', 'user:10', 'age', '0x10', 'nick', 'zz'],
    ['SET', 'user:7', 'not a hash'],
  ]);
}

differential('sort', (ctx) => {
  test('numeric and ALPHA sorting of sets and sorted sets, ASC/DESC, LIMIT', async () => {
    const p = await ctx.pair();
    await fixture(p);
    await p.run('SADD', 'words', 'pear', 'Apple', 'banana', 'apple', '10', '9', 'b\x00z');
    await p.run('ZADD', 'z', '3', 'c', '1', 'a', '2', 'b', '2', 'bb', '-1', 'z');
    await p.run('ZADD', 'zn', '1', '30', '2', '4', '3', '100');
    await p.script([
      ['SORT', 'ids'],
      ['SORT', 'ids', 'DESC'],
      ['SORT', 'ids', 'ALPHA'],
      ['SORT', 'ids', 'ALPHA', 'DESC'],
      ['SORT', 'ids', 'LIMIT', '1', '2'],
      ['SORT', 'ids', 'LIMIT', '0', '0'],
      ['SORT', 'ids', 'LIMIT', '-5', '2'],
      ['SORT', 'ids', 'LIMIT', '3', '-1'],
      ['SORT', 'ids', 'LIMIT', '5', '1'],
      ['SORT', 'ids', 'LIMIT', '100', '10'],
      ['SORT', 'ids', 'LIMIT', '2', '9223372036854775807'],
      ['SORT', 'ids', 'desc', 'limit', '1', '3', 'asc'],
      ['SORT', 'words', 'ALPHA'],
      ['SORT', 'words', 'ALPHA', 'DESC', 'LIMIT', '2', '3'],
      ['SORT', 'words'],
      ['SORT', 'z'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'z', 'ALPHA', 'DESC'],
      ['SORT', 'zn'],
      ['SORT', 'zn', 'ALPHA'],
      ['SORT', 'zn', 'DESC', 'LIMIT', '1', '1'],
      ['SORT', 'nokey'],
      ['SORT', 'nokey', 'LIMIT', '0', '5'],
      ['SORT_RO', 'ids', 'DESC', 'LIMIT', '0', '2'],
      ['SORT_RO', 'z', 'ALPHA'],
    ]);
  });

  test('BY nosort keeps native order (sorted sets by score), honours DESC and LIMIT', async () => {
    const p = await ctx.pair();
    await p.run('ZADD', 'z', '3', 'c', '1', 'a', '2', 'b', '5', 'e', '4', 'd');
    await p.run('SADD', 'ints', '5', '1', '3');
    for (const extra of [[], ['DESC'], ['LIMIT', '1', '2'], ['DESC', 'LIMIT', '1', '2'], ['LIMIT', '3', '10'], ['DESC', 'LIMIT', '4', '1'], ['LIMIT', '5', '1'], ['LIMIT', '-1', '1'], ['LIMIT', '0', '-1'], ['LIMIT', '2', '0']]) {
      await p.run('SORT', 'z', 'BY', 'nosort', ...extra);
      await p.run('SORT', 'z', 'BY', 'nokey', ...extra, 'GET', '#');
      await p.run('SORT', 'ints', 'BY', 'nosort', ...extra);
    }
  });

  test('BY patterns: string keys, hash fields, missing keys, ALPHA by external values', async () => {
    const p = await ctx.pair();
    await fixture(p);
    await p.run('SADD', 'ok', '1', '2', '3', '10');
    await p.script([
      ['SORT', 'ok', 'BY', 'w_*'],
      ['SORT', 'ok', 'BY', 'w_*', 'DESC'],
      ['SORT', 'ok', 'BY', 'name_*', 'ALPHA'],
      ['SORT', 'ok', 'BY', 'name_*', 'ALPHA', 'DESC'],
      ['SORT', 'ids', 'BY', 'name_*', 'ALPHA'],
      ['SORT', 'ids', 'BY', 'user:*->age'],
      ['SORT', 'ids', 'BY', 'user:*->age', 'DESC'],
      ['SORT', 'ids', 'BY', 'user:*->nick', 'ALPHA'],
      ['SORT', 'ids', 'BY', 'missing_*'],
      ['SORT', 'ids', 'BY', 'missing_*', 'DESC'],
      ['SORT', 'ids', 'BY', 'user:*->nosuchfield'],
      ['SORT', 'ids', 'BY', 'user:*->'],
      ['SORT', 'ids', 'BY', 'w_*'],
      ['SORT', 'ok', 'BY', 'w_*', 'LIMIT', '1', '2'],
      ['SORT', 'ok', 'BY', '*'],
      ['SORT', 'ok', 'BY', 'w_*', 'BY', 'name_*', 'ALPHA'],
    ]);
  });

  test('GET patterns: #, string keys, hash fields, missing values', async () => {
    const p = await ctx.pair();
    await fixture(p);
    await p.script([
      ['SORT', 'ids', 'GET', '#'],
      ['SORT', 'ids', 'GET', 'name_*'],
      ['SORT', 'ids', 'GET', '#', 'GET', 'name_*', 'GET', 'user:*->age', 'GET', 'user:*->nick'],
      ['SORT', 'ids', 'GET', 'nostar'],
      ['SORT', 'ids', 'GET', 'user:*->'],
      ['SORT', 'ids', 'GET', 'w_*', 'LIMIT', '1', '2', 'DESC'],
      ['SORT', 'ids', 'BY', 'user:*->age', 'GET', 'name_*'],
      ['SORT', 'ids', 'BY', 'nosort', 'GET', 'name_*', 'LIMIT', '0', '10'],
      ['SORT', 'ids', 'GET', 'name_*', 'ALPHA', 'DESC'],
      ['SORT', 'nokey', 'GET', '#'],
      ['SORT_RO', 'ids', 'GET', '#', 'GET', 'name_*'],
    ]);
    await p.check('type', 'HELLO', '3');
    await p.run('SORT', 'ids', 'GET', 'name_*', 'GET', '#');
    await p.run('SORT', 'nokey');
  });

  test('numeric conversion of elements and BY values (strtod rules)', async () => {
    const p = await ctx.pair();
    const values = [' 5', '0x10', '', '1e-300', '-0', '+3', '.5', '5.', '0x1p3', '1e308', '2.2250738585072014e-308', '0e-999', '0x1.8p1', '  -inf', 'INF', 'Infinity', '00012', '0x1p-1070'];
    let i = 0;
    for (const v of values) await p.run('SADD', `good${i++}`, v, '1');
    for (let j = 0; j < i; j++) await p.run('SORT', `good${j}`);
    const bad = [' ', '4.9e-324', '1e-320', '0x', '-nan', 'nan', '1e', 'e5', '.', '-', '1_0', '5e+', '1e400', 'infx', 'abc', '5 '];
    i = 0;
    for (const v of bad) await p.run('SADD', `bad${i++}`, v, '1');
    for (let j = 0; j < i; j++) await p.run('SORT', `bad${j}`);
    await p.run('SADD', 'n', 'a', 'b');
    await p.run('SET', 'k_a', 'x');
    await p.run('SORT', 'n', 'BY', 'k_*');
    await p.run('SORT', 'n', 'BY', 'k_*', 'ALPHA');
    await p.run('SORT', 'n', 'BY', 'k_*', 'STORE', 'dst');
    await p.run('EXISTS', 'dst');
  });

  test('errors: syntax, wrong type, bad LIMIT, SORT_RO without STORE', async () => {
    const p = await ctx.pair();
    await fixture(p);
    await p.run('SET', 'str', 'x');
    await p.run('HSET', 'h', 'a', '1');
    await p.script([
      ['SORT'],
      ['SORT_RO'],
      ['SORT', 'str'],
      ['SORT', 'h'],
      ['SORT', 'str', 'NOPE'],
      ['SORT', 'ids', 'NOPE'],
      ['SORT', 'ids', 'LIMIT', '1'],
      ['SORT', 'ids', 'LIMIT', 'a', '1'],
      ['SORT', 'ids', 'LIMIT', '1', 'b'],
      ['SORT', 'ids', 'LIMIT', '1', '1.5'],
      ['SORT', 'ids', 'BY'],
      ['SORT', 'ids', 'GET'],
      ['SORT', 'ids', 'STORE'],
      ['SORT_RO', 'ids', 'STORE', 'dst'],
      ['SORT_RO', 'str'],
      ['SORT', 'words'],
      ['SORT', 'name_1'],
      ['EXISTS', 'dst'],
    ]);
  });

  test('STORE: a list of the results (GET misses become empty strings), events', async () => {
    const p = await ctx.pair();
    await fixture(p);
    await p.run('SADD', 'words', 'b', 'a', 'c');
    await p.script([
      ['SORT', 'ids', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['TYPE', 'dst'],
      ['SORT', 'ids', 'GET', 'name_*', 'GET', '#', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'words', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'words', 'STORE', 'dst', 'ALPHA', 'DESC', 'LIMIT', '0', '2'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SET', 'str', 'x'],
      ['EXPIRE', 'str', '100'],
      ['SORT', 'ids', 'STORE', 'str', 'LIMIT', '0', '1'],
      ['TTL', 'str'],
      ['LRANGE', 'str', '0', '-1'],
      ['SORT', 'nokey', 'STORE', 'str'],
      ['EXISTS', 'str'],
      ['SORT', 'ids', 'LIMIT', '0', '0', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['SORT', 'ids', 'STORE', 'a', 'STORE', 'b'],
      ['EXISTS', 'a', 'b'],
      ['SORT', 'ids', 'STORE', 'ids'],
      ['TYPE', 'ids'],
    ]);
  });

  test('COMMAND GETKEYS: the sorted key and the last STORE destination', async () => {
    const p = await ctx.pair();
    await p.script([
      ['COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE', 'd'],
      ['COMMAND', 'GETKEYS', 'SORT', 'k', 'LIMIT', '0', '1', 'GET', 'store', 'STORE', 'x', 'STORE', 'y'],
      ['COMMAND', 'GETKEYS', 'SORT', 'k'],
      ['COMMAND', 'GETKEYS', 'SORT_RO', 'k', 'BY', 'x'],
    ]);
  });

  test('lists: native order with BY nosort, sorting, LIMIT windows', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'l', '3', '1', '2', '10', '1', 'x');
    await p.run('RPUSH', 'n', '3', '1', '2', '10', '1', '-4');
    await p.script([
      ['SORT', 'n'],
      ['SORT', 'n', 'DESC'],
      ['SORT', 'l', 'ALPHA'],
      ['SORT', 'l'],
      ['SORT', 'l', 'BY', 'nosort'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '3'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '3'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '10', '3'],
      ['SORT', 'l', 'BY', 'nosort', 'STORE', 'copy'],
      ['LRANGE', 'copy', '0', '-1'],
      ['SORT', 'n', 'LIMIT', '2', '2', 'STORE', 'copy'],
      ['LRANGE', 'copy', '0', '-1'],
    ]);
  });

  test('keyspace events of STORE', async () => {
    const p = await ctx.pair();
    const sub = await ctx.pair();
    try {
      await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await p.run('SADD', 's', '2', '1');
      await sub.runN(1, 'PSUBSCRIBE', '__key*__:*');
      await p.run('SORT', 's', 'STORE', 'd');
      for (let i = 0; i < 2; i++) await sub.next('sortstore events');
      await p.run('SORT', 's', 'STORE', 'd');
      for (let i = 0; i < 2; i++) await sub.next('sortstore overwrite');
      await p.run('SORT', 'nokey', 'STORE', 'd');
      for (let i = 0; i < 2; i++) await sub.next('del');
      await p.run('SORT', 'nokey', 'STORE', 'd');
      await p.run('SADD', 's', '3');
      for (let i = 0; i < 2; i++) await sub.next('sadd after a no-op SORT');
    } finally {
      await p.run('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });
});
