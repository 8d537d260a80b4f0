// A full synchronization on the replica side (Redis's readSyncBulkPayload): the payload's header
// ($<len> or $EOF:<mark>), then the RDB, loaded without blocking the server:
//   - repl-diskless-load disabled (or on-empty-db with keys): the payload is received whole
//     first ("to disk": kept in memory here), then the old data is flushed and the image loaded
//     in slices, clients getting -LOADING meanwhile;
//   - on-empty-db with no keys, or swapdb: the image is parsed as it arrives ("to parser"). With
//     swapdb it is loaded into temporary databases beside the old data, swapped in when complete
//     and dropped if the transfer fails, so the old data survives a failed sync. When the master
//     kept our replication history (same replid) the old data keeps serving reads meanwhile
//     (async_loading:1), else clients get -LOADING.
import type { ServerContext } from '../engine/context';
import { Db } from '../keyspace/db';
import { persistenceOf } from '../persistence/persistence';
import { RdbLoader } from '../persistence/rdb-file';
import { RdbIngest } from '../persistence/rdb-ingest';
import type { Replication } from './replication';

const EOF_MARK_LEN = 40;

/** What the full sync needs of the replica link that runs it. */
export interface FullSyncHost {
  readonly repl: Replication;
  /**
   * The dataset is about to become the master's (the old one flushed, or swapped out): drop the
   * cached master and our own replicas.
   */
  attachToNewMaster(): void;
  /** The sync failed: drop the link, try again. */
  fail(): void;
  /** The dataset is the master's: the replication stream starts (`after`: bytes already received of it). */
  loaded(result: SyncResult): void;
}

export interface SyncResult {
  replid: string | null;
  offset: number;
  streamDb: number;
  /** The payload came with an EOF mark (a diskless master waits for our first ACK). */
  eofForm: boolean;
  after: Buffer[];
}

interface LoadRun {
  ingest: RdbIngest;
  loader: RdbLoader;
  /** Parsed from the socket as it arrives (else from the whole payload). */
  diskless: boolean;
  /** swapdb: the temporary databases and function libraries, swapped in at the end. */
  tempDbs: Db[] | null;
  functions: string[] | null;
  aux: Map<string, string>;
  expired: { n: number };
  /** The image is parsed completely (it may still wait for the rest of the payload). */
  parsed: boolean;
}

export class FullSync {
  /** Payload size (-1 until the header came, 0 for an EOF-marked stream) and bytes received. */
  size = -1;
  read = 0;
  private header = true;
  private lineBuf = '';
  private mark: string | null = null;
  private tail = Buffer.alloc(0);
  /** Payload bytes (disk mode) and bytes after the payload (the stream, kept while loading). */
  private chunks: Buffer[] = [];
  private readonly after: Buffer[] = [];
  /** All of the payload arrived. */
  private complete = false;
  private run: LoadRun | null = null;
  /** The link closed after the whole payload arrived: the load goes on, then PSYNC continues. */
  linkLost = false;
  private over = false;

  constructor(
    private readonly host: FullSyncHost,
    private readonly srv: ServerContext,
    readonly replid: string | null,
    readonly offset: number,
  ) {}

  /** Loading (INFO's loading fields come from persistence; this says the sync is past the transfer). */
  get loading(): boolean {
    return this.run !== null;
  }

  /** The whole payload arrived (only the load is left). */
  get received(): boolean {
    return this.complete;
  }

  onData(chunk: Buffer): void {
    if (this.over) return;
    if (this.header) return this.onHeader(chunk);
    if (this.complete) {
      this.after.push(chunk);
      return;
    }
    this.onPayload(chunk);
  }

