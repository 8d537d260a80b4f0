// Persistence state of one server: RDB saves (SAVE, BGSAVE, save points, SHUTDOWN, DEBUG
// RELOAD), loading at startup with -LOADING, the MISCONF write barrier, and INFO persistence.
// The AOF lives in aof.ts and plugs in here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServerContext } from '../engine/context';
import type { Client } from '../engine/client';
import type { Db } from '../keyspace/db';
import { ReplyError, errorf } from '../errors';
import { Value } from '../datatypes/value';
import { StreamValue } from '../datatypes/stream';
import { unsanitizedPayload } from '../datatypes/unsanitized';
import { AccessInfo, LoadSink, RdbLoadError, RdbLoader } from './rdb-file';
import { LoadLimits } from './rdb-reader';
import { Snapshot, SnapshotOptions } from './snapshot';
import { RdbWriteOptions } from './rdb-writer';
import type { Propagator } from './propagator';
import { LoadProgress } from './load-progress';
import { IngestOptions, RdbIngest } from './rdb-ingest';

const BGSAVE_RETRY_DELAY_S = 5;
/** Milliseconds of work per slice of a background save or a load. */
const SLICE_MS = 8;

/** A load at startup: the RDB's aux fields are collected, expired keys fed to the replication backlog. */
export interface StartupLoad {
  aux: Map<string, string>;
  feedExpired: boolean;
}

export const MISCONF_RDB = errorf(
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
);

/** How scripting's FUNCTION libraries are saved and restored (registered by src/scripting). */
export interface FunctionStore {
  /** Each library's code, in load order. */
  dump(srv: ServerContext): string[];
  /** Loads one library from its code (replacing none); throws with a message on failure. */
  load(srv: ServerContext, code: string, replace: boolean): void;
  /** Removes every library (before a reload). */
  flush(srv: ServerContext): void;
}

let functionStore: FunctionStore | null = null;

export function registerFunctionStore(store: FunctionStore): void {
  functionStore = store;
}

interface BgSave {
  snapshot: Snapshot;
  fd: number;
  tmp: string;
  target: string;
  startMs: number;
  dirtyAtStart: number;
  error: string | null;
  onDone: ((ok: boolean) => void)[];
}

export interface LoadingState {
  startMs: number;
  /** The image's size (0 when unknown: a full sync streamed with an EOF mark). */
  totalBytes: number;
  /** Bytes processed so far. */
  progress: () => number;
  /**
   * A full sync loaded beside the dataset (repl-diskless-load swapdb with the master's history):
   * the old data keeps serving reads (INFO async_loading:1) instead of -LOADING.
   */
  async: boolean;
  /** The used-mem aux field of the image (Redis's loading_rdb_used_mem), 0 until read. */
  rdbUsedMem: number;
}

/** The server's persistence (Server.persistence; kept as a function for its many callers). */
export function persistenceOf(srv: ServerContext): Persistence {
  return srv.persistence;
}

export class Persistence {
  rdbSaves = 0;
  lastBgsaveOk = true;
  lastBgsaveTimeSec = -1;
  lastBgsaveTry = 0;
  lastCowSize = 0;
  lastLoadKeysExpired = 0;
  lastLoadKeysLoaded = 0;
  /** Keys without elements skipped by the last load (see EmptyKeyError). */
  lastLoadEmptySkipped = 0;
  bgsaveScheduled = false;
  bg: BgSave | null = null;
  loading: LoadingState | null = null;
  /** Set by the AOF when writing to it fails (MISCONF Errors writing to the AOF file). */
  aofWriteError: string | null = null;
  /** AOF hooks (aof.ts) */
  aof: import('./aof').Aof | null = null;
  /** The stream of propagated writes the AOF and replicas are fed from (Server.propagator). */
  get propagator(): Propagator {
    return this.srv.propagator;
  }
  /** The server owns its data directory: automatic saves and loading (see attachPersistence). */
  owned = false;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB files and RESTORE payloads load without a CRC check. */
  skipChecksumValidation = false;
  /** DEBUG AOF-FLUSH-SLEEP: microseconds the server stalls before each AOF write (tests). */
  aofFlushSleepUs = 0;

