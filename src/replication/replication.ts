// The master side of replication (Redis's replication.c, master half). A client that sends SYNC
// or PSYNC becomes a replica: it gets the dataset as an RDB payload ($<len>\r\n<bytes>, preceded
// by +FULLRESYNC <replid> <offset> for PSYNC), then the replication stream: the propagated writes
// (the same stream the AOF is fed from, src/persistence/propagator.ts) in RESP multibulk form,
// SELECT when the database changes, PING every repl-ping-replica-period seconds and REPLCONF
// GETACK * when a WAIT needs fresh acknowledgements. master_repl_offset counts the stream's bytes
// exactly as Redis does, and the backlog keeps the last repl-backlog-size of them, so a replica
// that reconnects with PSYNC <replid> <offset> continues (+CONTINUE) when it can.
//
// There is no fork(): the RDB is produced synchronously when the replica asks for it (a point in
// time by construction; the server does not serve other clients meanwhile). It is sent with a
// length prefix whatever capabilities the replica announced, which every replica accepts.
import { ShutdownWait } from './shutdown-wait';
import type { Client } from '../engine/client';
import { ReplyMode } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { respCommand } from '../persistence/aof-format';
import type { ReplAux } from '../persistence/rdb-file';
import { persistenceOf } from '../persistence/persistence';
import { PROPAGATE_REPL, type PropagationTarget } from '../persistence/propagator';
import { Snapshot } from '../persistence/snapshot';
import { unblockAllOnRoleChange, unblockClient } from '../engine/blocking';
import { Backlog } from './backlog';
import { Failover } from './failover';
import { ReplicaOf } from './replica';

export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

/** What the master knows of one replica connection (Redis keeps it in the client struct). */
export class ReplicaLink {
  state: ReplicaState = 'wait_bgsave';
  /** REPLCONF listening-port / ip-address. */
  listeningPort = 0;
  ipAddress: string | null = null;
  capaEof = false;
  capaPsync2 = false;
  /** REPLCONF rdb-only 1: wants the RDB only (redis-cli --rdb), disconnected after it. */
  rdbOnly = false;
  /**
   * REPLCONF rdb-filter-only: what the RDB keeps (redis-cli --functions-rdb asks for the
   * functions alone); null when no filter was given.
   */
  rdbFilter: { functions: boolean } | null = null;
  /** Attached with the old SYNC: sends no REPLCONF ACK, so is never timed out. */
  prePsync = false;
  /** Highest offset the replica acknowledged, and when (server clock, ms). */
  ackOffset = 0;
  ackTime = 0;

  constructor(readonly client: Client) {}

  /** The address INFO and ROLE show: the announced one, else the peer's IP. */
  ip(): string {
    if (this.ipAddress !== null) return this.ipAddress;
    const a = this.client.addr;
    const colon = a.lastIndexOf(':');
    const host = colon < 0 ? a : a.slice(0, colon);
    return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  }
}

/** A client blocked in WAIT until `numreplicas` replicas acknowledged `offset`. */
interface AckWaiter {
  client: Client;
  offset: number;
  numreplicas: number;
}

const ZERO_ID = '0000000000000000000000000000000000000000';

export class Replication implements PropagationTarget {
  replId = randomHex(40);
  replId2 = ZERO_ID;
  secondReplOffset = -1;
  masterReplOffset = 0;
  backlog: Backlog | null = null;
  /** Replicas in the order they attached. */
  readonly replicas: ReplicaLink[] = [];
  /** Database the stream last selected (-1: the next command emits SELECT). */
  private selDb = -1;
  /** The current execution unit's bytes, written to the backlog and replicas when it ends. */
  private unit = '';
  /** REPLCONF settings of clients that have not sent SYNC/PSYNC yet. */
  private readonly preSync = new WeakMap<Client, ReplicaLink>();
  /** Master offset after each client's last write that reached the stream (Redis's c->woff). */
  private readonly woff = new WeakMap<Client, number>();
  readonly waiters: AckWaiter[] = [];
  /** A REPLCONF GETACK is due (sent once per event-loop turn, like Redis's beforeSleep). */
  private getAckScheduled = false;
  /** Seconds of cron since this state was created (PING when it reaches a multiple of the period). */
  private cronLoops = 1;
  private lastCron = 0;
  private noReplicasSince: number;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** Bytes of stream and RDB payload handed to replicas (total_net_repl_output_bytes). */
  outputBytes = 0;
  /** Set while this server is a replica (REPLICAOF host port): its link to the master. */
  replicaOf: ReplicaOf | null = null;
  /** FAILOVER's state (no-failover unless one was asked for). */
  readonly failover = new Failover(this);
  /** A shutdown waiting for the replicas to catch up (shutdown-timeout). */
  readonly shutdownWait: ShutdownWait;
  private lastFastCron = 0;

