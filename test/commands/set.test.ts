// Set commands through the embedded API: the random commands (SPOP, SRANDMEMBER) checked by
// their properties, SSCAN's guarantee under concurrent changes, intset order, WATCH.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { SetValue } from '../../src/datatypes/set';

describe('set datatype', () => {
  test('an intset keeps members in numeric order across the whole int64 range', () => {
    const s = new SetValue(true);
    const values: bigint[] = [];
    let x = 12345n;
    for (let i = 0; i < 300; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      const v = BigInt.asIntN(64, x) >> BigInt(i % 64);
      values.push(v);
      s.add(String(v), 1000);
    }
    values.push(-9223372036854775808n, 9223372036854775807n, 0n, -1n, 1n);
    for (const v of values.slice(-5)) s.add(String(v), 1000);
    const expected = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
    assert.deepEqual(s.toArray(), expected);
    assert.equal(s.encoding, 'intset');
    for (const v of expected) assert.ok(s.has(v));
    assert.ok(!s.has('01') && !s.has('+1') && !s.has('-0') && !s.has('x'));
    assert.ok(s.delete(expected[7]) && !s.has(expected[7]));
  });

  test('conversions: non-integer member or too many entries; clone keeps the encoding', () => {
    const s = new SetValue(true);
    s.add('1', 2);
    s.add('2', 2);
    assert.equal(s.encoding, 'intset');
    s.add('3', 2);
    assert.equal(s.encoding, 'hashtable');
    s.delete('3');
    assert.equal(s.encoding, 'hashtable');
    const t = SetValue.for('abc');
    assert.equal(t.encoding, 'hashtable');
    const c = s.clone();
    assert.deepEqual(c.toArray().sort(), ['1', '2']);
    assert.equal(c.encoding, 'hashtable');
    c.add('9', 2);
    assert.ok(!s.has('9'));
  });
});

describe('set commands (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
  });

  async function fill(key: string, members: string[]): Promise<Set<string>> {
    await s.call('SADD', key, ...members);
    return new Set(members);
  }
  const words = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
  const ints = (n: number) => Array.from({ length: n }, (_, i) => String(i * 3 - 50));

  test('SRANDMEMBER with a positive count: distinct members, at most the set size', async () => {
    for (const members of [words(30), ints(30)]) {
      await s.call('DEL', 's');
      const all = await fill('s', members);
      for (const count of [1, 4, 9, 10, 11, 29, 30, 31, 1000]) {
        const got = (await s.call('SRANDMEMBER', 's', String(count))) as string[];
        assert.equal(got.length, Math.min(count, 30));
        assert.equal(new Set(got).size, got.length);
        for (const m of got) assert.ok(all.has(m));
      }
      assert.equal(await s.call('SCARD', 's'), 30, 'SRANDMEMBER does not remove');
    }
  });

  test('SRANDMEMBER with a negative count: |count| picks with repeats, every member reachable', async () => {
    const all = await fill('s', ['a', 'b', 'c']);
    const got = (await s.call('SRANDMEMBER', 's', '-300')) as string[];
    assert.equal(got.length, 300);
    for (const m of got) assert.ok(all.has(m));
    assert.equal(new Set(got).size, 3);
    assert.ok(all.has((await s.call('SRANDMEMBER', 's')) as string));
  });

  test('SPOP with a count removes exactly the distinct members it returns', async () => {
    for (const members of [words(50), ints(50)]) {
      await s.call('DEL', 's');
      const left = await fill('s', members);
      // 3: sampled; 45: most members go (the set is rebuilt from the survivors).
      for (const count of [3, 45]) {
        const got = (await s.call('SPOP', 's', String(count))) as string[];
        assert.equal(got.length, count);
        assert.equal(new Set(got).size, count);
        for (const m of got) {
          assert.ok(left.delete(m), `${m} was in the set`);
          assert.equal(await s.call('SISMEMBER', 's', m), 0);
        }
        assert.deepEqual(((await s.call('SMEMBERS', 's')) as string[]).sort(), [...left].sort());
      }
      const rest = (await s.call('SPOP', 's', '100')) as string[];
      assert.deepEqual(rest.sort(), [...left].sort());
      assert.equal(await s.call('EXISTS', 's'), 0);
    }
  });

  test('SPOP without a count pops one member until the set is gone', async () => {
    const left = await fill('s', ['x', '1', 'y']);
    for (let i = 0; i < 3; i++) assert.ok(left.delete((await s.call('SPOP', 's')) as string));
    assert.equal(await s.call('EXISTS', 's'), 0);
    assert.equal(await s.call('SPOP', 's'), null);
  });

  test('intsets reply in numeric order; results of intset operations too', async () => {
    await s.call('SADD', 'a', '10', '-3', '2', '9223372036854775807', '-9223372036854775808');
    await s.call('SADD', 'b', '2', '10', '7');
    assert.deepEqual(await s.call('SMEMBERS', 'a'), ['-9223372036854775808', '-3', '2', '10', '9223372036854775807']);
    assert.deepEqual(await s.call('SUNION', 'a', 'b'), ['-9223372036854775808', '-3', '2', '7', '10', '9223372036854775807']);
    assert.deepEqual(await s.call('SINTER', 'b', 'a'), ['2', '10']);
    assert.deepEqual(await s.call('SDIFF', 'a', 'b'), ['-9223372036854775808', '-3', '9223372036854775807']);
    assert.equal(await s.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'), 1);
  });

  test('SSCAN returns every member present for the whole scan, despite concurrent changes', async () => {
    const all = await fill('s', words(800));
    const seen = new Set<string>();
    const everExisted = new Set(all);
    const removed = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, batch] = (await s.call('SSCAN', 's', cursor, 'COUNT', '25')) as [string, string[]];
      for (const m of batch) {
        assert.ok(everExisted.has(m), `${m} never existed`);
        seen.add(m);
      }
      cursor = next;
      const added = `new${round}`;
      everExisted.add(added);
      await s.call('SADD', 's', added);
      const victim = `m${(round * 31 + 3) % 800}`;
      if ((await s.call('SREM', 's', victim)) === 1) removed.add(victim);
      if (round % 5 === 0) {
        const popped = (await s.call('SPOP', 's')) as string;
        removed.add(popped);
      }
      round++;
    } while (cursor !== '0');
    for (const m of all) if (!removed.has(m)) assert.ok(seen.has(m), `${m} missed`);
  });

  test('SMOVE between sets, same set, and WATCH invalidation only on changes', async () => {
    await s.call('SADD', 'a', '1', '2');
    const run = async (write: string[], aborted: boolean, key = 'a') => {
      const w = s.connect();
      await w.call(['WATCH', key]);
      await s.call(...write);
      await w.call(['MULTI']);
      await w.call(['SCARD', key]);
      const res = await w.call(['EXEC']);
      assert.equal(res === null, aborted, write.join(' '));
      w.close();
    };
    await run(['SADD', 'a', '1'], false);
    await run(['SREM', 'a', 'nope'], false);
    await run(['SMOVE', 'a', 'a', '1'], false);
    await run(['SMOVE', 'a', 'b', 'nope'], false);
    await run(['SMOVE', 'a', 'b', '1'], true);
    await run(['SMOVE', 'a', 'b', '2'], true, 'b');
    assert.equal(await s.call('EXISTS', 'a'), 0);
    assert.deepEqual(((await s.call('SMEMBERS', 'b')) as string[]).sort(), ['1', '2']);
    await run(['SINTERSTORE', 'b', 'b', 'nokey'], true, 'b');
    assert.equal(await s.call('EXISTS', 'b'), 0);
  });
});
