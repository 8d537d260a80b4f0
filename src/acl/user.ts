// ACL users and selectors (Redis 7.0 semantics), pure logic: parsing rules such as `+@read`,
// `~cache:*`, `>secret`, describing a user back as rules, and checking one command line against a
// user. The command table is reached through the small AclCommands interface so this folder
// knows nothing of sockets or clients.
import type { Command } from '../commands/registry';
import { ACL_CATEGORIES } from '../commands/registry';
import { globMatch } from '../datatypes/glob';
import { nodeCrypto } from '../util/builtins';

/** What the ACL code needs from the command table. */
export interface AclCommands {
  /** Top-level commands in a stable order (not affected by rename-command). */
  all(): readonly Command[];
  /** `get`, `config|get`: the original command, or undefined. */
  find(name: string): Command | undefined;
  /** Key positions and their key-spec flags ('access', 'update', 'insert', 'delete'...). */
  keys(cmd: Command, argv: string[]): { pos: number; flags: string[] }[];
  hasKeys(cmd: Command): boolean;
}

export const READ = 1;
export const WRITE = 2;

export const enum Denied {
  OK = 0,
  Cmd = 1,
  Key = 2,
  Channel = 3,
}

/** Why an ACL rule was refused; the text Redis's ACLSetUserStringError gives. */
export class RuleError extends Error {}
const E_ENOENT = 'Unknown command or category name in ACL';
export const UNKNOWN = E_ENOENT;
const E_EINVAL = 'Syntax error';
const E_EEXIST =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const E_EISDIR =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
const E_ENODEV = 'The password you are trying to remove from the user does not exist';
const E_EBADMSG = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
const E_ECHILD = 'Allowing first-arg of a subcommand is not supported';

export function hashPassword(pass: string): string {
  return nodeCrypto().createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0 || ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 11 || ch === 12) return true;
  }
  return false;
}

