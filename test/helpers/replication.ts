// Helpers for replication tests: INFO parsing, polling, and a comparable picture of a dataset
// (every key of databases 0-3 with its type, contents and absolute expiry time).
import { RespClient } from './resp-client';
import { Reply } from '../../src/resp/reply';
import { startServer, RespiteServer, ServerOptions } from '../../src/index';

export function info(text: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of String(text).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export async function until(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until c's INFO replication says master_link_status:up. */
export async function linkUp(c: RespClient, what = 'the link to come up'): Promise<void> {
  await until(what, async () => info(await c.call('INFO', 'replication')).master_link_status === 'up');
}

/** ROLE's first element: master or slave. */
export async function roleOf(c: RespClient): Promise<string> {
  return String(((await c.call('ROLE')) as Reply[])[0]);
}

/** INFO replication's master_failover_state. */
export async function failoverState(c: RespClient): Promise<string> {
  return info(await c.call('INFO', 'replication')).master_failover_state;
}

/** Waits until a FAILOVER on c ended (done or aborted). */
export async function failoverDone(c: RespClient, what = 'the failover to end'): Promise<void> {
  await until(what, async () => (await failoverState(c)) === 'no-failover');
}

export interface Pair {
  master: RespiteServer;
  replica: RespiteServer;
  /** A connection to each. */
  m: RespClient;
  r: RespClient;
}

/**
 * An embedded master (TCP, port 0) and an embedded replica of it, each with a connection; fn runs
 * once the replica's link is up, and everything is closed after it.
 */
export async function withPair(fn: (p: Pair) => Promise<void>, opts: { master?: ServerOptions; replica?: ServerOptions } = {}): Promise<void> {
  const master = await startServer({ port: 0, ...opts.master });
  const replica = await startServer({ port: 0, ...opts.replica, replicaof: ['127.0.0.1', master.port] });
  const m = await RespClient.connect(master.port);
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    await fn({ master, replica, m, r });
  } finally {
    r.close();
    m.close();
    await replica.close();
    await master.close();
  }
}

const str = (r: Reply): string => String(r);

/** Every key of databases 0-3: db, name, type, contents (order-free where the type is) and PEXPIRETIME. */
export async function picture(c: RespClient): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < 4; db++) {
    await c.call('SELECT', db);
    const keys = ((await c.call('KEYS', '*')) as Reply[]).map(str).sort();
    for (const k of keys) {
      const type = str(await c.call('TYPE', k));
      let v: unknown;
      if (type === 'string') v = await c.call('GET', k);
      else if (type === 'list') v = await c.call('LRANGE', k, 0, -1);
      else if (type === 'set') v = ((await c.call('SMEMBERS', k)) as Reply[]).map(str).sort();
      else if (type === 'zset') v = await c.call('ZRANGE', k, 0, -1, 'WITHSCORES');
      else if (type === 'hash') {
        const flat = (await c.call('HGETALL', k)) as Reply[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(`${str(flat[i])}=${str(flat[i + 1])}`);
        v = pairs.sort();
      } else if (type === 'stream') v = [await c.call('XRANGE', k, '-', '+'), await c.call('XINFO', 'STREAM', k, 'FULL')].map((x) => JSON.stringify(x));
      else v = type;
      const at = Number(await c.call('PEXPIRETIME', k));
      out.push(`${db} ${k} ${type} ${JSON.stringify(v)} ${at}`);
    }
  }
  await c.call('SELECT', 0);
  return out;
}

/** Writes one key of every type (several databases, TTLs, a stream with a consumer group). */
export async function fillEveryType(c: RespClient, tag: string): Promise<void> {
  await c.call('SET', `str${tag}`, 'v\x00\xff');
  await c.call('SET', `ttl${tag}`, 'v', 'PX', 500_000);
  await c.call('RPUSH', `list${tag}`, 'a', 'b', 'c');
  await c.call('HSET', `hash${tag}`, 'f1', 'v1', 'f2', 'v2');
  await c.call('EXPIRE', `hash${tag}`, 1000);
  await c.call('SADD', `set${tag}`, 'x', 'y', '1', '2');
  await c.call('SADD', `intset${tag}`, '1', '2', '3');
  await c.call('ZADD', `zset${tag}`, 1, 'a', 2.5, 'b', '-inf', 'c');
  for (let i = 1; i <= 20; i++) await c.call('XADD', `stream${tag}`, `${i}-1`, 'f', String(i));
  await c.call('XGROUP', 'CREATE', `stream${tag}`, 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 3, 'STREAMS', `stream${tag}`, '>');
  await c.call('PFADD', `hll${tag}`, 'a', 'b', 'c');
  await c.call('SETBIT', `bits${tag}`, 100, 1);
  await c.call('SELECT', 2);
  await c.call('SET', `in2${tag}`, 'yes');
  await c.call('ZADD', `z2${tag}`, 3, 'q');
  await c.call('SELECT', 0);
}
