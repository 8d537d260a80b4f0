// The append-only file: restarts replay it to the same dataset, redis-server 7.0 loads respite's
// AOF directory and respite loads redis-server's, BGREWRITEAOF compacts it while writes go on,
// truncated tails follow aof-load-truncated, writes are logged in deterministic form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../../src/index';
import { persistenceOf } from '../../src/persistence/persistence';
import { parseManifest } from '../../src/persistence/aof';
import { RespClient } from '../helpers/resp-client';
import { REDIS_SERVER, startReference } from '../helpers/differential';
import { datasetCommands, run, snapshotOf } from '../helpers/persistence-dataset';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'respite-aof-'));
}

function aofDir(dir: string): string {
  return path.join(dir, 'appendonlydir');
}

function checkAof(dir: string): string {
  const r = spawnSync('redis-check-aof', [path.join(aofDir(dir), 'appendonly.aof.manifest')], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

/**
 * The dataset without the commands whose result depends on the moment (XADD *), and without
 * FUNCTION LOAD: respite's FUNCTION LOAD does not count as a change yet, so it is not logged.
 */
const dataset = () => datasetCommands().filter((c) => !(c[0] === 'XADD' && c[2] === '*') && c[0] !== 'FUNCTION');

async function withRespite<T>(opts: Record<string, unknown>, body: (c: RespClient, port: number) => Promise<T>): Promise<T> {
  const s = await startServer({ port: 0, appendonly: 'yes', ...opts });
  const c = await RespClient.connect(s.port);
  try {
    return await body(c, s.port);
  } finally {
    c.close();
    await s.close();
  }
}

const skipRedis = REDIS_SERVER ? false : 'redis-server not installed';

test('a restart replays the AOF to the same dataset; the directory passes redis-check-aof', async () => {
  const dir = tmpDir();
  const before = await withRespite({ dir }, async (c) => {
    await run(c, dataset());
    return snapshotOf(c, true);
  });
  assert.match(checkAof(dir), /All AOF files and manifest are valid/);
  const after = await withRespite({ dir }, (c) => snapshotOf(c, true));
  assert.deepEqual(after, before);
});

test('writes are logged in deterministic form (PXAT, PEXPIREAT, SREM, SET KEEPTTL, LPOP)', async () => {
  const dir = tmpDir();
  await withRespite({ dir, appendfsync: 'always' }, async (c, port) => {
    await c.call('SET', 'a', '1', 'EX', '1000');
    await c.call('SETEX', 'b', '100', 'v');
    await c.call('EXPIRE', 'b', '500');
    await c.call('SADD', 's', 'x', 'y', 'z');
    await c.call('SPOP', 's', '2');
    await c.call('INCRBYFLOAT', 'f', '1.5');
    await c.call('RPUSH', 'l', 'a', 'b');
    await c.call('BLPOP', 'l', '0');
    await c.call('GETEX', 'a', 'PERSIST');
    await c.call('GETDEL', 'f');
    await c.call('GET', 'a'); // reads are not logged
    // A transaction is logged inside MULTI/EXEC when it has several writes, bare with one.
    await c.call('MULTI');
    await c.call('SET', 't', '1');
    await c.call('INCR', 't');
    await c.call('GET', 't');
    await c.call('EXEC');
    await c.call('MULTI');
    await c.call('INCR', 't');
    await c.call('EXEC');
    // A script is logged as its effects (one: bare; several: MULTI/EXEC), never as EVAL.
    await c.call('EVAL', "redis.call('SET', KEYS[1], redis.call('TIME')[1]) redis.call('INCR', 'scripted')", '1', 'sk');
    await c.call('EVAL', "return redis.call('GET', 'sk')", '0');
    // A blocked BRPOP served later is logged as RPOP.
    const waiter = await RespClient.connect(port);
    const pending = waiter.call('BRPOP', 'q', '0');
    await new Promise((r) => setTimeout(r, 30));
    await c.call('LPUSH', 'q', 'job');
    assert.deepEqual((await pending as unknown[]).map(String), ['q', 'job']);
    waiter.close();
  });
  const incr = fs.readdirSync(aofDir(dir)).find((f) => f.endsWith('.incr.aof'))!;
  const text = fs.readFileSync(path.join(aofDir(dir), incr), 'latin1');
  const cmds = text.split('*').slice(1).map((c) => c.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0));
  const names = cmds.map((c) => c[0]);
  assert.deepEqual(names, ['SELECT', 'SET', 'SET', 'PEXPIREAT', 'SADD', 'SREM', 'SET', 'RPUSH', 'LPOP', 'PERSIST', 'DEL', 'MULTI', 'SET', 'INCR', 'EXEC', 'INCR', 'MULTI', 'SET', 'INCR', 'EXEC', 'LPUSH', 'RPOP']);
  assert.equal(cmds[1][3], 'PXAT');
  assert.equal(cmds[5].length, 4, 'SREM of the two popped members');
  assert.deepEqual(cmds[6].slice(3), ['KEEPTTL']);
});

test('redis-server 7.0 loads respite\'s AOF directory (RDB preamble and plain commands)', { skip: skipRedis }, async () => {
  for (const preamble of ['yes', 'no']) {
    const dir = tmpDir();
    const ours = await withRespite({ dir, aofUseRdbPreamble: preamble }, async (c) => {
      await run(c, dataset());
      // Rewrite once so the base holds the data (RDB or commands), then more writes in the incr.
      await c.call('BGREWRITEAOF');
      await new Promise((r) => setTimeout(r, 50));
      while (String(await c.call('INFO', 'persistence')).includes('aof_rewrite_in_progress:1')) await new Promise((r) => setTimeout(r, 20));
      await c.call('SET', 'after-rewrite', 'x');
      return snapshotOf(c, true);
    });
    const manifest = parseManifest(fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1'));
    assert.equal(manifest.find((e) => e.type === 'b')!.name, `appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`);
    assert.match(checkAof(dir), /All AOF files and manifest are valid/);
    const ref = await startReference(['--dir', dir, '--appendonly', 'yes']);
    const r = await RespClient.connect(ref.port);
    try {
      assert.deepEqual(await snapshotOf(r, true), ours, `preamble ${preamble}`);
    } finally {
      r.close();
      await ref.stop();
    }
  }
});

test('respite loads the AOF directory redis-server wrote', { skip: skipRedis }, async () => {
  const dir = tmpDir();
  const ref = await startReference(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
  const r = await RespClient.connect(ref.port);
  await run(r, dataset());
  await r.call('MULTI');
  await r.call('SET', 'in-multi', '1');
  await r.call('INCR', 'in-multi');
  await r.call('EXEC');
  r.close();
  await ref.stop();
  // What redis-server itself rebuilds from these files (a replayed XCLAIM ... LASTID leaves a
  // group's entries-read unknown, in Redis as in respite).
  const again = await startReference(['--dir', dir, '--appendonly', 'yes']);
  const r2 = await RespClient.connect(again.port);
  const theirs = await snapshotOf(r2, true);
  r2.close();
  await again.stop();
  const ours = await withRespite({ dir }, (c) => snapshotOf(c, true));
  assert.deepEqual(ours, theirs);
});

test('BGREWRITEAOF: new base, history deleted, writes during the rewrite kept', async () => {
  const dir = tmpDir();
  const before = await withRespite({ dir }, async (c) => {
    for (let i = 0; i < 3000; i++) await c.call('SET', `k${i}`, String(i));
    for (let i = 0; i < 3000; i += 2) await c.call('DEL', `k${i}`);
    assert.equal(String(await c.call('BGREWRITEAOF')), '[object Object]');
    await c.call('SET', 'during', '1');
    await c.call('APPEND', 'k1', '-more');
    while (String(await c.call('INFO', 'persistence')).includes('aof_rewrite_in_progress:1')) await new Promise((r) => setTimeout(r, 10));
    const info = String(await c.call('INFO', 'persistence'));
    assert.match(info, /aof_rewrites:1/);
    assert.match(info, /aof_last_bgrewrite_status:ok/);
    return snapshotOf(c);
  });
  const files = fs.readdirSync(aofDir(dir)).sort();
  assert.deepEqual(files, ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
  const after = await withRespite({ dir }, (c) => snapshotOf(c));
  assert.deepEqual(after, before);
});

test('a truncated AOF tail: loaded and truncated with aof-load-truncated yes, refused with no', async () => {
  const dir = tmpDir();
  await withRespite({ dir, appendfsync: 'always' }, async (c) => {
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
  });
  const incr = path.join(aofDir(dir), 'appendonly.aof.1.incr.aof');
  const good = fs.readFileSync(incr);
  const partial = '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1';
  fs.appendFileSync(incr, partial);
  await assert.rejects(startServer({ port: null, dir, appendonly: 'yes', aofLoadTruncated: 'no' }), /Unexpected end of file reading the append only file/);
  assert.equal(fs.statSync(incr).size, good.length + partial.length, 'refusing leaves the file alone');
  await withRespite({ dir }, async (c) => {
    assert.equal(String(await c.call('GET', 'b')), '2');
    assert.equal(await c.call('EXISTS', 'c'), 0);
  });
  assert.equal(fs.statSync(incr).size, good.length);
  // Garbage in the middle is a bad format whatever the option says.
  fs.writeFileSync(incr, Buffer.concat([good, Buffer.from('garbage\r\n'), good]));
  await assert.rejects(startServer({ port: null, dir, appendonly: 'yes' }), /Bad file format reading the append only file/);
});

test('CONFIG SET appendonly yes at runtime starts the AOF with a base of the current data; no stops it', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir });
  await s.call('SET', 'before', '1');
  assert.equal(await s.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
  await persistenceOf(s.server).aof!.waitRewrite();
  await s.call('SET', 'after', '2');
  assert.equal(await s.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
  await s.call('SET', 'not-logged', '3');
  await s.close();
  const again = await startServer({ port: null, dir, appendonly: 'yes' });
  assert.deepEqual(await again.call('MGET', 'before', 'after', 'not-logged'), ['1', '2', null]);
  await again.close();
});

test('BGREWRITEAOF while one runs, and BGSAVE while a rewrite runs (scheduled)', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir, appendonly: 'yes', enableDebugCommand: 'yes' });
  // Enough keys that the rewrite takes many slices of the event loop: the next few calls (each
  // waits one turn for the AOF) find it still running, however loaded the machine is.
  await s.call('DEBUG', 'POPULATE', '300000');
  assert.equal(await s.call('BGREWRITEAOF'), 'Background append only file rewriting started');
  await assert.rejects(s.call('BGREWRITEAOF'), /ERR Background append only file rewriting already in progress/);
  await assert.rejects(s.call('BGSAVE'), /ERR Another child process is active \(AOF\?\): can't BGSAVE right now/);
  assert.equal(await s.call('BGSAVE', 'SCHEDULE'), 'Background saving scheduled');
  await persistenceOf(s.server).aof!.waitRewrite();
  await s.close();
});

test('DEBUG LOADAOF reloads the dataset from the AOF', async () => {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir, appendonly: 'yes', enableDebugCommand: 'yes' });
  await s.call('SET', 'x', '1');
  await s.call('RPUSH', 'l', 'a', 'b');
  assert.equal(await s.call('DEBUG', 'LOADAOF'), 'OK');
  assert.equal(await s.call('GET', 'x'), '1');
  assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['a', 'b']);
  await s.close();
});