  constructor(readonly srv: ServerContext) {}

  // ---- configuration helpers ---------------------------------------------------------------

  writeOptions(): RdbWriteOptions {
    return {
      compression: this.srv.config.bool('rdbcompression'),
      listFill: this.srv.config.int('list-max-listpack-size'),
      packedThreshold: this.srv.quicklistPackedThreshold,
    };
  }

  snapshotOptions(aofBase: boolean): SnapshotOptions {
    const cfg = this.srv.config;
    const policy = cfg.get('maxmemory-policy');
    const m = process.memoryUsage();
    return {
      ...this.writeOptions(),
      checksum: cfg.bool('rdbchecksum'),
      aofBase,
      usedMem: m.heapUsed + m.external,
      now: this.srv.clock.now(),
      accessInfo: policy.endsWith('-lru') ? 'lru' : policy.endsWith('-lfu') ? 'lfu' : null,
      functions: functionStore?.dump(this.srv) ?? [],
      // An RDB file (not an AOF preamble) records the replication history it belongs to.
      replAux: aofBase ? undefined : (this.srv.replication.saveInfo() ?? undefined),
    };
  }

  /**
   * The limits values are loaded with. `restoreBy` is the client of a RESTORE (null: a file is
   * being loaded), which decides deep sanitization in the "clients" mode.
   */
  loadLimits(restoreBy: Client | null = null): LoadLimits {
    const cfg = this.srv.config;
    const srv = this.srv;
    return {
      deep: this.deepSanitize(restoreBy),
      onDeepCheck: () => void srv.stats.dumpPayloadSanitizations++,
      hash: { entries: cfg.int('hash-max-listpack-entries'), value: cfg.int('hash-max-listpack-value') },
      zset: { maxEntries: cfg.int('zset-max-listpack-entries'), maxValue: cfg.int('zset-max-listpack-value') },
      setMaxIntset: cfg.int('set-max-intset-entries'),
      streamNode: { maxEntries: cfg.int('stream-node-max-entries'), maxBytes: cfg.int('stream-node-max-bytes') },
    };
  }

  /**
   * sanitize-dump-payload: "yes" deep-checks every payload and file; "clients" only RESTOREs by
   * clients whose ACL user lacks skip-sanitize-payload (files loaded at startup or by DEBUG
   * RELOAD are trusted, as Redis trusts them and its master); "no" never.
   */
  deepSanitize(restoreBy: Client | null): boolean {
    const mode = this.srv.config.get('sanitize-dump-payload');
    if (mode === 'yes') return true;
    if (mode !== 'clients' || restoreBy === null || this.srv.loading) return false;
    return restoreBy.aclUser?.sanitize !== 'skip-sanitize-payload';
  }

  rdbPath(): string {
    return path.resolve(this.srv.config.get('dbfilename'));
  }

