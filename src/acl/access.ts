// The ACL glue the rest of the server uses: permission checks with Redis's NOPERM texts and ACL
// LOG entries (dispatcher, EXEC, scripts, SORT), authentication (AUTH/HELLO), loading users at
// startup (redis.conf `user` lines, the aclfile), and closing the connections of users that are
// deleted. The ACL command family is in src/commands/acl.ts.
import * as fs from 'node:fs';
import type { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import type { Command } from '../commands/registry';
import { F } from '../commands/registry';
import { ReplyError, errorf } from '../errors';
import { Denied, User } from './user';

// ---- permission checks --------------------------------------------------------------------------

const pos = { pos: 0 };

/** The client whose connection a log entry describes: a script's caller, not the script client. */
function realClient(c: Client): Client {
  const caller = (c as { caller?: Client | null }).caller;
  return c.kind === 'lua' && caller ? caller : c;
}

function logDenied(c: Client, r: Denied, cmd: Command, argv: string[], context: string, at: number): void {
  const srv = c.server;
  const reason = r === Denied.Cmd ? 'command' : r === Denied.Key ? 'key' : 'channel';
  const object = r === Denied.Cmd ? cmd.fullName : argv[at];
  const rc = realClient(c);
  srv.acl.addLog(reason, context, object, c.aclUser.name, srv.acl.describeClient(rc), Date.now());
}

/** Checks a command line against the client's user: Denied.OK, or why not (pos in `pos.pos`). */
export function aclCheck(c: Client, cmd: Command, argv: string[]): Denied {
  const u = c.aclUser;
  if (u.unrestricted) return Denied.OK;
  return u.check(c.server.acl.table, cmd, argv, pos, (cmd.flags & F.NO_AUTH) !== 0);
}

/**
 * Whether the client's user may run this command line with `perm` access to every key (some
 * selector allows the command and has ~* or %R~* style access): SORT's BY and GET need it.
 */
export function hasUnrestrictedKeyAccess(c: Client, argv: string[], perm: number): boolean {
  const u = c.aclUser;
  if (u.unrestricted) return true;
  const cmd = c.server.registry.lookup(argv[0]);
  if (cmd === undefined) return false;
  const cache = { keys: null as { pos: number; flags: string[] }[] | null };
  const at = { pos: 0 };
  for (const s of u.selectors) {
    if (s.check(c.server.acl.table, cmd, argv, at, cache, false) === Denied.OK && s.unrestrictedKeys(perm)) return true;
  }
  return false;
}

/** The dispatcher's check (processCommand): null, or the NOPERM error after logging it. */
export function aclDeny(c: Client, cmd: Command, argv: string[]): ReplyError | null {
  const r = aclCheck(c, cmd, argv);
  if (r === Denied.OK) return null;
  logDenied(c, r, cmd, argv, c.multi !== null ? 'multi' : 'toplevel', pos.pos);
  if (r === Denied.Cmd) return errorf(`NOPERM this user has no permissions to run the '${cmd.fullName}' command`);
  if (r === Denied.Key) return errorf('NOPERM this user has no permissions to access one of the keys used as arguments');
  return errorf('NOPERM this user has no permissions to access one of the channels used as arguments');
}

/** EXEC's re-check of a queued command: the rules may have changed since it was queued. */
export function aclExecDeny(c: Client, cmd: Command, argv: string[]): ReplyError | null {
  const r = aclCheck(c, cmd, argv);
  if (r === Denied.OK) return null;
  const why =
    r === Denied.Cmd
      ? 'no permission to execute the command or subcommand'
      : r === Denied.Key
        ? 'no permission to touch the specified keys'
        : 'no permission to access one of the channels used as arguments';
  return errorf(`NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${why}`);
}

/** redis.call's check inside scripts (scriptVerifyACL). */
export function aclScriptDeny(c: Client, cmd: Command, argv: string[]): ReplyError | null {
  const r = aclCheck(c, cmd, argv);
  if (r === Denied.OK) return null;
  logDenied(c, r, cmd, argv, 'lua', pos.pos);
  const what =
    r === Denied.Cmd
      ? "can't run this command or subcommand"
      : r === Denied.Key
        ? "can't access at least one of the keys mentioned in the command arguments"
        : "can't publish to the channel mentioned in the command";
  return errorf(`ERR The user executing the script ${what}`);
}

// ---- authentication ------------------------------------------------------------------------------

/** AUTH / HELLO AUTH: switches the client to the user, or logs the failure (reason auth, object: the command name as typed). */
export function authenticate(c: Client, name: string, pass: string, typed = 'AUTH'): boolean {
  const u = c.server.acl.authenticate(name, pass);
  if (u !== null) {
    c.authenticated = true;
    c.aclUser = u;
    c.user = u.name;
    return true;
  }
  c.server.acl.addLog('auth', c.multi !== null || c.inExec ? 'multi' : 'toplevel', typed, name, c.server.acl.describeClient(c), Date.now());
  return false;
}

/** Closes every connection authenticated as `u` (the calling one after its reply). */
export function killUserClients(srv: ServerContext, u: User, self: Client | null): void {
  for (const cl of [...srv.clients.values()]) {
    if (cl.aclUser !== u) continue;
    if (cl === self) cl.closeAfterReply = true;
    else cl.close();
  }
}

/** Loads the aclfile into the store: null, or the error text. */
export function loadAclFile(srv: ServerContext, file: string, self: Client | null): string | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : String((e as Error).message)}`;
  }
  const parsed = srv.acl.parseFile(text, file);
  if (typeof parsed === 'string') return parsed;
  for (const u of srv.acl.install(parsed)) killUserClients(srv, u, self);
  return null;
}

/** A `user` line of redis.conf: checked now, applied once the whole file is read (null or the error). */
export function queueConfigUser(srv: ServerContext, argv: string[]): string | null {
  const acl = srv.acl;
  if (acl.configUsers.some((u) => u[0] === argv[1])) {
    return `Error in user declaration '${argv[1]}': Duplicate user found. A user can only be defined once in config files`;
  }
  const staged = acl.stage(argv[1], argv.slice(2), true);
  if (typeof staged === 'string') return staged.replace(/^Error in ACL SETUSER modifier /, 'Error in user declaration ');
  acl.configUsers.push(argv.slice(1));
  return null;
}

/** After the config is read: its `user` lines, or the aclfile (not both, as Redis insists). */
export function loadStartupUsers(srv: ServerContext): string | null {
  const acl = srv.acl;
  const file = srv.config.get('aclfile');
  if (file !== '' && acl.configUsers.length !== 0) {
    return 'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.';
  }
  for (const [name, ...rules] of acl.configUsers) {
    // A configured user starts from scratch, the default user too (Redis resets it first).
    const staged = acl.stage(name, acl.users.has(name) ? ['reset', ...rules] : rules);
    if (typeof staged === 'string') return staged;
    acl.commit(staged);
  }
  if (file !== '') {
    const e = loadAclFile(srv, file, null);
    if (e !== null) return `Aborting Redis startup because of ACL errors: ${e}`;
  }
  return null;
}
