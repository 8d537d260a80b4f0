import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Dict } from '../../src/datatypes/dict';
import { SlotIndex, hashKey } from '../../src/datatypes/slot-index';
import { rng } from '../helpers/random';

test('hashKey: deterministic, 30-bit, any string', () => {
  for (const s of ['', 'a', 'ab', 'abc', 'key:000000000001', '\u0000\u00ff', 'ключ', 'x'.repeat(1000)]) {
    const h = hashKey(s);
    assert.equal(h, hashKey(s.slice()));
    assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 30, `${h}`);
  }
  assert.notEqual(hashKey('ab'), hashKey('ba'));
  assert.notEqual(hashKey('a'), hashKey('a\u0000'));
});

test('SlotIndex against a Map model: inserts, finds, removes with backward shift, growth and shrink', () => {
  const rand = rng(7);
  const idx = new SlotIndex();
  const keys: (string | undefined)[] = [];
  const model = new Map<string, number>();
  for (let step = 0; step < 40000; step++) {
    // A small key space keeps probe runs long and makes deletes hit inside them.
    const key = `k${Math.floor(rand() * 3000)}`;
    const op = rand();
    if (op < 0.5) {
      if (!model.has(key)) {
        keys.push(key);
        idx.insert(key, keys.length - 1);
        model.set(key, keys.length - 1);
      }
    } else if (op < 0.8) {
      const slot = idx.remove(key, keys);
      assert.equal(slot, model.get(key) ?? -1, `remove ${key}`);
      if (slot >= 0) {
        keys[slot] = undefined;
        model.delete(key);
      }
    } else {
      assert.equal(idx.find(key, keys), model.get(key) ?? -1, `find ${key}`);
    }
    assert.equal(idx.size, model.size);
  }
  for (const [k, slot] of model) assert.equal(idx.find(k, keys), slot);
  // Emptied, it shrinks back and still works.
  for (const k of [...model.keys()]) keys[idx.remove(k, keys)] = undefined;
  assert.equal(idx.size, 0);
  assert.equal(idx.find('k1', keys), -1);
});

test('Dict lookups stay right across deletes, compaction and re-adds (index rebuilt)', () => {
  const rand = rng(11);
  const d = new Dict<number>();
  const model = new Map<string, number>();
  for (let step = 0; step < 30000; step++) {
    const key = `key:${Math.floor(rand() * 2000)}`;
    const op = rand();
    if (op < 0.45) {
      d.set(key, step);
      model.set(key, step);
    } else if (op < 0.8) {
      assert.equal(d.delete(key), model.delete(key));
    } else if (op < 0.9) {
      assert.equal(d.replaceValue(key, -step), model.has(key));
      if (model.has(key)) model.set(key, -step);
    } else {
      assert.equal(d.get(key), model.get(key));
    }
  }
  assert.equal(d.size, model.size);
  for (const [k, v] of model) assert.equal(d.get(k), v);
  assert.deepEqual(new Map(d.entries()), model);
});
