// Clients blocked on keys (BLPOP, BLMOVE, BLMPOP, and later BZPOPMIN/BZMPOP and XREAD BLOCK), as
// Redis 7.0's blocked.c:
//
// - A blocking command that finds nothing calls blockOnKeys(): the client is parked in a FIFO
//   queue per key and stops reading commands (the connection checks `c.blocked`).
// - Any write to a key somebody waits on marks it ready (keyspace modified hook, or an explicit
//   signalKeyAsReady). After each top-level command (so after a whole EXEC or script) the
//   dispatcher calls handleReadyKeys(), which offers each ready key to its waiters in the order
//   they blocked. A waiter's tryServe() does the command's work and returns its reply, or
//   undefined to keep waiting (e.g. the key now holds another type). Serving may make other keys
//   ready (BLMOVE pushes to its destination); the loop runs until nothing is ready.
// - Deadlines are absolute times on the server clock: checked by a timer armed for the earliest
//   one, by the server cron, and whenever the embedded API moves the clock.
// - Inside EXEC or a script a blocking command must not block: it answers at once as if it had
//   timed out (canBlock()).
import { NOT_INTEGER, TIMEOUT_NEGATIVE, TIMEOUT_NOT_FLOAT, ReplyError, errorf, TIMEOUT_NOT_INTEGER } from '../errors';
import { parseDouble } from '../commands/args';
import { parseIntStrict } from '../resp/format';
import { F } from '../commands/registry';
import type { Command, CommandDef } from '../commands/registry';
import type { Db } from '../keyspace/db';
import { NO_REPLY, Reply } from '../resp/reply';
import type { Client } from './client';
import { LatencyHistogram } from './latency';
import type { ServerContext } from './context';

/** Serves a waiter from `key`: the reply, or undefined when it cannot be served (keep waiting). */
export type TryServe = (key: string) => Reply | undefined;

interface Waiter {
  readonly client: Client;
  readonly db: Db;
  readonly keys: string[];
  /** Absolute deadline in ms on the server clock; 0 = no timeout. */
  readonly deadline: number;
  readonly seq: number;
  readonly tryServe: TryServe;
  readonly onTimeout: () => Reply;
  /** The blocked command, for its statistics when the reply comes later. */
  readonly cmd: Command | null;
  /** Offered the key even when it no longer exists (XREADGROUP answers an error then). */
  readonly serveMissing: boolean;
  active: boolean;
}

interface ReadyKey {
  db: Db;
  key: string;
}

export class BlockingState {
  /** db -> key -> waiters in the order they blocked (Set iteration order is insertion order). */
  readonly byKey = new Map<Db, Map<string, Set<Waiter>>>();
  readonly byClient = new Map<Client, Waiter>();
  /** Number of distinct (db, key) pairs somebody waits on. */
  blockingKeys = 0;
  /** Waiters with a deadline (INFO clients_in_timeout_table). */
  timed = 0;
  /** Waiters offered keys that no longer exist (serveMissingKey). */
  serveMissingWaiters = 0;
  ready: ReadyKey[] = [];
  readonly readySet = new Map<Db, Set<string>>();
  /** Min-heap of waiters by (deadline, seq); entries of unblocked waiters are dropped lazily. */
  readonly heap: Waiter[] = [];
  timer: NodeJS.Timeout | null = null;
  timerDeadline = 0;
  serving = false;
  seq = 0;
  private watchingKeys = false;

