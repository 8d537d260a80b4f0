// Whole-database commands: DBSIZE FLUSHDB FLUSHALL SWAPDB (SELECT is with the connection
// commands, MOVE with the generic ones).
import type { Client } from '../engine/client';
import { DB_INDEX_OUT_OF_RANGE, SYNTAX, errorf } from '../errors';
import type { Db } from '../keyspace/db';
import { OK, Reply } from '../resp/reply';
import { persistenceOf } from '../persistence/persistence';
import { int32Arg, is } from './args';
import { CommandDef } from './registry';

function dbsize(c: Client): Reply {
  return c.db.size;
}

/**
 * FLUSHDB/FLUSHALL take an optional ASYNC or SYNC; without either, lazyfree-lazy-user-flush
 * decides. Returns whether the tables are freed lazily (src/keyspace/lazyfree.ts).
 */
function flushIsAsync(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return c.server.config.bool('lazyfree-lazy-user-flush');
  if (argv.length === 2 && is(argv[1], 'ASYNC')) return true;
  if (argv.length === 2 && is(argv[1], 'SYNC')) return false;
  throw SYNTAX;
}

/** Empties one database: WATCHers of its existing keys fail, the dirty counter counts the keys. */
function emptyDb(c: Client, db: Db, lazy: boolean): void {
  if (db.size === 0) return;
  // Watched keys that exist now are about to disappear.
  c.server.watches.touchDb(db, null);
  c.server.keyspace.dirty += db.flush(lazy);
}

function flushdb(c: Client, argv: string[]): Reply {
  const lazy = flushIsAsync(c, argv);
  emptyDb(c, c.db, lazy);
  c.server.events.emit('dbFlushed', [c.db]);
  // Logged even when the database was already empty, as Redis does.
  c.server.forcePropagation = true;
  return OK;
}

function flushall(c: Client, argv: string[]): Reply {
  const lazy = flushIsAsync(c, argv);
  const dbs = c.server.keyspace.dbs;
  for (const db of dbs) emptyDb(c, db, lazy);
  c.server.events.emit('dbFlushed', dbs);
  // As Redis 7.0: a background save in progress is aborted, and with save points configured the
  // empty dataset is saved at once (which zeroes the dirty counter).
  const p = persistenceOf(c.server);
  p.killBgsave();
  if (p.owned && p.saveParams().length > 0) p.save();
  // Logged even when every database was already empty.
  c.server.forcePropagation = true;
  return OK;
}

const INVALID_FIRST = errorf('ERR invalid first DB index');
const INVALID_SECOND = errorf('ERR invalid second DB index');

/**
 * Swaps the contents of two databases. The Db objects stay bound to their index, so clients
 * that SELECTed a database (and their WATCHes) see the other data set from now on.
 */
function swapdb(c: Client, argv: string[]): Reply {
  if (c.server.cluster !== null) return errorf('ERR SWAPDB is not allowed in cluster mode');
  const id1 = int32Arg(argv[1], INVALID_FIRST);
  const id2 = int32Arg(argv[2], INVALID_SECOND);
  const ks = c.server.keyspace;
  const n = ks.dbs.length;
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) throw DB_INDEX_OUT_OF_RANGE;
  if (id1 !== id2) {
    const a = ks.dbs[id1];
    const b = ks.dbs[id2];
    // A watched key fails EXEC if it exists on either side of the swap.
    c.server.watches.touchDb(a, b);
    c.server.watches.touchDb(b, a);
    [a.dict, b.dict] = [b.dict, a.dict];
    [a.expires, b.expires] = [b.expires, a.expires];
    [a.avgTtl, b.avgTtl] = [b.avgTtl, a.avgTtl];
    c.server.events.emit('dbSwapped', a, b);
  }
  ks.dirty++;
  return OK;
}

export const databaseCommands: CommandDef[] = [
  { name: 'dbsize', summary: 'Number of keys in the selected database.', arity: 1, flags: 'readonly fast', acl: '@keyspace', handler: dbsize },
  { name: 'flushall', summary: 'Deletes every key of every database.', arity: -1, flags: 'write', acl: '@keyspace @dangerous', handler: flushall },
  { name: 'flushdb', summary: 'Deletes every key of the selected database.', arity: -1, flags: 'write', acl: '@keyspace @dangerous', handler: flushdb },
  { name: 'swapdb', summary: 'Exchanges the data sets of two databases.', arity: 3, flags: 'write fast', acl: '@keyspace @dangerous', handler: swapdb },
];
