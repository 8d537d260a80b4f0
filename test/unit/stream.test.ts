// The stream data structure on its own: ID parsing and arithmetic, listpack byte accounting,
// the ordered PEL map against a naive model, and ranges over nodes with deletions.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MAX_ID, MIN_ID, Nack, StreamValue, cmpId, decrId, formatId, incrId, parseId, parseU64 } from '../../src/datatypes/stream';
import type { U64 } from '../../src/datatypes/stream/id';
import { IdMap } from '../../src/datatypes/stream/id-map';
import { StreamNode } from '../../src/datatypes/stream/node';
import { lpDeltaSize, lpIntSize, lpStringSize } from '../../src/datatypes/stream/listpack-size';
import { rng } from '../helpers/random';


describe('stream IDs', () => {
  test('parseU64 follows string2ull (strict integer, then strtoull)', () => {
    assert.equal(parseU64('0'), 0);
    assert.equal(parseU64('123'), 123);
    assert.equal(parseU64('007'), 7);
    assert.equal(parseU64(' +7'), 7);
    assert.equal(parseU64('18446744073709551615'), 18446744073709551615n);
    assert.equal(parseU64('18446744073709551616'), null);
    assert.equal(parseU64('9007199254740993'), 9007199254740993n);
    assert.equal(parseU64('9007199254740991'), 9007199254740991);
    assert.equal(parseU64('-1'), null);
    assert.equal(parseU64('-01'), 18446744073709551615n);
    assert.equal(parseU64('-0'), 0);
    assert.equal(parseU64(''), null);
    assert.equal(parseU64('1x'), null);
    assert.equal(parseU64('+'), null);
  });

  test('parseId forms', () => {
    assert.deepEqual(parseId('5', 0, true), { id: { ms: 5, seq: 0 }, seqGiven: true });
    assert.deepEqual(parseId('5', 18446744073709551615n, false)?.id, { ms: 5, seq: 18446744073709551615n });
    assert.deepEqual(parseId('5-*', 0, true, true), { id: { ms: 5, seq: 0 }, seqGiven: false });
    assert.equal(parseId('5-*', 0, true), null);
    assert.equal(parseId('-', 0, true), null);
    assert.deepEqual(parseId('-', 0, false)?.id, MIN_ID);
    assert.deepEqual(parseId('+', 0, false)?.id, MAX_ID);
    assert.deepEqual(parseId('3\u0000-9', 0, true)?.id, { ms: 3, seq: 0 });
    assert.equal(parseId('1-2-3', 0, true), null);
    assert.equal(parseId('9'.repeat(128), 0, true), null);
  });

  test('increment, decrement and compare across the 2^53 boundary', () => {
    const a = { ms: 1, seq: 9007199254740991 };
    assert.deepEqual(incrId(a), { ms: 1, seq: 9007199254740992n });
    assert.deepEqual(decrId({ ms: 1, seq: 9007199254740992n }), a);
    assert.deepEqual(incrId({ ms: 1, seq: 18446744073709551615n }), { ms: 2, seq: 0 });
    assert.equal(incrId(MAX_ID), null);
    assert.equal(decrId(MIN_ID), null);
    assert.deepEqual(decrId({ ms: 2, seq: 0 }), { ms: 1, seq: 18446744073709551615n });
    assert.equal(cmpId({ ms: 9007199254740993n, seq: 0 }, { ms: 9007199254740991, seq: 5 }), 1);
    assert.equal(formatId(18446744073709551615n, 0), '18446744073709551615-0');
  });
});