  constructor(readonly srv: ServerContext) {
    this.shutdownWait = new ShutdownWait(this);
    this.noReplicasSince = srv.clock.now();
    srv.propagator.addTarget(this);
    srv.events.on('clientClosed', (c) => this.clientClosed(c));
    srv.events.on('cron', () => this.cron());
    srv.events.on('shutdown', () => this.replicaOf?.stop());
  }

  // ---- the stream -------------------------------------------------------------------------------

  /** Replicas take the PROPAGATE_REPL part (PUBLISH goes there only: see Propagator.replicate). */
  readonly propagationKind = PROPAGATE_REPL;

  wantsPropagation(): boolean {
    // A replica hands on its master's stream verbatim (feedFromMaster), never its own writes.
    return this.replicaOf === null && (this.backlog !== null || this.replicas.length !== 0);
  }

  /** Bytes of the master's stream we applied: our offset, backlog and replicas follow them as is. */
  feedFromMaster(b: Buffer): void {
    this.masterReplOffset += b.length;
    this.backlog?.append(b);
    for (const r of this.replicas) {
      if (r.state !== 'online') continue;
      this.write(r.client, b);
    }
  }

  feed(dbId: number, argv: string[], last: boolean, client: Client | null): void {
    if (dbId >= 0 && dbId !== this.selDb) {
      this.unit += respCommand(['SELECT', String(dbId)]);
      this.selDb = dbId;
    }
    this.unit += respCommand(argv);
    if (last) this.endUnit(client);
  }

  /** The unit's bytes go to the backlog and the online replicas at once, and count in the offset. */
  private endUnit(c: Client | null): void {
    const s = this.unit;
    if (s.length === 0) return;
    this.unit = '';
    const b = Buffer.from(s, 'latin1');
    this.masterReplOffset += b.length;
    this.backlog?.append(b);
    for (const r of this.replicas) {
      if (r.state !== 'online') continue;
      this.write(r.client, b);
    }
    if (c !== null) this.woff.set(c, this.masterReplOffset);
  }

  private write(c: Client, b: Buffer): void {
    if (c.closed) return;
    c.writer.raw(b);
    this.outputBytes += b.length;
    this.srv.markPendingOutput(c);
  }

  /**
   * Redis 7.0's replication buffer figures (INFO memory, MEMORY STATS). Redis keeps one buffer
   * that the backlog and every replica's output share, holding the stream from the oldest byte
   * either still needs: here the larger of the backlog's history and the output a replica has not
   * taken yet. Beyond repl-backlog-size, with replicas attached, the excess counts as theirs.
   */
  bufferMemory(): { total: number; backlog: number; replicas: number } {
    let pending = 0;
    for (const r of this.replicas) {
      const c = r.client;
      pending = Math.max(pending, c.writer.pending + (c.transportPendingBytes?.() ?? 0));
    }
    const total = Math.max(this.backlog?.histlen ?? 0, pending);
    const size = this.srv.config.int('repl-backlog-size');
    if (this.replicas.length !== 0 && total > size) return { total, backlog: size, replicas: total - size };
    return { total, backlog: total, replicas: 0 };
  }

  /** DEBUG REPLICATE: a command sent to the replicas only (not applied here, not in the AOF). */
  debugReplicate(argv: string[]): void {
    if (this.wantsPropagation()) this.feedStandalone(argv);
  }

  /** A command fed outside any client command (PING, GETACK): one unit of its own. */
  private feedStandalone(argv: string[]): void {
    this.feed(this.selDb, argv, true, null);
  }

  // ---- SYNC / PSYNC ---------------------------------------------------------------------------

