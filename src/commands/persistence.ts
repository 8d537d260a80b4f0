// Persistence commands: SAVE BGSAVE BGREWRITEAOF (LASTSAVE lives with the server commands),
// DUMP RESTORE. The machinery is in src/persistence.
import type { Client } from '../engine/client';
import { NOT_INTEGER, ReplyError, SYNTAX, errorf } from '../errors';
import { OK, Reply, SimpleString } from '../resp/reply';
import { dumpPayload, restorePayload, verifyDumpPayload } from '../persistence/rdb-file';
import { CorruptError, EmptyKeyError } from '../persistence/encodings';
import { unsanitizedPayload } from '../datatypes/unsanitized';
import * as fs from 'node:fs';
import { errText, persistenceOf } from '../persistence/persistence';
import { int64Arg, is } from './args';
import { CommandDef } from './registry';
import { propagateRestore } from '../persistence/propagation';

const ERR = errorf('ERR');

function save(c: Client): Reply {
  const p = persistenceOf(c.server);
  if (p.bg !== null) return errorf('ERR Background save already in progress');
  return p.save() ? OK : ERR;
}

function bgsave(c: Client, argv: string[]): Reply {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && is(argv[1], 'SCHEDULE')) schedule = true;
    else return SYNTAX;
  }
  const p = persistenceOf(c.server);
  if (p.bg !== null) return errorf('ERR Background save already in progress');
  if (p.aof?.rewriting || c.inExec) {
    if (schedule || c.inExec) {
      p.bgsaveScheduled = true;
      return new SimpleString('Background saving scheduled');
    }
    return errorf("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
  }
  const e = p.startBgsave();
  return e === null ? new SimpleString('Background saving started') : ERR;
}

