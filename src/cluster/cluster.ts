// The cluster state of one node (Redis Cluster, 7.0 semantics): the nodes it knows, which node
// serves each of the 16384 slots, slots being migrated or imported, epochs, and the cluster's
// health. The bus protocol (gossip, failure detection, epochs) lives in bus.ts, nodes.conf in
// config-file.ts, key routing in routing.ts; this file holds the state and its invariants.
import { ClusterNode, NodeFlag, flagsText, randomNodeName } from './node';
import { CLUSTER_SLOTS } from './slots';
import { SlotKeys } from './slot-keys';
import type { BusLink, BusTransport } from './link';
import { MSG_TYPE_COUNT } from './message';

export const CLUSTER_OK = 0;
export const CLUSTER_FAIL = 1;
/** A node forgotten with CLUSTER FORGET is not re-added from gossip for this long. */
const BLACKLIST_TTL_MS = 60_000;
const MIN_REJOIN_DELAY = 500;
const MAX_REJOIN_DELAY = 5000;

/** What the cluster needs from the server that hosts it (built in attach.ts). */
export interface ClusterHost {
  now(): number;
  /** A config value by name (cluster-node-timeout, cluster-announce-ip, ...). */
  config(name: string): string;
  /** The client port the node serves. */
  port(): number;
  log(level: 'warning' | 'notice' | 'verbose', line: string): void;
  /** Keys of database 0. */
  dbSize(): number;
  /** Deletes every key of a slot (a slot lost to a node with a newer config); returns how many. */
  deleteKeysInSlot(slot: number): number;
  /** Delivers a message published on another node to this node's subscribers. */
  publishLocal(channel: string, message: string, shard: boolean): void;
  /** Unsubscribes this node's clients from the shard channels of a slot it no longer serves. */
  dropShardChannelsOfSlot(slot: number): void;
  /** Replication offset this node advertises (a replica's processed offset, a master's own). */
  replOffset(): number;
  /** Makes the server replicate this address (Redis's replicationSetMaster). */
  replicateFrom(ip: string, port: number): void;
  /** Makes the server a master again, starting a new replication history. */
  stopReplicating(): void;
  /** Empties every database (a replica reset with CLUSTER RESET). */
  emptyData(): void;
  /** Whether the server follows a master now (Redis's server.masterhost != NULL). */
  replicating(): boolean;
  /** ms since the last byte from our master, or since the link went down (the data age). */
  masterDataAge(): number;
  /** Pauses writes until then (a master during a manual failover), and ends that pause. */
  pauseWrites(untilMs: number): void;
  unpauseWrites(): void;
  /** Writes nodes.conf (content) atomically; throws on failure. */
  writeConfig(content: string): void;
  /** Runs fn soon, once per burst of changes (after the current event). */
  defer(fn: () => void): void;
}

export class ClusterState {
  myself: ClusterNode;
  readonly nodes = new Map<string, ClusterNode>();
  /** Forgotten node name -> until when (ms) gossip may not re-add it. */
  readonly blacklist = new Map<string, number>();
  readonly slots: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  readonly migratingTo: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  readonly importingFrom: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  /** Keys of database 0 by slot (COUNTKEYSINSLOT, GETKEYSINSLOT, deleting a lost slot). */
  readonly slotKeys = new SlotKeys();
  currentEpoch = 0;
  lastVoteEpoch = 0;
  state = CLUSTER_FAIL;
  /** Masters serving at least one slot. */
  size = 0;
  readonly statsSent: number[] = new Array(MSG_TYPE_COUNT).fill(0);
  readonly statsReceived: number[] = new Array(MSG_TYPE_COUNT).fill(0);
  /** Links closed because their send buffer outgrew cluster-link-sendbuf-limit (CLUSTER INFO). */
  linksBufferLimitExceeded = 0;
  /** PFAIL nodes seen by the last cron (that many extra gossip entries per PING). */
  pfailNodes = 0;
  /** Set by the network layer: opens links to other nodes. */
  transport: BusTransport | null = null;
  /**
   * A master whose cluster is down at startup waits this long before it can declare it up
   * (Redis's CLUSTER_WRITABLE_DELAY, 2 s); the embedded cluster sets 0 to be ready at once.
   */
  writableDelay = 2000;
  private firstUpdate = 0;
  private amongMinorityTime = 0;
  private pendingSave = false;
  private pendingState = false;
  private scheduled = false;
  /** The election of a replica whose master failed (Redis's failover_auth_*). */
  failoverAuthTime = 0;
  failoverAuthCount = 0;
  failoverAuthSent = false;
  failoverAuthRank = 0;
  failoverAuthEpoch = 0;
  /** Manual failover (CLUSTER FAILOVER): deadline (0: none), whether the election may start,
   * the replica it serves (on the master) and the master's offset once it paused (on the replica). */
  mfEnd = 0;
  mfCanStart = false;
  mfReplica: ClusterNode | null = null;
  mfMasterOffset = -1;
  /** DEBUG DROP-CLUSTER-PACKET-FILTER: messages of this type are dropped on arrival (-1: none). */
  dropPacketFilter = -1;
  /** The last reason logged for not failing over, and when. */
  lastCantFailover = '';
  lastCantFailoverLog = 0;
  /** Set when a failover step should run at the end of this event, not at the next cron. */
  failoverDue = false;
  /** Where nodes.conf lives, and whether saving failed last time. */
  lastSaveError: string | null = null;

