// The append-only file, Redis 7's multi-part layout: <dir>/<appenddirname>/ holds a base file
// (an RDB image "<name>.<seq>.base.rdb", or commands "<name>.<seq>.base.aof" without the RDB
// preamble), incremental command files "<name>.<seq>.incr.aof", and the manifest
// "<name>.manifest" listing them. Every propagated write is appended (SELECT when the db
// changes); appendfsync decides when it reaches the disk. BGREWRITEAOF opens a new incr file at
// once and writes a new base from a point-in-time snapshot in slices (snapshot.ts), then switches
// the manifest; the old files become history and are deleted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, ReplyMode } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { ReplyError } from '../errors';
import type { Command } from '../commands/registry';
import type { Reply } from '../resp/reply';
import { Snapshot } from './snapshot';
import { Persistence, errText, fsyncDir, tryUnlink, writeAll } from './persistence';
import { AofLoadError, ManifestEntry, formatManifest, parseCommands, parseManifest, respCommand } from './aof-format';
import { CommandRewriter } from './aof-rewrite';
import { LoadProgress } from './load-progress';
import { PROPAGATE_AOF } from './propagator';

export { AofLoadError, parseManifest, formatManifest, parseCommands, respCommand } from './aof-format';
export { rebuildCommands } from './aof-rewrite';

export class Aof {
  enabled = false;
  rewriting = false;
  rewriteScheduled = false;
  lastRewriteTimeSec = -1;
  lastRewriteOk = true;
  rewrites = 0;
  rewriteFailures = 0;
  lastCowSize = 0;
  /** True while loading: replayed commands are not appended again. */
  private replaying = false;
  private manifest: ManifestEntry[] = [];
  private fd: number | null = null;
  private incrName = '';
  private incrSize = 0;
  private baseSize = 0;
  private selectedDb = -1;
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private fsyncTimer: NodeJS.Timeout | null = null;
  private fsyncInFlight = false;
  private needFsync = false;
  private rewriteStart = 0;
  private rewriteSnapshot: Snapshot | null = null;
  private rewriteWaiters: ((ok: boolean) => void)[] = [];
  /** The second of the last "#TS:" annotation written (aof-timestamp-enabled). */
  private annotatedSecond = 0;

  constructor(
    readonly srv: ServerContext,
    readonly p: Persistence,
  ) {
    // Fed from the propagated stream (propagator.ts), like replicas; nothing while replaying.
    p.propagator.addTarget(this);
    p.propagator.isSuspended = () => this.replaying;
  }

  private get fileBase(): string {
    return this.srv.config.get('appendfilename');
  }

  dir(): string {
    return path.resolve(this.srv.config.get('appenddirname'));
  }

  private manifestPath(): string {
    return path.join(this.dir(), `${this.fileBase}.manifest`);
  }

  private nextSeq(type: 'b' | 'i'): number {
    let max = 0;
    for (const e of this.manifest) if ((e.type === type || (type === 'b' && e.type === 'h' && e.name.includes('.base.'))) && e.seq > max) max = e.seq;
    return max + 1;
  }

