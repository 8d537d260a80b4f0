// The one pipeline every command goes through, whatever brought it (TCP, embedded call, EXEC,
// scripts): lookup, arity, the admission checks in Redis's processCommand order, MULTI queueing,
// then call(): the handler, statistics, slow log, MONITOR feed.
import { Command, F } from '../commands/registry';
import {
  NOAUTH,
  NOT_ALLOWED_IN_MULTI,
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

const PUBSUB_ALLOWED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);
const MULTI_PASSTHROUGH = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

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
  const cmd = resolveCommand(c, argv);
  if (cmd instanceof ReplyError) return reject(c, null, cmd);
  c.lastCommand = cmd;
  const flags = cmd.flags;

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
  if (c.inPubSubMode && c.protocol === 2 && !PUBSUB_ALLOWED.has(cmd.parent ? cmd.parent.name : cmd.name)) {
    return reject(
      c,
      cmd,
      errorf(`ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`),
    );
  }
  if (c.multi !== null && !MULTI_PASSTHROUGH.has(cmd.name)) {
    c.multi.push({ cmd, argv });
    c.reply(QUEUED);
    return;
  }
  call(c, cmd, argv);
  if (c.replyMode === ReplyMode.Skip) {
    if (c.skipNext) c.skipNext = false;
    else c.replyMode = ReplyMode.On;
  }
}

/** A command refused before running: counts it, and poisons an open MULTI (EXECABORT). */
export function reject(c: Client, cmd: Command | null, e: ReplyError): void {
  if (cmd) cmd.rejectedCalls++;
  if (c.multi !== null) c.multiError = true;
  countError(c, e);
  c.reply(e);
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
  const t0 = performance.now();
  let r: Reply;
  if (c.noTouch) ks.noTouch = true;
  try {
    r = cmd.handler!(c, argv);
  } catch (e) {
    r = e instanceof ReplyError ? e : internalError(c, cmd, e);
  }
  ks.noTouch = false;
  const micros = (performance.now() - t0) * 1000;
  cmd.calls++;
  cmd.usec += micros;
  srv.stats.totalCommands++;
  if (r instanceof ReplyError) {
    cmd.failedCalls++;
    countError(c, r);
  }
  c.reply(r);
  if (!(cmd.flags & F.SKIP_SLOWLOG)) srv.slowlog.record(c, argv, micros, srv.clock.now());
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
