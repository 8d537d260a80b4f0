// COMMAND and its subcommands: the command table as the reference server reports it (COMMAND,
// INFO, DOCS, COUNT, LIST with filters) and key extraction (GETKEYS, GETKEYSANDFLAGS) by Redis's
// key-spec algorithm, falling back to a command's own key finder where its specs cannot tell.
import { globMatch } from '../datatypes/glob';
import type { Client } from '../engine/client';
import { SYNTAX, errorf } from '../errors';
import { parseIntStrict } from '../resp/format';
import { MapReply, RawReply, Reply, SetReply, SimpleString } from '../resp/reply';
import { RespWriter } from '../resp/writer';
import { is } from './args';
import { ACL_CATEGORIES, Command, CommandDef, F, Registry } from './registry';

// ---- COMMAND / COMMAND INFO ------------------------------------------------------------------

/** The full COMMAND reply, encoded once per protocol (the table does not change at run time). */
const allInfoCache = new WeakMap<Registry, Map<number, RawReply>>();

function allInfo(c: Client): Reply {
  const reg = c.server.registry;
  let byProto = allInfoCache.get(reg);
  if (byProto === undefined) allInfoCache.set(reg, (byProto = new Map()));
  let raw = byProto.get(c.protocol);
  if (raw === undefined) {
    const w = new RespWriter();
    w.protocol = c.protocol;
    w.write(reg.commands.map((cmd) => cmd.info()));
    raw = new RawReply(Buffer.from(w.take()!));
    byProto.set(c.protocol, raw);
  }
  return raw;
}

function command(c: Client, argv: string[]): Reply {
  return allInfo(c);
}

function info(c: Client, argv: string[]): Reply {
  if (argv.length === 2) return allInfo(c);
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) out.push(c.server.registry.lookupFull(argv[i])?.info() ?? null);
  return out;
}

function count(c: Client): Reply {
  return c.server.registry.commands.length;
}

function docs(c: Client, argv: string[]): Reply {
  const reg = c.server.registry;
  const flat: Reply[] = [];
  if (argv.length === 2) {
    for (const cmd of reg.commands) flat.push(cmd.fullName, cmd.docs());
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = reg.lookupFull(argv[i]);
      if (cmd) flat.push(cmd.fullName, cmd.docs());
    }
  }
  return new MapReply(flat);
}

// ---- COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN glob] --------------------------

function list(c: Client, argv: string[]): Reply {
  const reg = c.server.registry;
  let keep: (cmd: Command) => boolean = () => true;
  if (argv.length === 5 && is(argv[2], 'FILTERBY')) {
    const arg = argv[4];
    if (is(argv[3], 'MODULE')) {
      keep = () => false; // no modules are loaded
    } else if (is(argv[3], 'ACLCAT')) {
      const i = ACL_CATEGORIES.indexOf(arg.toLowerCase());
      keep = i < 0 ? () => false : (cmd) => (cmd.categories & (1 << i)) !== 0;
    } else if (is(argv[3], 'PATTERN')) {
      keep = (cmd) => globMatch(arg, cmd.fullName, true);
    } else {
      return SYNTAX;
    }
  } else if (argv.length !== 2) {
    return SYNTAX;
  }
  const out: Reply[] = [];
  for (const cmd of reg.all()) if (keep(cmd)) out.push(cmd.fullName);
  return out;
}

// ---- COMMAND GETKEYS / GETKEYSANDFLAGS -------------------------------------------------------

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface KeyRef {
  pos: number;
  flags: string[];
}

/**
 * Redis's getKeysUsingKeySpecs: key positions found by the command's key specs, or null when a
 * spec cannot be applied to these arguments (unknown or incomplete spec, keys out of range).
 */
