// Replica promotion (Redis 7.0's clusterHandleSlaveFailover and the manual failover machine).
// A replica whose master is FAIL waits 500-1000 ms plus one second per better-placed sibling
// (its rank by replication offset), takes a new currentEpoch and asks every master for a vote;
// with a majority of the masters serving slots it takes its master's slots under that epoch and
// tells everyone. CLUSTER FAILOVER runs the same election without waiting for FAIL: the master
// pauses writes (MFSTART), the replica catches up to the offset the master paused at, and the
// masters vote although the old master is alive (FORCEACK).
import type { ClusterState } from './cluster';
import { NodeFlag } from './node';
import { CLUSTER_SLOTS } from './slots';
import { broadcastPong, pongLocalReplicas, requestFailoverAuth } from './bus';

/** Other replicas of our master with a larger offset than ours (those that can fail over). */
export function replicaRank(cs: ClusterState): number {
  const master = cs.myself.replicaOf;
  if (master === null) return 0;
  const mine = cs.host.replOffset();
  let rank = 0;
  for (const r of master.replicas) {
    if (r !== cs.myself && !(r.flags & NodeFlag.NOFAILOVER) && r.replOffset > mine) rank++;
  }
  return rank;
}

/** The last step of every failover: this replica becomes the master of its master's slots. */
export function replaceMyMaster(cs: ClusterState): void {
  const me = cs.myself;
  const old = me.replicaOf;
  if (me.isMaster || old === null) return;
  cs.setNodeAsMaster(me);
  cs.host.stopReplicating();
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (!old.hasSlot(j)) continue;
    cs.delSlot(j);
    cs.addSlot(me, j);
  }
  cs.updateState();
  cs.saveConfig();
  broadcastPong(cs);
  cs.resetManualFailover();
}

/** The automatic (or manual, once it may start) election, run by the cron and when a vote arrives. */
export function handleReplicaFailover(cs: ClusterState): void {
  const me = cs.myself;
  const master = me.replicaOf;
  const now = cs.host.now();
  const timeout = cs.nodeTimeout();
  const manual = cs.mfEnd !== 0 && cs.mfCanStart;
  const authTimeout = Math.max(timeout * 2, 2000);
  const authRetry = authTimeout * 2;
  const authAge = now - cs.failoverAuthTime;
  const noFailover = cs.host.config('cluster-replica-no-failover') === 'yes';
  if (me.isMaster || master === null || (!master.failed && !manual) || (noFailover && !manual) || master.numSlots === 0) return;

  // Data too old (disconnected from the master for long): no automatic failover.
  let dataAge = cs.host.masterDataAge();
  if (dataAge > timeout) dataAge -= timeout;
  const factor = Number(cs.host.config('cluster-replica-validity-factor'));
  const pingPeriod = Number(cs.host.config('repl-ping-replica-period')) * 1000;
  if (factor !== 0 && dataAge > pingPeriod + timeout * factor && !manual) {
    logCantFailover(cs, 'Disconnected from master for longer than allowed. Please check the \'cluster-replica-validity-factor\' configuration option.');
    return;
  }

  if (authAge > authRetry) {
    // A new election: a fixed delay for the FAIL message to spread, a random one, and a second
    // per rank; none in a manual failover.
    cs.failoverAuthTime = now + 500 + Math.floor(Math.random() * 500);
    cs.failoverAuthCount = 0;
    cs.failoverAuthSent = false;
    cs.failoverAuthRank = replicaRank(cs);
    cs.failoverAuthTime += cs.failoverAuthRank * 1000;
    if (cs.mfEnd !== 0) {
      cs.failoverAuthTime = now;
      cs.failoverAuthRank = 0;
      cs.todoFailover();
    }
    cs.host.log('warning', `Start of election delayed for ${cs.failoverAuthTime - now} milliseconds (rank #${cs.failoverAuthRank}, offset ${cs.host.replOffset()}).`);
    pongLocalReplicas(cs);
    return;
  }
  // Siblings that reported a better offset since: a longer wait.
  if (!cs.failoverAuthSent && cs.mfEnd === 0) {
    const rank = replicaRank(cs);
    if (rank > cs.failoverAuthRank) {
      const added = (rank - cs.failoverAuthRank) * 1000;
      cs.failoverAuthTime += added;
      cs.failoverAuthRank = rank;
      cs.host.log('warning', `Replica rank updated to #${rank}, added ${added} milliseconds of delay.`);
    }
  }
  if (now < cs.failoverAuthTime) return;
  if (authAge > authTimeout) {
    logCantFailover(cs, 'Failover attempt expired.');
    return;
  }
  if (!cs.failoverAuthSent) {
    cs.currentEpoch++;
    cs.failoverAuthEpoch = cs.currentEpoch;
    cs.host.log('warning', `Starting a failover election for epoch ${cs.currentEpoch}.`);
    requestFailoverAuth(cs);
    cs.failoverAuthSent = true;
    cs.todo(true, true);
    return;
  }
  const quorum = Math.floor(cs.size / 2) + 1;
  if (cs.failoverAuthCount >= quorum) {
    cs.host.log('warning', "Failover election won: I'm the new master.");
    if (me.configEpoch < cs.failoverAuthEpoch) {
      me.configEpoch = cs.failoverAuthEpoch;
      cs.host.log('warning', `configEpoch set to ${me.configEpoch} after successful failover`);
    }
    replaceMyMaster(cs);
  } else logCantFailover(cs, 'Waiting for votes, but majority still not reached.');
}

/** Redis logs why a replica cannot fail over only when its master has been down for a while. */
function logCantFailover(cs: ClusterState, why: string): void {
  const master = cs.myself.replicaOf;
  if (master !== null && master.failed && cs.host.now() - master.failTime < cs.nodeTimeout() + 5000) return;
  if (cs.lastCantFailover === why && cs.host.now() - cs.lastCantFailoverLog < 10_000) return;
  cs.lastCantFailover = why;
  cs.lastCantFailoverLog = cs.host.now();
  cs.host.log('warning', `Currently unable to failover: ${why}`);
}

/** Manual failover, replica side: once our offset reaches the paused master's, the election may start. */
export function handleManualFailover(cs: ClusterState): void {
  if (cs.mfEnd === 0 || cs.mfCanStart || cs.mfMasterOffset === -1) return;
  if (cs.mfMasterOffset === cs.host.replOffset()) {
    cs.mfCanStart = true;
    cs.host.log('warning', 'All master replication stream processed, manual failover can start.');
    cs.todoFailover();
  }
}

/** What the cron and the end of an event run on a replica. */
export function failoverStep(cs: ClusterState): void {
  if (!cs.myself.isReplica) return;
  handleManualFailover(cs);
  handleReplicaFailover(cs);
}
