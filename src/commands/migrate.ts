// MIGRATE: moves (or copies) keys to another instance as RESTORE commands built from DUMP
// payloads, then deletes them here, as Redis does outside cluster mode. The exchange with the
// target is synchronous over cached sockets (src/net/migrate-link.ts), so the server waits for it
// like redis-server.
import { errorf, SYNTAX } from '../errors';
import { OK, Reply, status } from '../resp/reply';
import { intArg, is } from './args';
import { CommandDef } from './registry';
import { dumpPayload } from '../persistence/rdb-file';
import { persistenceOf } from '../persistence/persistence';
import type { MigrateOutcome } from '../net/migrate-link';
import { Client } from '../engine/client';
import { dispatch } from '../engine/dispatcher';
import type { ServerContext } from '../engine/context';
import { ProtocolError, RespParser } from '../resp/parser';

/** Key positions: argv[3], or everything after KEYS when argv[3] is empty (Redis's migrateGetKeys). */
export function migrateKeys(argv: string[]): number[] {
  let first = 3;
  let num = 1;
  for (let i = 6; i < argv.length; i++) {
    if (is(argv[i], 'AUTH')) i += 1;
    else if (is(argv[i], 'AUTH2')) i += 2;
    else if (is(argv[i], 'KEYS') && argv[3] === '') {
      first = i + 1;
      num = argv.length - first;
      break;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(first + i);
  return out;
}

function bulk(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1')]);
}

function command(parts: (string | Buffer)[]): Buffer {
  return Buffer.concat([Buffer.from(`*${parts.length}\r\n`, 'latin1'), ...parts.map(bulk)]);
}

function migrate(c: Client, argv: string[]): Reply {
  let copy = false;
  let replace = false;
  let user: string | null = null;
  let password: string | null = null;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (is(argv[j], 'COPY')) copy = true;
    else if (is(argv[j], 'REPLACE')) replace = true;
    else if (is(argv[j], 'AUTH')) {
      if (more < 1) return SYNTAX;
      password = argv[++j];
    } else if (is(argv[j], 'AUTH2')) {
      if (more < 2) return SYNTAX;
      user = argv[++j];
      password = argv[++j];
    } else if (is(argv[j], 'KEYS')) {
      if (argv[3] !== '') return errorf('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else return SYNTAX;
  }
  let timeout = intArg(argv[5]);
  const dbid = intArg(argv[4]);
  if (timeout <= 0) timeout = 1000;

  const db = c.db;
  const keys: string[] = [];
  const parts: Buffer[] = [];
  let expect = 0;
  if (password !== null) {
    parts.push(command(user !== null ? ['AUTH', user, password] : ['AUTH', password]));
    expect++;
  }
  parts.push(command(['SELECT', String(dbid)]));
  expect++;
  const head = expect;
  const opts = persistenceOf(c.server).writeOptions();
  const now = c.server.clock.now();
  let found = 0;
  for (let j = 0; j < numKeys; j++) {
    const key = argv[firstKey + j];
    const v = db.lookupRead(key);
    if (v === undefined) continue;
    found++;
    let ttl = 0;
    const at = db.getExpire(key);
    if (at !== -1) {
      ttl = at - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    keys.push(key);
    // A cluster target is importing the slot: RESTORE-ASKING is served there without -ASK.
    const cmd: (string | Buffer)[] = [c.server.cluster !== null ? 'RESTORE-ASKING' : 'RESTORE', key, String(ttl), dumpPayload(v, opts)];
    if (replace) cmd.push('REPLACE');
    parts.push(command(cmd));
    expect++;
  }
  if (found === 0) return status('NOKEY');

  // As Redis: with tls-cluster the target is reached over TLS. A target inside this process
  // (startCluster's nodes) is served directly: a socket exchange would wait on an event loop that
  // this synchronous command is holding.
  const tls = c.server.config.bool('tls-cluster') ? (c.server.tls?.clientOptions() ?? null) : null;
  const peer = c.server.localPeer?.(argv[1], Number(argv[2])) ?? null;
  const out = peer !== null ? localExchange(peer, Buffer.concat(parts)) : c.server.migrateSockets.exchange(argv[1], Number(argv[2]), timeout, Buffer.concat(parts), expect, tls);
  if (out.error === 'connect') return errorf('IOERR error or timeout connecting to the client');
  if (out.error === 'write') return errorf('IOERR error or timeout writing to target instance');
  const lines = out.lines;
  let targetError: string | null = null;
  const moved: string[] = [];
  for (let j = 0; j < keys.length; j++) {
    const line = lines[head + j];
    if (line === undefined) break;
    const bad = (password !== null && lines[0][0] === '-' && lines[0]) || (lines[head - 1][0] === '-' && lines[head - 1]) || (line[0] === '-' && line);
    if (bad) {
      targetError ??= bad.slice(1);
    } else if (!copy) {
      // Moved: gone from here, propagated as a DEL of the moved keys (not as MIGRATE).
      if (db.remove(keys[j], false)) {
        db.notify('g', 'del', keys[j]);
        moved.push(keys[j]);
      }
    }
  }
  if (moved.length !== 0) {
    c.server.keyspace.propagate(db.id, ['DEL', ...moved]);
    c.server.propagations++;
  }
  if (targetError !== null) return errorf(`ERR Target instance replied with error: ${targetError}`);
  if (out.error !== null || lines.length < expect) return errorf('IOERR error or timeout reading to target instance');
  return OK;
}

/** Runs the RESP commands of a MIGRATE on an in-process server; one reply line per command. */
function localExchange(target: ServerContext, payload: Buffer): MigrateOutcome {
  const c = new Client(target, 'embedded');
  const lines: string[] = [];
  const parser = new RespParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: () => false });
  parser.feed(payload);
  for (let argv = parser.next(); argv !== null && !(argv instanceof ProtocolError); argv = parser.next()) {
    dispatch(c, argv);
    const out = c.writer.take();
    const text = out === null ? '' : out.latin1Slice(0, out.length);
    lines.push(text.slice(0, text.indexOf('\r\n')));
  }
  c.close();
  return { lines, error: null };
}

export const migrateCommands: CommandDef[] = [
  {
    name: 'migrate',
    summary: 'Moves keys to another instance (RESTORE there, DEL here), atomically from the caller’s view.',
    arity: -6,
    flags: 'write movablekeys',
    keys: [3, 3, 1],
    acl: '@keyspace @dangerous',
    getKeys: migrateKeys,
    handler: migrate,
  },
];
