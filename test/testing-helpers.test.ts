// respite/testing, used the way its users would: useRespite() under node:test (this file), the
// redis-memory-server compatible class, and the jest and vitest fixtures in test/fixtures/runners
// run by the real runners (per-file servers and the per-worker global setup).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { RedisMemoryServer, useRespite } from '../src/testing';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'runners');

/** One command over TCP; the raw RESP reply. */
function tcp(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (out.endsWith('\r\n')) {
        s.end();
        resolve(out);
      }
    });
    s.on('error', reject);
    s.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
  });
}

const redis = useRespite({ reset: 'each' });

test('useRespite under node:test: a listening server, in-process calls, a fresh keyspace per test', async () => {
  assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
  assert.equal(await tcp(redis.port, 'SET', 'k', 'v'), '+OK\r\n');
  assert.equal(await redis.call('GET', 'k'), 'v');
});

test("useRespite reset: 'each' flushed the previous test's keys", async () => {
  assert.equal(await redis.call('DBSIZE'), 0);
});

test('RedisMemoryServer: create, getHost/getPort, instance args, stop, start again', async () => {
  const s = await RedisMemoryServer.create({ instance: { args: ['--maxmemory-policy', 'allkeys-lru'] } });
  const host = await s.getHost();
  const port = await s.getPort();
  assert.equal(host, '127.0.0.1');
  assert.equal(await tcp(port, 'PING'), '+PONG\r\n');
  assert.equal(await tcp(port, 'CONFIG', 'GET', 'maxmemory-policy'), '*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n');
  const info = s.getInstanceInfo();
  assert.ok(info !== false && info.port === port);
  await assert.rejects(s.start(), /already running/);
  assert.equal(await s.stop(), true);
  assert.equal(s.getInstanceInfo(), false);
  assert.equal(await s.stop(), false);
  // The lazy form: getPort() starts it.
  const lazy = new RedisMemoryServer();
  const p2 = await lazy.getPort();
  assert.equal(await tcp(p2, 'PING'), '+PONG\r\n');
  await lazy.stop();
});

test("the package's export map: respite/testing and the global setup resolve", () => {
  const r = spawnSync(process.execPath, ['-e', "for (const m of ['respite', 'respite/testing', 'respite/testing/global-setup', 'respite/testing/global-teardown']) require.resolve(m); console.log(typeof require('respite/testing').useRespite)"], { cwd: ROOT, encoding: 'latin1' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function');
});

function runner(bin: string): string | null {
  const p = path.join(ROOT, 'node_modules', '.bin', bin);
  return fs.existsSync(p) ? p : null;
}

test('vitest: useRespite per file and one server per worker from the global setup', (t) => {
  const vitest = runner('vitest');
  if (vitest === null) return t.skip('vitest is not installed (npm install)');
  const r = spawnSync(vitest, ['run', '-c', path.join(FIXTURES, 'vitest.config.mjs')], { cwd: ROOT, encoding: 'latin1', timeout: 180000, env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout.replace(/\x1b\[[0-9;]*m/g, ''), /Tests\s+3 passed \(3\)/);
});

test('jest: useRespite per file and one server per worker from the global setup', (t) => {
  const jest = runner('jest');
  if (jest === null) return t.skip('jest is not installed (npm install)');
  // jest runs test files in a vm sandbox whose loader needs this flag for the dynamic import()
  // that loads the Lua engine (see the README's testing section).
  const r = spawnSync(jest, ['-c', path.join(FIXTURES, 'jest.config.cjs'), '--forceExit'], {
    cwd: ROOT,
    encoding: 'latin1',
    timeout: 240000,
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /Tests:\s+3 passed, 3 total/);
});