  constructor(readonly host: ClusterHost) {
    this.myself = this.createMyself();
  }

  createMyself(name = randomNodeName()): ClusterNode {
    const me = new ClusterNode(name, NodeFlag.MYSELF | NodeFlag.MASTER, this.host.now());
    this.myself = me;
    this.addNode(me);
    this.refreshMyself();
    return me;
  }

  /** Re-reads the announced address of this node from the configuration. */
  refreshMyself(): void {
    const me = this.myself;
    const ports = this.announcedPorts();
    me.port = ports.port;
    me.pport = ports.pport;
    me.cport = ports.cport;
    const ip = this.host.config('cluster-announce-ip');
    if (ip !== '') me.ip = ip;
    me.hostname = this.host.config('cluster-announce-hostname');
  }

  /** The client, plaintext and bus ports this node announces (Redis's deriveAnnouncedPorts). */
  announcedPorts(): { port: number; pport: number; cport: number } {
    const base = this.host.port();
    const announcePort = Number(this.host.config('cluster-announce-port'));
    const announceBus = Number(this.host.config('cluster-announce-bus-port'));
    const clusterPort = Number(this.host.config('cluster-port'));
    return {
      port: announcePort || base,
      pport: 0,
      cport: announceBus || clusterPort || base + 10000,
    };
  }

  nodeTimeout(): number {
    return Number(this.host.config('cluster-node-timeout'));
  }

  // ---- nodes ---------------------------------------------------------------------------------

  lookup(name: string): ClusterNode | undefined {
    return this.nodes.get(name);
  }

  addNode(n: ClusterNode): void {
    this.nodes.set(n.name, n);
  }

  /** Removes a node: its slots, its failure reports on others, its links. */
  delNode(n: ClusterNode): void {
    for (let j = 0; j < CLUSTER_SLOTS; j++) {
      if (this.importingFrom[j] === n) this.importingFrom[j] = null;
      if (this.migratingTo[j] === n) this.migratingTo[j] = null;
      if (this.slots[j] === n) this.delSlot(j);
    }
    for (const other of this.nodes.values()) other.failReports.delete(n);
    this.freeNode(n);
  }

  private freeNode(n: ClusterNode): void {
    for (const r of n.replicas) if (r.replicaOf === n) r.replicaOf = null;
    if (n.replicaOf !== null) n.replicaOf.removeReplica(n);
    this.nodes.delete(n.name);
    n.link?.close();
    n.link = null;
    n.inboundLink?.close();
    n.inboundLink = null;
  }

  renameNode(n: ClusterNode, name: string): void {
    this.nodes.delete(n.name);
    n.name = name;
    this.nodes.set(name, n);
  }

  setNodeAsMaster(n: ClusterNode): void {
    if (n.isMaster) return;
    if (n.replicaOf !== null) {
      n.replicaOf.removeReplica(n);
      if (n !== this.myself) n.flags |= NodeFlag.MIGRATE_TO;
    }
    n.flags &= ~NodeFlag.SLAVE;
    n.flags |= NodeFlag.MASTER;
    n.replicaOf = null;
    this.todo(true, true);
  }

