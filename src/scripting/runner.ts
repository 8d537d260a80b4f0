// Runs one script or function: the client its commands run as, redis.call/pcall through the same
// dispatcher functions as network clients (with Redis's script checks), the frozen keyspace clock,
// the shared PRNG, and error decoration (`... script: <sha>, on @user_script:<line>.`).
import { F, type Command } from '../commands/registry';
import { Client, ReplyMode } from '../engine/client';
import { handleReadyKeys } from '../engine/blocking';
import type { ServerContext } from '../engine/context';
import { BUSY_EVAL, BUSY_FUNCTION, CountedReplyError, NOREPLICAS, NOTBUSY, OOM, READONLY_REPLICA, ReplyError, UNKILLABLE, errorf } from '../errors';
import { tooFewGoodReplicas } from '../replication/replication';
import { PROPAGATE_ALL } from '../persistence/propagator';
import { oomAtCommandStart } from '../keyspace/eviction';
import { formatG } from '../resp/format';
import { NO_REPLY, OK, Reply } from '../resp/reply';
import { luaToReply } from './convert';
import { LdbIo, LuaHost, LuaValue } from './engine';
import { RejectedCall } from './vm/wire';
import { luaVm, scriptingState, ScriptingState } from './state';
import type { Keyspace } from '../keyspace/keyspace';
import { fuelExhausted, inlineVmNow, luaUnavailable } from './vm/inline-vm';
import type { NativeVm } from './vm/native-vm';
import { aclCheck, aclScriptDeny } from '../acl/access';
import { Denied } from '../acl/user';
import type { DebugScript, LuaVm, PendingRun, StartResult } from './vm/lua-vm';
import type { ClusterState } from '../cluster/cluster';
import { CLUSTERDOWN, CLUSTERDOWN_RO, routeCommand } from '../cluster/routing';
import { keyHashSlot } from '../cluster/slots';

/** The client a script's commands run as. Replies are captured as values, never encoded. */
export class ScriptClient extends Client {
  last: Reply = null;
  /** The client running the script: ACL LOG entries describe it. */
  caller: Client | null = null;
  constructor(server: ServerContext) {
    super(server, 'lua');
    this.addr = 'lua'; // MONITOR prints script commands as [db lua]
    this.denyBlocking = true; // blocking commands answer as if timed out
  }
  override reply(r: Reply): void {
    this.last = r;
  }
  override replyAsync(r: Reply): void {
    this.last = r;
  }
  override push(): void {
    // Out-of-band messages have no reader here.
  }
}

export interface ScriptRun {
  /** 'eval' scripts report @user_script, functions @user_function. */
  kind: 'eval' | 'function';
  /** Shown in errors: the script's SHA1 or the function's name. */
  name: string;
  /** no-writes flag, or EVAL_RO / FCALL_RO. */
  readOnly: boolean;
  /** allow-oom flag: denyoom commands run even when memory was over maxmemory at the start. */
  allowOom?: boolean;
  /** The command that runs it (FUNCTION STATS); absent for FUNCTION LOAD's library run. */
  argv?: string[];
  /** FUNCTION LOAD's library code: stopped after 500 ms with Redis's error, never busy. */
  load?: boolean;
  /** allow-cross-slot-keys flag: in cluster mode, keys of other slots (served here) may be used. */
  allowCrossSlot?: boolean;
}

/** Redis's timeout for a library's load-time code (FUNCTION LOAD). */
const LOAD_TIMEOUT_MS = 500;

const ARITY_ERROR = new ReplyError('ERR Wrong number of args calling Redis command from script');
const UNKNOWN_ERROR = new ReplyError('ERR Unknown Redis command called from script');
const NOSCRIPT_ERROR = new ReplyError('ERR This Redis command is not allowed from script');
const READONLY_ERROR = new ReplyError('ERR Write commands are not allowed from read-only scripts.');
const STALE_ERROR = new ReplyError('ERR Can not execute the command on a stale replica');
const SCRIPT_NON_LOCAL = new ReplyError('ERR Script attempted to access a non local key in a cluster node');
const SCRIPT_CROSS_SLOT = new ReplyError('ERR Script attempted to access keys that do not hash to the same slot');
const SCRIPT_CLUSTERDOWN = new ReplyError('ERR Script attempted to execute a command while the cluster is down');
const SCRIPT_CLUSTERDOWN_RO = new ReplyError('ERR Script attempted to execute a write command while the cluster is down and readonly');
/** A script declaring no-cluster on a cluster node (Redis's scriptPrepareForRun). */
export const NO_CLUSTER = new ReplyError("ERR Can not run script on cluster, 'no-cluster' flag is set.");
const NO_ARGS_ERROR = new RejectedCall('ERR Please specify at least one argument for this redis lib call');

