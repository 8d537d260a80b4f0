// Configuration parameters: one table of definitions (config/table.ts) with Redis 7.0's names,
// types, limits and flags; values kept in their canonical string form (what CONFIG GET prints);
// validation with Redis's exact error texts; and the CONFIG SET algorithm (all checked first,
// applied in order, rolled back on failure) shared by CONFIG SET, the command line, redis.conf
// and the embedded startServer() options.
import type { ServerContext } from '../engine/context';
import { CONFIG_TABLE } from './table';
import { formatMemoryForFile, memtoull, quoteRepr, string2ll, strtollFull } from './values';

export { formatMemoryForFile, memtoull, parseMemory, quoteRepr, string2ll, strtollFull } from './values';

export type ConfigType = 'bool' | 'string' | 'enum' | 'numeric' | 'special';

export interface ConfigDef {
  name: string;
  /** The other name Redis accepts (slave-*, *-ziplist-*, lua-time-limit). */
  alias?: string;
  type: ConfigType;
  /** Default in canonical form (as CONFIG GET prints it). */
  default: string;
  // ---- numeric ----
  min?: bigint;
  max?: bigint;
  /** Bounds checked as unsigned (C unsigned int, size_t, unsigned long long). */
  unsigned?: boolean;
  /** Accepts memory units (1gb, 100mb, 5k). */
  memory?: boolean;
  /** Also accepts "N%" (stored negative, like Redis). */
  percent?: boolean;
  /** Parsed and printed in octal (unixsocketperm). */
  octal?: boolean;
  // ---- enum ----
  values?: string[];
  /** Enum names that stand for another value (oom-score-adj relative = yes). */
  synonyms?: Record<string, string>;
  /** Bit values of an enum that takes several words (shutdown-on-sigint "save now"). */
  bits?: number[];
  /** Takes several arguments: CONFIG SET splits the value on spaces (save, bind, ...). */
  multiArg?: boolean;
  // ---- flags ----
  immutable?: boolean;
  /** CONFIG SET needs enable-protected-configs (dir, dbfilename). */
  protected?: boolean;
  /** CONFIG SET answers -LOADING while the dataset loads (Redis's DENY_LOADING_CONFIG). */
  denyLoading?: boolean;
  /** Only matched by its exact name in CONFIG GET (debugging knobs). */
  hidden?: boolean;
  /** Redacted from SLOWLOG/MONITOR. */
  sensitive?: boolean;
  /** An empty string means "not set": CONFIG REWRITE drops the line. */
  nullable?: boolean;
  /** Accepted and reported like Redis, but has no effect in respite. */
  noEffect?: boolean;
  /** Extra validation (Redis's is_valid_fn): an error text, or nothing when valid. */
  validate?: (value: string) => string | void;
  /** Special types: arguments to canonical value, or an error text. */
  parse?: (args: string[], ctx: ParseContext) => string | { error: string };
  /** A value read from the process rather than stored (dir = cwd). */
  read?: () => string;
  /** How CONFIG GET shows a stored value, when the stored form keeps more than Redis prints. */
  display?: (stored: string) => string;
  /** Makes the running server follow a new value; returns an error text to refuse it. */
  apply?: (server: ServerContext, value: string) => string | void;
  /** Lines for CONFIG REWRITE (without the name): [] drops the option from the file. */
  rewrite?: (value: string, def: ConfigDef) => { line: string; force: boolean }[];
}

export interface ParseContext {
  server: ServerContext | null;
  /** Reading redis.conf or the command line (not CONFIG SET). */
  loading: boolean;
  /** The value before this assignment (save lines accumulate while loading). */
  previous: string;
  /** Set by a loader once the first `save` line replaced the default. */
  saveLoaded?: boolean;
}

interface Entry {
  def: ConfigDef;
  /** The name this entry answers to (the alias entry reports the alias). */
  name: string;
  isAlias: boolean;
}

