// MULTI / EXEC / DISCARD / WATCH / UNWATCH. Queueing itself happens in the dispatcher (commands
// rejected while queueing poison the transaction: EXEC answers EXECABORT).
import type { Client } from '../engine/client';
import { ReplyMode } from '../engine/client';
import { call, countError } from '../engine/dispatcher';
import { aclExecDeny } from './acl';
import { errorf } from '../errors';
import { NO_REPLY, NULL_ARRAY, OK, Reply } from '../resp/reply';
import { resetClientHooks } from './client-hooks';
import { CommandDef } from './registry';

const EXECABORT = errorf('EXECABORT Transaction discarded because of previous errors.');

function multi(c: Client): Reply {
  if (c.multi !== null) return errorf('ERR MULTI calls can not be nested');
  c.multi = [];
  c.multiError = false;
  return OK;
}

function discardTransaction(c: Client): void {
  c.multi = null;
  c.multiError = false;
  c.server.watches.unwatchAll(c);
}

function discard(c: Client): Reply {
  if (c.multi === null) return errorf('ERR DISCARD without MULTI');
  discardTransaction(c);
  return OK;
}

function exec(c: Client): Reply {
  const queued = c.multi;
  if (queued === null) return errorf('ERR EXEC without MULTI');
  if (c.multiError) {
    discardTransaction(c);
    return EXECABORT;
  }
  if (c.server.watches.isDirty(c)) {
    discardTransaction(c);
    return NULL_ARRAY;
  }
  // Leave MULTI state first: the queued commands run as ordinary commands. EXEC writes the
  // array header, then each command writes its own reply through call().
  c.multi = null;
  c.server.watches.unwatchAll(c);
  c.inExec = true;
  if (c.replyMode === ReplyMode.On) c.writer.arrayHeader(queued.length);
  // One point in time for the whole transaction, as Redis caches the time for the outermost
  // command: a key does not expire between two queued commands (even after a DEBUG SLEEP).
  const ks = c.server.keyspace;
  const outerSnapshot = ks.timeSnapshot;
  ks.timeSnapshot = outerSnapshot ?? ks.clock.now();
  try {
    for (const q of queued) {
      // The user's rules may have changed since the command was queued (Redis re-checks).
      const denied = c.aclUser.unrestricted ? null : aclExecDeny(c, q.cmd, q.argv);
      if (denied !== null) {
        countError(c, denied);
        c.reply(denied);
      } else call(c, q.cmd, q.argv);
    }
  } finally {
    c.inExec = false;
    ks.timeSnapshot = outerSnapshot;
  }
  return NO_REPLY;
}

function watch(c: Client, argv: string[]): Reply {
  if (c.multi !== null) return errorf('ERR WATCH inside MULTI is not allowed');
  for (let i = 1; i < argv.length; i++) c.server.watches.watch(c, c.db, argv[i]);
  return OK;
}

function unwatch(c: Client): Reply {
  c.server.watches.unwatchAll(c);
  return OK;
}

resetClientHooks.push((c) => discardTransaction(c));

export const transactionCommands: CommandDef[] = [
  {
    name: 'discard',
    notQueued: true,
    summary: 'Throws away the commands queued since MULTI and forgets watched keys.',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    acl: '@transaction',
    handler: discard,
  },
  {
    name: 'exec',
    notQueued: true,
    summary: 'Runs the commands queued since MULTI, atomically, unless a watched key changed.',
    arity: 1,
    flags: 'noscript loading stale skip_slowlog',
    acl: '@transaction',
    handler: exec,
  },
  {
    name: 'multi',
    notQueued: true,
    summary: 'Starts a transaction: following commands are queued until EXEC or DISCARD.',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    acl: '@transaction',
    handler: multi,
  },
  {
    name: 'unwatch',
    summary: 'Forgets every key this connection watches.',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    acl: '@transaction',
    handler: unwatch,
  },
  {
    name: 'watch',
    notQueued: true,
    summary: 'Makes the next EXEC fail if any of these keys is modified before it runs.',
    arity: -2,
    flags: 'noscript loading stale fast allow_busy',
    keys: [1, -1, 1],
    acl: '@transaction',
    handler: watch,
  },
];