class RunHost implements LuaHost {
  resp: 2 | 3 = 2;
  wrote = false;
  /** The err text of the last table the script raised with error() (see call-args.ts). */
  raisedErr: string | null = null;
  /** The last error reply a command gave the script (counted in the error statistics already). */
  callError: string | null = null;
  /** Set when the script runs under the Lua debugger. */
  ldb?: LdbIo;
  /** redis.set_repl(): where the effects of the commands the script calls go (PROPAGATE_*). */
  replMask = PROPAGATE_ALL;
  constructor(
    private readonly sc: ScriptClient,
    private readonly run: ScriptRun,
  ) {}

  call(argv: string[]): Reply {
    if (argv.length === 0) return NO_ARGS_ERROR;
    if (argv[0].charCodeAt(0) === 0) return this.internal(argv);
    const sc = this.sc;
    const cmd = sc.server.exec.resolveCommand(sc, argv);
    if (cmd instanceof ReplyError) {
      if (!cmd.message.startsWith('ERR wrong number of arguments')) return this.rejected(null, UNKNOWN_ERROR);
      return this.rejected(sc.server.registry.lookup(argv[0]) ?? null, ARITY_ERROR);
    }
    // (Scripting commands stay refused: the VM does not run scripts within scripts.)
    if (cmd.flags & F.NOSCRIPT && (!scriptingState(sc.server).denyScriptsDisabled || cmd.scripting))
      return this.rejected(cmd, NOSCRIPT_ERROR);
    // A stale replica (link down, replica-serve-stale-data no) runs only 'stale' commands (scriptVerifyAllowStale).
    const gate = sc.server.replicaGate;
    if (gate !== null && !gate.linkUp && !gate.serveStale && !(cmd.flags & F.STALE) && !(sc.caller?.isAofLoader ?? false)) return this.rejected(cmd, STALE_ERROR);
    // Read-only scripts (no-writes, *_RO) may not run may-replicate commands either (PUBLISH,
    // FUNCTION..., as Redis's scriptVerifyWriteCommandAllow): they can then run during CLIENT PAUSE WRITE.
    if (!sc.aclUser.unrestricted) {
      const denied = aclScriptDeny(sc, cmd, argv);
      if (denied !== null) return this.rejected(cmd, denied);
    }
    if (cmd.flags & (F.WRITE | F.MAY_REPLICATE) && this.run.readOnly) return this.rejected(cmd, READONLY_ERROR);
    if (cmd.flags & F.WRITE) {
      // A read-only replica takes no writes from scripts, except its master's (scriptVerifyWriteCommandAllow).
      if (!this.wrote && gate !== null && gate.readOnly && !(sc.caller?.mustObey || sc.caller?.isMaster)) return this.rejected(cmd, READONLY_REPLICA);
      // min-replicas-to-write, checked until the script's first write (Redis's scriptVerifyWriteCommandAllow).
      if (!this.wrote && sc.server.minReplicasToWrite !== 0 && tooFewGoodReplicas(sc.server)) return this.rejected(cmd, NOREPLICAS);
      // Over maxmemory when the script started: refused, unless it already wrote (Redis's scriptVerifyOOM).
      if (cmd.flags & F.DENYOOM && !this.wrote && !this.run.allowOom && oomAtCommandStart(sc.server)) return this.rejected(cmd, OOM);
      this.wrote = true;
    }
    if (sc.server.cluster !== null && !(sc.caller?.mustObey ?? false)) {
      const e = this.clusterCheck(sc.server.cluster, cmd, argv);
      if (e !== null) return this.rejected(cmd, e);
    }
    sc.lastCommand = cmd;
    if (this.replMask === PROPAGATE_ALL) sc.server.exec.call(sc, cmd, argv);
    else this.callNarrowed(cmd, argv);
    const r = sc.last;
    sc.last = null;
    if (r instanceof ReplyError) this.callError = r.message;
    return r;
  }

