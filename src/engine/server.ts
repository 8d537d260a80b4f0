// The server instance: configuration, keyspace, command registry, connected clients, statistics
// and the periodic cron. Transport-free: net/ attaches TCP connections, the embedded API attaches
// in-process clients, both through the same dispatcher.
import { allCommandDefs } from '../commands';
import { Command, Registry } from '../commands/registry';
import type { AclStore } from '../acl/store';
import { createAclStore } from '../commands/acl';
import type { ReplyError } from '../errors';
import type { Reply } from '../resp/reply';
import { Config, ConfigDef, ConfigSetResult, setConfigValues } from '../config/config';
import { Clock } from '../keyspace/clock';
import { Keyspace } from '../keyspace/keyspace';
import { Client } from './client';
import { Logger } from './logger';
import { SlowLog } from './slowlog';
import { LatencyMonitor } from './latency';
import type { ClientPause } from './pause';
import { WatchRegistry } from './watch';
import { PubSubHub } from '../pubsub/hub';
import { Tracking } from '../tracking/tracking';

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

export interface ServerStats {
  startTime: number;
  totalConnections: number;
  rejectedConnections: number;
  totalCommands: number;
  netInputBytes: number;
  netOutputBytes: number;
  totalErrorReplies: number;
  errorCodes: Map<string, number>;
  unexpectedErrorReplies: number;
}

/** Server.listenChange bits. */
export const enum ListenChange {
  Port = 1,
  Bind = 2,
}

export class Server {
  readonly config = new Config();
  readonly clock: Clock;
  readonly keyspace: Keyspace;
  readonly registry = new Registry();
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
  readonly runId: string;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: list elements this long are saved as plain nodes. */
  quicklistPackedThreshold = 1 << 30;
  /** DEBUG PAUSE-CRON: while set, the periodic cron does nothing (as Redis's pause_cron). */
  pauseCron = false;
  readonly watches: WatchRegistry;
  readonly pubsub = new PubSubHub();
  /** Client-side caching: tracked keys, BCAST prefixes, invalidation messages. */
  readonly tracking: Tracking;
  // ---- persistence (src/persistence) ----
  /** True while the dataset loads: commands without the loading flag get -LOADING. */
  loading = false;
  /** The MISCONF error while saving to disk fails (write commands are refused); null otherwise. */
  diskError: ReplyError | null = null;
  /** CONFIG maxmemory in bytes (0: no limit), kept as a number for the per-command check. */
  maxmemory = 0;
  /** CONFIG min-replicas-to-write / min-replicas-max-lag, as numbers for the per-command check. */
  minReplicasToWrite = 0;
  minReplicasMaxLag = 10;
  /**
   * Called by call() after a command that changed the dataset (dirty counter moved) and whose
   * nested commands (EXEC, scripts) propagated nothing themselves: feeds the AOF.
   */
  propagateCommand: ((c: Client, cmd: Command, argv: string[], reply: Reply) => void) | null = null;
  /** Set by a handler whose command must propagate even though nothing changed (FLUSHDB on an empty db). */
  forcePropagation = false;
  /** SHUTDOWN's save step (src/persistence): an error text refuses the shutdown. */
  prepareShutdown: ((save: boolean, nosave: boolean, force: boolean) => string | null) | null = null;
  /** AOF on: TCP replies wait for flushPending, which first runs beforeReplies (AOF write/fsync). */
  holdReplies = false;
  beforeReplies: (() => void) | null = null;
  /** Nesting depth of call() (EXEC and scripts call commands from a command). */
  callDepth = 0;
  /** After an outermost command that propagated: the AOF closes a transaction of nested effects. */
  endPropagation: ((cmd?: Command | null, c?: Client | null) => void) | null = null;
  /** Drops the effects still pending in the current unit (a killed busy script's writes). */
  discardPropagation: (() => void) | null = null;
  /** Commands propagated so far (lets call() tell whether nested calls propagated). */
  propagations = 0;
  /** A script still running past busy-reply-threshold (src/scripting/runner.ts); others get -BUSY. */
  busyScript: BusyScript | null = null;

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
    this.acl = createAclStore(this.registry);
    this.stats = this.freshStats();
    this.lastSave = Math.floor(this.clock.now() / 1000);
    this.runId = randomHex(40);
    this.watches = new WatchRegistry(this);
    this.tracking = new Tracking(this);
    this.clientCloseHooks.push((c) => this.pubsub.forget(c));
    this.shutdownHooks.push(() => this.keyspace.lazyfree.stop());
    this.keyspace.setEventPublisher((channel, message) => void this.pubsub.publish(channel, message));
    this.clock.onChange(() => {
      if (this.busyScript === null) this.keyspace.expireAllDue();
    });
  }

  freshStats(): ServerStats {
    return {
      startTime: this.clock.now(),
      totalConnections: 0,
      rejectedConnections: 0,
      totalCommands: 0,
      netInputBytes: 0,
      netOutputBytes: 0,
      totalErrorReplies: 0,
      errorCodes: new Map(),
      unexpectedErrorReplies: 0,
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
   * Set by the TCP transport: listens at the configured port and bind addresses, the old ones
   * kept on failure (a new port is bound before the old one is closed; new bind addresses after
   * the old ones are closed, which are bound again on failure). Rejects with the reason.
   */
  relisten: ((bindChanged: boolean) => Promise<void>) | null = null;

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
    for (const fn of this.clientCloseHooks) fn(c);
  }

  /** Modules that keep per-client state (pub/sub, blocking, tracking) clean up here. */
  readonly clientCloseHooks: ((c: Client) => void)[] = [];

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
    if (this.beforeReplies !== null) this.beforeReplies();
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

  readonly cronHooks: (() => void)[] = [];
  /** Run when the server stops (close timers, flush files). */
  readonly shutdownHooks: (() => void)[] = [];

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
    for (const h of this.cronHooks) h();
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