  private persistManifest(): void {
    const dir = this.dir();
    const tmp = path.join(dir, `temp-${this.fileBase}.manifest`);
    fs.writeFileSync(tmp, formatManifest(this.manifest));
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.manifestPath());
    fsyncDir(dir);
  }

  // ---- appending ------------------------------------------------------------------------------

  readonly propagationKind = PROPAGATE_AOF;

  wantsPropagation(): boolean {
    return this.enabled && this.fd !== null;
  }

  /** One command of the propagated stream; the last of an execution unit schedules the write. */
  feed(dbId: number, argv: string[], last: boolean): void {
    this.append(dbId, argv, last);
  }

  /** Buffers one command (SELECT first when the db changes); `always` syncs it when `last`. */
  private append(dbId: number, argv: string[], last: boolean): void {
    let s = '';
    // aof-timestamp-enabled: a "#TS:<unix time>" line before the first command of each second
    // (redis-check-aof --truncate-to-timestamp cuts the file there).
    if (this.srv.config.bool('aof-timestamp-enabled')) {
      const sec = Math.floor(this.srv.clock.now() / 1000);
      if (sec > this.annotatedSecond) {
        this.annotatedSecond = sec;
        s = `#TS:${sec}\r\n`;
      }
    }
    if (dbId !== this.selectedDb) {
      s += respCommand(['SELECT', String(dbId)]);
      this.selectedDb = dbId;
    }
    s += respCommand(argv);
    this.pending.push(s);
    this.pendingBytes += s.length;
    if (!last) return;
    if (this.srv.holdReplies) {
      // Written (and with `always` synced) once for the whole turn, before the replies are
      // released (Server.flushPending calls beforeReplies first).
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        const always = this.srv.config.get('appendfsync') === 'always';
        setImmediate(() => this.flush(always));
      }
      return;
    }
    if (this.srv.config.get('appendfsync') === 'always') {
      // In-process callers get their reply at once: sync now.
      this.flush(true);
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush(false));
    }
  }

  /** Writes the buffered commands; with `sync`, fsyncs before returning. */
  flush(sync: boolean): void {
    this.flushScheduled = false;
    if (this.fd === null || this.pending.length === 0) {
      if (sync && this.fd !== null && this.needFsync) this.fsyncNow();
      return;
    }
    // DEBUG AOF-FLUSH-SLEEP: a test stretches the gap between running a command and its write.
    if (this.p.aofFlushSleepUs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.p.aofFlushSleepUs / 1000);
    const data = Buffer.from(this.pending.length === 1 ? this.pending[0] : this.pending.join(''), 'latin1');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      writeAll(this.fd, data);
      this.incrSize += data.length;
      this.needFsync = true;
      if (sync) this.fsyncNow();
      if (this.p.aofWriteError !== null) {
        this.srv.log.warning('AOF write error looks solved, Redis can write again.');
        this.p.aofWriteError = null;
        this.p.refreshDiskError();
      }
    } catch (e) {
      // Keep the data to retry (Redis keeps aof_buf), refuse writes meanwhile (MISCONF).
      this.pending.unshift(data.latin1Slice());
      this.pendingBytes += data.length;
      const msg = errText(e);
      if (this.p.aofWriteError === null) this.srv.log.warning(`Error writing to the AOF file: ${msg}`);
      this.p.aofWriteError = msg;
      this.p.refreshDiskError();
    }
  }

  private fsyncNow(): void {
    if (this.fd === null) return;
    fs.fdatasyncSync(this.fd);
    this.needFsync = false;
  }

  /** appendfsync everysec: an fsync off the event loop once a second. */
  private everysec(): void {
    if (this.fd === null || this.fsyncInFlight) return;
    this.flush(false);
    if (!this.needFsync || this.srv.config.get('appendfsync') !== 'everysec') return;
    this.fsyncInFlight = true;
    this.needFsync = false;
    const fd = this.fd;
    fs.fdatasync(fd, () => {
      this.fsyncInFlight = false;
    });
  }

  private openIncr(): void {
    const dir = this.dir();
    const seq = this.nextSeq('i');
    const name = `${this.fileBase}.${seq}.incr.aof`;
    const fd = fs.openSync(path.join(dir, name), 'a');
    this.closeIncr();
    this.fd = fd;
    this.incrName = name;
    this.incrSize = 0;
    this.selectedDb = -1;
    this.manifest.push({ name, seq, type: 'i' });
  }

  private closeIncr(): void {
    if (this.fd === null) return;
    this.flush(false);
    try {
      fs.fsyncSync(this.fd);
    } catch {
      /* reported by the write path */
    }
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Whether TCP replies wait for the group fsync (appendonly yes + appendfsync always). */
  updateSyncMode(): void {
    // Like Redis (write(2) in beforeSleep, before replies go out): a reply never leaves before
    // its command is in the file, so a killed process loses no acknowledged write; `always`
    // also fsyncs there.
    const on = this.enabled;
    const always = this.srv.config.get('appendfsync') === 'always';
    this.srv.holdReplies = on;
    this.syncAlways = always;
  }

  /** Before replies held for the AOF are released (Server.flushPending): write, and maybe fsync. */
  beforeReplies(): void {
    if (this.enabled) this.flush(this.syncAlways);
  }

  /** appendfsync always, as of the last updateSyncMode(). */
  private syncAlways = false;

  private startTimers(): void {
    if (this.fsyncTimer === null) {
      this.fsyncTimer = setInterval(() => this.everysec(), 1000);
      this.fsyncTimer.unref();
    }
  }

  // ---- switching on and off -------------------------------------------------------------------

  /**
   * appendonly yes at startup after loading: reuse the manifest (a new incr file when the last
   * one is missing), or create the directory with a base of the current dataset.
   */
  openAtStartup(): void {
    const dir = this.dir();
    fs.mkdirSync(dir, { recursive: true });
    if (this.manifest.length === 0) {
      this.writeBaseSync();
    }
    const lastIncr = this.manifest.filter((e) => e.type === 'i').pop();
    if (lastIncr !== undefined) {
      this.fd = fs.openSync(path.join(dir, lastIncr.name), 'a');
      this.incrName = lastIncr.name;
      this.incrSize = fs.fstatSync(this.fd).size;
      this.selectedDb = -1;
    } else {
      this.openIncr();
    }
    this.persistManifest();
    this.enabled = true;
    this.startTimers();
    this.updateSyncMode();
  }

  /** A base of the current dataset, written at once (startup, when there is none). */
  private writeBaseSync(): void {
    const seq = this.nextSeq('b');
    const name = this.baseName(seq);
    const target = path.join(this.dir(), name);
    if (this.preamble()) {
      if (!this.p.saveTo(target, true)) throw new AofLoadError(`Can't create the AOF base file ${name}`);
    } else {
      fs.writeFileSync(target, '');
    }
    this.baseSize = fs.statSync(target).size;
    this.manifest = this.manifest.map((e) => (e.type === 'b' ? { ...e, type: 'h' } : e));
    this.manifest.unshift({ name, seq, type: 'b' });
  }

  private preamble(): boolean {
    return this.srv.config.bool('aof-use-rdb-preamble');
  }

  private baseName(seq: number): string {
    return `${this.fileBase}.${seq}.base.${this.preamble() ? 'rdb' : 'aof'}`;
  }

  /** CONFIG SET appendonly yes: starts logging through a rewrite (Redis's startAppendOnly). */
  start(): string | void {
    if (this.enabled) return;
    try {
      fs.mkdirSync(this.dir(), { recursive: true });
      this.loadManifestIfAny();
    } catch (e) {
      return `Can't open the append-only directory: ${errText(e)}`;
    }
    this.enabled = true;
    this.startTimers();
    this.updateSyncMode();
    // As Redis's startAppendOnly: no rewrite while another background job runs or inside EXEC
    // (the transaction is one unit); the cron starts it.
    if (this.p.bg !== null) {
      this.rewriteScheduled = true;
      this.srv.log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      return;
    }
    if (inTransaction(this.srv)) {
      this.rewriteScheduled = true;
      this.srv.log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
      return;
    }
    const err = this.rewrite();
    if (err !== null && !this.rewriting) {
      this.enabled = false;
      return err;
    }
  }

  /** CONFIG SET appendonly no. */
  stop(): void {
    if (!this.enabled) return;
    this.abortRewrite();
    this.closeIncr();
    this.enabled = false;
    this.updateSyncMode();
    if (this.fsyncTimer !== null) clearInterval(this.fsyncTimer);
    this.fsyncTimer = null;
  }

  /** At shutdown: everything written and synced. */
  close(): void {
    this.abortRewrite();
    this.closeIncr();
    if (this.fsyncTimer !== null) clearInterval(this.fsyncTimer);
    this.fsyncTimer = null;
  }

  private loadManifestIfAny(): void {
    try {
      this.manifest = parseManifest(fs.readFileSync(this.manifestPath(), 'latin1'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.manifest = [];
    }
  }

  // ---- BGREWRITEAOF ---------------------------------------------------------------------------

  /** Starts a rewrite; returns an error text when one cannot start. */
  rewrite(onDone?: (ok: boolean) => void): string | null {
    if (this.rewriting) return 'Background append only file rewriting already in progress';
    if (this.p.bg !== null) {
      this.rewriteScheduled = true;
      return null;
    }
    const srv = this.srv;
    const dir = this.dir();
    try {
      fs.mkdirSync(dir, { recursive: true });
      // With the AOF off the manifest on disk is the one the new base replaces (as in Redis,
      // which keeps it loaded): its files become history.
      if (!this.enabled) this.loadManifestIfAny();
      // From now on, writes go to a new incr file, listed in the manifest at once.
      if (this.enabled) {
        this.openIncr();
        this.persistManifest();
      }
    } catch (e) {
      srv.log.warning(`Can't rewrite the append only file: ${errText(e)}`);
      return 'Background append only file rewriting error';
    }
    const tmp = path.join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      srv.log.warning(`Can't open the temp AOF file: ${errText(e)}`);
      return 'Background append only file rewriting error';
    }
    this.rewriting = true;
    this.rewriteScheduled = false;
    this.rewriteStart = Date.now();
    if (onDone) this.rewriteWaiters.push(onDone);
    let writeErr: string | null = null;
    const sink = (b: Buffer) => {
      if (writeErr !== null) return;
      try {
        writeAll(fd, b);
      } catch (e) {
        writeErr = errText(e);
      }
    };
    const preamble = this.preamble();
    const snap = preamble ? new Snapshot(srv.keyspace, this.p.snapshotOptions(true), sink, true) : null;
    const stamp = srv.config.bool('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : null;
    const cmds = preamble ? null : new CommandRewriter(srv, sink, stamp);
    this.rewriteSnapshot = snap;
    srv.stats.backgroundJobs++;
    if (snap !== null) srv.keyspace.beforeAccess = (db, key) => snap.beforeAccess(db, key);
    srv.log.notice('Background append only file rewriting started');
    const step = () => {
      if (!this.rewriting || this.rewriteSnapshot !== snap) return;
      let done = true;
      try {
        if (snap !== null) done = snap.step(8);
        else cmds!.run();
      } catch (e) {
        writeErr = errText(e);
      }
      if (!done && writeErr === null) {
        setImmediate(step);
        return;
      }
      if (snap !== null) srv.keyspace.beforeAccess = null;
      this.lastCowSize = snap?.cowPeak ?? 0;
      snap?.release();
      this.rewriteSnapshot = null;
      if (writeErr !== null) return this.finishRewrite(fd, tmp, writeErr);
      fs.fsync(fd, (e) => this.finishRewrite(fd, tmp, e ? errText(e) : null));
    };
    setImmediate(step);
    return null;
  }

  private finishRewrite(fd: number, tmp: string, err: string | null): void {
    try {
      fs.closeSync(fd);
    } catch {
      /* closed */
    }
    if (!this.rewriting) return tryUnlink(tmp);
    const srv = this.srv;
    if (err === null) {
      try {
        const seq = this.nextSeq('b');
        const name = this.baseName(seq);
        fs.renameSync(tmp, path.join(this.dir(), name));
        this.baseSize = fs.statSync(path.join(this.dir(), name)).size;
        // New base + the incr file opened when the rewrite started; the rest becomes history.
        const keep = this.enabled ? this.incrName : null;
        this.manifest = this.manifest.map((e) => (e.type === 'b' || (e.type === 'i' && e.name !== keep) ? { ...e, type: 'h' as const } : e));
        this.manifest.unshift({ name, seq, type: 'b' });
        this.persistManifest();
        this.deleteHistory();
      } catch (e) {
        err = errText(e);
      }
    } else tryUnlink(tmp);
    this.rewriting = false;
    this.lastRewriteTimeSec = Math.round((Date.now() - this.rewriteStart) / 1000);
    if (err === null) {
      this.rewrites++;
      this.rewriteFailures = 0;
      this.lastRewriteOk = true;
      srv.log.notice('Background AOF rewrite finished successfully');
    } else {
      this.rewriteFailures++;
      this.lastRewriteOk = false;
      srv.log.warning(`Background AOF rewrite failed: ${err}`);
    }
    const waiters = this.rewriteWaiters;
    this.rewriteWaiters = [];
    for (const w of waiters) w(err === null);
  }

  private abortRewrite(): void {
    if (!this.rewriting) return;
    this.rewriting = false;
    if (this.rewriteSnapshot !== null) {
      this.srv.keyspace.beforeAccess = null;
      this.rewriteSnapshot.release();
      this.rewriteSnapshot = null;
    }
  }

  private deleteHistory(): void {
    if (this.srv.config.bool('aof-disable-auto-gc')) return;
    const dir = this.dir();
    const history = this.manifest.filter((e) => e.type === 'h');
    if (history.length === 0) return;
    this.manifest = this.manifest.filter((e) => e.type !== 'h');
    this.persistManifest();
    for (const h of history) tryUnlink(path.join(dir, h.name));
  }

  waitRewrite(): Promise<boolean> {
    if (!this.rewriting) return Promise.resolve(this.lastRewriteOk);
    return new Promise((r) => this.rewriteWaiters.push(r));
  }

  currentRewriteTimeSec(): number {
    return this.rewriting ? Math.floor((Date.now() - this.rewriteStart) / 1000) : -1;
  }

  /** Cron: a scheduled rewrite, and auto-aof-rewrite-percentage / -min-size. */
  cron(): void {
    if (this.rewriting || this.p.bg !== null) return;
    if (this.rewriteScheduled) {
      this.rewrite();
      return;
    }
    if (!this.enabled) return;
    const perc = this.srv.config.int('auto-aof-rewrite-percentage');
    const min = this.srv.config.int('auto-aof-rewrite-min-size');
    const size = this.baseSize + this.incrSize;
    if (perc > 0 && size > min) {
      const base = this.baseSize > 0 ? this.baseSize : 1;
      const growth = ((size - base) * 100) / base;
      if (growth >= perc) {
        this.srv.log.notice(`Starting automatic rewriting of AOF on ${Math.round(growth)}% growth`);
        this.rewrite();
      }
    }
  }

  infoFields(): [string, string | number][] {
    return [
      ['aof_current_size', this.baseSize + this.incrSize],
      ['aof_base_size', this.baseSize],
      ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', this.pendingBytes],
      ['aof_pending_bio_fsync', this.fsyncInFlight ? 1 : 0],
      ['aof_delayed_fsync', 0],
    ];
  }

  // ---- loading --------------------------------------------------------------------------------

  /**
   * Loads the AOF directory (base then incr files) in slices, clients getting -LOADING
   * meanwhile, then opens it for appending.
   */
  async loadAtStartup(): Promise<void> {
    this.loadManifestIfAny();
    this.upgradeOldAof();
    // No AOF yet: start empty and create it (as Redis does, an RDB file is not read then).
    if (this.manifest.length !== 0) {
      const srv = this.srv;
      const steps = this.loadSteps();
      const delayUs = srv.config.int('key-load-delay');
      srv.loading = true;
      let progress: LoadProgress | null = null;
      try {
        await new Promise<void>((resolve, reject) => {
          const tick = () => {
            try {
              const loading = this.p.loading;
              if (loading !== null) {
                progress ??= new LoadProgress(srv.log, 'AOF', loading.totalBytes);
                progress.tick(loading.progress(), srv.keyspace.dbs.reduce((n, db) => n + db.dict.size, 0));
              }
              const t0 = performance.now();
              for (;;) {
                if (steps.next().done) return resolve();
                if (delayUs > 0) {
                  // Test hook (key-load-delay): each command takes at least that long.
                  while (performance.now() - t0 < delayUs / 1000) {
                    /* spin */
                  }
                  break;
                }
                if (performance.now() - t0 > 8) break;
              }
              setImmediate(tick);
            } catch (e) {
              reject(e);
            }
          };
          setImmediate(tick);
        });
      } finally {
        srv.loading = false;
        this.p.loading = null;
      }
    }
    this.openAtStartup();
  }

  /**
   * A single-file AOF of Redis before 7.0 (<appendfilename> in the working directory) becomes
   * the base of a new AOF directory, when that directory has no files of its own yet (Redis's
   * upgrade rules): moved in and listed as base 1, incr files follow.
   */
  private upgradeOldAof(): void {
    const name = this.fileBase;
    if (!isFile(path.resolve(name))) return;
    const dir = this.dir();
    const base = this.manifest.find((e) => e.type === 'b');
    const noIncr = !this.manifest.some((e) => e.type === 'i');
    const upgrade =
      !fs.existsSync(dir) || (base === undefined && noIncr) || (base !== undefined && noIncr && base.name === name && !isFile(path.join(dir, name)));
    if (!upgrade) return;
    fs.mkdirSync(dir, { recursive: true });
    this.manifest = [{ name, seq: 1, type: 'b' }, ...this.manifest.filter((e) => e.type !== 'b')];
    this.persistManifest();
    fs.renameSync(path.resolve(name), path.join(dir, name));
    this.srv.log.notice(`Successfully migrated an old-style AOF file (${name}) into the AOF directory (${path.basename(dir)}).`);
  }

  /** DEBUG LOADAOF: the files again, into the (emptied) dataset, at once. */
  reload(): void {
    this.flush(true);
    this.loadManifestIfAny();
    // On or off, whatever the manifest on disk lists (BGREWRITEAOF writes one with the AOF off
    // too), as Redis does; nothing to load is an error (Redis exits then).
    if (!this.manifest.some((e) => e.type === 'b' || e.type === 'i')) throw new AofLoadError('There is no AOF to load in the AOF directory');
    this.deleteHistory();
    const steps = this.loadSteps();
    while (!steps.next().done) {
      /* all at once */
    }
    this.p.loading = null;
  }

  /** Loading, as steps of a few commands (yield = a good moment to let clients in). */
  private *loadSteps(): Generator<void, void, void> {
    const srv = this.srv;
    const dir = this.dir();
    const files = this.manifest.filter((e) => e.type === 'b').concat(this.manifest.filter((e) => e.type === 'i'));
    const t0 = Date.now();
    const bufs: (Buffer | null)[] = [];
    let total = 0;
    for (let i = 0; i < files.length; i++) {
      try {
        bufs.push(fs.readFileSync(path.join(dir, files[i].name)));
        total += bufs[i]!.length;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && files[i].type === 'i' && i === files.length - 1) {
          bufs.push(null);
          continue;
        }
        throw new AofLoadError(`There is no AOF file ${files[i].name} in the AOF directory (${errText(e)})`);
      }
    }
    let done = 0;
    let current = 0;
    this.p.loading = { startMs: Date.now(), totalBytes: total, progress: () => done + current, async: false, rdbUsedMem: 0 };
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const file = path.join(dir, f.name);
      const buf = bufs[i];
      if (buf === null || buf.length === 0) continue;
      let start = 0;
      if (buf.length >= 5 && buf.latin1Slice(0, 5) === 'REDIS') {
        srv.log.notice('Reading RDB base file on AOF loading...');
        try {
          start = this.p.loadRdbBuffer(buf).endOffset;
        } catch (e) {
          throw new AofLoadError(`Error reading the RDB base file ${f.name}, AOF loading aborted: ${e instanceof Error ? e.message : e}`);
        }
        current = start;
        yield;
      }
      for (const pos of this.replay(file, buf, start, i === files.length - 1)) {
        current = pos;
        yield;
      }
      done += buf.length;
      current = 0;
      srv.log.notice(`DB loaded from ${f.type === 'b' ? 'base' : 'incr'} file ${f.name}: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
    }
    this.baseSize = files[0]?.type === 'b' ? safeSize(path.join(dir, files[0].name)) : 0;
  }

  /**
   * Executes the commands of one AOF file, yielding the offset reached every few commands;
   * handles a truncated tail (aof-load-truncated).
   */
  private *replay(file: string, buf: Buffer, start: number, isLast: boolean): Generator<number, void, void> {
    const srv = this.srv;
    const c = new Client(srv, 'embedded');
    c.replyMode = ReplyMode.Off;
    c.isAofLoader = true;
    c.mustObey = true;
    let multi: { cmd: Command; argv: string[] }[] | null = null;
    let multiStart = 0;
    const visit = (argv: string[], offset: number) => {
      const cmd = srv.exec.resolveCommand(c, argv);
      if (cmd instanceof ReplyError) throw new AofLoadError(`Unknown command '${argv[0]}' reading the append only file ${path.basename(file)}`);
      const name = cmd.fullName;
      if (name === 'multi') {
        multi = [];
        multiStart = offset;
      } else if (name === 'exec') {
        const q = multi ?? [];
        multi = null;
        for (const x of q) srv.exec.call(c, x.cmd, x.argv);
      } else if (multi !== null) {
        (multi as { cmd: Command; argv: string[] }[]).push({ cmd, argv });
      } else srv.exec.call(c, cmd, argv);
    };
    let res: { end: number; truncated: boolean; bad: boolean; more?: boolean };
    let pos = start;
    for (;;) {
      this.replaying = true;
      srv.keyspace.loading = true;
      try {
        res = parseCommands(buf, pos, visit, 64);
      } finally {
        this.replaying = false;
        srv.keyspace.loading = false;
      }
      if (!res.more) break;
      pos = res.end;
      yield pos;
    }
    let validEnd = res.end;
    if (multi !== null) {
      // An unterminated MULTI counts as truncated: its commands were not applied.
      res = { ...res, truncated: true };
      validEnd = multiStart;
    }
    if (res.bad) throw new AofLoadError(`Bad file format reading the append only file ${path.basename(file)}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
    if (res.truncated) {
      if (!isLast || !srv.config.bool('aof-load-truncated')) {
        throw new AofLoadError(`Unexpected end of file reading the append only file ${path.basename(file)}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
      }
      srv.log.warning(`!!! Warning: short read while loading the AOF file ${path.basename(file)}!!!`);
      srv.log.warning(`!!! Truncating the AOF ${path.basename(file)} at offset ${validEnd} !!!`);
      fs.truncateSync(file, validEnd);
      srv.log.warning(`AOF ${path.basename(file)} loaded anyway because aof-load-truncated is enabled`);
    }
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function safeSize(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
}

/** Whether a client is running EXEC now (one at a time: EXEC does not nest, scripts cannot call it). */
function inTransaction(srv: ServerContext): boolean {
  for (const c of srv.clients.values()) if (c.inExec) return true;
  return false;
}