function keysFromSpecs(cmd: Command, argv: string[]): KeyRef[] | null {
  const specs: Json[] = cmd.meta?.key_specs ?? [];
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    const bs = spec.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index;
    } else if (bs.type === 'keyword') {
      const from: number = bs.spec.startfrom;
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === bs.spec.keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else {
      return null; // 'unknown' spec: Redis falls back to the command's own key finder
    }
    let last: number;
    let step: number;
    const fk = spec.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep;
      if (fk.spec.lastkey >= 0) last = first + fk.spec.lastkey;
      else if (!fk.spec.limit) last = argc + fk.spec.lastkey;
      else last = first + (Math.floor((argc - first) / fk.spec.limit) + fk.spec.lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep;
      if (fk.spec.keynumidx >= argc || first + fk.spec.keynumidx >= argc) return null;
      const n = parseIntStrict(argv[first + fk.spec.keynumidx]);
      if (n === null || n < 0) return null;
      first += fk.spec.firstkey;
      last = first + Number(n) - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return out;
}

/** Whether any key spec can name a key (Redis's doesCommandHaveKeys). */
export function hasKeys(cmd: Command): boolean {
  if (cmd.getKeys !== null || cmd.first !== 0) return true;
  return (cmd.meta?.key_specs ?? []).some((s: Json) => !s.flags.includes('not_key'));
}

/** Keys of a full command line (Redis's getKeysFromCommandWithSpecs). */
export function commandKeys(cmd: Command, argv: string[]): KeyRef[] {
  const specs: Json[] = cmd.meta?.key_specs ?? [];
  const variable = specs.some((s) => s.flags.includes('variable_flags'));
  if (specs.length && !variable) {
    const r = keysFromSpecs(cmd, argv);
    if (r !== null) return r;
  }
  if (variable && cmd.getKeys === null) {
    // SET and BITFIELD: the key's flags depend on the options (Redis's setGetKeys, bitfieldGetKeys).
    const r = keysFromSpecs(cmd, argv) ?? [];
    const flags = variableKeyFlags(cmd.fullName, argv);
    return flags ? r.map((k) => ({ pos: k.pos, flags })) : r;
  }
  if (cmd.getKeys === null && specs.length === 0 && cmd.first !== 0) {
    return cmd.keyPositions(argv).map((pos) => ({ pos, flags: [] }));
  }
  if (cmd.getKeys === null) return [];
  // The command's own key finder knows positions only: take the flags of the spec that starts
  // at that position, else of the last spec (STORE/destination-like keys come last).
  return cmd.getKeys(argv).map((pos) => {
    const spec = specs.find((s) => s.begin_search.type === 'index' && s.begin_search.spec.index === pos) ?? specs[specs.length - 1];
    return { pos, flags: spec?.flags ?? [] };
  });
}

function variableKeyFlags(name: string, argv: string[]): string[] | null {
  if (name === 'set') return argv.slice(3).some((a) => is(a, 'GET')) ? ['RW', 'access', 'update'] : ['OW', 'update'];
  if (name === 'bitfield') {
    const writes = argv.slice(2).some((a) => is(a, 'SET') || is(a, 'INCRBY'));
    return writes ? ['RW', 'access', 'update'] : ['RO', 'access'];
  }
  return null;
}

function getKeysImpl(c: Client, argv: string[], withFlags: boolean): Reply {
  const args = argv.slice(2);
  const base = c.server.registry.lookup(args[0]);
  let cmd = base;
  if (base?.subcommands && args.length >= 2) cmd = base.lookupSub(args[1]);
  if (!cmd) return errorf('ERR Invalid command specified');
  if (!hasKeys(cmd)) return errorf('ERR The command has no key arguments');
  if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) {
    return errorf('ERR Invalid number of arguments specified for command');
  }
  const keys = commandKeys(cmd, args);
  if (keys.length === 0) return cmd.has(F.NO_MANDATORY_KEYS) ? [] : errorf('ERR Invalid arguments specified for command');
  return keys.map((k) => (withFlags ? [args[k.pos], new SetReply(k.flags.map((f) => new SimpleString(f)))] : args[k.pos]));
}

const HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

const SUB = 'loading stale';

export const introspectionCommands: CommandDef[] = [
  {
    name: 'command',
    summary: 'Describes every command the server knows (name, arity, flags, keys, categories).',
    arity: -1,
    flags: 'loading stale sentinel',
    acl: '@connection',
    handler: command,
    subcommands: [
      { name: 'count', summary: 'Number of top-level commands.', arity: 2, flags: SUB, acl: '@connection', handler: count },
      { name: 'docs', summary: 'Argument grammar and documentation details of commands.', arity: -2, flags: SUB, acl: '@connection', handler: docs },
      { name: 'getkeys', summary: 'Extracts the key names from a full command line.', arity: -4, flags: SUB, acl: '@connection', handler: (c, a) => getKeysImpl(c, a, false) },
      {
        name: 'getkeysandflags',
        summary: 'Extracts the key names from a full command line, with how each key is accessed.',
        arity: -4,
        flags: SUB,
        acl: '@connection',
        handler: (c, a) => getKeysImpl(c, a, true),
      },
      { name: 'help', summary: 'Lists the COMMAND subcommands.', arity: 2, flags: SUB, acl: '@connection', handler: () => HELP },
      { name: 'info', summary: 'Details of the named commands (all when none is named).', arity: -2, flags: SUB, acl: '@connection', handler: info },
      { name: 'list', summary: 'Names of all commands, optionally filtered by category, pattern or module.', arity: -2, flags: SUB, acl: '@connection', handler: list },
    ],
  },
];
