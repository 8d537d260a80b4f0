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
  /** Replicas need the replication subsystem in cluster mode: only 0 is supported for now. */
  replicasPerMaster?: number;
  /** Options given to every node (any redis.conf parameter, as for startServer). */
  nodeOptions?: ServerOptions;
  /** Give up when the cluster is not ready after this many ms (default 10000). */
  timeoutMs?: number;
}

export interface RespiteCluster {
  /** The nodes, masters in slot order. */
  readonly nodes: RespiteServer[];
  /** host/port pairs, the shape cluster clients take as startup nodes. */
  readonly addresses: { host: string; port: number }[];
  /** Stops every node and removes their nodes.conf files. */
  close(): Promise<void>;
}

type Start = (o: ServerOptions) => Promise<RespiteServer>;

export async function startClusterWith(startServer: Start, opts: ClusterOptions = {}): Promise<RespiteCluster> {
  const masters = opts.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 1 || masters > 1000) throw new Error('respite: startCluster needs 1 to 1000 masters');
  if ((opts.replicasPerMaster ?? 0) !== 0) throw new Error('respite: startCluster does not support replicas yet (replicasPerMaster must be 0)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-cluster-'));
  const nodes: RespiteServer[] = [];
  const close = async () => {
    await Promise.all(nodes.map((n) => n.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const node = await startServer({
        bind: '127.0.0.1',
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
    // Even split of the slots, and distinct config epochs (as redis-cli --cluster create does).
    for (let i = 0; i < masters; i++) {
      const first = Math.round((i * CLUSTER_SLOTS) / masters);
      const last = Math.round(((i + 1) * CLUSTER_SLOTS) / masters) - 1;
      await nodes[i].call('CLUSTER', 'ADDSLOTSRANGE', first, last);
      await nodes[i].call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1);
    }
    // Every pair meets directly: gossip alone would take about a second per hop to spread.
    for (let i = 0; i < masters; i++) {
      for (let j = i + 1; j < masters; j++) {
        await nodes[i].call('CLUSTER', 'MEET', '127.0.0.1', nodes[j].port, nodes[j].server.config.int('cluster-port'));
      }
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 10000);
    while (!nodes.every((n) => ready(n, masters))) {
      if (Date.now() > deadline) throw new Error('respite: the cluster did not come up in time');
      await new Promise((r) => setTimeout(r, 20));
      // Each node announces its slots to the nodes it is linked to now, instead of at the next
      // periodic ping (up to a second later).
      for (const n of nodes) {
        broadcastPong(n.server.cluster!);
        n.server.cluster!.updateState();
      }
    }
  } catch (e) {
    await close();
    throw e;
  }
  return {
    nodes,
    addresses: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    close,
  };
}

function ready(n: RespiteServer, size: number): boolean {
  const cs = n.server.cluster!;
  if (cs.state !== CLUSTER_OK || cs.nodes.size !== size) return false;
  for (const node of cs.nodes.values()) if (node.inHandshake || (node !== cs.myself && node.link === null)) return false;
  return true;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}
