// Parameters with their own syntax (Redis's "special" configs) and the extra validity checks of
// ordinary ones. Each parser takes the arguments and returns the canonical value CONFIG GET prints,
// or Redis's error text.
import * as fs from 'node:fs';
import type { ConfigDef, ParseContext } from './config';
import { formatMemoryForFile, memtoull, quoteRepr, strtollFull } from './values';
import { string2d } from '../util/numbers';
import { formatNotifyFlags, parseNotifyFlags } from '../keyspace/notify';

type Parsed = string | { error: string };
type Lines = { line: string; force: boolean }[];

// ---- save ----------------------------------------------------------------------------------

export function parseSave(args: string[], ctx: ParseContext): Parsed {
  // A single "" means no snapshots at all.
  if (args.length === 1 && args[0] === '') return '';
  if (args.length & 1) return { error: 'Invalid save parameters' };
  const nums: bigint[] = [];
  for (let j = 0; j < args.length; j++) {
    const v = strtollFull(args[j]);
    if (v === null || ((j & 1) === 0 && v < 1n) || ((j & 1) === 1 && v < 0n)) return { error: 'Invalid save parameters' };
    // changes is a C int
    nums.push((j & 1) === 1 ? BigInt.asIntN(32, v) : v);
  }
  const added = nums.join(' ');
  // While loading, the first `save` line replaces the default and later lines add to it.
  if (ctx.loading && ctx.saveLoaded && ctx.previous !== '') return added === '' ? ctx.previous : `${ctx.previous} ${added}`;
  return added;
}

export function rewriteSave(value: string): Lines {
  if (value === '') return [{ line: '""', force: true }];
  const n = value.split(' ');
  const out: Lines = [];
  for (let i = 0; i < n.length; i += 2) out.push({ line: `${n[i]} ${n[i + 1]}`, force: true });
  return out;
}

// ---- client-output-buffer-limit -------------------------------------------------------------

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'];
export const OBUF_DEFAULT = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

function obufClass(name: string): number {
  const n = name.toLowerCase();
  if (n === 'normal') return 0;
  if (n === 'slave' || n === 'replica') return 1;
  if (n === 'pubsub') return 2;
  return -1; // 'master' is a client type but has no limits
}

export function parseClientOutputBufferLimit(args: string[], ctx: ParseContext): Parsed {
  if (args.length % 4) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const cur = ctx.previous.split(' ');
  const limits = [0, 1, 2].map((i) => cur.slice(i * 4 + 1, i * 4 + 4));
  for (let j = 0; j < args.length; j += 4) {
    const cls = obufClass(args[j]);
    if (cls < 0) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = memtoull(args[j + 1]);
    const soft = memtoull(args[j + 2]);
    const secs = strtollFull(args[j + 3]);
    if (hard === null || soft === null || secs === null || secs < 0n) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    limits[cls] = [hard.toString(), soft.toString(), BigInt.asIntN(32, secs).toString()];
  }
  return limits.map((l, i) => `${OBUF_CLASSES[i]} ${l.join(' ')}`).join(' ');
}

export function rewriteClientOutputBufferLimit(value: string): Lines {
  const cur = value.split(' ');
  const def = OBUF_DEFAULT.split(' ');
  const out: Lines = [];
  for (let i = 0; i < 3; i++) {
    const [hard, soft, secs] = cur.slice(i * 4 + 1, i * 4 + 4);
    const force = cur.slice(i * 4 + 1, i * 4 + 4).join(' ') !== def.slice(i * 4 + 1, i * 4 + 4).join(' ');
    const name = i === 1 ? 'replica' : OBUF_CLASSES[i];
    out.push({ line: `${name} ${formatMemoryForFile(BigInt(hard))} ${formatMemoryForFile(BigInt(soft))} ${secs}`, force });
  }
  return out;
}

// ---- oom-score-adj-values -------------------------------------------------------------------

export function parseOomScoreAdjValues(args: string[]): Parsed {
  if (args.length !== 3) return { error: 'wrong number of arguments' };
  const out: string[] = [];
  for (const a of args) {
    const v = strtollFull(a);
    if (v === null || v < -2000n || v > 2000n) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    out.push(v.toString());
  }
  return out.join(' ');
}

// ---- notify-keyspace-events -----------------------------------------------------------------

export function parseNotifyKeyspaceEvents(args: string[]): Parsed {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const f = parseNotifyFlags(args[0]);
  if (f === null) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
  // Redis prints "A" for a set that also has 'n' (new-key events) but keeps the flag: the
  // stored value keeps it too, CONFIG GET shows Redis's form (displayNotifyKeyspaceEvents).
  const s = formatNotifyFlags(f);
  return s.includes('A') && parseNotifyFlags(s) !== f ? s + 'n' : s;
}

