// CLIENT: connection introspection and control. ID SETNAME GETNAME LIST INFO KILL REPLY
// NO-EVICT PAUSE UNPAUSE HELP, plus the Redis 7.2 additions SETINFO and NO-TOUCH.
// (TRACKING, CACHING, GETREDIR, TRACKINGINFO and UNBLOCK live with the features they control.)
import type { Client } from '../engine/client';
import { ReplyMode } from '../engine/client';
import { PausePurpose, PauseType, pauseClients, unpauseClients } from '../engine/pause';
import { SYNTAX, TIMEOUT_NEGATIVE, errorf, TIMEOUT_NOT_INTEGER, subcommandSyntax } from '../errors';
import { NO_REPLY, OK, Reply, SimpleString, VerbatimReply } from '../resp/reply';
import { int64Arg, is } from './args';
import { validateClientName } from './connection';
import { clientTrackingCommands } from './client-tracking';
import { clientUnblockCommands } from '../engine/blocking';
import { CommandDef } from './registry';

// ---- CLIENT LIST / INFO ---------------------------------------------------------------------

type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

function typeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/** Redis's getClientType (monitors count as normal clients). */
function typeOf(c: Client): ClientType {
  if (c.isMaster) return 'master';
  if (c.isReplica) return 'replica';
  return c.inPubSubMode ? 'pubsub' : 'normal';
}

/** Bytes of argv as a RESP multibulk: what the query buffer held for the running command. */
function multibulkLength(argv: string[]): number {
  let n = 3 + String(argv.length).length;
  for (const a of argv) n += 5 + String(a.length).length + a.length;
  return n;
}