  /** REPLCONF options before (or after) SYNC: the link object they are recorded on. */
  linkFor(c: Client): ReplicaLink {
    const existing = this.replicas.find((r) => r.client === c) ?? this.preSync.get(c);
    if (existing !== undefined) return existing;
    const link = new ReplicaLink(c);
    this.preSync.set(c, link);
    return link;
  }

  /**
   * PSYNC: continues from `offset` when the replica follows our history (our replid, or replid2
   * up to second_repl_offset) and the backlog still holds that offset. Returns true when done.
   */
  tryPartialResync(c: Client, replid: string, offset: number): boolean {
    const sameHistory = replid.toLowerCase() === this.replId || (replid.toLowerCase() === this.replId2 && offset <= this.secondReplOffset);
    if (!sameHistory) {
      if (replid !== '?') {
        this.srv.log.notice(
          replid.toLowerCase() !== this.replId && replid.toLowerCase() !== this.replId2
            ? `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replId}' and '${this.replId2}')`
            : `Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${this.secondReplOffset}`,
        );
        this.syncPartialErr++;
      } else this.srv.log.notice(`Full resync requested by replica ${this.name(c)}`);
      return false;
    }
    if (this.backlog === null || !this.backlog.has(offset)) {
      this.srv.log.notice(`Unable to partial resync with replica ${this.name(c)} for lack of backlog (Replica request was: ${offset}).`);
      this.syncPartialErr++;
      return false;
    }
    const link = this.attach(c);
    link.state = 'online';
    link.ackTime = this.srv.clock.now();
    const head = link.capaPsync2 ? `+CONTINUE ${this.replId}\r\n` : '+CONTINUE\r\n';
    const data = this.backlog.since(offset);
    this.write(c, Buffer.from(head, 'latin1'));
    if (data.length) this.write(c, data);
    this.syncPartialOk++;
    this.srv.log.notice(`Partial resynchronization request from ${this.name(c)} accepted. Sending ${data.length} bytes of backlog starting from offset ${offset}.`);
    return true;
  }

  /**
   * A full resynchronization: the RDB of the dataset now, then the stream from this point.
   * `psync`: the replica used PSYNC (it gets +FULLRESYNC first and is expected to ACK).
   */
  fullResync(c: Client, psync: boolean): void {
    this.syncFull++;
    const link = this.attach(c);
    link.prePsync = !psync;
    // The RDB describes the dataset at master_repl_offset; the stream continues from there, with
    // a SELECT first since the replica's selected database is unknown.
    const offset = this.masterReplOffset;
    this.selDb = -1;
    if (psync) this.write(c, Buffer.from(`+FULLRESYNC ${this.replId} ${offset}\r\n`, 'latin1'));
    link.state = 'send_bulk';
    const rdb = this.rdbPayload(link);
    this.srv.log.notice(`Full resync: sending the dataset at offset ${offset} (${rdb.length} bytes of RDB) to replica ${this.name(c)}`);
    this.write(c, Buffer.from(`$${rdb.length}\r\n`, 'latin1'));
    this.write(c, rdb);
    if (link.rdbOnly) {
      this.srv.log.notice(`RDB transfer completed, rdb only replica (${this.name(c)}) should be disconnected asap`);
      this.detach(link);
      c.closeAfterReply = true;
      return;
    }
    link.state = 'online';
    link.ackTime = this.srv.clock.now();
    this.srv.log.notice(`Synchronization with replica ${this.name(c)} succeeded`);
  }

  /** Makes `c` a replica (replies to its own commands are not sent any more). */
  private attach(c: Client): ReplicaLink {
    const link = this.linkFor(c);
    this.preSync.delete(c);
    c.isReplica = true;
    c.replyMode = ReplyMode.Off;
    this.replicas.push(link);
    if (this.replicas.length === 1 && this.backlog === null) {
      // A backlog created from scratch starts a new history: new replid, no replid2.
      this.changeReplId();
      this.clearReplId2();
      this.createBacklog();
      this.srv.log.notice(`Replication backlog created, my new replication IDs are '${this.replId}' and '${this.replId2}'`);
    }
    return link;
  }

