// EVAL-family scripts: the script cache (by SHA1), `#!lua flags=...` shebangs, compile checks,
// and the EVAL / EVALSHA / *_RO / SCRIPT commands.
import type { Client } from '../engine/client';
import { feedMonitors } from '../engine/monitor';
import { MASTERDOWN, NOT_INTEGER, ReplyError, errorf } from '../errors';
import { OK, Reply } from '../resp/reply';
import { parseIntStrict } from '../resp/format';
import { wrapEval } from './prelude';
import { NO_CLUSTER, compileCheck, killBusyScript, runScript } from './runner';
import type { ScriptRun } from './runner';
import { scriptingState } from './state';
import { inlineVm } from './vm/inline-vm';
import { nodeCrypto } from '../util/builtins';

export const SCRIPT_FLAGS = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;

export interface ScriptFlags {
  /** No shebang: Redis's EVAL compatibility mode (no flag checks before running). */
  compat: boolean;
  flags: Set<string>;
  /** The code after the shebang line (starting with its newline), or the whole body. */
  code: string;
}

export function sha1hex(s: string): string {
  return nodeCrypto().createHash('sha1').update(s, 'latin1').digest('hex');
}

/** Shebangs of bodies run before (EVALSHA runs the same bodies over and over); never mutated. */
const shebangs = new Map<string, ScriptFlags>();

/** parseShebang of a body that is known to parse (it is in the script cache). */
function cachedShebang(body: string): ScriptFlags {
  let sb = shebangs.get(body);
  if (sb === undefined) {
    sb = parseShebang(body) as ScriptFlags;
    if (shebangs.size >= 1000) shebangs.clear();
    shebangs.set(body, sb);
  }
  return sb;
}

/** Parses a leading `#!lua flags=a,b` line (Redis's evalExtractShebangFlags). */
export function parseShebang(body: string): ScriptFlags | ReplyError {
  if (!body.startsWith('#!')) return { compat: true, flags: new Set(), code: body };
  const eol = body.indexOf('\n');
  const line = eol < 0 ? body : body.slice(0, eol);
  const parts = line.split(' ').filter((p) => p !== '');
  if (parts[0] !== '#!lua') return errorf(`ERR Unexpected engine in script shebang: ${parts[0]}`);
  const flags = new Set<string>();
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return errorf(`ERR Unknown lua shebang option: ${part}`);
    for (const f of part.slice(6).split(',')) {
      if (f === '') continue;
      if (!(SCRIPT_FLAGS as readonly string[]).includes(f)) return errorf(`ERR Unexpected flag in script shebang: ${f}`);
      flags.add(f);
    }
  }
  return { compat: false, flags, code: eol < 0 ? '' : body.slice(eol) };
}

/** A body's shebang, once it parses and its code compiles; else the error Redis gives. */
export function checkScript(body: string): ScriptFlags | ReplyError {
  const sb = parseShebang(body);
  if (sb instanceof ReplyError) return sb;
  let e: string | null;
  try {
    e = compileCheck(sb.code, '@user_script');
  } catch (err) {
    return errorf(`ERR ${(err as Error).message}`);
  }
  if (e !== null) return errorf(`ERR Error compiling script (new function): ${e.replace(/[\r\n]/g, ' ')}`);
  return sb;
}

/** Checks a body and caches it; returns its SHA1 or the error Redis gives. */
function cacheScript(c: Client, body: string, sha = sha1hex(body)): string | ReplyError {
  const st = scriptingState(c.server);
  if (st.scripts.has(sha)) return sha;
  const sb = checkScript(body);
  if (sb instanceof ReplyError) return sb;
  st.scripts.set(sha, body);
  return sha;
}

/**
 * The flag checks of a script about to run (Redis's scriptPrepareForRun) and how it runs; shared
 * by EVAL and a debugged EVAL.
 */
