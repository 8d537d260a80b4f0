// respite watched by the real Redis Sentinel: one respite master, one respite replica and three
// sentinels (redis-server <conf> --sentinel, each with its own config file in a temporary folder).
// The sentinels discover the replica from the master's INFO and each other through
// __sentinel__:hello; SENTINEL FAILOVER promotes the replica with its MULTI / SLAVEOF NO ONE /
// CONFIG REWRITE / CLIENT KILL / EXEC transaction, and converts the old master into its replica;
// killing the new master then promotes the old one again. Meanwhile an ioredis client configured
// with the sentinels keeps writing: every write that WAIT 1 confirmed is on the final master.
// Skipped when redis-server is missing (fails under CI=true, see helpers/differential).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { REDIS_SERVER, freePort } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { info, until } from '../helpers/replication';
import { startServer, RespiteServer } from '../../src/index';
import { Reply, SimpleString } from '../../src/resp/reply';

const skip = REDIS_SERVER ? false : 'redis-server not found on PATH: Sentinel test skipped (apt-get install redis-server)';

interface Sentinel {
  port: number;
  proc: ChildProcess;
}

async function startSentinel(dir: string, masterPort: number, i: number): Promise<Sentinel> {
  const port = await freePort();
  const conf = path.join(dir, `sentinel-${i}.conf`);
  fs.writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize no',
      `dir ${dir}`,
      `logfile ${path.join(dir, `sentinel-${i}.log`)}`,
      `sentinel monitor mymaster 127.0.0.1 ${masterPort} 2`,
      'sentinel down-after-milliseconds mymaster 1000',
      // Also the pause between two failovers of the same master (twice this).
      'sentinel failover-timeout mymaster 3000',
      'sentinel parallel-syncs mymaster 1',
      '',
    ].join('\n'),
  );
  const proc = spawn(REDIS_SERVER!, [conf, '--sentinel'], { stdio: 'ignore' });
  await until(`sentinel ${i} to listen`, async () => {
    try {
      const c = await RespClient.connect(port);
      c.close();
      return true;
    } catch {
      return false;
    }
  });
  return { port, proc };
}

/** One command on a fresh connection. A reconfigured instance gets CLIENT KILL TYPE normal from
 *  the sentinels, which may catch this connection mid-call: then the call is made again. */
async function call(port: number, ...args: (string | number)[]): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    const c = await RespClient.connect(port);
    try {
      return await c.call(...args);
    } catch (e) {
      if (attempt >= 3 || (e as Error).message !== 'connection closed') throw e;
    } finally {
      c.close();
    }
  }
}

/** SENTINEL MASTER / REPLICAS entries are flat field lists: as a record. */
function fields(flat: Reply): Record<string, string> {
  const out: Record<string, string> = {};
  const a = flat as Reply[];
  for (let i = 0; i + 1 < a.length; i += 2) out[String(a[i])] = String(a[i + 1]);
  return out;
}

