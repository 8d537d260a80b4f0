// respite-server processes killed with SIGKILL in the middle of a write load, restarted on the
// same directory: with appendfsync always no acknowledged write is lost. Also: clients get
// -LOADING while a large file loads, and a corrupt file stops the startup and is left untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RespClient } from '../helpers/resp-client';
import { freePort } from '../helpers/differential';
import { startServer } from '../../src/index';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'respite-crash-'));
}

interface Proc {
  proc: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  log: () => string;
}

async function spawnServer(dir: string, args: string[], waitReady = true): Promise<Proc> {
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, [CLI, '--port', String(port), '--dir', dir, '--save', '', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  if (waitReady) {
    for (let i = 0; i < 200 && !out.includes('Ready to accept connections'); i++) {
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return { proc, port, exited, log: () => out };
}

async function connect(port: number): Promise<RespClient> {
  for (let i = 0; ; i++) {
    try {
      return await RespClient.connect(port);
    } catch (e) {
      if (i > 200) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Writes SET k<i> i one at a time until killed; returns how many were acknowledged. */
async function writeUntilKilled(p: Proc, ms: number): Promise<number> {
  const c = await connect(p.port);
  let acked = 0;
  const stopAt = Date.now() + ms;
  let killed = false;
  try {
    while (!killed) {
      if (Date.now() >= stopAt) {
        // Kill while the next write is in flight.
        const pending = c.call('SET', `k${acked}`, String(acked)).catch(() => undefined);
        p.proc.kill('SIGKILL');
        killed = true;
        const r = await Promise.race([pending, new Promise((r) => setTimeout(r, 500))]);
        if (r !== undefined && String((r as { value?: string }).value ?? r) === 'OK') acked++;
        break;
      }
      const r = await c.call('SET', `k${acked}`, String(acked));
      assert.equal(String((r as { value: string }).value), 'OK');
      acked++;
    }
  } finally {
    c.close();
  }
  await p.exited;
  return acked;
}

test('appendfsync always: no acknowledged write is lost after SIGKILL', async () => {
  const dir = tmpDir();
  const p = await spawnServer(dir, ['--appendonly', 'yes', '--appendfsync', 'always']);
  const acked = await writeUntilKilled(p, 400);
  assert.ok(acked > 10, `wrote ${acked}`);
  const q = await spawnServer(dir, ['--appendonly', 'yes']);
  const c = await connect(q.port);
  try {
    const n = Number(await c.call('DBSIZE'));
    assert.ok(n >= acked && n <= acked + 1, `dbsize ${n}, acknowledged ${acked}`);
    for (let i = 0; i < acked; i += Math.max(1, Math.floor(acked / 50))) assert.equal(String(await c.call('GET', `k${i}`)), String(i));
    assert.equal(String(await c.call('GET', `k${acked - 1}`)), String(acked - 1));
  } finally {
    c.close();
    q.proc.kill('SIGKILL');
    await q.exited;
  }
});

test('appendfsync everysec: what a SIGKILL loses is measured (the process dies, the page cache does not)', async () => {
  const dir = tmpDir();
  const p = await spawnServer(dir, ['--appendonly', 'yes', '--appendfsync', 'everysec']);
  const acked = await writeUntilKilled(p, 400);
  const q = await spawnServer(dir, ['--appendonly', 'yes']);
  const c = await connect(q.port);
  try {
    const n = Number(await c.call('DBSIZE'));
    // As in Redis, a reply leaves after its command was written to the file: a killed process
    // loses nothing acknowledged (a machine crash may lose the last second).
    process.stdout.write(`# everysec: acknowledged ${acked}, recovered ${n}, lost ${Math.max(0, acked - n)}\n`);
    assert.ok(n >= acked && n <= acked + 1, `dbsize ${n}, acknowledged ${acked}`);
  } finally {
    c.close();
    q.proc.kill('SIGKILL');
    await q.exited;
  }
});

test('clients get -LOADING while a large RDB loads; then the data is there', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir });
  for (let i = 0; i < 3000; i += 300) {
    const args: string[] = [];
    for (let j = i; j < i + 300; j++) args.push(`key:${j}`, 'v');
    await s.call('MSET', ...args);
  }
  await s.call('SAVE');
  await s.close();
  // key-load-delay (µs per key, as in Redis's tests) makes the load take about three seconds.
  const p = await spawnServer(dir, ['--key-load-delay', '1000'], false);
  try {
    const c = await connect(p.port);
    const r = await c.callRaw('GET', 'key:1');
    assert.equal(r.raw.toString(), '-LOADING Redis is loading the dataset in memory\r\n');
    const info = String(await c.call('INFO', 'persistence'));
    assert.match(info, /loading:1/);
    assert.match(info, /loading_total_bytes:\d+/);
    // PING is refused too (it is not flagged 'loading' in Redis 7.0).
    assert.match((await c.callRaw('PING')).raw.toString(), /^-LOADING/);
    while ((await c.callRaw('GET', 'key:1')).raw[0] === 0x2d) await new Promise((r) => setTimeout(r, 50));
    assert.equal(String(await c.call('DBSIZE')), '3000');
    c.close();
  } finally {
    p.proc.kill('SIGKILL');
    await p.exited;
  }
});

test('a corrupt RDB stops the startup with a message and is left untouched', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir });
  await s.call('SET', 'k', 'v'.repeat(100));
  await s.call('SAVE');
  await s.close();
  const file = path.join(dir, 'dump.rdb');
  const bytes = fs.readFileSync(file);
  const bad = Buffer.from(bytes);
  bad[bad.length - 30] ^= 0x55;
  fs.writeFileSync(file, bad);
  const p = await spawnServer(dir, [], false);
  const code = await p.exited;
  assert.equal(code, 1);
  assert.match(p.log(), /Wrong RDB checksum|Short read|Unknown RDB encoding type/);
  assert.deepEqual(fs.readFileSync(file), bad);
  // Truncated too.
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 20));
  const q = await spawnServer(dir, [], false);
  assert.equal(await q.exited, 1);
  assert.equal(fs.statSync(file).size, bytes.length - 20);
});

test('clients get -LOADING while the AOF replays', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir, appendonly: 'yes' });
  for (let i = 0; i < 2000; i++) await s.call('SET', `k${i}`, 'v');
  await s.close();
  const p = await spawnServer(dir, ['--appendonly', 'yes', '--key-load-delay', '1000'], false);
  try {
    const c = await connect(p.port);
    assert.match((await c.callRaw('GET', 'k1')).raw.toString(), /^-LOADING/);
    assert.match(String(await c.call('INFO', 'persistence')), /loading:1/);
    while ((await c.callRaw('GET', 'k1')).raw[0] === 0x2d) await new Promise((r) => setTimeout(r, 50));
    assert.equal(String(await c.call('DBSIZE')), '2000');
    c.close();
  } finally {
    p.proc.kill('SIGKILL');
    await p.exited;
  }
});