  constructor(readonly server: ServerContext) {
    // SWAPDB exchanges the data under waiting clients: like Redis's scanDatabaseForReadyKeys,
    // every waited key of both databases gets a chance to serve.
    server.events.on('dbSwapped', (a, b) => {
      signalDbAsReady(server, a);
      signalDbAsReady(server, b);
    });
    // FLUSHDB/FLUSHALL drop keys without a per-key write: XREADGROUP waiters must still learn
    // that their stream is gone (others find nothing and keep waiting).
    server.events.on('dbFlushed', (dbs) => {
      for (const db of dbs) signalDbAsReady(server, db);
    });
    server.events.on('clientClosed', (c) => {
      const w = this.byClient.get(c);
      if (w !== undefined) detach(this, w);
    });
    server.events.on('cron', () => {
      checkTimeouts(this);
      // Keys made ready outside a command (none today; loading, replication later) are served here.
      handleReadyKeys(server);
    });
    server.clock.onChange(() => checkTimeouts(this));
    server.events.on('shutdown', () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    });
  }

  /**
   * Every write to a key that somebody waits on makes it ready: pushes, but also a key created
   * by RENAME/MOVE/COPY/RESTORE, or overwritten with another type. Subscribed when a client
   * first blocks, so servers that never block pay nothing per write.
   */
  watchKeys(): void {
    if (this.watchingKeys) return;
    this.watchingKeys = true;
    this.server.keyspace.onModified((db, key) => {
      if (this.blockingKeys !== 0) signalIfWaited(this, db, key);
    });
  }
}

function stateOf(server: ServerContext): BlockingState {
  return server.blocking;
}

// ---- timeouts -----------------------------------------------------------------------------------

const MAX_TIMEOUT_MS = 9223372036854775807;

/**
 * A blocking command's timeout argument (seconds, a double; 0 = forever) as an absolute deadline
 * on the server clock, or 0. Redis converts with ceill(seconds * 1000): 0.0001 waits 1 ms; a
 * value past the int64 range of milliseconds becomes negative there, hence "timeout is negative".
 */
export function timeoutArg(c: Client, arg: string): number {
  const secs = parseDouble(arg);
  if (secs === null) throw TIMEOUT_NOT_FLOAT;
  let ms = Math.ceil(secs * 1000);
  // Below the double range but non-zero for strtold (long double): a tiny positive value.
  if (secs === 0 && /^[+]?[^eE]*[1-9]/.test(arg)) ms = 1;
  if (!(ms < MAX_TIMEOUT_MS) || ms < 0) throw TIMEOUT_NEGATIVE;
  return ms === 0 ? 0 : c.server.clock.now() + ms;
}

/** A blocking command's timeout in milliseconds (an integer; XREAD BLOCK), as a deadline. */
export function timeoutMsArg(c: Client, arg: string): number {
  const v = parseIntStrict(arg);
  if (v === null) throw TIMEOUT_NOT_INTEGER;
  const ms = Number(v);
  if (ms < 0) throw TIMEOUT_NEGATIVE;
  return ms === 0 ? 0 : c.server.clock.now() + ms;
}

function heapLess(a: Waiter, b: Waiter): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

function heapPush(h: Waiter[], w: Waiter): void {
  let i = h.push(w) - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!heapLess(h[i], h[p])) break;
    [h[i], h[p]] = [h[p], h[i]];
    i = p;
  }
}

function heapPop(h: Waiter[]): Waiter | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length === 0 || last === undefined) return top;
  h[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && heapLess(h[l], h[m])) m = l;
    if (r < h.length && heapLess(h[r], h[m])) m = r;
    if (m === i) break;
    [h[i], h[m]] = [h[m], h[i]];
    i = m;
  }
  return top;
}

/** Drops unblocked waiters from the top of the heap; rebuilds it when they dominate. */
function pruneHeap(st: BlockingState): void {
  const h = st.heap;
  while (h.length !== 0 && !h[0].active) heapPop(h);
  if (h.length > 64 && h.length > 4 * st.timed) {
    const live = h.filter((w) => w.active);
    h.length = 0;
    for (const w of live) heapPush(h, w);
  }
}

/** Times out the waiters whose deadline has come, then arms the timer for the next one. */
function checkTimeouts(st: BlockingState): void {
  pruneHeap(st);
  if (st.heap.length === 0) return disarm(st);
  if (st.server.busyScript !== null) {
    // A script past busy-reply-threshold is still one command: no timeouts meanwhile (waiters it
    // made ready are served when it ends, before they could time out). Look again shortly.
    disarm(st);
    st.timer = setTimeout(() => {
      st.timer = null;
      checkTimeouts(st);
    }, 5);
    st.timer.unref();
    return;
  }
  const now = st.server.clock.now();
  while (st.heap.length !== 0 && st.heap[0].deadline <= now) {
    const w = heapPop(st.heap)!;
    if (!w.active) continue;
    detach(st, w);
    finish(w, w.onTimeout());
  }
  pruneHeap(st);
  arm(st);
}