function eq(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

export interface KeyPattern {
  pattern: string;
  perm: number;
}

export class Selector {
  root: boolean;
  allKeys = false;
  allChannels = false;
  /** Every command, and the ones added later (set by +@all only, cleared by any removal). */
  allCommands = false;
  /** Redis's reserved "future commands" bit: +@all was the starting point. */
  future = false;
  allowed = new Set<Command>();
  /** +select|0 style permissions for commands otherwise denied. */
  firstArgs: Map<Command, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(root: boolean) {
    this.root = root;
  }

  copy(): Selector {
    const s = new Selector(this.root);
    s.allKeys = this.allKeys;
    s.allChannels = this.allChannels;
    s.allCommands = this.allCommands;
    s.future = this.future;
    s.allowed = new Set(this.allowed);
    if (this.firstArgs) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, v.slice()]));
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = this.channels.slice();
    return s;
  }

  private setBit(cmd: Command, on: boolean): void {
    if (on) this.allowed.add(cmd);
    else {
      this.allowed.delete(cmd);
      this.allCommands = false;
    }
  }

  /** Allow/deny a command and, for a container, all its subcommands (ACLChangeSelectorPerm). */
  changePerm(cmd: Command, on: boolean): void {
    this.setBit(cmd, on);
    this.firstArgs?.delete(cmd);
    if (cmd.subcommands) for (const sub of new Set(cmd.subcommands.values())) this.setBit(sub, on);
  }

  setCategory(table: AclCommands, cat: string, on: boolean): void {
    const bit = categoryBit(cat);
    if (bit === 0) throw new RuleError(E_ENOENT);
    for (const cmd of table.all()) {
      if (cmd.categories & bit) this.changePerm(cmd, on);
      if (cmd.subcommands) for (const sub of new Set(cmd.subcommands.values())) if (sub.categories & bit) this.changePerm(sub, on);
    }
  }

  private setAll(table: AclCommands, on: boolean): void {
    this.allowed.clear();
    if (on) for (const cmd of table.all()) this.changePerm(cmd, true);
    this.allCommands = on;
    this.future = on;
    this.firstArgs = null;
  }

  /** One selector rule (ACLSetSelector). Throws RuleError. */
  apply(table: AclCommands, op: string): void {
    if (eq(op, 'allkeys') || op === '~*') {
      this.allKeys = true;
      this.patterns = [];
    } else if (eq(op, 'resetkeys')) {
      this.allKeys = false;
      this.patterns = [];
    } else if (eq(op, 'allchannels') || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (eq(op, 'resetchannels')) {
      this.allChannels = false;
      this.channels = [];
    } else if (eq(op, 'allcommands') || eq(op, '+@all')) {
      this.setAll(table, true);
    } else if (eq(op, 'nocommands') || eq(op, '-@all')) {
      this.setAll(table, false);
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.allKeys) throw new RuleError(E_EEXIST);
      let perm = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const ch = op[offset].toUpperCase();
          if (ch === 'R' && !(perm & READ)) perm |= READ;
          else if (ch === 'W' && !(perm & WRITE)) perm |= WRITE;
          else if (op[offset] === '~') {
            offset++;
            break;
          } else throw new RuleError(E_EINVAL);
        }
      } else perm = READ | WRITE;
      const pattern = op.slice(offset);
      if (hasSpaces(pattern)) throw new RuleError(E_EINVAL);
      const found = this.patterns.find((p) => p.pattern === pattern);
      if (found) found.perm |= perm;
      else this.patterns.push({ pattern, perm });
      this.allKeys = false;
    } else if (op[0] === '&') {
      if (this.allChannels) throw new RuleError(E_EISDIR);
      const ch = op.slice(1);
      if (hasSpaces(ch)) throw new RuleError(E_EINVAL);
      if (!this.channels.includes(ch)) this.channels.push(ch);
      this.allChannels = false;
    } else if (op[0] === '+' && op[1] !== '@') {
      const bar = op.lastIndexOf('|');
      if (bar < 0) {
        const cmd = table.find(op.slice(1));
        if (!cmd) throw new RuleError(E_ENOENT);
        this.changePerm(cmd, true);
      } else {
        const cmd = table.find(op.slice(1, bar));
        const sub = op.slice(bar + 1);
        if (!cmd) throw new RuleError(E_ENOENT);
        if (cmd.parent) throw new RuleError(E_ECHILD);
        if (sub === '') throw new RuleError(E_EINVAL);
        if (cmd.subcommands) {
          const full = table.find(op.slice(1));
          if (!full) throw new RuleError(E_ENOENT);
          this.changePerm(full, true);
        } else {
          // Allowing one first argument of an otherwise denied command (SELECT 0, DEBUG OBJECT).
          this.firstArgs ??= new Map();
          const list = this.firstArgs.get(cmd) ?? [];
          if (!list.some((a) => eq(a, sub))) list.push(sub);
          this.firstArgs.set(cmd, list);
        }
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = table.find(op.slice(1));
      if (!cmd) throw new RuleError(E_ENOENT);
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      this.setCategory(table, op.slice(2), op[0] === '+');
    } else throw new RuleError(E_EINVAL);
  }

  /** Can this selector run the command line? (ACLSelectorCheckCmd) */
  check(table: AclCommands, cmd: Command, argv: string[], out: { pos: number }, keysCache: { keys: { pos: number; flags: string[] }[] | null }, noAuth: boolean): Denied {
    if (!this.allCommands && !noAuth && !this.allowed.has(cmd)) {
      const args = this.firstArgs?.get(cmd);
      const idx = cmd.parent ? 2 : 1;
      if (args === undefined || argv.length < 2 || !args.some((a) => eq(a, argv[idx] ?? ''))) return Denied.Cmd;
    }
    if (!this.allKeys && table.hasKeys(cmd)) {
      const keys = (keysCache.keys ??= table.keys(cmd, argv));
      for (const k of keys) {
        if (!this.keyAllowed(argv[k.pos], specPerm(k.flags))) {
          out.pos = k.pos;
          return Denied.Key;
        }
      }
    }
    if (!this.allChannels) {
      const ch = channelArgs(cmd, argv);
      if (ch !== null) {
        for (let i = ch.from; i < ch.to; i++) {
          if (!channelAllowed(this.channels, argv[i], ch.pattern)) {
            out.pos = i;
            return Denied.Channel;
          }
        }
      }
    }
    return Denied.OK;
  }

  keyAllowed(key: string, perm: number): boolean {
    if (this.allKeys) return true;
    for (const p of this.patterns) {
      if ((p.perm & perm) !== perm) continue;
      if (globMatch(p.pattern, key)) return true;
    }
    return false;
  }

  /** Access to every key with the given permission (ACLSelectorHasUnrestrictedKeyAccess). */
  unrestrictedKeys(perm: number): boolean {
    if (this.allKeys) return true;
    return this.patterns.some((p) => (p.perm & perm) === perm && p.pattern === '*');
  }

  /** `~* &* +@all` style description (ACLDescribeSelector). */
  describe(table: AclCommands): string {
    let s = '';
    if (this.allKeys) s += '~* ';
    else for (const p of this.patterns) s += patternString(p) + ' ';
    if (this.allChannels) s += '&* ';
    else {
      s += 'resetchannels ';
      for (const c of this.channels) s += `&${c} `;
    }
    return s + this.describeCommands(table);
  }

  keysString(): string {
    return this.allKeys ? '~*' : this.patterns.map(patternString).join(' ');
  }

  channelsString(): string {
    return this.allChannels ? '&*' : this.channels.map((c) => `&${c}`).join(' ');
  }

  /**
   * The command rules that rebuild this selector's command set: +@all or -@all, then the
   * categories that fit best, then single commands (Redis's ACLDescribeSelectorCommandRules).
   */
  describeCommands(table: AclCommands): string {
    const additive = !this.future;
    const rules: string[] = [additive ? '-@all' : '+@all'];
    const fake = new Selector(false);
    fake.setAll(table, !additive);
    const temp = new Selector(false);
    temp.allowed = new Set(this.allowed);
    const applied = new Set<number>();
    for (;;) {
      let best = -1;
      let mindiff = Infinity;
      let maxsame = 0;
      for (let j = 0; j < ACL_CATEGORIES.length; j++) {
        if (applied.has(j)) continue;
        const [on, off] = countCategory(table, temp, 1 << j);
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === -1) break;
      const name = ACL_CATEGORIES[best];
      fake.setCategory(table, name, additive);
      temp.setCategory(table, name, !additive);
      rules.push(`${additive ? '+' : '-'}@${name}`);
      applied.add(best);
    }
    const single = (cmd: Command) => {
      const user = this.allowed.has(cmd);
      const f = fake.allowed.has(cmd);
      if (user !== f) {
        rules.push(`${user ? '+' : '-'}${cmd.fullName}`);
        fake.changePerm(cmd, user);
      }
      if (cmd.subcommands) for (const sub of new Set(cmd.subcommands.values())) single(sub);
      const args = this.firstArgs?.get(cmd);
      if (!user && args) for (const a of args) rules.push(`+${cmd.fullName}|${a}`);
    };
    for (const cmd of table.all()) single(cmd);
    return rules.join(' ');
  }
}

