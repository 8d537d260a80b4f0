// A ClusterHost with a hand-driven clock and a config map, for tests of the cluster logic on a
// ClusterState built by hand (no server, no sockets).
import type { ClusterHost } from '../../src/cluster/cluster';

export interface FakeHost {
  host: ClusterHost;
  config: Map<string, string>;
  /** Addresses the node was told to replicate from, in order. */
  replicated: string[];
  /** Lines logged, as "level: line". */
  logged: string[];
  advance(ms: number): void;
}

export function fakeClusterHost(overrides: Record<string, string> = {}): FakeHost {
  let now = 1_000_000;
  const config = new Map(
    Object.entries({
      'cluster-allow-replica-migration': 'yes',
      'cluster-migration-barrier': '1',
      'cluster-node-timeout': '15000',
      'cluster-require-full-coverage': 'no',
      'cluster-announce-ip': '',
      'cluster-announce-hostname': '',
      'cluster-announce-port': '0',
      'cluster-announce-bus-port': '0',
      'cluster-port': '0',
      'cluster-link-sendbuf-limit': '0',
      'cluster-replica-no-failover': 'no',
      ...overrides,
    }),
  );
  const replicated: string[] = [];
  const logged: string[] = [];
  const host: ClusterHost = {
    now: () => now,
    config: (k) => config.get(k) ?? '',
    port: () => 7000,
    log: (level, line) => void logged.push(`${level}: ${line}`),
    dbSize: () => 0,
    deleteKeysInSlot: () => 0,
    publishLocal: () => {},
    dropShardChannelsOfSlot: () => {},
    replOffset: () => 0,
    replicateFrom: (ip, port) => void replicated.push(`${ip}:${port}`),
    stopReplicating: () => {},
    emptyData: () => {},
    replicating: () => true,
    masterDataAge: () => 0,
    pauseWrites: () => {},
    unpauseWrites: () => {},
    writeConfig: () => {},
    defer: () => {},
  };
  return { host, config, replicated, logged, advance: (ms) => void (now += ms) };
}
