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

export class ClientPause {
  type: PauseType = PauseType.Write;
  /** Absolute end time on the server clock (ms). */
  end = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Postponed clients, in the order they were stopped. */
  readonly postponed = new Set<Client>();

  constructor(private readonly server: ServerContext) {}

  /** Whether this command from c must wait (Redis's processCommand pause check). */
  affects(c: Client, cmd: Command, flags: number): boolean {
    if (this.server.clock.now() >= this.end) {
      end(this.server);
      return false;
    }
    // Replicas are never paused: their acknowledgements keep flowing.
    if (c.isReplica) return false;
    if (this.type === PauseType.All) return true;
    if (flags & (F.WRITE | F.MAY_REPLICATE)) return true;
    // EXEC of a transaction holding writes.
    return cmd.name === 'exec' && c.multi !== null && c.multi.some((q) => (q.flags & (F.WRITE | F.MAY_REPLICATE)) !== 0);
  }

  arm(): void {
    if (this.timer) clearTimeout(this.timer);
    // Real time drives the timer; the server clock decides (tests may freeze or advance it).
    const wait = Math.max(1, Math.min(this.end - this.server.clock.now(), 0x7fffffff));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.server.clock.now() >= this.end) end(this.server);
      else this.arm();
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
    if (p !== null && server.clock.now() >= p.end) end(server);
  });
  server.events.on('clientClosed', (c) => server.clientPause?.postponed.delete(c));
  server.events.on('shutdown', () => server.clientPause?.stop());
}

/** Starts or extends a pause: the stronger type and the later end win (Redis's pauseClients). */
export function pauseClients(server: ServerContext, type: PauseType, endMs: number): void {
  let p = server.clientPause;
  if (p === null) {
    p = server.clientPause = new ClientPause(server);
    p.type = type;
    p.end = endMs;
  } else {
    if (type > p.type) p.type = type;
    if (endMs > p.end) p.end = endMs;
  }
  server.keyspace.expirePaused = true;
  p.arm();
}

/** Ends the pause (CLIENT UNPAUSE or timeout) and runs the postponed clients' commands. */
export function end(server: ServerContext): void {
  const p = server.clientPause;
  if (p === null) return;
  p.stop();
  server.clientPause = null;
  server.keyspace.expirePaused = false;
  for (const c of p.postponed) {
    const queue = c.postponed;
    c.postponed = null;
    c.blocked = false;
    if (queue === null || c.closed) continue;
    for (const argv of queue) server.exec.dispatch(c, argv);
    server.markPendingOutput(c);
  }
}

/** Holds c's command until the pause ends; the connection stops reading meanwhile (c.blocked). */
export function postpone(server: ServerContext, c: Client, argv: string[]): void {
  c.postponed = [argv];
  c.blocked = true;
  server.clientPause!.postponed.add(c);
}