  saveParams(): [number, number][] {
    const v = this.srv.config.get('save').trim();
    if (v === '') return [];
    const nums = v.split(/\s+/).map(Number);
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < nums.length; i += 2) out.push([nums[i], nums[i + 1]]);
    return out;
  }

  // ---- MISCONF -----------------------------------------------------------------------------

  /** Recomputes the write barrier (Redis's writeCommandsDeniedByDiskError). */
  refreshDiskError(): void {
    const cfg = this.srv.config;
    let err: ReplyError | null = null;
    if (cfg.bool('stop-writes-on-bgsave-error') && this.saveParams().length > 0 && !this.lastBgsaveOk) err = MISCONF_RDB;
    else if (this.aofWriteError !== null) err = errorf(`MISCONF Errors writing to the AOF file: ${this.aofWriteError}`);
    this.srv.diskError = err;
  }

  // ---- SAVE ----------------------------------------------------------------------------------

  /** Writes the whole dataset synchronously to `target` (temp file + rename). */
  saveTo(target: string, aofBase = false): boolean {
    const tmp = path.join(path.dirname(target), `temp-${process.pid}.rdb`);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      this.srv.log.warning(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${process.cwd()}) for saving: ${errText(e)}`);
      return false;
    }
    try {
      const sink = (b: Buffer) => writeAll(fd, b);
      const snap = new Snapshot(this.srv.keyspace, this.snapshotOptions(aofBase), sink, false);
      snap.step();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, target);
      fsyncDir(path.dirname(target));
    } catch (e) {
      this.srv.log.warning(`Write error saving DB on disk: ${errText(e)}`);
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
      tryUnlink(tmp);
      return false;
    }
    return true;
  }

  /** SAVE / the save done at SHUTDOWN: the dataset to dbfilename; updates the counters. */
  save(): boolean {
    const ok = this.saveTo(this.rdbPath());
    if (ok) {
      this.srv.log.notice('DB saved on disk');
      this.afterSuccessfulSave(this.srv.keyspace.dirty);
      this.lastBgsaveOk = true;
      this.refreshDiskError();
    }
    return ok;
  }

  private afterSuccessfulSave(dirtyAtStart: number): void {
    this.srv.keyspace.dirty -= dirtyAtStart;
    this.srv.lastSave = Math.floor(this.srv.clock.now() / 1000);
    this.rdbSaves++;
  }

  // ---- BGSAVE --------------------------------------------------------------------------------

  /** Starts a background save; returns an error text when it could not start. */
  startBgsave(onDone?: (ok: boolean) => void): string | null {
    if (this.bg !== null) return 'Background save already in progress';
    const srv = this.srv;
    this.lastBgsaveTry = Math.floor(srv.clock.now() / 1000);
    const target = this.rdbPath();
    const tmp = path.join(path.dirname(target), `temp-${process.pid}-bg.rdb`);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      srv.log.warning(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${process.cwd()}) for saving: ${errText(e)}`);
      this.finishBgsaveStatus(false, 0);
      onDone?.(false);
      return null; // Redis reports the start; the failure shows in the status and MISCONF
    }
    const bg: BgSave = { snapshot: null as unknown as Snapshot, fd, tmp, target, startMs: Date.now(), dirtyAtStart: srv.keyspace.dirty, error: null, onDone: onDone ? [onDone] : [] };
    bg.snapshot = new Snapshot(
      srv.keyspace,
      this.snapshotOptions(false),
      (b) => {
        if (bg.error !== null) return;
        try {
          writeAll(fd, b);
        } catch (e) {
          bg.error = errText(e);
        }
      },
      true,
    );
    this.bg = bg;
    srv.stats.backgroundJobs++;
    srv.keyspace.beforeAccess = (db: Db, key: string) => bg.snapshot.beforeAccess(db, key);
    srv.log.notice(`Background saving started`);
    setImmediate(() => this.bgStep());
    return null;
  }

  private bgStep(): void {
    const bg = this.bg;
    if (bg === null) return;
    let done = false;
    try {
      done = bg.snapshot.step(SLICE_MS);
    } catch (e) {
      bg.error = errText(e);
      done = true;
    }
    if (!done && bg.error === null) {
      setImmediate(() => this.bgStep());
      return;
    }
    this.srv.keyspace.beforeAccess = null;
    const finish = (err: string | null) => {
      if (err === null) {
        try {
          fs.renameSync(bg.tmp, bg.target);
          fsyncDir(path.dirname(bg.target));
        } catch (e) {
          err = errText(e);
        }
      }
      try {
        fs.closeSync(bg.fd);
      } catch {
        /* closed */
      }
      if (err !== null) tryUnlink(bg.tmp);
      this.lastCowSize = bg.snapshot.cowPeak;
      bg.snapshot.release();
      this.bg = null;
      const ok = err === null;
      if (ok) {
        this.srv.log.notice('Background saving terminated with success');
        this.afterSuccessfulSave(bg.dirtyAtStart);
      } else {
        this.srv.log.warning(`Background saving error: ${err}`);
      }
      this.finishBgsaveStatus(ok, (Date.now() - bg.startMs) / 1000);
      for (const f of bg.onDone) f(ok);
    };
    if (bg.error !== null) return finish(bg.error);
    // fsync off the event loop.
    fs.fsync(bg.fd, (e) => finish(e ? errText(e) : null));
  }

  private finishBgsaveStatus(ok: boolean, secs: number): void {
    this.lastBgsaveOk = ok;
    this.lastBgsaveTimeSec = Math.round(secs);
    this.refreshDiskError();
  }

  /** Waits for a running background save (SHUTDOWN, tests). */
  waitBgsave(): Promise<boolean> {
    const bg = this.bg;
    if (bg === null) return Promise.resolve(this.lastBgsaveOk);
    return new Promise((resolve) => bg.onDone.push(resolve));
  }

  /** Aborts a background save (SHUTDOWN, FLUSHALL in Redis kills the child). */
  killBgsave(): void {
    const bg = this.bg;
    if (bg === null) return;
    this.srv.keyspace.beforeAccess = null;
    bg.snapshot.release();
    try {
      fs.closeSync(bg.fd);
    } catch {
      /* closed */
    }
    tryUnlink(bg.tmp);
    this.bg = null;
  }

  // ---- SHUTDOWN -------------------------------------------------------------------------------

  /**
   * SHUTDOWN's persistence step (Redis's prepareForShutdown): stop a background save, flush the
   * AOF, save a snapshot when asked (SAVE) or when save points exist (unless NOSAVE). Returns an
   * error text when saving failed and FORCE was not given. Nothing to do before persistence is
   * attached (a bare Server built by a test).
   */
  prepareShutdown(save: boolean, nosave: boolean, force: boolean): string | null {
    const srv = this.srv;
    if (this.aof === null) return null;
    this.killBgsave();
    if (this.aof?.enabled) this.aof.flush(true);
    const auto = this.owned && this.saveParams().length > 0;
    if (save || (auto && !nosave)) {
      srv.log.notice('Saving the final RDB snapshot before exiting.');
      if (!this.save()) {
        if (!force) {
          srv.log.warning('Error trying to save the DB, can\'t exit.');
          return 'ERR Errors trying to SHUTDOWN. Check logs.';
        }
        srv.log.warning('Error trying to save the DB. Exit anyway.');
      }
    }
    return null;
  }

  // ---- cron: save points, scheduled BGSAVE ------------------------------------------------

  cron(): void {
    if (this.loading !== null) return;
    const nowS = Math.floor(this.srv.clock.now() / 1000);
    const busy = this.bg !== null || (this.aof?.rewriting ?? false);
    if (busy) return;
    const retryOk = nowS - this.lastBgsaveTry > BGSAVE_RETRY_DELAY_S || this.lastBgsaveOk;
    if (this.bgsaveScheduled && retryOk) {
      this.bgsaveScheduled = false;
      this.startBgsave();
      return;
    }
    const dirty = this.srv.keyspace.dirty;
    if (!this.owned) return this.aof?.cron();
    for (const [secs, changes] of this.saveParams()) {
      if (dirty >= changes && nowS - this.srv.lastSave > secs && retryOk) {
        this.srv.log.notice(`${changes} changes in ${secs} seconds. Saving...`);
        this.startBgsave();
        return;
      }
    }
    this.aof?.cron();
  }

  // ---- loading -------------------------------------------------------------------------------

  /**
   * A sink that stores loaded keys into the server's databases, or into `dbs` (the temporary
   * databases of a swapdb full sync). Function libraries are loaded at once, or collected into
   * `functions` to be loaded when the temporary databases are swapped in.
   */
  loadSink(expiredCounter: { n: number }, merge = false, startup: StartupLoad | null = null, dbs: Db[] | null = null, functions: string[] | null = null): LoadSink {
    const srv = this.srv;
    const now = srv.clock.now();
    const target = dbs ?? srv.keyspace.dbs;
    return {
      key: (dbId: number, key: string, val: Value, expireMs: number, access: AccessInfo) => {
        const db = target[dbId];
        if (db === undefined) throw new RdbLoadError(`FATAL: Data file was created with a Redis server configured to handle more than ${target.length} databases. Exiting`);
        // A replica keeps keys whose TTL passed: its master sends their DEL (Redis's iAmMaster()).
        if (expireMs !== -1 && expireMs < now && srv.replicaGate === null) {
          expiredCounter.n++;
          // Replicas that continue from the saved offset must delete it too.
          if (startup?.feedExpired) srv.replication.feedExpiredAtLoad(dbId, key);
          return true;
        }
        if (db.dict.has(key)) {
          if (!merge) return false;
          db.expires.delete(key);
        }
        db.dict.set(key, val, this.markFor(access));
        if (expireMs !== -1) db.expires.set(key, expireMs);
        if (val instanceof StreamValue && unsanitizedPayload(val) === undefined) sealStream(val);
        return true;
      },
      functionLibrary: (code: string) => {
        if (functions !== null) return void functions.push(code);
        if (functionStore === null) throw new RdbLoadError('The RDB file contains functions, but function support is not available');
        functionStore.load(srv, code, merge);
      },
      aux: (k: string, v: string) => {
        startup?.aux.set(k, v);
        if (k === 'used-mem' && this.loading !== null) this.loading.rdbUsedMem = Number(v) || 0;
      },
      // Older Redis versions could save keys without elements: skipped (first ten logged).
      emptyKey: (key: string, n: number) => {
        if (n <= 10) srv.log.warning(`RDB loading skipping empty key: ${key}`);
      },
    };
  }

  private markFor(access: AccessInfo): number {
    const ks = this.srv.keyspace;
    const mark = ks.newMark();
    if (!ks.lfu && access.idle !== null) return (mark - access.idle) & 0xffffff;
    if (ks.lfu && access.freq !== null) return (mark & ~0xff) | access.freq;
    return mark;
  }

  verifyChecksums(): boolean {
    return this.srv.config.bool('rdbchecksum') && !this.skipChecksumValidation;
  }

  /** Loads an RDB image synchronously into the (empty) databases. Returns keys loaded. */
  loadRdbBuffer(buf: Buffer, merge = false): RdbLoader {
    const expired = { n: 0 };
    const loader = new RdbLoader(buf, this.loadSink(expired, merge), this.loadLimits(), this.verifyChecksums());
    loader.step();
    this.loadDone(loader, expired);
    return loader;
  }

  /**
   * An image loaded completely (at startup, DEBUG RELOAD, an AOF's RDB base, a full sync): INFO's
   * rdb_last_load_keys_* figures, and Redis's "Done loading RDB" line.
   */
  loadDone(loader: RdbLoader, expired: { n: number }): void {
    this.lastLoadKeysLoaded = loader.keys - expired.n;
    this.lastLoadKeysExpired = expired.n;
    this.lastLoadEmptySkipped = loader.emptyKeysSkipped;
    const figures = `keys loaded: ${this.lastLoadKeysLoaded}, keys expired: ${this.lastLoadKeysExpired}`;
    if (this.lastLoadEmptySkipped > 0) this.srv.log.warning(`Done loading RDB, ${figures}, empty keys skipped: ${this.lastLoadEmptySkipped}.`);
    else this.srv.log.notice(`Done loading RDB, ${figures}.`);
  }

  /**
   * Loads an RDB image in slices (clients get -LOADING meanwhile). Resolves when done; rejects
   * with RdbLoadError on a corrupt file.
   */
  loadRdbAsync(buf: Buffer, startup: StartupLoad | null = null): Promise<void> {
    const srv = this.srv;
    const expired = { n: 0 };
    const loader = new RdbLoader(buf, this.loadSink(expired, false, startup), this.loadLimits(), this.verifyChecksums());
    this.startLoading({ startMs: Date.now(), totalBytes: buf.length, progress: () => loader.progress, async: false, rdbUsedMem: 0 });
    return new Promise((resolve, reject) => {
      const progress = new LoadProgress(srv.log, 'RDB', buf.length);
      const ingest = new RdbIngest(
        loader,
        this.ingestOptions(),
        (err) => {
          this.stopLoading();
          if (err !== null) return reject(err);
          this.loadDone(loader, expired);
          resolve();
        },
        () => progress.tick(loader.progress, loader.keys - expired.n),
      );
      ingest.kick();
    });
  }

  /** How a load is sliced (see RdbIngest). */
  ingestOptions(): IngestOptions {
    const cfg = this.srv.config;
    return { budgetMs: SLICE_MS, intervalBytes: cfg.int('loading-process-events-interval-bytes'), keyDelayUs: cfg.int('key-load-delay') };
  }

  /** The server is loading (INFO loading / async_loading; -LOADING unless async). */
  startLoading(state: LoadingState): void {
    this.loading = state;
    this.srv.loading = true;
    this.srv.asyncLoading = state.async;
  }

  stopLoading(): void {
    this.loading = null;
    this.srv.loading = false;
    this.srv.asyncLoading = false;
  }

  /**
   * Startup: loads the AOF (appendonly yes) or dbfilename if present. A corrupt file throws
   * (the caller stops startup without touching the file).
   */
  async loadAtStartup(): Promise<void> {
    const srv = this.srv;
    const t0 = Date.now();
    if (srv.config.bool('appendonly') && this.aof !== null) {
      await this.aof.loadAtStartup();
      return;
    }
    const file = this.rdbPath();
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new RdbLoadError(`Fatal error loading the DB: ${errText(e)}. Exiting.`);
    }
    // A master keeps the DELs of keys that expired while it was down in a fresh backlog, and
    // continues its replication history from the RDB's repl-id / repl-offset (src/replication).
    const repl = srv.replication;
    const master = repl.replicaOf === null;
    if (master) repl.prepareStartupLoad();
    const aux = new Map<string, string>();
    await this.loadRdbAsync(buf, { aux, feedExpired: master });
    repl.restoreFromRdb(aux);
    this.rdbSaves = 0;
    srv.log.notice(`DB loaded from disk: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
  }

  /**
   * Replaces every function library by these (a swapdb full sync swapping its data in). Returns
   * the error of a library that could not be loaded, the old libraries restored then.
   */
  replaceFunctions(codes: string[]): string | null {
    const store = functionStore;
    if (store === null) return codes.length === 0 ? null : 'The RDB file contains functions, but function support is not available';
    const old = store.dump(this.srv);
    store.flush(this.srv);
    try {
      for (const code of codes) store.load(this.srv, code, false);
      return null;
    } catch (e) {
      store.flush(this.srv);
      for (const code of old) store.load(this.srv, code, false);
      return errText(e);
    }
  }

  /** Empties every database (and the function libraries) before a reload. */
  emptyData(functionsToo: boolean): void {
    const srv = this.srv;
    // As Redis's emptyData (signalFlushedDb): EXEC fails for clients watching a key that existed,
    // and tracking clients and blocked clients hear of the flush.
    for (const db of srv.keyspace.dbs) {
      srv.watches.touchDb(db, null);
      db.flush();
    }
    if (functionsToo) functionStore?.flush(srv);
    srv.events.emit('dbFlushed', srv.keyspace.dbs);
  }

  // ---- INFO persistence ------------------------------------------------------------------------

  info(): [string, string | number][] {
    const srv = this.srv;
    const bg = this.bg;
    const ld = this.loading;
    const out: [string, string | number][] = [];
    out.push(['loading', ld !== null && !ld.async ? 1 : 0], ['async_loading', ld?.async ? 1 : 0]);
    if (ld !== null) {
      // Redis's figures: the share of the size, else of the used-mem the image recorded (an
      // estimate kept under 100%); the remaining time from whole seconds elapsed.
      const loaded = ld.progress();
      let perc = 0;
      let remaining = 1;
      if (ld.totalBytes) {
        perc = (loaded / ld.totalBytes) * 100;
        remaining = ld.totalBytes - loaded;
      } else if (ld.rdbUsedMem) {
        perc = Math.min((loaded / ld.rdbUsedMem) * 100, 99.99);
        remaining = Math.max(ld.rdbUsedMem - loaded, 1);
      }
      const elapsed = Math.floor(Date.now() / 1000) - Math.floor(ld.startMs / 1000);
      const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (loaded + 1));
      out.push(
        ['loading_start_time', Math.floor(ld.startMs / 1000)],
        ['loading_total_bytes', ld.totalBytes],
        ['loading_rdb_used_mem', ld.rdbUsedMem],
        ['loading_loaded_bytes', loaded],
        ['loading_loaded_perc', perc.toFixed(2)],
        ['loading_eta_seconds', eta],
      );
    }
    const cow = bg?.snapshot.cowBytes ?? 0;
    out.push(
      ['current_cow_peak', bg?.snapshot.cowPeak ?? 0],
      ['current_cow_size', cow],
      ['current_cow_size_age', 0],
      ['current_fork_perc', bg ? ((bg.snapshot.processedKeys * 100) / Math.max(1, bg.snapshot.totalKeys)).toFixed(2) : '0.00'],
      ['current_save_keys_processed', bg?.snapshot.processedKeys ?? 0],
      ['current_save_keys_total', bg?.snapshot.totalKeys ?? 0],
      ['rdb_changes_since_last_save', srv.keyspace.dirty],
      ['rdb_bgsave_in_progress', bg ? 1 : 0],
      ['rdb_last_save_time', srv.lastSave],
      ['rdb_last_bgsave_status', this.lastBgsaveOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', this.lastBgsaveTimeSec],
      ['rdb_current_bgsave_time_sec', bg ? Math.floor((Date.now() - bg.startMs) / 1000) : -1],
      ['rdb_saves', this.rdbSaves],
      ['rdb_last_cow_size', this.lastCowSize],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
    );
    const aof = this.aof;
    out.push(
      ['aof_enabled', aof?.enabled ? 1 : 0],
      ['aof_rewrite_in_progress', aof?.rewriting ? 1 : 0],
      ['aof_rewrite_scheduled', aof?.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', aof?.lastRewriteTimeSec ?? -1],
      ['aof_current_rewrite_time_sec', aof?.currentRewriteTimeSec() ?? -1],
      ['aof_last_bgrewrite_status', (aof?.lastRewriteOk ?? true) ? 'ok' : 'err'],
      ['aof_rewrites', aof?.rewrites ?? 0],
      ['aof_rewrites_consecutive_failures', aof?.rewriteFailures ?? 0],
      ['aof_last_write_status', this.aofWriteError === null ? 'ok' : 'err'],
      ['aof_last_cow_size', aof?.lastCowSize ?? 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    );
    if (aof?.enabled) out.push(...aof.infoFields());
    return out;
  }
}

function sealStream(s: StreamValue): void {
  const nodes = s.nodes;
  for (let i = 0; i < nodes.length - 1; i++) nodes[i].seal();
}

export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string') return strerror(err.code, err.message);
  return e instanceof Error ? e.message : String(e);
}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EIO: 'Input/output error',
  EDQUOT: 'Disk quota exceeded',
  EPERM: 'Operation not permitted',
};

function strerror(code: string, fallback: string): string {
  return STRERROR[code] ?? fallback;
}

export function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some file systems refuse directory fsync */
  }
}

export function tryUnlink(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    /* gone */
  }
}