function arm(st: BlockingState): void {
  if (st.heap.length === 0 || st.server.clock.frozen) return disarm(st);
  const next = st.heap[0].deadline;
  if (st.timer !== null && st.timerDeadline <= next) return;
  disarm(st);
  st.timerDeadline = next;
  st.timer = setTimeout(
    () => {
      st.timer = null;
      checkTimeouts(st);
    },
    Math.max(1, next - st.server.clock.now()),
  );
  st.timer.unref();
}

function disarm(st: BlockingState): void {
  if (st.timer !== null) clearTimeout(st.timer);
  st.timer = null;
}

// ---- blocking and unblocking ---------------------------------------------------------------------

/** False inside EXEC and scripts, where blocking commands answer at once as if timed out. */
export function canBlock(c: Client): boolean {
  return !c.inExec && !c.denyBlocking;
}

/**
 * Parks the client until one of `keys` can serve it or the deadline passes (0 = never).
 * `tryServe(key)` runs when a key is ready: it does the command's work and returns the reply, or
 * undefined to keep waiting. `onTimeout()` gives the reply on timeout (and CLIENT UNBLOCK).
 * Returns NO_REPLY (the reply comes later), or the timeout reply at once when the client may not
 * block (EXEC, scripts).
 */
export function blockOnKeys(
  c: Client,
  db: Db,
  keys: string[],
  deadline: number,
  tryServe: TryServe,
  onTimeout: () => Reply,
  opts?: { serveMissingKey?: boolean },
): Reply {
  if (!canBlock(c)) return onTimeout();
  const st = stateOf(c.server);
  st.watchKeys();
  const unique = keys.length === 1 ? keys : [...new Set(keys)];
  const w: Waiter = { client: c, db, keys: unique, deadline, seq: st.seq++, tryServe, onTimeout, cmd: c.lastCommand, serveMissing: opts?.serveMissingKey === true, active: true };
  let perDb = st.byKey.get(db);
  if (perDb === undefined) st.byKey.set(db, (perDb = new Map()));
  for (const k of unique) {
    let q = perDb.get(k);
    if (q === undefined) {
      perDb.set(k, (q = new Set()));
      st.blockingKeys++;
    }
    q.add(w);
  }
  st.byClient.set(c, w);
  c.blocked = true;
  if (w.serveMissing) st.serveMissingWaiters++;
  if (deadline !== 0) {
    st.timed++;
    heapPush(st.heap, w);
    arm(st);
  }
  return NO_REPLY;
}

/** Removes a waiter from every queue; the client reads commands again. */
function detach(st: BlockingState, w: Waiter): void {
  if (!w.active) return;
  w.active = false;
  const perDb = st.byKey.get(w.db);
  if (perDb !== undefined) {
    for (const k of w.keys) {
      const q = perDb.get(k);
      if (q === undefined) continue;
      q.delete(w);
      if (q.size === 0) {
        perDb.delete(k);
        st.blockingKeys--;
      }
    }
    if (perDb.size === 0) st.byKey.delete(w.db);
  }
  st.byClient.delete(w.client);
  if (w.serveMissing) st.serveMissingWaiters--;
  if (w.deadline !== 0) st.timed--;
  w.client.blocked = false;
}

/** Sends the late reply of a waiter that was just detached, with the command's error stats. */
function finish(w: Waiter, r: Reply, countFailed = true): void {
  const c = w.client;
  if (r instanceof ReplyError) {
    if (w.cmd && countFailed) w.cmd.failedCalls++;
    c.server.exec.countError(c, r);
  }
  if (r !== NO_REPLY) c.replyAsync(r);
  // The client may have pipelined commands waiting: the transport resumes them on this signal.
  else c.server.markPendingOutput(c);
}

