// respite replicating from respite, in one process (startServer({ replicaof: [host, port] })):
// sync, the stream, offsets, WAIT, -READONLY, -MASTERDOWN, expiry left to the master, partial
// resync after CLIENT KILL TYPE master, a chained replica, and promotion with REPLICAOF NO ONE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RespClient } from '../helpers/resp-client';
import { fillEveryType, info, picture, until } from '../helpers/replication';
import { startServer, RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';

async function linkUp(c: RespClient): Promise<void> {
  await until('the link to come up', async () => info(await c.call('INFO', 'replication')).master_link_status === 'up');
}

test('an embedded replica follows an embedded master: data, offsets, WAIT, READONLY, partial resync', async () => {
  const master = await startServer({ port: 0 });
  const m = await RespClient.connect(master.port);
  await fillEveryType(m, 'before');
  const replica = await startServer({ port: 0, replicaof: ['127.0.0.1', master.port] });
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    await fillEveryType(m, 'after');
    await m.call('MULTI');
    await m.call('INCR', 'n');
    await m.call('SELECT', 3);
    await m.call('INCR', 'n3');
    await m.call('EXEC');
    await m.call('SELECT', 0);
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    assert.deepEqual(await picture(r), await picture(m));
    const mi = info(await m.call('INFO', 'replication'));
    const ri = info(await r.call('INFO', 'replication'));
    assert.equal(ri.role, 'slave');
    assert.equal(ri.master_replid, mi.master_replid);
    assert.equal(ri.slave_repl_offset, mi.master_repl_offset);
    assert.equal(ri.master_repl_offset, mi.master_repl_offset);
    for (const f of ['master_host', 'master_port', 'master_link_status', 'master_last_io_seconds_ago', 'master_sync_in_progress', 'slave_read_repl_offset', 'slave_priority', 'slave_read_only', 'replica_announced'])
      assert.ok(f in ri, f);
    assert.deepEqual(await r.call('ROLE'), ['slave', '127.0.0.1', master.port, 'connected', Number(mi.master_repl_offset)]);
    const ro = await r.call('INCR', 'n');
    assert.ok(ro instanceof ReplyError && ro.message === "READONLY You can't write against a read only replica.");
    // A writable replica takes local writes.
    await r.call('CONFIG', 'SET', 'replica-read-only', 'no');
    assert.deepEqual(await r.call('SET', 'local', '1'), new SimpleString('OK'));
    await r.call('CONFIG', 'SET', 'replica-read-only', 'yes');
    await r.call('DEL', 'local').catch(() => undefined);
    // WAIT is a master's command.
    const w = await r.call('WAIT', 0, 0);
    assert.ok(w instanceof ReplyError && w.message.startsWith('ERR WAIT cannot be used with replica instances.'));
    // The master client: CLIENT LIST flags=M, killed by CLIENT KILL TYPE master; the replica resumes.
    assert.match(String(await r.call('CLIENT', 'LIST', 'TYPE', 'master')), /flags=M /);
    assert.equal(await r.call('CLIENT', 'KILL', 'TYPE', 'master'), 1);
    await m.call('SET', 'while-away', '1');
    await until('the data written while away', async () => (await r.call('EXISTS', 'while-away')) === 1);
    assert.equal(info(await m.call('INFO', 'stats')).sync_partial_ok, '1');
    assert.equal(info(await m.call('INFO', 'stats')).sync_full, '1');
  } finally {
    r.close();
    m.close();
    await replica.close();
    await master.close();
  }
});

test('a replica hides expired keys but leaves their deletion to the master', async () => {
  const master = await startServer({ port: 0, 'enable-debug-command': 'yes' });
  const replica = await startServer({ port: 0, replicaof: ['127.0.0.1', master.port] });
  const m = await RespClient.connect(master.port);
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
    await m.call('SET', 'k', 'v', 'PX', 30);
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    await new Promise((res) => setTimeout(res, 80));
    assert.equal(await r.call('GET', 'k'), null);
    assert.equal(await r.call('DBSIZE'), 1);
    // No active expiry on a replica either.
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(await r.call('DBSIZE'), 1);
    assert.equal(await m.call('GET', 'k'), null);
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    assert.equal(await r.call('DBSIZE'), 0);
  } finally {
    r.close();
    m.close();
    await replica.close();
    await master.close();
  }
});

