// The skiplist against a sorted array: random inserts, score updates (in place and moving) and
// deletions, then every rank, every node by rank and both directions of the level-0 links.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SkipList, ZNode } from '../../src/datatypes/skiplist';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function check(zsl: SkipList, model: { score: number; member: string }[]): void {
  model.sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  assert.equal(zsl.length, model.length);
  let n: ZNode | null = zsl.first();
  let prev: ZNode | null = null;
  for (let i = 0; i < model.length; i++) {
    assert.ok(n !== null);
    assert.equal(n.member, model[i].member);
    assert.equal(n.score, model[i].score);
    assert.equal(n.prev, prev);
    assert.equal(zsl.rankOf(n.score, n.member), i + 1);
    assert.equal(zsl.byRank(i + 1), n);
    prev = n;
    n = n.forward;
  }
  assert.equal(n, null);
  assert.equal(zsl.last(), prev);
}

test('ranks, links and levels stay right through inserts, updates and deletes', () => {
  const rnd = lcg(7);
  const zsl = new SkipList();
  const model: { score: number; member: string }[] = [];
  const nodes = new Map<string, ZNode>();
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
      assert.equal(zsl.delete(node.score, member), true);
      nodes.delete(member);
      model.splice(model.findIndex((e) => e.member === member), 1);
    }
    if (step % 1000 === 999) check(zsl, model);
  }
  check(zsl, model);
  // Ranks removed from the middle keep the spans of every level right.
  const removed: string[] = [];
  zsl.deleteRangeByRank(10, 60, (n) => removed.push(n.member));
  assert.equal(removed.length, 51);
  check(zsl, model.filter((e) => !removed.includes(e.member)));
});
