// The ACL command family, and the command table as the ACL code sees it. Users and their
// permissions are in src/acl (user.ts, store.ts); the checks the dispatcher, EXEC, scripts and
// AUTH/HELLO use are in src/acl/access.ts.
import * as fs from 'fs';
import type { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { AclCommands, Denied, User } from '../acl/user';
import { AclStore } from '../acl/store';
import { killUserClients, loadAclFile } from '../acl/access';
import { errorf, subcommandSyntax } from '../errors';
import { DoubleReply, MapReply, OK, Reply, SetReply, SimpleString } from '../resp/reply';
import { globMatch as globMatchCh } from '../datatypes/glob';
import { Command, CommandDef, F, Registry } from './registry';
import { commandKeys, hasKeys } from './introspection';
import { intArg, is } from './args';
import { nodeCrypto } from '../util/builtins';

/** The command table as the ACL code sees it: original names, whatever rename-command did. */
export function aclTable(registry: Registry): AclCommands {
  const byName = new Map<string, Command>();
  for (const cmd of registry.commands) byName.set(cmd.name, cmd);
  return {
    all: () => registry.commands,
    find(name: string): Command | undefined {
      const parts = name.toLowerCase().split('|');
      if (parts.length > 2) return undefined;
      const base = byName.get(parts[0]);
      if (base === undefined || parts.length === 1) return base;
      return base.subcommands ? base.lookupSub(parts[1]) : undefined;
    },
    keys: (cmd, argv) => commandKeys(cmd, argv),
    hasKeys: (cmd) => hasKeys(cmd),
  };
}

/** The server's ACL store; `describeClient` writes a client's CLIENT LIST line for ACL LOG. */
export function createAclStore(registry: Registry, describeClient: (c: Client) => string): AclStore {
  return new AclStore(aclTable(registry), describeClient);
}

export { aclCheck, aclDeny, aclExecDeny, aclScriptDeny, authenticate, hasUnrestrictedKeyAccess, killUserClients, loadAclFile, loadStartupUsers, queueConfigUser } from '../acl/access';

/**
 * After a user's channel rules change: subscribers of that user whose channels or patterns the
 * new rules no longer allow are disconnected (ACLKillPubsubClientsIfNeeded).
 */
function killPubsubIfNeeded(srv: ServerContext, next: User, original: User, self: Client): void {
  if (next.selectors.some((s) => s.allChannels)) return;
  const upcoming = next.selectors.flatMap((s) => s.channels);
  let superset = true;
  for (const s of original.selectors) {
    if (s.allChannels || s.channels.some((ch) => !upcoming.includes(ch))) {
      superset = false;
      break;
    }
  }
  if (superset) return;
  const allowed = (ch: string, pattern: boolean) => upcoming.some((p) => (pattern ? p === ch : globMatchCh(p, ch)));
  for (const cl of [...srv.clients.values()]) {
    if (cl.aclUser !== original || !cl.inPubSubMode) continue;
    let kill = false;
    for (const p of cl.patterns) if (!allowed(p, true)) kill = true;
    for (const ch of cl.channels) if (!kill && !allowed(ch, false)) kill = true;
    for (const ch of cl.shardChannels) if (!kill && !allowed(ch, false)) kill = true;
    if (!kill) continue;
    if (cl === self) cl.closeAfterReply = true;
    else cl.close();
  }
}

// ---- ACL subcommands -------------------------------------------------------------------------------

function setuser(c: Client, argv: string[]): Reply {
  const name = argv[2];
  if (/[\s\0]/.test(name)) return errorf('ERR Usernames can\'t contain spaces or null characters');
  const acl = c.server.acl;
  const staged = acl.stage(name, argv.slice(3));
  if (typeof staged === 'string') return errorf(`ERR ${staged}`);
  const existing = acl.users.get(name);
  if (existing) killPubsubIfNeeded(c.server, staged, existing, c);
  acl.commit(staged);
  return OK;
}

function deluser(c: Client, argv: string[]): Reply {
  for (let j = 2; j < argv.length; j++) if (argv[j] === 'default') return errorf("ERR The 'default' user cannot be removed");
  const acl = c.server.acl;
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    const u = acl.users.get(argv[j]);
    if (u === undefined) continue;
    acl.users.delete(argv[j]);
    killUserClients(c.server, u, c);
    deleted++;
  }
  return deleted;
}

function getuser(c: Client, argv: string[]): Reply {
  const acl = c.server.acl;
  const u = acl.users.get(argv[2]);
  if (u === undefined) return null;
  const t = acl.table;
  const root = u.root;
  const sels = u.selectors.slice(1).map((s) => new MapReply(['commands', s.describeCommands(t), 'keys', s.keysString(), 'channels', s.channelsString()]));
  return new MapReply([
    'flags',
    new SetReply(u.flags()),
    'passwords',
    u.passwords.slice(),
    'commands',
    root.describeCommands(t),
    'keys',
    root.keysString(),
    'channels',
    root.channelsString(),
    'selectors',
    sels,
  ]);
}


function list(c: Client): Reply {
  const acl = c.server.acl;
  return acl.sortedUsers().map((u) => `user ${u.name} ${u.describe(acl.table)}`);
}

function users(c: Client): Reply {
  return c.server.acl.sortedUsers().map((u) => u.name);
}

function whoami(c: Client): Reply {
  return c.aclUser.name;
}

const NO_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function load(c: Client): Reply {
  const file = c.server.config.get('aclfile');
  if (file === '') return errorf(NO_FILE);
  const e = loadAclFile(c.server, file, c);
  return e === null ? OK : errorf(`ERR ${e}`);
}

