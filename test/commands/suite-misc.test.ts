// Fixes for Redis's own suite, through the embedded API. Lazy freeing: the memory of an unlinked
// or asynchronously flushed value is returned soon, as Redis's lazyfree thread does (unit/lazyfree
// checks INFO used_memory), and the INFO counters follow the queue. Configuration: DEBUG
// CONFIG-REWRITE-FORCE-ALL and multi-argument parameters given as one string (unit/introspection).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withServer } from '../helpers/embedded';
import { startServer, type RespiteServer } from '../../src/index';
import { Server } from '../../src/engine/server';
import { ConfigFileError, loadConfigFromString } from '../../src/config/conf-file';

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

// ---- configuration (unit/introspection in spawn mode) ------------------------------------------

test('DEBUG CONFIG-REWRITE-FORCE-ALL writes every parameter; loading the file gives the same values', async () => {
  const s = await startServer({ port: null, 'enable-debug-command': 'yes' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-force-all-'));
  try {
    // Without a config file, Redis's rewrite gets a null path: EFAULT.
    await assert.rejects(s.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), /ERR CONFIG-REWRITE-FORCE-ALL failed: Bad address/);
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, 'maxmemory 1mb\n');
    s.server.configFile = file;
    await s.call('CONFIG', 'SET', 'hz', '20', 'shutdown-on-sigterm', 'nosave now');
    assert.equal(await s.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), 'OK');
    const text = fs.readFileSync(file, 'latin1');
    // Defaults are written too (a plain CONFIG REWRITE leaves them out).
    assert.match(text, /\nmaxmemory-policy noeviction\n/);
    assert.match(text, /\nlist-max-listpack-size -2\n/);
    const fresh = new Server();
    loadConfigFromString(fresh, text);
    const before = (await s.call('CONFIG', 'GET', '*')) as string[];
    for (let i = 0; i < before.length; i += 2) {
      if (before[i] === 'dir') continue; // loading does not change the process directory here
      assert.equal(fresh.config.get(before[i]), before[i + 1], before[i]);
    }
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true });
  }
});

test('a multi-argument parameter given one argument splits it, in a file as on the command line', () => {
  const srv = new Server();
  loadConfigFromString(srv, 'shutdown-on-sigterm "nosave force"\nsave "3600 1 300 100"\n');
  assert.equal(srv.config.get('shutdown-on-sigterm'), 'nosave force');
  assert.equal(srv.config.get('save'), '3600 1 300 100');
  // An empty argument is not split: `save ""` still turns saving off.
  loadConfigFromString(srv, 'save ""\n');
  assert.equal(srv.config.get('save'), '');
  assert.throws(() => loadConfigFromString(srv, 'shutdown-on-sigint "now bogus"\n'), (e: unknown) => e instanceof ConfigFileError && /argument\(s\) must be one of the following/.test(e.report));
});