function bgrewriteaof(c: Client): Reply {
  const p = persistenceOf(c.server);
  const aof = p.aof;
  if (aof === null) return errorf("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  if (aof.rewriting) return errorf('ERR Background append only file rewriting already in progress');
  if (p.bg !== null || c.inExec) {
    aof.rewriteScheduled = true;
    aof.rewriteFailures = 0;
    return new SimpleString('Background append only file rewriting scheduled');
  }
  const e = aof.rewrite();
  if (e !== null) return errorf("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  return new SimpleString('Background append only file rewriting started');
}

function dump(c: Client, argv: string[]): Reply {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return null;
  return dumpPayload(v, persistenceOf(c.server).writeOptions()).latin1Slice();
}

function restore(c: Client, argv: string[]): Reply {
  const key = argv[1];
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (is(argv[j], 'REPLACE')) replace = true;
    else if (is(argv[j], 'ABSTTL')) absttl = true;
    else if (is(argv[j], 'IDLETIME') && more && freq === -1) {
      const v = int64Arg(argv[++j]);
      if (v < 0) return errorf('ERR Invalid IDLETIME value, must be >= 0');
      idle = Number(v);
    } else if (is(argv[j], 'FREQ') && more && idle === -1) {
      const v = int64Arg(argv[++j]);
      if (v < 0 || v > 255) return errorf('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(v);
    } else return SYNTAX;
  }
  const db = c.db;
  if (!replace && db.lookupWrite(key) !== undefined) return errorf('BUSYKEY Target key name already exists.');
  let ttl = int64Arg(argv[2], NOT_INTEGER);
  if (ttl < 0) return errorf('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  const p = persistenceOf(c.server);
  if (!verifyDumpPayload(payload, p.skipChecksumValidation)) return errorf('ERR DUMP payload version or checksum are wrong');
  let value;
  try {
    value = restorePayload(payload, p.loadLimits(c));
  } catch (e) {
    if (e instanceof CorruptError || e instanceof RangeError) {
      // Logged for the curious (verbose, as Redis does); the client only learns it was bad data.
      if (!(e instanceof EmptyKeyError)) c.server.log.verbose(`RESTORE: corrupt DUMP payload: ${e.message}`);
      return errorf('ERR Bad data format');
    }
    throw e;
  }
  const unchecked = unsanitizedPayload(value);
  if (unchecked !== undefined) {
    c.server.log.warning(`RESTORE kept key '${key}' unchecked (sanitize-dump-payload no): its contents fail their integrity check (${unchecked.reason}); commands that read it will answer an error`);
  }
  let deleted = false;
  if (replace) deleted = db.delete(key);
  const now = db.now();
  if (typeof ttl === 'bigint') ttl = Number(ttl);
  if (ttl !== 0 && !absttl) ttl += now;
  if (ttl !== 0 && ttl <= now) {
    // Already expired: the key is just gone.
    if (deleted) db.notify('g', 'del', key);
    return OK;
  }
  db.add(key, value);
  if (ttl !== 0) db.setExpire(key, ttl);
  const ks = c.server.keyspace;
  const policy = c.server.config.get('maxmemory-policy');
  if (policy.endsWith('-lfu') && freq >= 0) db.dict.setMark(key, (ks.newMark() & ~0xff) | freq);
  else if (policy.endsWith('-lru') && idle >= 0) db.dict.setMark(key, (ks.newMark() - idle) & 0xffffff);
  db.notify('g', 'restore', key);
  return OK;
}

export const persistenceCommands: CommandDef[] = [
  { name: 'save', summary: 'Writes the dataset to disk now, blocking the server.', arity: 1, flags: 'admin noscript no_async_loading no_multi', handler: save },
  { name: 'bgsave', summary: 'Writes the dataset to disk in the background.', arity: -1, flags: 'admin noscript no_async_loading', handler: bgsave },
  { name: 'bgrewriteaof', summary: 'Rewrites the append-only file in the background.', arity: 1, flags: 'admin noscript no_async_loading', handler: bgrewriteaof },
  { name: 'dump', summary: 'Serialises the value at a key in the RDB format.', arity: 2, flags: 'readonly', keys: [1, 1, 1], acl: '@keyspace', handler: dump },
  {
    name: 'restore',
    propagate: propagateRestore,
    summary: 'Creates a key from a DUMP payload.',
    arity: -4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    acl: '@keyspace @dangerous',
    handler: restore,
  },
  // Cluster migration (MIGRATE to a node importing the slot): RESTORE with the asking flag.
  { name: 'restore-asking', summary: 'RESTORE sent by MIGRATE to a node importing the slot.', arity: -4, flags: 'write denyoom asking', keys: [1, 1, 1], acl: '@keyspace @dangerous', handler: restore },
];

void ReplyError;

// ---- DEBUG RELOAD / DEBUG LOADAOF (dispatched from DEBUG in server.ts) ---------------------

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load the RDB file back. */
export function debugReload(c: Client, argv: string[]): Reply {
  let flush = true;
  let doSave = true;
  let merge = false;
  for (let j = 2; j < argv.length; j++) {
    if (is(argv[j], 'MERGE')) merge = true;
    else if (is(argv[j], 'NOFLUSH')) flush = false;
    else if (is(argv[j], 'NOSAVE')) doSave = false;
    else return errorf('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const p = persistenceOf(c.server);
  if (doSave && !p.save()) return ERR;
  let buf: Buffer;
  try {
    buf = fs.readFileSync(p.rdbPath());
  } catch (e) {
    c.server.log.warning(`Fatal error loading the DB: ${errText(e)}.`);
    return errorf('ERR Error trying to load the RDB dump, check server logs.');
  }
  if (flush) p.emptyData(true);
  try {
    p.loadRdbBuffer(buf, merge);
  } catch (e) {
    c.server.log.warning(e instanceof Error ? e.message : String(e));
    return errorf('ERR Error trying to load the RDB dump, check server logs.');
  }
  c.server.log.warning('DB reloaded by DEBUG RELOAD');
  return OK;
}

/** DEBUG LOADAOF: flush the AOF, empty the dataset, load the AOF directory back. */
export function debugLoadAof(c: Client): Reply {
  const p = persistenceOf(c.server);
  const aof = p.aof;
  if (aof === null) return errorf('ERR AOF is not enabled');
  // As Redis: with the AOF on its buffer reaches the file first; on or off, the dataset is
  // emptied and the AOF the manifest on disk lists is loaded.
  if (aof.enabled) aof.flush(true);
  p.emptyData(true);
  try {
    aof.reload();
  } catch (e) {
    c.server.log.warning(e instanceof Error ? e.message : String(e));
    return errorf('ERR Error trying to load the AOF files, check server logs.');
  }
  c.server.keyspace.dirty = 0;
  c.server.log.warning('Append Only File loaded by DEBUG LOADAOF');
  return OK;
}
