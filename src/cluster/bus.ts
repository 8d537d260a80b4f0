// The cluster bus protocol, as Redis 7.0 nodes speak it: handshakes (MEET), PING/PONG with
// gossip about other nodes, failure detection (PFAIL when a node stops answering, FAIL once a
// majority of masters agree), slot ownership settled by config epochs (UPDATE), published
// messages forwarded to every node, and the votes masters give replicas asking to fail over.
// Frames arrive whole from the transport (src/net/cluster-bus.ts).
import { CLUSTER_FAIL, ClusterState } from './cluster';
import { ClusterNode, NodeFlag, validNodeName } from './node';
import type { BusLink } from './link';
import { CLUSTER_SLOTS } from './slots';
import * as M from './message';
import { replicaMigrationStep } from './replica-migration';
import { nodeNet } from '../util/builtins';

/** A manual failover must complete within this time; the master stays paused twice as long. */
export const MF_TIMEOUT = 5000;
const MF_PAUSE_MULT = 2;

// ---- building the sender view ----------------------------------------------------------------

function senderView(cs: ClusterState): M.SenderView {
  const me = cs.myself;
  const master = me.isReplica && me.replicaOf !== null ? me.replicaOf : me;
  const ports = cs.announcedPorts();
  return {
    port: ports.port,
    pport: ports.pport,
    cport: ports.cport,
    currentEpoch: cs.currentEpoch,
    configEpoch: master.configEpoch,
    offset: cs.host.replOffset(),
    name: me.name,
    slots: master.slots,
    slaveof: me.replicaOf !== null ? me.replicaOf.name : '',
    announcedIp: cs.host.config('cluster-announce-ip'),
    flags: me.flags,
    state: cs.state,
    // A master in a manual failover tells its replica the offset it paused at.
    mflags0: me.isMaster && cs.mfEnd !== 0 ? M.MFLAG0_PAUSED : 0,
  };
}

function send(cs: ClusterState, link: BusLink | null, frame: Buffer): void {
  if (link === null) return;
  link.send(frame);
  const type = frame.readUInt16BE(12);
  if (type < M.MSG_TYPE_COUNT) cs.statsSent[type]++;
}

/** To every node we have an outbound link to (not in handshake). */
function broadcast(cs: ClusterState, frame: Buffer): void {
  for (const n of cs.nodes.values()) {
    if (n.flags & (NodeFlag.MYSELF | NodeFlag.HANDSHAKE)) continue;
    send(cs, n.link, frame);
  }
}

function gossipEntry(n: ClusterNode): M.Gossip {
  return {
    name: n.name,
    pingSent: Math.floor(n.pingSent / 1000),
    pongReceived: Math.floor(n.pongReceived / 1000),
    ip: n.ip,
    port: n.port,
    cport: n.cport,
    flags: n.flags,
    pport: n.pport,
  };
}

/** PING, PONG or MEET with gossip about a tenth of the known nodes (at least 3) plus every PFAIL one. */
export function sendPing(cs: ClusterState, link: BusLink, type: number): void {
  const round = ++cs.pingRounds;
  const all = [...cs.nodes.values()];
  let fresh = all.length - 2;
  const wanted = Math.min(Math.max(3, Math.floor(all.length / 10)), fresh);
  if (!link.inbound && type === M.MsgType.PING && link.node !== null) link.node.pingSent = cs.host.now();
  const gossip: M.Gossip[] = [];
  let tries = wanted * 3;
  while (fresh > 0 && gossip.length < wanted && tries-- > 0) {
    const n = all[Math.floor(Math.random() * all.length)];
    if (n === cs.myself || n.flags & NodeFlag.PFAIL) continue;
    if (n.flags & (NodeFlag.HANDSHAKE | NodeFlag.NOADDR) || (n.link === null && n.numSlots === 0)) {
      fresh--;
      continue;
    }
    if (n.lastInGossip === round) continue;
    n.lastInGossip = round;
    gossip.push(gossipEntry(n));
    fresh--;
  }
  let pfail = cs.pfailNodes;
  for (const n of all) {
    if (pfail <= 0) break;
    if (n.flags & (NodeFlag.HANDSHAKE | NodeFlag.NOADDR) || !(n.flags & NodeFlag.PFAIL)) continue;
    gossip.push(gossipEntry(n));
    pfail--;
  }
  send(cs, link, M.buildPing(type, senderView(cs), gossip, cs.myself.hostname));
}

