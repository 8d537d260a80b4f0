// The skiplist against a sorted array: random inserts, score updates (in place and moving) and
// deletions, then every rank, every node by rank and both directions of the level-0 links.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SkipList, ZNodeId } from '../../src/datatypes/skiplist';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function check(zsl: SkipList, model: { score: number; member: string }[]): void {
  model.sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  assert.equal(zsl.length, model.length);
  let n: ZNodeId = zsl.first();
  let prev: ZNodeId = 0;
  for (let i = 0; i < model.length; i++) {
    assert.notEqual(n, 0);
    assert.equal(zsl.member(n), model[i].member);
    assert.equal(zsl.score(n), model[i].score);
    assert.equal(zsl.prev(n), prev);
    assert.equal(zsl.rankOf(zsl.score(n), zsl.member(n)), i + 1);
    assert.equal(zsl.byRank(i + 1), n);
    prev = n;
    n = zsl.next(n);
  }
  assert.equal(n, 0);
  assert.equal(zsl.last(), prev);
}

test('ranks, links and levels stay right through inserts, updates and deletes', () => {
  const rnd = lcg(7);
  const zsl = new SkipList();
  const model: { score: number; member: string }[] = [];
  const nodes = new Map<string, ZNodeId>();
  for (let step = 0; step < 6000; step++) {
    const op = rnd();
    const member = `m${Math.floor(rnd() * 1500)}`;
    const node = nodes.get(member);
    // Few distinct scores, so ties are ordered by member too.
    const score = Math.floor(rnd() * 200) - 100;
    if (node === undefined) {
      nodes.set(member, zsl.insert(score, member));
      model.push({ score, member });
    } else if (op < 0.6) {
      zsl.updateNode(node, score);
      model.find((e) => e.member === member)!.score = score;
    } else {
      assert.equal(zsl.delete(zsl.score(node), member), true);
      nodes.delete(member);
      model.splice(model.findIndex((e) => e.member === member), 1);
    }
    if (step % 1000 === 999) check(zsl, model);
  }
  check(zsl, model);
  // Ranks removed from the middle keep the spans of every level right.
  const removed: string[] = [];
  zsl.deleteRangeByRank(10, 60, (m) => removed.push(m));
  assert.equal(removed.length, 51);
  check(zsl, model.filter((e) => !removed.includes(e.member)));
});

test('freed records are reused and the node ids stay valid across growth', () => {
  const zsl = new SkipList();
  const ids = new Map<string, ZNodeId>();
  // Enough inserts to grow the record buffer several times and to give some nodes upper levels.
  for (let i = 0; i < 5000; i++) ids.set(`m${i}`, zsl.insert(i % 97, `m${i}`));
  for (const [m, id] of ids) assert.equal(zsl.member(id), m);
  const cap = zsl.capacity;
  for (let i = 0; i < 2500; i++) assert.equal(zsl.delete(i % 97, `m${i}`), true);
  for (let i = 0; i < 2500; i++) zsl.insert(-i, `n${i}`);
  assert.equal(zsl.capacity, cap);
  assert.equal(zsl.length, 5000);
  assert.equal(zsl.member(zsl.first()), 'n2499');
  // n1..n2499 score below 0; at score 0 the remaining m-members with i % 97 === 0 sort before n0.
  let zeros = 0;
  for (let i = 2500; i < 5000; i++) if (i % 97 === 0) zeros++;
  assert.equal(zsl.rankOf(0, 'n0'), 2499 + zeros + 1);
});
