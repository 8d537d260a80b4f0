// The command table. Each family module declares its commands (name, arity, flags, keys, ACL
// categories, summary, handler); the registry derives implicit ACL categories from the flags the
// way Redis does, attaches key specs and argument grammar captured from the reference server
// (meta/redis-commands.json), and answers lookups for the dispatcher, COMMAND, ACL and scripts.
import type { Client } from '../engine/client';
import { LatencyHistogram } from '../engine/latency';
import { MapReply, Reply, SetReply, SimpleString } from '../resp/reply';

export type Handler = (c: Client, argv: string[]) => Reply;

/**
 * What a write is propagated as (AOF, replicas) when its argv would not replay the same way:
 * the command lines that reproduce its effect, read from the state after it ran and its reply.
 * The rewrites live in src/persistence/propagation.ts.
 */
export type PropagateRewrite = (c: Client, argv: string[], reply: Reply) => string[][];

export interface CommandDef {
  /** Lowercase name; for a subcommand, the part after the container (`setname`). */
  name: string;
  /** One line in our own words, for COMMAND DOCS. */
  summary: string;
  arity: number;
  /** Space separated: visible COMMAND INFO flags plus internal ones (may_replicate, protected...). */
  flags: string;
  /** first, last, step key positions (0,0,0 when there are none or they move). */
  keys?: [number, number, number];
  /** The command's own ACL categories, e.g. '@string' (implicit ones come from the flags). */
  acl?: string;
  handler?: Handler;
  subcommands?: CommandDef[];
  /** Key positions for commands whose keys move (movablekeys): used by COMMAND GETKEYS, WATCH... */
  getKeys?: (argv: string[]) => number[];
  /**
   * The flags of one call when they depend on its arguments (Redis's getCommandFlags): a script
   * that declares its flags replaces EVAL's write/denyoom/may_replicate/stale with its own. The
   * dispatcher's checks (OOM, pause, stale...) and MULTI's EXEC read these.
   */
  callFlags?: (c: Client, argv: string[], flags: number) => number;
  /** Propagated as this rewrite of argv (relative expiry made absolute, SPOP as SREM...). */
  propagate?: PropagateRewrite;
  /** Allowed to a RESP2 client in subscriber mode (SUBSCRIBE and friends, PING, QUIT, RESET). */
  subscriberMode?: true;
  /** Runs at once inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET). */
  notQueued?: true;
  /** A scripting command (EVAL, FCALL, FUNCTION, SCRIPT): refused inside scripts even when other noscript commands are allowed. */
  scripting?: true;
}

// Flag bits, in the order COMMAND INFO prints them.
export const F = {
  WRITE: 1 << 0,
  READONLY: 1 << 1,
  DENYOOM: 1 << 2,
  MODULE: 1 << 3,
  ADMIN: 1 << 4,
  PUBSUB: 1 << 5,
  NOSCRIPT: 1 << 6,
  BLOCKING: 1 << 7,
  LOADING: 1 << 8,
  STALE: 1 << 9,
  SKIP_MONITOR: 1 << 10,
  SKIP_SLOWLOG: 1 << 11,
  ASKING: 1 << 12,
  FAST: 1 << 13,
  NO_AUTH: 1 << 14,
  MAY_REPLICATE: 1 << 15,
  SENTINEL: 1 << 16,
  ONLY_SENTINEL: 1 << 17,
  NO_MANDATORY_KEYS: 1 << 18,
  PROTECTED: 1 << 19,
  NO_ASYNC_LOADING: 1 << 20,
  NO_MULTI: 1 << 21,
  MOVABLEKEYS: 1 << 22,
  ALLOW_BUSY: 1 << 23,
  /** May lazily expire keys it did not name (SCAN, RANDOMKEY): their DELs are not wrapped in MULTI/EXEC. */
  TOUCHES_ARBITRARY_KEYS: 1 << 24,
} as const;