function countCategory(table: AclCommands, s: Selector, bit: number): [number, number] {
  let on = 0;
  let off = 0;
  const visit = (cmd: Command) => {
    if (cmd.categories & bit) {
      if (s.allowed.has(cmd)) on++;
      else off++;
    }
    if (cmd.subcommands) for (const sub of new Set(cmd.subcommands.values())) visit(sub);
  };
  for (const cmd of table.all()) visit(cmd);
  return [on, off];
}

function patternString(p: KeyPattern): string {
  if (p.perm === (READ | WRITE)) return `~${p.pattern}`;
  if (p.perm === READ) return `%R~${p.pattern}`;
  if (p.perm === WRITE) return `%W~${p.pattern}`;
  return `%~${p.pattern}`;
}

export function categoryBit(name: string): number {
  const i = ACL_CATEGORIES.indexOf(name.toLowerCase());
  return i < 0 ? 0 : 1 << i;
}

/** Read/write permission a key-spec's flags need (access = read; insert/delete/update = write). */
export function specPerm(flags: string[]): number {
  let p = 0;
  for (const f of flags) {
    if (f === 'access') p |= READ;
    else if (f === 'insert' || f === 'delete' || f === 'update') p |= WRITE;
  }
  return p;
}

/** The channel arguments checked by ACLs (publish and subscribe ones; unsubscribes are free). */
export function channelArgs(cmd: Command, argv: string[]): { from: number; to: number; pattern: boolean } | null {
  switch (cmd.fullName) {
    case 'publish':
    case 'spublish':
      return { from: 1, to: 2, pattern: false };
    case 'subscribe':
    case 'ssubscribe':
      return { from: 1, to: argv.length, pattern: false };
    case 'psubscribe':
      return { from: 1, to: argv.length, pattern: true };
    default:
      return null;
  }
}

/** A channel (or, literally, a pattern being subscribed) against a list of ACL channel patterns. */
export function channelAllowed(list: string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) if (isPattern ? p === channel : globMatch(p, channel)) return true;
  return false;
}

export class User {
  enabled = false;
  nopass = false;
  /** Redis's sanitize-payload / skip-sanitize-payload flags (one of them once set). */
  sanitize: 'sanitize-payload' | 'skip-sanitize-payload' | null = null;
  passwords: string[] = [];
  selectors: Selector[] = [new Selector(true)];
  /** Fast path for the dispatcher: one selector allowing every command, key and channel. */
  unrestricted = false;
  private described: string | null = null;

  constructor(readonly name: string) {}

  get root(): Selector {
    return this.selectors[0];
  }

  copyFrom(o: User): void {
    this.enabled = o.enabled;
    this.nopass = o.nopass;
    this.sanitize = o.sanitize;
    this.passwords = o.passwords.slice();
    this.selectors = o.selectors.map((s) => s.copy());
    this.refresh();
  }

