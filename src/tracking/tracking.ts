// Client-side caching (Redis's tracking.c): which clients may hold a cached copy of which keys,
// and the invalidation messages sent when those keys change.
//
// Default mode: the keys a tracking client reads are remembered in one table (key -> client
// ids, shared by every database, like Redis); a write to a key sends "invalidate [key]" to every
// id on record and forgets the key. BCAST mode: nothing is remembered; clients subscribe to key
// prefixes, and the keys modified under each prefix are gathered and sent once per event-loop
// turn. Messages go to the client itself as RESP3 push, or to its REDIRECT client (RESP3 push,
// or a __redis__:invalidate pub/sub message for a RESP2 client in subscriber mode).
//
// Costs when nobody tracks: the keyspace's modified hook returns after two size checks; the
// dispatcher checks `clients` once per command.
import type { Command } from '../commands/registry';
import { F } from '../commands/registry';
import type { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { PushReply, RawReply, Reply } from '../resp/reply';

export const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** Per-client tracking state (Client.tracking; null when tracking is off). */
export interface TrackingState {
  /** Client id invalidations go to; 0 = the client itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (optin) / NO (optout) given for the next command. */
  caching: boolean;
  /** The redirect client went away. */
  brokenRedirect: boolean;
  /** BCAST prefixes ('' = every key). */
  prefixes: Set<string>;
}

export interface TrackingOptions {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  prefixes: string[];
}

interface BcastState {
  clients: Set<Client>;
  /** Keys modified since the last broadcast -> the client that modified them last (null: expiry or no client). */
  keys: Map<string, Client | null>;
}

const NULL_RESP2 = new RawReply(Buffer.from('$-1\r\n'));
const NULL_RESP3 = new RawReply(Buffer.from('_\r\n'));

const READONLY_SCRIPT_COMMANDS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);
const NO_ARGS: string[] = [];

export class Tracking {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** key -> ids of clients that may cache it. */
  readonly table = new Map<string, Set<number>>();
  /** Sum of the id-set sizes (INFO tracking_total_items). */
  totalItems = 0;
  readonly prefixTable = new Map<string, BcastState>();
  /** The outermost client whose command is running (Redis's server.current_client), or null. */
  current: Client | null = null;
  /** The client running the innermost command (a script's client inside EVAL); it is the
   *  modifier BCAST's NOLOOP compares with, as Redis records the client that wrote the key. */
  executing: Client | null = null;
  /** Invalidations for the running client, sent after its reply (keys, or null for a flush). */
  private pendingSelf: Reply[] = [];
  /** The command `current` runs (EVAL for a script's commands): its keys are what it tracks. */
  private callerCmd: Command | null = null;
  private callerArgv: string[] = NO_ARGS;
  private broadcastScheduled = false;
  /** Consecutive runs of the table limit that could not get under it (Redis's effort). */
  private limitTimeouts = 0;
  private trimming = false;

  constructor(private readonly server: ServerContext) {
    server.keyspace.onModified((_db, key, expired) => {
      // An expired key was changed by no client: NOLOOP clients hear of it too (BCAST).
      if (this.table.size !== 0 || this.prefixTable.size !== 0) this.invalidateKey(key, true, expired ? null : this.executing);
    });
    server.events.on('clientClosed', (c) => this.disable(c));
    // Also from the cron, as Redis does: a lowered tracking-table-max-keys takes effect on an idle
    // server, outside any client's command (so NOLOOP clients hear of the evicted keys too).
    server.events.on('cron', () => {
      if (this.clients !== 0 && this.current === null) this.beforeCommand();
    });
    server.events.on('dbFlushed', () => this.invalidateOnFlush());
  }

  /** Whether the dispatcher must call afterCall (someone tracks, or invalidations wait). */
  get active(): boolean {
    return this.clients !== 0 || this.pendingSelf.length !== 0;
  }

  // ---- enabling and disabling ----------------------------------------------------------------

