// The replica side of replication (Redis's replication.c, replica half): the link to the master
// (handshake, PSYNC, the RDB transfer), then the master client whose commands are applied without
// replies, offsets counted byte by byte, REPLCONF ACK every second, reconnection with PSYNC after
// the link drops, and the role change back to master (REPLICAOF NO ONE). The socket is in
// src/net/master-link.ts; this file only sees bytes.
import { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import type { MasterLink } from '../net/master-link';
import { respCommand } from '../persistence/aof-format';
import { ProtocolError, RespParser } from '../resp/parser';
import { FullSync, FullSyncHost, SyncResult } from './full-sync';
import type { Replication } from './replication';

/** Redis's repl_state, as ROLE names it ('handshake' covers the PING..PSYNC exchange). */
export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** What the dispatcher checks on a replica (one object so the master path is a null test). */
export interface ReplicaGate {
  readOnly: boolean;
  serveStale: boolean;
  linkUp: boolean;
}

/** The handshake steps whose replies we wait for, in order. */
type Step = 'ping' | 'auth' | 'port' | 'ip' | 'capa' | 'psync' | 'sync';

export class ReplicaOf {
  state: LinkState = 'connect';
  link: MasterLink | null = null;
  /** The client the master's commands run as, once the link is up (CLIENT LIST flags=M). */
  master: Client | null = null;
  /** The master's history we follow: its replid and the offset we processed (PSYNC resumes there). */
  masterReplId: string | null = null;
  /** Offset of the stream processed (slave_repl_offset) and read (slave_read_repl_offset). */
  reploff = 0;
  readOff = 0;
  /** When the link went down (ms, server clock; 0: never up since REPLICAOF). */
  downSince = 0;
  /** Last byte received from the master (ms), for master_last_io_seconds_ago and repl-timeout. */
  lastIo = 0;
  readonly gate: ReplicaGate;
  private steps: Step[] = [];
  private lineBuf = '';
  /** The full synchronization under way (payload transfer, then loading), if any. */
  private sync: FullSync | null = null;
  private parser: RespParser | null = null;
  /** Stream bytes read but not yet applied and handed on to our own replicas. */
  private unapplied: Buffer[] = [];
  private lastAck = 0;
  /** Stream db of the master client after a sync (the RDB's repl-stream-db aux field). */
  private streamDb = 0;
  private stopped = false;

  constructor(
    private readonly repl: Replication,
    readonly host: string,
    readonly port: number,
  ) {
    const cfg = repl.srv.config;
    this.gate = { readOnly: cfg.bool('replica-read-only'), serveStale: cfg.bool('replica-serve-stale-data'), linkUp: false };
  }

  private get srv(): ServerContext {
    return this.repl.srv;
  }

  // ---- connecting and the handshake ------------------------------------------------------------

  connect(): void {
    if (this.stopped || this.link !== null) return;
    const srv = this.srv;
    this.state = 'connecting';
    this.lastIo = srv.clock.now();
    srv.log.notice(`MASTER <-> REPLICA sync started`);
    // bind-source-addr: the address the link leaves from (else the system picks one).
    const source = srv.config.get('bind-source-addr');
    // tls-replication yes: the link uses TLS with this server's client certificate and CA.
    let tlsOptions = null;
    if (srv.config.bool('tls-replication')) {
      tlsOptions = srv.tls?.clientOptions() ?? null;
      if (tlsOptions === null) {
        srv.log.warning('Unable to connect to MASTER: tls-replication is enabled but TLS is not configured');
        this.state = 'connect';
        return;
      }
    }
    const link = new srv.MasterLink(
      this.host,
      this.port,
      {
        connected: () => this.connected(),
        data: (chunk) => this.onData(chunk),
        closed: (why) => this.linkClosed(why),
      },
      source === '' ? null : source,
      tlsOptions,
    );
    this.link = link;
  }

  private connected(): void {
    const srv = this.srv;
    srv.log.notice('Non blocking connect for SYNC fired the event.');
    this.state = 'handshake';
    this.lastIo = srv.clock.now();
    this.send(['PING']);
    this.steps = ['ping'];
  }

  private send(argv: string[]): void {
    this.link?.write(respCommand(argv));
  }

  /** The rest of the handshake, pipelined as Redis sends it once PING was answered. */
  private sendSettings(): void {
    const cfg = this.srv.config;
    const pass = cfg.get('masterauth');
    const user = cfg.get('masteruser');
    const steps: Step[] = [];
    if (pass !== '') {
      this.send(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
      steps.push('auth');
    }
    const announcedPort = cfg.int('replica-announce-port');
    this.send(['REPLCONF', 'listening-port', String(announcedPort || this.srv.boundPort || cfg.int('port'))]);
    steps.push('port');
    const ip = cfg.get('replica-announce-ip');
    if (ip !== '') {
      this.send(['REPLCONF', 'ip-address', ip]);
      steps.push('ip');
    }
    this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    steps.push('capa');
    this.steps = steps;
  }

  private sendPsync(): void {
    const srv = this.srv;
    if (this.masterReplId !== null) {
      const off = this.reploff + 1;
      srv.log.notice(`Trying a partial resynchronization (request ${this.masterReplId}:${off}).`);
      this.send(this.psyncArgs(this.masterReplId, String(off)));
    } else {
      srv.log.notice('Partial resynchronization not possible (no cached master)');
      this.send(this.psyncArgs('?', '-1'));
    }
    this.steps = ['psync'];
  }

  /** A master failing over to its replica asks it to become the master (PSYNC ... FAILOVER). */
  private psyncArgs(replid: string, offset: string): string[] {
    return this.repl.failover.state === 'failover-in-progress' ? ['PSYNC', replid, offset, 'FAILOVER'] : ['PSYNC', replid, offset];
  }

  private onData(chunk: Buffer): void {
    this.lastIo = this.srv.clock.now();
    if (this.master !== null) return this.onStream(chunk);
    if (this.sync !== null) return this.sync.onData(chunk);
    // Handshake replies are lines.
    let s = this.lineBuf + chunk.latin1Slice(0, chunk.length);
    for (;;) {
      const nl = s.indexOf('\n');
      if (nl < 0) break;
      const line = s.slice(0, nl).replace(/\r$/, '');
      s = s.slice(nl + 1);
      const rest = this.onLine(line);
      if (rest === 'transfer') {
        this.lineBuf = '';
        if (s.length) (this.sync as FullSync | null)?.onData(Buffer.from(s, 'latin1'));
        return;
      }
      if (rest === 'stop') return;
      if (rest === 'stream') {
        this.lineBuf = '';
        if (s.length) this.onStream(Buffer.from(s, 'latin1'));
        return;
      }
    }
    this.lineBuf = s;
  }

  /** One handshake reply line; says where the bytes after it go. */
  private onLine(line: string): 'more' | 'transfer' | 'stream' | 'stop' {
    const srv = this.srv;
    const step = this.steps[0];
    // The master sends newlines to keep the link alive while it prepares the RDB.
    if (line === '' && (step === 'psync' || step === undefined)) return 'more';
    this.steps.shift();
    switch (step) {
      case 'ping':
        if (line.startsWith('-') && !line.startsWith('-NOAUTH') && !line.startsWith('-NOPERM') && !line.startsWith('-ERR operation not permitted')) {
          srv.log.warning(`Error reply to PING from master: '${line.slice(1)}'`);
          this.fail();
          return 'stop';
        }
        srv.log.notice('Master replied to PING, replication can continue...');
        this.sendSettings();
        return 'more';
      case 'auth':
        if (line.startsWith('-')) {
          srv.log.warning(`Unable to AUTH to MASTER: ${line}`);
          this.fail();
          return 'stop';
        }
        return 'more';
      case 'port':
        if (line.startsWith('-')) srv.log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${line}`);
        return 'more';
      case 'ip':
        if (line.startsWith('-')) srv.log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${line}`);
        return 'more';
      case 'capa':
        if (line.startsWith('-')) srv.log.notice(`(Non critical) Master does not understand REPLCONF capa: ${line}`);
        this.sendPsync();
        return 'more';
      case 'psync':
        return this.psyncReply(line);
      default:
        return 'more';
    }
  }

  private psyncReply(line: string): 'more' | 'transfer' | 'stream' | 'stop' {
    const srv = this.srv;
    // A failover ends when the target accepted (a full resync is accepted too); else it is aborted.
    const accepted = line.startsWith('+FULLRESYNC') || line.startsWith('+CONTINUE');
    if (this.repl.failover.state === 'failover-in-progress') {
      this.repl.failover.psyncAnswered(accepted);
      if (!accepted) return 'stop';
    }
    if (line.startsWith('+FULLRESYNC')) {
      const m = /^\+FULLRESYNC ([^ ]+) (-?\d+)/.exec(line);
      if (m === null || m[1].length !== 40) {
        srv.log.warning('Master replied with wrong +FULLRESYNC syntax.');
        this.fullSyncStart(null, 0);
      } else {
        srv.log.notice(`Full resync from master: ${m[1]}:${m[2]}`);
        this.fullSyncStart(m[1], Number(m[2]));
      }
      return 'transfer';
    }
    if (line.startsWith('+CONTINUE')) {
      srv.log.notice('Successful partial resynchronization with master.');
      const id = line.slice(10).trim();
      if (id.length === 40 && id !== this.masterReplId) {
        srv.log.warning(`Master replication ID changed to ${id}`);
        this.repl.shiftToNewMasterId(id);
        this.masterReplId = id;
      }
      srv.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      this.startStream();
      return 'stream';
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      srv.log.notice(`Master is currently unable to PSYNC but should be in the future: ${line}`);
      this.fail();
      return 'stop';
    }
    if (line.startsWith('-ERR')) srv.log.notice(`Master does not support PSYNC or is in error state (reply: ${line})`);
    else srv.log.warning(`Unexpected reply to PSYNC from master: ${line}`);
    // Fall back to SYNC: the payload follows directly.
    this.send(['SYNC']);
    this.fullSyncStart(null, 0);
    return 'transfer';
  }

  // ---- full synchronization (src/replication/full-sync.ts) --------------------------------------

  private fullSyncStart(replid: string | null, offset: number): void {
    this.state = 'sync';
    const host: FullSyncHost = {
      repl: this.repl,
      attachToNewMaster: () => {
        // Redis's replicationAttachToNewMaster: the cached history is given up (a failed load
        // then asks for a full sync again; INFO and cluster gossip read no offset meanwhile) and
        // our replicas, which follow another history from now on, must resync.
        this.masterReplId = null;
        this.repl.disconnectReplicas();
      },
      fail: () => this.fail(),
      loaded: (r) => this.fullSyncDone(r),
    };
    this.sync = new FullSync(host, this.srv, replid, offset);
  }

  /** transfer info for INFO (master_sync_*). */
  transferInfo(): { size: number; read: number } | null {
    const t = this.sync;
    return t === null ? null : { size: t.size < 0 ? 0 : t.size, read: t.read };
  }

  /** The dataset is the master's now: adopt its history and start the stream. */
  private fullSyncDone(r: SyncResult): void {
    const srv = this.srv;
    const sync = this.sync!;
    this.sync = null;
    this.streamDb = r.streamDb;
    this.masterReplId = r.replid;
    this.reploff = r.offset;
    this.readOff = r.offset;
    this.repl.adoptMasterHistory(r.replid, r.offset);
    srv.log.notice(`MASTER <-> REPLICA sync: Finished with success`);
    if (sync.linkLost) {
      // The link closed while we loaded: continue from here with PSYNC.
      this.state = 'connect';
      this.linkDown();
      return;
    }
    this.startStream();
    // A diskless master starts the stream once we acknowledged the payload.
    if (r.eofForm) this.sendAck();
    for (const chunk of r.after) if (this.master !== null) this.onStream(chunk);
  }

  // ---- the stream ------------------------------------------------------------------------------

  /** The link becomes the master client (after a full sync or a +CONTINUE). */
  private startStream(): void {
    const srv = this.srv;
    const link = this.link!;
    const c = new Client(srv, 'tcp');
    c.addr = link.remoteAddr;
    c.laddr = link.localAddr;
    c.fd = link.fd;
    c.isMaster = true;
    c.mustObey = true;
    c.authenticated = true;
    // Replies are produced (and dropped after each command) so that error replies can be logged.
    c.db = srv.keyspace.dbs[this.streamDb] ?? srv.keyspace.dbs[0];
    c.onClose = () => this.masterClientClosed();
    // A paused or blocked master client resumes here (CLIENT PAUSE ends).
    c.onAsyncOutput = () => this.process();
    c.transportPendingBytes = () => link.pendingBytes;
    srv.addClient(c);
    this.master = c;
    this.parser = new RespParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: () => false });
    this.unapplied = [];
    this.postponedEnd = -1;
    this.state = 'connected';
    this.gate.linkUp = true;
    this.downSince = 0;
    this.lastAck = 0;
  }

  /** Where the stream ends after a command postponed by CLIENT PAUSE or blocked (-1: none). */
  private postponedEnd = -1;

  private onStream(chunk: Buffer): void {
    const c = this.master;
    if (c === null || c.closed) return;
    this.readOff += chunk.length;
    c.lastInteraction = this.lastIo;
    this.unapplied.push(chunk);
    this.parser!.feed(chunk);
    this.process();
  }

  /** Runs the buffered commands of the master (stops while the client is paused). */
  private process(): void {
    const c = this.master;
    const parser = this.parser;
    if (c === null || parser === null) return;
    const ks = this.srv.keyspace;
    // A command postponed by CLIENT PAUSE (or blocked) has run since: it counts now.
    if (this.postponedEnd >= 0 && !c.blocked) {
      if (c.multi === null) this.applied(this.postponedEnd);
      this.postponedEnd = -1;
    }
    while (!c.blocked && !c.closed) {
      const argv = parser.next();
      if (argv === null) break;
      if (argv instanceof ProtocolError) {
        this.srv.log.warning(`Protocol error (${argv.reason}) from client: id=${c.id} addr=${c.addr} (master)`);
        c.close();
        return;
      }
      if (argv.length !== 0) {
        ks.obeyingMaster = true;
        try {
          this.srv.exec.dispatch(c, argv);
        } finally {
          ks.obeyingMaster = false;
        }
        // Replies are never sent to the master; an error one means the data sets diverge.
        const out = c.writer.take();
        if (out !== null && out[0] === 45 /* '-' */) this.criticalError(out, argv);
      }
      // Inside MULTI the offset moves at EXEC (a partial transaction is never acknowledged); a
      // command postponed by CLIENT PAUSE counts once it ran (process() is called again then).
      if (c.blocked) this.postponedEnd = this.readOff - parser.buffered;
      else if (c.multi === null) this.applied(this.readOff - parser.buffered);
    }
  }

  private criticalError(out: Buffer, argv: string[]): void {
    const end = out.indexOf('\r\n');
    const text = out.latin1Slice(1, Math.min(end < 0 ? out.length : end, 4097));
    const known = this.srv.registry.lookup(argv[0]) !== undefined;
    const cmd = (known ? this.master?.lastCommand?.fullName : undefined) ?? '<unknown>';
    this.srv.log.warning(`== CRITICAL == This replica is sending an error to its master: '${text}' after processing the command '${cmd}'`);
    this.srv.stats.unexpectedErrorReplies++;
  }

  /** The stream up to `off` was applied: it goes on verbatim to our backlog and replicas. */
  private applied(off: number): void {
    let n = off - this.reploff;
    if (n <= 0) return;
    this.reploff = off;
    const parts: Buffer[] = [];
    while (n > 0) {
      const head = this.unapplied[0];
      if (head.length <= n) {
        parts.push(head);
        this.unapplied.shift();
        n -= head.length;
      } else {
        parts.push(head.subarray(0, n));
        this.unapplied[0] = head.subarray(n);
        n = 0;
      }
    }
    this.repl.feedFromMaster(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  /** REPLCONF ACK <processed offset> (also the answer to REPLCONF GETACK). */
  sendAck(): void {
    if (this.link === null || this.state !== 'connected') return;
    this.send(['REPLCONF', 'ACK', String(this.reploff)]);
    this.lastAck = Date.now();
  }

  /** The stream db recorded in an RDB saved now: the master client's, else the cached master's. */
  streamDbForSave(): number | null {
    if (this.master !== null) return this.master.db.id;
    return this.masterReplId !== null ? this.streamDb : null;
  }

  /** The history an RDB loaded at startup recorded: the next PSYNC continues from it. */
  cacheFrom(replid: string, offset: number, streamDb: number): void {
    this.masterReplId = replid;
    this.reploff = offset;
    this.readOff = offset;
    this.streamDb = streamDb;
  }

  // ---- losing the link -------------------------------------------------------------------------

  /** The master client was closed (CLIENT KILL TYPE master, a timeout, a protocol error). */
  private masterClientClosed(): void {
    if (this.master === null) return;
    // The cached master keeps its selected db: a +CONTINUE goes on without a SELECT.
    this.streamDb = this.master.db.id;
    this.master = null;
    this.parser = null;
    this.link?.close();
    this.link = null;
    this.linkDown();
  }

  private linkClosed(why: string | null): void {
    this.link = null;
    const srv = this.srv;
    if (this.master !== null) {
      srv.log.notice('Connection with master lost.');
      const c = this.master;
      this.streamDb = c.db.id;
      this.master = null;
      this.parser = null;
      c.close();
      this.linkDown();
      return;
    }
    if (this.state === 'connecting') srv.log.warning(`Error condition on socket for SYNC: ${why ?? 'Connection refused'}`);
    // A full sync whose payload arrived whole goes on loading (then PSYNC continues from it).
    if (this.sync !== null && this.sync.linkClosed()) return;
    this.resetHandshake();
  }

  /** After the link was up: keep the master's id and our offset for PSYNC, reconnect at once. */
  private linkDown(): void {
    const srv = this.srv;
    srv.log.notice('MASTER <-> REPLICA sync: caching the disconnected master state.');
    this.state = 'connect';
    this.gate.linkUp = false;
    this.downSince = srv.clock.now();
    this.unapplied = [];
    this.postponedEnd = -1;
    this.readOff = this.reploff;
    if (!this.stopped) {
      srv.log.notice(`Reconnecting to MASTER ${this.host}:${this.port}`);
      this.connect();
    }
  }

  /** A handshake or transfer failed: drop the connection, try again from the cron. */
  private fail(): void {
    this.link?.close();
    this.link = null;
    this.resetHandshake();
  }

  private resetHandshake(): void {
    this.sync?.abort();
    this.sync = null;
    this.lineBuf = '';
    this.steps = [];
    this.state = 'connect';
    this.gate.linkUp = false;
  }

  /** REPLICAOF NO ONE or another master: closes everything (no reconnection). */
  stop(): void {
    this.stopped = true;
    const c = this.master;
    this.master = null;
    this.parser = null;
    this.link?.close();
    this.link = null;
    c?.close();
    this.sync?.abort();
    this.sync = null;
    this.gate.linkUp = false;
  }

  // ---- cron ------------------------------------------------------------------------------------

  /** Once a second: connect, time out a silent link, acknowledge. */
  cron(): void {
    const srv = this.srv;
    if (this.stopped) return;
    const now = srv.clock.now();
    const timeoutMs = srv.config.int('repl-timeout') * 1000;
    if ((this.state === 'connecting' || this.state === 'handshake') && now - this.lastIo > timeoutMs) {
      srv.log.warning('Timeout connecting to the MASTER...');
      this.fail();
    }
    // While the received payload loads nothing is expected from the master; Redis sends it
    // newlines meanwhile so that it does not time us out.
    if (this.sync?.loading) this.link?.write(Buffer.from('\n'));
    if (this.state === 'sync' && !this.sync?.received && now - this.lastIo > timeoutMs) {
      srv.log.warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
      this.fail();
    }
    if (this.state === 'connected' && this.master !== null && now - this.master.lastInteraction > timeoutMs) {
      srv.log.warning('MASTER timeout: no data nor PING received...');
      this.master.close();
      return;
    }
    if (this.state === 'connect' && !srv.loading) {
      srv.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
      this.connect();
    }
    if (this.state === 'connected') this.sendAck();
  }
}
