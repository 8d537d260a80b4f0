// Which node serves a command (Redis's getNodeByQuery): all its keys (or shard channels) must
// hash to one slot, that slot must be served by this node — or be open for migration in a way
// that lets this node answer — and the cluster must be up. Otherwise the client gets the error
// or redirection Redis gives, with the same texts. EXEC is checked over its whole queue.
import { F, type Command } from '../commands/registry';
import type { Client } from '../engine/client';
import { ReplyError, errorf } from '../errors';
import { CLUSTER_OK, type ClusterState } from './cluster';
import type { ClusterNode } from './node';
import { keyHashSlot } from './slots';

export const CROSSSLOT = errorf("CROSSSLOT Keys in request don't hash to the same slot");
export const TRYAGAIN = errorf('TRYAGAIN Multiple keys request during rehashing of slot');
export const CLUSTERDOWN = errorf('CLUSTERDOWN The cluster is down');
export const CLUSTERDOWN_RO = errorf('CLUSTERDOWN The cluster is down and only accepts read commands');
export const CLUSTERDOWN_UNBOUND = errorf('CLUSTERDOWN Hash slot not served');

const SHARD_PUBSUB = new Set(['ssubscribe', 'sunsubscribe', 'spublish']);

/** What routing decided: this node serves it (null), or the error to send. */
export type Route = ReplyError | null;

export function redirect(cs: ClusterState, kind: 'MOVED' | 'ASK', slot: number, n: ClusterNode): ReplyError {
  return errorf(`${kind} ${slot} ${cs.preferredEndpoint(n)}:${n.port}`);
}

/** Whether the client is inside MULTI once this command is done. */
function staysInMulti(c: Client, cmd: Command): boolean {
  if (c.multi === null) return cmd.name === 'multi';
  return cmd.name !== 'exec' && cmd.name !== 'discard';
}

/**
 * The routing check of the dispatcher, for a command about to run or be queued. Commands
 * without keys (and that are not EXEC) always run here. `asking` is the client's ASKING flag.
 */
export function routeCommand(cs: ClusterState, c: Client, cmd: Command, argv: string[], flags: number): Route {
  const asking = c.clusterAsking;
  c.askingInEffect = asking;
  // ASKING covers the next command only, or the whole transaction when that command is MULTI
  // (Redis clears it after each command unless the client is then inside MULTI).
  if (asking && cmd.name !== 'asking' && !staysInMulti(c, cmd)) c.clusterAsking = false;
  if (c.mustObey) return null;
  const isExec = cmd.name === 'exec' && cmd.parent === null;
  if (!isExec && cmd.first === 0 && cmd.getKeys === null) return null;
  if (isExec && c.multi === null) return null;

  const db = c.server.keyspace.dbs[0];
  const now = db.now();
  const isShard = SHARD_PUBSUB.has(cmd.name);
  let firstKey: string | null = null;
  let slot = 0;
  let n: ClusterNode | null = null;
  let migrating = false;
  let importing = false;
  let multipleKeys = false;
  let missing = 0;
  let existing = 0;
  let writes = (flags & F.WRITE) !== 0;

  const visit = (qcmd: Command, qargv: string[]): Route => {
    for (const pos of qcmd.keyPositions(qargv)) {
      const key = qargv[pos];
      const keySlot = keyHashSlot(key);
      if (firstKey === null) {
        firstKey = key;
        slot = keySlot;
        n = cs.slots[slot];
        if (n === null) return CLUSTERDOWN_UNBOUND;
        if (n === cs.myself && cs.migratingTo[slot] !== null) migrating = true;
        else if (cs.importingFrom[slot] !== null) importing = true;
      } else if (key !== firstKey) {
        if (keySlot !== slot) return CROSSSLOT;
        multipleKeys = true;
      }
      // During a migration the answer depends on which of the keys are still here.
      if ((migrating || importing) && !isShard) {
        const when = db.expires.size !== 0 ? db.expires.get(key) : undefined;
        if (db.dict.has(key) && (when === undefined || when > now)) existing++;
        else missing++;
      }
    }
    return null;
  };

  if (isExec) {
    for (const q of c.multi!) {
      if (q.flags & F.WRITE) writes = true;
      const e = visit(q.cmd, q.argv);
      if (e !== null) return e;
    }
  } else {
    const e = visit(cmd, argv);
    if (e !== null) return e;
  }
  const node = n as ClusterNode | null;
  if (node === null) return null;

  if (cs.state !== CLUSTER_OK) {
    if (isShard) {
      if (cs.host.config('cluster-allow-pubsubshard-when-down') !== 'yes') return CLUSTERDOWN;
    } else if (cs.host.config('cluster-allow-reads-when-down') !== 'yes') return CLUSTERDOWN;
    else if (flags & F.WRITE) return CLUSTERDOWN_RO;
  }
  // MIGRATE runs on the node holding the keys whatever the slot's state.
  if ((migrating || importing) && cmd.name === 'migrate') return null;
  if (migrating && missing !== 0) {
    if (existing !== 0) return TRYAGAIN;
    return redirect(cs, 'ASK', slot, cs.migratingTo[slot]!);
  }
  if (importing && (asking || flags & F.ASKING)) {
    if (multipleKeys && missing !== 0) return TRYAGAIN;
    return null;
  }
  // A replica answers reads about its master's slots for READONLY clients.
  const me = cs.myself;
  if ((c.clusterReadonly || isShard) && !writes && me.isReplica && me.replicaOf === node) return null;
  if (node !== me) return redirect(cs, 'MOVED', slot, node);
  return null;
}