/**
 * A blocked command served by a key or by CLIENT UNBLOCK (Redis's updateStatsOnUnblock): its
 * time is the blocking call's plus the serving, measured into the command's statistics, its
 * latency histogram and the slow log (with the arguments the client sent), and the serving time
 * is a 'command-unblocking' latency event. Timeouts are not measured (as in Redis 7.0).
 */
function statsOnUnblock(w: Waiter, serveMicros: number, failed: boolean): void {
  const c = w.client;
  const cmd = w.cmd;
  if (cmd === null) return;
  const srv = c.server;
  const total = c.blockedCallMicros + serveMicros;
  cmd.usec += total;
  if (failed) cmd.failedCalls++;
  if (srv.latencyTracking) (cmd.histogram ??= new LatencyHistogram()).record(total);
  const slowlog = srv.slowlog;
  const argv = c.blockedArgv;
  if (argv !== null && slowlog.slowerThan >= 0 && total >= slowlog.slowerThan && !(cmd.flags & F.SKIP_SLOWLOG)) {
    slowlog.record(c, argv, total, srv.clock.now());
  }
  if (srv.latency.threshold !== 0) srv.latency.addIfNeeded('command-unblocking', serveMicros / 1000, srv.clock.now());
}

/**
 * Unblocks a blocked client from outside (CLIENT UNBLOCK): 'timeout' answers with the command's
 * timeout reply, 'error' with -UNBLOCKED. Returns false if the client was not blocked on keys.
 */
export function unblockClient(c: Client, how: 'timeout' | 'error', failed = true): boolean {
  const st = c.server.blocking;
  const w = st.byClient.get(c);
  if (w === undefined) return false;
  detach(st, w);
  const r = how === 'timeout' ? w.onTimeout() : UNBLOCKED;
  // Redis 7.0 counts a call unblocked by CLIENT UNBLOCK as failed whichever reply it gets.
  statsOnUnblock(w, 0, failed);
  finish(w, r, false);
  return true;
}

const UNBLOCKED = errorf('UNBLOCKED client unblocked via CLIENT UNBLOCK');

/**
 * Clients blocked on keys, each with its first key and blocked command: the cluster unblocks with
 * a redirection those whose slot moved away (Redis's clusterRedirectBlockedClientIfNeeded).
 */
export function keyBlockedClients(server: ServerContext): { client: Client; key: string; cmd: Command | null }[] {
  const out: { client: Client; key: string; cmd: Command | null }[] = [];
  for (const w of server.blocking.byClient.values()) if (w.active && w.keys.length !== 0) out.push({ client: w.client, key: w.keys[0], cmd: w.cmd });
  return out;
}

/** Unblocks a client blocked on keys with an error reply (not counted as a failed call). */
export function unblockWithError(c: Client, e: ReplyError): void {
  const st = c.server.blocking;
  const w = st.byClient.get(c);
  if (w === undefined) return;
  detach(st, w);
  finish(w, e, false);
}

/**
 * The server became a replica (Redis's disconnectAllBlockedClients): every blocked client gets
 * -UNBLOCKED and is closed once the reply is out, since its command can no longer be served.
 */
export function unblockAllOnRoleChange(server: ServerContext): void {
  const st = server.blocking;
  for (const w of [...st.byClient.values()]) {
    detach(st, w);
    finish(w, ROLE_CHANGED, false);
    w.client.closeAfterReply = true;
  }
}

const ROLE_CHANGED = errorf('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');

// ---- ready keys ---------------------------------------------------------------------------------

function signalIfWaited(st: BlockingState, db: Db, key: string): void {
  const perDb = st.byKey.get(db);
  if (perDb === undefined || !perDb.has(key)) return;
  let set = st.readySet.get(db);
  if (set === undefined) st.readySet.set(db, (set = new Set()));
  if (set.has(key)) return;
  set.add(key);
  st.ready.push({ db, key });
}

/**
 * Marks a key as possibly able to serve blocked clients (Redis's signalKeyAsReady). Writes go
 * through the keyspace's modified hook already, so commands rarely need to call this.
 */
export function signalKeyAsReady(server: ServerContext, db: Db, key: string): void {
  const st = server.blocking;
  if (st.blockingKeys !== 0) signalIfWaited(st, db, key);
}