function argvBytes(argv: string[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

/**
 * One CLIENT LIST line, with Redis 7.0's fields in its order. `running` is the argv of the
 * command being executed by `self` (its query buffer and argv memory are counted, as in Redis).
 * Memory figures are respite's own: qbuf = unparsed bytes (+ the running command), argv-mem and
 * multi-mem = argument bytes, obl = encoded replies not yet handed to the socket, omem = bytes
 * the socket still holds; fixed per-client overheads Redis adds (struct, buffers) are not counted.
 */
export function clientInfoString(c: Client, self: Client | null, running: string[] | null): string {
  const srv = c.server;
  const now = srv.clock.now();
  let flags = '';
  if (c.isReplica) flags += 'S';
  if (c.isMaster) flags += 'M';
  if (c.isMonitor) flags += 'O';
  if (c.inPubSubMode) flags += 'P';
  if (c.multi !== null) flags += 'x';
  if (c.blocked) flags += 'b';
  if (c.tracking !== null) {
    flags += 't';
    if (c.tracking.brokenRedirect) flags += 'R';
    if (c.tracking.bcast) flags += 'B';
  }
  if (srv.watches.dirty.has(c)) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.unixSocket) flags += 'U';
  if (c.noEvict) flags += 'e';
  if (c.noTouch) flags += 'T';
  if (flags === '') flags = 'N';
  const isRunning = c === self && running !== null;
  const qbuf = c.queryBufferBytes + (isRunning ? multibulkLength(running) : 0);
  const argvMem = isRunning ? argvBytes(running) : 0;
  let multiMem = 0;
  if (c.multi !== null) for (const q of c.multi) multiMem += argvBytes(q.argv);
  const obl = c.writer.pending;
  const omem = c.transportPendingBytes?.() ?? 0;
  const redir = c.tracking !== null ? c.tracking.redirect : -1;
  // TCP clients: Redis's accounting (net/client-memory.ts); others: the bytes above.
  const totMem = c.memoryUsage !== null ? c.memoryUsage(isRunning ? argvMem + running!.length * 8 : 0) : qbuf + argvMem + multiMem + obl + omem;
  let line =
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name}` +
    ` age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)}` +
    ` flags=${flags} db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size}` +
    ` multi=${c.multi !== null ? c.multi.length : -1} qbuf=${qbuf} qbuf-free=${Math.max(0, c.queryBufferAlloc - qbuf)}` +
    ` argv-mem=${argvMem} multi-mem=${multiMem} rbs=${c.replyBuffer?.size ?? 0} rbp=${c.replyBuffer?.peak ?? 0}` +
    ` obl=${obl} oll=0 omem=${omem} tot-mem=${totMem}` +
    ` events=${obl + omem > 0 ? 'rw' : 'r'} cmd=${c.lastCommand ? c.lastCommand.fullName : 'NULL'} user=${c.user}` +
    ` redir=${redir} resp=${c.protocol}`;
  // CLIENT SETINFO (a Redis 7.2 extension) shows up the way 7.2 prints it, once a client used it.
  if (c.libName !== '' || c.libVer !== '') line += ` lib-name=${c.libName} lib-ver=${c.libVer}`;
  return line;
}

function text(s: string): Reply {
  return new VerbatimReply('txt', s);
}

function list(c: Client, argv: string[]): Reply {
  const clients = c.server.clients;
  let out = '';
  if (argv.length === 4 && is(argv[2], 'TYPE')) {
    const type = typeByName(argv[3]);
    if (type === null) return errorf(`ERR Unknown client type '${argv[3]}'`);
    for (const cl of clients.values()) if (typeOf(cl) === type) out += clientInfoString(cl, c, argv) + '\n';
  } else if (argv.length > 3 && is(argv[2], 'ID')) {
    const ids: number[] = [];
    for (let i = 3; i < argv.length; i++) ids.push(Number(int64Arg(argv[i], errorf('ERR Invalid client ID'))));
    for (const id of ids) {
      const cl = clients.get(id);
      if (cl) out += clientInfoString(cl, c, argv) + '\n';
    }
  } else if (argv.length !== 2) {
    return SYNTAX;
  } else {
    for (const cl of clients.values()) out += clientInfoString(cl, c, argv) + '\n';
  }
  return text(out);
}

function info(c: Client, argv: string[]): Reply {
  return text(clientInfoString(c, c, argv) + '\n');
}

// ---- CLIENT KILL ------------------------------------------------------------------------------

function kill(c: Client, argv: string[]): Reply {
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let skipme = true;
  const oldForm = argv.length === 3;
  if (oldForm) {
    addr = argv[2];
    skipme = false; // the old form can kill the calling client too
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i];
      if (i + 1 >= argv.length) return SYNTAX;
      const val = argv[i + 1];
      if (is(opt, 'ID')) {
        const n = int64Arg(val, errorf('ERR client-id should be greater than 0'));
        if (n < 1) return errorf('ERR client-id should be greater than 0');
        id = Number(n);
      } else if (is(opt, 'TYPE')) {
        type = typeByName(val);
        if (type === null) return errorf(`ERR Unknown client type '${val}'`);
      } else if (is(opt, 'ADDR')) {
        addr = val;
      } else if (is(opt, 'LADDR')) {
        laddr = val;
      } else if (is(opt, 'USER')) {
        if (!c.server.acl.users.has(val)) return errorf(`ERR No such user '${val}'`);
        user = val;
      } else if (is(opt, 'SKIPME')) {
        if (is(val, 'YES')) skipme = true;
        else if (is(val, 'NO')) skipme = false;
        else return SYNTAX;
      } else {
        return SYNTAX;
      }
    }
  }
  let killed = 0;
  for (const cl of [...c.server.clients.values()]) {
    if (addr !== null && cl.addr !== addr) continue;
    if (laddr !== null && cl.laddr !== laddr) continue;
    if (type !== null && typeOf(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (user !== null && cl.user !== user) continue;
    if (cl === c && skipme) continue;
    // In-process connections (the embedded API's own among them) go only when named by id.
    if (cl.kind === 'embedded' && cl.id !== id) continue;
    // The caller itself goes once its reply is written.
    if (cl === c) c.closeAfterReply = true;
    else cl.close();
    killed++;
  }
  if (oldForm) return killed === 0 ? errorf('ERR No such client') : OK;
  return killed;
}

// ---- the rest -----------------------------------------------------------------------------------

function setname(c: Client, argv: string[]): Reply {
  const bad = validateClientName(argv[2]);
  if (bad) return bad;
  c.name = argv[2];
  return OK;
}

function setinfo(c: Client, argv: string[]): Reply {
  const attr = argv[2];
  const val = argv[3];
  if (!is(attr, 'LIB-NAME') && !is(attr, 'LIB-VER')) return errorf(`ERR Unrecognized option '${attr}'`);
  for (let i = 0; i < val.length; i++) {
    const ch = val.charCodeAt(i);
    if (ch < 33 || ch > 126) return errorf(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
  }
  if (is(attr, 'LIB-NAME')) c.libName = val;
  else c.libVer = val;
  return OK;
}

function onOff(argv: string[], set: (on: boolean) => void): Reply {
  if (is(argv[2], 'ON')) set(true);
  else if (is(argv[2], 'OFF')) set(false);
  else return SYNTAX;
  return OK;
}

function reply(c: Client, argv: string[]): Reply {
  const mode = argv[2];
  if (is(mode, 'ON')) {
    c.replyMode = ReplyMode.On;
    c.skipNext = false;
    return OK;
  }
  if (is(mode, 'OFF')) {
    c.replyMode = ReplyMode.Off;
    return NO_REPLY;
  }
  if (is(mode, 'SKIP')) {
    // Skips the reply of the next command (the dispatcher counts it down).
    if (c.replyMode !== ReplyMode.Off) {
      c.replyMode = ReplyMode.Skip;
      c.skipNext = true;
    }
    return NO_REPLY;
  }
  return SYNTAX;
}

function pause(c: Client, argv: string[]): Reply {
  if (argv.length > 4) return subcommandSyntax('CLIENT', argv[1]);
  const timeout = int64Arg(argv[2], TIMEOUT_NOT_INTEGER);
  if (timeout < 0) return TIMEOUT_NEGATIVE;
  let type = PauseType.All;
  if (argv.length === 4) {
    if (is(argv[3], 'WRITE')) type = PauseType.Write;
    else if (!is(argv[3], 'ALL')) return errorf('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const now = c.server.clock.now();
  const endMs = timeout > 0 ? now + Number(timeout) : 0;
  if (endMs > now) pauseClients(c.server, type, endMs);
  return OK;
}

function unpause(c: Client): Reply {
  // A failover's pause stays (only FAILOVER ABORT or its end lifts it).
  unpauseClients(c.server, PausePurpose.User);
  return OK;
}

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

const RO = 'noscript loading stale sentinel';
const ADMIN = 'admin noscript loading stale sentinel';

export const clientCommands: CommandDef[] = [
  {
    name: 'client',
    summary: 'Inspects and controls client connections.',
    arity: -2,
    flags: 'sentinel',
    subcommands: [
      { name: 'id', summary: 'The unique id of this connection.', arity: 2, flags: RO, acl: '@connection', handler: (c) => c.id },
      { name: 'setname', summary: 'Names this connection (empty clears the name).', arity: 3, flags: RO, acl: '@connection', handler: setname },
      { name: 'getname', summary: "This connection's name, or null.", arity: 2, flags: RO, acl: '@connection', handler: (c) => c.name || null },
      { name: 'list', summary: 'One line of details per connected client, optionally by type or id.', arity: -2, flags: ADMIN, acl: '@connection', handler: list },
      { name: 'info', summary: 'The CLIENT LIST line of this connection.', arity: 2, flags: RO, acl: '@connection', handler: info },
      { name: 'kill', summary: 'Closes the connections matching an address, id, type or user.', arity: -3, flags: ADMIN, acl: '@connection', handler: kill },
      { name: 'setinfo', summary: 'Records the client library name or version shown by CLIENT LIST.', arity: 4, flags: RO, acl: '@connection', handler: setinfo },
      {
        name: 'no-evict',
        summary: 'Exempts this connection from client eviction.',
        arity: 3,
        flags: ADMIN,
        acl: '@connection',
        handler: (c, a) => onOff(a, (on) => void (c.noEvict = on)),
      },
      {
        name: 'no-touch',
        summary: 'Stops the commands of this connection from updating key access times.',
        arity: 3,
        flags: RO,
        acl: '@connection',
        handler: (c, a) => onOff(a, (on) => void (c.noTouch = on)),
      },
      { name: 'reply', summary: 'Turns replies to this connection on, off, or off for the next command.', arity: 3, flags: RO, acl: '@connection', handler: reply },
      { name: 'pause', summary: 'Holds the commands of all clients (or their writes) for a while.', arity: -3, flags: ADMIN, acl: '@connection', handler: pause },
      { name: 'unpause', summary: 'Ends a CLIENT PAUSE at once.', arity: 2, flags: ADMIN, acl: '@connection', handler: unpause },
      { name: 'help', summary: 'Lists the CLIENT subcommands.', arity: 2, flags: 'loading stale', acl: '@connection', handler: () => HELP },
      ...clientTrackingCommands,
      ...clientUnblockCommands,
    ],
  },
];
