// Per-connection state. A Client never touches a socket: replies go to its RespWriter (TCP) or
// to a callback (in-process calls); the net layer drains the writer once per read event.
import type { User } from '../acl/user';
import type { Command } from '../commands/registry';
import type { Db } from '../keyspace/db';
import { Reply } from '../resp/reply';
import { RespWriter } from '../resp/writer';
import type { ReplyBuffer } from './reply-buffer';
import type { ServerContext } from './context';
import type { TrackingState } from '../tracking/tracking';

export const enum ReplyMode {
  On,
  Off,
  Skip,
}

export interface QueuedCommand {
  cmd: Command;
  argv: string[];
  /** The call's flags when queued (a script's declared flags), read by EXEC's checks. */
  flags: number;
}

export class Client {
  readonly id: number;
  db: Db;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  /** The ACL user this connection runs as (src/acl); its name is `user`. */
  aclUser: User;
  authenticated: boolean;
  readonly createdAt: number;
  lastInteraction: number;
  lastCommand: Command | null = null;
  replyMode = ReplyMode.On;
  /** CLIENT REPLY SKIP applies to the command after the one that set it. */
  skipNext = false;
  noEvict = false;
  noTouch = false;
  closeAfterReply = false;
  closed = false;
  /** Transaction state (MULTI/EXEC). */
  multi: QueuedCommand[] | null = null;
  multiError = false;
  /** True while EXEC runs the queued commands (blocking commands must not block then). */
  inExec = false;
  /** Set for clients that must never block (scripts): blocking commands answer as timed out. */
  denyBlocking = false;
  /** Pub/sub subscriptions (RESP2 subscriber mode when any). */
  channels = new Set<string>();
  patterns = new Set<string>();
  shardChannels = new Set<string>();
  /**
   * Cluster mode: ASKING given for the next command (or transaction), and whether it applies to
   * the command running now (scripts carry it into their redis.call); READONLY reads from a replica.
   */
  clusterAsking = false;
  askingInEffect = false;
  clusterReadonly = false;
  /**
   * Commands from this client are applied whatever the local state (Redis's mustObeyClient): never
   * redirected in cluster mode, script writes allowed on a read-only replica. Set for the
   * replication link from our master and for the AOF loader.
   */
  mustObey = false;
  /** Client-side caching (CLIENT TRACKING); null when off. */
  tracking: TrackingState | null = null;
  /** True while a blocking command waits. */
  blocked = false;
  /** The arguments of the command that blocked (propagated in its non-blocking form when served). */
  blockedArgv: string[] | null = null;
  /** How long (µs) the call that blocked took; added to the command's time when it is served. */
  blockedCallMicros = 0;
  /** SCRIPT DEBUG YES|SYNC: the client's next EVAL runs under the Lua debugger. */
  luaDebug: 'yes' | 'sync' | null = null;
  /**
   * Set while a Lua debugger session owns the connection: its bytes go here instead of the
   * command parser (null once it is gone).
   */
  rawInput: ((bytes: Buffer | null) => void) | null = null;
  /** Commands held by CLIENT PAUSE, run in order when the pause ends (engine/pause.ts). */
  postponed: string[][] | null = null;
  readonly writer = new RespWriter();
  /** Bytes buffered by the parser (CLIENT LIST qbuf); set by the connection. */
  queryBufferBytes = 0;
  /** The capacity Redis's query buffer would have (CLIENT LIST qbuf-free); set by the connection. */
  queryBufferAlloc = 0;
  /**
   * Set by the TCP transport: the client's memory as Redis counts it (CLIENT LIST tot-mem,
   * maxmemory-clients), with `argvBytes` for the command it is running.
   */
  memoryUsage: ((argvBytes: number) => number) | null = null;
  /** Socket-level details for CLIENT LIST / INFO; empty for in-process clients. */
  addr = '';
  laddr = '';
  fd = -1;
  /** Connected through the unixsocket (CLIENT LIST flag U; local for protected mode). */
  unixSocket = false;
  /** Flags printed by CLIENT LIST (besides the ones derived from state). */
  isMonitor = false;
  /** A replica fed the replication stream after SYNC/PSYNC (src/replication): CLIENT LIST flag S. */
  isReplica = false;
  /** On a replica: the client the master's replication stream runs as (CLIENT LIST flag M). */
  isMaster = false;
  /** The client an AOF is replayed as (Redis's CLIENT_ID_AOF). */
  isAofLoader = false;
  /** Bytes queued in the transport, not yet sent (CLIENT LIST omem); set by the connection. */
  transportPendingBytes: (() => number) | null = null;
  /** TCP clients: the reply buffer size Redis would have (CLIENT LIST rbs/rbp). */
  replyBuffer: ReplyBuffer | null = null;
  /** Closes the transport; set by the connection. */
  onClose: (() => void) | null = null;
  /** Asks the transport to flush replies produced outside a read event. */
  onAsyncOutput: (() => void) | null = null;
  /** Set by the TCP transport: enforces client-output-buffer-limit (net/output-limits.ts). */
  checkOutputLimits: (() => void) | null = null;
  /**
   * Set by the TCP transport: the hard output limit of the client's class in bytes (0: none).
   * A command whose reply can be huge (HRANDFIELD with a negative count) stops building it past
   * this, as Redis stops once the client is to be closed; the reply is then never sent.
   */
  outputHardLimit: (() => number) | null = null;

  constructor(
    readonly server: ServerContext,
    /** 'lua': the client scripts run their redis.call commands as (src/scripting). */
    readonly kind: 'tcp' | 'embedded' | 'lua',
  ) {
    this.id = server.nextClientId++;
    this.db = server.keyspace.dbs[0];
    this.aclUser = server.acl.defaultUser;
    this.authenticated = !server.authRequired();
    this.createdAt = server.clock.now();
    this.lastInteraction = this.createdAt;
  }

  get protocol(): 2 | 3 {
    return this.writer.protocol;
  }

  set protocol(p: 2 | 3) {
    this.writer.protocol = p;
  }

  get inPubSubMode(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0;
  }

  /** Writes a command's reply, honouring CLIENT REPLY OFF/SKIP. */
  reply(r: Reply): void {
    if (this.replyMode !== ReplyMode.On) return;
    this.writer.write(r);
  }

  /** Writes an out-of-band message (pub/sub, invalidation) and makes sure it gets flushed. */
  push(r: Reply): void {
    this.writer.write(r);
    this.server.markPendingOutput(this);
    // A subscriber that does not read must not make the server's memory grow without bound.
    if (this.checkOutputLimits !== null) this.checkOutputLimits();
  }

  /** A reply to a command that finished later (blocking commands). */
  replyAsync(r: Reply): void {
    this.reply(r);
    this.server.markPendingOutput(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.removeClient(this);
    this.rawInput?.(null);
    this.onClose?.();
  }
}
