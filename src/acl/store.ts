// The set of ACL users and the ACL LOG, plus the ACL file format (one `user <name> rules...` per
// line). Pure logic: the server wires it to the command table and to its clients.
import type { Client } from '../engine/client';
import { AclCommands, Denied, RuleError, UNKNOWN, User, mergeSelectorArgs } from './user';

export const enum LogContext {
  Toplevel = 'toplevel',
  Multi = 'multi',
  Lua = 'lua',
}

export type LogReason = 'command' | 'key' | 'channel' | 'auth';

export interface LogEntry {
  count: number;
  reason: LogReason;
  context: string;
  object: string;
  username: string;
  ctime: number;
  clientInfo: string;
}

/** Entries this close in time (and otherwise equal) are counted as one (Redis: 60 s). */
const GROUPING_MS = 60000;

export class AclStore {
  readonly users = new Map<string, User>();
  readonly defaultUser: User;
  log: LogEntry[] = [];
  logMaxLen = 128;
  /** acl-pubsub-default allchannels: new and reset users may use every channel. */
  pubsubAllChannels = false;
  /** redis.conf `user` lines (name, rules...), applied after the whole config is read. */
  configUsers: string[][] = [];

  constructor(
    readonly table: AclCommands,
    /** A client's CLIENT LIST line, as ACL LOG entries show it. */
    readonly describeClient: (c: Client) => string,
  ) {
    const u = new User('default');
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(table, op, false);
    this.defaultUser = u;
    this.users.set('default', u);
  }

  /** A new user as Redis creates one: off, no rules, channels per acl-pubsub-default. */
  newUser(name: string): User {
    const u = new User(name);
    u.apply(this.table, 'resetchannels', false);
    if (this.pubsubAllChannels) u.apply(this.table, '&*', false);
    u.apply(this.table, '-@all', false);
    return u;
  }

  /**
   * Applies rules to a copy of the user (created if missing) and, when all of them are valid,
   * returns the staged copy; otherwise the error text Redis gives (ACLStringSetUser).
   */
  stage(name: string, args: string[], ignoreUnknownCommands = false): User | string {
    const m = mergeSelectorArgs(args);
    if ('bad' in m) return `Unmatched parenthesis in acl selector starting at '${args[m.bad]}'.`;
    const existing = this.users.get(name);
    const temp = this.newUser(name);
    if (existing) temp.copyFrom(existing);
    for (const op of m.merged) {
      try {
        temp.apply(this.table, op, this.pubsubAllChannels);
      } catch (e) {
        if (ignoreUnknownCommands && e instanceof RuleError && e.message === UNKNOWN) continue;
        if (e instanceof RuleError) return `Error in ACL SETUSER modifier '${op}': ${e.message}`;
        throw e;
      }
    }
    return temp;
  }

  /** Makes a staged user current; returns the user object clients keep pointing at. */
  commit(staged: User): User {
    const existing = this.users.get(staged.name);
    if (existing) {
      existing.copyFrom(staged);
      return existing;
    }
    const u = new User(staged.name);
    u.copyFrom(staged);
    this.users.set(u.name, u);
    return u;
  }

  /** requirepass: the default user's only password, or nopass when empty (ACLUpdateDefaultUserPassword). */
  setDefaultPassword(pass: string | null): void {
    const u = this.defaultUser;
    u.apply(this.table, 'resetpass', false);
    if (pass === null) u.apply(this.table, 'nopass', false);
    else u.apply(this.table, '>' + pass, false);
  }

  /** Whether a new connection must AUTH first. */
  authRequired(): boolean {
    const d = this.defaultUser;
    return !d.nopass || !d.enabled;
  }

  /** The user for a name/password pair, or null (ACLCheckUserCredentials). */
  authenticate(name: string, pass: string): User | null {
    const u = this.users.get(name);
    if (u === undefined || !u.enabled) return null;
    return u.checkPassword(pass) ? u : null;
  }

  /** Users sorted by name bytes, as Redis's radix tree lists them. */
  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  addLog(reason: LogReason, context: string, object: string, username: string, clientInfo: string, now: number): void {
    const le: LogEntry = { count: 1, reason, context, object, username, ctime: now, clientInfo };
    const scan = Math.min(10, this.log.length);
    for (let i = 0; i < scan; i++) {
      const cur = this.log[i];
      if (cur.reason === reason && cur.context === context && Math.abs(cur.ctime - now) <= GROUPING_MS && cur.object === object && cur.username === username) {
        this.log.splice(i, 1);
        this.log.unshift(cur);
        cur.clientInfo = clientInfo;
        cur.ctime = now;
        cur.count++;
        return;
      }
    }
    this.log.unshift(le);
    if (this.log.length > this.logMaxLen) this.log.length = this.logMaxLen;
  }

  /** The ACL file text (ACLSaveToFile). */
  fileText(): string {
    return this.sortedUsers()
      .map((u) => `user ${u.name} ${u.describe(this.table)}\n`)
      .join('');
  }

  /**
   * Parses an ACL file into a fresh set of users, or returns Redis's error text; nothing changes
   * on error (ACLLoadFromFile). The default user is created if the file does not name it.
   */
  parseFile(text: string, file: string): Map<string, User> | string {
    const users = new Map<string, User>();
    const lines = text.split('\n');
    const errors: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const no = i + 1;
      if (line === '') continue;
      // Words are separated by single spaces: no quoting, no comments (as Redis reads the file).
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors.push(`${file}:${no} should start with user keyword followed by the username. `);
        continue;
      }
      const name = argv[1];
      if (/[\s\0]/.test(name)) {
        errors.push(`'${file}:${no}: username '${name}' contains invalid characters. `);
        continue;
      }
      if (users.has(name)) {
        errors.push(`WARNING: Duplicate user '${name}' found on line ${no}. `);
        continue;
      }
      const m = mergeSelectorArgs(argv.slice(2));
      if ('bad' in m) {
        errors.push(`${file}:${no}: Unmatched parenthesis in selector definition.`);
        continue;
      }
      const u = this.newUser(name);
      let syntax = false;
      for (const raw of m.merged) {
        const op = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        try {
          u.apply(this.table, op, this.pubsubAllChannels);
        } catch (e) {
          if (!(e instanceof RuleError)) throw e;
          if (e.message === UNKNOWN) errors.push(`${file}:${no}: Error in applying operation '${op}': ${e.message}. `);
          else if (!syntax) {
            errors.push(`${file}:${no}: ${e.message}. `);
            syntax = true;
          }
        }
      }
      users.set(name, u);
    }
    if (errors.length) return errors.join('') + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    return users;
  }

  /**
   * Installs a loaded set of users. The default user object is updated in place (connections
   * keep it); every other old user is replaced, and returned so its connections can be closed,
   * as Redis does on ACL LOAD.
   */
  install(users: Map<string, User>): User[] {
    const removed: User[] = [];
    for (const [name, u] of this.users) if (name !== 'default') removed.push(u);
    this.users.clear();
    const d = users.get('default');
    if (d) this.defaultUser.copyFrom(d);
    else {
      const fresh = new User('default');
      for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) fresh.apply(this.table, op, false);
      this.defaultUser.copyFrom(fresh);
    }
    this.users.set('default', this.defaultUser);
    for (const [name, u] of users) if (name !== 'default') this.users.set(name, u);
    return removed;
  }
}

export { Denied };