  /** A command called after redis.set_repl() narrowed where its effects propagate. */
  private callNarrowed(cmd: Command, argv: string[]): void {
    const propagator = this.sc.server.propagator;
    propagator.callMask = this.replMask;
    try {
      this.sc.server.exec.call(this.sc, cmd, argv);
    } finally {
      propagator.callMask = PROPAGATE_ALL;
    }
  }

  /** The slot the script's keys hash to (-1: none yet): the declared keys' slot, then the first accessed. */
  slot = -1;

  /**
   * Cluster mode (Redis's scriptVerifyClusterState): a key must be served by this node, and all
   * keys the script touches must share one slot unless the script allows cross-slot keys.
   */
  private clusterCheck(cs: ClusterState, cmd: Command, argv: string[]): ReplyError | null {
    const sc = this.sc;
    // The caller's READONLY and ASKING apply to the script's commands (Redis copies both flags).
    sc.clusterReadonly = sc.caller?.clusterReadonly ?? false;
    sc.clusterAsking = sc.caller?.askingInEffect ?? false;
    const e = routeCommand(cs, sc, cmd, argv, cmd.flags);
    if (e === CLUSTERDOWN_RO) return SCRIPT_CLUSTERDOWN_RO;
    if (e === CLUSTERDOWN) return SCRIPT_CLUSTERDOWN;
    if (e !== null) return SCRIPT_NON_LOCAL;
    const pos = cmd.keyPositions(argv);
    if (pos.length === 0 || this.run.allowCrossSlot === true) return null;
    const slot = keyHashSlot(argv[pos[0]]);
    if (this.slot === -1) this.slot = slot;
    else if (this.slot !== slot) return SCRIPT_CROSS_SLOT;
    return null;
  }

  /** A command refused before it ran: counted as the command's rejected call and as an error reply. */
  private rejected(cmd: Command | null, e: ReplyError): ReplyError {
    if (cmd !== null) cmd.rejectedCalls++;
    this.sc.server.exec.countError(this.sc, e);
    this.callError = e.message;
    return new RejectedCall(e.message);
  }

  /** Helpers the Lua prelude calls through redis.pcall with a NUL-prefixed name. */
  private internal(argv: string[]): Reply {
    const st = scriptingState(this.sc.server);
    switch (argv[0]) {
      case '\0rand':
        return formatG(st.prng.next(), 17);
      case '\0seed':
        st.prng.seed(Number(argv[1]));
        return null;
      case '\0repl':
        this.replMask = Number(argv[1]); // validated by the prelude: 0-3, Redis's REPL_* values
        return null;
      case '\0err':
        this.raisedErr = argv[1] ?? null;
        return null;
      case '\0acl': {
        const args = argv.slice(1);
        const base = this.sc.server.registry.lookup(args[0] ?? '');
        const cmd = base?.subcommands && args.length >= 2 ? base.lookupSub(args[1]) : base;
        if (cmd === undefined) return new ReplyError('ERR Invalid command passed to redis.acl_check_cmd()');
        return aclCheck(this.sc, cmd, args) === Denied.OK ? 1 : null;
      }
    }
    return UNKNOWN_ERROR;
  }

  log(level: number, line: string): void {
    const log = this.sc.server.log;
    if (level <= 0) log.debug(line);
    else if (level === 1) log.verbose(line);
    else if (level === 2) log.notice(line);
    else log.warning(line);
  }

  setResp(version: 2 | 3): void {
    this.resp = version;
    // Commands reply to the script as to a client of that protocol (runScript resets it to 2).
    this.sc.protocol = version;
  }
}

/**
 * Runs Lua source (prelude included) for a caller; returns the reply of EVAL/FCALL. A script still
 * running after busy-reply-threshold continues asynchronously when the caller can wait (a client
 * command, not inside EXEC): the caller is held like a blocked client and gets its reply later,
 * and the server answers other clients with -BUSY until the script ends or is killed.
 */