  /** Redis's enableTracking: options were validated by the command. */
  enable(c: Client, o: TrackingOptions): void {
    let st = c.tracking;
    if (st === null) {
      this.clients++;
      st = c.tracking = {
        redirect: 0,
        bcast: false,
        optin: false,
        optout: false,
        noloop: false,
        caching: false,
        brokenRedirect: false,
        prefixes: new Set(),
      };
    }
    st.brokenRedirect = false;
    st.redirect = o.redirect;
    st.optin = o.optin;
    st.optout = o.optout;
    st.noloop = o.noloop;
    st.bcast = o.bcast;
    if (o.bcast) {
      if (o.prefixes.length === 0) this.addPrefix(c, st, '');
      for (const p of o.prefixes) this.addPrefix(c, st, p);
    }
  }

  private addPrefix(c: Client, st: TrackingState, prefix: string): void {
    let bs = this.prefixTable.get(prefix);
    if (bs === undefined) this.prefixTable.set(prefix, (bs = { clients: new Set(), keys: new Map() }));
    bs.clients.add(c);
    st.prefixes.add(prefix);
  }

  /** Redis's disableTracking: leaves the prefixes; keys on record stay until next written. */
  disable(c: Client): void {
    const st = c.tracking;
    if (st === null) return;
    for (const p of st.prefixes) {
      const bs = this.prefixTable.get(p)!;
      bs.clients.delete(c);
      if (bs.clients.size === 0) this.prefixTable.delete(p);
    }
    c.tracking = null;
    this.clients--;
  }

  // ---- the command path (called by the dispatcher) ---------------------------------------------

  /** A command about to be queued in MULTI: the table limit applies first, as in processCommand. */
  beforeQueue(c: Client): void {
    const prev = this.current;
    this.current = c;
    try {
      this.beforeCommand();
    } finally {
      this.current = prev;
    }
  }

  /** Before the outermost command, and from the cron: keep the table within tracking-table-max-keys. */
  beforeCommand(): void {
    if (this.table.size === 0) return;
    const max = this.server.config.int('tracking-table-max-keys');
    if (max === 0 || this.table.size <= max) {
      this.limitTimeouts = 0;
      return;
    }
    // Like Redis, the effort grows while the table stays over the limit. Redis picks keys by a
    // random walk; the oldest keys on record go first here.
    let effort = 100 * (this.limitTimeouts + 1);
    // The command has not started: its client gets these before its reply (Redis does this in
    // processCommand, before call()).
    this.trimming = true;
    try {
      for (const key of this.table.keys()) {
        if (effort-- <= 0) break;
        this.invalidateKey(key, false);
        if (this.table.size <= max) {
          this.limitTimeouts = 0;
          return;
        }
      }
      this.limitTimeouts++;
    } finally {
      this.trimming = false;
    }
  }

  /**
   * After a command ran (its reply written): remember the keys a read-only command fetched, and,
   * after the outermost command (outer: the client of the enclosing command, if any), send the invalidations meant for the client that ran it.
   */
  afterCall(c: Client, cmd: Command, argv: string[], outer: Client | null): void {
    // Like Redis, the tracking client is the one whose command is running (EXEC, scripts). The
    // keys are those of the command that just ran, but for a script's read-only commands they
    // are the keys its caller declared (EVAL's, not the ones the script touched). The read-only
    // script commands track nothing themselves: their read-only commands do.
    const tracker = outer ?? c;
    const st = tracker.tracking;
    if (st !== null && !st.bcast && cmd.flags & F.READONLY && !(cmd.flags & F.PUBSUB) && !READONLY_SCRIPT_COMMANDS.has(cmd.name)) {
      if (c !== tracker && c.kind === 'lua' && this.callerCmd !== null) this.rememberKeys(st, tracker, this.callerCmd, this.callerArgv);
      else this.rememberKeys(st, tracker, cmd, argv);
    }
    // The outermost command is over: do not keep its arguments (they may be large) alive.
    if (outer === null) this.callerArgv = NO_ARGS;
    if (outer === null) this.flushPending(c);
  }

  /** Sends the invalidations held for `c` while its command ran (after its reply, e.g. a served BLMOVE). */
  flushPending(c: Client): void {
    if (this.pendingSelf.length === 0) return;
    const pending = this.pendingSelf;
    this.pendingSelf = [];
    for (const payload of pending) this.send(c, payload);
  }

