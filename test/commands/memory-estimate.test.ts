// INFO used_memory is the same estimate before and after CONFIG SET maxmemory (Redis's suite sets
// limits relative to the figure it reads), and values grown in place (SETBIT, SETRANGE offsets)
// count in it at once, so the next command evicts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';

async function usedMemory(call: (...a: string[]) => Promise<unknown>): Promise<number> {
  const m = /used_memory:(\d+)/.exec(String(await call('INFO', 'memory')));
  assert.ok(m);
  return Number(m[1]);
}

for (const grow of [
  ['SETBIT', 'big-key', '1600000', '0'],
  ['SETRANGE', 'big-key', '200000', 'x'],
]) {
  test(`a limit 100 KB above INFO's used_memory holds until ${grow[0]} grows a value by 200 KB`, async () => {
    const s = await startServer({ port: null });
    try {
      const call = (...a: string[]) => s.call(...a);
      const used = await usedMemory(call);
      await s.call('CONFIG', 'SET', 'maxmemory', String(used + 100 * 1024));
      await s.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-random');
      assert.equal(await s.call('SETEX', 'volatile-key', '10000', 'x'), 'OK');
      assert.equal(await s.call('GET', 'volatile-key'), 'x');
      await s.call(...grow);
      // The next command finds memory over the limit and evicts the only volatile key.
      assert.equal(await s.call('EXISTS', 'volatile-key'), 0);
      assert.equal(await s.call('EXISTS', 'big-key'), 1);
    } finally {
      await s.close();
    }
  });
}
