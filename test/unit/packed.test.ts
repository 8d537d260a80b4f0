// The compact encodings: the packed string itself, and hashes, intsets and sorted sets in their
// listpack/intset form checked against their big encoding or a naive model under random operations.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as P from '../../src/datatypes/packed';
import { Hash } from '../../src/datatypes/hash';
import { SetValue } from '../../src/datatypes/set';
import { LexRange, ScoreRange, ZSet } from '../../src/datatypes/zset';
import { Dict } from '../../src/datatypes/dict';
import { rng } from '../helpers/random';

const HUGE = { maxEntries: 1e9, maxValue: 1e9 };

/** The member at a 0-based rank, through the walk API. */
function memberAt(z: ZSet, i: number): string | undefined {
  let out: string | undefined;
  z.walkRank(i, false, (m) => ((out = m), false));
  return out;
}

/** The first (last when reverse) member with a score in r. */
function edgeInScore(z: ZSet, r: ScoreRange, reverse: boolean): string | undefined {
  let out: string | undefined;
  z.walkScore(r, reverse, 0, (m) => ((out = m), false));
  return out;
}

/** Members from the highest down, through the backward links. */
function backward(z: ZSet): string[] {
  const out: string[] = [];
  z.walkRank(0, true, (m) => (out.push(m), true));
  return out;
}

test('packed strings: lengths around the one-char limit, binary bytes, splices', () => {
  const items = ['', 'a', '\x00\xff\r\n', 'x'.repeat(254), 'y'.repeat(255), 'z'.repeat(256), 'w'.repeat(70000)];
  const s = P.pack(items);
  assert.equal(P.count(s), items.length);
  assert.deepEqual(P.entries(s), items);
  const at: number[] = [];
  for (let p = P.first(s); p < s.length; p = P.next(s, p)) at.push(p);
  assert.equal(at.length, items.length);
  items.forEach((it, i) => {
    assert.equal(P.entryAt(s, at[i]), it);
    assert.ok(P.equalsAt(s, at[i], it));
    assert.ok(!P.equalsAt(s, at[i], it + 'q'));
  });
  // Replace the third entry by two, then remove the first.
  const t = P.splice(s, at[2], at[3], ['b', 'c'.repeat(300)], 1);
  assert.deepEqual(P.entries(t), ['', 'a', 'b', 'c'.repeat(300), ...items.slice(3)]);
  const u = P.splice(t, P.first(t), P.next(t, P.first(t)), [], -1);
  assert.deepEqual(P.entries(u), ['a', 'b', 'c'.repeat(300), ...items.slice(3)]);
  assert.equal(P.count(u), items.length);
  // A count past the one-char form.
  const many = P.pack(Array.from({ length: 300 }, (_, i) => String(i)));
  assert.equal(P.count(many), 300);
  assert.equal(P.entries(many)[299], '299');
});

test('hash: listpack keeps insertion order, updates in place, converts on either limit', () => {
  const limits = { entries: 4, value: 8 };
  const h = new Hash();
  assert.equal(h.set('b', '1', limits), true);
  assert.equal(h.set('a', '2', limits), true);
  assert.equal(h.set('c', '3', limits), true);
  assert.equal(h.set('a', '22', limits), false);
  assert.equal(h.encoding, 'listpack');
  const order: string[] = [];
  h.forEach((f, v) => order.push(`${f}=${v}`));
  assert.deepEqual(order, ['b=1', 'a=22', 'c=3']);
  assert.equal(h.get('a'), '22');
  assert.equal(h.get('zz'), undefined);
  assert.equal(h.delete('b'), true);
  assert.equal(h.delete('b'), false);
  assert.equal(h.size, 2);
  const copy = h.clone();
  h.set('d', '4', limits);
  h.set('e', '5', limits);
  h.set('f', '6', limits);
  assert.equal(h.encoding, 'hashtable'); // 5 fields > 4
  const after: string[] = [];
  h.forEach((f) => after.push(f));
  assert.deepEqual(after, ['a', 'c', 'd', 'e', 'f']);
  assert.equal(copy.size, 2);
  assert.equal(copy.encoding, 'listpack');
  copy.set('long', '123456789', limits);
  assert.equal(copy.encoding, 'hashtable'); // a 9-byte value > 8
  assert.equal(copy.get('long'), '123456789');
});

