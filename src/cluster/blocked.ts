// Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK...) of a slot this node no longer serves
// are answered with a redirection instead of waiting forever (Redis's
// clusterRedirectBlockedClientIfNeeded, run for each blocked client by its clients cron).
import type { ServerContext } from '../engine/context';
import { keyBlockedClients, unblockWithError } from '../engine/blocking';
import { F } from '../commands/registry';
import { CLUSTER_FAIL } from './cluster';
import { CLUSTERDOWN, CLUSTERDOWN_UNBOUND, redirect } from './routing';
import { keyHashSlot } from './slots';

export function redirectBlockedClients(srv: ServerContext): void {
  const cs = srv.cluster;
  if (cs === null || srv.blocking.byClient.size === 0) return;
  for (const { client, key, cmd } of keyBlockedClients(srv)) {
    // Even with reads allowed while down: the write that would serve them may never come.
    if (cs.state === CLUSTER_FAIL) {
      unblockWithError(client, CLUSTERDOWN);
      continue;
    }
    const slot = keyHashSlot(key);
    let node = cs.slots[slot];
    const me = cs.myself;
    // A READONLY client may keep waiting on a replica of the slot's master.
    if (client.clusterReadonly && cmd !== null && !(cmd.flags & F.WRITE) && me.isReplica && me.replicaOf === node) node = me;
    if (node === me || cs.importingFrom[slot] !== null) continue;
    unblockWithError(client, node === null ? CLUSTERDOWN_UNBOUND : redirect(cs, 'MOVED', slot, node));
  }
}