  blacklistAdd(n: ClusterNode): void {
    this.blacklist.set(n.name, this.host.now() + BLACKLIST_TTL_MS);
  }

  blacklisted(name: string): boolean {
    const until = this.blacklist.get(name);
    if (until === undefined) return false;
    if (until < this.host.now()) {
      this.blacklist.delete(name);
      return false;
    }
    return true;
  }

  // ---- slots ---------------------------------------------------------------------------------

  addSlot(n: ClusterNode, slot: number): boolean {
    if (this.slots[slot] !== null) return false;
    // A master's first slot makes it a target of replica migration, unless no master has
    // replicas at all (Redis's clusterNodeSetSlotBit).
    if (n.setSlot(slot) && n.numSlots === 1 && this.mastersHaveReplicas()) n.flags |= NodeFlag.MIGRATE_TO;
    this.slots[slot] = n;
    return true;
  }

  private mastersHaveReplicas(): boolean {
    for (const n of this.nodes.values()) if (!n.isReplica && n.replicas.length !== 0) return true;
    return false;
  }

  delSlot(slot: number): boolean {
    const n = this.slots[slot];
    if (n === null) return false;
    // Shard channel subscribers of a slot this node's shard stops serving are dropped, on the
    // master and on its replicas (Redis 7.0).
    if (this.servesWith(n)) this.host.dropShardChannelsOfSlot(slot);
    n.clearSlot(slot);
    this.slots[slot] = null;
    return true;
  }

  /** Whether this node is n, or in n's shard (n's master, or a replica of the same master). */
  private servesWith(n: ClusterNode): boolean {
    const me = this.myself;
    if (me === n) return true;
    const master = n.isMaster ? n : n.replicaOf;
    return master !== null && (me === master || me.replicaOf === master);
  }

  delNodeSlots(n: ClusterNode): number {
    let deleted = 0;
    for (let j = 0; j < CLUSTER_SLOTS; j++) {
      if (n.hasSlot(j)) {
        this.delSlot(j);
        deleted++;
      }
    }
    return deleted;
  }

  closeAllSlots(): void {
    this.migratingTo.fill(null);
    this.importingFrom.fill(null);
  }

  // ---- epochs --------------------------------------------------------------------------------

  maxEpoch(): number {
    let max = this.currentEpoch;
    for (const n of this.nodes.values()) if (n.configEpoch > max) max = n.configEpoch;
    return max;
  }

  /** A new config epoch without agreement; false when ours is already the unique maximum. */
  bumpEpochWithoutConsensus(): boolean {
    const max = this.maxEpoch();
    if (this.myself.configEpoch === 0 || this.myself.configEpoch !== max) {
      this.currentEpoch++;
      this.myself.configEpoch = this.currentEpoch;
      this.todo(true, false);
      this.host.log('warning', `New configEpoch set to ${this.myself.configEpoch}`);
      return true;
    }
    return false;
  }

  /**
   * Two masters with the same config epoch: the one with the lexicographically smaller name
   * takes a new epoch, so every master ends up with a distinct one.
   */
  handleEpochCollision(sender: ClusterNode): void {
    const me = this.myself;
    if (sender.configEpoch !== me.configEpoch || !sender.isMaster || !me.isMaster) return;
    if (sender.name <= me.name) return;
    this.currentEpoch++;
    me.configEpoch = this.currentEpoch;
    this.saveConfig();
    this.host.log('verbose', `WARNING: configEpoch collision with node ${sender.name}. configEpoch set to ${me.configEpoch}`);
  }

  // ---- failure reports -----------------------------------------------------------------------

  private cleanupFailReports(n: ClusterNode): void {
    const maxAge = this.nodeTimeout() * 2;
    const now = this.host.now();
    for (const [from, t] of n.failReports) if (now - t > maxAge) n.failReports.delete(from);
  }

  addFailReport(failing: ClusterNode, sender: ClusterNode): boolean {
    const had = failing.failReports.has(sender);
    failing.failReports.set(sender, this.host.now());
    return !had;
  }

  delFailReport(n: ClusterNode, sender: ClusterNode): boolean {
    this.cleanupFailReports(n);
    return n.failReports.delete(sender);
  }

  failReportCount(n: ClusterNode): number {
    this.cleanupFailReports(n);
    return n.failReports.size;
  }

  // ---- cluster health ------------------------------------------------------------------------

