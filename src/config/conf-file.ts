// redis.conf: loading (Redis's loadServerConfigFromString: one directive per line, # comments,
// sdssplitargs quoting, include, rename-command, case-insensitive names, fatal errors with the
// offending line) and CONFIG REWRITE (keeps comments and unknown lines, reuses the lines of each
// option in place, blanks the ones no longer used, appends the rest after a signature).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServerContext } from '../engine/context';
import { globMatch } from '../datatypes/glob';
import { splitArgs } from '../resp/parser';
import { REDIS_VERSION } from '../version';
import { allConfigDefs, configEntry, parseConfigValue, rewriteLines } from './config';
import { strerror } from './special';
import { loadStartupUsers, queueConfigUser } from '../acl/access';

/** A fatal configuration error: `report` is what redis-server prints before exiting with 1. */
export class ConfigFileError extends Error {
  constructor(
    readonly report: string,
    /** 'fatal': the FATAL CONFIG FILE ERROR block (stderr); 'log': a log line (file not found). */
    readonly kind: 'fatal' | 'log',
  ) {
    super(report);
  }
}

function fatal(err: string, lineNo?: number, line?: string): ConfigFileError {
  let s = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
  if (lineNo !== undefined) s += `Reading the configuration file, at line ${lineNo}\n>>> '${line}'\n`;
  return new ConfigFileError(s + err + '\n', 'fatal');
}

/** Directives Redis 7.0 still accepts and ignores. */
const DEPRECATED = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

/** Reads a config file the way loadServerConfig does (an include may be a glob). */
export function readConfigFile(file: string): string {
  if (/[*?[]/.test(file)) {
    const dir = path.dirname(file);
    const pattern = path.basename(file);
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => globMatch(pattern, n, false)).sort();
    } catch {
      return ''; // a wildcard matching nothing is fine
    }
    return names.map((n) => readConfigFile(path.join(dir, n))).join('');
  }
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigFileError(`Fatal error, can't open config file '${file}': ${strerror(e)}`, 'log');
  }
}

interface LoadState {
  saveLoaded: boolean;
}

/**
 * Applies the directives in `text` to the server (values are applied as they are read, so a
 * `dir` line affects the includes after it). Throws ConfigFileError on the first bad line.
 */
export function loadConfigFromString(server: ServerContext, text: string, state: LoadState = { saveLoaded: false }): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '' || line[0] === '#') continue;
    const argv = splitArgs(line);
    if (argv === null) throw fatal('Unbalanced quotes in configuration line', i + 1, line);
    if (argv.length === 0) continue;
    const name = argv[0].toLowerCase();
    const entry = configEntry(name);
    if (entry) {
      const def = entry.def;
      if (!def.multiArg && argv.length !== 2) throw fatal('wrong number of arguments', i + 1, line);
      // A multi-argument parameter given one non-empty argument splits it like a line
      // (`--shutdown-on-sigint "nosave force"`), as Redis does.
      const args = def.multiArg && argv.length === 2 && argv[1] !== '' ? (splitArgs(argv[1]) ?? []) : argv.slice(1);
      const v = parseConfigValue(def, args, {
        server,
        loading: true,
        previous: server.config.stored(def.name),
        saveLoaded: state.saveLoaded,
      });
      if (typeof v !== 'string') throw fatal(v.error, i + 1, line);
      if (def.name === 'save') state.saveLoaded = true;
      server.config.setRaw(def.name, v);
      const e = server.applyOne(def, v);
      if (e) throw fatal(e, i + 1, line);
      continue;
    }
    if (DEPRECATED.has(name) && argv.length === 2) continue;
    if (name === 'include' && argv.length === 2) {
      loadConfigFromString(server, readConfigFile(argv[1]), state);
    } else if (name === 'rename-command' && argv.length === 3) {
      const r = server.registry.rename(argv[1], argv[2]);
      if (r === 'no such command') throw fatal('No such command in rename-command', i + 1, line);
      if (r === 'target exists') throw fatal('Target command name already exists', i + 1, line);
    } else if (name === 'user' && argv.length >= 2) {
      const e = queueConfigUser(server, argv);
      if (e) throw fatal(e, i + 1, line);
    } else if ((name === 'loadmodule' || name === 'sentinel') && argv.length >= 2) {
      throw fatal(`'${name}' directives are not supported by respite`, i + 1, line);
    } else {
      throw fatal('Bad directive or wrong number of arguments', i + 1, line);
    }
  }
}

