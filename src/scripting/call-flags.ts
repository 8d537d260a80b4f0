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

/** Redis's scriptFlagsToCmdFlags, from a script's declared flags. */
function declaredToCommandFlags(flags: number, noWrites: boolean, allowOom: boolean, allowStale: boolean): number {
  flags &= ~(F.STALE | F.DENYOOM | F.WRITE | F.MAY_REPLICATE);
  if (!noWrites && !allowOom) flags |= F.DENYOOM;
  if (!noWrites) flags |= F.WRITE;
  if (allowStale) flags |= F.STALE;
  return flags;
}

/** The flags a script body declares in its shebang line, or the command's own for a legacy body. */
function bodyFlags(body: string | undefined, flags: number): number {
  // Unknown SHA, or no shebang ('#!'): the command's own flags (checked without allocating).
  if (body === undefined || body.charCodeAt(0) !== 35 || body.charCodeAt(1) !== 33) return flags;
  const sb = parseShebang(body);
  if (sb instanceof ReplyError || sb.compat) return flags;
  const d = sb.flags;
  return declaredToCommandFlags(flags, d.has('no-writes'), d.has('allow-oom'), d.has('allow-stale'));
}

/** EVAL/EVAL_RO: the body is argv[1]. */
export function evalCallFlags(_c: Client, argv: string[], flags: number): number {
  return bodyFlags(argv[1], flags);
}

/** EVALSHA/EVALSHA_RO: argv[1] names a cached body by its SHA1. */
export function evalshaCallFlags(c: Client, argv: string[], flags: number): number {
  return bodyFlags(scriptingState(c.server).scripts.get(argv[1].toLowerCase()), flags);
}

/** FCALL/FCALL_RO: the flags the function was registered with. */
export function fcallCallFlags(c: Client, argv: string[], flags: number): number {
  const found = findFunction(scriptingState(c.server), argv[1]);
  if (found === undefined) return flags;
  const d = found.fn.flags;
  return declaredToCommandFlags(flags, d.includes('no-writes'), d.includes('allow-oom'), d.includes('allow-stale'));
}