export function displayNotifyKeyspaceEvents(stored: string): string {
  return formatNotifyFlags(parseNotifyFlags(stored) ?? 0);
}

export function rewriteNotifyKeyspaceEvents(value: string): Lines {
  return [{ line: quoteRepr(value), force: value !== '' }];
}

// ---- bind -----------------------------------------------------------------------------------

/**
 * Redis's default: every IPv4 interface and, if the host has IPv6, every IPv6 one. protected-mode
 * (on by default) refuses clients from other hosts while the default user has no password.
 */
export const BIND_DEFAULT = '* -::*';
/** startServer() (an embedded server) listens on loopback only unless its caller gives `bind`. */
export const EMBEDDED_BIND_DEFAULT = '127.0.0.1 -::1';
const BIND_MAX = 16;

export function parseBind(args: string[]): Parsed {
  if (args.length > BIND_MAX) return { error: 'Too many bind addresses specified.' };
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
}

export function rewriteBind(value: string): Lines {
  if (value === BIND_DEFAULT) return [];
  return [{ line: value === '' ? '""' : value, force: true }];
}

// ---- replicaof ------------------------------------------------------------------------------

export function parseReplicaOf(args: string[]): Parsed {
  if (args.length !== 2) return { error: 'wrong number of arguments' };
  if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return '';
  const port = strtollFull(args[1]);
  if (port === null || port < 0n || port > 65535n) return { error: 'Invalid master port' };
  return `${args[0]} ${port}`;
}

export function rewriteReplicaOf(value: string): Lines {
  return value === '' ? [] : [{ line: value, force: true }];
}

// ---- latency-tracking-info-percentiles ------------------------------------------------------

/** printf("%f") with trailing zeros (and a trailing dot) removed, as Redis's trimDoubleString. */
function formatPercentile(v: number): string {
  let s = v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

export function parseLatencyPercentiles(args: string[]): Parsed {
  if (args.length === 1 && args[0] === '') return '';
  const out: string[] = [];
  for (const a of args) {
    const v = string2d(a);
    if (v === null) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (v > 100 || v < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(formatPercentile(v));
  }
  return out.join(' ');
}

export function rewriteLatencyPercentiles(value: string): Lines {
  return [{ line: value === '' ? '""' : value, force: true }];
}

// ---- dir ------------------------------------------------------------------------------------

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

/** strerror() text for a Node.js system error. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  return ERRNO_TEXT[code] ?? (e instanceof Error ? e.message : String(e));
}

export function parseDir(args: string[]): Parsed {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  try {
    if (!fs.statSync(args[0]).isDirectory()) return { error: 'Not a directory' };
    fs.accessSync(args[0], fs.constants.X_OK);
  } catch (e) {
    return { error: strerror(e) };
  }
  return args[0];
}

export function rewriteDir(): Lines {
  return [{ line: quoteRepr(process.cwd()), force: true }];
}

// ---- validity checks of plain strings and enums ---------------------------------------------

function isBaseName(p: string): boolean {
  return !p.includes('/');
}

export function validDbFilename(v: string): string | void {
  if (!isBaseName(v)) return "dbfilename can't be a path, just a filename";
}

export function validAofFilename(v: string): string | void {
  if (v === '') return "appendfilename can't be empty";
  if (!isBaseName(v)) return "appendfilename can't be a path, just a filename";
}

export function validAofDirname(v: string): string | void {
  if (v === '') return "appenddirname can't be empty";
  if (!isBaseName(v)) return "appenddirname can't be a path, just a dirname";
}

export function validHostname(v: string): string | void {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
}

const TITLE_VARS = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);

export function validProcTitleTemplate(v: string): string | void {
  const bad = 'template format is invalid or contains unknown variables';
  let expanded = '';
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== '{') {
      if (v[i] === '}') return bad;
      expanded += v[i];
      continue;
    }
    const end = v.indexOf('}', i);
    if (end < 0 || !TITLE_VARS.has(v.slice(i + 1, end))) return bad;
    expanded += 'x';
    i = end;
  }
  if (expanded.trim() === '') return bad;
}

/** shutdown-on-sigint/sigterm: SAVE and NOSAVE exclude each other. */
export function validShutdownFlags(v: string): string | void {
  const f = Number(v);
  if (f & 1 && f & 2) return "shutdown options SAVE and NOSAVE can't be used simultaneously";
}

export type { ConfigDef };