/** A PONG to every connected node: spreads a configuration change at once. */
export function broadcastPong(cs: ClusterState): void {
  for (const n of cs.nodes.values()) {
    if (n.link === null || n === cs.myself || n.inHandshake) continue;
    sendPing(cs, n.link, M.MsgType.PONG);
  }
}

/** A replica starting an election asks every node for its vote (FORCEACK in a manual failover). */
export function requestFailoverAuth(cs: ClusterState): void {
  const view = senderView(cs);
  if (cs.mfEnd !== 0) view.mflags0 |= M.MFLAG0_FORCEACK;
  broadcast(cs, M.buildMessage(M.MsgType.FAILOVER_AUTH_REQUEST, view, 0));
}

/** CLUSTER FAILOVER on a replica: ask our master to pause and report its offset. */
export function sendMFStart(cs: ClusterState, master: ClusterNode): void {
  send(cs, master.link, M.buildMessage(M.MsgType.MFSTART, senderView(cs), 0));
}

/** A PONG to the other replicas of our master (our offset, before an election). */
export function pongLocalReplicas(cs: ClusterState): void {
  const master = cs.myself.replicaOf;
  if (master === null) return;
  for (const n of master.replicas) {
    if (n === cs.myself || n.link === null || n.inHandshake) continue;
    sendPing(cs, n.link, M.MsgType.PONG);
  }
}

export function sendFail(cs: ClusterState, name: string): void {
  broadcast(cs, M.buildFail(senderView(cs), name));
}

function sendUpdate(cs: ClusterState, link: BusLink | null, n: ClusterNode): void {
  if (link === null) return;
  send(cs, link, M.buildUpdate(senderView(cs), n.name, n.configEpoch, n.slots));
}

/** PUBLISH / SPUBLISH on this node: every other node delivers it to its own subscribers. */
export function propagatePublish(cs: ClusterState, channel: string, message: string, shard: boolean): void {
  if (shard) {
    // Sharded messages stay within the shard: the master and its replicas.
    const me = cs.myself;
    const master = me.isReplica && me.replicaOf !== null ? me.replicaOf : me;
    const frame = M.buildPublish(senderView(cs), true, channel, message);
    for (const n of [master, ...master.replicas]) if (n !== me) send(cs, n.link, frame);
    return;
  }
  broadcast(cs, M.buildPublish(senderView(cs), false, channel, message));
}

// ---- handshakes ------------------------------------------------------------------------------

/** CLUSTER MEET and gossip: adds a node in handshake. 'invalid' for a bad address; false if one is already pending. */
export function startHandshake(cs: ClusterState, ip: string, port: number, cport: number): boolean | 'invalid' {
  const family = nodeNet().isIP(ip);
  if (family === 0) return 'invalid';
  if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) return 'invalid';
  const norm = family === 6 ? normalizeIPv6(ip) : ip;
  for (const n of cs.nodes.values()) {
    if (n.inHandshake && n.ip.toLowerCase() === norm.toLowerCase() && n.port === port && n.cport === cport) return false;
  }
  const n = new ClusterNode(randomName(), NodeFlag.HANDSHAKE | NodeFlag.MEET, cs.host.now());
  n.ip = norm;
  n.port = port;
  n.cport = cport;
  cs.addNode(n);
  return true;
}

function randomName(): string {
  let s = '';
  while (s.length < 40) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, 40);
}

