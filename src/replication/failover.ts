// FAILOVER (Redis 7.0's coordinated failover, replication.c): the master pauses writes, waits until
// a replica (the one named by TO, or any) acknowledged the whole stream, then turns itself into a
// replica of it and sends PSYNC <replid> <offset> FAILOVER, which makes the target a master that
// continues the same history. The pause lifts when the target answers the PSYNC (or the failover
// is aborted: FAILOVER ABORT, TIMEOUT without FORCE, the target refusing the PSYNC).
import { PausePurpose, PauseType, pauseClients, unpauseClients } from '../engine/pause';
import type { ReplicaLink, Replication } from './replication';

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export class Failover {
  state: FailoverState = 'no-failover';
  /** Absolute deadline (server clock, ms; 0: none). */
  endTime = 0;
  force = false;
  targetHost: string | null = null;
  targetPort = 0;
  private checkScheduled = false;

  constructor(private readonly repl: Replication) {}

  get active(): boolean {
    return this.state !== 'no-failover';
  }

  /** Starts waiting for the target (or any replica) to catch up; the caller validated the request. */
  start(host: string | null, port: number, timeoutMs: number, force: boolean): void {
    const srv = this.repl.srv;
    if (host !== null) {
      this.targetHost = host;
      this.targetPort = port;
      srv.log.notice(`FAILOVER requested to ${host}:${port}.`);
    } else srv.log.notice('FAILOVER requested to any replica.');
    this.endTime = timeoutMs ? srv.clock.now() + timeoutMs : 0;
    this.force = force;
    this.state = 'waiting-for-sync';
    pauseClients(srv, PauseType.Write, Number.MAX_SAFE_INTEGER, PausePurpose.Failover);
  }

  /** The connected replica at host:port (its announced address, else its peer IP). */
  findReplica(host: string, port: number): ReplicaLink | undefined {
    const h = host.toLowerCase();
    return this.repl.replicas.find((r) => r.ip().toLowerCase() === h && r.listeningPort === port);
  }

  /** Checks progress soon (after an ACK arrived; Redis checks before each event-loop sleep). */
  scheduleCheck(): void {
    if (this.state !== 'waiting-for-sync' || this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.update();
    });
  }

  /** Redis's updateFailoverStatus: time out, or fail over once the target caught up. */
  update(): void {
    if (this.state !== 'waiting-for-sync') return;
    const repl = this.repl;
    const srv = repl.srv;
    if (this.endTime && this.endTime <= srv.clock.now()) {
      if (this.force) {
        srv.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.state = 'failover-in-progress';
        repl.setMaster(this.targetHost!, this.targetPort);
      } else this.abort('Replica never caught up before timeout');
      return;
    }
    const offset = repl.masterReplOffset;
    let replica: ReplicaLink | undefined;
    if (this.targetHost !== null) replica = this.findReplica(this.targetHost, this.targetPort);
    else {
      replica = repl.replicas.find((r) => r.ackOffset === offset);
      if (replica !== undefined) {
        this.targetHost = replica.ip();
        this.targetPort = replica.listeningPort;
      }
    }
    if (replica === undefined || replica.ackOffset !== offset) return;
    this.state = 'failover-in-progress';
    srv.log.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
    repl.setMaster(this.targetHost!, this.targetPort);
  }

  /** The target answered our PSYNC ... FAILOVER: done when it accepted, else back to master. */
  psyncAnswered(accepted: boolean): void {
    if (this.state !== 'failover-in-progress') return;
    if (accepted) this.clear();
    else this.abort('Failover target rejected psync request');
  }

  abort(why: string): void {
    if (this.state === 'no-failover') return;
    const srv = this.repl.srv;
    if (this.targetHost !== null) srv.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${why}`);
    else srv.log.notice(`FAILOVER to any replica aborted: ${why}`);
    if (this.state === 'failover-in-progress') this.repl.unsetMaster();
    this.clear();
  }

  private clear(): void {
    this.endTime = 0;
    this.force = false;
    this.targetHost = null;
    this.targetPort = 0;
    this.state = 'no-failover';
    unpauseClients(this.repl.srv, PausePurpose.Failover);
  }
}
