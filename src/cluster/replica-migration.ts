// Replica migration (Redis 7.0's clusterHandleSlaveMigration): a master serving slots that is
// left without a working replica ("orphaned") gets one from a master that has the most working
// replicas, as long as that master keeps more than cluster-migration-barrier of them. Among the
// replicas of those best-served masters only the one with the smallest node ID moves, and only
// once the orphan has stayed orphaned for a while (the replicas of a failed-over master get time
// to announce their new master first).
import { CLUSTER_OK, type ClusterState } from './cluster';
import { type ClusterNode, NodeFlag } from './node';

/** How long a master must stay orphaned before a replica moves to it (CLUSTER_SLAVE_MIGRATION_DELAY). */
export const REPLICA_MIGRATION_DELAY = 5000;

/** Replicas of n not flagged FAIL. */
export function workingReplicas(n: ClusterNode): number {
  let ok = 0;
  for (const r of n.replicas) if (!r.failed) ok++;
  return ok;
}

/** The cron's part on a replica: is there an orphan, and are we among the replicas that may move? */
export function replicaMigrationStep(cs: ClusterState): void {
  const me = cs.myself;
  if (!me.isReplica || cs.host.config('cluster-allow-replica-migration') !== 'yes') return;
  let orphans = 0;
  let most = 0;
  let ours = 0;
  for (const n of cs.nodes.values()) {
    if (n.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR | NodeFlag.HANDSHAKE)) continue;
    if (!n.isMaster || n.failed) continue;
    const ok = workingReplicas(n);
    if (ok === 0 && n.numSlots > 0 && n.flags & NodeFlag.MIGRATE_TO) orphans++;
    if (ok > most) most = ok;
    if (me.replicaOf === n) ours = ok;
  }
  // A move only makes sense from a master with at least two working replicas.
  if (orphans !== 0 && most >= 2 && ours === most) migrateIfCandidate(cs, most);
}

function migrateIfCandidate(cs: ClusterState, most: number): void {
  const me = cs.myself;
  const mine = me.replicaOf;
  if (cs.state !== CLUSTER_OK || mine === null) return;
  // Our master keeps more than the barrier's number of replicas that are neither FAIL nor PFAIL.
  let left = 0;
  for (const r of mine.replicas) if (!r.failed && !r.timedOut) left++;
  if (left <= Number(cs.host.config('cluster-migration-barrier'))) return;

  const now = cs.host.now();
  let target: ClusterNode | null = null;
  let candidate: ClusterNode = me;
  for (const n of cs.nodes.values()) {
    const ok = n.isMaster ? workingReplicas(n) : 0;
    // Only masters that were meant to have replicas (MIGRATE_TO) are orphans.
    const orphan = !n.isReplica && !n.failed && (n.flags & NodeFlag.MIGRATE_TO) !== 0 && ok === 0;
    if (orphan) {
      if (target === null && n.numSlots > 0) target = n;
      if (n.orphanedTime === 0) n.orphanedTime = now;
    } else n.orphanedTime = 0;
    // The candidate: the smallest ID among the replicas of the best-served masters.
    if (ok === most) for (const r of n.replicas) if (r.name < candidate.name) candidate = r;
  }
  if (target === null || candidate !== me || now - target.orphanedTime <= REPLICA_MIGRATION_DELAY) return;
  cs.host.log('warning', `Migrating to orphaned master ${target.name}`);
  cs.setMyMaster(target);
}
