// Stream consumer-group behaviours from Redis's unit/type/stream-cgroups that go through the AOF:
// an empty stream survives a rewrite, and consumers created by NOACK reads survive a replay.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../../src/index';

async function rewriteDone(s: Awaited<ReturnType<typeof startServer>>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = String(await s.call('INFO', 'persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && !/aof_rewrite_scheduled:1/.test(info)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('AOF rewrite did not finish');
}

test('an empty stream with a group (last ID 0-0) survives an AOF rewrite without RDB preamble', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-aof-empty-stream-'));
  const s = await startServer({ port: null, dir, appendonly: 'yes', 'aof-use-rdb-preamble': 'no', 'enable-debug-command': 'yes' });
  try {
    await s.call('XGROUP', 'CREATE', 'mystream', 'g', '$', 'MKSTREAM');
    await s.call('XADD', 'other', '5-0', 'a', 'b');
    await s.call('XDEL', 'other', '5-0');
    const before = [await s.call('XINFO', 'STREAM', 'mystream'), await s.call('XINFO', 'STREAM', 'other')];
    await s.call('BGREWRITEAOF');
    await rewriteDone(s);
    await s.call('DEBUG', 'LOADAOF');
    assert.equal(await s.call('EXISTS', 'mystream', 'other'), 2);
    assert.deepEqual([await s.call('XINFO', 'STREAM', 'mystream'), await s.call('XINFO', 'STREAM', 'other')], before);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('consumers created by XREADGROUP NOACK (direct and when a blocked read is served) survive DEBUG LOADAOF', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-aof-noack-'));
  const s = await startServer({ port: null, dir, appendonly: 'yes', 'enable-debug-command': 'yes' });
  try {
    await s.call('XGROUP', 'CREATE', 'mystream', 'mygroup', '$', 'MKSTREAM');
    await s.call('XADD', 'mystream', '*', 'f1', 'v1');
    await s.call('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'NOACK', 'STREAMS', 'mystream', '>');
    const bob = s.connect();
    const blocked = bob.send(['XREADGROUP', 'GROUP', 'mygroup', 'Bob', 'BLOCK', '0', 'NOACK', 'STREAMS', 'mystream', '>']);
    await new Promise((r) => setTimeout(r, 20));
    await s.call('XADD', 'mystream', '*', 'f2', 'v2');
    await blocked;
    const groups = await s.call('XINFO', 'GROUPS', 'mystream');
    await s.call('DEBUG', 'LOADAOF');
    assert.deepEqual(await s.call('XINFO', 'GROUPS', 'mystream'), groups);
    const consumers = (await s.call('XINFO', 'CONSUMERS', 'mystream', 'mygroup')) as unknown[][];
    assert.deepEqual(consumers.map((c) => c[1]), ['Alice', 'Bob']);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