test('hash: random operations on a listpack match a Map', () => {
  const rand = rng(7);
  const h = new Hash();
  const m = new Map<string, string>();
  const limits = { entries: 1e9, value: 1e9 };
  for (let step = 0; step < 3000; step++) {
    const f = 'f' + Math.floor(rand() * 60) + (rand() < 0.1 ? 'x'.repeat(300) : '');
    const r = rand();
    if (r < 0.6) {
      const v = 'v'.repeat(Math.floor(rand() * 20)) + step;
      assert.equal(h.set(f, v, limits), !m.has(f));
      m.set(f, v);
    } else if (r < 0.9) assert.equal(h.delete(f), m.delete(f));
    else assert.equal(h.get(f), m.get(f));
    assert.equal(h.size, m.size);
  }
  assert.equal(h.encoding, 'listpack');
  const got: [string, string][] = [];
  h.forEach((f, v) => got.push([f, v]));
  assert.deepEqual(got, [...m.entries()]);
});

test('intset: numeric order, 64-bit edges, non-integers and the size limit convert', () => {
  const s = new SetValue(true);
  const members = ['5', '-3', '0', '9223372036854775807', '-9223372036854775808', '10', '-10', '7'];
  for (const m of members) assert.equal(s.add(m, 512), true);
  assert.equal(s.add('7', 512), false);
  assert.deepEqual(s.toArray(), ['-9223372036854775808', '-10', '-3', '0', '5', '7', '10', '9223372036854775807']);
  assert.equal(s.has('-3'), true);
  assert.equal(s.has('03'), false);
  assert.equal(s.has('4'), false);
  assert.equal(s.delete('0'), true);
  assert.equal(s.delete('0'), false);
  assert.equal(s.size, 7);
  assert.equal(s.encoding, 'intset');
  const c = s.clone();
  s.add('abc', 512);
  assert.equal(s.encoding, 'hashtable');
  assert.equal(s.has('-10'), true);
  assert.equal(c.encoding, 'intset');
  for (let i = 100; c.encoding === 'intset'; i++) c.add(String(i), 10);
  assert.equal(c.size, 11);
});

test('intset: random operations match a sorted model', () => {
  const rand = rng(11);
  const s = new SetValue(true);
  const model = new Set<bigint>();
  for (let step = 0; step < 3000; step++) {
    const v = BigInt(Math.floor(rand() * 400) - 200) * (rand() < 0.1 ? 1000000000000n : 1n);
    const m = String(v);
    if (rand() < 0.65) {
      assert.equal(s.add(m, 1e9), !model.has(v));
      model.add(v);
    } else {
      assert.equal(s.delete(m), model.delete(v));
    }
  }
  assert.equal(s.encoding, 'intset');
  assert.deepEqual(s.toArray(), [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String));
});

/** Elements with -0 read as 0 (a listpack stores -0 as 0, a skiplist keeps it). */
function elements(z: ZSet): [string, number][] {
  return [...z].map((n) => [n.member, n.score === 0 ? 0 : n.score]);
}

function sameScores(z: ZSet): boolean {
  return new Set(elements(z).map((e) => e[1])).size <= 1;
}

