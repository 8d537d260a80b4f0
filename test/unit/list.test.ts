// The list deque on its own, checked against a plain array model.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ListValue } from '../../src/datatypes/list';
import { rng as prng } from '../helpers/random';


test('push and pop at both ends wrap around the ring buffer', () => {
  const l = new ListValue();
  for (let i = 0; i < 5; i++) l.pushTail(`t${i}`);
  for (let i = 0; i < 5; i++) l.pushHead(`h${i}`);
  assert.equal(l.size, 10);
  assert.deepEqual(l.toArray(), ['h4', 'h3', 'h2', 'h1', 'h0', 't0', 't1', 't2', 't3', 't4']);
  assert.equal(l.popHead(), 'h4');
  assert.equal(l.popTail(), 't4');
  assert.equal(l.at(0), 'h3');
  assert.equal(l.at(7), 't3');
  assert.equal(l.at(8), undefined);
  assert.equal(l.at(-1), undefined);
  const empty = new ListValue();
  assert.equal(empty.popHead(), undefined);
  assert.equal(empty.popTail(), undefined);
});

test('type, encoding (Redis 7.0: always quicklist) and clone', () => {
  const l = ListValue.from(['a', 'b']);
  assert.equal(l.type, 'list');
  assert.equal(l.encoding, 'quicklist');
  const big = ListValue.from(Array.from({ length: 1000 }, (_, i) => 'x'.repeat(i % 50)));
  assert.equal(big.encoding, 'quicklist');
  const c = l.clone();
  c.pushTail('c');
  c.set(0, 'A');
  assert.deepEqual(l.toArray(), ['a', 'b']);
  assert.deepEqual(c.toArray(), ['A', 'b', 'c']);
  assert.deepEqual([...c], ['A', 'b', 'c']);
});

test('ranges, insertion, trimming and removal', () => {
  const l = ListValue.from(['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(l.range(1, 3), ['b', 'c', 'd']);
  assert.deepEqual(l.rangeReversed(1, 3), ['d', 'c', 'b']);
  l.insertAt(1, 'X');
  l.insertAt(5, 'Y');
  l.insertAt(7, 'Z');
  l.insertAt(0, 'W');
  assert.deepEqual(l.toArray(), ['W', 'a', 'X', 'b', 'c', 'd', 'Y', 'e', 'Z']);
  assert.equal(l.indexOf('d'), 5);
  assert.equal(l.indexOf('nope'), -1);
  l.trimHead(2);
  l.trimTail(2);
  assert.deepEqual(l.toArray(), ['X', 'b', 'c', 'd', 'Y']);
  const r = ListValue.from(['x', 'a', 'x', 'b', 'x']);
  assert.equal(r.removeMatching('x', 1, true), 1);
  assert.deepEqual(r.toArray(), ['x', 'a', 'x', 'b']);
  assert.equal(r.removeMatching('x', 1, false), 1);
  assert.deepEqual(r.toArray(), ['a', 'x', 'b']);
  assert.equal(r.removeMatching('x', 0, false), 1);
  assert.equal(r.removeMatching('zz', 0, false), 0);
  assert.deepEqual(r.toArray(), ['a', 'b']);
  r.trimTail(5);
  assert.equal(r.size, 0);
  r.pushHead('again');
  assert.deepEqual(r.toArray(), ['again']);
});

test('random operations agree with an array model (grow, shrink, wrap)', () => {
  const rnd = prng(7);
  const l = new ListValue();
  const model: string[] = [];
  for (let step = 0; step < 20000; step++) {
    const op = Math.floor(rnd() * 9);
    const v = String(Math.floor(rnd() * 20));
    const i = Math.floor(rnd() * (model.length + 1));
    switch (op) {
      case 0:
      case 1:
        l.pushHead(v);
        model.unshift(v);
        break;
      case 2:
      case 3:
        l.pushTail(v);
        model.push(v);
        break;
      case 4:
        assert.equal(l.popHead(), model.shift());
        break;
      case 5:
        assert.equal(l.popTail(), model.pop());
        break;
      case 6:
        l.insertAt(i, v);
        model.splice(i, 0, v);
        break;
      case 7: {
        const n = Math.floor(rnd() * 3);
        l.trimHead(n);
        model.splice(0, n);
        break;
      }
      case 8: {
        const limit = Math.floor(rnd() * 3);
        const fromTail = rnd() < 0.5;
        let removed = 0;
        const idx: number[] = [];
        for (let k = 0; k < model.length && (limit === 0 || removed < limit); k++) {
          const j = fromTail ? model.length - 1 - k : k;
          if (model[j] === v) {
            idx.push(j);
            removed++;
          }
        }
        for (const j of idx.sort((a, b) => b - a)) model.splice(j, 1);
        assert.equal(l.removeMatching(v, limit, fromTail), removed);
        break;
      }
    }
    assert.equal(l.size, model.length);
    if (step % 500 === 0) assert.deepEqual(l.toArray(), model);
  }
  assert.deepEqual(l.toArray(), model);
  // Drain to exercise shrinking.
  for (let i = 0; i < 5000; i++) l.pushTail(String(i));
  l.trimHead(l.size - 3);
  assert.equal(l.size, 3);
  assert.deepEqual(l.toArray(), ['4997', '4998', '4999']);
});