const entries = new Map<string, Entry>();
for (const d of CONFIG_TABLE) {
  entries.set(d.name, { def: d, name: d.name, isAlias: false });
  if (d.alias) entries.set(d.alias, { def: d, name: d.alias, isAlias: true });
}

/** The table entry for a name or alias (case-insensitive). */
export function configEntry(name: string): Entry | undefined {
  return entries.get(name) ?? entries.get(name.toLowerCase());
}

export function configDef(name: string): ConfigDef | undefined {
  return configEntry(name)?.def;
}

export function allConfigDefs(): readonly ConfigDef[] {
  return CONFIG_TABLE;
}

/** Every name CONFIG GET can report, aliases included, in table order. */
export function allConfigEntries(): IterableIterator<Entry> {
  return entries.values();
}

// ---- numbers, the way Redis's C code reads them ---------------------------------------------

function parseNumeric(def: ConfigDef, s: string): bigint | { error: string } {
  if (def.memory) {
    const v = memtoull(s);
    if (v !== null) return BigInt.asIntN(64, v);
  }
  if (def.percent && s.length > 1 && s.endsWith('%')) {
    const v = string2ll(s.slice(0, -1));
    if (v !== null && v >= 0n) return -v;
  }
  if (def.octal) {
    const v = strtollFull(s, 8);
    if (v !== null) return v;
  }
  if (!def.memory && !def.percent && !def.octal) {
    const v = string2ll(s);
    if (v !== null) return v;
  }
  if (def.memory && def.percent) return { error: 'argument must be a memory or percent value' };
  if (def.memory) return { error: 'argument must be a memory value' };
  if (def.octal) return { error: "argument couldn't be parsed as an octal number" };
  return { error: "argument couldn't be parsed into an integer" };
}

function numericBoundaryError(def: ConfigDef, v: bigint): string | null {
  const min = def.min!;
  const max = def.max!;
  if (def.unsigned) {
    const u = BigInt.asUintN(64, v);
    if (u > BigInt.asUintN(64, max) || u < BigInt.asUintN(64, min)) {
      const f = (n: bigint) => BigInt.asUintN(64, n).toString(def.octal ? 8 : 10);
      return `argument must be between ${f(min)} and ${f(max)} inclusive`;
    }
    return null;
  }
  if (def.percent && v < 0n) {
    return v < min ? `percentage argument must be less or equal to ${-min}` : null;
  }
  if (v > max || v < min) return `argument must be between ${min} and ${max} inclusive`;
  return null;
}

function formatNumeric(def: ConfigDef, v: bigint): string {
  if (def.percent && v < 0n) return `${-v}%`;
  if (def.memory) return BigInt.asUintN(64, v).toString();
  if (def.octal) return v.toString(8);
  return v.toString();
}

/** The value of a numeric parameter as a C long long (percentages negative, like Redis). */
export function numericValue(def: ConfigDef, canonical: string): bigint {
  if (canonical.endsWith('%')) return -BigInt(canonical.slice(0, -1));
  if (def.octal) return BigInt('0o' + canonical);
  return BigInt.asIntN(64, BigInt(canonical));
}

function enumError(def: ConfigDef): { error: string } {
  return { error: `argument(s) must be one of the following: ${def.values!.join(', ')}` };
}

/** Redis's configEnumGetName for flag enums: exact match first, else the matching names. */
export function enumFlagsName(def: ConfigDef, v: number): string {
  const names: string[] = [];
  let rest = v;
  for (let i = 0; i < def.values!.length; i++) {
    const b = def.bits![i];
    if (b === v) return def.values![i];
    if (b && (rest & b) === b) {
      names.push(def.values![i]);
      rest &= ~b;
    }
  }
  return names.length && !rest ? names.join(' ') : 'unknown';
}

/**
 * Validates the arguments for one parameter and returns its canonical value, or the error text
 * Redis gives (the part after "CONFIG SET failed (possibly related to argument '...') - ").
 */
