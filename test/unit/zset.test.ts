// ZSet and its skiplist against a naive sorted array, with random operations.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LEX_MAX, ZSet, ZADD_GT, ZADD_INCR, ZADD_LT, ZADD_NX, ZADD_XX, ScoreRange, LexRange } from '../../src/datatypes/zset';
import { rng } from '../helpers/random';

const BIG = { maxEntries: 128, maxValue: 64 };


type Entry = [string, number];

function cmp(a: Entry, b: Entry): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** The reference model: a Map plus a sort on demand. */
class Naive {
  m = new Map<string, number>();
  sorted(): Entry[] {
    return [...this.m.entries()].sort(cmp);
  }
}

function inScore(v: number, r: ScoreRange): boolean {
  return (r.minex ? v > r.min : v >= r.min) && (r.maxex ? v < r.max : v <= r.max);
}
function inLex(v: string, r: LexRange): boolean {
  return (r.minex ? v > r.min : v >= r.min) && (r.maxex ? v < r.max : v <= r.max);
}

function entries(z: ZSet): Entry[] {
  return [...z].map((n) => [n.member, n.score] as Entry);
}

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

test('random operations match a naive sorted array', () => {
  const rand = rng(42);
  const z = new ZSet();
  const naive = new Naive();
  const member = () => String.fromCharCode(...Array.from({ length: 1 + Math.floor(rand() * 3) }, () => 97 + Math.floor(rand() * 4) + (rand() < 0.05 ? 150 : 0)));
  const score = () => (rand() < 0.1 ? [Infinity, -Infinity, 0][Math.floor(rand() * 3)] : Math.floor(rand() * 20) - 10 + (rand() < 0.3 ? 0.5 : 0));
  for (let step = 0; step < 4000; step++) {
    const r = rand();
    if (r < 0.45) {
      const m = member();
      const s = score();
      const added = z.set(m, s, BIG);
      assert.equal(added, !naive.m.has(m));
      naive.m.set(m, s);
    } else if (r < 0.6) {
      const m = member();
      assert.equal(z.delete(m), naive.m.delete(m));
    } else if (r < 0.65) {
      const n = z.pop(rand() < 0.5);
      if (n !== null) naive.m.delete(n.member);
      else assert.equal(naive.m.size, 0);
    } else if (r < 0.7) {
      const sorted = naive.sorted();
      const start = Math.floor(rand() * (sorted.length + 1));
      const end = Math.min(sorted.length - 1, start + Math.floor(rand() * 5));
      if (start <= end) {
        assert.equal(z.deleteRangeByRank(start, end), end - start + 1);
        for (let i = start; i <= end; i++) naive.m.delete(sorted[i][0]);
      }
    } else if (r < 0.73) {
      const range: ScoreRange = { min: score(), max: score(), minex: rand() < 0.5, maxex: rand() < 0.5 };
      const expect = naive.sorted().filter((e) => inScore(e[1], range));
      assert.equal(z.deleteRangeByScore(range), expect.length);
      for (const e of expect) naive.m.delete(e[0]);
    } else if (r < 0.75) {
      const range: LexRange = { min: member(), max: rand() < 0.2 ? LEX_MAX : member(), minex: rand() < 0.5, maxex: rand() < 0.5 };
      const expect = naive.sorted().filter((e) => inLex(e[0], range));
      // Lex ranges are meaningful on equal scores; deletion walks from the first node >= min.
      if (new Set(naive.sorted().map((e) => e[1])).size <= 1) {
        assert.equal(z.deleteRangeByLex(range), expect.length);
        for (const e of expect) naive.m.delete(e[0]);
      }
    } else {
      // Read checks.
      const sorted = naive.sorted();
      assert.equal(z.size, sorted.length);
      if (sorted.length > 0) {
        const i = Math.floor(rand() * sorted.length);
        const [m, s] = sorted[i];
        assert.equal(z.rank(m), i);
        assert.equal(z.rank(m, true), sorted.length - 1 - i);
        assert.equal(z.score(m), s);
        assert.equal(memberAt(z, i), m);
      }
      const range: ScoreRange = { min: score(), max: score(), minex: rand() < 0.5, maxex: rand() < 0.5 };
      const inRange = sorted.filter((e) => inScore(e[1], range));
      assert.equal(z.countInScoreRange(range), inRange.length);
      assert.equal(edgeInScore(z, range, false), inRange[0]?.[0]);
      assert.equal(edgeInScore(z, range, true), inRange[inRange.length - 1]?.[0]);
    }
    if (step % 500 === 0) assert.deepEqual(entries(z), naive.sorted());
  }
  assert.deepEqual(entries(z), naive.sorted());
  // Backward links agree with the forward order.
  assert.deepEqual(backward(z).reverse(), naive.sorted().map((e) => e[0]));
});

