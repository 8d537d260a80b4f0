// SAVE, BGSAVE (point-in-time while clients keep writing), LASTSAVE, save points, DEBUG RELOAD,
// SHUTDOWN SAVE|NOSAVE, MISCONF, INFO persistence, loading at startup — through the embedded API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, RespiteServer } from '../../src/index';
import { persistenceOf } from '../../src/persistence/persistence';
import { RespClient } from '../helpers/resp-client';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'respite-persist-'));
}

function info(text: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of String(text).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function persistenceInfo(s: RespiteServer): Promise<Record<string, string>> {
  return info(await s.call('INFO', 'persistence'));
}

async function withServer(opts: Record<string, unknown>, body: (s: RespiteServer, dir: string) => Promise<void>): Promise<void> {
  const dir = (opts.dir as string) ?? tmpDir();
  const s = await startServer({ port: null, dir, enableDebugCommand: 'yes', enableProtectedConfigs: 'yes', ...opts });
  try {
    await body(s, dir);
  } finally {
    await s.close();
  }
}

test('SAVE writes dbfilename in dir; LASTSAVE, rdb_saves and rdb_changes_since_last_save follow', async () => {
  await withServer({}, async (s, dir) => {
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '2');
    const before = await persistenceInfo(s);
    assert.equal(before.rdb_changes_since_last_save, '2');
    assert.equal(await s.call('SAVE'), 'OK');
    assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
    const after = await persistenceInfo(s);
    assert.equal(after.rdb_changes_since_last_save, '0');
    assert.equal(after.rdb_saves, '1');
    assert.equal(after.rdb_last_bgsave_status, 'ok');
    assert.ok(Math.abs(Number(await s.call('LASTSAVE')) - Date.now() / 1000) < 5);
    await s.call('CONFIG', 'SET', 'dbfilename', 'other.rdb');
    await s.call('SAVE');
    assert.ok(fs.existsSync(path.join(dir, 'other.rdb')));
    // No temp files left behind.
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('temp-')), []);
  });
});

test('a server given dir loads the file at startup; INFO reports keys loaded and expired', async () => {
  const dir = tmpDir();
  await withServer({ dir }, async (s) => {
    await s.call('SET', 'k', 'v');
    await s.call('RPUSH', 'l', 'a', 'b');
    await s.call('SET', 'gone', 'x', 'PX', '50');
    await s.call('SELECT', '5');
    await s.call('SAVE');
  });
  // Real time: 'gone' must expire while no server runs (a new server has a new clock).
  await new Promise((r) => setTimeout(r, 80));
  await withServer({ dir }, async (s) => {
    assert.equal(await s.call('GET', 'k'), 'v');
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['a', 'b']);
    const i = await persistenceInfo(s);
    assert.equal(i.rdb_last_load_keys_loaded, '2');
    assert.equal(i.rdb_last_load_keys_expired, '1');
  });
});

