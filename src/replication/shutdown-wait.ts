// Shutting down a master waits for its replicas (Redis 7.0's shutdown-timeout): SHUTDOWN or
// SIGTERM with a replica behind pauses writes, asks the replicas for an ACK, and the shutdown
// goes on once every replica acknowledged the whole stream or the timeout passed, logging the
// replicas still behind. SHUTDOWN clients wait meanwhile; SHUTDOWN ABORT cancels it all.
import type { Client } from '../engine/client';
import { blockOnKeys, unblockClient } from '../engine/blocking';
import { PausePurpose, PauseType, pauseClients, unpauseClients } from '../engine/pause';
import { errorf } from '../errors';
import type { Reply } from '../resp/reply';
import type { Replication } from './replication';

/** What a waiting SHUTDOWN answers when the shutdown fails or is aborted. */
export const SHUTDOWN_FAILED = 'ERR Errors trying to SHUTDOWN. Check logs.';

export class ShutdownWait {
  /** When the wait ends whatever the replicas say (server clock, ms); 0: no shutdown initiated. */
  deadline = 0;
  /** The rest of the shutdown: an error text when it failed (the server keeps running), else null. */
  private finish: (() => string | null) | null = null;
  private readonly clients = new Set<Client>();

  constructor(private readonly repl: Replication) {
    repl.srv.events.on('cron', () => this.cron());
    repl.srv.events.on('clientClosed', (c) => this.clients.delete(c));
  }

  get initiated(): boolean {
    return this.deadline !== 0;
  }

  /** Every replica acknowledged the whole stream (isReadyToShutdown). */
  private ready(): boolean {
    const off = this.repl.masterReplOffset;
    return this.repl.replicas.every((r) => r.ackOffset === off);
  }

  /**
   * Starts waiting when a replica is behind (not with NOW or shutdown-timeout 0): returns true,
   * and `finish` runs later from the cron. False when there is nothing to wait for.
   */
  begin(now: boolean, finish: () => string | null): boolean {
    const srv = this.repl.srv;
    const timeout = srv.config.int('shutdown-timeout');
    if (now || timeout === 0 || this.ready()) return false;
    this.deadline = srv.clock.now() + timeout * 1000;
    this.finish = finish;
    if (srv.clientPause === null) this.repl.sendGetAck();
    pauseClients(srv, PauseType.Write, Number.MAX_SAFE_INTEGER, PausePurpose.Shutdown);
    srv.log.notice('Waiting for replicas before shutting down.');
    return true;
  }

  /** A SHUTDOWN that waits for the initiated shutdown: answered only if it fails or is aborted. */
  block(c: Client): Reply {
    this.clients.add(c);
    return blockOnKeys(c, c.db, [], 0, () => undefined, () => {
      this.clients.delete(c);
      return errorf(SHUTDOWN_FAILED);
    });
  }

  /** The lines finishShutdown logs: each replica behind, then how many are in sync. */
  logReplicas(): void {
    const srv = this.repl.srv;
    const off = this.repl.masterReplOffset;
    const nowSec = Math.floor(srv.clock.now() / 1000);
    let lagging = 0;
    for (const r of this.repl.replicas) {
      if (r.ackOffset === off) continue;
      lagging++;
      const lag = r.state === 'online' ? nowSec - Math.floor(r.ackTime / 1000) : 0;
      srv.log.warning(`Lagging replica ${r.ip()}:${r.listeningPort} reported offset ${off - r.ackOffset} behind master, lag=${lag}, state=${r.state}.`);
    }
    const n = this.repl.replicas.length;
    if (n > 0) srv.log.notice(`${n - lagging} of ${n} replicas are in sync when shutting down.`);
  }

  /** SHUTDOWN ABORT: false when no shutdown is initiated. */
  abort(): boolean {
    if (!this.initiated) return false;
    this.cancel();
    this.repl.srv.log.notice('Shutdown manually aborted.');
    return true;
  }

  private cron(): void {
    if (!this.initiated) return;
    if (this.repl.srv.clock.now() < this.deadline && !this.ready()) return;
    const finish = this.finish!;
    this.logReplicas();
    if (finish() !== null) this.cancel();
  }

  /** The server keeps running: writes resume, waiting SHUTDOWNs get the error. */
  private cancel(): void {
    this.deadline = 0;
    this.finish = null;
    for (const c of [...this.clients]) unblockClient(c, 'timeout', true);
    this.clients.clear();
    unpauseClients(this.repl.srv, PausePurpose.Shutdown);
  }
}