test('lex ranges on equal scores', () => {
  const z = new ZSet();
  for (const m of ['', 'a', 'aa', 'b', 'b\xff', 'c', '\xff']) z.set(m, 0, BIG);
  const lex = (min: string, minex: boolean, max: string, maxex: boolean) => {
    const r = { min, max, minex, maxex };
    const out: string[] = [];
    z.walkLex(r, false, 0, (m) => (maxex ? m < max : m <= max) && (out.push(m), true));
    assert.equal(z.countInLexRange(r), out.length);
    return out;
  };
  assert.deepEqual(lex('', false, LEX_MAX, false), ['', 'a', 'aa', 'b', 'b\xff', 'c', '\xff']);
  assert.deepEqual(lex('a', true, 'c', true), ['aa', 'b', 'b\xff']);
  assert.deepEqual(lex('b', false, 'b\xff', false), ['b', 'b\xff']);
  assert.deepEqual(lex('\xff', false, LEX_MAX, false), ['\xff']);
  assert.deepEqual(lex('', false, '', true), []);
  let last: string | undefined;
  z.walkLex({ min: '', max: 'b', minex: false, maxex: true }, true, 0, (m) => ((last = m), false));
  assert.equal(last, 'aa');
});

test('ZADD flags, INCR and NaN', () => {
  const z = new ZSet();
  assert.equal(z.add('a', 1, 0, BIG), 'added');
  assert.equal(z.add('a', 1, 0, BIG), 'same');
  assert.equal(z.add('a', 5, ZADD_NX, BIG), 'nop');
  assert.equal(z.add('b', 5, ZADD_XX, BIG), 'nop');
  assert.equal(z.add('a', 0, ZADD_GT, BIG), 'nop');
  assert.equal(z.add('a', 3, ZADD_GT, BIG), 'updated');
  assert.equal(z.add('a', 4, ZADD_LT, BIG), 'nop');
  assert.equal(z.add('a', 2, ZADD_INCR, BIG), 'updated');
  assert.equal(z.score('a'), 5); // ZADD INCR's reply is computed by the command now
  assert.equal(z.add('i', Infinity, 0, BIG), 'added');
  assert.equal(z.add('i', -Infinity, ZADD_INCR, BIG), 'nan');
  assert.equal(z.score('i'), Infinity);
  assert.equal(z.add('n', 7, ZADD_GT, BIG), 'added');
});

test('encoding: listpack until a limit is passed, never back; listpack stores -0 as 0', () => {
  const lim = { maxEntries: 3, maxValue: 4 };
  const z = new ZSet();
  z.set('a', -0, lim);
  assert.ok(Object.is(z.score('a'), 0));
  z.set('b', 1, lim);
  z.set('c', 1, lim);
  assert.equal(z.encoding, 'listpack');
  z.set('d', -0, lim);
  assert.equal(z.encoding, 'skiplist');
  assert.ok(Object.is(z.score('d'), -0));
  z.delete('d');
  z.delete('c');
  assert.equal(z.encoding, 'skiplist');
  const long = new ZSet();
  long.set('abcde', 1, lim);
  assert.equal(long.encoding, 'skiplist');
  const copy = z.clone();
  assert.equal(copy.encoding, 'skiplist');
  assert.deepEqual(entries(copy), entries(z));
  const built = ZSet.fromSorted(lim, (insert) => {
    insert('x', -0);
    insert('y', 2);
  });
  assert.equal(built.encoding, 'listpack');
  assert.ok(Object.is(built.score('x'), 0));
  const tooBig = ZSet.fromSorted(lim, (insert) => ['p', 'q', 'r', 's'].forEach((m) => insert(m, -0)));
  assert.equal(tooBig.encoding, 'skiplist');
  assert.ok(Object.is(tooBig.score('p'), -0));
});

test('scan visits every member once; random picks members', () => {
  const z = new ZSet();
  for (let i = 0; i < 500; i++) z.set(`m${i}`, i % 17, BIG);
  const seen = new Map<string, number>();
  let cursor = 0;
  do {
    cursor = z.scan(cursor, 37, (m, s) => {
      assert.ok(!seen.has(m));
      seen.set(m, s);
    });
  } while (cursor !== 0);
  assert.equal(seen.size, 500);
  assert.equal(seen.get('m20'), 3);
  for (let i = 0; i < 20; i++) assert.ok(z.has(z.random()!.member));
  assert.equal(new ZSet().random(), null);
});

test('a big set that shrinks gives its skiplist records back and keeps order and ranks', () => {
  const z = new ZSet();
  for (let i = 0; i < 10_000; i++) z.set(`m${i}`, i % 100, BIG);
  const full = z.skiplistBytes();
  for (let i = 0; i < 9_900; i++) assert.equal(z.delete(`m${i}`), true);
  assert.ok(z.skiplistBytes() < full / 4, `${z.skiplistBytes()} of ${full}`);
  assert.equal(z.size, 100);
  const members = [...z].map((e) => e.member);
  assert.deepEqual(members, Array.from({ length: 100 }, (_, i) => `m${9_900 + i}`).sort((a, b) => z.score(a)! - z.score(b)! || (a < b ? -1 : 1)));
  members.forEach((m, i) => assert.equal(z.rank(m), i));
  // Updates and pops after the rebuild go through the new node ids.
  z.set('m9999', -1, BIG);
  assert.equal(z.rank('m9999'), 0);
  assert.deepEqual(z.pop(false), { member: 'm9999', score: -1 });
  assert.equal(z.size, 99);
});