/** After SWAPDB (or anything that replaces a database's contents): every waited key is ready. */
export function signalDbAsReady(server: ServerContext, db: Db): void {
  const st = server.blocking;
  const perDb = st.byKey.get(db);
  if (perDb === undefined) return;
  for (const key of perDb.keys()) signalIfWaited(st, db, key);
}

/**
 * Serves the clients blocked on keys made ready by the last command, FIFO per key. Called by the
 * dispatcher after every top-level command; costs one comparison when nothing is ready.
 */
export function handleReadyKeys(server: ServerContext): void {
  const st = server.blocking;
  if (st.ready.length === 0 || st.serving) return;
  st.serving = true;
  try {
    while (st.ready.length !== 0) {
      const batch = st.ready;
      st.ready = [];
      for (const { db, key } of batch) {
        // Forget the key first: serving may make it ready again (a BLMOVE onto itself).
        st.readySet.get(db)?.delete(key);
        serveKey(st, db, key);
      }
    }
  } finally {
    st.serving = false;
  }
}

function serveKey(st: BlockingState, db: Db, key: string): void {
  const q = st.byKey.get(db)?.get(key);
  if (q === undefined) return;
  for (const w of q) {
    if (!w.active) continue;
    // A missing key serves nobody (the list was emptied by earlier waiters), except waiters
    // that must learn the key is gone (XREADGROUP); without those, stop at once.
    if (!w.serveMissing && !db.exists(key)) {
      if (st.serveMissingWaiters === 0) return;
      continue;
    }
    const t0 = performance.now();
    // The served client is the one whose command runs (Redis's current_client while it serves
    // a blocked client): invalidations of keys it tracks itself follow its reply, NOLOOP applies.
    const tracking = st.server.tracking;
    tracking.current = tracking.executing = w.client;
    let r: Reply | undefined;
    try {
      r = w.tryServe(key);
    } finally {
      tracking.current = tracking.executing = null;
    }
    if (r === undefined) continue;
    const serveMicros = (performance.now() - t0) * 1000;
    detach(st, w);
    // Propagation (AOF): a served write (a pop, a move) in its non-blocking form (src/persistence).
    const srv = st.server;
    const argv = w.client.blockedArgv;
    if (w.cmd !== null && w.cmd.flags & F.WRITE && argv !== null && !(r instanceof ReplyError)) srv.propagator.command(w.client, w.cmd, argv, r);
    statsOnUnblock(w, serveMicros, r instanceof ReplyError);
    finish(w, r, w.cmd === null);
    tracking.flushPending(w.client);
  }
}

// ---- introspection and CLIENT UNBLOCK --------------------------------------------------------------

/** INFO clients blocked_clients. */
export function blockedClientCount(server: ServerContext): number {
  return server.blocking.byClient.size;
}

/** INFO clients clients_in_timeout_table. */
export function clientsInTimeoutTable(server: ServerContext): number {
  return server.blocking.timed;
}

/** Number of distinct keys clients are blocked on. */
export function blockingKeyCount(server: ServerContext): number {
  return server.blocking.blockingKeys;
}

/** CLIENT UNBLOCK client-id [TIMEOUT|ERROR] */
export function clientUnblock(c: Client, argv: string[]): Reply {
  let how: 'timeout' | 'error' = 'timeout';
  if (argv.length === 4) {
    const reason = argv[3].toLowerCase();
    if (reason === 'error') how = 'error';
    else if (reason !== 'timeout') throw errorf('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseIntStrict(argv[2]);
  if (id === null) throw NOT_INTEGER;
  const target = typeof id === 'number' ? c.server.clients.get(id) : undefined;
  return target !== undefined && unblockClient(target, how) ? 1 : 0;
}

/** The CLIENT UNBLOCK subcommand, spread into CLIENT's subcommand table by commands/client.ts. */
export const clientUnblockCommands: CommandDef[] = [
  {
    name: 'unblock',
    summary: 'Wakes a client blocked on keys, as if its timeout had passed or with an error.',
    arity: -3,
    flags: 'admin noscript loading stale sentinel',
    acl: '@connection',
    handler: clientUnblock,
  },
];