  private rdbPayload(link: ReplicaLink): Buffer {
    const chunks: Buffer[] = [];
    const p = persistenceOf(this.srv);
    const opts = p.snapshotOptions(false);
    if (link.rdbFilter !== null) {
      opts.excludeData = true;
      if (!link.rdbFilter.functions) opts.functions = [];
    }
    // A replica's replicas continue with its master's stream, in the db that stream has selected.
    const streamDb = this.replicaOf?.master?.db.id ?? -1;
    opts.replAux = { streamDb, replId: this.replId, offset: this.masterReplOffset };
    const snap = new Snapshot(this.srv.keyspace, opts, (b) => chunks.push(Buffer.from(b)), false);
    snap.step();
    return Buffer.concat(chunks);
  }

  /** repl-backlog-size changed: the backlog keeps its most recent bytes that fit. */
  resizeBacklog(): void {
    const b = this.backlog;
    if (b === null) return;
    const size = Math.max(16384, this.srv.config.int('repl-backlog-size'));
    if (size !== b.size) b.resize(size);
  }

  private createBacklog(): void {
    this.backlog = new Backlog(Math.max(16384, this.srv.config.int('repl-backlog-size')), this.masterReplOffset + 1);
  }

  changeReplId(): void {
    this.replId = randomHex(40);
  }

  private clearReplId2(): void {
    this.replId2 = ZERO_ID;
    this.secondReplOffset = -1;
  }

  private name(c: Client): string {
    const link = this.replicas.find((r) => r.client === c) ?? this.preSync.get(c);
    return `${link?.ip() ?? c.addr}:${link?.listeningPort ?? 0}`;
  }

