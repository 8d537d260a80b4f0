// The one pipeline every command goes through, whatever brought it (TCP, embedded call, EXEC,
// scripts): lookup, arity, the admission checks in Redis's processCommand order, MULTI queueing,
// then call(): the handler, statistics, slow log, MONITOR feed.
import { Command, F } from '../commands/registry';
import {
  CountedReplyError,
  BUSY_EVAL,
  BUSY_FUNCTION,
  LOADING,
  MASTERDOWN,
  READONLY_REPLICA,
  NOAUTH,
  NOREPLICAS,
  NOT_ALLOWED_IN_MULTI,
  OOM,
  ReplyError,
  errorf,
  oneLine,
  unknownCommand,
  unknownSubcommand,
  wrongArity,
} from '../errors';
import { QUEUED, Reply } from '../resp/reply';
import type { Client } from './client';
import { ReplyMode } from './client';
import { feedMonitors } from './monitor';
import { LatencyHistogram } from './latency';
import { postpone } from './pause';
import { handleReadyKeys } from './blocking';
import { countWrite, refuseForMemory } from '../keyspace/eviction';
import { tooFewGoodReplicas } from '../replication/replication';
import { aclDeny } from '../acl/access';
import { routeCommand } from '../cluster/routing';
import { luaUnavailable, mustWaitForLua, waitForLua } from './lua-wait';
import { inlineVm } from '../scripting/vm/inline-vm';

/** Finds the command (or subcommand) for argv, or the error Redis gives. */
export function resolveCommand(c: Client, argv: string[]): Command | ReplyError {
  const base = c.server.registry.lookup(argv[0]);
  if (base === undefined) return unknownCommand(argv);
  let cmd = base;
  if (base.subcommands !== null && argv.length >= 2) {
    const sub = base.lookupSub(argv[1]);
    if (sub === undefined) return unknownSubcommand(base.name, argv[1]);
    cmd = sub;
  }
  const arity = cmd.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return wrongArity(cmd.fullName);
  return cmd;
}

