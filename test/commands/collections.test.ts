// Collection behaviour across families through the embedded API: ZSCAN's guarantee while the set
// changes (scores, members, a collapse to a few members), and blocked clients that are killed,
// time out on the frozen clock while others are served, or wait in two databases.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { blockedClientCount, blockingKeyCount, clientsInTimeoutTable } from '../../src/engine/blocking';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function withServer(body: (s: RespiteServer) => Promise<void>): Promise<void> {
  const s = await startServer({ port: null });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

async function pending(p: Promise<unknown>, ms = 20): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return !settled;
}

test('ZSCAN returns every member present for the whole scan while scores, members and size change', () =>
  withServer(async (s) => {
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(String(i), `m${i}`);
    await s.call('ZADD', 'z', ...args);
    assert.equal(await s.call('OBJECT', 'ENCODING', 'z'), 'skiplist');
    const seen = new Set<string>();
    const deleted = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, batch] = (await s.call('ZSCAN', 'z', cursor, 'COUNT', '40')) as [string, string[]];
      for (let i = 0; i < batch.length; i += 2) seen.add(batch[i]);
      cursor = next;
      // Between calls: move members across the score range, add new ones, delete some.
      await s.call('ZADD', 'z', String(-round), `m${(round * 7) % 1000}`, String(5000 + round), `new${round}`);
      await s.call('ZINCRBY', 'z', '10000', `m${(round * 11 + 3) % 1000}`);
      const victim = `m${(round * 13 + 5) % 1000}`;
      if ((await s.call('ZREM', 'z', victim)) === 1) deleted.add(victim);
      // Halfway through, drop most of the set at once (compaction of the member table).
      if (round === 10) {
        const removed = (await s.call('ZREMRANGEBYSCORE', 'z', '100', '(900')) as number;
        assert.ok(removed > 0);
        for (let i = 0; i < 1000; i++) if ((await s.call('ZSCORE', 'z', `m${i}`)) === null) deleted.add(`m${i}`);
      }
      round++;
    } while (cursor !== '0');
    for (let i = 0; i < 1000; i++) {
      const m = `m${i}`;
      if (!deleted.has(m)) assert.ok(seen.has(m), `${m} missed`);
    }
    // MATCH filters after the walk: only matching members, still with their scores.
    const [, only] = (await s.call('ZSCAN', 'z', '0', 'MATCH', 'new1?', 'COUNT', '100000')) as [string, string[]];
    assert.ok(only.length > 0);
    for (let i = 0; i < only.length; i += 2) assert.match(only[i], /^new1\d$/);
  }));

test('a killed blocked client leaves no trace; the next waiter gets the element', () =>
  withServer(async (s) => {
    const a = s.connect();
    const b = s.connect();
    const aid = String(await a.call(['CLIENT', 'ID']));
    const ra = a.call(['BLPOP', 'k', '100']);
    ra.catch(() => undefined);
    const rb = b.call(['BZPOPMIN', 'k', 'z', '0']);
    assert.ok(await pending(rb));
    assert.equal(blockedClientCount(s.server), 2);
    assert.equal(clientsInTimeoutTable(s.server), 1);
    assert.equal(await s.call('CLIENT', 'KILL', 'ID', aid), 1);
    assert.equal(blockedClientCount(s.server), 1);
    assert.equal(clientsInTimeoutTable(s.server), 0);
    assert.equal(blockingKeyCount(s.server), 2);
    // A list push serves nobody now (b waits for a sorted set on k): the element stays.
    await s.call('RPUSH', 'k', 'v');
    assert.ok(await pending(rb));
    assert.deepEqual(await s.call('LRANGE', 'k', '0', '-1'), ['v']);
    await s.call('ZADD', 'z', '2', 'm');
    assert.deepEqual(await rb, ['z', 'm', '2']);
    assert.equal(blockingKeyCount(s.server), 0);
  }));

test('on the frozen clock, timeouts fire in deadline order while other waiters are served', () =>
  withServer(async (s) => {
    s.clock.freeze();
    const conns = [s.connect(), s.connect(), s.connect(), s.connect()];
    const late = conns[0].call(['BLPOP', 'k', '3']);
    const early = conns[1].call(['BZPOPMAX', 'z', '1.5']);
    const forever = conns[2].call(['BLMPOP', '0', '1', 'k', 'RIGHT']);
    const middle = conns[3].call(['BRPOPLPUSH', 'k', 'd', '2']);
    assert.ok(await pending(middle));
    assert.equal(clientsInTimeoutTable(s.server), 3);
    s.clock.advance(1500);
    assert.equal(await early, null);
    assert.ok(await pending(late));
    // One push serves the oldest list waiter only.
    await s.call('RPUSH', 'k', 'one');
    assert.deepEqual(await late, ['k', 'one']);
    s.clock.advance(500);
    assert.equal(await middle, null);
    s.clock.advance(1e9);
    assert.ok(await pending(forever));
    await s.call('RPUSH', 'k', 'two');
    assert.deepEqual(await forever, ['k', ['two']]);
    assert.equal(blockedClientCount(s.server), 0);
  }));

test('waiters on the same key name in two databases are served by their own database', () =>
  withServer(async (s) => {
    const a = s.connect();
    const b = s.connect();
    await b.call(['SELECT', '5']);
    const ra = a.call(['BLPOP', 'q', '0']);
    const rb = b.call(['BLPOP', 'q', '0']);
    assert.ok(await pending(ra));
    const pusher = s.connect();
    await pusher.call(['SELECT', '5']);
    await pusher.call(['RPUSH', 'q', 'five']);
    assert.deepEqual(await rb, ['q', 'five']);
    assert.ok(await pending(ra));
    await s.call('RPUSH', 'q', 'zero');
    assert.deepEqual(await ra, ['q', 'zero']);
  }));