  /** Called for each command the outermost client runs itself (queued ones in EXEC too). */
  callerCommand(cmd: Command, argv: string[]): void {
    this.callerCmd = cmd;
    this.callerArgv = argv;
  }

  private rememberKeys(st: TrackingState, c: Client, cmd: Command, argv: string[]): void {
    if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
    const positions = cmd.keyPositions(argv);
    for (let i = 0; i < positions.length; i++) {
      const key = argv[positions[i]];
      let ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, (ids = new Set()));
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  // ---- invalidation ----------------------------------------------------------------------------

  /** A key changed (Redis's trackingInvalidateKey). */
  invalidateKey(key: string, bcast = true, modifier: Client | null = this.executing): void {
    if (bcast && this.prefixTable.size !== 0) this.rememberForBroadcast(key, modifier);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const clients = this.server.clients;
    const current = this.current;
    for (const id of ids) {
      const target = clients.get(id);
      const st = target?.tracking;
      if (target === undefined || st == null || st.bcast) continue;
      if (target === current) {
        if (st.noloop) continue;
        // The reply of the running command goes first.
        if (this.trimming) this.send(target, [key]);
        else this.pendingSelf.push([key]);
      } else {
        this.send(target, [key]);
      }
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHDB/FLUSHALL: every tracking client drops its whole cache (a null payload). */
  private invalidateOnFlush(): void {
    if (this.clients !== 0) {
      for (const c of this.server.clients.values()) {
        if (c.tracking === null) continue;
        const nil = c.protocol === 3 ? NULL_RESP3 : NULL_RESP2;
        if (c === this.current) this.pendingSelf.push(nil);
        else this.send(c, nil);
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  private rememberForBroadcast(key: string, modifier: Client | null): void {
    for (const [prefix, bs] of this.prefixTable) {
      if (!key.startsWith(prefix)) continue;
      // The last modifier is kept, as in Redis: a NOLOOP client that wrote the key last is not
      // told about it, even when others wrote it earlier in the same event-loop turn.
      bs.keys.set(key, modifier);
      if (!this.broadcastScheduled) {
        this.broadcastScheduled = true;
        setImmediate(() => this.broadcast());
      }
    }
  }

  /** Sends the keys gathered under each prefix (Redis does this in beforeSleep). */
  broadcast(): void {
    this.broadcastScheduled = false;
    const prefixes = [...this.prefixTable.keys()].sort(byteOrder);
    for (const prefix of prefixes) {
      const bs = this.prefixTable.get(prefix)!;
      if (bs.keys.size === 0) continue;
      const keys = [...bs.keys.keys()].sort(byteOrder);
      for (const c of bs.clients) {
        if (c.tracking?.noloop) {
          // Leave out the keys this client alone modified.
          const mine = keys.filter((k) => bs.keys.get(k) !== c);
          if (mine.length !== 0) this.send(c, mine);
        } else {
          this.send(c, keys);
        }
      }
      bs.keys = new Map();
    }
  }

  /** Redis's sendTrackingMessage: to the client itself or to its redirect client. */
  private send(c: Client, payload: Reply): void {
    const st = c.tracking;
    let target = c;
    let redirected = false;
    if (st !== null && st.redirect !== 0) {
      const r = this.server.clients.get(st.redirect);
      if (r === undefined || r.closed) {
        st.brokenRedirect = true;
        if (c.protocol === 3) c.push(new PushReply(['tracking-redir-broken', st.redirect]));
        return;
      }
      target = r;
      redirected = true;
    }
    if (target.protocol === 3) target.push(new PushReply(['invalidate', payload]));
    else if (redirected && target.inPubSubMode) target.push(new PushReply(['message', INVALIDATE_CHANNEL, payload]));
    // A RESP2 client without redirection cannot receive anything.
  }

  /**
   * CLIENT CACHING lasts for the next command (or transaction): cleared after any command but
   * CLIENT subcommands, outside MULTI (Redis's resetClient). cmd is null for unknown commands.
   */
  afterDispatch(c: Client, cmd: Command | null): void {
    const st = c.tracking;
    if (st === null || !st.caching || c.multi !== null) return;
    if (cmd !== null && cmd.parent !== null && cmd.parent.name === 'client') return;
    st.caching = false;
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