function normalizeIPv6(ip: string): string {
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

// ---- receiving -------------------------------------------------------------------------------

/** The node behind a frame: the link's node once out of handshake, else the sender's name. */
function senderOf(cs: ClusterState, link: BusLink, h: M.Header): ClusterNode | undefined {
  if (link.node !== null && !link.node.inHandshake) return link.node;
  const sender = cs.lookup(h.sender);
  if (sender !== undefined && link.node === null && link.inbound) {
    // An inbound link now known to come from this node (one per node: an older one is closed).
    if (sender.inboundLink !== null && sender.inboundLink !== link) sender.inboundLink.close();
    sender.inboundLink = link;
    link.node = sender;
  }
  return sender;
}

/** A node's address as the frame gives it: the announced IP, else the connection's peer address. */
function peerIp(link: BusLink, h: M.Header): string {
  return h.myip !== '' ? h.myip : link.remoteAddress();
}

function updateAddressIfNeeded(cs: ClusterState, n: ClusterNode, link: BusLink, h: M.Header): boolean {
  if (link === n.link) return false;
  const ip = peerIp(link, h);
  if (ip === '' || (n.port === h.port && n.cport === h.cport && n.pport === h.pport && n.ip === ip)) return false;
  n.ip = ip;
  n.port = h.port;
  n.pport = h.pport;
  n.cport = h.cport;
  n.link?.close();
  n.link = null;
  n.flags &= ~NodeFlag.NOADDR;
  cs.host.log('warning', `Address updated for node ${n.name}, now ${n.ip}:${n.port}`);
  return true;
}

/** Handles one whole frame. Malformed frames are dropped; unknown types ignored. */
export function processFrame(cs: ClusterState, link: BusLink, buf: Buffer): void {
  if (buf.length < M.HEADER_LEN || buf.readUInt16BE(8) !== M.PROTO_VER) return;
  const type = buf.readUInt16BE(12);
  if (type < M.MSG_TYPE_COUNT) cs.statsReceived[type]++;
  if (type === cs.dropPacketFilter) {
    cs.host.log('warning', 'Dropping packet that matches debug drop filter');
    return;
  }
  const explen = M.expectedLength(buf);
  if (explen !== buf.length) {
    cs.host.log('warning', `Received invalid ${M.MSG_TYPE_NAMES[type] ?? 'unknown'} packet of length ${buf.length} but expected length ${explen}`);
    return;
  }
  const h = M.readHeader(buf);
  const now = cs.host.now();
  const sender = senderOf(cs, link, h);
  if (sender !== undefined) sender.dataReceived = now;
  if (sender !== undefined && !sender.inHandshake) {
    if (h.currentEpoch > cs.currentEpoch) cs.currentEpoch = h.currentEpoch;
    if (h.configEpoch > sender.configEpoch) {
      sender.configEpoch = h.configEpoch;
      cs.todo(true, false);
    }
    sender.replOffset = h.offset;
    // A replica in a manual failover learns the offset its master paused at.
    const me = cs.myself;
    if (cs.mfEnd !== 0 && me.isReplica && me.replicaOf === sender && h.mflags0 & M.MFLAG0_PAUSED && cs.mfMasterOffset === -1) {
      cs.mfMasterOffset = h.offset;
      cs.todoFailover();
      cs.host.log('warning', `Received replication offset for paused master manual failover: ${h.offset}`);
    }
  }

  if (type === M.MsgType.PING || type === M.MsgType.MEET) {
    // Our own IP is the address the other side reached us at, unless announced.
    if ((type === M.MsgType.MEET || cs.myself.ip === '') && cs.host.config('cluster-announce-ip') === '') {
      const ip = link.localAddress();
      if (ip !== '' && ip !== cs.myself.ip) {
        cs.myself.ip = ip;
        cs.host.log('warning', `IP address for this node updated to ${ip}`);
        cs.todo(true, false);
      }
    }
    if (sender === undefined && type === M.MsgType.MEET) {
      const n = new ClusterNode(randomName(), NodeFlag.HANDSHAKE, now);
      n.ip = peerIp(link, h);
      n.port = h.port;
      n.pport = h.pport;
      n.cport = h.cport;
      cs.addNode(n);
      cs.todo(true, false);
      processGossip(cs, buf, h, link);
    }
    sendPing(cs, link, M.MsgType.PONG);
  }

  if (type === M.MsgType.PING || type === M.MsgType.PONG || type === M.MsgType.MEET) {
    if (!link.inbound && link.node !== null) {
      const ln = link.node;
      if (ln.inHandshake) {
        if (sender !== undefined) {
          // We already know this node under its real name: keep that entry, drop the handshake one.
          if (updateAddressIfNeeded(cs, sender, link, h)) cs.todo(true, true);
          cs.delNode(ln);
          return;
        }
        cs.renameNode(ln, h.sender);
        ln.flags &= ~NodeFlag.HANDSHAKE;
        ln.flags |= h.flags & (NodeFlag.MASTER | NodeFlag.SLAVE);
        cs.host.log('verbose', `Handshake with node ${ln.name} completed.`);
        cs.todo(true, false);
      } else if (ln.name !== h.sender) {
        // Another node answers at this address now: forget the address until gossip tells us more.
        ln.flags |= NodeFlag.NOADDR;
        ln.ip = '';
        ln.port = 0;
        ln.pport = 0;
        ln.cport = 0;
        ln.link = null;
        link.close();
        cs.todo(true, false);
        return;
      }
    }
    if (sender !== undefined) {
      sender.flags = (sender.flags & ~NodeFlag.NOFAILOVER) | (h.flags & NodeFlag.NOFAILOVER);
      if (type === M.MsgType.PING && !sender.inHandshake && updateAddressIfNeeded(cs, sender, link, h)) cs.todo(true, true);
    }
    if (!link.inbound && type === M.MsgType.PONG && link.node !== null) {
      const ln = link.node;
      ln.pongReceived = now;
      ln.pingSent = 0;
      if (ln.timedOut) {
        ln.flags &= ~NodeFlag.PFAIL;
        cs.todo(true, true);
      } else if (ln.failed) clearFailureIfNeeded(cs, ln);
    }
    if (sender !== undefined) updateRole(cs, sender, h);

    let senderMaster: ClusterNode | null = null;
    let dirty = false;
    if (sender !== undefined) {
      senderMaster = sender.isMaster ? sender : sender.replicaOf;
      if (senderMaster !== null) dirty = !bytesEqual(senderMaster.slots, h.myslots);
    }
    if (sender !== undefined && sender.isMaster && dirty) updateSlotsConfigWith(cs, sender, h.configEpoch, h.myslots);
    // The sender claims slots we know a newer owner for: tell it (UPDATE).
    if (sender !== undefined && dirty) {
      for (let j = 0; j < CLUSTER_SLOTS; j++) {
        if (!(h.myslots[j >> 3] & (1 << (j & 7)))) continue;
        const owner = cs.slots[j];
        if (owner === sender || owner === null) continue;
        if (owner.configEpoch > h.configEpoch) {
          sendUpdate(cs, sender.link, owner);
          break;
        }
      }
    }
    if (sender !== undefined && cs.myself.isMaster && sender.isMaster && h.configEpoch === cs.myself.configEpoch) cs.handleEpochCollision(sender);
    if (sender !== undefined) {
      processGossip(cs, buf, h, link);
      const hostname = M.readHostnameExt(buf, h);
      const hn = hostname ?? '';
      if (sender.hostname !== hn) {
        sender.hostname = hn;
        cs.todo(true, false);
      }
    }
    return;
  }

  switch (type) {
    case M.MsgType.FAIL: {
      if (sender === undefined) return;
      const failing = cs.lookup(M.readFailName(buf));
      if (failing !== undefined && !(failing.flags & (NodeFlag.FAIL | NodeFlag.MYSELF))) {
        cs.host.log('notice', `FAIL message received from ${h.sender} about ${failing.name}`);
        failing.flags |= NodeFlag.FAIL;
        failing.failTime = now;
        failing.flags &= ~NodeFlag.PFAIL;
        cs.todo(true, true);
      }
      return;
    }
    case M.MsgType.PUBLISH:
    case M.MsgType.PUBLISHSHARD: {
      if (sender === undefined) return;
      const [channel, message] = M.readPublish(buf);
      cs.host.publishLocal(channel, message, type === M.MsgType.PUBLISHSHARD);
      return;
    }
    case M.MsgType.FAILOVER_AUTH_REQUEST:
      if (sender !== undefined) voteIfNeeded(cs, sender, h);
      return;
    case M.MsgType.FAILOVER_AUTH_ACK:
      // A vote counts from a master serving slots, for the epoch of our election or later.
      if (sender !== undefined && sender.isMaster && sender.numSlots > 0 && h.currentEpoch >= cs.failoverAuthEpoch) {
        cs.failoverAuthCount++;
        cs.todoFailover();
      }
      return;
    case M.MsgType.MFSTART: {
      // One of our replicas asks for a manual failover: pause writes, tell it our offset.
      if (sender === undefined || sender.replicaOf !== cs.myself) return;
      cs.resetManualFailover();
      cs.mfEnd = now + MF_TIMEOUT;
      cs.mfReplica = sender;
      cs.host.pauseWrites(now + MF_TIMEOUT * MF_PAUSE_MULT);
      cs.host.log('warning', `Manual failover requested by replica ${sender.name}.`);
      sendPing(cs, link, M.MsgType.PING);
      return;
    }
    case M.MsgType.UPDATE: {
      if (sender === undefined) return;
      const u = M.readUpdate(buf);
      const n = cs.lookup(u.name);
      if (n === undefined || n.configEpoch >= u.configEpoch) return;
      if (n.isReplica) cs.setNodeAsMaster(n);
      n.configEpoch = u.configEpoch;
      cs.todo(true, false);
      updateSlotsConfigWith(cs, n, u.configEpoch, u.slots);
      return;
    }
    // MODULE messages have no receiver here; unknown types are ignored.
    default:
      return;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The sender's role from its header: master (no slaveof) or replica of a named master. */
function updateRole(cs: ClusterState, sender: ClusterNode, h: M.Header): void {
  if (h.slaveof === '') {
    cs.setNodeAsMaster(sender);
    return;
  }
  const master = cs.lookup(h.slaveof);
  if (sender.isMaster) {
    cs.delNodeSlots(sender);
    sender.flags &= ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO);
    sender.flags |= NodeFlag.SLAVE;
    cs.todo(true, true);
  }
  if (master !== undefined && sender.replicaOf !== master) {
    sender.replicaOf?.removeReplica(sender);
    master.addReplica(sender);
    sender.replicaOf = master;
    cs.todo(true, false);
  }
}

/**
 * A master claims slots with a config epoch: it takes every slot whose current owner has an
 * older epoch (or none). Keys of slots this node loses that way are deleted.
 */
export function updateSlotsConfigWith(cs: ClusterState, sender: ClusterNode, epoch: number, slots: Uint8Array): void {
  if (sender === cs.myself) return;
  const dirtySlots: number[] = [];
  const me = cs.myself;
  const curMaster = me.isMaster ? me : me.replicaOf;
  let newMaster: ClusterNode | null = null;
  let senderSlots = 0;
  let migratedOurSlots = 0;
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (!(slots[j >> 3] & (1 << (j & 7)))) continue;
    senderSlots++;
    const owner = cs.slots[j];
    if (owner === sender) continue;
    if (cs.importingFrom[j] !== null) continue;
    if (owner === null || owner.configEpoch < epoch) {
      if (owner === me && cs.slotKeys.count(j) > 0) dirtySlots.push(j);
      if (owner === curMaster) {
        newMaster = sender;
        migratedOurSlots++;
      }
      cs.delSlot(j);
      cs.addSlot(sender, j);
      cs.todo(true, true);
    }
  }
  // Our shard lost its last slot to the sender (a failover or a full migration): follow it.
  if (newMaster !== null && curMaster !== null && curMaster.numSlots === 0 && (cs.host.config('cluster-allow-replica-migration') === 'yes' || senderSlots === migratedOurSlots)) {
    cs.host.log('warning', `Configuration change detected. Reconfiguring myself as a replica of ${sender.name}`);
    cs.setMyMaster(sender);
    return;
  }
  const grand = me.replicaOf?.replicaOf ?? null;
  if (grand !== null && grand !== me) {
    // Our master became a replica itself: replicate its master instead.
    cs.host.log('warning', `I'm a sub-replica! Reconfiguring myself as a replica of grandmaster ${grand.name}`);
    cs.setMyMaster(grand);
    return;
  }
  for (const j of dirtySlots) cs.host.deleteKeysInSlot(j);
}

/** A master that was FAIL answers again: clear the flag when nobody took its place. */
function clearFailureIfNeeded(cs: ClusterState, n: ClusterNode): void {
  const now = cs.host.now();
  if (n.isReplica || n.numSlots === 0) {
    n.flags &= ~NodeFlag.FAIL;
    cs.todo(true, true);
  }
  if (n.isMaster && n.numSlots > 0 && now - n.failTime > cs.nodeTimeout() * 2) {
    n.flags &= ~NodeFlag.FAIL;
    cs.todo(true, true);
  }
}

function markFailingIfNeeded(cs: ClusterState, n: ClusterNode): void {
  const quorum = Math.floor(cs.size / 2) + 1;
  if (!n.timedOut || n.failed) return;
  let failures = cs.failReportCount(n);
  if (cs.myself.isMaster) failures++;
  if (failures < quorum) return;
  cs.host.log('notice', `Marking node ${n.name} as failing (quorum reached).`);
  n.flags &= ~NodeFlag.PFAIL;
  n.flags |= NodeFlag.FAIL;
  n.failTime = cs.host.now();
  sendFail(cs, n.name);
  cs.todo(true, true);
}

function processGossip(cs: ClusterState, buf: Buffer, h: M.Header, link: BusLink): void {
  const sender = link.node ?? cs.lookup(h.sender) ?? null;
  for (let i = 0; i < h.count; i++) {
    const g = M.readGossip(buf, i);
    const node = cs.lookup(g.name);
    if (node !== undefined) {
      // Failure reports count only from masters.
      if (sender !== null && sender.isMaster && node !== cs.myself) {
        if (g.flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) {
          if (cs.addFailReport(node, sender)) cs.host.log('verbose', `Node ${sender.name} reported node ${node.name} as not reachable.`);
          markFailingIfNeeded(cs, node);
        } else if (cs.delFailReport(node, sender)) cs.host.log('verbose', `Node ${sender.name} reported node ${node.name} is back online.`);
      }
      // A fresher PONG time seen by others keeps us from pinging a healthy node needlessly.
      if (!(g.flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) && node.pingSent === 0 && cs.failReportCount(node) === 0) {
        const pong = g.pongReceived * 1000;
        if (pong <= cs.host.now() + 500 && pong > node.pongReceived) node.pongReceived = pong;
      }
      // A failing node reported healthy at a new address: try that address.
      if (
        node.flags & (NodeFlag.FAIL | NodeFlag.PFAIL) &&
        !(g.flags & NodeFlag.NOADDR) &&
        !(g.flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) &&
        (node.ip.toLowerCase() !== g.ip.toLowerCase() || node.port !== g.port || node.cport !== g.cport)
      ) {
        node.link?.close();
        node.link = null;
        node.ip = g.ip;
        node.port = g.port;
        node.pport = g.pport;
        node.cport = g.cport;
        node.flags &= ~NodeFlag.NOADDR;
      }
    } else if (sender !== null && !(g.flags & NodeFlag.NOADDR) && !cs.blacklisted(g.name) && validNodeName(g.name)) {
      // A node we did not know: add it; the cron connects and pings it.
      const n = new ClusterNode(g.name, g.flags & ~(NodeFlag.MYSELF | NodeFlag.MEET), cs.host.now());
      n.ip = g.ip;
      n.port = g.port;
      n.pport = g.pport;
      n.cport = g.cport;
      cs.addNode(n);
    }
  }
}

/** A replica of a failed master asks for our vote (we are a master serving slots). */
function voteIfNeeded(cs: ClusterState, node: ClusterNode, h: M.Header): void {
  const master = node.replicaOf;
  const forceAck = (h.mflags0 & M.MFLAG0_FORCEACK) !== 0;
  if (cs.myself.isReplica || cs.myself.numSlots === 0) return;
  if (h.currentEpoch < cs.currentEpoch) return;
  if (cs.lastVoteEpoch === cs.currentEpoch) return;
  if (node.isMaster || master === null || (!master.failed && !forceAck)) return;
  const now = cs.host.now();
  if (now - master.votedTime < cs.nodeTimeout() * 2) return;
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (!(h.myslots[j >> 3] & (1 << (j & 7)))) continue;
    const owner = cs.slots[j];
    if (owner === null || owner.configEpoch <= h.configEpoch) continue;
    return;
  }
  cs.lastVoteEpoch = cs.currentEpoch;
  master.votedTime = now;
  cs.todo(true, false);
  send(cs, node.link, M.buildMessage(M.MsgType.FAILOVER_AUTH_ACK, senderView(cs), 0));
  cs.host.log('warning', `Failover auth granted to ${node.name} for epoch ${cs.currentEpoch}`);
}

