// The server instance and the composition root: the one place that builds a server. Every
// subsystem (keyspace, registry, pub/sub, tracking, blocking, eviction, scripting, persistence,
// replication, INFO bookkeeping, ...) is a readonly field created here and handed the server; they
// hear about each other through `events` (engine/events.ts), never through module-level state, so
// servers in one process share nothing and a closed one can be collected. Transport-free: net/
// attaches TCP connections, the embedded API attaches in-process clients, both through the same
// dispatcher.
import type { ClientMemory } from '../net/client-memory';
import { allCommandDefs } from '../commands';
import { Registry } from '../commands/registry';
import type { AclStore } from '../acl/store';
import { createAclStore } from '../commands/acl';
import { clientInfoString } from '../commands/client';
import type { ReplyError } from '../errors';
import { Config, ConfigDef, ConfigSetResult, setConfigValues } from '../config/config';
import { Clock } from '../keyspace/clock';
import { Keyspace } from '../keyspace/keyspace';
import { Client } from './client';
import type { BusyScript, DebugHold, ServerContext, ServerStats, TlsControl } from './context';
import { ListenChange } from './context';
import { ServerEvents } from './events';
import { Logger } from './logger';
import { SlowLog } from './slowlog';
import { LatencyMonitor } from './latency';
import type { ClientPause } from './pause';
import { WatchRegistry } from './watch';
import { PubSubHub } from '../pubsub/hub';
import { Tracking } from '../tracking/tracking';
import * as dispatcher from './dispatcher';
import type { CommandExecutor } from './executor';
import { BlockingState } from './blocking';
import { InfoState } from './info';
import { clientsInfo, cpuInfo, errorStatsInfo, latencyPercentiles, serverInfo, statsInfo } from './info-server';
import { memoryInfo } from './info-memory';
import { ReplyBufferSettings } from './reply-buffer';
import { watchPause } from './pause';
import { EvictionState } from '../keyspace/eviction';
import { Persistence } from '../persistence/persistence';
import { Propagator } from '../persistence/propagator';
import { Replication } from '../replication/replication';
import { ScriptingState } from '../scripting/state';
import { MigrateSockets } from '../net/migrate-link';
import { MasterLink } from '../net/master-link';
import type { ReplicaGate } from '../replication/replica';
import type { ClusterState } from '../cluster/cluster';

export type { BusyScript, ServerStats, TlsControl } from './context';
export { ListenChange } from './context';

