// Interoperability: a real redis-server started with --replicaof respite syncs (PSYNC, the RDB)
// and then follows the writes (every type, several databases, expiry, transactions, scripts,
// approximate stream trims), acknowledges them (WAIT, ROLE), and continues with a partial
// resync after its link is cut. Skipped when redis-server is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REDIS_SERVER, startReference } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { startServer, RespiteServer } from '../../src/index';
import { Reply } from '../../src/resp/reply';

const skip = REDIS_SERVER ? false : 'redis-server not found on PATH: replication interop test skipped (apt-get install redis-server)';

function info(text: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of String(text).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function until(what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const str = (r: Reply): string => String(r);

/** A comparable picture of databases 0-3: every key's type, contents and whether it has a TTL. */
async function picture(c: RespClient): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < 4; db++) {
    await c.call('SELECT', db);
    const keys = ((await c.call('KEYS', '*')) as Reply[]).map(str).sort();
    for (const k of keys) {
      const type = str(await c.call('TYPE', k));
      let v: Reply;
      if (type === 'string') v = await c.call('GET', k);
      else if (type === 'list') v = await c.call('LRANGE', k, 0, -1);
      else if (type === 'set') v = ((await c.call('SMEMBERS', k)) as Reply[]).map(str).sort();
      else if (type === 'zset') v = await c.call('ZRANGE', k, 0, -1, 'WITHSCORES');
      else if (type === 'hash') {
        const flat = (await c.call('HGETALL', k)) as Reply[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(`${str(flat[i])}=${str(flat[i + 1])}`);
        v = pairs.sort();
      } else if (type === 'stream') v = [await c.call('XRANGE', k, '-', '+'), await c.call('XINFO', 'STREAM', k)].map((x) => JSON.stringify(x));
      else v = type;
      const ttl = Number(await c.call('PTTL', k));
      out.push(`${db} ${k} ${type} ${JSON.stringify(v)} ${ttl > 0 ? 'ttl' : ttl}`);
    }
  }
  await c.call('SELECT', 0);
  return out;
}

test('a redis-server replica syncs from respite, follows its writes, acknowledges them and resumes with PSYNC', { skip }, async () => {
  const master: RespiteServer = await startServer({ port: 0, 'stream-node-max-entries': 10 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-replica-'));
  const c = await RespClient.connect(master.port);
  // Data before the replica attaches: it arrives in the RDB.
  await c.call('SET', 'str', 'v');
  await c.call('SET', 'ttl', 'v', 'EX', 1000);
  await c.call('RPUSH', 'list', 'a', 'b', 'c');
  await c.call('HSET', 'hash', 'f1', 'v1', 'f2', 'v2');
  await c.call('SADD', 'set', 'x', 'y', '1', '2');
  await c.call('ZADD', 'zset', 1, 'a', 2.5, 'b');
  for (let i = 1; i <= 30; i++) await c.call('XADD', 'stream', `${i}-1`, 'f', String(i));
  await c.call('SELECT', 2);
  await c.call('SET', 'in2', 'yes');
  await c.call('SELECT', 0);
  const replica = await startReference(['--replicaof', '127.0.0.1', String(master.port), '--dir', dir]);
  const r = await RespClient.connect(replica.port);
  try {
    await until('the link to come up', async () => info(await r.call('INFO', 'replication')).master_link_status === 'up');
    // Writes after the sync arrive through the stream.
    await c.call('INCR', 'counter');
    await c.call('LPOP', 'list');
    await c.call('SPOP', 'set');
    await c.call('HINCRBYFLOAT', 'hash', 'f3', '1.5');
    await c.call('EXPIRE', 'str', 500);
    await c.call('SET', 'gone', 'v', 'PX', 1);
    await c.call('MULTI');
    await c.call('SET', 'm1', '1');
    await c.call('SELECT', 3);
    await c.call('SET', 'm3', '3');
    await c.call('EXEC');
    await c.call('SELECT', 0);
    await c.call('EVAL', "redis.call('set', KEYS[1], ARGV[1]); redis.call('rpush', 'list', ARGV[1])", 1, 'scripted', 'z');
    await c.call('XADD', 'stream', 'MAXLEN', '~', 15, '*', 'f', 'new');
    await c.call('XTRIM', 'stream', 'MINID', '~', '25-0');
    await new Promise((res) => setTimeout(res, 10));
    await c.call('GET', 'gone'); // lazy expiry: DEL propagated
    assert.equal(await c.call('WAIT', 1, 5000), 1);
    assert.deepEqual(await picture(r), await picture(c));
    // The replica acknowledges every second: ROLE catches up with the master's offset (the
    // GETACK that WAIT sent is counted by the acknowledgement after the one WAIT got).
    await until('the acknowledged offset to reach the master offset', async () => {
      const role = (await c.call('ROLE')) as Reply[];
      assert.equal(role[0], 'master');
      return Number(((role[2] as Reply[])[0] as Reply[])[2]) === Number(role[1]);
    });
    const mi = info(await c.call('INFO', 'replication'));
    const ri = info(await r.call('INFO', 'replication'));
    assert.equal(mi.connected_slaves, '1');
    assert.match(mi.slave0, new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
    assert.equal(ri.master_replid, mi.master_replid);
    // Cut the link: the replica reconnects and continues from its offset.
    assert.equal(await c.call('CLIENT', 'KILL', 'TYPE', 'replica'), 1);
    await c.call('SET', 'while-away', '1');
    await until('the link to come back', async () => info(await r.call('INFO', 'replication')).master_link_status === 'up' && (await r.call('EXISTS', 'while-away')) === 1);
    assert.equal(info(await c.call('INFO', 'stats')).sync_partial_ok, '1');
    assert.equal(info(await c.call('INFO', 'stats')).sync_full, '1');
    assert.equal(await c.call('WAIT', 1, 5000), 1);
    assert.equal(info(await r.call('INFO', 'replication')).slave_repl_offset, info(await c.call('INFO', 'replication')).master_repl_offset);
  } finally {
    r.close();
    c.close();
    await replica.stop();
    await master.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
