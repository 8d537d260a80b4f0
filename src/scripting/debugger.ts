// SCRIPT DEBUG YES|SYNC and the EVAL that follows it: a Lua debugger session (Redis's "ldb").
// The debugger itself runs inside the Lua engine (native/lua/ldb.c) on the worker VM; this side
// owns the session: the connection's bytes go to the engine instead of the command parser, and
// at the end the client gets <endsession>, the EVAL reply, and is disconnected (as in Redis).
// - SYNC runs the script on this server; like Redis, which is blocked meanwhile, every other
//   client's commands are held until the session ends (engine/dispatcher.ts, DebugHold).
// - YES runs it on a private copy of the server (ServerContext.copyForDebugging) where Redis runs
//   it in a forked child: the server goes on serving others and the script's changes are dropped.
import type { Client } from '../engine/client';
import { feedMonitors } from '../engine/monitor';
import { releasePostponed } from '../engine/pause';
import type { ServerContext } from '../engine/context';
import { ReplyError, errorf } from '../errors';
import { NO_REPLY, OK, Reply } from '../resp/reply';
import { errorHelperName } from './call-args';
import type { LdbIo } from './engine';
import { prepareBody } from './prelude';
import { runDebugged } from './runner';
import type { ScriptRun } from './runner';
import { ScriptFlags, checkScript, evalRun, sha1hex, splitKeys } from './scripts';
import { scriptingState } from './state';
import type { DebugScript } from './vm/lua-vm';

const END_SESSION = Buffer.from('*1\r\n+<endsession>\r\n', 'latin1');

/** SCRIPT DEBUG YES|SYNC|NO. */
export function scriptDebug(c: Client, argv: string[]): Reply {
  // Redis refuses it while replies are pending: after another command of the same read, or in EXEC.
  if (c.inExec || c.writer.pending > 0) return errorf('ERR SCRIPT DEBUG must be called outside a pipeline');
  const mode = argv[2].toLowerCase();
  if (mode === 'no') c.luaDebug = null;
  else if (mode === 'yes' || mode === 'sync') c.luaDebug = mode;
  else return errorf('ERR Use SCRIPT DEBUG YES/SYNC/NO');
  return OK;
}

/** Whether c's EVAL runs under the debugger (TCP clients outside EXEC; others run it plainly). */
export function debugging(c: Client): boolean {
  return c.luaDebug !== null && c.kind === 'tcp' && !c.inExec;
}

/**
 * The EVAL family's handlers with SCRIPT DEBUG in mind: after YES|SYNC, EVAL opens a session and
 * EVALSHA is refused (a malformed digest first), as in Redis; otherwise `plain` runs.
 */
export function withDebugger(plain: (c: Client, argv: string[]) => Reply, bySha: boolean, ro: boolean): (c: Client, argv: string[]) => Reply {
  return (c, argv) => {
    if (!debugging(c)) return plain(c, argv);
    if (c.server.monitors.size !== 0) feedMonitors(c, argv);
    if (!bySha) return evalDebugged(c, argv, ro);
    if (argv[1].length === 40) return errorf('ERR Please use EVAL instead of EVALSHA for debugging');
    return errorf('NOSCRIPT No matching script. Please use EVAL.');
  };
}