/** The whole startup configuration: config file, then stdin, then command-line options. */
export function loadServerConfig(server: ServerContext, file: string | null, stdin: string | null, options: string): void {
  let text = file === null ? '' : readConfigFile(file);
  if (stdin !== null) text += stdin;
  if (options) text += '\n' + options;
  loadConfigFromString(server, text);
  const e = loadStartupUsers(server);
  if (e) throw new ConfigFileError(e, 'log');
  const logfile = server.config.get('logfile');
  if (logfile !== '') {
    try {
      fs.closeSync(fs.openSync(logfile, 'a'));
    } catch (e) {
      throw fatal(`Can't open the log file: ${strerror(e)}`);
    }
  }
}

// ---- CONFIG REWRITE -------------------------------------------------------------------------

const SIGNATURE = '# Generated by CONFIG REWRITE';
/** Directives that are not parameters but belong in the file as they are. */
const KEPT_DIRECTIVES = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);

class RewriteState {
  lines: string[] = [];
  /** option -> indexes of its lines in the old file */
  optionLines = new Map<string, number[]>();
  rewritten = new Set<string>();
  needsSignature = true;

  rewriteLine(option: string, line: string, force: boolean): void {
    this.rewritten.add(option);
    const at = this.optionLines.get(option);
    if (at && at.length) {
      this.lines[at.shift()!] = line;
      return;
    }
    if (!force) return;
    if (this.needsSignature) {
      this.lines.push(SIGNATURE);
      this.needsSignature = false;
    }
    this.lines.push(line);
  }
}

function readOldFile(file: string): RewriteState {
  const st = new RewriteState();
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return st;
    throw e;
  }
  if (text === '') return st;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '');
    if (line === '' || line[0] === '#') {
      if (line === SIGNATURE) st.needsSignature = false;
      st.lines.push(line);
      continue;
    }
    const argv = splitArgs(line);
    const entry = argv && argv.length ? configEntry(argv[0]) : undefined;
    if (!argv || !argv.length || (!entry && !KEPT_DIRECTIVES.has(argv[0].toLowerCase()))) {
      // Unparsable, or an option that no longer exists: kept as a comment.
      st.lines.push('# ??? ' + line);
      continue;
    }
    const option = entry ? entry.def.name : argv[0].toLowerCase();
    const list = st.optionLines.get(option) ?? [];
    list.push(st.lines.length);
    st.optionLines.set(option, list);
    st.lines.push(line);
  }
  return st;
}

/**
 * The new content of the config file for the running configuration. `forceAll` (DEBUG
 * CONFIG-REWRITE-FORCE-ALL) writes every parameter, defaults included.
 */
export function rewriteConfigContent(server: ServerContext, file: string, forceAll = false): string {
  const st = readOldFile(file);
  for (const def of allConfigDefs()) {
    const lines = rewriteLines(def, server.config.get(def.name));
    if (lines.length === 0) st.rewritten.add(def.name);
    for (const l of lines) st.rewriteLine(def.name, `${def.name} ${l.line}`, l.force || forceAll);
  }
  // ACL users (Redis's rewriteConfigUserOption): with an aclfile they live there and the file's
  // user lines go; otherwise every user, the default one included, is written as a user line.
  if (server.config.get('aclfile') === '') {
    for (const u of server.acl.sortedUsers()) st.rewriteLine('user', `user ${u.name} ${u.describe(server.acl.table)}`, true);
  }
  st.rewritten.add('user');
  // Lines of rewritten options that were not reused (an extra `save`, a duplicate) go blank.
  for (const [option, at] of st.optionLines) {
    if (!st.rewritten.has(option)) continue;
    for (const i of at) st.lines[i] = '';
  }
  let out = '';
  let wasEmpty = false;
  for (const l of st.lines) {
    if (l === '') {
      if (wasEmpty) continue;
      wasEmpty = true;
    } else {
      wasEmpty = false;
    }
    out += l + '\n';
  }
  return out;
}

/** CONFIG REWRITE: replaces the file atomically (temporary file, then rename). */
export function rewriteConfigFile(server: ServerContext, file: string, forceAll = false): void {
  const content = rewriteConfigContent(server, file, forceAll);
  const tmp = `${file}.${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, content, { encoding: 'latin1', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}