// ---- the cron (10 times a second) -----------------------------------------------------------

export function clusterCron(cs: ClusterState): void {
  const iteration = ++cs.cronIteration;
  const timeout = cs.nodeTimeout();
  const handshakeTimeout = Math.max(timeout, 1000);
  let now = cs.host.now();
  let updateState = false;
  cs.pfailNodes = 0;
  const me = cs.myself;
  // cluster-replica-no-failover shows in our flags (CLUSTER NODES, and the PINGs others rank by).
  const noFailover = cs.host.config('cluster-replica-no-failover') === 'yes';
  if (noFailover !== ((me.flags & NodeFlag.NOFAILOVER) !== 0)) {
    me.flags ^= NodeFlag.NOFAILOVER;
    cs.todo(true, false);
  }
  if (cs.host.config('cluster-announce-hostname') !== me.hostname) {
    me.hostname = cs.host.config('cluster-announce-hostname');
    cs.todo(true, false);
  }
  const sendbufLimit = Number(cs.host.config('cluster-link-sendbuf-limit'));
  for (const n of [...cs.nodes.values()]) {
    // A link whose peer stopped reading is dropped (and reconnected below) before its queue
    // grows without bound.
    if (sendbufLimit !== 0) {
      freeLinkOverLimit(cs, n.link, sendbufLimit);
      freeLinkOverLimit(cs, n.inboundLink, sendbufLimit);
    }
    if (n.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR)) continue;
    if (n.flags & NodeFlag.PFAIL) cs.pfailNodes++;
    if (n.inHandshake && now - n.ctime > handshakeTimeout) {
      cs.delNode(n);
      continue;
    }
    if (n.link === null && cs.transport !== null) {
      const link = cs.transport.connect(n.ip, n.cport);
      link.node = n;
      n.link = link;
      // The first message: MEET for a node CLUSTER MEET named, PING otherwise. pingSent is kept
      // when already set, so an unreachable node still times out.
      const oldPing = n.pingSent;
      sendPing(cs, link, n.flags & NodeFlag.MEET ? M.MsgType.MEET : M.MsgType.PING);
      if (oldPing !== 0) n.pingSent = oldPing;
      n.flags &= ~NodeFlag.MEET;
    }
  }
  // Once a second: ping one of five random nodes, the one whose PONG is oldest.
  if (iteration % 10 === 0) {
    const all = [...cs.nodes.values()];
    let target: ClusterNode | null = null;
    for (let j = 0; j < 5 && all.length !== 0; j++) {
      const n = all[Math.floor(Math.random() * all.length)];
      if (n.link === null || n.pingSent !== 0 || n.flags & (NodeFlag.MYSELF | NodeFlag.HANDSHAKE)) continue;
      if (target === null || target.pongReceived > n.pongReceived) target = n;
    }
    if (target !== null) sendPing(cs, target.link!, M.MsgType.PING);
  }
  for (const n of cs.nodes.values()) {
    now = cs.host.now();
    if (n.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR | NodeFlag.HANDSHAKE)) continue;
    const pingDelay = now - n.pingSent;
    const dataDelay = now - n.dataReceived;
    // A link that stays silent for half the timeout after a ping is reconnected.
    if (n.link !== null && now - n.link.ctime > timeout && n.pingSent !== 0 && pingDelay > timeout / 2 && dataDelay > timeout / 2) {
      n.link.close();
      n.link = null;
    }
    if (n.link !== null && n.pingSent === 0 && now - n.pongReceived > timeout / 2) {
      sendPing(cs, n.link, M.MsgType.PING);
      continue;
    }
    // A master in a manual failover pings the replica continuously (it carries our offset).
    if (cs.mfEnd !== 0 && me.isMaster && cs.mfReplica === n && n.link !== null) {
      sendPing(cs, n.link, M.MsgType.PING);
      continue;
    }
    if (n.pingSent === 0) continue;
    if (Math.min(pingDelay, dataDelay) > timeout && !(n.flags & (NodeFlag.PFAIL | NodeFlag.FAIL))) {
      cs.host.log('verbose', `*** NODE ${n.name} possibly failing`);
      n.flags |= NodeFlag.PFAIL;
      updateState = true;
    }
  }
  // A replica (from nodes.conf, or after CLUSTER RESET of its master) not replicating yet.
  const master = me.replicaOf;
  if (me.isReplica && master !== null && master.hasAddr && master.port !== 0 && !cs.host.replicating()) cs.host.replicateFrom(master.ip, master.port);
  if (cs.mfEnd !== 0 && cs.mfEnd < now) {
    cs.host.log('warning', 'Manual failover timed out.');
    cs.resetManualFailover();
  }
  if (me.isReplica) {
    cs.failoverStep?.();
    replicaMigrationStep(cs);
  }
  if (updateState || cs.state === CLUSTER_FAIL) cs.updateState();
}

function freeLinkOverLimit(cs: ClusterState, link: BusLink | null, limit: number): void {
  if (link === null) return;
  const used = link.pendingBytes();
  if (used <= limit) return;
  cs.host.log('warning', `Freeing cluster link(${link.inbound ? 'from' : 'to'} node ${link.node?.name ?? ''}, used memory: ${used}) due to exceeding send buffer memory limit.`);
  link.close();
  linkClosed(cs, link);
  cs.linksBufferLimitExceeded++;
}

/** The transport lost a link: the node will be reconnected by the cron. */
export function linkClosed(cs: ClusterState, link: BusLink): void {
  const n = link.node;
  if (n === null) return;
  if (n.link === link) n.link = null;
  if (n.inboundLink === link) n.inboundLink = null;
}
