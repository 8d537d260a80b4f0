// Turns a server into a cluster node (cluster-enabled yes): builds its ClusterState, loads or
// creates nodes.conf, indexes database 0's keys by slot, and runs the cluster cron. The bus
// sockets are opened by the network layer (src/net/cluster-bus.ts), which sets `transport`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServerContext } from '../engine/context';
import { PushReply } from '../resp/reply';
import { ClusterHost, ClusterState } from './cluster';
import { NodesConfError, loadNodesConf } from './config-file';
import { clusterCron } from './bus';
import { failoverStep } from './failover';
import { emptyDataset } from '../replication/full-sync';
import { redirectBlockedClients } from './blocked';
import { PausePurpose, PauseType, pauseClients, unpauseClients } from '../engine/pause';
import { keyHashSlot } from './slots';

export { NodesConfError };

/** The absolute path of nodes.conf (relative names are taken from `dir`, as Redis's chdir does). */
export function nodesConfPath(srv: ServerContext): string {
  return path.resolve(srv.config.get('dir') || '.', srv.config.get('cluster-config-file'));
}

function hostFor(srv: ServerContext): ClusterHost {
  const file = () => nodesConfPath(srv);
  return {
    now: () => Date.now(),
    config: (name) => srv.config.get(name) ?? '',
    port: () => srv.config.int('port'),
    log: (level, line) => srv.log[level](line),
    dbSize: () => srv.keyspace.dbs[0].size,
    deleteKeysInSlot(slot) {
      const cs = srv.cluster!;
      const db = srv.keyspace.dbs[0];
      let n = 0;
      for (const key of cs.slotKeys.keys(slot, Infinity)) {
        if (!db.delete(key)) continue;
        db.notify('g', 'del', key);
        srv.keyspace.propagate(0, ['DEL', key]);
        n++;
      }
      return n;
    },
    publishLocal(channel, message, shard) {
      if (shard) srv.pubsub.publishShard(channel, message);
      else srv.pubsub.publish(channel, message);
    },
    dropShardChannelsOfSlot(slot) {
      const hub = srv.pubsub;
      if (hub.shardChannels.size === 0) return;
      for (const [channel, clients] of [...hub.shardChannels]) {
        if (keyHashSlot(channel) !== slot) continue;
        for (const c of clients) {
          c.shardChannels.delete(channel);
          c.push(new PushReply(['sunsubscribe', channel, c.shardChannels.size]));
        }
        hub.shardChannels.delete(channel);
      }
    },
    replOffset() {
      const r = srv.replication;
      const ro = r.replicaOf;
      if (ro === null) return r.masterReplOffset;
      // Redis's replicationGetSlaveOffset: the master client's or the cached master's offset, 0
      // without either (during a full sync: other nodes see the replica loading).
      return ro.master !== null || ro.masterReplId !== null ? ro.reploff : 0;
    },
    replicateFrom: (ip, port) => srv.replication.setMaster(ip, port),
    stopReplicating: () => srv.replication.unsetMaster(),
    // The same emptying as a replica's full sync (Redis's emptyData, with the replica's
    // writable keys with an expire forgotten too).
    emptyData: () => emptyDataset(srv),
    replicating: () => srv.replication.replicaOf !== null,
    masterDataAge() {
      const ro = srv.replication.replicaOf;
      if (ro === null) return 0;
      const now = srv.clock.now();
      if (ro.state === 'connected' && ro.master !== null) return now - ro.master.lastInteraction;
      return now - ro.downSince;
    },
    // The failover purpose (as Redis's PAUSE_DURING_FAILOVER): a user's CLIENT PAUSE outlives it.
    pauseWrites: (until) => pauseClients(srv, PauseType.Write, until, PausePurpose.Failover),
    unpauseWrites: () => unpauseClients(srv, PausePurpose.Failover),
    writeConfig(content) {
      const target = file();
      const tmp = `${target}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, content);
      fs.renameSync(tmp, target);
    },
    defer: (fn) => void setImmediate(fn),
  };
}

/**
 * Creates the server's cluster state: loads nodes.conf when present (throws NodesConfError when
 * it is corrupt), otherwise starts as a new master with a random ID and writes the file.
 */
export function attachCluster(srv: ServerContext): ClusterState {
  const cs = new ClusterState(hostFor(srv));
  srv.cluster = cs;
  const file = nodesConfPath(srv);
  let text = '';
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text.trim() !== '') {
    loadNodesConf(cs, text);
    srv.log.notice(`Node configuration loaded, I'm ${cs.myself.name}`);
  } else {
    srv.log.notice(`No cluster configuration found, I'm ${cs.myself.name}`);
  }
  cs.refreshMyself();
  cs.failoverStep = () => failoverStep(cs);
  // Keys of database 0 by slot; keys loaded before this point (none normally) are indexed now.
  const dict = srv.keyspace.dbs[0].dict;
  dict.forEach((k) => cs.slotKeys.add(k));
  dict.observer = cs.slotKeys;
  cs.saveConfig();
  cs.updateState();
  // The cluster cron runs ten times a second, like Redis's clusterCron.
  const timer = setInterval(() => {
    try {
      clusterCron(cs);
    } catch (e) {
      srv.log.warning(`cluster cron: ${e instanceof Error ? e.stack : e}`);
    }
  }, 100);
  timer.unref();
  // Blocked clients are checked about once a second by the server's cron, as Redis's clients
  // cron visits each of them.
  let cronTicks = 0;
  srv.events.on('cron', () => {
    if (++cronTicks % srv.config.int('hz') === 0) redirectBlockedClients(srv);
  });
  srv.events.on('shutdown', () => {
    clearInterval(timer);
    cs.shutdown();
  });
  return cs;
}
