// nodes.conf, in Redis's format: one CLUSTER NODES line per node (the line flagged `myself` is
// this node), then `vars currentEpoch N lastVoteEpoch M`. Loaded at startup; rewritten (by
// ClusterState.saveConfig) whenever the configuration changes.
import type { ClusterState } from './cluster';
import { ClusterNode, NodeFlag, flagsFromText, validNodeName } from './node';
import { CLUSTER_SLOTS } from './slots';

export class NodesConfError extends Error {}

function nodeByName(cs: ClusterState, name: string): ClusterNode {
  let n = cs.lookup(name);
  if (n === undefined) {
    n = new ClusterNode(name, 0, cs.host.now());
    cs.addNode(n);
  }
  return n;
}

/** Loads nodes.conf text into a fresh state. Throws NodesConfError on a malformed file. */
export function loadNodesConf(cs: ClusterState, text: string): void {
  const bad = (why: string) => new NodesConfError(`Unrecoverable error: corrupted cluster config file "${why}".`);
  // The state starts with a random self; the file names the real one.
  cs.nodes.clear();
  let myself: ClusterNode | null = null;
  const now = cs.host.now();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const argv = line.split(/\s+/);
    if (argv[0].toLowerCase() === 'vars') {
      if (argv.length % 2 === 0) throw bad(line);
      for (let j = 1; j < argv.length; j += 2) {
        const name = argv[j].toLowerCase();
        if (name === 'currentepoch') cs.currentEpoch = Number(argv[j + 1]) || 0;
        else if (name === 'lastvoteepoch') cs.lastVoteEpoch = Number(argv[j + 1]) || 0;
      }
      continue;
    }
    if (argv.length < 8 || !validNodeName(argv[0])) throw bad(line);
    const n = nodeByName(cs, argv[0]);
    // ip:port@cport[,hostname]
    let addr = argv[1];
    const comma = addr.indexOf(',');
    n.hostname = comma >= 0 ? addr.slice(comma + 1) : '';
    if (comma >= 0) addr = addr.slice(0, comma);
    const colon = addr.lastIndexOf(':');
    if (colon < 0) throw bad(line);
    n.ip = addr.slice(0, colon);
    const ports = addr.slice(colon + 1);
    const at = ports.indexOf('@');
    n.port = parseInt(at >= 0 ? ports.slice(0, at) : ports, 10) || 0;
    n.cport = at >= 0 ? parseInt(ports.slice(at + 1), 10) || 0 : n.port + 10000;
    const flags = flagsFromText(argv[2]);
    if (flags === null) throw bad(line);
    n.flags = flags;
    if (flags & NodeFlag.MYSELF) {
      if (myself !== null) throw bad(line);
      myself = n;
    }
    if (flags & NodeFlag.FAIL) n.failTime = now;
    if (argv[3] !== '-') {
      if (!validNodeName(argv[3])) throw bad(line);
      const master = nodeByName(cs, argv[3]);
      n.replicaOf = master;
      master.addReplica(n);
    }
    if (Number(argv[4]) !== 0) n.pingSent = now;
    if (Number(argv[5]) !== 0) n.pongReceived = now;
    n.configEpoch = n.isReplica && n.replicaOf !== null ? 0 : Number(argv[6]) || 0;
    for (let j = 8; j < argv.length; j++) {
      const item = argv[j];
      if (item.startsWith('[')) {
        // [slot->-name] migrating, [slot-<-name] importing
        const m = /^\[(\d+)-([<>])-([0-9a-f]{40})\]$/.exec(item);
        if (m === null) throw bad(line);
        const slot = Number(m[1]);
        if (slot >= CLUSTER_SLOTS) throw bad(line);
        const other = nodeByName(cs, m[3]);
        if (m[2] === '>') cs.migratingTo[slot] = other;
        else cs.importingFrom[slot] = other;
        continue;
      }
      const dash = item.indexOf('-');
      const start = parseInt(dash >= 0 ? item.slice(0, dash) : item, 10);
      const stop = dash >= 0 ? parseInt(item.slice(dash + 1), 10) : start;
      if (!(start >= 0 && start < CLUSTER_SLOTS && stop >= 0 && stop < CLUSTER_SLOTS)) throw bad(line);
      for (let s = start; s <= stop; s++) cs.addSlot(n, s);
    }
  }
  if (myself === null) throw bad('no myself line');
  cs.myself = myself;
  const max = cs.maxEpoch();
  if (max > cs.currentEpoch) cs.currentEpoch = max;
}
