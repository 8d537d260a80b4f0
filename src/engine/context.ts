// What command handlers and the subsystems below the composition root see of a server
// (Client.server): its subsystems and the few shared counters and switches the dispatcher and
// handlers read. The concrete Server (engine/server.ts) implements it; the transport hooks, the
// cron timer and the lifecycle stay on the class, out of reach of the layers below it.
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { AclStore } from '../acl/store';
import type { ClusterState } from '../cluster/cluster';
import type { Registry } from '../commands/registry';
import type { Config, ConfigDef } from '../config/config';
import type { ReplyError } from '../errors';
import type { Clock } from '../keyspace/clock';
import type { Keyspace } from '../keyspace/keyspace';
import type { MasterLink } from '../net/master-link';
import type { MigrateSockets } from '../net/migrate-link';
import type { Persistence } from '../persistence/persistence';
import type { Propagator } from '../persistence/propagator';
import type { PubSubHub } from '../pubsub/hub';
import type { ReplicaGate } from '../replication/replica';
import type { Replication } from '../replication/replication';
import type { ScriptingState } from '../scripting/state';
import type { EvictionState } from '../keyspace/eviction';
import type { Tracking } from '../tracking/tracking';
import type { BlockingState } from './blocking';
import type { Client } from './client';
import type { ServerEvents } from './events';
import type { CommandExecutor } from './executor';
import type { LatencyMonitor } from './latency';
import type { Logger } from './logger';
import type { InfoState } from './info';
import type { ClientPause } from './pause';
import type { ReplyBufferSettings } from './reply-buffer';
import type { SlowLog } from './slowlog';
import type { WatchRegistry } from './watch';

/** An INFO section's fields, in order: printed as `name:value` lines. */
export type InfoFields = [string, string | number][];

/** What the server needs to know about a script that runs past busy-reply-threshold. */
export interface BusyScript {
  /** EVAL-family script (true) or a function (FCALL). */
  readonly isEval: boolean;
  /** The function's name, or the script's SHA1. */
  readonly name: string;
  /** The command that started it (FUNCTION STATS). */
  readonly argv: string[];
  /** performance.now() when it started. */
  readonly startedAt: number;
  /** True once it ran a write command: SCRIPT KILL refuses then. */
  wrote(): boolean;
  /** Stops it; its caller gets the "killed" error. */
  kill(): void;
}

/**
 * A SCRIPT DEBUG SYNC session: like Redis, which is blocked while it waits for the debugging
 * client, the server runs no other client's command until it ends; those are held, in order.
 */
export interface DebugHold {
  /** The debugging client. */
  readonly owner: Client;
  /** Clients whose commands wait for the session to end (their `postponed` queues). */
  readonly held: Set<Client>;
}

export interface ServerStats {
  startTime: number;
  totalConnections: number;
  rejectedConnections: number;
  /** Clients closed by maxmemory-clients (INFO evicted_clients). */
  evictedClients: number;
  totalCommands: number;
  netInputBytes: number;
  netOutputBytes: number;
  totalErrorReplies: number;
  errorCodes: Map<string, number>;
  unexpectedErrorReplies: number;
  /** Payloads and blobs deep-checked (sanitize-dump-payload). */
  dumpPayloadSanitizations: number;
  /**
   * Background saves and AOF rewrites started (INFO total_forks): the jobs redis-server forks a
   * child for, which respite runs in-process over a snapshot.
   */
  backgroundJobs: number;
}

/** Server.listenChange bits. */
export const enum ListenChange {
  Port = 1,
  Bind = 2,
  TlsPort = 4,
}

/** What the TLS transport (src/net/tls-listener.ts) offers the rest of the server. */
export interface TlsControl {
  /** Whether TLS settings were built (the tls-* parameters were usable once). */
  readonly configured: boolean;
  /**
   * Rebuilds the TLS settings from the tls-* parameters (only when there are none yet, if
   * asked). On failure the reason is logged, the previous settings stay, and the CONFIG SET
   * error text is returned.
   */
  configure(onlyIfUnconfigured?: boolean): string | null;
  /** TLS options for connections respite opens (replication, MIGRATE), null before configure(). */
  clientOptions(): TlsConnectionOptions | null;
}

/** The server as handlers see it; field meanings are documented on engine/server.ts. */
export interface ServerContext {
  // ---- subsystems, each owned by this server ----
  readonly config: Config;
  readonly clock: Clock;
  readonly keyspace: Keyspace;
  readonly registry: Registry;
  readonly events: ServerEvents;
  readonly log: Logger;
  readonly acl: AclStore;
  readonly watches: WatchRegistry;
  readonly pubsub: PubSubHub;
  readonly tracking: Tracking;
  readonly blocking: BlockingState;
  readonly propagator: Propagator;
  readonly persistence: Persistence;
  readonly replication: Replication;
  readonly scripting: ScriptingState;
  readonly eviction: EvictionState;
  readonly replyBuffers: ReplyBufferSettings;
  readonly info: InfoState;
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly exec: CommandExecutor;
  readonly clients: Map<number, Client>;
  readonly monitors: Set<Client>;
  cluster: ClusterState | null;
  // ---- clients ----
  nextClientId: number;
  maxClients: number;
  authRequired(): boolean;
  addClient(c: Client): void;
  removeClient(c: Client): void;
  markPendingOutput(c: Client): void;
  // ---- statistics and state the dispatcher and INFO read ----
  stats: ServerStats;
  freshStats(): ServerStats;
  lastSave: number;
  readonly runId: string;
  uptimeSeconds(): number;
  holdReplies: boolean;
  latencyTracking: boolean;
  clientPause: ClientPause | null;
  busyScript: BusyScript | null;
  debugHold: DebugHold | null;
  callDepth: number;
  propagations: number;
  forcePropagation: boolean;
  batchClock: number;
  loading: boolean;
  asyncLoading: boolean;
  diskError: ReplyError | null;
  shuttingDown: boolean;
  replicaGate: ReplicaGate | null;
  // ---- cached config values ----
  protoMaxBulkLen: number;
  maxmemory: number;
  minReplicasToWrite: number;
  minReplicasMaxLag: number;
  requirePass: string | null;
  quicklistPackedThreshold: number;
  pauseCron: boolean;
  configFile: string | null;
  applyOne(def: ConfigDef, v: string): string | void;
  /** Picks up a new hz. */
  restartCron(): void;
  // ---- what the root wires in: transport, lifecycle, other in-process servers ----
  boundPort: number;
  supervised: 'no' | 'upstart' | 'systemd';
  listenChange: number;
  relisten: ((change: number) => Promise<void>) | null;
  tls: TlsControl | null;
  onShutdown: (() => void) | null;
  /**
   * DEBUG RESTART / CRASH-AND-RECOVER: set by the CLI, which owns the process. Returns null when
   * the restart is under way, else why it cannot happen (logged; the client gets Redis's error).
   */
  onRestart: ((graceful: boolean, delayMs: number) => string | null) | null;
  /** Memory of TCP clients (net/client-memory.ts), when the server has sockets. */
  clientMemory: { refreshLimit(): void } | null;
  /** The replica's socket to its master (net/master-link.ts). */
  readonly MasterLink: typeof MasterLink;
  /** MIGRATE's cached connections to other servers (net/migrate-link.ts). */
  readonly migrateSockets: MigrateSockets;
  localPeer: ((host: string, port: number) => ServerContext | null) | null;
  /**
   * A private copy of this server with a copy of its data set (SCRIPT DEBUG YES runs the debugged
   * script there, where Redis forks a child): nothing done there reaches this server.
   */
  copyForDebugging(): ServerContext;
}
