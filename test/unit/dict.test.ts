import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Dict } from '../../src/datatypes/dict';
import { rng } from '../helpers/random';


function scanAll<V>(d: Dict<V>, count: number): string[] {
  const out: string[] = [];
  let cursor = 0;
  do cursor = d.scan(cursor, count, (k) => out.push(k));
  while (cursor !== 0);
  return out;
}

test('Dict basics: set, get, has, delete, size, update in place', () => {
  const d = new Dict<number>();
  assert.equal(d.set('a', 1), true);
  assert.equal(d.set('b', 2), true);
  assert.equal(d.set('a', 3), false);
  assert.equal(d.size, 2);
  assert.equal(d.get('a'), 3);
  assert.equal(d.has('b'), true);
  assert.equal(d.delete('b'), true);
  assert.equal(d.delete('b'), false);
  assert.equal(d.has('b'), false);
  assert.equal(d.get('b'), undefined);
  assert.deepEqual([...d.entries()], [['a', 3]]);
  d.clear();
  assert.equal(d.size, 0);
  assert.equal(d.randomKey(), undefined);
  assert.equal(d.scan(0, 10, () => assert.fail('empty dict visited')), 0);
});

test('Dict marks follow their key', () => {
  const d = new Dict<string>();
  d.set('k', 'v', 7);
  assert.equal(d.getMark('k'), 7);
  assert.equal(d.getMarked('k', 9), 'v');
  assert.equal(d.getMark('k'), 9);
  d.setMark('k', 11);
  assert.equal(d.getMark('k'), 11);
  assert.equal(d.getMark('missing'), undefined);
  // Compaction moves entries; marks must move with them.
  for (let i = 0; i < 200; i++) d.set(`x${i}`, 'v', i);
  for (let i = 0; i < 150; i++) d.delete(`x${i}`);
  assert.equal(d.getMark('k'), 11);
  for (let i = 150; i < 200; i++) assert.equal(d.getMark(`x${i}`), i);
});

test('Dict scan visits every key once, in small and large steps', () => {
  const d = new Dict<number>();
  for (let i = 0; i < 1000; i++) d.set(`k${i}`, i);
  for (let i = 0; i < 1000; i += 3) d.delete(`k${i}`);
  for (const count of [1, 7, 10, 100, 5000]) {
    const seen = scanAll(d, count);
    assert.equal(seen.length, d.size, `count ${count}`);
    assert.equal(new Set(seen).size, d.size);
    for (const k of seen) assert.ok(d.has(k));
  }
});

test('Dict scan cursor past the end or stale after deletes of the tail finishes', () => {
  const d = new Dict<number>();
  for (let i = 0; i < 10; i++) d.set(`k${i}`, i);
  const cursor = d.scan(0, 5, () => {});
  assert.notEqual(cursor, 0);
  for (let i = 5; i < 10; i++) d.delete(`k${i}`);
  let visited = 0;
  assert.equal(d.scan(cursor, 5, () => visited++), 0);
  assert.equal(visited, 0);
  assert.equal(d.scan(Number.MAX_SAFE_INTEGER, 10, () => assert.fail('visited past end')), 0);
});

test('Dict scan guarantee under random inserts and deletes between steps (property)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = rng(seed);
    const d = new Dict<number>();
    let next = 0;
    const initial = Math.floor(rand() * 300);
    for (let i = 0; i < initial; i++) d.set(`k${next++}`, i);
    const atStart = new Set([...d.entries()].map(([k]) => k));
    const removed = new Set<string>();
    const everPresent = new Set(atStart);
    const seen: string[] = [];
    let cursor = 0;
    let steps = 0;
    do {
      const count = 1 + Math.floor(rand() * 20);
      cursor = d.scan(cursor, count, (k) => seen.push(k));
      // Churn between calls: inserts, deletes of old and new keys, re-inserts, updates.
      const ops = Math.floor(rand() * 30);
      for (let i = 0; i < ops; i++) {
        const r = rand();
        if (r < 0.4) {
          const k = `k${next++}`;
          d.set(k, i);
          everPresent.add(k);
        } else if (r < 0.8 && d.size > 0) {
          const k = d.randomKey(rand)!;
          d.delete(k);
          removed.add(k);
        } else if (d.size > 0) {
          d.set(d.randomKey(rand)!, -1); // update in place keeps the slot
        }
      }
      assert.ok(++steps < 10000, 'scan did not terminate');
    } while (cursor !== 0);
    const seenSet = new Set(seen);
    assert.equal(seenSet.size, seen.length, `seed ${seed}: a key was returned twice`);
    for (const k of atStart) {
      if (!removed.has(k)) assert.ok(seenSet.has(k), `seed ${seed}: ${k} present all along but not returned`);
    }
    for (const k of seen) assert.ok(everPresent.has(k), `seed ${seed}: ${k} never existed`);
  }
});

test('Dict randomKey is roughly uniform and only returns live keys', () => {
  const d = new Dict<number>();
  for (let i = 0; i < 100; i++) d.set(`k${i}`, i);
  for (let i = 0; i < 100; i += 2) d.delete(`k${i}`);
  const rand = rng(7);
  const hits = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const k = d.randomKey(rand)!;
    assert.ok(d.has(k));
    hits.set(k, (hits.get(k) ?? 0) + 1);
  }
  assert.equal(hits.size, 50);
  for (const n of hits.values()) assert.ok(n > 40 && n < 180, `skewed count ${n}`);
  const e = d.randomEntry(rand)!;
  assert.equal(d.get(e[0]), e[1]);
});

test('Dict keeps insertion order across compactions (forEach, entries)', () => {
  const d = new Dict<number>();
  for (let i = 0; i < 500; i++) d.set(`k${i}`, i);
  for (let i = 0; i < 500; i++) if (i % 5 !== 0) d.delete(`k${i}`);
  const order: number[] = [];
  d.forEach((_, v) => order.push(v));
  assert.deepEqual(order, Array.from({ length: 100 }, (_, i) => i * 5));
  assert.deepEqual(scanAll(d, 3), order.map((v) => `k${v}`));
  d.set('new', 1000);
  assert.equal([...d.entries()].at(-1)![0], 'new');
});
