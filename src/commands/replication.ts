// Replication commands, master side (Redis's replication.c): SYNC / PSYNC turn the connection into
// a replica fed the replication stream, REPLCONF carries the replica's settings and
// acknowledgements, ROLE and WAIT report and wait on them. The state lives in src/replication.
import type { Client } from '../engine/client';
import { blockOnKeys, canBlock, timeoutMsArg } from '../engine/blocking';
import { NOT_INTEGER, SYNTAX, errorf } from '../errors';
import { parseIntStrict } from '../resp/format';
import { splitArgs } from '../resp/parser';
import { NO_REPLY, OK, Reply, SimpleString } from '../resp/reply';
import { replicationOf } from '../replication/replication';
import { intArg, is } from './args';
import { CommandDef } from './registry';

/** SYNC, and PSYNC <replid> <offset>: a partial resync when possible, else a full one. */
function sync(c: Client, argv: string[]): Reply {
  // Already a replica: ignored, as Redis does.
  if (c.isReplica) return NO_REPLY;
  // The payload must follow the replies already produced, with nothing in between.
  if (c.writer.pending !== 0) return errorf('ERR SYNC and PSYNC are invalid with pending output');
  const srv = c.server;
  const r = replicationOf(srv);
  const psync = is(argv[0], 'PSYNC');
  // PSYNC <our replid> <offset> FAILOVER: our master fails over to us; we become the master first.
  if (psync && argv.length > 3 && is(argv[3], 'FAILOVER')) {
    srv.log.warning(`Failover request received for replid ${argv[1]}.`);
    if (r.replicaOf === null) return errorf("ERR PSYNC FAILOVER can't be sent to a master.");
    if (argv[1].toLowerCase() !== r.replId) return errorf('ERR PSYNC FAILOVER replid must match my replid.');
    r.unsetMaster();
    srv.log.notice(`MASTER MODE enabled (failover request from '${clientInfoLine(c)}')`);
  }
  if (r.failover.active) return errorf("NOMASTERLINK Can't SYNC while failing over");
  // A replica serves replicas only while it follows its master (they get that stream).
  if (r.replicaOf !== null && r.replicaOf.state !== 'connected') return errorf("NOMASTERLINK Can't SYNC while not connected with my master");
  // A filtered RDB is only ever made for a replica that reads it to its end (Redis sends it over
  // the socket, EOF-marked), not one that would keep it as its data set.
  if (r.linkFor(c).rdbFilter !== null && !r.linkFor(c).capaEof) return errorf('ERR Filtered replica requires EOF capability');
  const offset = psync ? intArg(argv[2]) : 0;
  srv.log.notice(`Replica ${c.addr} asks for synchronization`);
  if (psync && r.tryPartialResync(c, argv[1], offset)) return NO_REPLY;
  r.fullResync(c, psync);
  return NO_REPLY;
}

/** REPLCONF <option> <value> ...: listening-port, ip-address, capa, ack, getack, rdb-only, rdb-filter-only. */
function replconf(c: Client, argv: string[]): Reply {
  if (argv.length % 2 === 0) return SYNTAX;
  const r = replicationOf(c.server);
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j];
    const val = argv[j + 1];
    if (is(opt, 'LISTENING-PORT')) {
      r.linkFor(c).listeningPort = intArg(val);
    } else if (is(opt, 'IP-ADDRESS')) {
      if (val.length >= 256) return errorf(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
      r.linkFor(c).ipAddress = val;
    } else if (is(opt, 'CAPA')) {
      // Capabilities this master does not know are ignored.
      if (is(val, 'EOF')) r.linkFor(c).capaEof = true;
      else if (is(val, 'PSYNC2')) r.linkFor(c).capaPsync2 = true;
    } else if (is(opt, 'ACK')) {
      // From replicas only, and never answered.
      if (!c.isReplica) return NO_REPLY;
      const v = parseIntStrict(val);
      if (v !== null) r.ack(c, Number(v));
      return NO_REPLY;
    } else if (is(opt, 'GETACK')) {
      // Only a replica answers GETACK, on its link to the master; a master ignores it.
      if (c.isMaster) r.replicaOf?.sendAck();
      return NO_REPLY;
    } else if (is(opt, 'RDB-ONLY')) {
      const v = parseIntStrict(val);
      if (v === null) return NOT_INTEGER;
      if (v < 0 || v > 1) return errorf('ERR value is out of range, value must between 0 and 1');
      r.linkFor(c).rdbOnly = Number(v) === 1;
    } else if (is(opt, 'RDB-FILTER-ONLY')) {
      // Include filters, split as a config line; none at all gives an RDB without data or functions.
      const filters = splitArgs(val);
      if (filters === null) return errorf('ERR Missing rdb-filter-only values');
      const filter = { functions: false };
      for (const f of filters) {
        if (is(f, 'FUNCTIONS')) filter.functions = true;
        else return errorf(`ERR Unsupported rdb-filter-only option: ${f}`);
      }
      r.linkFor(c).rdbFilter = filter;
    } else {
      return errorf(`ERR Unrecognized REPLCONF option: ${opt}`);
    }
  }
  return OK;
}

/** WAIT numreplicas timeout: blocks until that many replicas acknowledged this client's writes. */
function wait(c: Client, argv: string[]): Reply {
  const r = replicationOf(c.server);
  if (r.replicaOf !== null) return WAIT_ON_REPLICA;
  const numreplicas = intArg(argv[1]);
  const deadline = timeoutMsArg(c, argv[2]);
  const offset = r.writeOffsetOf(c);
  const acks = r.countAcks(offset);
  // Enough already, or inside MULTI (which must not block): the count now.
  if (acks >= numreplicas || !canBlock(c)) return acks;
  r.addWaiter({ client: c, offset, numreplicas });
  return blockOnKeys(
    c,
    c.db,
    [],
    deadline,
    () => undefined,
    () => {
      r.removeWaiter(c);
      return r.countAcks(offset);
    },
  );
}

