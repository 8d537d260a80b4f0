// Runs one script or function: the client its commands run as, redis.call/pcall through the same
// dispatcher functions as network clients (with Redis's script checks), the frozen keyspace clock,
// the shared PRNG, and error decoration (`... script: <sha>, on @user_script:<line>.`).
import { F } from '../commands/registry';
import { Client } from '../engine/client';
import { call, resolveCommand } from '../engine/dispatcher';
import type { Server } from '../engine/server';
import { OOM, ReplyError, errorf } from '../errors';
import { oomAtCommandStart } from '../keyspace/eviction';
import { formatG } from '../resp/format';
import { Reply } from '../resp/reply';
import { luaToReply } from './convert';
import { FUEL_EXHAUSTED, LuaHost, LuaValue } from './engine';
import { luaEngine } from './wasm-engine';
import { scriptingState } from './state';

/** The client a script's commands run as. Replies are captured as values, never encoded. */
export class ScriptClient extends Client {
  last: Reply = null;
  constructor(server: Server) {
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
}

/**
 * VM instructions per millisecond of busy-reply-threshold. The engine cannot yield to the event
 * loop, so a script's time budget is an instruction budget (calibrated on a tight Lua loop).
 */
const FUEL_PER_MS = 350_000;
const MAX_FUEL = 0x7fffffff;

function fuelFor(srv: Server): number {
  const ms = srv.config.int('busy-reply-threshold');
  return ms <= 0 ? MAX_FUEL : Math.min(MAX_FUEL, ms * FUEL_PER_MS);
}

const ARITY_ERROR = new ReplyError('ERR Wrong number of args calling Redis command from script');
const UNKNOWN_ERROR = new ReplyError('ERR Unknown Redis command called from script');
const NOSCRIPT_ERROR = new ReplyError('ERR This Redis command is not allowed from script');
const READONLY_ERROR = new ReplyError('ERR Write commands are not allowed from read-only scripts.');
const NO_ARGS_ERROR = new ReplyError('ERR Please specify at least one argument for this redis lib call');

class RunHost implements LuaHost {
  resp: 2 | 3 = 2;
  wrote = false;
  constructor(
    private readonly sc: ScriptClient,
    private readonly run: ScriptRun,
  ) {}

  call(argv: string[]): Reply {
    if (argv.length === 0) return NO_ARGS_ERROR;
    if (argv[0].charCodeAt(0) === 0) return this.internal(argv);
    const sc = this.sc;
    const cmd = resolveCommand(sc, argv);
    if (cmd instanceof ReplyError) return cmd.message.startsWith('ERR wrong number of arguments') ? ARITY_ERROR : UNKNOWN_ERROR;
    if (cmd.flags & F.NOSCRIPT) return NOSCRIPT_ERROR;
    if (cmd.flags & F.WRITE) {
      if (this.run.readOnly) return READONLY_ERROR;
      // Over maxmemory when the script started: refused, unless it already wrote (Redis's scriptVerifyOOM).
      if (cmd.flags & F.DENYOOM && !this.wrote && !this.run.allowOom && oomAtCommandStart(sc.server)) return OOM;
      this.wrote = true;
    }
    sc.lastCommand = cmd;
    call(sc, cmd, argv);
    const r = sc.last;
    sc.last = null;
    return r;
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
      case '\0acl': {
        const cmd = this.sc.server.registry.lookup(argv[1] ?? '');
        if (cmd === undefined) return new ReplyError('ERR Invalid command passed to redis.acl_check_cmd()');
        return 1; // every connection runs as the default user, allowed everything
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
  }
}

/** Runs Lua source (prelude included) for a caller; returns the reply of EVAL/FCALL. */
export function runScript(caller: Client, source: string, keys: string[], args: string[], run: ScriptRun): Reply {
  const engine = luaEngine();
  if (engine === null) return errorf('ERR the Lua engine is not loaded yet');
  const srv = caller.server;
  const st = scriptingState(srv);
  const sc = (st.client ??= new ScriptClient(srv));
  sc.db = caller.db; // SELECT inside the script does not leak back to the caller
  sc.user = caller.user;
  sc.protocol = 2;
  const host = new RunHost(sc, run);
  const ks = srv.keyspace;
  const outerSnapshot = ks.timeSnapshot;
  ks.timeSnapshot = outerSnapshot ?? srv.clock.now(); // the keyspace clock stands still
  let v: LuaValue;
  st.running = run;
  try {
    v = engine.run(source, keys, args, fuelFor(srv), host);
  } finally {
    st.running = null;
    ks.timeSnapshot = outerSnapshot;
  }
  if (v !== null && typeof v === 'object' && 'err' in v && v.meta !== undefined) return abortError(v as AbortValue, run);
  return luaToReply(v, caller.protocol);
}

type AbortValue = { err: string; meta: { line: number; kind?: string; name?: string } };

/** An error that stopped the script, worded and decorated as Redis 7.0 does. */
function abortError(v: AbortValue, run: ScriptRun): ReplyError {
  const chunk = run.kind === 'eval' ? 'user_script' : 'user_function';
  const line = v.meta.line;
  let msg: string;
  if (v.meta.kind === 'global-read') {
    msg = `ERR ${chunk}:${line}: Script attempted to access nonexistent global variable '${v.meta.name}'`;
  } else if (v.meta.kind === 'command-arg-type') {
    msg = 'ERR Lua redis lib command arguments must be strings or integers';
  } else {
    let e = v.err.replace(/\0/g, '').replace(/[\r\n]/g, ' ');
    if (e === FUEL_EXHAUSTED || e.endsWith(`: ${FUEL_EXHAUSTED}`)) {
      e = 'Script ran past busy-reply-threshold and was stopped (respite runs a script to completion without serving other clients, so it cannot wait for SCRIPT KILL)';
    }
    e = e.replace(/^user_script:(\d+): /, `${chunk}:$1: `);
    // Errors raised by C helpers (redis.setresp...) carry their own code and no position in Redis.
    const coded = /^user_(?:script|function):\d+: ([A-Z]+ .*)$/.exec(e);
    if (coded !== null) msg = coded[1];
    else msg = /^[A-Z][A-Z0-9]* /.test(e) ? e : `ERR ${e}`;
  }
  return new ReplyError(`${msg} script: ${run.name}, on @${chunk}:${line}.`);
}