test('sorted set: a listpack answers every query as the skiplist does', () => {
  const rand = rng(3);
  const small = new ZSet('listpack');
  const big = new ZSet('skiplist');
  const member = () => 'abcd'[Math.floor(rand() * 4)] + (rand() < 0.5 ? 'abcd'[Math.floor(rand() * 4)] : '');
  const score = () => (rand() < 0.1 ? [Infinity, -Infinity, -0][Math.floor(rand() * 3)] : Math.floor(rand() * 8) - 4 + (rand() < 0.3 ? 0.25 : 0));
  for (let step = 0; step < 3000; step++) {
    const r = rand();
    if (r < 0.45) {
      const m = member();
      const sc = score();
      const flags = rand() < 0.3 ? [1, 2, 4, 8, 16][Math.floor(rand() * 5)] : 0;
      const a = small.add(m, sc, flags, HUGE);
      const b = big.add(m, sc, flags, HUGE);
      if (!((a === 'same' && b === 'updated') || (a === 'updated' && b === 'same'))) assert.equal(a, b); // -0 vs 0
    } else if (r < 0.55) {
      const m = member();
      assert.equal(small.delete(m), big.delete(m));
    } else if (r < 0.6) {
      const max = rand() < 0.5;
      assert.equal(small.pop(max)?.member, big.pop(max)?.member);
    } else if (r < 0.65) {
      const n = small.size;
      const start = Math.floor(rand() * (n + 1));
      const end = Math.min(n - 1, start + Math.floor(rand() * 3));
      if (start <= end) assert.equal(small.deleteRangeByRank(start, end), big.deleteRangeByRank(start, end));
    } else if (r < 0.68) {
      const range: ScoreRange = { min: score(), max: score(), minex: rand() < 0.5, maxex: rand() < 0.5 };
      assert.equal(small.deleteRangeByScore(range), big.deleteRangeByScore(range));
    } else if (r < 0.7) {
      // Lex ranges are defined on equal scores only (elsewhere the answer depends on the skiplist's levels).
      const range: LexRange = { min: member(), max: member(), minex: rand() < 0.5, maxex: rand() < 0.5 };
      if (sameScores(big)) assert.equal(small.deleteRangeByLex(range), big.deleteRangeByLex(range));
    } else {
      const m = member();
      assert.equal(small.rank(m), big.rank(m));
      assert.equal(small.rank(m, true), big.rank(m, true));
      const s1 = small.score(m);
      const s2 = big.score(m);
      assert.equal(s1 === 0 ? 0 : s1, s2 === 0 ? 0 : s2);
      const range: ScoreRange = { min: score(), max: score(), minex: rand() < 0.5, maxex: rand() < 0.5 };
      assert.equal(small.countInScoreRange(range), big.countInScoreRange(range));
      assert.equal(edgeInScore(small, range, false), edgeInScore(big, range, false));
      assert.equal(edgeInScore(small, range, true), edgeInScore(big, range, true));
      const lex: LexRange = { min: member(), max: member(), minex: rand() < 0.5, maxex: rand() < 0.5 };
      if (sameScores(big)) assert.equal(small.countInLexRange(lex), big.countInLexRange(lex));
      const i = Math.floor(rand() * (small.size + 1));
      assert.equal(memberAt(small, i), memberAt(big, i));
    }
    assert.equal(small.size, big.size);
  }
  assert.equal(small.encoding, 'listpack');
  assert.deepEqual(elements(small), elements(big));
  assert.deepEqual(backward(small).reverse(), elements(big).map((e) => e[0]));
});

test('sorted set: conversion keeps every element; a listpack copy is independent', () => {
  const z = new ZSet();
  const limits = { maxEntries: 3, maxValue: 10 };
  z.set('c', 3, limits);
  z.set('a', 1, limits);
  z.set('b', -0, limits);
  const copy = z.clone();
  assert.equal(z.encoding, 'listpack');
  assert.ok(Object.is(z.score('b'), 0));
  z.set('d', 0.5, limits);
  assert.equal(z.encoding, 'skiplist');
  assert.deepEqual(elements(z), [['b', 0], ['d', 0.5], ['a', 1], ['c', 3]]);
  assert.deepEqual(elements(copy), [['b', 0], ['a', 1], ['c', 3]]);
  copy.set('a-very-long-member', 2, limits);
  assert.equal(copy.encoding, 'skiplist');
});

test('dict: small dicts scan linearly, grow an index, and keep stateless cursors across deletes', () => {
  const d = new Dict<number>();
  for (let i = 0; i < 6; i++) d.set('k' + i, i);
  assert.equal(d.get('k3'), 3);
  assert.equal(d.seqOf('k5'), 6);
  d.delete('k5'); // tail: sequence numbers must not be reused
  d.set('k6', 6);
  assert.ok(d.seqOf('k6') > 6);
  for (let i = 7; i < 40; i++) d.set('k' + i, i); // past the linear limit
  assert.equal(d.size, 39);
  for (let i = 0; i < 40; i++) assert.equal(d.get('k' + i), i === 5 ? undefined : i);
  // A scan interleaved with deletes returns every key present throughout exactly once.
  const seen = new Map<string, number>();
  let cursor = 0;
  let round = 0;
  do {
    cursor = d.scan(cursor, 3, (k) => seen.set(k, (seen.get(k) ?? 0) + 1));
    if (round++ < 5) d.delete('k' + (39 - round)); // keys near the end
  } while (cursor !== 0);
  for (let i = 0; i < 33; i++) if (i !== 5) assert.equal(seen.get('k' + i), 1, 'k' + i);
  assert.equal(d.getMark('k1'), 0);
  d.setMark('k1', 9);
  assert.equal(d.getMark('k1'), 9);
  assert.equal(d.getMark('k2'), 0);
});