const WAIT_ON_REPLICA = errorf(
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
);

/** REPLICAOF host port / REPLICAOF NO ONE (and SLAVEOF). */
function replicaof(c: Client, argv: string[]): Reply {
  const srv = c.server;
  if (srv.cluster !== null) return errorf('ERR REPLICAOF not allowed in cluster mode.');
  const r = replicationOf(srv);
  if (r.failover.active) return errorf('ERR REPLICAOF not allowed while failing over.');
  if (is(argv[1], 'NO') && is(argv[2], 'ONE')) {
    if (r.replicaOf !== null) {
      r.unsetMaster();
      srv.log.notice(`MASTER MODE enabled (user request from '${clientInfoLine(c)}')`);
    }
    return OK;
  }
  if (c.isReplica) return errorf('ERR Command is not valid when client is a replica.');
  const port = rangeArg(argv[2], 0, 65535, 'ERR Invalid master port');
  const ro = r.replicaOf;
  if (ro !== null && ro.host.toLowerCase() === argv[1].toLowerCase() && ro.port === port) {
    srv.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return ALREADY_CONNECTED;
  }
  r.setMaster(argv[1], port);
  srv.log.notice(`REPLICAOF ${argv[1]}:${port} enabled (user request from '${clientInfoLine(c)}')`);
  return OK;
}

/** The start of CLIENT LIST's line for c, as Redis's role-change log lines quote it. */
function clientInfoLine(c: Client): string {
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name}`;
}

/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: hands the master role to a replica once
 * it caught up (src/replication/failover.ts); ABORT alone cancels one in progress.
 */
function failover(c: Client, argv: string[]): Reply {
  const srv = c.server;
  if (srv.cluster !== null) return errorf('ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.');
  const r = replicationOf(srv);
  const f = r.failover;
  if (argv.length === 2 && is(argv[1], 'ABORT')) {
    if (!f.active) return errorf('ERR No failover in progress.');
    f.abort('Failover manually aborted');
    return OK;
  }
  let timeout = 0;
  let force = false;
  let host: string | null = null;
  let port = 0;
  for (let j = 1; j < argv.length; j++) {
    if (is(argv[j], 'TIMEOUT') && j + 1 < argv.length && timeout === 0) {
      timeout = intArg(argv[j + 1]);
      if (timeout <= 0) return errorf('ERR FAILOVER timeout must be greater than 0');
      j++;
    } else if (is(argv[j], 'TO') && j + 2 < argv.length && host === null) {
      port = intArg(argv[j + 2]);
      host = argv[j + 1];
      j += 2;
    } else if (is(argv[j], 'FORCE') && !force) {
      force = true;
    } else return SYNTAX;
  }
  if (f.active) return errorf('ERR FAILOVER already in progress.');
  if (r.replicaOf !== null) return errorf('ERR FAILOVER is not valid when server is a replica.');
  if (r.replicas.length === 0) return errorf('ERR FAILOVER requires connected replicas.');
  if (force && (timeout === 0 || host === null)) return errorf('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  if (host !== null) {
    const replica = f.findReplica(host, port);
    if (replica === undefined) return errorf('ERR FAILOVER target HOST and PORT is not a replica.');
    if (replica.state !== 'online') return errorf('ERR FAILOVER target replica is not online.');
  }
  f.start(host, port, timeout, force);
  return OK;
}

const ALREADY_CONNECTED = new SimpleString('OK Already connected to specified master');

/** getRangeLongFromObjectOrReply: an integer within [min, max], else `msg`. */
function rangeArg(s: string, min: number, max: number, msg: string): number {
  const v = parseIntStrict(s);
  if (v === null || v < min || v > max) throw errorf(msg);
  return Number(v);
}

const REPLICAOF_ARGS = 'admin noscript stale no_async_loading';

export const replicationCommands: CommandDef[] = [
  { name: 'replicaof', summary: 'Makes this server a replica of another, or a master again (NO ONE).', arity: 3, flags: REPLICAOF_ARGS, handler: replicaof },
  { name: 'slaveof', summary: 'Makes this server a replica of another, or a master again (NO ONE). Deprecated alias of REPLICAOF.', arity: 3, flags: REPLICAOF_ARGS, handler: replicaof },
  { name: 'sync', summary: 'Makes this connection a replica: the dataset as an RDB, then the stream of writes.', arity: 1, flags: 'admin noscript no_async_loading no_multi', handler: sync },
  {
    name: 'psync',
    summary: 'Makes this connection a replica, continuing from an offset of a replication history when the backlog allows.',
    arity: -3,
    flags: 'admin noscript no_async_loading no_multi',
    handler: sync,
  },
  { name: 'replconf', summary: "A replica's settings and acknowledgements, sent on its link to the master.", arity: -1, flags: 'admin noscript loading stale allow_busy', handler: replconf },
  { name: 'role', summary: "This server's replication role, offset and replicas.", arity: 1, flags: 'noscript loading stale fast', acl: '@admin @dangerous', handler: (c) => replicationOf(c.server).roleReply() },
  {
    name: 'failover',
    summary: 'Hands the master role to a replica once it caught up with the stream (or aborts one in progress).',
    arity: -1,
    flags: 'admin noscript stale',
    handler: failover,
  },
  { name: 'wait', summary: 'Waits until a number of replicas acknowledged the writes of this connection.', arity: 3, flags: 'noscript', acl: '@connection', handler: wait },
];