function save(c: Client): Reply {
  const file = c.server.config.get('aclfile');
  if (file === '') return errorf(NO_FILE);
  try {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, c.server.acl.fileText(), 'latin1');
    fs.renameSync(tmp, file);
  } catch (e) {
    c.server.log.warning(`Opening ACL file for writing: ${(e as Error).message}`);
    return errorf('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
  }
  return OK;
}

const CATEGORY_NAMES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** CAT, GENPASS and LOG take at most one argument; more is Redis's subcommand syntax error. */
function syntax(argv: string[]): Reply | null {
  if (argv.length <= 3) return null;
  return subcommandSyntax('ACL', argv[1]);
}

function cat(c: Client, argv: string[]): Reply {
  const bad = syntax(argv);
  if (bad) return bad;
  if (argv.length === 2) return CATEGORY_NAMES.slice();
  const i = CATEGORY_NAMES.indexOf(argv[2].toLowerCase());
  if (i < 0) return errorf(`ERR Unknown category '${argv[2].slice(0, 128)}'`);
  const bit = 1 << i;
  const out: string[] = [];
  for (const cmd of c.server.acl.table.all()) {
    if (cmd.categories & bit) out.push(cmd.fullName);
    if (cmd.subcommands) for (const s of new Set(cmd.subcommands.values())) if (s.categories & bit) out.push(s.fullName);
  }
  return out;
}

function genpass(_c: Client, argv: string[]): Reply {
  const bad = syntax(argv);
  if (bad) return bad;
  let bits = 256;
  if (argv.length === 3) bits = intArg(argv[2]);
  if (bits <= 0 || bits > 4096) return errorf('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
  const chars = Math.floor((bits + 3) / 4);
  return nodeCrypto().randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

function log(c: Client, argv: string[]): Reply {
  const bad = syntax(argv);
  if (bad) return bad;
  const acl = c.server.acl;
  let count = 10;
  if (argv.length === 3) {
    if (is(argv[2], 'RESET')) {
      acl.log = [];
      return OK;
    }
    count = intArg(argv[2]);
    if (count < 0) count = 0;
  }
  const now = Date.now();
  return acl.log.slice(0, count).map(
    (le) =>
      new MapReply([
        'count',
        le.count,
        'reason',
        le.reason,
        'context',
        le.context,
        'object',
        le.object,
        'username',
        le.username,
        'age-seconds',
        new DoubleReply((now - le.ctime) / 1000),
        'client-info',
        le.clientInfo,
      ]),
  );
}

function dryrun(c: Client, argv: string[]): Reply {
  const acl = c.server.acl;
  const u = acl.users.get(argv[2]);
  if (u === undefined) return errorf(`ERR User '${argv[2]}' not found`);
  const args = argv.slice(3);
  const base = c.server.registry.lookup(args[0]);
  let cmd = base;
  if (base?.subcommands && args.length >= 2) cmd = base.lookupSub(args[1]);
  if (!cmd) return errorf(`ERR Command '${args[0]}' not found`);
  if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) return errorf(`ERR wrong number of arguments for '${cmd.fullName}' command`);
  const at = { pos: 0 };
  const r = u.check(acl.table, cmd, args, at, (cmd.flags & F.NO_AUTH) !== 0);
  if (r === Denied.Cmd) return `This user has no permissions to run the '${cmd.fullName}' command`;
  if (r === Denied.Key) return `This user has no permissions to access the '${args[at.pos]}' key`;
  if (r === Denied.Channel) return `This user has no permissions to access the '${args[at.pos]}' channel`;
  return OK;
}

const HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Print this help.',
].map((l) => new SimpleString(l));

const ADMIN = 'admin noscript loading stale';
const PLAIN = 'noscript loading stale';

export const aclCommands: CommandDef[] = [
  {
    name: 'acl',
    summary: 'Manages ACL users and shows ACL information.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'cat', summary: 'Lists the ACL categories, or the commands in one.', arity: -2, flags: PLAIN, handler: cat },
      { name: 'deluser', summary: 'Deletes users and closes their connections.', arity: -3, flags: ADMIN, handler: deluser },
      { name: 'dryrun', summary: 'Tells whether a user could run a command line, without running it.', arity: -4, flags: ADMIN, handler: dryrun },
      { name: 'genpass', summary: 'Generates a random password (hex digits, 256 bits by default).', arity: -2, flags: PLAIN, handler: genpass },
      { name: 'getuser', summary: "Shows a user's flags, password hashes, command, key and channel rules.", arity: 3, flags: ADMIN, handler: getuser },
      { name: 'help', summary: 'Lists the ACL subcommands.', arity: 2, flags: 'loading stale', handler: () => HELP },
      { name: 'list', summary: 'Lists the users as ACL file lines.', arity: 2, flags: ADMIN, handler: list },
      { name: 'load', summary: 'Reloads the users from the ACL file.', arity: 2, flags: ADMIN, handler: load },
      { name: 'log', summary: 'Shows (or RESETs) the recent permission and authentication failures.', arity: -2, flags: ADMIN, handler: log },
      { name: 'save', summary: 'Writes the users to the ACL file.', arity: 2, flags: ADMIN, handler: save },
      { name: 'setuser', summary: 'Creates or changes a user with the given rules.', arity: -3, flags: ADMIN, handler: setuser },
      { name: 'users', summary: 'Lists the user names.', arity: 2, flags: ADMIN, handler: users },
      { name: 'whoami', summary: 'The name of the user this connection is authenticated as.', arity: 2, flags: PLAIN, handler: whoami },
    ],
  },
];
