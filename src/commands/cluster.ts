// CLUSTER and the cluster-mode connection commands (ASKING, READONLY, READWRITE). Replies and
// error texts follow Redis 7.0's clusterCommand. Outside cluster mode every one of them answers
// "This instance has cluster support disabled", as Redis does.
import type { Client } from '../engine/client';
import { ReplyError, SYNTAX, errorf, subcommandSyntax, wrongArity } from '../errors';
import { MapReply, OK, Reply, SimpleString, VerbatimReply } from '../resp/reply';
import { CommandDef } from './registry';
import { int64Arg } from './args';
import { CLUSTER_OK, ClusterState } from '../cluster/cluster';
import { ClusterNode } from '../cluster/node';
import { CLUSTER_SLOTS, keyHashSlot } from '../cluster/slots';
import { MSG_TYPE_COUNT, MSG_TYPE_NAMES } from '../cluster/message';
import { MF_TIMEOUT, broadcastPong, sendMFStart, startHandshake } from '../cluster/bus';
import { replaceMyMaster } from '../cluster/failover';

const DISABLED = errorf('ERR This instance has cluster support disabled');

function clusterOf(c: Client): ClusterState {
  const cs = c.server.cluster;
  if (cs === null) throw DISABLED;
  return cs;
}

/** A CLUSTER handler that first requires cluster mode. */
function on(fn: (cs: ClusterState, c: Client, argv: string[]) => Reply): (c: Client, argv: string[]) => Reply {
  return (c, argv) => fn(clusterOf(c), c, argv);
}

const INVALID_SLOT = errorf('ERR Invalid or out of range slot');

function slotArg(s: string): number {
  let v: number | bigint;
  try {
    v = int64Arg(s);
  } catch {
    throw INVALID_SLOT;
  }
  if (typeof v === 'bigint' || v < 0 || v >= CLUSTER_SLOTS) throw INVALID_SLOT;
  return v;
}

function nodeArg(cs: ClusterState, name: string, err: (n: string) => ReplyError): ClusterNode {
  const n = cs.lookup(name);
  if (n === undefined) throw err(name);
  return n;
}
const unknownNode = (n: string) => errorf(`ERR Unknown node ${n}`);

// ---- slot assignment ---------------------------------------------------------------------------

/** Checks a run of slots for ADDSLOTS/DELSLOTS(RANGE); marks them in `seen`. */
function checkSlots(cs: ClusterState, seen: Uint8Array, del: boolean, from: number, to: number): void {
  for (let s = from; s <= to; s++) {
    if (del && cs.slots[s] === null) throw errorf(`ERR Slot ${s} is already unassigned`);
    if (!del && cs.slots[s] !== null) throw errorf(`ERR Slot ${s} is already busy`);
    if (seen[s]++ === 1) throw errorf(`ERR Slot ${s} specified multiple times`);
  }
}

function applySlots(cs: ClusterState, seen: Uint8Array, del: boolean): void {
  for (let s = 0; s < CLUSTER_SLOTS; s++) {
    if (!seen[s]) continue;
    // Owning a slot ends importing it.
    cs.importingFrom[s] = null;
    if (del) cs.delSlot(s);
    else cs.addSlot(cs.myself, s);
  }
  cs.todo(true, true);
}

function addOrDelSlots(del: boolean) {
  return on((cs, _c, argv) => {
    for (let j = 2; j < argv.length; j++) slotArg(argv[j]);
    const seen = new Uint8Array(CLUSTER_SLOTS);
    for (let j = 2; j < argv.length; j++) {
      const s = slotArg(argv[j]);
      checkSlots(cs, seen, del, s, s);
    }
    applySlots(cs, seen, del);
    return OK;
  });
}

function addOrDelSlotsRange(del: boolean) {
  return on((cs, c, argv) => {
    if (argv.length % 2 === 1) return wrongArity(`cluster|${del ? 'delslotsrange' : 'addslotsrange'}`);
    const seen = new Uint8Array(CLUSTER_SLOTS);
    for (let j = 2; j < argv.length; j += 2) {
      const from = slotArg(argv[j]);
      const to = slotArg(argv[j + 1]);
      if (from > to) return errorf(`ERR start slot number ${from} is greater than end slot number ${to}`);
      checkSlots(cs, seen, del, from, to);
    }
    void c;
    applySlots(cs, seen, del);
    return OK;
  });
}