export class Server implements ServerContext {
  readonly config = new Config();
  readonly clock: Clock;
  readonly keyspace: Keyspace;
  readonly registry = new Registry();
  /** How subsystems hear about each other (cron, client closed, shutdown, flush, swap). */
  readonly events = new ServerEvents();
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly slowlog: SlowLog;
  /** LATENCY monitor events; per-command histograms live on each Command. */
  readonly latency = new LatencyMonitor();
  /** latency-tracking: record per-command latency histograms. */
  latencyTracking = true;
  /** CLIENT PAUSE in effect, or null. */
  clientPause: ClientPause | null = null;
  readonly log: Logger;
  nextClientId = 1;
  /**
   * While a connection runs a batch of pipelined commands: when the last command ended
   * (performance.now()), which call() takes as the next command's start; -1 otherwise.
   */
  batchClock = -1;
  /** Cached hot config values. */
  protoMaxBulkLen = 536870912;
  maxClients = 10000;
  requirePass: string | null = null;
  /** ACL users and log (src/acl); requirepass is the default user's password. */
  readonly acl: AclStore;
  /** Port actually bound (port 0 picks a free one). */
  boundPort = 0;
  stats: ServerStats;
  lastSave: number;
  shuttingDown = false;
  /** Absolute path of the config file the server started with (CONFIG REWRITE), if any. */
  configFile: string | null = null;
  /** The service manager respite-server reports to (INFO process_supervised); set by the CLI. */
  supervised: 'no' | 'upstart' | 'systemd' = 'no';
  /** Called by SHUTDOWN: the owner (CLI or embedded handle) stops the process or the server. */
  onShutdown: (() => void) | null = null;
  /** DEBUG RESTART / CRASH-AND-RECOVER (ServerContext.onRestart); null in an embedded server. */
  onRestart: ((graceful: boolean, delayMs: number) => string | null) | null = null;
  readonly runId: string;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: list elements this long are saved as plain nodes. */
  quicklistPackedThreshold = 1 << 30;
  /** Memory of TCP clients and maxmemory-clients eviction (src/net/client-memory.ts). */
  clientMemory: ClientMemory | null = null;
  /** DEBUG PAUSE-CRON: while set, the periodic cron does nothing (as Redis's pause_cron). */
  pauseCron = false;
  readonly watches: WatchRegistry;
  readonly pubsub = new PubSubHub();
  /** Client-side caching: tracked keys, BCAST prefixes, invalidation messages. */
  readonly tracking: Tracking;
  /** Runs commands for the subsystems below the dispatcher (scripts, AOF, blocked clients). */
  readonly exec: CommandExecutor = { dispatch: dispatcher.dispatch, call: dispatcher.call, resolveCommand: dispatcher.resolveCommand, countError: dispatcher.countError };
  /** MIGRATE's cached sockets and synchronous exchange with targets (net/: the only code that opens sockets). */
  readonly migrateSockets = new MigrateSockets();
  /** The replica's socket to its master (src/net), handed to src/replication through the server. */
  readonly MasterLink = MasterLink;
  /** Clients blocked on keys (BLPOP, XREAD BLOCK, ...). */
  readonly blocking: BlockingState;
  /** maxmemory: the memory estimate and the eviction pool. */
  readonly eviction: EvictionState;
  /** The stream of propagated writes the AOF and replicas are fed from. */
  readonly propagator: Propagator;
  /** RDB and AOF files, saves, loading. */
  readonly persistence: Persistence;
  /** The master side of replication: replication ids, backlog, replicas. */
  readonly replication: Replication;
  /** Cached scripts, function libraries, the Lua VM. */
  readonly scripting: ScriptingState;
  /** Reply buffer sizing (client-query/reply buffer resizing in the cron). */
  readonly replyBuffers: ReplyBufferSettings;
  /** What only INFO keeps: memory baseline and peak, instantaneous metrics. */
  readonly info: InfoState;
  // ---- persistence (src/persistence) ----
  /** True while the dataset loads: commands without the loading flag get -LOADING. */
  loading = false;
  /** Loading a full sync beside the old dataset (swapdb): reads go on, no_async_loading commands get -LOADING. */
  asyncLoading = false;
  /** The MISCONF error while saving to disk fails (write commands are refused); null otherwise. */
  diskError: ReplyError | null = null;
  /** CONFIG maxmemory in bytes (0: no limit), kept as a number for the per-command check. */
  maxmemory = 0;
  /** CONFIG min-replicas-to-write / min-replicas-max-lag, as numbers for the per-command check. */
  minReplicasToWrite = 0;
  minReplicasMaxLag = 10;
  /** Set while this server is a replica (src/replication/replica.ts): the dispatcher's checks. */
  replicaGate: ReplicaGate | null = null;
  /** Set by a handler whose command must propagate even though nothing changed (FLUSHDB on an empty db). */
  forcePropagation = false;
  /** AOF on: TCP replies wait for flushPending, which first writes (and fsyncs) the AOF. */
  holdReplies = false;
  /** Nesting depth of call() (EXEC and scripts call commands from a command). */
  callDepth = 0;
  /** Commands propagated so far (lets call() tell whether nested calls propagated). */
  propagations = 0;
  /** Cluster mode (cluster-enabled yes, src/cluster): the node's cluster state; null otherwise. */
  cluster: ClusterState | null = null;
  /**
   * Another server of this process listening at host:port, if any (set by startCluster): MIGRATE
   * to it runs in-process, since a socket exchange would wait on this very event loop.
   */
  localPeer: ((host: string, port: number) => ServerContext | null) | null = null;
  /** A script still running past busy-reply-threshold (src/scripting/runner.ts); others get -BUSY. */
  busyScript: BusyScript | null = null;
  /** A SCRIPT DEBUG SYNC session holds every other client's commands (src/scripting/debugger.ts). */
  debugHold: DebugHold | null = null;

  private pendingOutput = new Set<Client>();
  private flushScheduled = false;
  private cronTimer: NodeJS.Timeout | null = null;
  private cronLoops = 0;