test('list: a packed list and its move to a deque behave as an array', () => {
  const rand = rng(5);
  const { ListValue } = require('../../src/datatypes/list') as typeof import('../../src/datatypes/list');
  for (let round = 0; round < 20; round++) {
    const l = new ListValue();
    const a: string[] = [];
    const value = () => (rand() < 0.05 ? 'L'.repeat(300 + Math.floor(rand() * 300)) : String(Math.floor(rand() * 10)));
    for (let step = 0; step < 400; step++) {
      const r = rand();
      if (r < 0.25) {
        const v = value();
        l.pushTail(v);
        a.push(v);
      } else if (r < 0.45) {
        const v = value();
        l.pushHead(v);
        a.unshift(v);
      } else if (r < 0.55) assert.equal(l.popHead(), a.shift());
      else if (r < 0.62) assert.equal(l.popTail(), a.pop());
      else if (r < 0.67 && a.length > 0) {
        const i = Math.floor(rand() * a.length);
        const v = value();
        l.set(i, v);
        a[i] = v;
      } else if (r < 0.72) {
        const i = Math.floor(rand() * (a.length + 1));
        const v = value();
        l.insertAt(i, v);
        a.splice(i, 0, v);
      } else if (r < 0.75) {
        const n = Math.floor(rand() * 3);
        l.trimHead(n);
        a.splice(0, n);
      } else if (r < 0.78) {
        const n = Math.min(a.length, Math.floor(rand() * 3));
        l.trimTail(n);
        a.splice(a.length - n, n);
      } else if (r < 0.82) {
        const v = String(Math.floor(rand() * 10));
        const limit = Math.floor(rand() * 3);
        const fromTail = rand() < 0.5;
        let removed = 0;
        const keep = a.map(() => true);
        for (let k = 0; k < a.length && (limit === 0 || removed < limit); k++) {
          const i = fromTail ? a.length - 1 - k : k;
          if (a[i] === v) {
            keep[i] = false;
            removed++;
          }
        }
        assert.equal(l.removeMatching(v, limit, fromTail), removed);
        a.splice(0, a.length, ...a.filter((_, i) => keep[i]));
      } else {
        const i = Math.floor(rand() * (a.length + 1));
        assert.equal(l.at(i), a[i]);
        assert.equal(l.indexOf('3'), a.indexOf('3'));
        if (a.length > 0) {
          const s = Math.floor(rand() * a.length);
          const e = Math.min(a.length - 1, s + Math.floor(rand() * 4));
          assert.deepEqual(l.range(s, e), a.slice(s, e + 1));
          assert.deepEqual(l.rangeReversed(s, e), a.slice(s, e + 1).reverse());
        }
      }
      assert.equal(l.size, a.length);
    }
    assert.deepEqual(l.toArray(), a);
    assert.deepEqual([...l.clone()], a);
  }
});

test('packed strings: a splice keeps nothing of the string it came from alive', () => {
  // splice() concatenates slices of its input; unless the result is flattened at once, it would
  // hold the whole old string (and, change after change, every older one).
  const v8 = require('node:v8') as typeof import('node:v8');
  const vm = require('node:vm') as typeof import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  // Warm splice up so the optimized code is what is checked too.
  let s = P.pack(Array.from({ length: 100 }, (_, i) => `member:${i}`));
  for (let i = 0; i < 50_000; i++) s = P.splice(P.splice(s, P.first(s), P.next(s, P.first(s)), [], -1), s.length, s.length, [`m:${i}`], 1);
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < 40; i++) {
    const big = P.pack(['y'.repeat(1_000_000) + i, 's'.repeat(50) + i]);
    kept.push(P.splice(big, P.first(big), P.next(big, P.first(big)), [], -1));
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 10_000_000, `40 spliced strings of 52 chars hold ${grown} bytes`);
  assert.deepEqual(P.entries(kept[7]), ['s'.repeat(50) + 7]);
});