function setslot(cs: ClusterState, _c: Client, argv: string[]): Reply {
  const me = cs.myself;
  if (me.isReplica) return errorf('ERR Please use SETSLOT only with masters.');
  const slot = slotArg(argv[2]);
  const action = argv[3].toLowerCase();
  if (action === 'migrating' && argv.length === 5) {
    if (cs.slots[slot] !== me) return errorf(`ERR I'm not the owner of hash slot ${slot}`);
    const n = nodeArg(cs, argv[4], (x) => errorf(`ERR I don't know about node ${x}`));
    if (n.isReplica) return errorf('ERR Target node is not a master');
    cs.migratingTo[slot] = n;
  } else if (action === 'importing' && argv.length === 5) {
    if (cs.slots[slot] === me) return errorf(`ERR I'm already the owner of hash slot ${slot}`);
    const n = nodeArg(cs, argv[4], (x) => errorf(`ERR I don't know about node ${x}`));
    if (n.isReplica) return errorf('ERR Target node is not a master');
    cs.importingFrom[slot] = n;
  } else if (action === 'stable' && argv.length === 4) {
    cs.importingFrom[slot] = null;
    cs.migratingTo[slot] = null;
  } else if (action === 'node' && argv.length === 5) {
    const n = nodeArg(cs, argv[4], unknownNode);
    if (n.isReplica) return errorf('ERR Target node is not a master');
    const keys = cs.slotKeys.count(slot);
    if (cs.slots[slot] === me && n !== me && keys !== 0) {
      return errorf(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
    }
    if (keys === 0 && cs.migratingTo[slot] !== null) cs.migratingTo[slot] = null;
    const wasMine = cs.slots[slot] === me;
    cs.delSlot(slot);
    cs.addSlot(n, slot);
    if (wasMine && n !== me && me.numSlots === 0 && cs.host.config('cluster-allow-replica-migration') === 'yes') {
      cs.host.log('warning', `Configuration change detected. Reconfiguring myself as a replica of ${n.name}`);
      cs.setMyMaster(n);
    }
    if (n === me && cs.importingFrom[slot] !== null) {
      // A slot migrated by hand: a new epoch makes this node's claim win everywhere.
      if (cs.bumpEpochWithoutConsensus()) cs.host.log('warning', `configEpoch updated after importing slot ${slot}`);
      cs.importingFrom[slot] = null;
      broadcastPong(cs);
    }
  } else {
    return errorf('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
  }
  cs.todo(true, true);
  return OK;
}

// ---- reports -----------------------------------------------------------------------------------

function info(cs: ClusterState): Reply {
  let assigned = 0;
  let ok = 0;
  let pfail = 0;
  let fail = 0;
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    const n = cs.slots[j];
    if (n === null) continue;
    assigned++;
    if (n.failed) fail++;
    else if (n.timedOut) pfail++;
    else ok++;
  }
  const me = cs.myself;
  const myEpoch = me.isReplica && me.replicaOf !== null ? me.replicaOf.configEpoch : me.configEpoch;
  let s =
    `cluster_state:${cs.state === CLUSTER_OK ? 'ok' : 'fail'}\r\n` +
    `cluster_slots_assigned:${assigned}\r\n` +
    `cluster_slots_ok:${ok}\r\n` +
    `cluster_slots_pfail:${pfail}\r\n` +
    `cluster_slots_fail:${fail}\r\n` +
    `cluster_known_nodes:${cs.nodes.size}\r\n` +
    `cluster_size:${cs.size}\r\n` +
    `cluster_current_epoch:${cs.currentEpoch}\r\n` +
    `cluster_my_epoch:${myEpoch}\r\n`;
  let sent = 0;
  for (let i = 0; i < MSG_TYPE_COUNT; i++) {
    if (cs.statsSent[i] === 0) continue;
    sent += cs.statsSent[i];
    s += `cluster_stats_messages_${MSG_TYPE_NAMES[i]}_sent:${cs.statsSent[i]}\r\n`;
  }
  s += `cluster_stats_messages_sent:${sent}\r\n`;
  let received = 0;
  for (let i = 0; i < MSG_TYPE_COUNT; i++) {
    if (cs.statsReceived[i] === 0) continue;
    received += cs.statsReceived[i];
    s += `cluster_stats_messages_${MSG_TYPE_NAMES[i]}_received:${cs.statsReceived[i]}\r\n`;
  }
  s += `cluster_stats_messages_received:${received}\r\n`;
  s += `total_cluster_links_buffer_limit_exceeded:${cs.linksBufferLimitExceeded}\r\n`;
  return new VerbatimReply('txt', s);
}

/** A node in CLUSTER SLOTS: endpoint, port, id, and the other known endpoints as a map. */
function nodeEntry(cs: ClusterState, n: ClusterNode): Reply {
  const type = cs.host.config('cluster-preferred-endpoint-type');
  const endpoint: Reply = type === 'ip' ? n.ip : type === 'hostname' ? (n.hostname !== '' ? n.hostname : '?') : null;
  const extra: Reply[] = [];
  if (type !== 'ip') extra.push('ip', n.ip);
  if (type !== 'hostname' && n.hostname !== '') extra.push('hostname', n.hostname);
  return [endpoint, n.port, n.name, new MapReply(extra)];
}

/** Replicas listed for a slot range: not failed, and having synced something. */
function replicaAvailable(cs: ClusterState, n: ClusterNode): boolean {
  return !n.failed && cs.offsetOf(n) !== 0;
}

function slots(cs: ClusterState): Reply {
  const out: Reply[] = [];
  let start = 0;
  for (let j = 1; j <= CLUSTER_SLOTS; j++) {
    const n = cs.slots[start];
    if (j < CLUSTER_SLOTS && cs.slots[j] === n) continue;
    if (n !== null) {
      const entry: Reply[] = [start, j - 1, nodeEntry(cs, n)];
      for (const r of n.replicas) if (replicaAvailable(cs, r)) entry.push(nodeEntry(cs, r));
      out.push(entry);
    }
    start = j;
  }
  return out;
}

function shardNode(cs: ClusterState, n: ClusterNode): Reply {
  const flat: Reply[] = ['id', n.name];
  if (n.port !== 0) flat.push('port', n.port);
  flat.push('ip', n.ip, 'endpoint', cs.preferredEndpoint(n));
  if (n.hostname !== '') flat.push('hostname', n.hostname);
  const offset = cs.offsetOf(n);
  flat.push('role', n.isReplica ? 'replica' : 'master', 'replication-offset', offset);
  flat.push('health', n.failed ? 'fail' : n.isReplica && offset === 0 ? 'loading' : 'online');
  return new MapReply(flat);
}

function shards(cs: ClusterState): Reply {
  const ranges = cs.slotRanges();
  const out: Reply[] = [];
  for (const n of cs.nodes.values()) {
    if (!n.isMaster) continue;
    const flatRanges: Reply[] = [];
    for (const [a, b] of ranges.get(n) ?? []) flatRanges.push(a, b);
    const members = [n, ...n.replicas];
    out.push(new MapReply(['slots', flatRanges, 'nodes', members.map((m) => shardNode(cs, m))]));
  }
  return out;
}

function links(cs: ClusterState): Reply {
  return cs.links().map(
    (l) =>
      new MapReply([
        'direction',
        l.inbound ? 'from' : 'to',
        'node',
        l.node!.name,
        'create-time',
        l.ctime,
        'events',
        l.inbound ? 'r' : l.pendingBytes() > 0 ? 'rw' : 'r',
        'send-buffer-allocated',
        l.pendingBytes(),
        'send-buffer-used',
        l.pendingBytes(),
      ]),
  );
}

function meet(cs: ClusterState, _c: Client, argv: string[]): Reply {
  // Redis matches MEET only with 4 or 5 arguments: more fall through to the unknown-subcommand error.
  if (argv.length > 5) return subcommandSyntax('CLUSTER', argv[1]);
  let port: number | bigint;
  let cport: number | bigint;
  try {
    port = int64Arg(argv[3]);
  } catch {
    return errorf(`ERR Invalid TCP base port specified: ${argv[3]}`);
  }
  if (argv.length === 5) {
    try {
      cport = int64Arg(argv[4]);
    } catch {
      return errorf(`ERR Invalid TCP bus port specified: ${argv[4]}`);
    }
  } else cport = Number(port) + 10000;
  const r = startHandshake(cs, argv[2], Number(port), Number(cport));
  if (r === 'invalid') return errorf(`ERR Invalid node address specified: ${argv[2]}:${argv[3]}`);
  return OK;
}

function forget(cs: ClusterState, _c: Client, argv: string[]): Reply {
  const n = nodeArg(cs, argv[2], unknownNode);
  const me = cs.myself;
  if (n === me) return errorf("ERR I tried hard but I can't forget myself...");
  if (me.isReplica && me.replicaOf === n) return errorf("ERR Can't forget my master!");
  cs.blacklistAdd(n);
  cs.delNode(n);
  cs.todo(true, true);
  return OK;
}

function replicas(cs: ClusterState, _c: Client, argv: string[]): Reply {
  const n = nodeArg(cs, argv[2], unknownNode);
  if (n.isReplica) return errorf('ERR The specified node is not a master');
  return n.replicas.map((r) => cs.describeNode(r, []) + '\n');
}

function replicate(cs: ClusterState, c: Client, argv: string[]): Reply {
  const n = nodeArg(cs, argv[2], unknownNode);
  const me = cs.myself;
  if (n === me) return errorf("ERR Can't replicate myself");
  if (n.isReplica) return errorf('ERR I can only replicate a master, not a replica.');
  if (me.isMaster && (me.numSlots !== 0 || c.server.keyspace.dbs[0].size !== 0)) return errorf('ERR To set a master the node must be empty and without assigned slots.');
  cs.setMyMaster(n);
  return OK;
}

function failover(cs: ClusterState, _c: Client, argv: string[]): Reply {
  if (argv.length > 3) return subcommandSyntax('CLUSTER', argv[1]);
  let force = false;
  let takeover = false;
  if (argv.length === 3) {
    const opt = argv[2].toLowerCase();
    if (opt === 'force') force = true;
    else if (opt === 'takeover') takeover = force = true;
    else return SYNTAX;
  }
  const me = cs.myself;
  const master = me.replicaOf;
  if (me.isMaster) return errorf('ERR You should send CLUSTER FAILOVER to a replica');
  if (master === null) return errorf("ERR I'm a replica but my master is unknown to me");
  if (!force && (master.failed || master.link === null)) return errorf('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
  cs.resetManualFailover();
  cs.mfEnd = cs.host.now() + MF_TIMEOUT;
  if (takeover) {
    // No agreement: a new epoch of our own, the slots, and the news to everyone.
    cs.host.log('warning', 'Taking over the master (user request).');
    cs.bumpEpochWithoutConsensus();
    replaceMyMaster(cs);
  } else if (force) {
    cs.host.log('warning', 'Forced failover user request accepted.');
    cs.mfCanStart = true;
  } else {
    cs.host.log('warning', 'Manual failover user request accepted.');
    sendMFStart(cs, master);
  }
  return OK;
}

function countkeysinslot(cs: ClusterState, _c: Client, argv: string[]): Reply {
  const slot = int64Arg(argv[2]);
  if (typeof slot === 'bigint' || slot < 0 || slot >= CLUSTER_SLOTS) return errorf('ERR Invalid slot');
  return cs.slotKeys.count(slot);
}

function getkeysinslot(cs: ClusterState, _c: Client, argv: string[]): Reply {
  const slot = int64Arg(argv[2]);
  const max = int64Arg(argv[3]);
  if (typeof slot === 'bigint' || slot < 0 || slot >= CLUSTER_SLOTS || max < 0) return errorf('ERR Invalid slot or number of keys');
  return cs.slotKeys.keys(slot, Number(max));
}

function setConfigEpoch(cs: ClusterState, _c: Client, argv: string[]): Reply {
  const v = int64Arg(argv[2]);
  const epoch = Number(v);
  if (epoch < 0) return errorf(`ERR Invalid config epoch specified: ${v}`);
  if (cs.nodes.size > 1) return errorf('ERR The user can assign a config epoch only when the node does not know any other node.');
  if (cs.myself.configEpoch !== 0) return errorf('ERR Node config epoch is already non-zero');
  cs.myself.configEpoch = epoch;
  cs.host.log('warning', `configEpoch set to ${epoch} via CLUSTER SET-CONFIG-EPOCH`);
  if (cs.currentEpoch < epoch) cs.currentEpoch = epoch;
  cs.todo(true, true);
  return OK;
}

function reset(cs: ClusterState, c: Client, argv: string[]): Reply {
  if (argv.length > 3) return subcommandSyntax('CLUSTER', argv[1]);
  let hard = false;
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === 'hard') hard = true;
    else if (argv[2].toLowerCase() !== 'soft') return SYNTAX;
  }
  if (cs.myself.isMaster && c.db.size !== 0) return errorf("ERR CLUSTER RESET can't be called with master nodes containing keys");
  cs.reset(hard);
  return OK;
}