async function masterAddr(s: Sentinel): Promise<number> {
  const r = (await call(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as Reply[];
  return Number(r[1]);
}

async function role(port: number): Promise<string> {
  return String(((await call(port, 'ROLE')) as Reply[])[0]);
}

test('three real sentinels fail respite over (SENTINEL FAILOVER, then a dead master); ioredis keeps every WAIT-confirmed write', { skip, timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-sentinel-'));
  const servers: (RespiteServer | null)[] = [];
  const sentinels: Sentinel[] = [];
  let client: Redis | null = null;
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  try {
    const a = await startServer({ port: 0 });
    const b = await startServer({ port: 0, replicaof: ['127.0.0.1', a.port] });
    servers.push(a, b);
    await until('the replica link', async () => info(await call(b.port, 'INFO', 'replication')).master_link_status === 'up');
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(dir, a.port, i));
    // Every sentinel knows the replica (from the master's INFO) and the two other sentinels (hello).
    for (const s of sentinels) {
      await until('the sentinels to discover the replica and each other', async () => {
        const m = fields(await call(s.port, 'SENTINEL', 'MASTER', 'mymaster'));
        return m['num-slaves'] === '1' && m['num-other-sentinels'] === '2' && m.flags === 'master';
      }, 30_000);
    }
    const replicas = ((await call(sentinels[0].port, 'SENTINEL', 'REPLICAS', 'mymaster')) as Reply[]).map(fields);
    assert.equal(replicas[0].port, String(b.port));
    assert.equal(replicas[0]['master-link-status'], 'ok');
    assert.equal(replicas[0]['slave-priority'], '100');
    assert.equal(replicas[0].runid.length, 40);

    // A client that finds the master through the sentinels, writing and confirming with WAIT 1.
    client = new Redis({
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: 'mymaster',
      failoverDetector: true,
      maxRetriesPerRequest: null,
      reconnectOnError: (e) => (e.message.startsWith('READONLY') ? 2 : false),
      sentinelRetryStrategy: () => 100,
      retryStrategy: () => 100,
    });
    const confirmed: string[] = [];
    let attempts = 0;
    let lastError = '';
    const c = client;
    writer = (async () => {
      for (let i = 0; writing; i++) {
        attempts++;
        try {
          await c.set(`key:${i}`, String(i));
          const acks = (await c.call('WAIT', '1', '300')) as number;
          if (acks >= 1) confirmed.push(`key:${i}`);
        } catch (e) {
          lastError = `${new Date().toISOString()} key:${i} ${(e as Error).message}`;
          // ioredis 6 races its failover detector's reconnect against a sentinel lookup in flight
          // and can give up for good ("end", every command then fails with "Connection is
          // closed."); a real application reconnects, and so does this one.
          if (c.status === 'end') c.connect().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    await until('confirmed writes before the failover', async () => confirmed.length >= 20);

    // SENTINEL FAILOVER: the replica is promoted, the old master becomes its replica.
    assert.deepEqual(await call(sentinels[0].port, 'SENTINEL', 'FAILOVER', 'mymaster'), new SimpleString('OK'));
    for (const s of sentinels) await until('every sentinel to name the new master', async () => (await masterAddr(s)) === b.port, 30_000);
    assert.equal(await role(b.port), 'master');
    await until('the old master to follow the new one', async () => {
      const ri = info(await call(a.port, 'INFO', 'replication'));
      return ri.role === 'slave' && ri.master_port === String(b.port) && ri.master_link_status === 'up';
    }, 30_000);
    const afterFirst = confirmed.length;
    await until('confirmed writes through the new master', async () => confirmed.length >= afterFirst + 20, 30_000);
    for (const s of sentinels) {
      await until('the sentinels to see the old master as a replica', async () => {
        const list = ((await call(s.port, 'SENTINEL', 'REPLICAS', 'mymaster')) as Reply[]).map(fields);
        return list.some((r) => r.port === String(a.port) && r.flags === 'slave' && r['master-link-status'] === 'ok');
      }, 30_000);
    }

    // The new master dies: the sentinels agree it is down and promote the old master again.
    await b.close();
    servers[1] = null;
    for (const s of sentinels) await until('every sentinel to name the old master again', async () => (await masterAddr(s)) === a.port, 60_000);
    await until('the old master to be a master again', async () => (await role(a.port)) === 'master', 30_000);
    // The client reaches it: its writes succeed (nothing to WAIT for: no replica is left).
    const before = attempts;
    await until('the client to write to the promoted master', async () => attempts > before + 5 && (await call(a.port, 'EXISTS', `key:${attempts - 3}`)) === 1, 30_000).catch((e: Error) => {
      throw new Error(`${e.message} (attempts ${attempts - before}, the writer's last error: ${lastError || 'none'})`);
    });
    writing = false;
    await writer;
    // Every write WAIT 1 confirmed survived both failovers.
    const missing: string[] = [];
    for (const k of confirmed) if ((await call(a.port, 'EXISTS', k)) !== 1) missing.push(k);
    assert.deepEqual(missing, []);
    assert.ok(confirmed.length >= 40);
  } finally {
    writing = false;
    await writer.catch(() => undefined);
    client?.disconnect();
    for (const s of sentinels) s.proc.kill('SIGKILL');
    for (const s of servers) await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