describe('listpack byte accounting', () => {
  test('integer and string encodings', () => {
    assert.equal(lpIntSize(0), 2);
    assert.equal(lpIntSize(127), 2);
    assert.equal(lpIntSize(128), 3);
    assert.equal(lpIntSize(-4096), 3);
    assert.equal(lpIntSize(32767), 4);
    assert.equal(lpIntSize(8388607), 5);
    assert.equal(lpIntSize(2147483647), 6);
    assert.equal(lpIntSize(2147483648), 10);
    assert.equal(lpStringSize('abc'), 5);
    assert.equal(lpStringSize('123'), 2); // stored as an integer
    assert.equal(lpStringSize('1234'), 3);
    assert.equal(lpStringSize('0123'), 6); // not canonical: a string
    assert.equal(lpStringSize('x'.repeat(63)), 65);
    assert.equal(lpStringSize('x'.repeat(64)), 67);
    assert.equal(lpStringSize('x'.repeat(126)), 130); // 128 bytes need a 2-byte back-length
    assert.equal(lpStringSize('9223372036854775808'), 21);
    assert.equal(lpStringSize('-9223372036854775808'), 10);
    assert.equal(lpDeltaSize(0, 5), 3); // a negative delta is a small negative int64
    assert.equal(lpDeltaSize(18446744073709551615n, 0), 3); // wraps to -1 (13-bit encoding)
  });
});

describe('IdMap (pending entries lists)', () => {
  test('matches a sorted model under random inserts, deletes and scans', () => {
    const rand = rng(3);
    const m = new IdMap<Nack>();
    const model = new Map<number, Nack>();
    for (let step = 0; step < 5000; step++) {
      const k = Math.floor(rand() * 800);
      if (rand() < 0.6) {
        const n = new Nack(k, 0, null, 0, 1);
        assert.equal(m.insert(n), !model.has(k));
        if (!model.has(k)) model.set(k, n);
      } else {
        assert.equal(m.delete(k, 0) !== undefined, model.delete(k));
      }
      assert.equal(m.size, model.size);
      if (step % 500 === 0) {
        const from = Math.floor(rand() * 800);
        const got: number[] = [];
        m.forEachFrom(from, 0, (n) => void got.push(n.ms as number));
        assert.deepEqual(got, [...model.keys()].filter((x) => x >= from).sort((a, b) => a - b));
      }
    }
    const keys = [...model.keys()].sort((a, b) => a - b);
    assert.equal(m.first()?.ms, keys[0]);
    assert.equal(m.last()?.ms, keys[keys.length - 1]);
    assert.equal(m.get(keys[3], 0)?.ms, keys[3]);
  });
});

describe('StreamValue', () => {
  test('ranges over nodes with deletions match a model, both directions', () => {
    const rand = rng(11);
    const s = new StreamValue();
    const ids: number[] = [];
    for (let i = 1; i <= 700; i++) {
      s.append({ ms: i, seq: 0 }, ['f', String(i)], 0, { maxEntries: 13, maxBytes: 4096 });
      ids.push(i);
    }
    for (let k = 0; k < 300; k++) {
      const victim = 1 + Math.floor(rand() * 700);
      const had = ids.includes(victim);
      assert.equal(s.delete({ ms: victim, seq: 0 }), had);
      if (had) ids.splice(ids.indexOf(victim), 1);
    }
    assert.equal(s.length, ids.length);
    for (let k = 0; k < 50; k++) {
      const a = Math.floor(rand() * 720);
      const b = a + Math.floor(rand() * 200);
      const want = ids.filter((x) => x >= a && x <= b);
      assert.deepEqual(
        s.range({ ms: a, seq: 0 }, { ms: b, seq: 0 }, 0, false).map((e) => e[0]),
        want.map((x) => `${x}-0`),
      );
      assert.deepEqual(
        s.range({ ms: a, seq: 0 }, { ms: b, seq: 0 }, 5, true).map((e) => e[0]),
        want.reverse().slice(0, 5).map((x) => `${x}-0`),
      );
    }
    // Nodes emptied by deletions disappear; exact MAXLEN trims leave the newest entries.
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 10, minid: MIN_ID, approx: false, limit: 0 }), ids.length - 10);
    assert.deepEqual(
      s.range(MIN_ID, MAX_ID, 0, false).map((e) => e[0]),
      ids.slice(-10).map((x) => `${x}-0`),
    );
  });

  test('rax node count of the node keys', () => {
    const s = new StreamValue();
    assert.equal(s.raxNodeCount(), 1);
    s.append({ ms: 1, seq: 1 }, ['f', 'v'], 0, { maxEntries: 1, maxBytes: 0 });
    assert.equal(s.raxNodeCount(), 2);
    s.append({ ms: 1, seq: 101 }, ['f', 'v'], 0, { maxEntries: 1, maxBytes: 0 });
    assert.equal(s.raxNodeCount(), 4);
    s.append({ ms: 2, seq: 0 }, ['f', 'v'], 0, { maxEntries: 1, maxBytes: 0 });
    assert.equal(s.nodeCount, 3);
    assert.equal(s.raxNodeCount(), 8); // checked against redis-server
  });

  test('clone is deep, PEL ownership included', () => {
    const s = new StreamValue();
    s.append({ ms: 1, seq: 0 }, ['f', 'v'], 0, { maxEntries: 100, maxBytes: 4096 });
    const g = s.createGroup('g', MIN_ID, -1)!;
    const c = g.createConsumer('c', 0)!;
    const n = new Nack(1, 0, c, 0, 1);
    g.pel.insert(n);
    c.pel.insert(n);
    const t = s.clone();
    g.ack(1, 0);
    const tg = t.group('g')!;
    assert.equal(tg.pel.size, 1);
    assert.equal(tg.pel.first()!.consumer, tg.consumer('c'));
    assert.equal(tg.consumer('c')!.pel.size, 1);
    s.delete({ ms: 1, seq: 0 });
    assert.equal(t.length, 1);
  });
});