const HELP = [
  'CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ADDSLOTS <slot> [<slot> ...]',
  '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH',
  '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>',
  '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>',
  '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]',
  '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]',
  '    Promote current replica node to being a master.',
  'FORGET <node-id>',
  '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>',
  '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS',
  '    Delete current node own slots information.',
  'INFO',
  '    Return information about the cluster.',
  'KEYSLOT <key>',
  '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]',
  '    Connect nodes into a working cluster.',
  'MYID',
  '    Return the node id.',
  'NODES',
  '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>',
  '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]',
  '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>',
  '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
  '    Set slot state.',
  'REPLICAS <node-id>',
  '    Return <node-id> replicas.',
  'SAVECONFIG',
  '    Force saving cluster configuration on disk.',
  'SLOTS',
  '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS',
  '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS',
  '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

const ADMIN = 'admin stale no_async_loading';
const ACL = '@admin @dangerous';

export const clusterCommands: CommandDef[] = [
  {
    name: 'cluster',
    summary: 'Cluster membership, slot assignment and state (cluster mode).',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'addslots', summary: 'Assigns slots to this node.', arity: -3, flags: ADMIN, acl: ACL, handler: addOrDelSlots(false) },
      { name: 'addslotsrange', summary: 'Assigns ranges of slots to this node.', arity: -4, flags: ADMIN, acl: ACL, handler: addOrDelSlotsRange(false) },
      { name: 'bumpepoch', summary: 'Takes a new config epoch for this node.', arity: 2, flags: ADMIN, acl: ACL, handler: on((cs) => new SimpleString(`${cs.bumpEpochWithoutConsensus() ? 'BUMPED' : 'STILL'} ${cs.myself.configEpoch}`)) },
      {
        name: 'count-failure-reports',
        summary: 'Number of live failure reports about a node.',
        arity: 3,
        flags: 'admin stale',
        acl: ACL,
        handler: on((cs, _c, argv) => cs.failReportCount(nodeArg(cs, argv[2], unknownNode))),
      },
      { name: 'countkeysinslot', summary: 'Number of keys in a slot.', arity: 3, flags: 'stale', handler: on(countkeysinslot) },
      { name: 'delslots', summary: 'Unassigns slots from this node.', arity: -3, flags: ADMIN, acl: ACL, handler: addOrDelSlots(true) },
      { name: 'delslotsrange', summary: 'Unassigns ranges of slots from this node.', arity: -4, flags: ADMIN, acl: ACL, handler: addOrDelSlotsRange(true) },
      {
        name: 'flushslots',
        summary: 'Unassigns every slot of this node.',
        arity: 2,
        flags: ADMIN,
        acl: ACL,
        handler: on((cs, c) => {
          if (c.server.keyspace.dbs[0].size !== 0) return errorf('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
          cs.delNodeSlots(cs.myself);
          cs.todo(true, true);
          return OK;
        }),
      },
      { name: 'failover', summary: 'Promotes this replica in place of its master.', arity: -2, flags: ADMIN, acl: ACL, handler: on(failover) },
      { name: 'forget', summary: 'Removes a node from the node table.', arity: 3, flags: ADMIN, acl: ACL, handler: on(forget) },
      { name: 'getkeysinslot', summary: 'Key names in a slot.', arity: 4, flags: 'stale', handler: on(getkeysinslot) },
      { name: 'help', summary: 'Lists the CLUSTER subcommands.', arity: 2, flags: 'loading stale', handler: on(() => HELP) },
      { name: 'info', summary: 'Cluster state and bus statistics.', arity: 2, flags: 'stale', handler: on(info) },
      { name: 'keyslot', summary: 'The hash slot of a key.', arity: 3, flags: 'stale', handler: on((_cs, _c, argv) => keyHashSlot(argv[2])) },
      { name: 'links', summary: 'The bus links of this node.', arity: 2, flags: 'stale', handler: on(links) },
      { name: 'meet', summary: 'Joins another node into this cluster.', arity: -4, flags: ADMIN, acl: ACL, handler: on(meet) },
      { name: 'myid', summary: "This node's ID.", arity: 2, flags: 'stale', handler: on((cs) => cs.myself.name) },
      { name: 'nodes', summary: "The cluster's configuration as this node sees it.", arity: 2, flags: 'stale', handler: on((cs) => new VerbatimReply('txt', cs.describeNodes(0))) },
      { name: 'replicate', summary: 'Makes this node a replica of a master.', arity: 3, flags: ADMIN, acl: ACL, handler: on(replicate) },
      { name: 'replicas', summary: 'The replicas of a master.', arity: 3, flags: 'admin stale', acl: ACL, handler: on(replicas) },
      { name: 'reset', summary: 'Forgets the cluster (soft) and takes a new identity (hard).', arity: -2, flags: 'admin noscript stale', acl: ACL, handler: on(reset) },
      {
        name: 'saveconfig',
        summary: 'Writes nodes.conf now.',
        arity: 2,
        flags: ADMIN,
        acl: ACL,
        handler: on((cs) => (cs.saveConfig() ? OK : errorf(`ERR error saving the cluster node config: ${cs.lastSaveError}`))),
      },
      { name: 'set-config-epoch', summary: "Sets a fresh node's config epoch.", arity: 3, flags: ADMIN, acl: ACL, handler: on(setConfigEpoch) },
      { name: 'setslot', summary: 'Migration state or owner of a slot.', arity: -4, flags: ADMIN, acl: ACL, handler: on(setslot) },
      { name: 'shards', summary: 'Slot ranges and the nodes of each shard.', arity: 2, flags: 'stale', handler: on(shards) },
      { name: 'slaves', summary: 'The replicas of a master (old name).', arity: 3, flags: 'admin stale', acl: ACL, handler: on(replicas) },
      { name: 'slots', summary: 'Slot ranges and the nodes serving them.', arity: 2, flags: 'stale', handler: on(slots) },
    ],
  },
  {
    name: 'asking',
    summary: 'Lets the next command use a slot being imported (after -ASK).',
    arity: 1,
    flags: 'fast',
    acl: '@connection',
    handler: (c) => {
      clusterOf(c);
      // Queued in a transaction it has no effect: Redis drops the flag once EXEC is done.
      if (!c.inExec) c.clusterAsking = true;
      return OK;
    },
  },
  {
    name: 'readonly',
    summary: "Lets a replica answer reads about its master's slots.",
    arity: 1,
    flags: 'loading stale fast',
    acl: '@connection',
    handler: (c) => {
      clusterOf(c);
      c.clusterReadonly = true;
      return OK;
    },
  },
  {
    name: 'readwrite',
    summary: 'Ends READONLY.',
    arity: 1,
    flags: 'loading stale fast',
    acl: '@connection',
    handler: (c) => {
      clusterOf(c);
      c.clusterReadonly = false;
      return OK;
    },
  },
];