  /** The $<len> or $EOF:<mark> line, after any keep-alive newlines. */
  private onHeader(chunk: Buffer): void {
    const srv = this.srv;
    let s = this.lineBuf + chunk.latin1Slice(0, chunk.length);
    let nl: number;
    while ((nl = s.indexOf('\n')) >= 0) {
      const line = s.slice(0, nl).replace(/\r$/, '');
      s = s.slice(nl + 1);
      if (line === '') continue;
      if (line.startsWith('-')) {
        srv.log.warning(`MASTER aborted replication with an error: ${line.slice(1)}`);
        return this.failed();
      }
      if (!line.startsWith('$')) {
        srv.log.warning(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
        return this.failed();
      }
      this.header = false;
      this.lineBuf = '';
      const diskless = this.useDisklessLoad();
      const to = diskless ? 'to parser' : 'to disk';
      if (line.startsWith('$EOF:') && line.length - 5 >= EOF_MARK_LEN) {
        this.mark = line.slice(5, 5 + EOF_MARK_LEN);
        this.size = 0;
        srv.log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${to}`);
      } else {
        this.size = Number(line.slice(1));
        srv.log.notice(`MASTER <-> REPLICA sync: receiving ${this.size} bytes from master ${to}`);
      }
      if (diskless) this.startLoad(null);
      if (this.over) return;
      if (this.mark === null && this.size <= 0) this.payloadComplete();
      if (s.length) this.onData(Buffer.from(s, 'latin1'));
      return;
    }
    this.lineBuf = s;
  }

  /** Redis's useDisklessLoad: swapdb, or on-empty-db when there is no key at all. */
  private useDisklessLoad(): boolean {
    const mode = this.srv.config.get('repl-diskless-load');
    return mode === 'swapdb' || (mode === 'on-empty-db' && this.srv.keyspace.dbs.every((db) => db.size === 0));
  }

  private onPayload(chunk: Buffer): void {
    let part = chunk;
    let rest: Buffer | null = null;
    if (this.mark === null) {
      const need = this.size - this.read;
      if (chunk.length > need) {
        part = chunk.subarray(0, need);
        rest = chunk.subarray(need);
      }
    }
    this.read += part.length;
    let done = false;
    if (this.mark !== null) {
      // The mark may straddle chunks: compare it with the last 40 bytes received.
      const tail = this.tail.length ? Buffer.concat([this.tail, part]) : part;
      this.tail = Buffer.from(tail.length > EOF_MARK_LEN ? tail.subarray(tail.length - EOF_MARK_LEN) : tail);
      done = this.tail.length === EOF_MARK_LEN && this.tail.latin1Slice(0, EOF_MARK_LEN) === this.mark;
    } else done = this.read >= this.size;
    if (this.run !== null) this.run.ingest.feed(part);
    else this.chunks.push(part);
    if (rest !== null && rest.length) this.after.push(rest);
    if (done) this.payloadComplete();
  }

  private payloadComplete(): void {
    this.complete = true;
    const run = this.run;
    if (run !== null) {
      run.ingest.end();
      if (run.parsed) this.finish();
      return;
    }
    // Disk mode: the whole payload is here (the EOF mark cut off), now load it.
    let rdb = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    if (this.mark !== null) rdb = rdb.subarray(0, Math.max(0, rdb.length - EOF_MARK_LEN));
    this.startLoad(rdb);
  }

  /** Starts loading: `rdb` is the whole payload (disk mode), null when parsing from the socket. */
  private startLoad(rdb: Buffer | null): void {
    const srv = this.srv;
    const p = persistenceOf(srv);
    const diskless = rdb === null;
    const swap = diskless && srv.config.get('repl-diskless-load') === 'swapdb';
    // The old data may keep serving reads only when it is an earlier point of the same history.
    const asyncLoading = swap && this.replid !== null && this.host.repl.replId === this.replid;
    if (!swap) {
      this.host.attachToNewMaster();
      srv.log.notice('MASTER <-> REPLICA sync: Flushing old data');
      emptyDataset(srv);
    }
    srv.log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    const tempDbs = swap ? srv.keyspace.dbs.map((_, i) => new Db(i, srv.keyspace)) : null;
    const functions = swap ? [] : null;
    const aux = new Map<string, string>();
    const expired = { n: 0 };
    const sink = p.loadSink(expired, false, { aux, feedExpired: false }, tempDbs, functions);
    let loader: RdbLoader;
    try {
      loader = new RdbLoader(rdb ?? Buffer.alloc(0), sink, p.loadLimits(), p.verifyChecksums(), diskless);
    } catch (e) {
      srv.log.warning(`Failed trying to load the MASTER synchronization DB from disk: ${errText(e)}`);
      return this.failed();
    }
    const total = diskless ? this.size : rdb.length;
    p.startLoading({ startMs: Date.now(), totalBytes: Math.max(total, 0), progress: () => loader.progress, async: asyncLoading, rdbUsedMem: 0 });
    const ingest = new RdbIngest(loader, p.ingestOptions(), (err) => this.parsed(err));
    this.run = { ingest, loader, diskless, tempDbs, functions, aux, expired, parsed: false };
    if (!diskless) ingest.end();
    ingest.kick();
  }

  /** The image is parsed (err null) or the load failed. */
  private parsed(err: unknown): void {
    const run = this.run!;
    const srv = this.srv;
    if (err !== null) {
      srv.log.warning(`Failed trying to load the MASTER synchronization DB from ${run.diskless ? 'socket' : 'disk'}: ${errText(err)}`);
      return this.loadFailed();
    }
    run.parsed = true;
    persistenceOf(srv).loadDone(run.loader, run.expired);
    if (this.complete) this.finish();
  }

  /** Image parsed and payload complete: check the EOF mark, swap the new data in, start the stream. */
  private finish(): void {
    const run = this.run!;
    const srv = this.srv;
    const p = persistenceOf(srv);
    if (run.diskless && this.mark !== null) {
      const trailing = run.loader.trailing();
      if (trailing.length !== EOF_MARK_LEN || trailing.latin1Slice(0, EOF_MARK_LEN) !== this.mark) {
        srv.log.warning('Replication stream EOF marker is broken');
        return this.loadFailed();
      }
    }
    if (run.tempDbs !== null) {
      // Function libraries first: if one cannot be loaded the old data stays, as on any failure.
      const fnErr = p.replaceFunctions(run.functions!);
      if (fnErr !== null) {
        srv.log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${fnErr}`);
        return this.loadFailed();
      }
      this.host.attachToNewMaster();
      srv.log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      swapInTempDbs(srv, run.tempDbs);
      srv.log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    // A diskless load changed the data without a save (Redis counts it as one change).
    if (run.diskless) srv.keyspace.dirty++;
    p.stopLoading();
    const db = Number(run.aux.get('repl-stream-db') ?? 0);
    this.run = null;
    this.over = true;
    this.host.loaded({
      replid: this.replid,
      offset: this.offset,
      streamDb: Number.isInteger(db) && db >= 0 ? db : 0,
      eofForm: this.mark !== null,
      after: this.after,
    });
  }

  /** The load failed: the old data is back (swapdb) or the half-loaded data is emptied. */
  private loadFailed(): void {
    this.discardLoad();
    this.failed();
  }

  private discardLoad(): void {
    const run = this.run;
    if (run === null) return;
    this.run = null;
    run.ingest.abort();
    const srv = this.srv;
    persistenceOf(srv).stopLoading();
    if (run.tempDbs !== null) srv.log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
    else emptyDataset(srv);
  }

  private failed(): void {
    if (this.over) return;
    this.over = true;
    this.host.fail();
  }

  /**
   * The link closed. While the image is parsed from the socket, the sync fails as a short read
   * (with swapdb the old data stays). Redis reads the socket only as fast as it parses, so a
   * master that goes away mid-load is a read error there; we read ahead of the parser, and treat
   * the lost link the same way even when the last bytes already arrived. A payload received
   * whole ("to disk") goes on loading, and PSYNC continues from it. Returns whether the sync goes on.
   */
  linkClosed(): boolean {
    const srv = this.srv;
    if (this.over) return false;
    const run = this.run;
    if (this.complete && run !== null && !run.diskless) {
      this.linkLost = true;
      return true;
    }
    if (run !== null && run.diskless) {
      srv.log.warning(
        `Internal error in RDB reading offset ${run.loader.progress}, function at the replica's socket loader -> Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation.`,
      );
      srv.log.warning('Failed trying to load the MASTER synchronization DB from socket: connection lost');
      this.discardLoad();
    } else srv.log.warning('I/O error trying to sync with MASTER: connection lost');
    this.over = true;
    return false;
  }

  /** REPLICAOF elsewhere, shutdown, a cluster role change: stop, dropping a swapdb load. */
  abort(): void {
    if (this.over) return;
    this.over = true;
    const run = this.run;
    if (run === null) return;
    if (run.tempDbs !== null) this.discardLoad();
    else {
      this.run = null;
      run.ingest.abort();
      persistenceOf(this.srv).stopLoading();
    }
  }
}

/** Flushes every database and the function libraries before a full sync loads into them. */
export function emptyDataset(srv: ServerContext): void {
  persistenceOf(srv).emptyData(true);
  srv.keyspace.replicaKeysWithExpire = null;
}

/**
 * Redis's swapMainDbWithTempDb: each database takes the loaded tables (clients keep their
 * selected Db object); WATCHed keys present on either side fail EXEC, blocked clients and
 * tracking hear about the change, and the keys-per-slot index (cluster) follows the new table.
 */
function swapInTempDbs(srv: ServerContext, temp: Db[]): void {
  srv.keyspace.dbs.forEach((db, i) => {
    const t = temp[i];
    srv.watches.touchDb(db, t);
    const observer = db.dict.observer;
    db.dict.observer = null;
    observer?.clear();
    db.dict = t.dict;
    db.expires = t.expires;
    db.avgTtl = 0;
    if (observer !== null) {
      db.dict.forEach((k) => observer.add(k));
      db.dict.observer = observer;
    }
  });
  srv.keyspace.replicaKeysWithExpire = null;
  srv.events.emit('dbFlushed', srv.keyspace.dbs);
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
