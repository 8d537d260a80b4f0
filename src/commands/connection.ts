// Connection commands: PING ECHO HELLO AUTH SELECT QUIT RESET.
import type { Client } from '../engine/client';
import { ReplyMode } from '../engine/client';
import { DB_INDEX_OUT_OF_RANGE, SYNTAX, WRONGPASS, errorf, wrongArity } from '../errors';
import { MapReply, OK, PONG, Reply, SimpleString } from '../resp/reply';
import { int32Arg, intArg, is } from './args';
import { CommandDef } from './registry';
import { resetClientHooks } from './client-hooks';
import { authenticate } from '../acl/access';

import { REDIS_VERSION } from '../version';

export { REDIS_VERSION };

function ping(c: Client, argv: string[]): Reply {
  if (argv.length > 2) return wrongArity('ping');
  // A RESP2 subscriber gets PING as a pub/sub message.
  if (c.inPubSubMode && c.protocol === 2) return ['pong', argv.length === 2 ? argv[1] : ''];
  return argv.length === 2 ? argv[1] : PONG;
}

function echo(_c: Client, argv: string[]): Reply {
  return argv[1];
}

function select(c: Client, argv: string[]): Reply {
  const id = int32Arg(argv[1]);
  if (c.server.cluster !== null && id !== 0) return errorf('ERR SELECT is not allowed in cluster mode');
  const dbs = c.server.keyspace.dbs;
  if (id < 0 || id >= dbs.length) return DB_INDEX_OUT_OF_RANGE;
  c.db = dbs[id];
  return OK;
}

function auth(c: Client, argv: string[]): Reply {
  if (argv.length > 3) return SYNTAX;
  let user = 'default';
  let pass: string;
  if (argv.length === 2) {
    // The old one-argument form only makes sense when the default user has a password.
    if (c.server.acl.defaultUser.nopass) {
      return errorf(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    pass = argv[1];
  } else {
    user = argv[1];
    pass = argv[2];
  }
  if (!authenticate(c, user, pass, argv[0])) {
    c.server.log.verbose('Authentication failed');
    return WRONGPASS;
  }
  return OK;
}

function hello(c: Client, argv: string[]): Reply {
  let ver = 0;
  let i = 1;
  if (argv.length >= 2) {
    ver = intArg(argv[1], errorf('ERR Protocol version is not an integer or out of range'));
    i = 2;
    if (ver < 2 || ver > 3) return errorf('NOPROTO unsupported protocol version');
  }
  let name: string | null = null;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (is(argv[i], 'AUTH') && more >= 2) {
      // Authenticated at once, as Redis does: a later bad option still leaves the client logged in.
      if (!authenticate(c, argv[i + 1], argv[i + 2], argv[0])) return WRONGPASS;
      i += 2;
    } else if (is(argv[i], 'SETNAME') && more >= 1) {
      name = argv[i + 1];
      const bad = validateClientName(name);
      if (bad) return bad;
      i++;
    } else {
      return errorf(`ERR Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (!c.authenticated) {
    return errorf(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== null) c.name = name;
  if (ver) c.protocol = ver as 2 | 3;
  return new MapReply([
    'server',
    'redis',
    'version',
    REDIS_VERSION,
    'proto',
    c.protocol,
    'id',
    c.id,
    'mode',
    c.server.cluster !== null ? 'cluster' : 'standalone',
    'role',
    'master',
    'modules',
    [],
  ]);
}

/** Redis accepts client names made of printable ASCII without spaces. */
export function validateClientName(name: string): Reply | null {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return errorf('ERR Client names cannot contain spaces, newlines or special characters.');
  }
  return null;
}

function quit(c: Client): Reply {
  c.closeAfterReply = true;
  return OK;
}

function reset(c: Client): Reply {
  for (const hook of resetClientHooks) hook(c);
  c.multi = null;
  c.multiError = false;
  c.replyMode = ReplyMode.On;
  c.skipNext = false;
  c.protocol = 2;
  c.db = c.server.keyspace.dbs[0];
  c.name = '';
  c.noEvict = false;
  c.noTouch = false;
  if (c.isMonitor) {
    c.isMonitor = false;
    c.server.monitors.delete(c);
  }
  c.user = 'default';
  c.aclUser = c.server.acl.defaultUser;
  c.authenticated = !c.server.authRequired();
  return new SimpleString('RESET');
}

export const connectionCommands: CommandDef[] = [
  {
    name: 'auth',
    summary: 'Authenticates the connection as a user (or with the requirepass password).',
    arity: -2,
    flags: 'noscript loading stale fast no_auth allow_busy',
    acl: '@connection',
    handler: auth,
  },
  { name: 'echo', summary: 'Replies with the given message.', arity: 2, flags: 'loading stale fast', acl: '@connection', handler: echo },
  {
    name: 'hello',
    summary: 'Chooses the protocol version (RESP2 or RESP3), optionally authenticating and naming the connection.',
    arity: -1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    acl: '@connection',
    handler: hello,
  },
  { name: 'ping', summary: 'Checks that the server answers; replies PONG or the given message.', arity: -1, flags: 'fast', acl: '@connection', handler: ping, subscriberMode: true },
  {
    name: 'quit',
    subscriberMode: true, notQueued: true,
    summary: 'Closes the connection after replying OK.',
    arity: -1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    acl: '@connection',
    handler: quit,
  },
  {
    name: 'reset',
    subscriberMode: true, notQueued: true,
    summary: 'Returns the connection to its initial state (protocol, database, transactions, subscriptions, auth).',
    arity: 1,
    flags: 'noscript loading stale fast no_auth allow_busy',
    acl: '@connection',
    handler: reset,
  },
  { name: 'select', summary: 'Switches the connection to another logical database.', arity: 2, flags: 'loading stale fast', acl: '@connection', handler: select },
];