test('BGSAVE writes a point-in-time snapshot while clients keep changing the data', async () => {
  const dir = tmpDir();
  await withServer({ dir, port: 0 }, async (s) => {
    // Enough data for the save to take many slices.
    for (let i = 0; i < 20000; i += 500) {
      const args: string[] = [];
      for (let j = i; j < i + 500; j++) args.push(`key:${j}`, `value:${j}`);
      await s.call('MSET', ...args);
    }
    await s.call('RPUSH', 'biglist', ...Array.from({ length: 5000 }, (_, i) => String(i)));
    await s.call('HSET', 'bighash', ...Array.from({ length: 2000 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    assert.equal(await s.call('BGSAVE'), 'Background saving started');
    // Writes during the save: in-place changes, overwrites, deletes, new keys, a flush of db 1.
    assert.match(String(await s.call('BGSAVE').catch((e) => e.message)), /Background save already in progress/);
    await s.call('LPUSH', 'biglist', 'new-head');
    await s.call('HSET', 'bighash', 'f0', 'changed', 'extra', 'x');
    await s.call('SET', 'key:0', 'overwritten');
    await s.call('DEL', 'key:1');
    await s.call('SET', 'newkey', 'n');
    await s.call('RENAME', 'key:2', 'renamed');
    // A TCP client is served between the save's slices (in-process calls resolve as
    // microtasks, which never give the event loop a turn).
    const c = await RespClient.connect(s.port);
    let served = 0;
    while (persistenceOf(s.server).bg !== null) {
      await c.call('INCR', 'counter');
      served++;
    }
    c.close();
    assert.ok(served > 0, 'clients are served during the save');
    const i = await persistenceInfo(s);
    assert.equal(i.rdb_last_bgsave_status, 'ok');
    assert.equal(i.rdb_saves, '1');
    assert.ok(Number(i.rdb_last_cow_size) > 0, 'the changed collections were copied');
    // The changes made during the save are still to be saved.
    assert.ok(Number(i.rdb_changes_since_last_save) >= 6);
  });
  await withServer({ dir }, async (s) => {
    assert.equal(await s.call('DBSIZE'), 20002);
    assert.equal(await s.call('GET', 'key:0'), 'value:0');
    assert.equal(await s.call('GET', 'key:1'), 'value:1');
    assert.equal(await s.call('GET', 'key:2'), 'value:2');
    assert.equal(await s.call('EXISTS', 'newkey', 'renamed', 'counter'), 0);
    assert.equal(await s.call('DBSIZE'), 20002);
    assert.equal(await s.call('LLEN', 'biglist'), 5000);
    assert.equal(await s.call('LINDEX', 'biglist', '0'), '0');
    assert.equal(await s.call('HGET', 'bighash', 'f0'), 'v0');
    assert.equal(await s.call('HLEN', 'bighash'), 2000);
  });
});

test('BGSAVE argument errors, SCHEDULE, and BGSAVE inside MULTI is scheduled', async () => {
  await withServer({}, async (s) => {
    await assert.rejects(s.call('BGSAVE', 'foo'), /ERR syntax error/);
    await assert.rejects(s.call('BGSAVE', 'SCHEDULE', 'x'), /ERR syntax error/);
    const conn = s.connect();
    await conn.send(['MULTI']);
    await conn.send(['BGSAVE']);
    const r = await conn.send(['EXEC']);
    assert.equal(String((r as { value: string }[])[0].value), 'Background saving scheduled');
    assert.equal(persistenceOf(s.server).bgsaveScheduled, true);
    await assert.rejects(s.call('SAVE', 'x'), /wrong number of arguments/);
  });
});

/** Runs cron passes until `cond` holds (background jobs step on timers too). */
async function cronUntil(s: RespiteServer, cond: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return true;
    s.server.runCron(1);
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

async function totalForks(s: RespiteServer): Promise<number> {
  return Number(info(await s.call('INFO', 'stats'))['total_forks']);
}

test('total_forks counts background saves and AOF rewrites (what redis-server forks for)', async () => {
  await withServer({}, async (s) => {
    assert.equal(await totalForks(s), 0);
    await s.call('SET', 'k', 'v');
    await s.call('BGSAVE');
    assert.ok(await cronUntil(s, async () => (await persistenceInfo(s))['rdb_bgsave_in_progress'] === '0'));
    assert.equal(await totalForks(s), 1);
    await s.call('BGREWRITEAOF');
    assert.ok(await cronUntil(s, async () => (await persistenceInfo(s))['aof_rewrite_in_progress'] === '0'));
    assert.equal(await totalForks(s), 2);
    // BGREWRITEAOF inside MULTI is scheduled; the cron starts it.
    const conn = s.connect();
    await conn.send(['MULTI']);
    await conn.send(['BGREWRITEAOF']);
    const r = await conn.send(['EXEC']);
    assert.match(String((r as { value: string }[])[0].value), /rewriting scheduled/);
    assert.ok(await cronUntil(s, async () => (await totalForks(s)) === 3));
    conn.close();
  });
});

test('CONFIG SET appendonly yes inside MULTI schedules the rewrite, logged as Redis does', async () => {
  const logs: string[] = [];
  await withServer({ log: (line: string) => logs.push(line) }, async (s, dir) => {
    const conn = s.connect();
    await conn.send(['MULTI']);
    await conn.send(['SET', 'foo', 'bar']);
    await conn.send(['CONFIG', 'SET', 'appendonly', 'yes']);
    await conn.send(['EXEC']);
    assert.ok(logs.some((l) => l.includes('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.')), logs.join('\n'));
    assert.equal((await persistenceInfo(s))['aof_rewrite_scheduled'], '1');
    const forks = await totalForks(s);
    assert.ok(await cronUntil(s, async () => (await persistenceInfo(s))['aof_rewrite_scheduled'] === '0' && (await persistenceInfo(s))['aof_rewrite_in_progress'] === '0'));
    assert.equal(await totalForks(s), forks + 1);
    // The rewrite made the base file, and later writes go to the incr file.
    await s.call('SET', 'after', '1');
    const files = fs.readdirSync(path.join(dir, 'appendonlydir'));
    assert.ok(files.some((f) => f.includes('.base.')), files.join(' '));
    assert.ok(files.some((f) => f.includes('.incr.')), files.join(' '));
    conn.close();
  });
});

test('save points trigger a background save once enough changes and seconds passed', async () => {
  await withServer({ save: '2 3', hz: 100 }, async (s, dir) => {
    s.server.stopCron(); // the cron checks the save points: stepped below
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '1');
    s.clock.advance(5000);
    s.server.runCron(1);
    assert.equal((await persistenceInfo(s)).rdb_saves, '0', 'only 2 changes');
    await s.call('SET', 'c', '1');
    s.server.runCron(1);
    await persistenceOf(s.server).waitBgsave();
    assert.equal((await persistenceInfo(s)).rdb_saves, '1');
    assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
  });
});

test('DEBUG RELOAD saves and loads back; NOSAVE reloads the file as it is; bad options', async () => {
  await withServer({}, async (s) => {
    await s.call('SET', 'x', '1');
    await s.call('ZADD', 'z', '1', 'a');
    assert.equal(await s.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await s.call('GET', 'x'), '1');
    assert.equal(await s.call('ZSCORE', 'z', 'a'), '1');
    await s.call('SET', 'x', '2');
    await s.call('SET', 'y', '2');
    assert.equal(await s.call('DEBUG', 'RELOAD', 'NOSAVE'), 'OK');
    assert.equal(await s.call('GET', 'x'), '1');
    assert.equal(await s.call('EXISTS', 'y'), 0);
    await s.call('SET', 'y', '3');
    assert.equal(await s.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'), 'OK');
    assert.equal(await s.call('GET', 'y'), '3');
    await assert.rejects(s.call('DEBUG', 'RELOAD', 'BAD'), /DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options/);
  });
});

test('failing saves: SAVE answers ERR, BGSAVE fails, writes get MISCONF until a save works or the option is off', async () => {
  await withServer({}, async (s, dir) => {
    // A directory where the temp file should go makes opening it fail (works as root too).
    fs.mkdirSync(path.join(dir, `temp-${process.pid}.rdb`));
    fs.mkdirSync(path.join(dir, `temp-${process.pid}-bg.rdb`));
    await assert.rejects(s.call('SAVE'), /^RespiteError: ERR$/);
    assert.equal(await s.call('BGSAVE'), 'Background saving started');
    await persistenceOf(s.server).waitBgsave();
    assert.equal((await persistenceInfo(s)).rdb_last_bgsave_status, 'err');
    await assert.rejects(s.call('SET', 'k', 'v'), /^RespiteError: MISCONF Redis is configured to save RDB snapshots/);
    await assert.rejects(s.call('PING'), /MISCONF/);
    assert.equal(await s.call('GET', 'k'), null);
    await s.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    assert.equal(await s.call('SET', 'k', 'v'), 'OK');
    await s.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    await assert.rejects(s.call('SET', 'k', 'v'), /MISCONF/);
    fs.rmdirSync(path.join(dir, `temp-${process.pid}-bg.rdb`));
    await s.call('BGSAVE');
    await persistenceOf(s.server).waitBgsave();
    assert.equal(await s.call('SET', 'k', 'v2'), 'OK');
    // MISCONF poisons a transaction like any refused command.
    fs.mkdirSync(path.join(dir, `temp-${process.pid}-bg.rdb`));
    await s.call('BGSAVE');
    await persistenceOf(s.server).waitBgsave();
    const conn = s.connect();
    await conn.send(['MULTI']);
    await conn.send(['SET', 'a', 'b']);
    const exec = await conn.send(['EXEC']);
    assert.match(String((exec as Error).message ?? exec), /EXECABORT/);
  });
});

test('SHUTDOWN: an ephemeral server saves only with SAVE; a server with dir saves by default; NOSAVE does not', async () => {
  const dir = tmpDir();
  const eph = await startServer({ port: null });
  const p = persistenceOf(eph.server);
  assert.equal(p.owned, false);
  assert.equal(eph.server.persistence.prepareShutdown(false, false, false), null);
  await eph.close();

  const s = await startServer({ port: null, dir });
  await s.call('SET', 'k', 'v');
  assert.equal(s.server.persistence.prepareShutdown(false, true, false), null);
  assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), false);
  assert.equal(await s.call('SHUTDOWN'), 'OK');
  // Real time: the server stops (and writes the file) after SHUTDOWN's reply.
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), true);
  const again = await startServer({ port: null, dir });
  assert.equal(await again.call('GET', 'k'), 'v');
  // A save that fails refuses the shutdown (unless FORCE).
  fs.mkdirSync(path.join(dir, `temp-${process.pid}.rdb`));
  await assert.rejects(again.call('SHUTDOWN', 'SAVE'), /ERR Errors trying to SHUTDOWN. Check logs./);
  assert.equal(await again.call('PING'), 'PONG');
  await again.close();
});

