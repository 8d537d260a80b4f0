// CLIENT PAUSE / UNPAUSE, as Redis 7.0: while a pause is on, a client whose command is affected
// (every command for ALL, writes and may-replicate commands for WRITE) is postponed, not refused:
// the command and everything the client sends after it wait until the pause ends, then run in
// order. Expiry (lazy and active) is suspended meanwhile so the data set cannot change.
import { Command, F } from '../commands/registry';
import type { Client } from './client';
import type { ServerContext } from './context';

export const enum PauseType {
  Write = 1,
  All = 2,
}

/** Who asked for a pause (Redis's pause purposes): each is lifted on its own. */
export const enum PausePurpose {
  User = 0,
  Failover = 1,
  /** A shutdown waiting for its replicas (src/replication/shutdown-wait.ts). */
  Shutdown = 2,
}

export class ClientPause {
  /** The strongest type of the purposes in force, and the latest end among those of that type. */
  type: PauseType = PauseType.Write;
  /** Absolute end time on the server clock (ms). */
  end = 0;
  /** Each purpose's own pause, or null. */
  readonly purposes: ({ type: PauseType; end: number } | null)[] = [null, null, null];
  private timer: NodeJS.Timeout | null = null;
  /** Postponed clients, in the order they were stopped. */
  readonly postponed = new Set<Client>();

  constructor(private readonly server: ServerContext) {}

  /** Whether this command from c must wait (Redis's processCommand pause check). */
  affects(c: Client, cmd: Command, flags: number): boolean {
    // Purposes that ran out no longer count (none left: the pause ends here).
    if (!this.refresh()) return false;
    // Replicas are never paused: their acknowledgements keep flowing.
    if (c.isReplica) return false;
    if (this.type === PauseType.All) return true;
    if (flags & (F.WRITE | F.MAY_REPLICATE)) return true;
    // EXEC of a transaction holding writes.
    return cmd.name === 'exec' && c.multi !== null && c.multi.some((q) => (q.flags & (F.WRITE | F.MAY_REPLICATE)) !== 0);
  }

  /** Drops purposes that ran out and recomputes type and end; false when none is left. */
  refresh(): boolean {
    const now = this.server.clock.now();
    let type: PauseType | 0 = 0;
    let endMs = 0;
    for (let i = 0; i < this.purposes.length; i++) {
      const p = this.purposes[i];
      if (p === null) continue;
      if (now >= p.end) {
        this.purposes[i] = null;
        continue;
      }
      if (p.type > type) type = p.type;
    }
    if (type === 0) {
      end(this.server);
      return false;
    }
    // The end is the furthest among the purposes of the strongest type (Redis's rule).
    for (const p of this.purposes) if (p !== null && p.type === type && p.end > endMs) endMs = p.end;
    const weaker = type < this.type;
    this.type = type;
    this.end = endMs;
    // ALL became WRITE: the postponed reads may run now (the writes are postponed again).
    if (weaker) releasePostponed(this.server, this.postponed);
    return true;
  }

  /** The earliest end among the purposes in force (when the type or the pause may change). */
  private nextChange(): number {
    let m = Number.MAX_SAFE_INTEGER;
    for (const p of this.purposes) if (p !== null && p.end < m) m = p.end;
    return m;
  }

  arm(): void {
    if (this.timer) clearTimeout(this.timer);
    // Real time drives the timer; the server clock decides (tests may freeze or advance it).
    const wait = Math.max(1, Math.min(this.nextChange() - this.server.clock.now(), 0x7fffffff));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.refresh()) this.arm();
    }, wait);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Wired by the server: clock jumps may end a pause; gone clients and shutdown release theirs. */
export function watchPause(server: ServerContext): void {
  server.clock.onChange(() => {
    const p = server.clientPause;
    if (p !== null && p.refresh()) p.arm();
  });
  server.events.on('clientClosed', (c) => server.clientPause?.postponed.delete(c));
  server.events.on('shutdown', () => server.clientPause?.stop());
}

/**
 * Starts or extends a pause for one purpose (Redis's pauseClients): within a purpose the stronger
 * type and the later end win; across purposes the strongest type and the latest end are in force.
 */
export function pauseClients(server: ServerContext, type: PauseType, endMs: number, purpose: PausePurpose = PausePurpose.User): void {
  let p = server.clientPause;
  if (p === null) p = server.clientPause = new ClientPause(server);
  const cur = p.purposes[purpose];
  if (cur === null) p.purposes[purpose] = { type, end: endMs };
  else {
    if (type > cur.type) cur.type = type;
    if (endMs > cur.end) cur.end = endMs;
  }
  server.keyspace.expirePaused = true;
  if (p.refresh()) p.arm();
}

/** Lifts one purpose's pause (CLIENT UNPAUSE, a failover that ended); the others stay. */
export function unpauseClients(server: ServerContext, purpose: PausePurpose): void {
  const p = server.clientPause;
  if (p === null) return;
  p.purposes[purpose] = null;
  if (p.refresh()) p.arm();
}

/** Ends the pause (CLIENT UNPAUSE or timeout) and runs the postponed clients' commands. */
export function end(server: ServerContext): void {
  const p = server.clientPause;
  if (p === null) return;
  p.stop();
  server.clientPause = null;
  server.keyspace.expirePaused = false;
  releasePostponed(server, p.postponed);
}

/**
 * Runs the commands of clients held in `held` (by CLIENT PAUSE or a SCRIPT DEBUG SYNC session)
 * again, in order; a client whose command is held again keeps the rest of its queue behind it.
 */
export function releasePostponed(server: ServerContext, held: Set<Client>): void {
  const clients = [...held];
  held.clear();
  for (const c of clients) {
    const queue = c.postponed;
    c.postponed = null;
    c.blocked = false;
    if (queue === null || c.closed) continue;
    for (let i = 0; i < queue.length; i++) {
      server.exec.dispatch(c, queue[i]);
      // (dispatch may have postponed it again: TypeScript cannot see the field change)
      const again = c.postponed as string[][] | null;
      if (again !== null) {
        // Postponed again: the rest of its queue waits behind it.
        again.push(...queue.slice(i + 1));
        break;
      }
    }
    server.markPendingOutput(c);
  }
}

/**
 * Holds c's command in `held` (the pause's or a debugging session's) until it is released; the
 * connection stops reading meanwhile (c.blocked).
 */
export function postpone(held: Set<Client>, c: Client, argv: string[]): void {
  c.postponed = [argv];
  c.blocked = true;
  held.add(c);
}