test('replica-serve-stale-data no answers -MASTERDOWN while the link is down', async () => {
  const replica = await startServer({ port: 0, 'replica-serve-stale-data': 'no' });
  const r = await RespClient.connect(replica.port);
  try {
    const dead = await startServer({ port: 0 });
    const port = dead.port;
    await dead.close();
    assert.deepEqual(await r.call('REPLICAOF', '127.0.0.1', port), new SimpleString('OK'));
    const e = await r.call('GET', 'x');
    assert.ok(e instanceof ReplyError);
    assert.equal(e.message, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    const ri = info(await r.call('INFO', 'replication'));
    assert.equal(ri.master_link_status, 'down');
    assert.equal(ri.master_link_down_since_seconds, '-1');
    assert.equal(((await r.call('ROLE')) as Reply[])[4], -1);
    assert.ok((await r.call('REPLICAOF', '127.0.0.1', 'x')) instanceof ReplyError);
    assert.equal(((await r.call('REPLICAOF', '127.0.0.1', 70000)) as ReplyError).message, 'ERR Invalid master port');
    assert.deepEqual(await r.call('REPLICAOF', 'no', 'one'), new SimpleString('OK'));
    assert.equal(await r.call('GET', 'x'), null);
  } finally {
    r.close();
    await replica.close();
  }
});

test('a chained replica gets the master stream verbatim and continues partially when its master is promoted', async () => {
  const servers: RespiteServer[] = [];
  const clients: RespClient[] = [];
  try {
    const a = await startServer({ port: 0 });
    servers.push(a);
    const b = await startServer({ port: 0, replicaof: ['127.0.0.1', a.port] });
    servers.push(b);
    const c = await startServer({ port: 0, replicaof: ['127.0.0.1', b.port] });
    servers.push(c);
    const [ca, cb, cc] = await Promise.all([a, b, c].map((s) => RespClient.connect(s.port)));
    clients.push(ca, cb, cc);
    await linkUp(cb);
    await linkUp(cc);
    await fillEveryType(ca, 'x');
    await until('the chain to catch up', async () => info(await cc.call('INFO', 'replication')).slave_repl_offset === info(await ca.call('INFO', 'replication')).master_repl_offset);
    const ia = info(await ca.call('INFO', 'replication'));
    const ic = info(await cc.call('INFO', 'replication'));
    assert.equal(ic.master_replid, ia.master_replid);
    assert.deepEqual(await picture(cc), await picture(ca));
    // Promote B: C reconnects and continues with B's new history (partial resync on B).
    assert.deepEqual(await cb.call('REPLICAOF', 'NO', 'ONE'), new SimpleString('OK'));
    await cb.call('SET', 'promoted', '1');
    await until('C to follow B', async () => (await cc.call('GET', 'promoted')) === '1');
    const sb = info(await cb.call('INFO', 'stats'));
    assert.equal(sb.sync_partial_ok, '1');
    const ib = info(await cb.call('INFO', 'replication'));
    assert.equal(ib.master_replid2, ia.master_replid);
    assert.equal(info(await cc.call('INFO', 'replication')).master_replid, ib.master_replid);
  } finally {
    for (const x of clients) x.close();
    for (const s of servers.reverse()) await s.close();
  }
});

test("a writable replica expires the TTLs its own clients set, and its writes delete the master's expired keys", async () => {
  const master = await startServer({ port: 0, 'enable-debug-command': 'yes' });
  const replica = await startServer({ port: 0, replicaof: ['127.0.0.1', master.port], 'replica-read-only': 'no' });
  const m = await RespClient.connect(master.port);
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    await r.call('SET', 'mine', '1', 'PX', 50);
    assert.equal(await r.call('DBSIZE'), 1);
    await until('the replica to expire its own key', async () => (await r.call('DBSIZE')) === 0, 3000);
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
    await m.call('SET', 'k1', '5', 'PX', 10);
    await m.call('SET', 'k2', '5', 'PX', 10);
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(await r.call('DBSIZE'), 2);
    assert.equal(await r.call('INCR', 'k1'), 1); // expired: deleted and created again, without TTL
    assert.equal(await r.call('TTL', 'k1'), -1);
    assert.equal(await r.call('GET', 'k2'), null);
    assert.equal(await r.call('DBSIZE'), 2);
  } finally {
    r.close();
    m.close();
    await replica.close();
    await master.close();
  }
});