const FLAG_NAMES: [number, string, boolean][] = [
  [F.WRITE, 'write', true],
  [F.READONLY, 'readonly', true],
  [F.DENYOOM, 'denyoom', true],
  [F.MODULE, 'module', true],
  [F.ADMIN, 'admin', true],
  [F.PUBSUB, 'pubsub', true],
  [F.NOSCRIPT, 'noscript', true],
  [F.BLOCKING, 'blocking', true],
  [F.LOADING, 'loading', true],
  [F.STALE, 'stale', true],
  [F.SKIP_MONITOR, 'skip_monitor', true],
  [F.SKIP_SLOWLOG, 'skip_slowlog', true],
  [F.ASKING, 'asking', true],
  [F.FAST, 'fast', true],
  [F.NO_AUTH, 'no_auth', true],
  [F.MAY_REPLICATE, 'may_replicate', false],
  [F.SENTINEL, 'sentinel', false],
  [F.ONLY_SENTINEL, 'only_sentinel', false],
  [F.NO_MANDATORY_KEYS, 'no_mandatory_keys', true],
  [F.PROTECTED, 'protected', false],
  [F.NO_ASYNC_LOADING, 'no_async_loading', true],
  [F.NO_MULTI, 'no_multi', true],
  [F.MOVABLEKEYS, 'movablekeys', true],
  [F.ALLOW_BUSY, 'allow_busy', true],
  [F.TOUCHES_ARBITRARY_KEYS, 'touches_arbitrary_keys', false],
];

// ACL categories in Redis's bit order (COMMAND INFO prints them in this order).
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
let metaTable: Record<string, Json> | null = null;

/** The command metadata, parsed on first use (a large JSON file: startup does not need it). */
function commandMeta(): Record<string, Json> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (metaTable ??= (require('./meta/table') as typeof import('./meta/table')).COMMAND_META);
}

const flagsParsed = new Map<string, number>();

/** The F bits of a definition's flags string. */
function parseFlags(text: string, who: string): number {
  const known = flagsParsed.get(text);
  if (known !== undefined) return known;
  let flags = 0;
  for (const f of text.split(/\s+/)) {
    if (!f) continue;
    const entry = FLAG_NAMES.find((e) => e[1] === f);
    if (!entry) throw new Error(`${who}: unknown flag ${f}`);
    flags |= entry[0];
  }
  flagsParsed.set(text, flags);
  return flags;
}

const categoriesParsed = new Map<string, number>();

/** The ACL category bits of a command: its declared categories and those its flags imply. */
function categoriesOf(flags: number, acl: string, who: string): number {
  const key = `${flags} ${acl}`;
  const known = categoriesParsed.get(key);
  if (known !== undefined) return known;
  let cats = 0;
  for (const c of acl.split(/\s+/)) {
    if (!c) continue;
    const i = ACL_CATEGORIES.indexOf(c.replace(/^@/, ''));
    if (i < 0) throw new Error(`${who}: unknown ACL category ${c}`);
    cats |= 1 << i;
  }
  // Implicit categories, as Redis's setImplicitACLCategories.
  const bit = (name: string) => 1 << ACL_CATEGORIES.indexOf(name);
  if (flags & F.WRITE) cats |= bit('write');
  if (flags & F.READONLY && !(cats & bit('scripting'))) cats |= bit('read');
  if (flags & F.ADMIN) cats |= bit('admin') | bit('dangerous');
  if (flags & F.PUBSUB) cats |= bit('pubsub');
  if (flags & F.FAST) cats |= bit('fast');
  if (flags & F.BLOCKING) cats |= bit('blocking');
  if (!(cats & bit('fast'))) cats |= bit('slow');
  categoriesParsed.set(key, cats);
  return cats;
}

export class Command {
  readonly fullName: string;
  readonly flags: number;
  readonly categories: number;
  readonly first: number;
  readonly last: number;
  readonly step: number;
  readonly handler: Handler | null;
  readonly subcommands: Map<string, Command> | null = null;
  private metaValue: Json = undefined;
  private metaLooked = false;
  readonly getKeys: ((argv: string[]) => number[]) | null;
  readonly callFlags: ((c: Client, argv: string[], flags: number) => number) | null;
  readonly propagate: PropagateRewrite | null;
  /** CommandDef.subscriberMode and scripting of the command (a subcommand: of its container), and notQueued. */
  readonly subscriberMode: boolean;
  readonly notQueued: boolean;
  readonly scripting: boolean;
  // Statistics for INFO commandstats.
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;
  /** Call durations (INFO latencystats, LATENCY HISTOGRAM); created on the first call. */
  histogram: LatencyHistogram | null = null;