  /** Closes every replica connection (they reconnect and resynchronize). */
  disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.client.close();
  }

  /** After a full sync from our master: its history (id and offset) is ours, with a fresh backlog. */
  adoptMasterHistory(replid: string | null, offset: number): void {
    this.replId = replid ?? randomHex(40);
    this.clearReplId2();
    this.masterReplOffset = offset;
    this.backlog = null;
    this.createBacklog();
  }

  /** +CONTINUE with a new id (our master was promoted): the old id stays valid up to here. */
  shiftToNewMasterId(id: string): void {
    this.replId2 = this.replId;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.replId = id;
    this.disconnectReplicas();
  }

  /** REPLICAOF host port: follow that master (a PSYNC continues our own history when it can). */
  setMaster(host: string, port: number, connectNow = true): void {
    const old = this.replicaOf;
    const next = new ReplicaOf(this, host, port);
    // Clients blocked while this was a master (BLPOP, WAIT) cannot be served by a replica.
    unblockAllOnRoleChange(this.srv);
    if (old !== null) {
      next.masterReplId = old.masterReplId;
      next.reploff = old.reploff;
      old.stop();
    } else {
      // A master turning replica offers its own history to the new master.
      this.srv.log.notice('Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.');
      next.masterReplId = this.replId;
      next.reploff = this.masterReplOffset;
      // Whatever the current unit holds was never sent: the next stream starts clean.
      this.unit = '';
      this.selDb = -1;
    }
    next.readOff = next.reploff;
    next.downSince = 0;
    this.replicaOf = next;
    this.srv.replicaGate = next.gate;
    this.srv.keyspace.replicaMode = true;
    this.srv.keyspace.replicaWritable = !next.gate.readOnly;
    this.srv.config.setRaw('replicaof', `${host} ${port}`);
    this.srv.log.notice(`Connecting to MASTER ${host}:${port}`);
    // (At startup the cron connects once the data set is loaded.)
    if (connectNow && !this.srv.loading) next.connect();
  }

  /** REPLICAOF NO ONE: a master again, starting a new history (the old one stays valid as replid2). */
  unsetMaster(): void {
    const r = this.replicaOf;
    if (r === null) return;
    r.stop();
    this.replicaOf = null;
    this.srv.replicaGate = null;
    this.srv.keyspace.replicaMode = false;
    this.srv.keyspace.replicaWritable = false;
    this.srv.keyspace.replicaKeysWithExpire = null;
    this.srv.config.setRaw('replicaof', '');
    this.replId2 = this.replId;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.changeReplId();
    this.srv.log.warning(`Setting secondary replication ID to ${this.replId2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replId}`);
    this.disconnectReplicas();
    this.selDb = -1;
    this.noReplicasSince = this.srv.clock.now();
    if (this.backlog === null) this.createBacklog();
  }

  private detach(link: ReplicaLink): void {
    const i = this.replicas.indexOf(link);
    if (i < 0) return;
    this.replicas.splice(i, 1);
    if (this.replicas.length === 0) this.noReplicasSince = this.srv.clock.now();
  }

  private clientClosed(c: Client): void {
    const link = this.replicas.find((r) => r.client === c);
    if (link !== undefined) {
      this.detach(link);
      this.srv.log.notice(`Connection with replica ${link.ip()}:${link.listeningPort} lost.`);
    }
    const w = this.waiters.findIndex((x) => x.client === c);
    if (w >= 0) this.waiters.splice(w, 1);
  }

  /** CONFIG RESETSTAT: the sync counters and the bytes sent to replicas. */
  resetStats(): void {
    this.syncFull = 0;
    this.syncPartialOk = 0;
    this.syncPartialErr = 0;
    this.outputBytes = 0;
  }

  // ---- the history in RDB files ----------------------------------------------------------------

  /**
   * The repl-stream-db / repl-id / repl-offset aux fields of an RDB file saved now (Redis's
   * rdbPopulateSaveInfo): a master in a replication chain (it has a backlog), or a replica with
   * its master's history; null for a master that never had replicas.
   */
  saveInfo(): ReplAux | null {
    const ro = this.replicaOf;
    if (ro === null) {
      if (this.backlog === null) return null;
      return { streamDb: this.selDb === -1 ? 0 : this.selDb, replId: this.replId, offset: this.masterReplOffset };
    }
    const db = ro.streamDbForSave();
    return db === null ? null : { streamDb: db, replId: this.replId, offset: this.masterReplOffset };
  }

  /** Before a master loads its RDB at startup: a backlog for the DELs of keys found expired. */
  prepareStartupLoad(): void {
    if (this.backlog === null) this.createBacklog();
  }

  /** A key found expired while loading at startup: its deletion goes into the backlog. */
  feedExpiredAtLoad(dbId: number, key: string): void {
    this.feed(dbId, [this.srv.keyspace.lazyfree.expire ? 'UNLINK' : 'DEL', key], true, null);
  }

  /**
   * After the startup load (Redis's loadDataFromDisk): the RDB's history continues. A master
   * offers it as replid2 (replicas that followed it resync partially) with its offset rebased
   * past it; a replica caches it as its master to PSYNC from. Without it, no backlog is kept.
   */
  restoreFromRdb(aux: Map<string, string>): void {
    const id = aux.get('repl-id');
    const offset = Number(aux.get('repl-offset') ?? -1);
    const streamDb = Number(aux.get('repl-stream-db') ?? -1);
    const valid = id !== undefined && id.length === 40 && Number.isSafeInteger(offset) && offset !== -1 && streamDb !== -1;
    const ro = this.replicaOf;
    if (!valid) {
      if (ro === null) this.backlog = null;
      return;
    }
    if (ro !== null) {
      this.replId = id;
      this.masterReplOffset = offset;
      ro.cacheFrom(id, offset, streamDb);
      return;
    }
    this.replId2 = id;
    this.secondReplOffset = offset + 1;
    this.masterReplOffset += offset;
    const b = this.backlog!;
    b.offset = this.masterReplOffset - b.histlen + 1;
    this.noReplicasSince = this.srv.clock.now();
  }

  // ---- acknowledgements and WAIT -----------------------------------------------------------------

  /** REPLCONF ACK <offset> from a replica. */
  ack(c: Client, offset: number): void {
    const link = this.replicas.find((r) => r.client === c);
    if (link === undefined) return;
    if (offset > link.ackOffset) link.ackOffset = offset;
    link.ackTime = this.srv.clock.now();
    this.serveWaiters();
    this.failover.scheduleCheck();
  }

  /** Online replicas that acknowledged at least `offset` (replicationCountAcksByOffset). */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /** The offset a WAIT from `c` waits for: the end of its last write in the stream. */
  writeOffsetOf(c: Client): number {
    return this.woff.get(c) ?? 0;
  }

  addWaiter(w: AckWaiter): void {
    this.waiters.push(w);
    this.requestAcks();
  }

  removeWaiter(c: Client): void {
    const i = this.waiters.findIndex((x) => x.client === c);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  private serveWaiters(): void {
    if (this.waiters.length === 0) return;
    for (const w of [...this.waiters]) {
      if (this.countAcks(w.offset) >= w.numreplicas) {
        this.removeWaiter(w.client);
        // Answered with its timeout reply: the number of replicas that acknowledged.
        unblockClient(w.client, 'timeout', false);
      }
    }
  }

  /** REPLCONF GETACK * to every replica now, paused or not (a shutdown waiting for them). */
  sendGetAck(): void {
    if (this.replicas.length !== 0) this.feedStandalone(['REPLCONF', 'GETACK', '*']);
  }

  /** Asks every replica for an ACK before the event loop goes on (REPLCONF GETACK *). */
  requestAcks(): void {
    if (this.getAckScheduled) return;
    this.getAckScheduled = true;
    setImmediate(() => {
      this.getAckScheduled = false;
      // Not while clients are paused: the GETACK would move the offset (Redis waits too).
      if (this.srv.clientPause !== null) {
        this.pendingGetAck = true;
        return;
      }
      if (this.replicas.length !== 0) this.feedStandalone(['REPLCONF', 'GETACK', '*']);
    });
  }

  private pendingGetAck = false;

  // ---- cron ---------------------------------------------------------------------------------------

  /** Once a second: PING replicas, drop timed-out ones, free an unused backlog, resize it. */
  private cron(): void {
    const now = Date.now();
    // During a failover the checks and the handshake run ten times a second, as in Redis.
    if (this.failover.active && now - this.lastFastCron >= 100) {
      this.lastFastCron = now;
      this.failover.update();
      if (now - this.lastCron < 1000) this.replicaOf?.cron();
    }
    if (now - this.lastCron < 1000) return;
    this.lastCron = now;
    const loops = this.cronLoops++;
    const cfg = this.srv.config;
    this.replicaOf?.cron();
    if (this.pendingGetAck && this.srv.clientPause === null) {
      this.pendingGetAck = false;
      this.requestAcks();
    }
    const period = cfg.int('repl-ping-replica-period');
    // A replica's replicas get the PINGs of its master, in the stream it hands on.
    // Not while a failover with a deadline holds the pause (FAILOVER ... TIMEOUT, or a cluster
    // manual failover): the PING would move the offset the replica must reach (Redis's condition,
    // which a FAILOVER without TIMEOUT does not meet).
    const failoverDeadline = this.failover.endTime !== 0 || (this.srv.cluster !== null && this.srv.cluster.mfEnd !== 0);
    const failoverPause = failoverDeadline && this.srv.clientPause !== null;
    if (this.replicas.length !== 0 && loops % period === 0 && this.replicaOf === null && !failoverPause) this.feedStandalone(['PING']);
    const clockNow = this.srv.clock.now();
    const timeoutMs = cfg.int('repl-timeout') * 1000;
    for (const r of [...this.replicas]) {
      if (r.state !== 'online' || r.prePsync) continue;
      if (clockNow - r.ackTime > timeoutMs) {
        this.srv.log.warning(`Disconnecting timedout replica (streaming sync): ${r.ip()}:${r.listeningPort}`);
        r.client.close();
      }
    }
    const b = this.backlog;
    if (b !== null) {
      this.resizeBacklog();
      const ttl = cfg.int('repl-backlog-ttl');
      if (this.replicas.length === 0 && this.replicaOf === null && ttl > 0 && clockNow - this.noReplicasSince > ttl * 1000) {
        this.changeReplId();
        this.clearReplId2();
        this.backlog = null;
        this.srv.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
  }

  // ---- introspection --------------------------------------------------------------------------------

  /** INFO replication, in Redis's order (master role). */
  infoFields(): [string, string | number][] {
    const nowSec = Math.floor(this.srv.clock.now() / 1000);
    const ro = this.replicaOf;
    const out: [string, string | number][] = [['role', ro === null ? 'master' : 'slave']];
    if (ro !== null) {
      const cfg = this.srv.config;
      const up = ro.state === 'connected';
      out.push(
        ['master_host', ro.host],
        ['master_port', ro.port],
        ['master_link_status', up ? 'up' : 'down'],
        ['master_last_io_seconds_ago', ro.master !== null ? nowSec - Math.floor(ro.master.lastInteraction / 1000) : -1],
        ['master_sync_in_progress', ro.state === 'sync' ? 1 : 0],
        // Without a master or a cached one (a full sync under way: +FULLRESYNC dropped it), 1.
        ['slave_read_repl_offset', ro.master !== null || ro.masterReplId !== null ? ro.readOff : 1],
        ['slave_repl_offset', ro.master !== null || ro.masterReplId !== null ? ro.reploff : 1],
      );
      const t = ro.transferInfo();
      if (t !== null) {
        out.push(
          ['master_sync_total_bytes', t.size],
          ['master_sync_read_bytes', t.read],
          ['master_sync_left_bytes', t.size - t.read],
          ['master_sync_perc', (t.size ? (t.read / t.size) * 100 : 0).toFixed(2)],
          ['master_sync_last_io_seconds_ago', nowSec - Math.floor(ro.lastIo / 1000)],
        );
      }
      if (!up) out.push(['master_link_down_since_seconds', ro.downSince ? nowSec - Math.floor(ro.downSince / 1000) : -1]);
      out.push(['slave_priority', cfg.int('replica-priority')], ['slave_read_only', cfg.bool('replica-read-only') ? 1 : 0], ['replica_announced', cfg.bool('replica-announced') ? 1 : 0]);
    }
    out.push(['connected_slaves', this.replicas.length]);
    if (this.srv.minReplicasToWrite !== 0 && this.srv.minReplicasMaxLag !== 0) out.push(['min_slaves_good_slaves', this.goodReplicas()]);
    this.replicas.forEach((r, i) => {
      const lag = r.state === 'online' ? nowSec - Math.floor(r.ackTime / 1000) : 0;
      out.push([`slave${i}`, `ip=${r.ip()},port=${r.listeningPort},state=${r.state},offset=${r.ackOffset},lag=${lag}`]);
    });
    const b = this.backlog;
    out.push(
      ['master_failover_state', this.failover.state],
      ['master_replid', this.replId],
      ['master_replid2', this.replId2],
      ['master_repl_offset', this.masterReplOffset],
      ['second_repl_offset', this.secondReplOffset],
      ['repl_backlog_active', b !== null ? 1 : 0],
      ['repl_backlog_size', this.srv.config.get('repl-backlog-size')],
      ['repl_backlog_first_byte_offset', b !== null ? b.offset : 0],
      ['repl_backlog_histlen', b !== null ? b.histlen : 0],
    );
    return out;
  }

  /** Online replicas whose last ACK is at most min-replicas-max-lag seconds old (Redis's good slaves). */
  goodReplicas(): number {
    const nowSec = Math.floor(this.srv.clock.now() / 1000);
    const maxLag = this.srv.minReplicasMaxLag;
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && nowSec - Math.floor(r.ackTime / 1000) <= maxLag) n++;
    return n;
  }

  /** ROLE on a master: offset and the online replicas as [ip, port, acked offset]. */
  roleReply(): (string | number | string[][])[] {
    const ro = this.replicaOf;
    if (ro !== null) return ['slave', ro.host, ro.port, ro.state, ro.master !== null ? ro.reploff : -1];
    const list = this.replicas.filter((r) => r.state === 'online').map((r) => [r.ip(), String(r.listeningPort), String(r.ackOffset)]);
    return ['master', this.masterReplOffset, list];
  }
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}


/**
 * Whether min-replicas-to-write refuses writes now (Redis's checkGoodReplicasStatus): both
 * settings non-zero and fewer good replicas than asked for.
 */
export function tooFewGoodReplicas(srv: ServerContext): boolean {
  if (srv.minReplicasToWrite === 0 || srv.minReplicasMaxLag === 0) return false;
  return srv.replication.goodReplicas() < srv.minReplicasToWrite;
}

/** At startup: `replicaof host port` in the configuration makes the server a replica. */
export function startReplicaOfConfig(srv: ServerContext): void {
  const v = srv.config.get('replicaof');
  if (v === '') return;
  const sp = v.lastIndexOf(' ');
  replicationOf(srv).setMaster(v.slice(0, sp), Number(v.slice(sp + 1)), false);
}

/** The replication state of a server (Server.replication). */
export function replicationOf(srv: ServerContext): Replication {
  return srv.replication;
}
