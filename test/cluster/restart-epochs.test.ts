// Config epochs across restarts from nodes.conf, against redis-server 7.0: two masters A and B and
// a replica R of A; R takes over with CLUSTER FAILOVER (A becomes its replica, keeping its old
// epoch in memory), then A and R restart from their nodes.conf, then A fails over back. After each
// step every node's CLUSTER NODES (ids and ports as letters, ping times masked) and its epochs in
// CLUSTER INFO must be the same on both sides. Redis 7.0 also loads a replica's own config epoch
// as 0 (its line shows its master's): the test pins that the views still agree.
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { REDIS_SERVER, type Reference, freePort, startReference } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { startServer, type RespiteServer } from '../../src/index';

type Arg = string | number;

interface Side {
  call(i: number, ...args: Arg[]): Promise<string>;
  restart(i: number): Promise<void>;
  ports: number[];
  buses: number[];
  stop(): Promise<void>;
}

const TIMEOUT = '2000';

/** redis-server again on the port it had (startReference picks a new one), from its nodes.conf. */
async function restartReference(port: number, args: string[]): Promise<Reference> {
  const proc = spawn(REDIS_SERVER!, ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args, '--port', String(port)], { stdio: 'ignore' });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const c = await RespClient.connect(port);
      c.close();
      return { port, proc, stop };
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) {
        await stop();
        throw new Error(`redis-server did not restart on port ${port}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function redisSide(dir: string): Promise<Side> {
  const ports: number[] = [];
  const buses: number[] = [];
  const refs: Reference[] = [];
  const clients: RespClient[] = [];
  const args = (i: number) => ['--dir', dir, '--cluster-enabled', 'yes', '--cluster-node-timeout', TIMEOUT, '--cluster-port', String(buses[i]), '--cluster-config-file', path.join(dir, `redis-${i}.conf`), ...(ports[i] ? ['--port', String(ports[i])] : [])];
  for (let i = 0; i < 3; i++) {
    buses.push(await freePort());
    refs.push(await startReference(args(i)));
    ports.push(refs[i].port);
    clients.push(await RespClient.connect(ports[i]));
  }
  return {
    ports,
    buses,
    call: async (i, ...a) => String(await clients[i].call(...a)),
    async restart(i) {
      clients[i].close();
      await refs[i].stop();
      refs[i] = await restartReference(ports[i], args(i));
      clients[i] = await RespClient.connect(ports[i]);
    },
    async stop() {
      for (const c of clients) c.close();
      for (const r of refs) await r.stop();
    },
  };
}

async function respiteSide(dir: string): Promise<Side> {
  const ports: number[] = [];
  const buses: number[] = [];
  const nodes: RespiteServer[] = [];
  const start = (i: number) =>
    startServer({ port: ports[i] ?? 0, bind: '127.0.0.1', clusterEnabled: true, clusterNodeTimeout: Number(TIMEOUT), clusterPort: buses[i], clusterConfigFile: path.join(dir, `respite-${i}.conf`) });
  for (let i = 0; i < 3; i++) {
    buses.push(await freePort());
    nodes.push(await start(i));
    ports.push(nodes[i].port);
  }
  return {
    ports,
    buses,
    call: async (i, ...a) => String(await nodes[i].call(...a)),
    async restart(i) {
      await nodes[i].close();
      nodes[i] = await start(i);
    },
    async stop() {
      for (const n of nodes) await n.close();
    },
  };
}

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const NAMES = ['A', 'B', 'R'];

/** Every node's view: CLUSTER NODES lines with names for ids and ports, then its epochs. */
async function views(s: Side, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    let text = await s.call(i, 'CLUSTER', 'NODES');
    ids.forEach((id, j) => (text = text.split(id).join(`<${NAMES[j]}>`)));
    const lines = text.trim().split('\n').map((l) => {
      const f = l.split(' ');
      const port = Number(/:(\d+)@/.exec(f[1])![1]);
      f[1] = NAMES[s.ports.indexOf(port)];
      f[4] = f[5] = '-';
      return f.join(' ');
    });
    const info = await s.call(i, 'CLUSTER', 'INFO');
    const epochs = info.split('\r\n').filter((l) => /^cluster_(current|my)_epoch:/.test(l));
    out.push(`${NAMES[i]}: ${[...lines.sort(), ...epochs].join(' | ')}`);
  }
  return out;
}

/**
 * Waits until every node has its links up and sees `master` (A or R) as a master and the other
 * of the two as its replica, then returns the views.
 */
async function settled(s: Side, ids: string[], master: number): Promise<string[]> {
  const replica = master === 0 ? 2 : 0;
  await until('links up and the roles seen everywhere', async () => {
    for (let i = 0; i < 3; i++) {
      const lines = (await s.call(i, 'CLUSTER', 'NODES')).trim().split('\n');
      if (lines.length !== 3 || lines.some((l) => / disconnected|fail|handshake|noaddr/.test(l))) return false;
      const fields = (j: number) => lines.find((l) => l.startsWith(ids[j]))?.split(' ') ?? [];
      if (!/^(myself,)?master$/.test(fields(master)[2] ?? '') || fields(replica)[3] !== ids[master]) return false;
      if (!(await s.call(i, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
    }
    return true;
  });
  return views(s, ids);
}

describe('config epochs after restarts from nodes.conf (against redis-server)', { skip: REDIS_SERVER ? false : 'redis-server not found on PATH: skipped' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-epochs-'));
  const sides: Side[] = [];
  after(async () => {
    for (const s of sides) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a failover, restarts of the demoted master and of the new one, a failover back', async () => {
    sides.push(await redisSide(dir), await respiteSide(dir));
    const ids: string[][] = [];
    for (const s of sides) {
      await s.call(0, 'CLUSTER', 'ADDSLOTSRANGE', 0, 8191);
      await s.call(1, 'CLUSTER', 'ADDSLOTSRANGE', 8192, 16383);
      await s.call(0, 'CLUSTER', 'SET-CONFIG-EPOCH', 1);
      await s.call(1, 'CLUSTER', 'SET-CONFIG-EPOCH', 2);
      await s.call(0, 'CLUSTER', 'MEET', '127.0.0.1', s.ports[1], s.buses[1]);
      await s.call(0, 'CLUSTER', 'MEET', '127.0.0.1', s.ports[2], s.buses[2]);
      const mine = [await s.call(0, 'CLUSTER', 'MYID'), await s.call(1, 'CLUSTER', 'MYID'), await s.call(2, 'CLUSTER', 'MYID')];
      ids.push(mine);
      await until('R to know A', async () => (await s.call(2, 'CLUSTER', 'NODES')).includes(mine[0]));
      await s.call(2, 'CLUSTER', 'REPLICATE', mine[0]);
    }
    const step = async (what: string, master: number) => {
      const [want, got] = [await settled(sides[0], ids[0], master), await settled(sides[1], ids[1], master)];
      assert.deepEqual(got, want, what);
    };
    await step('initial', 0);
    for (const s of sides) await s.call(2, 'CLUSTER', 'FAILOVER');
    await step('after R took over', 2);
    for (const s of sides) await s.restart(0);
    await step('after the demoted A restarted', 2);
    for (const s of sides) await s.restart(2);
    await step('after the new master R restarted', 2);
    for (const s of sides) await s.call(0, 'CLUSTER', 'FAILOVER');
    await step('after A took over again', 0);
  });
});