export function runScript(caller: Client, source: string, keys: string[], args: string[], run: ScriptRun): Reply {
  const srv = caller.server;
  const st = scriptingState(srv);
  let inline: NativeVm;
  try {
    inline = inlineVmNow();
  } catch {
    return luaUnavailable()!;
  }
  const sc = (st.client ??= new ScriptClient(srv));
  sc.db = caller.db; // SELECT inside the script does not leak back to the caller
  sc.user = caller.user;
  sc.aclUser = caller.aclUser; // commands run with the caller's permissions
  sc.caller = caller;
  sc.protocol = 2;
  let host = new RunHost(sc, run);
  if (srv.cluster !== null && keys.length !== 0) host.slot = keyHashSlot(keys[0]);
  const ks = srv.keyspace;
  const outerSnapshot = ks.timeSnapshot;
  ks.timeSnapshot = outerSnapshot ?? srv.clock.now(); // the keyspace clock stands still
  st.running = run;
  const startedAt = performance.now();
  const propagations0 = srv.propagations;
  const prng0 = st.prng.state;
  // First on the in-thread VM, with an instruction budget worth busy-reply-threshold.
  const thresholdMs = run.load ? LOAD_TIMEOUT_MS : srv.config.int('busy-reply-threshold');
  const first = inline.run(source, keys, args, fuelFor(thresholdMs), host);
  if (!fuelExhausted(first)) {
    endRun(st, ks, outerSnapshot);
    return finalReply(first, run, caller, host);
  }
  const line = (first as AbortValue).meta.line;
  if (run.load) {
    endRun(st, ks, outerSnapshot);
    return errorf('ERR FUNCTION LOAD timeout');
  }
  if (!canWait(caller)) {
    // Nobody else can be served while it runs (inside EXEC): stop it.
    endRun(st, ks, outerSnapshot);
    return decorate('ERR Script ran past busy-reply-threshold inside a transaction and was stopped', line, run);
  }
  if (host.wrote) {
    // Its writes cannot be undone, so it cannot start over on the worker (see README).
    endRun(st, ks, outerSnapshot);
    return decorate('ERR Script wrote and then ran past busy-reply-threshold; respite stopped it', line, run);
  }
  // It has only read: start it over on the worker VM, which can run past the threshold while the
  // server answers -BUSY. Nothing it did is visible (the PRNG is rewound too).
  st.prng.state = prng0;
  host = new RunHost(sc, run);
  if (srv.cluster !== null && keys.length !== 0) host.slot = keyHashSlot(keys[0]);
  let vm: LuaVm;
  let started: StartResult;
  try {
    vm = luaVm(srv);
    started = vm.start(source, keys, args, host, 0);
  } catch (e) {
    endRun(st, ks, outerSnapshot);
    return errorf(`ERR ${(e as Error).message}`);
  }
  if (started.done) {
    endRun(st, ks, outerSnapshot);
    return finalReply(started.value, run, caller, host);
  }
  // Past busy-reply-threshold: other clients get -BUSY until this ends (or SCRIPT KILL).
  caller.blocked = true;
  // CLIENT REPLY SKIP applies to this command, though its reply comes after the skip is used up.
  const silent = caller.replyMode === ReplyMode.Skip;
  srv.callDepth++; // its effects still propagate as one transaction, closed at the end
  let finished = false;
  let returnedAt = 0;
  let slowId = -1;
  const complete = (r: Reply, propagate = true): void => {
    if (finished) return;
    finished = true;
    endRun(st, ks, outerSnapshot);
    srv.busyScript = null;
    srv.callDepth--;
    if (propagate && srv.callDepth === 0 && srv.propagations !== propagations0) srv.propagator.endUnit(null, null);
    if (!propagate) srv.propagator.discard(); // as in Redis, a killed script's writes are not propagated
    if (returnedAt !== 0) accountWholeRun(caller, run, startedAt, returnedAt, slowId);
    caller.blocked = false;
    caller.blockedArgv = null;
    if (r instanceof ReplyError) {
      if (caller.lastCommand !== null) caller.lastCommand.failedCalls++;
      if (!(r instanceof CountedReplyError)) srv.exec.countError(caller, r);
    }
    if (caller.closed) {
      // Nobody to answer.
    } else if (silent) srv.markPendingOutput(caller); // no reply, but pipelined commands go on
    else caller.replyAsync(r);
    handleReadyKeys(srv);
  };
  srv.busyScript = {
    isEval: run.kind === 'eval',
    name: run.name,
    argv: run.argv ?? [],
    startedAt,
    wrote: () => host.wrote,
    kill: () => {
      vm.terminate();
      // SCRIPT KILL only stops scripts that did not write; SHUTDOWN NOSAVE and close() stop any,
      // and as in Redis the writes of a script that never finished are not propagated (AOF) here.
      complete(decorate('ERR Script killed by user with SCRIPT KILL...', 1, run), false);
    },
  };
  started.pending.continue((v) => complete(finalReply(v, run, caller, host)));
  // call() records the command's time (and slow log entry, which gets this id) when this returns;
  // complete() adds the rest (unless the run already ended above, within this call).
  returnedAt = performance.now();
  slowId = srv.slowlog.nextId;
  return NO_REPLY;
}