export function parseConfigValue(def: ConfigDef, args: string[], ctx: ParseContext): string | { error: string } {
  if (!def.multiArg && args.length !== 1) return { error: 'wrong number of arguments' };
  let out: string | { error: string };
  switch (def.type) {
    case 'bool': {
      const v = args[0].toLowerCase();
      out = v === 'yes' || v === 'no' ? v : { error: "argument must be 'yes' or 'no'" };
      break;
    }
    case 'numeric': {
      const v = parseNumeric(def, args[0]);
      if (typeof v !== 'bigint') return v;
      const e = numericBoundaryError(def, v);
      out = e ? { error: e } : formatNumeric(def, v);
      break;
    }
    case 'enum': {
      if (def.bits) {
        let v = 0;
        for (const a of args) {
          const i = def.values!.indexOf(a.toLowerCase());
          if (i < 0) return enumError(def);
          v |= def.bits[i];
        }
        if (args.length === 0) return enumError(def);
        out = String(v);
      } else {
        if (args.length !== 1) return enumError(def);
        const i = def.values!.indexOf(args[0].toLowerCase());
        out = i < 0 ? enumError(def) : (def.synonyms?.[def.values![i]] ?? def.values![i]);
      }
      break;
    }
    case 'string':
      out = args[0];
      break;
    case 'special':
      return def.parse!(args, ctx);
  }
  if (typeof out === 'string' && def.validate) {
    const e = def.validate(out);
    if (e) return { error: e };
  }
  if (typeof out === 'string' && def.bits) out = enumFlagsName(def, Number(out));
  return out;
}

// ---- the store ------------------------------------------------------------------------------

export class Config {
  private values = new Map<string, string>();
  /** Bumped by every change, so hot paths can cache parsed values. */
  changes = 0;

  constructor() {
    for (const d of CONFIG_TABLE) this.values.set(d.name, d.default);
  }