  constructor(opts: { clock?: Clock; logger?: Logger } = {}) {
    this.clock = opts.clock ?? new Clock();
    this.log = opts.logger ?? new Logger();
    this.keyspace = new Keyspace(this.clock, 16);
    this.slowlog = new SlowLog();
    this.registry.register(allCommandDefs());
    this.acl = createAclStore(this.registry, (c) => clientInfoString(c, null, null));
    this.stats = this.freshStats();
    this.lastSave = Math.floor(this.clock.now() / 1000);
    this.runId = randomHex(40);
    this.watches = new WatchRegistry(this);
    this.tracking = new Tracking(this);
    this.blocking = new BlockingState(this);
    this.eviction = new EvictionState(this);
    this.propagator = new Propagator(this);
    this.persistence = new Persistence(this);
    this.replication = new Replication(this);
    this.scripting = new ScriptingState(this);
    this.replyBuffers = new ReplyBufferSettings(this);
    this.info = new InfoState(this);
    this.provideInfoSections();
    watchPause(this);
    this.events.on('clientClosed', (c) => this.pubsub.forget(c));
    this.events.on('shutdown', () => this.keyspace.lazyfree.stop());
    this.events.on('shutdown', () => this.migrateSockets.close());
    this.keyspace.setEventPublisher((channel, message) => void this.pubsub.publish(channel, message));
    this.clock.onChange(() => {
      if (this.busyScript === null) this.keyspace.expireAllDue();
    });
  }

  /** INFO: each subsystem reports its own section (engine/info.ts prints them in Redis's order). */
  private provideInfoSections(): void {
    const info = this.info;
    info.provide('server', () => serverInfo(this));
    info.provide('clients', () => clientsInfo(this));
    info.provide('memory', () => memoryInfo(this));
    info.provide('persistence', () => this.persistence.info());
    info.provide('stats', () => statsInfo(this));
    info.provide('replication', () => this.replication.infoFields());
    info.provide('cpu', cpuInfo);
    info.provide('modules', () => []);
    info.provide('commandstats', () => this.registry.commandStatsInfo());
    info.provide('errorstats', () => errorStatsInfo(this));
    info.provide('latencystats', () => this.registry.latencyStatsInfo(latencyPercentiles(this)));
    info.provide('cluster', () => [['cluster_enabled', this.cluster !== null ? 1 : 0]]);
    info.provide('keyspace', () => this.keyspace.infoFields());
  }

  freshStats(): ServerStats {
    return {
      startTime: this.clock.now(),
      totalConnections: 0,
      rejectedConnections: 0,
      evictedClients: 0,
      backgroundJobs: 0,
      totalCommands: 0,
      netInputBytes: 0,
      netOutputBytes: 0,
      totalErrorReplies: 0,
      errorCodes: new Map(),
      unexpectedErrorReplies: 0,
      dumpPayloadSanitizations: 0,
    };
  }

  // ---- configuration ------------------------------------------------------------------------

  /**
   * Applies a set of parameters (embedded options; CONFIG SET and config files use
   * setConfigValues directly). All are validated first; on error nothing changes and the error
   * names the offending parameter.
   */
  applyConfig(pairs: [string, string][], runtime: boolean): ConfigSetResult {
    return setConfigValues(this, pairs, { runtime, localClient: true });
  }

  /** Makes the running server follow a parameter's new value (the table's apply hooks). */
  applyOne(def: ConfigDef, v: string): string | void {
    return def.apply?.(this, v);
  }

  /**
   * What CONFIG SET changed of where the server listens (ListenChange bits), set by the port and
   * bind apply hooks: listening again is asynchronous, so CONFIG SET does it (and waits for it)
   * once every value is applied (src/commands/config.ts).
   */
  listenChange = 0;
  /**
   * Set by the TCP transport: listens at the configured port, tls-port and bind addresses (the
   * ListenChange bits say which changed), the old ones kept on failure (a new port is bound
   * before the old one is closed; new bind addresses after the old ones are closed, which are
   * bound again on failure). Rejects with the reason; `configParam` on it names the parameter.
   */
  relisten: ((change: number) => Promise<void>) | null = null;
  /**
   * The TLS transport, set once the server has sockets (serve()): tls-* parameters set by CONFIG
   * SET reload it (src/config/table.ts), outgoing connections take their TLS options from it.
   */
  tls: TlsControl | null = null;

  // ---- clients ------------------------------------------------------------------------------

  authRequired(): boolean {
    return this.acl.authRequired();
  }