  refresh(): void {
    const r = this.root;
    this.unrestricted = this.selectors.length === 1 && r.allCommands && r.allKeys && r.allChannels;
    this.described = null;
  }

  /** One rule (ACLSetUser). Throws RuleError. */
  apply(table: AclCommands, op: string, pubsubAllChannels: boolean): void {
    this.described = null;
    if (op === '') return;
    if (eq(op, 'on')) this.enabled = true;
    else if (eq(op, 'off')) this.enabled = false;
    else if (eq(op, 'skip-sanitize-payload')) this.sanitize = 'skip-sanitize-payload';
    else if (eq(op, 'sanitize-payload')) this.sanitize = 'sanitize-payload';
    else if (eq(op, 'nopass')) {
      this.nopass = true;
      this.passwords = [];
    } else if (eq(op, 'resetpass')) {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) throw new RuleError(E_EBADMSG);
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) throw new RuleError(E_EBADMSG);
      }
      const i = this.passwords.indexOf(h);
      if (i < 0) throw new RuleError(E_ENODEV);
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(false);
      for (const part of splitSelector(op.slice(1, -1))) s.apply(table, part);
      this.selectors.push(s);
    } else if (eq(op, 'clearselectors')) {
      this.selectors.length = 1;
    } else if (eq(op, 'reset')) {
      this.apply(table, 'resetpass', pubsubAllChannels);
      this.apply(table, 'resetkeys', pubsubAllChannels);
      this.apply(table, 'resetchannels', pubsubAllChannels);
      if (pubsubAllChannels) this.apply(table, 'allchannels', pubsubAllChannels);
      this.apply(table, 'off', pubsubAllChannels);
      this.apply(table, 'sanitize-payload', pubsubAllChannels);
      this.apply(table, 'clearselectors', pubsubAllChannels);
      this.apply(table, '-@all', pubsubAllChannels);
    } else this.root.apply(table, op);
    this.refresh();
  }

  checkPassword(pass: string): boolean {
    if (this.nopass) return true;
    const h = hashPassword(pass);
    return this.passwords.includes(h);
  }

  /** Redis's ACL LIST line without the `user <name> ` head (ACLDescribeUser). */
  describe(table: AclCommands): string {
    if (this.described !== null) return this.described;
    let s = this.enabled ? 'on ' : 'off ';
    if (this.nopass) s += 'nopass ';
    if (this.sanitize) s += this.sanitize + ' ';
    for (const p of this.passwords) s += `#${p} `;
    for (const sel of this.selectors) s += sel.root ? sel.describe(table) : ` (${sel.describe(table)})`;
    return (this.described = s);
  }

  flags(): string[] {
    const f = [this.enabled ? 'on' : 'off'];
    if (this.nopass) f.push('nopass');
    if (this.sanitize) f.push(this.sanitize);
    return f;
  }

  /** Check a whole command line; `out.pos` gets the offending argument (ACLCheckAllUserCommandPerm). */
  check(table: AclCommands, cmd: Command, argv: string[], out: { pos: number }, noAuth: boolean): Denied {
    let relevant = Denied.Cmd;
    let lastIdx = 0;
    const cache = { keys: null as { pos: number; flags: string[] }[] | null };
    const local = { pos: 0 };
    for (const s of this.selectors) {
      const r = s.check(table, cmd, argv, local, cache, noAuth);
      if (r === Denied.OK) return Denied.OK;
      if (r > relevant || (r === relevant && local.pos > lastIdx)) {
        relevant = r;
        lastIdx = local.pos;
      }
    }
    out.pos = lastIdx;
    return relevant;
  }

  channelAllowed(channel: string, isPattern: boolean): boolean {
    for (const s of this.selectors) if (s.allChannels || channelAllowed(s.channels, channel, isPattern)) return true;
    return false;
  }

  keyAllowed(key: string, perm: number): boolean {
    return this.selectors.some((s) => s.keyAllowed(key, perm));
  }
}

/** Splits the inside of `( ... )` on spaces, as sdssplitargs would for plain words. */
function splitSelector(s: string): string[] {
  return s.split(/[ \t\r\n]+/).filter((x) => x !== '');
}

/**
 * Joins selector rules given over several arguments (`(+get` `~key)`) into one; null with the
 * index of the unmatched opening (ACLMergeSelectorArguments).
 */
export function mergeSelectorArgs(args: string[]): { merged: string[] } | { bad: number } {
  const merged: string[] = [];
  let open = -1;
  let cur = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (open === -1 && op[0] === '(' && op[op.length - 1] !== ')') {
      cur = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      cur += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        merged.push(cur);
      }
      continue;
    }
    merged.push(op);
  }
  if (open !== -1) return { bad: open };
  return { merged };
}