/** EVAL / EVAL_RO under the debugger: the session answers the client itself (NO_REPLY here). */
export function evalDebugged(c: Client, argv: string[], ro: boolean): Reply {
  const srv = c.server;
  const sync = c.luaDebug === 'sync';
  let target: ServerContext = srv;
  if (sync) {
    srv.log.warning('Redis synchronous debugging eval session started');
    srv.debugHold = { owner: c, held: new Set() };
  } else {
    target = srv.copyForDebugging();
    scriptingState(srv).debugCopies.add(target);
    srv.log.warning('Redis forked for debugging eval');
  }
  const pauseCron = srv.pauseCron;
  if (sync) srv.pauseCron = true; // nothing else happens meanwhile (no expiry cycle)
  c.blocked = true;
  const io = sessionIo(c);
  const end = (r: Reply, logsSent: boolean): void => {
    c.rawInput = null;
    if (sync) {
      srv.pauseCron = pauseCron;
      srv.log.warning('Redis synchronous debugging eval session ended');
      releaseHeld(srv);
      if (r instanceof ReplyError && c.lastCommand !== null) c.lastCommand.failedCalls++;
    } else {
      srv.log.warning('Lua debugging session child exiting');
      scriptingState(srv).debugCopies.delete(target);
      target.events.emit('shutdown');
    }
    c.blocked = false;
    if (c.closed) return;
    if (!logsSent) io.write(END_SESSION);
    c.closeAfterReply = true;
    c.replyAsync(r);
  };
  const prepared = prepare(c, target, argv, ro);
  if (prepared instanceof ReplyError) {
    end(prepared, false);
    return NO_REPLY;
  }
  runDebugged(c, target, prepared.script, prepared.keys, prepared.args, prepared.run, io, (r) => end(r, true));
  return NO_REPLY;
}

interface Prepared {
  script: DebugScript;
  keys: string[];
  args: string[];
  run: ScriptRun;
}

/** EVAL's checks (in the session, as in Redis) and the parts the engine runs. */
function prepare(c: Client, target: ServerContext, argv: string[], ro: boolean): Prepared | ReplyError {
  const split = splitKeys(argv);
  if (split instanceof ReplyError) return split;
  const body = argv[1];
  const sb = checkScript(body);
  if (sb instanceof ReplyError) return sb;
  const sha = sha1hex(body);
  // The script is cached where it ran: on this server (SYNC), on the copy (YES).
  scriptingState(target).scripts.set(sha, body);
  const run = evalRun(c, sha, argv, sb, ro);
  if (run instanceof ReplyError) return run;
  return { script: debugScript(body, sb, target.config.int('busy-reply-threshold')), keys: split.keys, args: split.args, run };
}

/**
 * The script as the engine debugs it: the body compiled as it is (so its lines and locals are the
 * client's), the helpers respite normally puts in front of it as its environment instead, and the
 * return fixup run on its value.
 */
function debugScript(source: string, sb: ScriptFlags, timelimitMs: number): DebugScript {
  const p = prepareBody(sb.code);
  const names = ['math', 'redis', 'pcall', 'xpcall'];
  if (p.body !== sb.code) names.push(errorHelperName(sb.code));
  const prelude = p.prelude === '' ? '' : `${p.prelude} return {${names.map((n) => `${n} = ${n}`).join(', ')}}`;
  const fixup = "local __v = ... local t = type(__v) if t == 'function' or t == 'userdata' or t == 'thread' then return nil end" + p.fixup + ' return __v';
  return { source, body: p.body, prelude, fixup, timelimitMs };
}

/** The connection's bytes for the engine, and its log lines for the connection. */
function sessionIo(c: Client): LdbIo {
  const inbox: Buffer[] = [];
  let gone = c.closed;
  let waiting: { max: number; done: (b: Buffer | null) => void } | null = null;
  const serve = (): void => {
    if (waiting === null) return;
    const w = waiting;
    if (inbox.length !== 0) {
      waiting = null;
      const first = inbox[0];
      if (first.length <= w.max) inbox.shift();
      else inbox[0] = first.subarray(w.max);
      w.done(first.subarray(0, w.max));
    } else if (gone) {
      waiting = null;
      w.done(null);
    }
  };
  c.rawInput = (bytes) => {
    if (bytes === null) gone = true;
    else inbox.push(bytes);
    serve();
  };
  return {
    write: (bytes) => {
      if (gone || c.closed) return;
      c.writer.raw(bytes);
      c.server.markPendingOutput(c);
    },
    read: (max, done) => {
      waiting = { max, done };
      serve();
    },
    resumed: () => {},
  };
}

/** The SYNC session ended: the held clients' commands run, in order. */
function releaseHeld(srv: ServerContext): void {
  const hold = srv.debugHold;
  srv.debugHold = null;
  if (hold !== null) releasePostponed(srv, hold.held);
}