  addClient(c: Client): void {
    this.clients.set(c.id, c);
  }

  removeClient(c: Client): void {
    this.clients.delete(c.id);
    this.monitors.delete(c);
    this.pendingOutput.delete(c);
    this.events.emit('clientClosed', c);
  }

  /** Output produced outside the client's own read event: flushed once, soon. */
  markPendingOutput(c: Client): void {
    this.pendingOutput.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
  }

  flushPending(): void {
    this.flushScheduled = false;
    if (this.holdReplies) this.persistence.aof?.beforeReplies();
    if (this.pendingOutput.size === 0) return;
    const list = [...this.pendingOutput];
    this.pendingOutput.clear();
    for (const c of list) c.onAsyncOutput?.();
  }

  // ---- cron ---------------------------------------------------------------------------------

  startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    const hz = this.config.int('hz');
    this.cronTimer = setInterval(() => this.cron(hz), Math.max(1, Math.floor(1000 / hz)));
    this.cronTimer.unref();
  }

  /** Picks up a new hz. */
  restartCron(): void {
    if (this.cronTimer) this.startCron();
  }

  stopCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
  }

  /**
   * Runs `ticks` cron passes now, at the configured hz: with a frozen clock, tests step the
   * server's background work (idle timeouts, active expiry, sampling) instead of sleeping.
   */
  runCron(ticks = 1): void {
    const hz = this.config.int('hz');
    for (let i = 0; i < ticks; i++) this.cron(hz);
  }

  private cron(hz: number): void {
    // A busy script is still one atomic command: no expiry, timeouts or background steps meanwhile.
    if (this.busyScript !== null || this.pauseCron) return;
    this.cronLoops++;
    this.keyspace.refreshLruClock();
    // Nothing expires while the dataset is loading (the AOF's later commands may use the key).
    // Redis samples the expire cycle's duration as the "expire-cycle" latency event.
    if (!this.loading) {
      const t0 = performance.now();
      this.keyspace.activeExpireCycle(hz);
      if (this.latency.threshold !== 0) this.latency.addIfNeeded('expire-cycle', performance.now() - t0, this.clock.now());
    }
    // Idle client timeout, checked about once a second.
    if (this.cronLoops % hz === 0) {
      const timeout = this.config.int('timeout');
      if (timeout > 0) {
        const now = this.clock.now();
        for (const c of this.clients.values()) {
          if (c.kind !== 'tcp' || c.blocked || c.inPubSubMode || c.isMonitor || c.isReplica) continue;
          if (now - c.lastInteraction > timeout * 1000) {
            this.log.verbose('Closing idle client');
            c.close();
          }
        }
      }
    }
    // Soft output limits are timed: a client that stopped getting output is re-checked here
    // (once per pass, whatever number of listeners accepted the clients).
    for (const c of this.clients.values()) c.checkOutputLimits?.();
    this.events.emit('cron');
  }

  /**
   * SCRIPT DEBUG YES: where Redis forks a child that runs the script on a copy-on-write image of
   * the data set, respite makes a server of its own (no listener, no persistence, no replicas)
   * holding a copy of every database (collections deep-copied, strings shared, TTLs kept), the
   * parameters and the PRNG state. It costs a full copy up front instead of copy-on-write pages.
   */
  copyForDebugging(): ServerContext {
    const clock = new Clock();
    if (this.clock.frozen) clock.freeze(this.clock.now());
    else clock.advance(this.clock.now() - Date.now());
    const copy = new Server({ clock, logger: this.log });
    for (const [def, v] of this.config.entries()) copy.config.setRaw(def.name, v);
    copy.protoMaxBulkLen = this.protoMaxBulkLen;
    copy.quicklistPackedThreshold = this.quicklistPackedThreshold;
    copy.scripting.prng.state = this.scripting.prng.state;
    const dbs = Math.min(this.keyspace.dbs.length, copy.keyspace.dbs.length);
    for (let i = 0; i < dbs; i++) {
      const from = this.keyspace.dbs[i];
      const to = copy.keyspace.dbs[i];
      from.dict.forEach((k, v) => void to.dict.set(k, typeof v === 'string' ? v : v.clone()));
      for (const [k, t] of from.expires) to.expires.set(k, t);
    }
    return copy;
  }

  uptimeSeconds(): number {
    return Math.floor((this.clock.now() - this.stats.startTime) / 1000);
  }
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}
