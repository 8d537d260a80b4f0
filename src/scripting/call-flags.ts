// The flags of one EVAL/EVALSHA/FCALL call, as Redis's evalGetCommandFlags/fcallGetCommandFlags:
// a script that declares flags (a shebang line, or register_function's flags) replaces the
// command's write/denyoom/stale/may_replicate with what it declared; a legacy script (no shebang)
// keeps the command's own flags. The dispatcher's OOM, pause and stale checks read the result.
import { F } from '../commands/registry';
import type { Client } from '../engine/client';
import { ReplyError } from '../errors';
import { findFunction } from './functions';
import { parseShebang } from './scripts';
import { scriptingState } from './state';

/** Redis's scriptFlagsToCmdFlags. */
function declaredToCommandFlags(flags: number, declared: ReadonlySet<string> | readonly string[]): number {
  const has = (f: string) => ('has' in declared ? declared.has(f) : declared.includes(f));
  flags &= ~(F.STALE | F.DENYOOM | F.WRITE | F.MAY_REPLICATE);
  const noWrites = has('no-writes');
  if (!noWrites && !has('allow-oom')) flags |= F.DENYOOM;
  if (!noWrites) flags |= F.WRITE;
  if (has('allow-stale')) flags |= F.STALE;
  return flags;
}

/** EVAL/EVAL_RO (body in argv[1]) and EVALSHA/EVALSHA_RO (a cached body's SHA1). */
export function evalCallFlags(c: Client, argv: string[], flags: number): number {
  const sha = argv[0].length >= 7; // evalsha, evalsha_ro
  const body = sha ? scriptingState(c.server).scripts.get(argv[1].toLowerCase()) : argv[1];
  // Unknown SHA, or no shebang ('#!'): the command's own flags (checked without allocating).
  if (body === undefined || body.charCodeAt(0) !== 35 || body.charCodeAt(1) !== 33) return flags;
  const sb = parseShebang(body);
  if (sb instanceof ReplyError || sb.compat) return flags;
  return declaredToCommandFlags(flags, sb.flags);
}

/** FCALL/FCALL_RO: the flags the function was registered with. */
export function fcallCallFlags(c: Client, argv: string[], flags: number): number {
  const found = findFunction(scriptingState(c.server), argv[1]);
  return found === undefined ? flags : declaredToCommandFlags(flags, found.fn.flags);
}
