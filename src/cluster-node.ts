// Composition of a cluster node: the cluster state (src/cluster) plus its bus listener
// (src/net/cluster-bus.ts), for a server started with cluster-enabled yes.
import type { Server } from './engine/server';
import { attachCluster } from './cluster/attach';
import { ClusterBus } from './net/cluster-bus';

/**
 * Makes the server a cluster node and listens on its bus port: cluster-port, else port + 10000.
 * A server on an ephemeral port (port 0) gets an ephemeral bus port too, announced as its
 * cluster-port. Resolves to the function that closes the bus.
 */
export async function startClusterNode(server: Server, bind: string[], ephemeralPort: boolean): Promise<() => Promise<void>> {
  const cs = attachCluster(server);
  const bus = new ClusterBus(cs);
  const port = server.config.int('port');
  const configured = server.config.int('cluster-port');
  const ephemeral = configured === 0 && (ephemeralPort || port + 10000 > 65535);
  const want = configured !== 0 ? configured : ephemeral ? 0 : port + 10000;
  try {
    const bound = await bus.listen(want, bind.length !== 0 ? bind : ['127.0.0.1']);
    if (want === 0) server.config.setRaw('cluster-port', String(bound));
  } catch (e) {
    cs.shutdown();
    server.cluster = null;
    throw e;
  }
  cs.transport = bus;
  cs.refreshMyself();
  return () => bus.close();
}