  constructor(
    readonly def: CommandDef,
    readonly parent: Command | null,
  ) {
    this.fullName = parent ? `${parent.name}|${def.name}` : def.name;
    // ~240 commands and their subcommands share a few dozen flag and category strings: each is
    // parsed once per process (issue 16).
    const flags = parseFlags(def.flags, this.fullName);
    this.flags = flags;
    this.categories = categoriesOf(flags, def.acl ?? '', this.fullName);
    const keys = def.keys;
    this.first = keys === undefined ? 0 : keys[0];
    this.last = keys === undefined ? 0 : keys[1];
    this.step = keys === undefined ? 0 : keys[2];
    this.handler = def.handler ?? null;
    this.getKeys = def.getKeys ?? null;
    this.callFlags = def.callFlags ?? null;
    this.propagate = def.propagate ?? null;
    const top = parent?.def ?? def;
    this.subscriberMode = top.subscriberMode === true;
    this.notQueued = parent === null && def.notQueued === true; // subcommands are queued (SLOWLOG RESET is not RESET)
    this.scripting = top.scripting === true;
    if (def.subcommands) {
      this.subcommands = new Map();
      for (const sd of def.subcommands) {
        const sub = new Command(sd, this);
        this.subcommands.set(sd.name, sub);
        this.subcommands.set(sd.name.toUpperCase(), sub);
      }
    }
  }

  get name(): string {
    return this.def.name;
  }

  /** Redis's metadata for the command (key specs, tips, docs), looked up on first use. */
  get meta(): Json {
    if (!this.metaLooked) {
      const p = this.parent;
      this.metaValue = p ? (p.meta?.subcommands ?? []).find((s: Json) => s.name === this.fullName) : commandMeta()[this.def.name];
      this.metaLooked = true;
    }
    return this.metaValue;
  }

  get arity(): number {
    return this.def.arity;
  }

  /** The flags of this call (see CommandDef.callFlags). */
  flagsOf(c: Client, argv: string[]): number {
    return this.callFlags === null ? this.flags : this.callFlags(c, argv, this.flags);
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  lookupSub(name: string): Command | undefined {
    if (!this.subcommands) return undefined;
    return this.subcommands.get(name) ?? this.subcommands.get(name.toLowerCase());
  }

  visibleFlags(): string[] {
    return FLAG_NAMES.filter((e) => e[2] && this.flags & e[0]).map((e) => e[1]);
  }

  categoryNames(): string[] {
    return ACL_CATEGORIES.filter((_, i) => this.categories & (1 << i)).map((c) => `@${c}`);
  }

  /** Positions of the key arguments in argv (Redis's getKeysFromCommand). */
  keyPositions(argv: string[]): number[] {
    if (this.getKeys) return this.getKeys(argv);
    if (this.first === 0) return [];
    const last = this.last < 0 ? argv.length + this.last : this.last;
    const out: number[] = [];
    for (let i = this.first; i <= last && i < argv.length; i += this.step) out.push(i);
    return out;
  }

  /** The COMMAND INFO entry. */
  info(): Reply {
    const keySpecs: Reply[] = (this.meta?.key_specs ?? []).map(keySpecReply);
    const subs: Reply[] = this.subcommands ? [...new Set(this.subcommands.values())].map((s) => s.info()) : [];
    return [
      this.fullName,
      this.arity,
      new SetReply(this.visibleFlags().map((f) => new SimpleString(f))),
      this.first,
      this.last,
      this.step,
      new SetReply(this.categoryNames().map((c) => new SimpleString(c))),
      new SetReply((this.meta?.tips ?? []).slice()), // tips are bulk strings
      new SetReply(keySpecs),
      new SetReply(subs),
    ];
  }

  /** The COMMAND DOCS entry (our summary, the reference grammar). */
  docs(): Reply {
    const d = this.meta?.docs ?? (this.parent ? this.parent.meta?.docs?.subcommands?.[this.fullName] : undefined) ?? {};
    const flat: Reply[] = ['summary', this.def.summary];
    if (d.since) flat.push('since', d.since);
    flat.push('group', d.group ?? this.parent?.meta?.docs?.group ?? 'generic');
    if (d.doc_flags) flat.push('doc_flags', new SetReply(d.doc_flags.map((f: string) => new SimpleString(f))));
    if (d.deprecated_since) flat.push('deprecated_since', d.deprecated_since);
    if (d.arguments) flat.push('arguments', d.arguments.map(argReply));
    if (this.subcommands) {
      const subFlat: Reply[] = [];
      for (const s of new Set(this.subcommands.values())) subFlat.push(s.fullName, s.docs());
      flat.push('subcommands', new MapReply(subFlat));
    }
    return new MapReply(flat);
  }
}

function keySpecReply(ks: Json): Reply {
  const flat: Reply[] = [];
  if (ks.notes !== undefined) flat.push('notes', ks.notes);
  flat.push('flags', new SetReply(ks.flags.map((f: string) => new SimpleString(f))));
  flat.push('begin_search', new MapReply(['type', ks.begin_search.type, 'spec', specMap(ks.begin_search.spec)]));
  flat.push('find_keys', new MapReply(['type', ks.find_keys.type, 'spec', specMap(ks.find_keys.spec)]));
  return new MapReply(flat);
}

function specMap(spec: Json): Reply {
  const flat: Reply[] = [];
  for (const k of Object.keys(spec)) flat.push(k, spec[k]);
  return new MapReply(flat);
}

function argReply(a: Json): Reply {
  const flat: Reply[] = ['name', a.name, 'type', a.type];
  if (a.display_text !== undefined) flat.push('display_text', a.display_text);
  if (a.key_spec_index !== undefined) flat.push('key_spec_index', a.key_spec_index);
  if (a.token !== undefined) flat.push('token', a.token);
  if (a.since !== undefined) flat.push('since', a.since);
  if (a.flags !== undefined) flat.push('flags', new SetReply(a.flags.map((f: string) => new SimpleString(f))));
  if (a.value !== undefined) flat.push('value', a.value);
  if (a.arguments !== undefined) flat.push('arguments', a.arguments.map(argReply));
  return new MapReply(flat);
}

export class Registry {
  private byName = new Map<string, Command>();
  /** The last successful lookup (see lookup()). */
  private lastName = '';
  private lastCommand: Command | undefined = undefined;
  /** Distinct top-level commands, in registration order. */
  readonly commands: Command[] = [];