/**
 * Runs an EVAL script under the Lua debugger on `target` (the caller's server for SCRIPT DEBUG
 * SYNC, a private copy of it for YES), on the worker VM: the run goes on asynchronously while the
 * debugging client's commands arrive through `io`; `done` gets the EVAL reply. Like a script past
 * busy-reply-threshold, its effects propagate as one transaction when it ends.
 */
export function runDebugged(caller: Client, target: ServerContext, script: DebugScript, keys: string[], args: string[], run: ScriptRun, io: LdbIo, done: (r: Reply) => void): void {
  const st = scriptingState(target);
  const sc = target === caller.server ? (st.client ??= new ScriptClient(target)) : new ScriptClient(target);
  sc.db = target.keyspace.dbs[caller.db.id] ?? target.keyspace.dbs[0];
  sc.user = caller.user;
  sc.aclUser = caller.aclUser;
  sc.caller = caller;
  sc.protocol = 2;
  const host = new RunHost(sc, run);
  const ks = target.keyspace;
  const outerSnapshot = ks.timeSnapshot;
  ks.timeSnapshot = target.clock.now();
  // After each stop the script's clock moves on (Redis takes a new time snapshot there).
  host.ldb = { write: io.write, read: io.read, resumed: () => ((ks.timeSnapshot = target.clock.now()), io.resumed()) };
  st.running = run;
  target.callDepth++;
  const propagations0 = target.propagations;
  const finish = (r: Reply): void => {
    endRun(st, ks, outerSnapshot);
    target.callDepth--;
    if (target.callDepth === 0 && target.propagations !== propagations0) target.propagator.endUnit(null, null);
    done(r);
  };
  let pending: PendingRun;
  try {
    pending = luaVm(target).startDebug(script, keys, args, host);
  } catch (e) {
    finish(errorf(`ERR ${(e as Error).message}`));
    return;
  }
  pending.continue((v) => finish(finalReply(v, run, caller, host)));
}

/**
 * A busy script's command statistics and slow log entry cover its whole run, as in Redis: call()
 * measured it only up to the point the caller was told to wait.
 */
function accountWholeRun(caller: Client, run: ScriptRun, startedAt: number, returnedAt: number, slowId: number): void {
  const now = performance.now();
  if (caller.lastCommand !== null) caller.lastCommand.usec += (now - returnedAt) * 1000;
  const srv = caller.server;
  const total = (now - startedAt) * 1000;
  const argv = run.argv ?? [];
  const entry = srv.slowlog.entries.find((e) => e.id === slowId);
  if (entry !== undefined && entry.argv[0]?.toLowerCase() === argv[0]?.toLowerCase()) entry.micros = Math.floor(total);
  else if (argv.length !== 0) srv.slowlog.record(caller, argv, total, srv.clock.now());
}

/** Lua VM instructions per millisecond of budget (calibrated on a tight Lua loop). */
const FUEL_PER_MS = 350_000;

function fuelFor(ms: number): number {
  // busy-reply-threshold 0: Redis checks at its first hook (100,000 instructions).
  return ms <= 0 ? 100_000 : Math.min(2 ** 50, ms * FUEL_PER_MS);
}