test('INFO persistence has Redis 7.0 fields; loading fields while loading', async () => {
  await withServer({}, async (s) => {
    const i = await persistenceInfo(s);
    for (const f of ['loading', 'async_loading', 'current_cow_peak', 'rdb_changes_since_last_save', 'rdb_bgsave_in_progress', 'rdb_last_save_time', 'rdb_last_bgsave_status', 'rdb_last_bgsave_time_sec', 'rdb_current_bgsave_time_sec', 'rdb_saves', 'rdb_last_cow_size', 'aof_enabled', 'aof_rewrite_in_progress', 'aof_last_write_status', 'module_fork_last_cow_size']) {
      assert.ok(f in i, f);
    }
  });
});

test('RESTORE with a relative TTL and DUMP of every type through the embedded API', async () => {
  await withServer({}, async (s) => {
    s.clock.freeze();
    await s.call('HSET', 'h', 'f', 'v');
    const payload = (await s.callBuffer('DUMP', 'h')) as Buffer;
    assert.equal(await s.call('RESTORE', 'h2', '1000', payload), 'OK');
    assert.equal(await s.call('PTTL', 'h2'), 1000);
    s.clock.advance(1000);
    assert.equal(await s.call('EXISTS', 'h2'), 0);
    assert.equal(await s.call('DUMP', 'nope'), null);
    await s.call('SET', 'str', 'x');
    await assert.rejects(s.call('RESTORE', 'str', '0', payload), /BUSYKEY Target key name already exists./);
    assert.equal(await s.call('RESTORE', 'str', '0', payload, 'REPLACE'), 'OK');
    assert.equal(await s.call('TYPE', 'str'), 'hash');
  });
});