  /** Recomputes ok/fail: slot coverage (when required) and whether a majority of masters is reachable. */
  updateState(): void {
    this.pendingState = false;
    const now = this.host.now();
    if (this.firstUpdate === 0) this.firstUpdate = now;
    if (this.myself.isMaster && this.state === CLUSTER_FAIL && now - this.firstUpdate < this.writableDelay) return;
    let next = CLUSTER_OK;
    if (this.host.config('cluster-require-full-coverage') === 'yes') {
      for (let j = 0; j < CLUSTER_SLOTS; j++) {
        const n = this.slots[j];
        if (n === null || n.flags & NodeFlag.FAIL) {
          next = CLUSTER_FAIL;
          break;
        }
      }
    }
    let reachable = 0;
    this.size = 0;
    for (const n of this.nodes.values()) {
      if (n.isMaster && n.numSlots !== 0) {
        this.size++;
        if ((n.flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) === 0) reachable++;
      }
    }
    if (reachable < Math.floor(this.size / 2) + 1) {
      next = CLUSTER_FAIL;
      this.amongMinorityTime = now;
    }
    if (next !== this.state) {
      const rejoin = Math.min(MAX_REJOIN_DELAY, Math.max(MIN_REJOIN_DELAY, this.nodeTimeout()));
      // A master back from a minority partition waits before taking writes again.
      if (next === CLUSTER_OK && this.myself.isMaster && now - this.amongMinorityTime < rejoin && this.amongMinorityTime !== 0 && this.writableDelay !== 0) return;
      this.host.log('warning', `Cluster state changed: ${next === CLUSTER_OK ? 'ok' : 'fail'}`);
      this.state = next;
    }
  }

  // ---- deferred work -------------------------------------------------------------------------

  /** Asks for nodes.conf to be saved and/or the state recomputed once the current event ends. */
  todo(save: boolean, state: boolean): void {
    if (save) this.pendingSave = true;
    if (state) this.pendingState = true;
    if (this.scheduled) return;
    this.scheduled = true;
    this.host.defer(() => this.beforeSleep());
  }

  /** A failover step is due at the end of this event (a vote arrived, an offset matched). */
  todoFailover(): void {
    this.failoverDue = true;
    this.todo(false, false);
  }

  /** Runs the due failover step; set by attach.ts (src/cluster/failover.ts). */
  failoverStep: (() => void) | null = null;

  beforeSleep(): void {
    this.scheduled = false;
    if (this.failoverDue) {
      this.failoverDue = false;
      this.failoverStep?.();
    }
    if (this.pendingState) this.updateState();
    if (this.pendingSave) this.saveConfig();
  }

  /** Writes nodes.conf now; false (and the reason in lastSaveError) on failure. */
  saveConfig(): boolean {
    this.pendingSave = false;
    try {
      this.host.writeConfig(this.configText());
      this.lastSaveError = null;
      return true;
    } catch (e) {
      this.lastSaveError = e instanceof Error ? e.message : String(e);
      this.host.log('warning', `Could not save the cluster config: ${this.lastSaveError}`);
      return false;
    }
  }

  /** nodes.conf: every node but those in handshake, then the epochs. */
  configText(): string {
    return this.describeNodes(NodeFlag.HANDSHAKE) + `vars currentEpoch ${this.currentEpoch} lastVoteEpoch ${this.lastVoteEpoch}\n`;
  }

  // ---- CLUSTER NODES -------------------------------------------------------------------------

  /** One CLUSTER NODES line per node (without those matching `filter` flags). */
  describeNodes(filter: number): string {
    const ranges = this.slotRanges();
    let out = '';
    for (const n of this.nodes.values()) {
      if (n.flags & filter) continue;
      out += this.describeNode(n, ranges.get(n) ?? []) + '\n';
    }
    return out;
  }

