// Cluster mode against redis-server 7.0: two redis-server nodes and two respite nodes, each pair
// joined with CLUSTER MEET and given the same slot layout; the same commands on both sides must
// answer byte for byte the same, once node ports are written as "A" and "B" (they differ).
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REDIS_SERVER, Reference, freePort, startReference } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { startCluster, RespiteCluster } from '../../src/index';

type Arg = string | number;

interface Side {
  a: RespClient;
  b: RespClient;
  aPort: number;
  bPort: number;
  aId: string;
  bId: string;
}

async function waitOk(c: RespClient, nodes: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = String(await c.call('CLUSTER', 'INFO'));
    if (info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${nodes}`)) return;
    if (Date.now() > deadline) throw new Error(`cluster not ok: ${info}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Node A serves 0-8191, node B 8192-16383; both know each other. */
async function form(a: RespClient, b: RespClient, aPort: number, bPort: number, bBus: number): Promise<Side> {
  await a.call('CLUSTER', 'ADDSLOTSRANGE', 0, 8191);
  await b.call('CLUSTER', 'ADDSLOTSRANGE', 8192, 16383);
  await a.call('CLUSTER', 'SET-CONFIG-EPOCH', 1);
  await b.call('CLUSTER', 'SET-CONFIG-EPOCH', 2);
  await a.call('CLUSTER', 'MEET', '127.0.0.1', bPort, bBus);
  await waitOk(a, 2);
  await waitOk(b, 2);
  return { a, b, aPort, bPort, aId: String(await a.call('CLUSTER', 'MYID')), bId: String(await b.call('CLUSTER', 'MYID')) };
}

async function side(a: RespClient, b: RespClient, aPort: number, bPort: number): Promise<Side> {
  return { a, b, aPort, bPort, aId: String(await a.call('CLUSTER', 'MYID')), bId: String(await b.call('CLUSTER', 'MYID')) };
}

if (!REDIS_SERVER) {
  describe('cluster mode (differential)', { skip: 'redis-server not found on PATH: differential tests skipped' }, () => {});
} else {
  describe('cluster mode (differential)', () => {
    const refs: Reference[] = [];
    let cluster: RespiteCluster;
    const clients: RespClient[] = [];
    let redis: Side;
    let respite: Side;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-cluster-diff-'));

    before(async () => {
      const ports = [await freePort(), await freePort()];
      for (const p of ports) {
        // The bus port is given explicitly (port + 10000 may be taken or out of range); --dir is
        // our own folder: redis-server 7.0.15 crashed at startup in cluster mode with --dir /tmp here.
        const bus = await freePort();
        refs.push(await startReference(['--dir', dir, '--cluster-enabled', 'yes', '--cluster-port', String(bus), '--cluster-config-file', path.join(dir, `redis-${p}.conf`)]));
        (refs[refs.length - 1] as Reference & { bus?: number }).bus = bus;
      }
      // respite's side is an embedded cluster: same layout (0-8191, 8192-16383), epochs 1 and 2.
      cluster = await startCluster({ masters: 2 });
      const mine = cluster.nodes;
      const rc = [await RespClient.connect(refs[0].port), await RespClient.connect(refs[1].port)];
      const mc = [await RespClient.connect(mine[0].port), await RespClient.connect(mine[1].port)];
      clients.push(...rc, ...mc);
      [redis, respite] = await Promise.all([
        form(rc[0], rc[1], refs[0].port, refs[1].port, (refs[1] as Reference & { bus?: number }).bus!),
        side(mc[0], mc[1], mine[0].port, mine[1].port),
      ]);
    });

    after(async () => {
      for (const c of clients) c.close();
      await cluster?.close();
      for (const r of refs) await r.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Runs a command on node A (or B) of both clusters and compares the normalized replies. */
    async function same(node: 'a' | 'b', ...args: Arg[]): Promise<string> {
      const norm = (s: Side, raw: string) => raw.split(`:${s.bPort}`).join(':B').split(`:${s.aPort}`).join(':A').split(s.aId).join('<A>').split(s.bId).join('<B>');
      const [x, y] = await Promise.all([redis[node].callRaw(...args), respite[node].callRaw(...args)]);
      const want = norm(redis, x.raw.toString('latin1'));
      assert.equal(norm(respite, y.raw.toString('latin1')), want, `reply differs for ${args.join(' ')}`);
      return want;
    }

    test('MOVED, CROSSSLOT, hash tags, keyless commands', async () => {
      await same('a', 'SET', 'foo', 'bar'); // slot 12182: node B
      await same('a', 'SET', 'bar', 'x'); // slot 5061: here
      await same('a', 'GET', 'bar');
      await same('a', 'MSET', 'a', '1', 'b', '2');
      await same('a', 'MSET', '{user1}a', '1', '{user1}b', '2');
      await same('a', 'MGET', '{user1}a', '{user1}b', 'foo');
      await same('a', 'DEL', '{x}1', '{y}1');
      await same('a', 'PING');
      await same('a', 'DBSIZE');
      await same('a', 'EVAL', "return redis.call('get', KEYS[1])", 1, 'foo');
      await same('a', 'SPUBLISH', 'foo', 'm');
      await same('a', 'SPUBLISH', 'bar', 'm');
      await same('b', 'GET', 'bar');
    });

    test('CLUSTER KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT and their errors', async () => {
      for (const k of ['foo', '{user1000}.following', 'foo{}{bar}', 'foo{{bar}}zap', 'foo{bar}{zap}', '', '{}', '{', '}{x}']) await same('a', 'CLUSTER', 'KEYSLOT', k);
      await same('a', 'SET', '{s}1', 'x');
      await same('a', 'SET', '{s}2', 'x');
      await same('a', 'CLUSTER', 'COUNTKEYSINSLOT', 8874 % 8192);
      const slot = Number(await same('a', 'CLUSTER', 'KEYSLOT', '{s}'));
      await same('a', 'CLUSTER', 'COUNTKEYSINSLOT', slot);
      await same('a', 'CLUSTER', 'GETKEYSINSLOT', slot, 10);
      await same('a', 'CLUSTER', 'GETKEYSINSLOT', slot, 1);
      await same('a', 'CLUSTER', 'COUNTKEYSINSLOT', 16384);
      await same('a', 'CLUSTER', 'COUNTKEYSINSLOT', 'x');
      await same('a', 'CLUSTER', 'GETKEYSINSLOT', slot, -1);
      await same('a', 'CLUSTER', 'GETKEYSINSLOT', -1, 1);
      await same('a', 'DEL', '{s}1', '{s}2');
    });

    test('CLUSTER slot-assignment and node errors', async () => {
      await same('a', 'CLUSTER', 'ADDSLOTS', 1);
      await same('a', 'CLUSTER', 'ADDSLOTS', 16384);
      await same('a', 'CLUSTER', 'ADDSLOTS', 'x');
      await same('a', 'CLUSTER', 'DELSLOTSRANGE', 10, 5);
      await same('a', 'CLUSTER', 'ADDSLOTSRANGE', 1, 2, 3);
      await same('a', 'CLUSTER', 'DELSLOTS', 100, 100);
      await same('a', 'CLUSTER', 'SETSLOT', 1, 'BOGUS');
      await same('a', 'CLUSTER', 'SETSLOT', 9000, 'MIGRATING', 'abc');
      await same('a', 'CLUSTER', 'SETSLOT', 1, 'MIGRATING', 'abc');
      await same('a', 'CLUSTER', 'SETSLOT', 1, 'IMPORTING', 'abc');
      await same('a', 'CLUSTER', 'SETSLOT', 1, 'NODE', 'abc');
      await same('a', 'CLUSTER', 'FORGET', 'abc');
      await same('a', 'CLUSTER', 'COUNT-FAILURE-REPORTS', 'abc');
      await same('a', 'CLUSTER', 'MEET', 'nohost', 1);
      await same('a', 'CLUSTER', 'MEET', '127.0.0.1', 'x');
      await same('a', 'CLUSTER', 'MEET', '127.0.0.1', 1, 'y');
      await same('a', 'CLUSTER', 'SET-CONFIG-EPOCH', 5);
      await same('a', 'CLUSTER', 'SET-CONFIG-EPOCH', -1);
      await same('a', 'CLUSTER', 'RESET', 'bogus');
      // More arguments than Redis matches: the unknown-subcommand error, nothing done.
      await same('a', 'CLUSTER', 'RESET', 'hard', 'x');
      await same('a', 'CLUSTER', 'failover', 'FORCE', 'TAKEOVER');
      await same('a', 'CLUSTER', 'MEET', '127.0.0.1', 1, 2, 3);
      await same('a', 'CLUSTER', 'MEET', '127.0.0.1', 'x', 2, 3);
      await same('a', 'CLUSTER', 'FAILOVER');
      await same('a', 'CLUSTER', 'FAILOVER', 'bogus');
      await same('a', 'CLUSTER', 'REPLICATE', 'abc');
      await same('a', 'FAILOVER');
      await same('a', 'FAILOVER', 'ABORT');
      await same('a', 'REPLICAOF', 'NO', 'ONE');
      await same('a', 'REPLICAOF', '127.0.0.1', 1);
      await same('a', 'CLUSTER', 'FLUSHSLOTS', 'x');
      await same('a', 'CLUSTER', 'NOSUCH');
      await same('a', 'CLUSTER', 'HELP');
      await same('a', 'CLUSTER', 'REPLICAS', 'abc');
    });

    test('ASK, ASKING, TRYAGAIN while a slot migrates; MIGRATE into the importing node', async () => {
      const slot = 5061; // 'bar'
      await same('a', 'SET', 'bar', 'v');
      await same('a', 'SET', '{bar}2', 'v');
      await same('a', 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', redis.bId.replace(/.*/, '') || 'x'); // unknown node
      // Real node ids differ per side: set the migration up with each side's own ids.
      await redis.a.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', redis.bId);
      await respite.a.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', respite.bId);
      await redis.b.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', redis.aId);
      await respite.b.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', respite.aId);
      await same('a', 'GET', 'bar'); // still here
      await same('a', 'GET', '{bar}missing'); // gone: ASK
      await same('a', 'MGET', 'bar', '{bar}missing'); // some here: TRYAGAIN
      await same('b', 'GET', 'bar'); // not asking: MOVED back to A
      await same('b', 'ASKING');
      await same('b', 'GET', '{bar}missing');
      await same('b', 'GET', '{bar}missing'); // ASKING covered one command only
      await same('a', 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', 'x');
      await same('a', 'CLUSTER', 'COUNTKEYSINSLOT', slot);
      // Move the keys with MIGRATE (RESTORE-ASKING on the target), then close the migration.
      await same('a', 'MIGRATE', '127.0.0.1', 0, '', 0, 5000, 'KEYS', 'bar', '{bar}2').catch(() => undefined);
      await redis.a.call('MIGRATE', '127.0.0.1', redis.bPort, '', 0, 5000, 'KEYS', 'bar', '{bar}2');
      await respite.a.call('MIGRATE', '127.0.0.1', respite.bPort, '', 0, 5000, 'KEYS', 'bar', '{bar}2');
      await same('a', 'GET', 'bar'); // ASK now
      await same('a', 'CLUSTER', 'COUNTKEYSINSLOT', slot);
      await same('b', 'CLUSTER', 'COUNTKEYSINSLOT', slot);
      await same('a', 'CLUSTER', 'SETSLOT', slot, 'NODE', 'nosuch');
      for (const s of [redis, respite]) {
        await s.b.call('CLUSTER', 'SETSLOT', slot, 'NODE', s.bId);
        await s.a.call('CLUSTER', 'SETSLOT', slot, 'NODE', s.bId);
      }
      await same('a', 'GET', 'bar'); // MOVED
      await same('b', 'GET', 'bar');
      // Back to A for the other tests.
      for (const s of [redis, respite]) {
        await s.a.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', s.bId);
        await s.b.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', s.aId);
        await s.b.call('MIGRATE', '127.0.0.1', s.aPort, '', 0, 5000, 'KEYS', 'bar', '{bar}2');
        await s.a.call('CLUSTER', 'SETSLOT', slot, 'NODE', s.aId);
        await s.b.call('CLUSTER', 'SETSLOT', slot, 'NODE', s.aId);
      }
      await same('a', 'GET', 'bar');
      await same('a', 'DEL', 'bar', '{bar}2');
    });

    test('ASKING carries into scripts (EVAL, FCALL) and over a whole MULTI/EXEC', async () => {
      const slot = 5061; // 'bar', owned by A, imported by B
      for (const s of [redis, respite]) {
        await s.a.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', s.bId);
        await s.b.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', s.aId);
        await s.b.call('FUNCTION', 'LOAD', "#!lua name=asklib\nredis.register_function('askset', function(keys) return redis.call('set', '{bar}f', '1') end)");
      }
      const setUndeclared = (k: string) => ['EVAL', `return redis.call('set', '${k}', '1')`, 0];
      await same('b', ...setUndeclared('{bar}1')); // no ASKING: a non local key
      await same('b', 'ASKING');
      await same('b', ...setUndeclared('{bar}1')); // the script's own command may use the slot
      await same('b', ...setUndeclared('{bar}1')); // for one EVAL only
      await same('b', 'ASKING');
      await same('b', 'EVAL', "return redis.call('set', KEYS[1], '1')", 1, '{bar}2');
      await same('b', 'ASKING');
      await same('b', 'EVAL', "redis.call('get', '{bar}1'); return redis.call('mget', '{bar}1', '{bar}none')", 0); // TRYAGAIN inside
      await same('b', 'ASKING');
      await same('b', 'FCALL', 'askset', 0);
      await same('b', 'FCALL', 'askset', 0);
      // ASKING before MULTI covers the transaction, scripts in it included; not the command after EXEC.
      await same('b', 'ASKING');
      await same('b', 'MULTI');
      await same('b', 'SET', '{bar}3', 'v');
      await same('b', ...setUndeclared('{bar}4'));
      await same('b', 'EXEC');
      await same('b', ...setUndeclared('{bar}5'));
      // ASKING queued inside MULTI does not apply; DISCARD ends what ASKING covered.
      await same('b', 'MULTI');
      await same('b', 'ASKING');
      await same('b', 'SET', '{bar}6', 'v');
      await same('b', 'EXEC');
      await same('b', 'MULTI');
      await same('b', 'ASKING');
      await same('b', 'EXEC');
      await same('b', 'GET', '{bar}1');
      await same('b', 'ASKING');
      await same('b', 'MULTI');
      await same('b', 'DISCARD');
      await same('b', 'GET', '{bar}1');
      await same('b', 'ASKING');
      await same('b', 'PING');
      await same('b', ...setUndeclared('{bar}7'));
      for (const s of [redis, respite]) {
        await s.b.call('FUNCTION', 'DELETE', 'asklib');
        await s.b.call('DEL', '{bar}1', '{bar}2', '{bar}3', '{bar}4', '{bar}f');
        await s.b.call('CLUSTER', 'SETSLOT', slot, 'STABLE');
        await s.a.call('CLUSTER', 'SETSLOT', slot, 'STABLE');
      }
    });

    test('transactions: a redirected command aborts EXEC; only database 0', async () => {
      await same('a', 'MULTI');
      await same('a', 'SET', 'bar', '1');
      await same('a', 'SET', 'foo', '1');
      await same('a', 'EXEC');
      await same('a', 'MULTI');
      await same('a', 'SET', 'bar', '1');
      await same('a', 'EXEC');
      await same('a', 'SELECT', 1);
      await same('a', 'SELECT', 0);
      await same('a', 'SELECT', 'x');
      await same('a', 'MOVE', 'bar', 1);
      await same('a', 'SWAPDB', 0, 1);
      await same('a', 'COPY', 'bar', '{bar}x', 'DB', 1);
      await same('a', 'SORT', 'bar', 'BY', 'w*');
      await same('a', 'SORT', 'bar', 'GET', 'w*');
      await same('a', 'READONLY');
      await same('a', 'READWRITE');
      await same('a', 'DEL', 'bar');
    });
  });
}