export function evalRun(c: Client, sha: string, argv: string[], sb: ScriptFlags, ro: boolean): ScriptRun | ReplyError {
  if (!sb.compat && ro && !sb.flags.has('no-writes')) return errorf('ERR Can not execute a script with write flag using *_ro command.');
  if (!sb.compat && sb.flags.has('no-cluster') && c.server.cluster !== null) return NO_CLUSTER;
  // A script without a shebang passes the stale check as EVAL (a 'stale' command) and is refused
  // here, as Redis's scriptPrepareForRun does (a flagged one without allow-stale never gets here).
  const gate = c.server.replicaGate;
  if (sb.compat && gate !== null && !gate.linkUp && !gate.serveStale && !c.isAofLoader) return MASTERDOWN;
  return {
    kind: 'eval',
    name: sha,
    argv,
    readOnly: ro || sb.flags.has('no-writes'),
    allowOom: sb.flags.has('allow-oom'),
    // Scripts without a shebang keep Redis 6's leniency (any slot served here).
    allowCrossSlot: sb.compat || sb.flags.has('allow-cross-slot-keys'),
  };
}

/** numkeys, keys and args of EVAL-style commands (argv[2] is numkeys). */
export function splitKeys(argv: string[]): { keys: string[]; args: string[] } | ReplyError {
  const n = parseIntStrict(argv[2]);
  if (n === null || typeof n === 'bigint') return NOT_INTEGER;
  if (n > argv.length - 3) return errorf("ERR Number of keys can't be greater than number of args");
  if (n < 0) return errorf("ERR Number of keys can't be negative");
  return { keys: argv.slice(3, 3 + n), args: argv.slice(3 + n) };
}

/** Key positions of EVAL / EVALSHA / FCALL (COMMAND GETKEYS, WATCH...). */
export function evalKeys(argv: string[]): number[] {
  const n = Number(argv[2]);
  const out: number[] = [];
  if (!Number.isInteger(n) || n < 0 || n > argv.length - 3) return out;
  for (let i = 0; i < n; i++) out.push(3 + i);
  return out;
}

function evalGeneric(c: Client, argv: string[], bySha: boolean, ro: boolean): Reply {
  // First, as Redis does: MONITOR shows the script before its commands, and a refused one too.
  if (c.server.monitors.size !== 0) feedMonitors(c, argv);
  // As Redis: a digest that is not 40 characters cannot match, and says so before numkeys is read.
  if (bySha && argv[1].length !== 40) return errorf('NOSCRIPT No matching script. Please use EVAL.');
  const split = splitKeys(argv);
  if (split instanceof ReplyError) return split;
  const st = scriptingState(c.server);
  let sha: string;
  let body: string | undefined;
  if (bySha) {
    sha = argv[1].toLowerCase();
    body = st.scripts.get(sha);
    if (body === undefined) return errorf('NOSCRIPT No matching script. Please use EVAL.');
  } else {
    body = argv[1];
    const r = cacheScript(c, body);
    if (r instanceof ReplyError) return r;
    sha = r;
  }
  const sb = cachedShebang(body);
  const run = evalRun(c, sha, argv, sb, ro);
  if (run instanceof ReplyError) return run;
  return runScript(c, wrapEval(sb.code).source, split.keys, split.args, run);
}

export const evalCommand = (c: Client, argv: string[]): Reply => evalGeneric(c, argv, false, false);
export const evalRoCommand = (c: Client, argv: string[]): Reply => evalGeneric(c, argv, false, true);
export const evalshaCommand = (c: Client, argv: string[]): Reply => evalGeneric(c, argv, true, false);
export const evalshaRoCommand = (c: Client, argv: string[]): Reply => evalGeneric(c, argv, true, true);

export function scriptLoad(c: Client, argv: string[]): Reply {
  return cacheScript(c, argv[2]);
}

export function scriptExists(c: Client, argv: string[]): Reply {
  const scripts = scriptingState(c.server).scripts;
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) out.push(scripts.has(argv[i].toLowerCase()) ? 1 : 0);
  return out;
}

export function scriptFlush(c: Client, argv: string[]): Reply {
  if (argv.length > 3 || (argv.length === 3 && !/^(sync|async)$/i.test(argv[2])))
    return errorf('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  scriptingState(c.server).scripts.clear();
  // Redis starts a new Lua state: the compiled bodies go too (the VM is shared; others recompile).
  inlineVm()?.releaseCompiled?.();
  return OK;
}

export const scriptKill = (c: Client): Reply => killBusyScript(c, true);