  describeNode(n: ClusterNode, ranges: [number, number][]): string {
    const addr = `${n.ip}:${n.port}@${n.cport}` + (n.hostname !== '' ? `,${n.hostname}` : '');
    const epoch = n.isReplica && n.replicaOf !== null ? n.replicaOf.configEpoch : n.configEpoch;
    const linkState = n.link !== null || n.flags & NodeFlag.MYSELF ? 'connected' : 'disconnected';
    let line = `${n.name} ${addr} ${flagsText(n.flags)} ${n.replicaOf !== null ? n.replicaOf.name : '-'} ${n.pingSent} ${n.pongReceived} ${epoch} ${linkState}`;
    for (const [a, b] of ranges) line += a === b ? ` ${a}` : ` ${a}-${b}`;
    if (n === this.myself) {
      for (let j = 0; j < CLUSTER_SLOTS; j++) {
        const to = this.migratingTo[j];
        const from = this.importingFrom[j];
        if (to !== null) line += ` [${j}->-${to.name}]`;
        else if (from !== null) line += ` [${j}-<-${from.name}]`;
      }
    }
    return line;
  }

  /** Each node's slots as [start, end] runs, in slot order. */
  slotRanges(): Map<ClusterNode, [number, number][]> {
    const out = new Map<ClusterNode, [number, number][]>();
    let start = 0;
    for (let j = 1; j <= CLUSTER_SLOTS; j++) {
      const n = this.slots[start];
      if (j < CLUSTER_SLOTS && this.slots[j] === n) continue;
      if (n !== null) {
        let list = out.get(n);
        if (list === undefined) out.set(n, (list = []));
        list.push([start, j - 1]);
      }
      start = j;
    }
    return out;
  }

  /** The endpoint clients are told to use for a node (cluster-preferred-endpoint-type). */
  preferredEndpoint(n: ClusterNode): string {
    switch (this.host.config('cluster-preferred-endpoint-type')) {
      case 'hostname':
        return n.hostname !== '' ? n.hostname : '?';
      case 'unknown-endpoint':
        return '';
      default:
        return n.ip;
    }
  }

  // ---- reset ---------------------------------------------------------------------------------

  /** CLUSTER RESET: forget every other node and every slot; hard also takes a new name and epoch 0. */
  reset(hard: boolean): void {
    const me = this.myself;
    if (me.isReplica) {
      // A replica forgets its master's data too (Redis's emptyData in clusterReset).
      this.setNodeAsMaster(me);
      this.host.stopReplicating();
      this.host.emptyData();
    }
    this.closeAllSlots();
    this.delNodeSlots(me);
    for (const n of [...this.nodes.values()]) if (n !== me) this.delNode(n);
    if (hard) {
      this.currentEpoch = 0;
      this.lastVoteEpoch = 0;
      me.configEpoch = 0;
      this.renameNode(me, randomNodeName());
    }
    this.todo(true, true);
    this.saveConfig();
    this.updateState();
  }

  /** PINGs built so far (a node goes in at most one gossip entry per PING) and cron runs. */
  pingRounds = 0;
  cronIteration = 0;

  // ---- replicas ------------------------------------------------------------------------------

  /** The replication offset of a node; ours is read live (Redis does not update its own entry). */
  offsetOf(n: ClusterNode): number {
    return n === this.myself ? this.host.replOffset() : n.replOffset;
  }

  /** Makes this node a replica of `n` (Redis's clusterSetMaster): role, shard, replication link. */
  setMyMaster(n: ClusterNode): void {
    const me = this.myself;
    if (me.isMaster) {
      me.flags &= ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO);
      me.flags |= NodeFlag.SLAVE;
      this.closeAllSlots();
    } else if (me.replicaOf !== null) me.replicaOf.removeReplica(me);
    me.replicaOf = n;
    n.addReplica(me);
    this.host.replicateFrom(n.ip, n.port);
    this.resetManualFailover();
    this.todo(true, true);
  }

  /** Ends a manual failover (done, aborted or timed out); a master lets its clients write again. */
  resetManualFailover(): void {
    if (this.mfReplica !== null) this.host.unpauseWrites();
    this.mfEnd = 0;
    this.mfCanStart = false;
    this.mfReplica = null;
    this.mfMasterOffset = -1;
  }

  /** Closes every link (the server stops). */
  shutdown(): void {
    for (const n of this.nodes.values()) {
      n.link?.close();
      n.link = null;
      n.inboundLink?.close();
      n.inboundLink = null;
    }
  }

  /** Every open link, outbound first per node (CLUSTER LINKS). */
  links(): BusLink[] {
    const out: BusLink[] = [];
    for (const n of this.nodes.values()) {
      if (n.link !== null) out.push(n.link);
      if (n.inboundLink !== null) out.push(n.inboundLink);
    }
    return out;
  }
}
