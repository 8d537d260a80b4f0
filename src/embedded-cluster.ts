// startCluster(): a whole Redis Cluster inside one Node process, for tests of code that uses a
// cluster client. Each node is a full respite server with its own client and bus ports on
// loopback; they are joined over the real cluster bus (CLUSTER MEET), slots are split evenly,
// and the promise resolves once every node sees the whole cluster and reports it ok.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLUSTER_OK } from './cluster/cluster';
import { broadcastPong } from './cluster/bus';
import { CLUSTER_SLOTS } from './cluster/slots';
import type { RespiteServer, ServerOptions } from './index';

export interface ClusterOptions {
  /** Number of masters (default 3). */
  masters?: number;
  /** Replicas of each master (default 0), joined with CLUSTER REPLICATE and synced before resolving. */
  replicasPerMaster?: number;
  /** Options given to every node (any redis.conf parameter, as for startServer). */
  nodeOptions?: ServerOptions;
  /** Give up when the cluster is not ready after this many ms (default 10000). */
  timeoutMs?: number;
}

export interface RespiteCluster {
  /** The nodes: masters in slot order, then the replicas (those of master 0 first). */
  readonly nodes: RespiteServer[];
  /** The masters and replicas as started (roles change after a failover: ask CLUSTER NODES). */
  readonly masters: RespiteServer[];
  readonly replicas: RespiteServer[];
  /** host/port pairs, the shape cluster clients take as startup nodes. */
  readonly addresses: { host: string; port: number }[];
  /** Stops every node and removes their nodes.conf files. */
  close(): Promise<void>;
}

type Start = (o: ServerOptions) => Promise<RespiteServer>;

export async function startClusterWith(startServer: Start, opts: ClusterOptions = {}): Promise<RespiteCluster> {
  const masters = opts.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 1 || masters > 1000) throw new Error('respite: startCluster needs 1 to 1000 masters');
  const perMaster = opts.replicasPerMaster ?? 0;
  if (!Number.isInteger(perMaster) || perMaster < 0 || perMaster > 100) throw new Error('respite: startCluster needs 0 to 100 replicasPerMaster');
  const total = masters * (1 + perMaster);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-cluster-'));
  const nodes: RespiteServer[] = [];
  const close = async () => {
    await Promise.all(nodes.map((n) => n.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < total; i++) {
      const node = await startServer({
        bind: '127.0.0.1',
        // Replicas sync at once (Redis waits 5 s for more replicas to share a diskless transfer).
        replDisklessSyncDelay: 0,
        ...opts.nodeOptions,
        port: 0,
        clusterEnabled: true,
        clusterConfigFile: path.join(dir, `nodes-${i}.conf`),
      });
      nodes.push(node);
      // In-process nodes need not wait Redis's 2 s before declaring the cluster up.
      node.server.cluster!.writableDelay = 0;
    }
    for (const n of nodes) n.server.localPeer = (host, port) => (isLoopback(host) ? (nodes.find((m) => m.port === port)?.server ?? null) : null);
    // Even split of the slots, and distinct config epochs on every node (as redis-cli --cluster
    // create does), so that no two nodes meet with the same epoch.
    for (let i = 0; i < masters; i++) {
      const first = Math.round((i * CLUSTER_SLOTS) / masters);
      const last = Math.round(((i + 1) * CLUSTER_SLOTS) / masters) - 1;
      await nodes[i].call('CLUSTER', 'ADDSLOTSRANGE', first, last);
    }
    for (let i = 0; i < total; i++) await nodes[i].call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1);
    // Every pair meets directly: gossip alone would take about a second per hop to spread.
    for (let i = 0; i < total; i++) {
      for (let j = i + 1; j < total; j++) {
        await nodes[i].call('CLUSTER', 'MEET', '127.0.0.1', nodes[j].port, nodes[j].server.config.int('cluster-port'));
      }
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 10000);
    const formed = () => nodes.every((n) => ready(n, total, false));
    await waitFor(nodes, formed, deadline);
    // Replica j of master i is node masters + i * perMaster + j.
    for (let i = 0; i < masters; i++) {
      const id = nodes[i].server.cluster!.myself.name;
      for (let j = 0; j < perMaster; j++) await nodes[masters + i * perMaster + j].call('CLUSTER', 'REPLICATE', id);
    }
    await waitFor(nodes, () => nodes.every((n) => ready(n, total, true) && roles(n, masters, perMaster)), deadline);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    nodes,
    masters: nodes.slice(0, masters),
    replicas: nodes.slice(masters),
    addresses: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    close,
  };
}

async function waitFor(nodes: RespiteServer[], done: () => boolean, deadline: number): Promise<void> {
  while (!done()) {
      if (Date.now() > deadline) throw new Error('respite: the cluster did not come up in time');
      await new Promise((r) => setTimeout(r, 20));
      // Each node announces its slots to the nodes it is linked to now, instead of at the next
      // periodic ping (up to a second later).
      for (const n of nodes) {
        broadcastPong(n.server.cluster!);
        n.server.cluster!.updateState();
      }
  }
}

function ready(n: RespiteServer, size: number, synced: boolean): boolean {
  const cs = n.server.cluster!;
  if (cs.state !== CLUSTER_OK || cs.nodes.size !== size) return false;
  // A replica is ready once its link to the master is up (the initial sync done).
  if (synced && cs.myself.isReplica && n.server.replication.replicaOf?.state !== 'connected') return false;
  for (const node of cs.nodes.values()) if (node.inHandshake || (node !== cs.myself && node.link === null)) return false;
  return true;
}

/** Every node sees `masters` masters with `perMaster` replicas each. */
function roles(n: RespiteServer, masters: number, perMaster: number): boolean {
  let m = 0;
  for (const node of n.server.cluster!.nodes.values()) {
    if (!node.isMaster) continue;
    m++;
    if (node.replicas.length !== perMaster) return false;
  }
  return m === masters;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}