describe('StreamNode', () => {
  // Sealing packs each ID column as int32 deltas, float64 or bigints: every form reads back the
  // same IDs, items and flags, also after taking entries again (unseal) and in a clone.
  const columns: [string, (i: number) => U64, (i: number) => U64][] = [
    ['int32 deltas', (i) => 1700000000000 + i, (i) => i],
    ['float64', (i) => i * 4294967296, (i) => 9007199254740991 - i * 3000000000],
    ['bigints', (i) => 9007199254740993n + BigInt(i), (i) => (i === 0 ? 0 : 18446744073709551615n - BigInt(10 - i))],
  ];
  for (const [name, msOf, seqOf] of columns) {
    test(`sealed node, ${name}`, () => {
      const n = new StreamNode(['a', 'b']);
      const fvs: string[][] = [];
      for (let i = 0; i < 10; i++) {
        const fv = i % 3 === 1 ? ['x', `v${i}`, 'a', ''] : ['a', `${i}`, 'b', 'v'.repeat(i)];
        fvs.push(fv);
        n.append(msOf(i), seqOf(i), ['XADD', ...fv], 1);
      }
      n.markDeleted(4);
      const snapshot = (m: StreamNode) =>
        Array.from({ length: m.total }, (_, i) => [m.msAt(i), m.seqAt(i), m.flagsAt(i), m.fields(i), m.storedItems(i), m.isDeleted(i)]);
      const before = snapshot(n);
      assert.deepEqual(before[2][3], fvs[2]);
      assert.deepEqual(before[1][4], fvs[1].length === 4 ? ['x', 'v1', 'a', ''] : []);
      assert.equal(before[4][5], true);
      const bytes = n.lpBytes;
      n.seal();
      assert.deepEqual(snapshot(n), before);
      assert.deepEqual(snapshot(n.clone()), before);
      assert.equal(n.lpBytes, bytes);
      assert.equal(n.lowerBound(msOf(5), seqOf(5)), 5);
      n.append(msOf(10), seqOf(10), ['XADD', 'a', '1', 'b', '2'], 1);
      assert.deepEqual(snapshot(n).slice(0, 10), before);
      assert.deepEqual(n.fields(10), ['a', '1', 'b', '2']);
    });
  }
});