test('FUNCTION LOAD is recorded in the AOF and the library is back after a restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-aof-fn-'));
  let s = await startServer({ port: null, dir, appendonly: 'yes', appendfsync: 'always' });
  await s.call('FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function() return 7 end)");
  await s.call('SET', 'k', 'v');
  await s.close();
  s = await startServer({ port: null, dir, appendonly: 'yes' });
  try {
    assert.equal(await s.call('FCALL', 'f1', 0), 7);
    assert.equal(await s.call('GET', 'k'), 'v');
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('XREADGROUP replays from the AOF with the original owners, delivery times and counts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-aof-xrg-'));
  let s = await startServer({ port: null, dir, appendonly: 'yes', appendfsync: 'always' });
  s.clock.freeze(1_700_000_000_000);
  await s.call('XADD', 's', '1-1', 'f', 'a');
  await s.call('XADD', 's', '2-1', 'f', 'b');
  await s.call('XGROUP', 'CREATE', 's', 'g', '0');
  await s.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>');
  s.clock.advance(5000);
  await s.call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
  await s.call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0'); // history: count 2 for 2-1
  s.clock.advance(3000);
  await s.call('XCLAIM', 's', 'g', 'carol', '1000', '1-1'); // claimed at "now": replay must keep that time
  s.clock.advance(2000);
  await s.call('XADD', 's', '3-1', 'f', 'c');
  await s.call('XREADGROUP', 'GROUP', 'g', 'dave', 'STREAMS', 's', '>');
  await s.call('XDEL', 's', '3-1');
  await s.call('XAUTOCLAIM', 's', 'g', 'erin', '0', '0'); // claims 1-1 and 2-1, drops deleted 3-1
  const pendingBefore = await s.call('XPENDING', 's', 'g', '-', '+', '10');
  const groupsBefore = await s.call('XINFO', 'GROUPS', 's');
  await s.close();
  s = await startServer({ port: null, dir, appendonly: 'yes' });
  try {
    s.clock.freeze(1_700_000_000_000 + 10000);
    assert.deepEqual(await s.call('XPENDING', 's', 'g', '-', '+', '10'), pendingBefore);
    assert.deepEqual(await s.call('XINFO', 'GROUPS', 's'), groupsBefore);
    const consumers = (await s.call('XINFO', 'CONSUMERS', 's', 'g')) as unknown[][];
    assert.deepEqual(consumers.map((c) => c[1]), ['alice', 'bob', 'carol', 'dave', 'erin']);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a read-only replica replays script writes from its AOF at startup (the AOF is obeyed, like the master)', async () => {
  const dir = tmpDir();
  const aofDir = path.join(dir, 'appendonlydir');
  fs.mkdirSync(aofDir);
  const resp = (...a: string[]) => `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('');
  fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
  fs.writeFileSync(
    path.join(aofDir, 'appendonly.aof.1.incr.aof'),
    resp('select', '9') + resp('eval', 'redis.call("set",KEYS[1],"100")', '1', 'foo') + resp('eval', 'redis.call("incr",KEYS[1])', '1', 'foo') + resp('eval', 'redis.call("incr",KEYS[1])', '1', 'foo'),
  );
  const s = await startServer({ port: null, dir, appendonly: 'yes', replicaReadOnly: 'yes', replicaof: ['127.0.0.1', '0'] });
  try {
    const c = s.connect();
    await c.send(['SELECT', '9']);
    assert.equal(String((await c.send(['GET', 'foo'])) as unknown as { value?: string }), '102');
    // A client's script still may not write on the read-only replica.
    const r = await c.send(['EVAL', 'return redis.call("incr",KEYS[1])', '1', 'foo']);
    assert.match(String((r as { message?: string }).message), /READONLY/);
    c.close();
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