  register(defs: CommandDef[]): void {
    for (const d of defs) {
      if (this.byName.has(d.name)) throw new Error(`command ${d.name} registered twice`);
      const cmd = new Command(d, null);
      this.commands.push(cmd);
      this.byName.set(d.name, cmd);
      this.byName.set(d.name.toUpperCase(), cmd);
    }
  }

  /** Exact or case-insensitive lookup of a top-level command. */
  lookup(name: string): Command | undefined {
    // Pipelines repeat one command: the last hit is a string comparison away (usually the same
    // string object, see RespParser.commandName), cheaper than hashing the name.
    if (name === this.lastName) return this.lastCommand;
    const cmd = this.byName.get(name) ?? this.byName.get(name.toLowerCase());
    if (cmd !== undefined) {
      this.lastName = name;
      this.lastCommand = cmd;
    }
    return cmd;
  }

  /** redis.conf rename-command: the command answers to a new name instead ('' removes it). */
  rename(from: string, to: string): 'no such command' | 'target exists' | null {
    const cmd = this.lookup(from);
    if (!cmd) return 'no such command';
    if (to !== '' && this.lookup(to)) return 'target exists';
    for (const [k, v] of this.byName) if (v === cmd) this.byName.delete(k);
    this.lastName = '';
    this.lastCommand = undefined;
    if (to !== '') {
      this.byName.set(to.toLowerCase(), cmd);
      this.byName.set(to.toUpperCase(), cmd);
    }
    return null;
  }

  /** Resolves `container sub` to the subcommand (COMMAND INFO client|list style names too). */
  lookupFull(name: string): Command | undefined {
    const bar = name.indexOf('|');
    if (bar < 0) return this.lookup(name);
    return this.lookup(name.slice(0, bar))?.lookupSub(name.slice(bar + 1));
  }

  /** Every command and subcommand. */
  *all(): IterableIterator<Command> {
    for (const c of this.commands) {
      yield c;
      if (c.subcommands) yield* new Set(c.subcommands.values());
    }
  }
  /** INFO commandstats: the commands that were called, rejected or failed. */
  commandStatsInfo(): [string, string][] {
    const out: [string, string][] = [];
    for (const cmd of this.all()) {
      if (!cmd.calls && !cmd.failedCalls && !cmd.rejectedCalls) continue;
      const usec = Math.round(cmd.usec);
      const perCall = cmd.calls === 0 ? 0 : usec / cmd.calls;
      out.push([`cmdstat_${cmd.fullName}`, `calls=${cmd.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${cmd.rejectedCalls},failed_calls=${cmd.failedCalls}`]);
    }
    return out;
  }

  /** INFO latencystats: the given percentiles of each command's latency histogram. */
  latencyStatsInfo(pcts: number[]): [string, string][] {
    const out: [string, string][] = [];
    for (const cmd of this.all()) {
      const h = cmd.histogram;
      if (h === null || h.total === 0) continue;
      const parts = pcts.map((p) => `p${percentileName(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
      out.push([`latency_percentiles_usec_${cmd.fullName}`, parts.join(',')]);
    }
    return out;
  }

}

/** Redis formats percentiles with %f and trims trailing zeros (trimDoubleString). */
function percentileName(p: number): string {
  return p.toFixed(6).replace(/\.?0+$/, '');
}
