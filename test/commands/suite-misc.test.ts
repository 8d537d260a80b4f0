// Lazy freeing through the embedded API: the memory of an unlinked or asynchronously flushed
// value is returned soon, as Redis's lazyfree thread does (unit/lazyfree checks INFO used_memory),
// and the INFO counters follow the queue.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { withServer } from '../helpers/embedded';
import type { RespiteServer } from '../../src/index';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function info(s: RespiteServer, field: string): Promise<number> {
  const m = new RegExp(`${field}:(\\d+)`).exec(String(await s.call('INFO', 'memory')));
  assert.ok(m, field);
  return Number(m[1]);
}

async function reclaimAfter(s: RespiteServer, free: () => Promise<unknown>): Promise<void> {
  const members = Array.from({ length: 100_000 }, (_, i) => String(i));
  await s.call('SADD', 'myset', ...members);
  const peak = await info(s, 'used_memory');
  await free();
  for (let i = 0; ; i++) {
    const used = await info(s, 'used_memory');
    if (used < peak && (await info(s, 'lazyfree_pending_objects')) === 0) break;
    assert.ok(i < 50, `memory not reclaimed: ${used} >= ${peak}`);
    await sleep(100);
  }
}

test('UNLINK of a big set: counted as lazily freed, and its memory is reclaimed', async () => {
  await withServer(async (s) => {
    await reclaimAfter(s, () => s.call('UNLINK', 'myset'));
    assert.equal(await info(s, 'lazyfreed_objects'), 1);
  });
});

test('FLUSHDB ASYNC: every key counted, memory reclaimed; CONFIG RESETSTAT zeroes the count', async () => {
  await withServer(async (s) => {
    await s.call('SET', 'a', '1');
    await reclaimAfter(s, () => s.call('FLUSHDB', 'ASYNC'));
    assert.equal(await info(s, 'lazyfreed_objects'), 2);
    await s.call('CONFIG', 'RESETSTAT');
    assert.equal(await info(s, 'lazyfreed_objects'), 0);
  });
});

test('lazyfree-lazy-expire and -eviction: expired and evicted big values are freed lazily', async () => {
  await withServer(async (s) => {
    s.clock.freeze();
    await s.call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
    // ~170 quicklist nodes of 8 KB; a short list (a few nodes) is freed at once.
    await s.call('RPUSH', 'l', ...Array.from({ length: 100_000 }, (_, i) => `element-${i}`));
    await s.call('RPUSH', 'short', ...Array.from({ length: 1000 }, (_, i) => `element-${i}`));
    await s.call('SADD', 's', ...Array.from({ length: 200 }, (_, i) => `m${i}`));
    for (const k of ['l', 'short', 's']) await s.call('PEXPIRE', k, '10');
    s.clock.advance(20);
    assert.equal(await s.call('EXISTS', 'l', 'short', 's'), 0);
    for (let i = 0; (await info(s, 'lazyfree_pending_objects')) !== 0; i++) {
      assert.ok(i < 100);
      await sleep(10);
    }
    assert.equal(await info(s, 'lazyfreed_objects'), 2);
    // Eviction: a big set evicted under allkeys-random is freed lazily too.
    await s.call('CONFIG', 'SET', 'lazyfree-lazy-eviction', 'yes');
    await s.call('SADD', 'big', ...Array.from({ length: 200 }, (_, i) => `m${i}`));
    await s.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await s.call('CONFIG', 'SET', 'maxmemory', '1');
    assert.equal(await s.call('EXISTS', 'big'), 0);
    await s.call('CONFIG', 'SET', 'maxmemory', '0');
    for (let i = 0; (await info(s, 'lazyfree_pending_objects')) !== 0; i++) {
      assert.ok(i < 100);
      await sleep(10);
    }
    assert.equal(await info(s, 'lazyfreed_objects'), 3);
  });
});