  /** The canonical value of a parameter (by name or alias). */
  get(name: string): string {
    const d = configDef(name);
    if (!d) throw new Error(`unknown config ${name}`);
    if (d.read) return d.read();
    const v = this.values.get(d.name)!;
    return d.display ? d.display(v) : v;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** The stored value, even for parameters read from the process. */
  stored(name: string): string {
    return this.values.get(configDef(name)!.name)!;
  }

  /** Sets an already validated canonical value (no apply hook). */
  setRaw(name: string, value: string): void {
    const d = configDef(name);
    if (!d) throw new Error(`unknown config ${name}`);
    this.values.set(d.name, value);
    this.changes++;
  }

  /** Every parameter with its value, in table order. */
  entries(): [ConfigDef, string][] {
    return CONFIG_TABLE.map((d) => [d, this.get(d.name)]);
  }
}

// ---- CONFIG SET and friends -----------------------------------------------------------------

export type ConfigSetResult =
  | { ok: true }
  /** unknown: no such parameter (name as given); otherwise name is the parameter to blame. */
  | { ok: false; unknown: boolean; name: string; error: string; loading?: boolean };

export interface ConfigSetOptions {
  /** CONFIG SET: immutable and protected parameters refuse, duplicates refuse. */
  runtime: boolean;
  /** For protected configs under enable-protected-configs local. */
  localClient?: boolean;
  /** Multi-argument values arrive as one string split on spaces (CONFIG SET, embedded options). */
  split?: boolean;
}

/** Text of a failed CONFIG SET, as Redis replies it. */
export function configSetErrorText(r: { unknown: boolean; name: string; error: string }): string {
  if (r.unknown) return `ERR Unknown option or number of arguments for CONFIG SET - '${r.name}'`;
  return `ERR CONFIG SET failed (possibly related to argument '${r.name}')${r.error ? ' - ' + r.error : ''}`;
}

function protectedAllowed(server: ServerContext, local: boolean): boolean {
  const mode = server.config.get('enable-protected-configs');
  return mode === 'yes' || (mode === 'local' && local);
}

/**
 * Redis's configSetCommand: finds every parameter (first error wins: unknown, immutable,
 * protected, duplicate), sets them in order (a bad value restores the ones set before it), then
 * applies the changed ones (a refused apply restores everything).
 */
export function setConfigValues(server: ServerContext, pairs: [string, string | string[]][], opts: ConfigSetOptions): ConfigSetResult {
  // Redis gives -LOADING precedence over every other error (clients may retry on it).
  if (opts.runtime && server.loading) {
    for (const [name] of pairs) {
      const e = configEntry(name);
      if (e?.def.denyLoading && !e.def.immutable && (!e.def.protected || protectedAllowed(server, opts.localClient ?? false))) {
        return { ok: false, unknown: false, name, error: '', loading: true };
      }
    }
  }
  const found: Entry[] = [];
  for (const [name] of pairs) {
    const e = configEntry(name);
    if (!e) return { ok: false, unknown: true, name, error: '' };
    if (opts.runtime) {
      if (e.def.immutable) return { ok: false, unknown: false, name, error: "can't set immutable config" };
      if (e.def.protected && !protectedAllowed(server, opts.localClient ?? false)) {
        return { ok: false, unknown: false, name, error: "can't set protected config" };
      }
      if (found.some((f) => f.def === e.def && f.isAlias === e.isAlias)) {
        return { ok: false, unknown: false, name, error: 'duplicate parameter' };
      }
    }
    found.push(e);
  }
  const old = found.map((e) => server.config.get(e.def.name));
  const changed: boolean[] = [];
  for (let i = 0; i < found.length; i++) {
    const { def, name } = found[i];
    const raw = pairs[i][1];
    const args = Array.isArray(raw) ? raw : def.multiArg && opts.split !== false ? raw.split(' ') : [raw];
    const prev = server.config.get(def.name);
    const prevStored = def.display ? server.config.stored(def.name) : prev;
    const v = parseConfigValue(def, args, { server, loading: !opts.runtime, previous: prev });
    if (typeof v !== 'string') {
      for (let j = i - 1; j >= 0; j--) server.config.setRaw(found[j].def.name, old[j]);
      return { ok: false, unknown: false, name, error: v.error };
    }
    server.config.setRaw(def.name, v);
    // Like Redis, an unchanged value is not applied again (bind always rebinds).
    changed.push(v !== prevStored || def.name === 'bind');
  }
  for (let i = 0; i < found.length; i++) {
    if (!changed[i]) continue;
    const e = server.applyOne(found[i].def, server.config.stored(found[i].def.name));
    if (e) {
      server.log.warning(`Failed applying new configuration. Possibly related to new ${found[i].name} setting. Restoring previous settings.`);
      for (let j = found.length - 1; j >= 0; j--) server.config.setRaw(found[j].def.name, old[j]);
      for (let j = 0; j < i; j++) if (changed[j]) server.applyOne(found[j].def, old[j]);
      return { ok: false, unknown: false, name: found[i].name, error: e };
    }
  }
  return { ok: true };
}

// ---- CONFIG REWRITE helpers -----------------------------------------------------------------

/** The lines CONFIG REWRITE writes for a parameter (without its name). */
export function rewriteLines(def: ConfigDef, value: string): { line: string; force: boolean }[] {
  if (def.rewrite) return def.rewrite(value, def);
  switch (def.type) {
    case 'bool':
    case 'enum':
      return [{ line: value, force: value !== def.default }];
    case 'numeric': {
      const v = numericValue(def, value);
      const force = v !== numericValue(def, def.default);
      if (def.percent && v < 0n) return [{ line: `${-v}%`, force }];
      if (def.memory) return [{ line: formatMemoryForFile(BigInt.asUintN(64, v)), force }];
      return [{ line: def.octal ? v.toString(8) : v.toString(), force }];
    }
    case 'string':
    case 'special':
      if (def.nullable && value === '') return [];
      return [{ line: quoteRepr(value), force: value !== def.default }];
  }
}
