// The master side of replication through a hand-driven replica link: SYNC / PSYNC, the RDB
// payload, the propagated stream (SELECT, MULTI/EXEC wrapping, expiry as DEL/UNLINK, exact
// stream trims), offsets, the backlog and partial resync, REPLCONF, ROLE, WAIT, INFO, CLIENT LIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { ReplicaLink } from '../helpers/replica-link';

function info(text: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of String(text).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function repl(s: RespiteServer): Promise<Record<string, string>> {
  return info(await s.call('INFO', 'replication'));
}

async function withMaster(body: (s: RespiteServer) => Promise<void>, opts: Record<string, unknown> = {}): Promise<void> {
  const s = await startServer({ port: 0, enableDebugCommand: 'yes', ...opts });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

/** A replica attached with SYNC (or PSYNC ? -1); returns it after the payload. */
async function attach(s: RespiteServer, psync = false): Promise<{ link: ReplicaLink; rdb: Buffer; fullresync: string }> {
  const link = await ReplicaLink.connect(s.port);
  let fullresync = '';
  if (psync) {
    link.send('PSYNC', '?', '-1');
    fullresync = await link.readLine();
  } else link.send('SYNC');
  const rdb = await link.readPayload();
  return { link, rdb, fullresync };
}

test('SYNC: the dataset as an RDB payload, then the writes with SELECT when the database changes', async () => {
  await withMaster(async (s) => {
    await s.call('SET', 'before', 'x');
    const { link, rdb } = await attach(s);
    assert.equal(rdb.latin1Slice(0, 9), 'REDIS0010');
    assert.ok(rdb.includes('before'));
    await s.call('SET', 'a', '1');
    const c = s.connect();
    await c.send(['SELECT', '3']);
    await c.send(['INCR', 'n']);
    await c.send(['GET', 'n']); // reads are not propagated
    await c.send(['SELECT', '0']);
    await c.send(['DEL', 'a']);
    await c.send(['DEL', 'missing']); // no effect, not propagated
    await c.send(['LPUSH', 'l', 'v']);
    assert.deepEqual(await link.readCommand(), ['SELECT', '0']);
    assert.deepEqual(await link.readCommand(), ['SET', 'a', '1']);
    assert.deepEqual(await link.readCommand(), ['SELECT', '3']);
    assert.deepEqual(await link.readCommand(), ['INCR', 'n']);
    assert.deepEqual(await link.readCommand(), ['SELECT', '0']);
    assert.deepEqual(await link.readCommand(), ['DEL', 'a']);
    assert.deepEqual(await link.readCommand(), ['LPUSH', 'l', 'v']);
    assert.ok(await link.quiet());
    link.close();
  });
});

test('PSYNC ? -1: +FULLRESYNC <replid> <offset>; master_repl_offset counts the stream bytes exactly', async () => {
  await withMaster(async (s) => {
    const { link, fullresync } = await attach(s, true);
    const r0 = await repl(s);
    assert.equal(fullresync, `+FULLRESYNC ${r0.master_replid} ${r0.master_repl_offset}`);
    assert.equal(r0.repl_backlog_active, '1');
    assert.equal(r0.repl_backlog_first_byte_offset, String(Number(r0.master_repl_offset) + 1));
    await s.call('SET', 'k', 'v', 'EX', '100');
    await s.call('RPUSH', 'list', 'a', 'b');
    assert.equal((await link.readCommand())[0], 'SELECT');
    assert.deepEqual((await link.readCommand()).slice(0, 4), ['SET', 'k', 'v', 'PXAT']);
    assert.deepEqual(await link.readCommand(), ['RPUSH', 'list', 'a', 'b']);
    const r1 = await repl(s);
    assert.equal(Number(r1.master_repl_offset) - Number(r0.master_repl_offset), link.streamBytes);
    assert.equal(r1.repl_backlog_histlen, String(link.streamBytes));
    link.close();
  });
});

test('a transaction or script with several writes is wrapped in MULTI/EXEC; a single write is not', async () => {
  await withMaster(async (s) => {
    const { link } = await attach(s);
    const c = s.connect();
    await c.send(['MULTI']);
    await c.send(['SET', 'one', '1']);
    await c.send(['GET', 'one']);
    await c.send(['EXEC']);
    await c.send(['MULTI']);
    await c.send(['SET', 'a', '1']);
    await c.send(['SELECT', '2']);
    await c.send(['SET', 'b', '2']);
    await c.send(['EXEC']);
    await c.send(['EVAL', "redis.call('set','x','1') redis.call('incr','y')", '0']);
    const got: string[][] = [];
    for (let i = 0; i < 11; i++) got.push(await link.readCommand());
    // The script runs in db 2, which the stream has selected already.
    assert.deepEqual(got, [
      ['SELECT', '0'],
      ['SET', 'one', '1'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['SELECT', '2'],
      ['SET', 'b', '2'],
      ['EXEC'],
      ['MULTI'],
      ['set', 'x', '1'],
      ['incr', 'y'],
      ['EXEC'],
    ]);
    link.close();
  });
});

test('expired keys propagate as DEL; lazy deletions of SCAN are not wrapped; a write after a lazy deletion is wrapped with it', async () => {
  await withMaster(async (s) => {
    await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await s.call('SET', 'k1', 'v', 'PX', '1');
    await s.call('SET', 'k2', 'v', 'PX', '1');
    await s.call('SET', 'k3', 'v', 'PX', '1');
    const { link } = await attach(s);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(await s.call('GET', 'k3'), null);
    await s.call('SCAN', '0');
    assert.deepEqual(await link.readCommand(), ['SELECT', '0']);
    assert.deepEqual(await link.readCommand(), ['DEL', 'k3']);
    const dels = [await link.readCommand(), await link.readCommand()];
    assert.deepEqual(dels.map((d) => d[0]), ['DEL', 'DEL']);
    assert.deepEqual(dels.map((d) => d[1]).sort(), ['k1', 'k2']);
    // A write on an expired key: the deletion and the write form one unit.
    await s.call('SET', 'n', '5', 'PX', '1');
    await link.readCommand();
    await new Promise((r) => setTimeout(r, 5));
    await s.call('INCR', 'n');
    assert.deepEqual([await link.readCommand(), await link.readCommand(), await link.readCommand(), await link.readCommand()], [['MULTI'], ['DEL', 'n'], ['INCR', 'n'], ['EXEC']]);
    link.close();
  });
});

test('XADD / XTRIM with ~ propagate as exact trims to what is left, without LIMIT', async () => {
  await withMaster(async (s) => {
    await s.call('CONFIG', 'SET', 'stream-node-max-entries', '10');
    for (let i = 1; i <= 25; i++) await s.call('XADD', 'st', `${i}-0`, 'f', 'v');
    const { link } = await attach(s);
    await s.call('XADD', 'st', 'MAXLEN', '~', '12', 'LIMIT', '100', '26-0', 'f', 'v');
    const len = await s.call('XLEN', 'st');
    assert.notEqual(len, 12); // whole nodes only
    assert.deepEqual(await link.readCommand(), ['SELECT', '0']);
    assert.deepEqual(await link.readCommand(), ['XADD', 'st', 'MAXLEN', '=', String(len), '26-0', 'f', 'v']);
    await s.call('XTRIM', 'st', 'MINID', '~', '21-0');
    const first = ((await s.call('XRANGE', 'st', '-', '+', 'COUNT', '1')) as string[][])[0][0];
    assert.deepEqual(await link.readCommand(), ['XTRIM', 'st', 'MINID', '=', first]);
    await s.call('XADD', 'st', '*', 'f', 'v');
    const auto = await link.readCommand();
    assert.match(auto[2], /^\d+-\d+$/);
    link.close();
  });
});

test('partial resync: PSYNC <replid> <offset> continues from the backlog; unknown history gets a full resync', async () => {
  await withMaster(async (s) => {
    const { link, fullresync } = await attach(s, true);
    const [, replid, off] = fullresync.split(' ');
    await s.call('SET', 'a', '1');
    await link.readCommand();
    await link.readCommand();
    const acked = Number(off) + link.streamBytes;
    link.close();
    await s.call('SET', 'b', '2');
    const again = await ReplicaLink.connect(s.port);
    again.send('REPLCONF', 'capa', 'psync2');
    assert.equal(await again.readLine(), '+OK');
    again.send('PSYNC', replid, String(acked + 1));
    assert.equal(await again.readLine(), `+CONTINUE ${replid}`);
    assert.deepEqual(await again.readCommand(), ['SET', 'b', '2']);
    const stats = info(await s.call('INFO', 'stats'));
    assert.equal(stats.sync_full, '1');
    assert.equal(stats.sync_partial_ok, '1');
    const other = await ReplicaLink.connect(s.port);
    other.send('PSYNC', 'f'.repeat(40), '1');
    assert.match(await other.readLine(), new RegExp(`^\\+FULLRESYNC ${replid} \\d+$`));
    await other.readPayload();
    assert.equal(info(await s.call('INFO', 'stats')).sync_partial_err, '1');
    again.close();
    other.close();
  });
});

test('REPLCONF settings show in INFO and ROLE; ACKs move the offset; WAIT returns once enough replicas acknowledged', async () => {
  await withMaster(async (s) => {
    assert.equal(await s.call('WAIT', '0', '0'), 0);
    const t0 = Date.now();
    assert.equal(await s.call('WAIT', '1', '50'), 0);
    assert.ok(Date.now() - t0 >= 40);
    const link = await ReplicaLink.connect(s.port);
    link.send('REPLCONF', 'listening-port', '6380');
    assert.equal(await link.readLine(), '+OK');
    link.send('REPLCONF', 'ip-address', '10.1.2.3', 'capa', 'eof', 'capa', 'psync2', 'capa', 'unknown');
    assert.equal(await link.readLine(), '+OK');
    link.send('PSYNC', '?', '-1');
    const [, , off] = (await link.readLine()).split(' ');
    await link.readPayload();
    let r = await repl(s);
    assert.equal(r.connected_slaves, '1');
    assert.equal(r.slave0, 'ip=10.1.2.3,port=6380,state=online,offset=0,lag=0');
    const c = s.connect();
    await c.send(['SET', 'k', 'v']);
    await link.readCommand();
    await link.readCommand();
    const end = Number(off) + link.streamBytes;
    const waiting = c.send(['WAIT', '1', '0']);
    // The master asks for an acknowledgement as WAIT blocks.
    assert.deepEqual(await link.readCommand(), ['REPLCONF', 'GETACK', '*']);
    assert.equal(info(await s.call('INFO', 'clients')).blocked_clients, '1');
    link.send('REPLCONF', 'ACK', String(end));
    assert.equal(await waiting, 1);
    // A WAIT answered by acknowledgements is a successful call (not a failed one, as CLIENT UNBLOCK's are).
    assert.match(String(await s.call('INFO', 'commandstats')), /cmdstat_wait:calls=\d+,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0/);
    // The replica gets no reply to REPLCONF ACK.
    assert.ok(await link.quiet());
    r = await repl(s);
    // lag is whole seconds since the ACK: 1 when a second boundary passed meanwhile (a loaded machine).
    assert.match(r.slave0, new RegExp(`^ip=10\\.1\\.2\\.3,port=6380,state=online,offset=${end},lag=[01]$`));
    assert.deepEqual(await s.call('ROLE'), ['master', Number(r.master_repl_offset), [['10.1.2.3', '6380', String(end)]]]);
    // Not enough replicas: the count when the timeout passes; inside MULTI, at once.
    assert.equal(await c.send(['WAIT', '2', '30']), 1);
    await c.send(['MULTI']);
    await c.send(['WAIT', '5', '0']);
    assert.deepEqual(await c.send(['EXEC']), [1]);
    link.close();
  });
});

test('a replica connection: flag S and type replica in CLIENT LIST, no replies to its commands, errors of REPLCONF', async () => {
  await withMaster(async (s) => {
    assert.match(String(await s.call('REPLCONF', 'bogus', '1').catch((e) => e.message)), /^ERR Unrecognized REPLCONF option: bogus$/);
    assert.match(String(await s.call('REPLCONF', 'listening-port').catch((e) => e.message)), /^ERR syntax error$/);
    assert.match(String(await s.call('WAIT', 'x', '0').catch((e) => e.message)), /^ERR value is not an integer or out of range$/);
    assert.match(String(await s.call('WAIT', '1', '-1').catch((e) => e.message)), /^ERR timeout is negative$/);
    const { link } = await attach(s);
    const list = String(await s.call('CLIENT', 'LIST', 'TYPE', 'replica'));
    assert.match(list, / flags=S /);
    assert.match(list, / cmd=sync /);
    link.send('PING');
    link.send('SYNC');
    assert.ok(await link.quiet());
    assert.equal(await s.call('CLIENT', 'KILL', 'TYPE', 'replica'), 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await repl(s)).connected_slaves, '0');
  });
});

test('the master PINGs its replicas every repl-ping-replica-period seconds', async () => {
  await withMaster(async (s) => {
    await s.call('CONFIG', 'SET', 'repl-ping-replica-period', '1');
    const { link } = await attach(s);
    assert.deepEqual(await link.readCommand(2500), ['PING']);
    link.close();
  });
});

test('DEBUG CHANGE-REPL-ID gives a new master_replid', async () => {
  await withMaster(async (s) => {
    const a = (await repl(s)).master_replid;
    await s.call('DEBUG', 'CHANGE-REPL-ID');
    const b = (await repl(s)).master_replid;
    assert.match(b, /^[0-9a-f]{40}$/);
    assert.notEqual(a, b);
  });
});

test('CONFIG SET maxmemory inside MULTI: the transaction runs to its end, evictions follow as their own DELs', async () => {
  await withMaster(async (s) => {
    await s.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    const { link } = await attach(s);
    const c = s.connect();
    await c.send(['MULTI']);
    await c.send(['INCR', 'x']);
    await c.send(['CONFIG', 'SET', 'maxmemory', '1']);
    await c.send(['INCR', 'x']);
    assert.deepEqual(await c.call(['EXEC']), [1, 'OK', 2]);
    for (let i = 0; i < 100 && (await s.call('DBSIZE')) !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await s.call('DBSIZE'), 0);
    await s.call('CONFIG', 'SET', 'maxmemory', '0');
    const got: string[][] = [];
    for (let i = 0; i < 6; i++) got.push(await link.readCommand());
    assert.deepEqual(got, [['SELECT', '0'], ['MULTI'], ['INCR', 'x'], ['INCR', 'x'], ['EXEC'], ['DEL', 'x']]);
    link.close();
  });
});

test('LMPOP/BLMPOP/ZMPOP/BZMPOP replicate as the pop with a count they amounted to', async () => {
  await withMaster(async (s) => {
    const { link } = await attach(s);
    await s.call('RPUSH', 'l', 'a', 'b', 'c');
    await s.call('ZADD', 'z', '1', 'one', '2', 'two', '3', 'three');
    await s.call('LMPOP', '2', 'missing', 'l', 'left', 'count', '2');
    await s.call('LMPOP', '1', 'l', 'RIGHT');
    await s.call('LMPOP', '1', 'l', 'left'); // nothing left: not propagated
    await s.call('ZMPOP', '1', 'z', 'MIN');
    await s.call('BZMPOP', '0', '1', 'z', 'max', 'COUNT', '10');
    await s.call('RPUSH', 'l2', 'x');
    await s.call('BLMPOP', '0', '2', 'l', 'l2', 'RIGHT', 'COUNT', '5');
    assert.deepEqual(await link.readCommand(), ['SELECT', '0']);
    assert.deepEqual(await link.readCommand(), ['RPUSH', 'l', 'a', 'b', 'c']);
    assert.deepEqual(await link.readCommand(), ['ZADD', 'z', '1', 'one', '2', 'two', '3', 'three']);
    assert.deepEqual(await link.readCommand(), ['LPOP', 'l', '2']);
    assert.deepEqual(await link.readCommand(), ['RPOP', 'l', '1']);
    assert.deepEqual(await link.readCommand(), ['ZPOPMIN', 'z', '1']);
    assert.deepEqual(await link.readCommand(), ['ZPOPMAX', 'z', '2']);
    assert.deepEqual(await link.readCommand(), ['RPUSH', 'l2', 'x']);
    assert.deepEqual(await link.readCommand(), ['RPOP', 'l2', '1']);
    assert.ok(await link.quiet());
    link.close();
  });
});