/** A run is over, however it ended: nothing runs, and the keyspace clock moves again. */
function endRun(st: ScriptingState, ks: Keyspace, outerSnapshot: number | null): void {
  st.running = null;
  ks.timeSnapshot = outerSnapshot;
}

/** Whether the caller can wait for its reply while the event loop serves others. */
function canWait(c: Client): boolean {
  return (c.kind === 'tcp' || c.kind === 'embedded') && !c.inExec && c.server.callDepth === 1 && (!c.server.loading || c.server.asyncLoading);
}

function finalReply(v: LuaValue, run: ScriptRun, caller: Client, host: RunHost): Reply {
  if (v !== null && typeof v === 'object' && 'err' in v && v.meta !== undefined) {
    const e = abortError(v as AbortValue, run, host.raisedErr);
    // A redis.call error raised as it is: counted once, when the command gave it (as Redis does).
    return host.callError !== null && v.err.endsWith(host.callError) ? new CountedReplyError(e.message) : e;
  }
  const r = luaToReply(v, caller.protocol);
  // An error reply of a command returned as it is (return redis.pcall(...)): the same.
  return r instanceof ReplyError && host.callError !== null && r.message === host.callError ? new CountedReplyError(r.message) : r;
}

/** An error decorated as Redis decorates errors that stop a script. */
function decorate(msg: string, line: number, run: ScriptRun): ReplyError {
  const chunk = run.kind === 'eval' ? 'user_script' : 'user_function';
  return new ReplyError(`${msg} script: ${run.name}, on @${chunk}:${line}.`);
}

type AbortValue = { err: string; meta: { line: number; kind?: string; name?: string } };

/** An error that stopped the script, worded and decorated as Redis 7.0 does. */
function abortError(v: AbortValue, run: ScriptRun, raisedErr: string | null = null): ReplyError {
  const chunk = run.kind === 'eval' ? 'user_script' : 'user_function';
  let line = v.meta.line;
  // Raised by one of our Lua helpers on behalf of its caller (functions.ts): the caller's line.
  // (No position in front: it was tail-called, its caller's frame is gone.)
  const at = v.err.indexOf('\0at ');
  if (at >= 0) {
    const pos = /:(\d+): $/.exec(v.err.slice(0, at));
    if (pos !== null) line = Number(pos[1]);
    v = { err: v.err.slice(0, at) + v.err.slice(at + 4), meta: v.meta };
  }
  let msg: string;
  if (v.meta.kind === 'global-read') {
    msg = `ERR ${chunk}:${line}: Script attempted to access nonexistent global variable '${v.meta.name}'`;
  } else if (v.meta.kind === 'command-arg-type') {
    msg = 'ERR Lua redis lib command arguments must be strings or integers';
  } else {
    let e = v.err.replace(/\0/g, '').replace(/[\r\n]/g, ' ');
    // error({err = ...}): the engine only says this; Redis replies with the err text as it is.
    if (e === 'ERR script execution failed' && raisedErr !== null) return decorate(raisedErr.replace(/[\r\n]/g, ' '), line, run);
    e = e.replace(/^user_script:(\d+): /, `${chunk}:$1: `);
    // Errors raised by C helpers (redis.setresp...) carry their own code and no position in Redis.
    const coded = /^user_(?:script|function):\d+: ([A-Z]+ .*)$/.exec(e);
    if (coded !== null) msg = coded[1];
    else msg = /^[A-Z][A-Z0-9]* /.test(e) ? e : `ERR ${e}`;
  }
  return decorate(msg, line, run);
}

/** SCRIPT KILL (isEval) and FUNCTION KILL: stop the busy script if it has not written. */
export function killBusyScript(c: Client, isEval: boolean): Reply {
  const busy = c.server.busyScript;
  if (busy === null) return NOTBUSY;
  if (busy.wrote()) return UNKILLABLE;
  if (busy.isEval !== isEval) return busy.isEval ? BUSY_EVAL : BUSY_FUNCTION;
  busy.kill();
  return OK;
}

/** The Lua compile error of a chunk (null if it compiles); throws if the engine cannot load. */
export function compileCheck(source: string, chunkName: string): string | null {
  return inlineVmNow().compileError(source, chunkName);
}