/** Runs one command from a client and writes its reply. */
export function dispatch(c: Client, argv: string[]): void {
  const srv = c.server;
  // A client held by CLIENT PAUSE keeps its commands in order (in-process clients don't stop sending).
  if (c.postponed !== null) {
    c.postponed.push(argv);
    return;
  }
  // A SCRIPT DEBUG SYNC session: the server serves nobody else until it ends (Redis is blocked).
  const hold = srv.debugHold;
  if (hold !== null && c !== hold.owner && c.kind !== 'lua') return postpone(hold.held, c, argv);
  const cmd = resolveCommand(c, argv);
  if (cmd instanceof ReplyError) return reject(c, arityRejected(c, argv), cmd);
  c.lastCommand = cmd;
  const flags = cmd.flagsOf(c, argv);

  if (flags & F.PROTECTED) {
    const mode = srv.config.get(cmd.name === 'debug' ? 'enable-debug-command' : 'enable-module-command');
    const local = c.kind === 'embedded' || isLocalAddr(c.addr);
    if (mode === 'no' || (mode === 'local' && !local)) {
      const what = cmd.name === 'debug' ? 'DEBUG' : 'MODULE';
      const opt = cmd.name === 'debug' ? 'enable-debug-command' : 'enable-module-command';
      return reject(
        c,
        cmd,
        errorf(
          `ERR ${what} command not allowed. If the ${opt} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
        ),
      );
    }
  }
  if (!c.authenticated && !(flags & F.NO_AUTH)) return reject(c, cmd, NOAUTH);
  if (c.multi !== null && flags & F.NO_MULTI) return reject(c, cmd, NOT_ALLOWED_IN_MULTI);
  // ACL (src/acl): a single flag test for users allowed every command, key and channel.
  if (!c.aclUser.unrestricted && !c.isMaster) {
    const denied = aclDeny(c, cmd, argv);
    if (denied !== null) return reject(c, cmd, denied);
  }
  // Cluster mode: the keys must be served here, else -MOVED/-ASK/-CROSSSLOT/... (src/cluster/routing.ts).
  if (srv.cluster !== null) {
    const e = routeCommand(srv.cluster, c, cmd, argv, flags);
    if (e !== null) return rejectRouted(c, cmd, e);
  }
  // maxmemory (src/keyspace/eviction.ts): evict keys per maxmemory-policy; if memory stays over
  // the limit, denyoom commands get -OOM. A single number check when there is no limit.
  const gate = srv.replicaGate;
  // A replica leaves eviction to its master (replica-ignore-maxmemory, Redis's default).
  if (srv.maxmemory !== 0 && gate === null) {
    if (srv.busyScript === null && refuseForMemory(c, cmd, flags, argv)) return reject(c, cmd, OOM);
  } else if (flags & F.WRITE) countWrite(srv, argv); // for INFO's used_memory estimate

  // Saving to disk fails (MISCONF): write commands, and PING, are refused (Redis's order).
  if (srv.diskError !== null && (flags & F.WRITE || cmd.name === 'ping') && !c.isMaster) return reject(c, cmd, srv.diskError);
  // min-replicas-to-write: writes (and EXEC of queued writes) need enough replicas acking in time.
  if (srv.minReplicasToWrite !== 0 && gate === null && isWrite(c, cmd, flags) && tooFewGoodReplicas(srv)) return reject(c, cmd, NOREPLICAS);
  // A read-only replica takes writes from its master only.
  if (gate !== null && gate.readOnly && !c.isMaster && isWrite(c, cmd, flags)) return reject(c, cmd, READONLY_REPLICA);
  if (c.inPubSubMode && c.protocol === 2 && !cmd.subscriberMode) {
    return reject(
      c,
      cmd,
      errorf(`ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`),
    );
  }
  // replica-serve-stale-data no: while the link is down only commands flagged 'stale' run.
  if (gate !== null && !gate.linkUp && !gate.serveStale && !c.isMaster && isDenyStale(c, cmd, flags)) return reject(c, cmd, MASTERDOWN);
  // The dataset is loading: only commands flagged 'loading' run. Loading a full sync beside the
  // old dataset (async loading), only the no_async_loading ones are refused. EXEC counts the
  // commands it queued (Redis's is_denyloading_command / is_deny_async_loading_command).
  if (srv.loading) {
    if (srv.asyncLoading ? denied(c, cmd, flags, F.NO_ASYNC_LOADING, true) : denied(c, cmd, flags, F.LOADING, false)) return reject(c, cmd, LOADING);
  }
  // A script runs past busy-reply-threshold: only commands flagged allow_busy (SCRIPT KILL...).
  if (srv.busyScript !== null && !(flags & F.ALLOW_BUSY)) return reject(c, cmd, srv.busyScript.isEval ? BUSY_EVAL : BUSY_FUNCTION);
  // CLIENT PAUSE: the command waits (not refused) until the pause ends.
  if (srv.clientPause !== null && srv.clientPause.affects(c, cmd, flags)) {
    postpone(srv.clientPause!.postponed, c, argv);
    return;
  }
  // The Lua engine still loading (an embedded server just started): scripts wait for it.
  if (inlineVm() === null && mustWaitForLua(c, cmd)) {
    const failed = luaUnavailable();
    if (failed !== null) return reject(c, cmd, failed);
    waitForLua(c, argv, dispatch);
    return;
  }
  // (Subcommands are queued whatever their name: SLOWLOG RESET is not RESET.)
  if (c.multi !== null && !cmd.notQueued) {
    if (srv.tracking.clients !== 0) srv.tracking.beforeQueue(c);
    c.multi.push({ cmd, argv, flags });
    c.reply(QUEUED);
    if (c.replyMode === ReplyMode.Skip) countDownSkip(c);
    return;
  }
  call(c, cmd, argv);
  if (c.blocked) c.blockedArgv = argv;
  if (c.tracking !== null) srv.tracking.afterDispatch(c, cmd);
  if (c.replyMode === ReplyMode.Skip) countDownSkip(c);
  // Serve clients blocked on keys this command (or the whole EXEC) made ready; a single
  // counter check when nothing is ready. Not while a script is busy: keys it made ready so far
  // are served when it ends (Redis >= 7.2 checks isInsideYieldingLongCommand), or it would not be atomic.
  if (srv.busyScript === null) handleReadyKeys(srv);
}

/** Whether `flag` (when `present`, else its absence) refuses the command or one EXEC would run. */
function denied(c: Client, cmd: Command, flags: number, flag: number, present: boolean): boolean {
  if (((flags & flag) !== 0) === present) return true;
  return cmd.name === 'exec' && c.multi !== null && c.multi.some((q) => ((q.flags & flag) !== 0) === present);
}

/** Not flagged 'stale', or an EXEC whose queue holds such a command (Redis's is_denystale_command). */
function isDenyStale(c: Client, cmd: Command, flags: number): boolean {
  if (!(flags & F.STALE)) return true;
  return cmd.name === 'exec' && c.multi !== null && c.multi.some((q) => (q.flags & F.STALE) === 0);
}

/** A write, or an EXEC whose queue holds one (Redis's is_write_command). */
function isWrite(c: Client, cmd: Command, flags: number): boolean {
  if (flags & F.WRITE) return true;
  return cmd.name === 'exec' && c.multi !== null && c.multi.some((q) => (q.flags & F.WRITE) !== 0);
}

/** The known command an arity error is about: Redis counts it as that command's rejected call. */
function arityRejected(c: Client, argv: string[]): Command | null {
  const base = c.server.registry.lookup(argv[0]);
  if (base === undefined) return null;
  if (base.subcommands !== null && argv.length >= 2) return base.lookupSub(argv[1]) ?? null;
  return base;
}

/** A command refused before running: counts it, and poisons an open MULTI (EXECABORT). */
export function reject(c: Client, cmd: Command | null, e: ReplyError): void {
  if (cmd) cmd.rejectedCalls++;
  if (cmd !== null && cmd.name === 'exec') {
    // A refused EXEC discards the transaction (Redis's execCommandAbort), with or without MULTI.
    c.multi = null;
    c.multiError = false;
    c.server.watches.unwatchAll(c);
    // Redis formats its arity and pub/sub-context refusals without the ERR code.
    const why = e.message.replace(/^ERR (?=wrong number of arguments|Can't execute)/, '');
    e = errorf(`EXECABORT Transaction discarded because of: ${why}`);
  }
  if (c.multi !== null) c.multiError = true;
  // ASKING covers the next command even when that one is refused (an unknown command, wrong
  // arity, NOAUTH...): cleared unless inside MULTI or the refused command is ASKING (Redis's resetClient).
  if (c.clusterAsking && c.multi === null && cmd?.name !== 'asking') c.clusterAsking = false;
  if (c.tracking !== null) c.server.tracking.afterDispatch(c, cmd);
  countError(c, e);
  c.reply(e);
  if (c.replyMode === ReplyMode.Skip) countDownSkip(c);
}

/** A command redirected by the cluster: a refused EXEC discards the transaction without EXECABORT. */
function rejectRouted(c: Client, cmd: Command, e: ReplyError): void {
  if (cmd.name !== 'exec' || c.multi === null) return reject(c, cmd, e);
  cmd.rejectedCalls++;
  c.multi = null;
  c.multiError = false;
  c.server.watches.unwatchAll(c);
  countError(c, e);
  c.reply(e);
  if (c.replyMode === ReplyMode.Skip) countDownSkip(c);
}

/**
 * CLIENT REPLY SKIP silences the command after it: counted down once every command is done,
 * whether it ran, was queued or was refused (Redis's resetClient).
 */
function countDownSkip(c: Client): void {
  if (c.skipNext) c.skipNext = false;
  else c.replyMode = ReplyMode.On;
}

export function countError(c: Client, e: ReplyError): void {
  const st = c.server.stats;
  st.totalErrorReplies++;
  const code = e.code;
  st.errorCodes.set(code, (st.errorCodes.get(code) ?? 0) + 1);
}

/** Executes a resolved command and writes its reply. */
export function call(c: Client, cmd: Command, argv: string[]): void {
  const srv = c.server;
  const ks = srv.keyspace;
  // Inside a batch of pipelined commands the previous command's end is this one's start: one
  // clock read per command instead of two.
  const t0 = srv.batchClock >= 0 ? srv.batchClock : performance.now();
  let r: Reply;
  if (c.noTouch) ks.noTouch = true;
  // Client-side caching needs the client whose command runs (NOLOOP, self-invalidations).
  const tracking = srv.tracking;
  // current stays the outermost client (Redis's current_client: NOLOOP and self-invalidations
  // are about it, also for a script's writes); executing is the one running this command.
  const outer = tracking.current;
  const outerExecuting = tracking.executing;
  tracking.current = outer ?? c;
  tracking.executing = c;
  if (tracking.clients !== 0) {
    if (outer === null) tracking.beforeCommand();
    if (tracking.current === c) tracking.callerCommand(cmd, argv);
  }
  const dirty0 = ks.dirty;
  const propagations0 = srv.propagations;
  // A background save copies the collections this write may change in place first.
  if (ks.beforeAccess !== null && cmd.flags & F.WRITE) for (const i of cmd.keyPositions(argv)) ks.beforeAccess(c.db, argv[i]);
  srv.callDepth++;
  try {
    r = cmd.handler!(c, argv);
  } catch (e) {
    r = e instanceof ReplyError ? e : internalError(c, cmd, e);
  }
  srv.callDepth--;
  ks.noTouch = false;
  // Propagation (AOF): a command that changed the dataset, unless its nested commands (EXEC,
  // scripts) already propagated their own effects; those are closed (MULTI/EXEC) at the end of
  // the outermost call.
  if ((ks.dirty !== dirty0 || srv.forcePropagation) && srv.propagations === propagations0) srv.propagator.command(c, cmd, argv, r);
  srv.forcePropagation = false;
  // The outermost command ended: its effects (and lazy-expiry deletions) go out as one unit.
  if (srv.callDepth === 0) srv.propagator.endUnit(cmd, c);
  const t1 = performance.now();
  if (srv.batchClock >= 0) srv.batchClock = t1;
  const micros = (t1 - t0) * 1000;
  cmd.calls++;
  cmd.usec += micros;
  if (srv.latency.threshold !== 0) srv.latency.addIfNeeded(cmd.flags & F.FAST ? 'fast-command' : 'command', micros / 1000, srv.clock.now());
  // A command that blocked goes to the histogram and the slow log when it is served, as Redis
  // does (engine/blocking.ts).
  const blocked = c.blocked;
  if (!blocked) {
    if (srv.latencyTracking) (cmd.histogram ??= new LatencyHistogram()).record(micros);
  } else c.blockedCallMicros = micros;
  srv.stats.totalCommands++;
  if (r instanceof ReplyError) {
    cmd.failedCalls++;
    if (!(r instanceof CountedReplyError)) countError(c, r);
  }
  c.reply(r);
  tracking.current = outer;
  tracking.executing = outerExecuting;
  if (tracking.active) tracking.afterCall(c, cmd, argv, outer);
  const slowlog = srv.slowlog;
  if (micros >= slowlog.slowerThan && slowlog.slowerThan >= 0 && !blocked && !(cmd.flags & F.SKIP_SLOWLOG)) {
    slowlog.record(c, argv, micros, srv.clock.now());
  }
  if (srv.monitors.size !== 0 && !(cmd.flags & (F.SKIP_MONITOR | F.ADMIN))) feedMonitors(c, argv);
}

function internalError(c: Client, cmd: Command, e: unknown): ReplyError {
  c.server.stats.unexpectedErrorReplies++;
  c.server.log.warning(`Internal error in '${cmd.fullName}': ${e instanceof Error ? e.stack : String(e)}`);
  return errorf(oneLine(`ERR internal error in '${cmd.fullName}': ${e instanceof Error ? e.message : String(e)}`));
}

function isLocalAddr(addr: string): boolean {
  return addr.startsWith('127.') || addr.startsWith('[::1]') || addr.startsWith('::1') || addr.startsWith('/');
}