test('an error reply to a command of the master is logged as CRITICAL; GETSET reaches the replica as SET', async () => {
  const lines: string[] = [];
  const master = await startServer({ port: 0, 'enable-debug-command': 'yes' });
  const replica = await startServer({ port: 0, replicaof: ['127.0.0.1', master.port], log: (l: string) => void lines.push(l) });
  const m = await RespClient.connect(master.port);
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    await r.call('CONFIG', 'RESETSTAT');
    await m.call('SET', 'k', 'a');
    assert.equal(await m.call('GETSET', 'k', 'b'), 'a');
    assert.deepEqual(await m.call('DEBUG', 'REPLICATE', 'fake-command-1'), new SimpleString('OK'));
    await m.call('SET', 'foo', 'bar');
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    assert.equal(await r.call('GET', 'k'), 'b');
    const stats = String(await r.call('INFO', 'commandstats'));
    assert.match(stats, /cmdstat_set:calls=3,/);
    assert.doesNotMatch(stats, /cmdstat_getset/);
    const critical = lines.filter((l) => l.includes('== CRITICAL =='));
    assert.equal(critical.length, 1);
    assert.match(critical[0], /This replica is sending an error to its master: 'ERR unknown command 'fake-command-1'.*after processing the command '<unknown>'/);
  } finally {
    r.close();
    m.close();
    await replica.close();
    await master.close();
  }
});

test('scripts on a replica: writes get -READONLY, non-stale commands on a stale replica are refused', async () => {
  const replica = await startServer({ port: 0 });
  const r = await RespClient.connect(replica.port);
  try {
    const dead = await startServer({ port: 0 });
    const port = dead.port;
    await dead.close();
    await r.call('FUNCTION', 'LOAD', "#!lua name=t\nredis.register_function{function_name='f3', callback=function() return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}");
    await r.call('REPLICAOF', '127.0.0.1', port);
    const w = (await r.call('EVAL', "return redis.call('set','a','1')", 0)) as ReplyError;
    assert.match(w.message, /^READONLY You can't write against a read only replica\. script: /);
    await r.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
    const e = (await r.call('FCALL', 'f3', 0)) as ReplyError;
    assert.match(e.message, /^ERR Can not execute the command on a stale replica script: f3/);
  } finally {
    r.close();
    await replica.close();
  }
});

test('the link to the master leaves from bind-source-addr', async () => {
  // 127.0.0.2 is not loopback to protected mode (as in Redis): the master must allow it.
  const master = await startServer({ port: 0, bind: '127.0.0.1 127.0.0.2', 'protected-mode': 'no' });
  const replica = await startServer({ port: 0, 'bind-source-addr': '127.0.0.2', replicaof: ['127.0.0.1', master.port] });
  const m = await RespClient.connect(master.port);
  try {
    await until('the replica to attach', async () => info(await m.call('INFO', 'replication')).connected_slaves === '1');
    assert.match(info(await m.call('INFO', 'replication')).slave0, /^ip=127\.0\.0\.2,/);
  } finally {
    m.close();
    await replica.close();
    await master.close();
  }
});

test('a master restarted from its RDB continues its history: the replica resyncs partially (repl-id/repl-offset aux fields)', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-restart-'));
  // No PING between the SAVE and the stop: the file holds the last offset the replica saw.
  let master: RespiteServer | null = await startServer({ port: 0, dir, save: '', 'repl-ping-replica-period': 3600 });
  const port = master.port;
  const replica = await startServer({ port: 0, replicaof: ['127.0.0.1', port] });
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    let m = await RespClient.connect(port);
    await m.call('SET', 'k', 'v');
    await m.call('SET', 'gone', 'v', 'PX', 50);
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    // The file must hold the offset the replica reached (a late GETACK would move it on).
    let before: Record<string, string> = {};
    await until('a save at the offset the replica reached', async () => {
      before = info(await m.call('INFO', 'replication'));
      if (before.master_repl_offset !== info(await r.call('INFO', 'replication')).slave_repl_offset) return false;
      await m.call('SAVE');
      return info(await m.call('INFO', 'replication')).master_repl_offset === before.master_repl_offset;
    });
    m.close();
    await master.close();
    master = null;
    // 'gone' expires while the master is down: its DEL reaches the replica through the backlog.
    await new Promise((res) => setTimeout(res, 80));
    master = await startServer({ port, dir, save: '' });
    m = await RespClient.connect(port);
    const after = info(await m.call('INFO', 'replication'));
    assert.notEqual(after.master_replid, before.master_replid);
    assert.equal(after.master_replid2, before.master_replid);
    assert.equal(after.second_repl_offset, String(Number(before.master_repl_offset) + 1));
    await until('the replica to resync', async () => info(await r.call('INFO', 'replication')).master_replid === after.master_replid && info(await r.call('INFO', 'replication')).master_link_status === 'up');
    assert.equal(info(await m.call('INFO', 'stats')).sync_partial_ok, '1');
    assert.equal(info(await m.call('INFO', 'stats')).sync_full, '0');
    await until('the expired key to be deleted on the replica', async () => (await r.call('DBSIZE')) === 1);
    assert.equal(await r.call('GET', 'k'), 'v');
    m.close();
  } finally {
    r.close();
    await replica.close();
    await master?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
