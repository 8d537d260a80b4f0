// Handlers of the DEBUG subcommands that look into values and tables (OBJECT, DIGEST, HTSTATS,
// LISTPACK, QUICKLIST) or fill the keyspace (POPULATE). The table of subcommands is in debug.ts.
import type { Client } from '../engine/client';
import { datasetDigest, valueDigest } from '../engine/digest';
import { NO_SUCH_KEY, errorf } from '../errors';
import { globMatch } from '../datatypes/glob';
import { hashTableStatsText } from '../datatypes/ht-stats';
import type { ListValue } from '../datatypes/list';
import { hashKey } from '../datatypes/slot-index';
import type { Value } from '../datatypes/value';
import { memtoull } from '../config/config';
import { persistenceOf } from '../persistence/persistence';
import { serializeValue } from '../persistence/rdb-file';
import { quicklistNodes } from '../persistence/rdb-writer';
import { OK, Reply, SimpleString, VerbatimReply } from '../resp/reply';
import { intArg } from './args';
import { encodingOf, refcountOf } from './generic';

// ---- OBJECT ---------------------------------------------------------------------------------

/**
 * "Value at:<address>" has no meaning in a garbage-collected heap; respite prints a stable token
 * per value instead: shared small integers one per number (like Redis's shared objects), other
 * strings one per keyspace entry (a value updated in place, as INCR does, keeps it), collections
 * one per object.
 */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
const SHARED_BASE = 0x7f0000100000;
const ENTRY_BASE = 0x7f0010000000;
const OBJECT_BASE = 0x7f4000000000;

function addressOf(c: Client, key: string, v: Value, refcount: number): string {
  let addr: number;
  if (typeof v === 'string') {
    addr = refcount === 2147483647 ? SHARED_BASE + Number(v) * 16 : ENTRY_BASE + c.db.dict.seqOf(key) * 16;
  } else {
    let id = objectIds.get(v);
    if (id === undefined) objectIds.set(v, (id = nextObjectId++));
    addr = OBJECT_BASE + id * 16;
  }
  return `0x${addr.toString(16)}`;
}

/** DEBUG OBJECT <key>: Redis's one-line summary, with quicklist details for lists. */
export function debugObject(c: Client, argv: string[]): Reply {
  const key = argv[2];
  const v = c.db.dict.get(key);
  if (v === undefined) return NO_SUCH_KEY;
  const srv = c.server;
  const ks = srv.keyspace;
  const opts = persistenceOf(srv).writeOptions();
  const refcount = refcountOf(c, typeof v === 'string' ? v : v.type === 'string' ? String(v) : v);
  const mark = c.db.dict.getMark(key) ?? 0;
  // The RDB payload of the value without its type byte (rdbSavedObjectLen).
  const serialized = serializeValue(v, opts).length - 1;
  let extra = '';
  if (typeof v !== 'string' && v.type === 'list') {
    const nodes = quicklistNodes(v as ListValue, opts.listFill, opts.packedThreshold);
    let bytes = 0;
    for (const n of nodes) bytes += n.plain !== null ? n.plain.length : n.lp!.finish().length;
    const avg = nodes.length === 0 ? 0 : v.size / nodes.length;
    const compressed = srv.config.int('list-compress-depth') !== 0 ? 1 : 0;
    extra = ` ql_nodes:${nodes.length} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:${opts.listFill} ql_compressed:${compressed} ql_uncompressed_size:${bytes}`;
  }
  return new SimpleString(
    `Value at:${addressOf(c, key, v, refcount)} refcount:${refcount} encoding:${encodingOf(c, key, v)} ` +
      `serializedlength:${serialized} lru:${mark & 0xffffff} lru_seconds_idle:${ks.idleSeconds(mark)}${extra}`,
  );
}

// ---- DIGEST ---------------------------------------------------------------------------------

export function debugDigest(c: Client): Reply {
  return new SimpleString(datasetDigest(c.server.keyspace));
}

export function debugDigestValue(c: Client, argv: string[]): Reply {
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) out.push(new SimpleString(valueDigest(c.db, argv[j])));
  return out;
}

// ---- HTSTATS --------------------------------------------------------------------------------

/** The expires table is a Map whose buckets are not visible: model it as our own index sizes it. */
function modelledTable(keys: Iterable<string>, size: number): { capacity: number; homes: number[] } {
  let cap = 8;
  while (size * 4 > cap * 3) cap *= 2;
  const homes: number[] = [];
  for (const k of keys) homes.push(hashKey(k) & (cap - 1));
  return { capacity: cap, homes };
}

export function debugHtstats(c: Client, argv: string[]): Reply {
  const id = intArg(argv[2]);
  const dbs = c.server.keyspace.dbs;
  if (id < 0 || id >= dbs.length) return errorf('ERR Out of range database');
  const db = dbs[id];
  const text =
    '[Dictionary HT]\n' +
    hashTableStatsText(db.dict.homePositions()) +
    '[Expires HT]\n' +
    hashTableStatsText(modelledTable(db.expires.keys(), db.expires.size));
  return new VerbatimReply('txt', text);
}

interface HasHashTable {
  hashTable(): { homePositions(): { capacity: number; homes: number[] } } | null;
}

export function debugHtstatsKey(c: Client, argv: string[]): Reply {
  const v = c.db.peek(argv[2]);
  if (v === undefined) return NO_SUCH_KEY;
  // Hashes, sets and sorted sets have a hashTable() (null while compact); other types none.
  const ht = typeof v === 'string' || !('hashTable' in v) ? null : (v as HasHashTable).hashTable();
  if (ht === null) return errorf('ERR The value stored at the specified key is not represented using an hash table');
  return new VerbatimReply('txt', hashTableStatsText(ht.homePositions()));
}

// ---- LISTPACK / QUICKLIST -------------------------------------------------------------------

/** DEBUG LISTPACK <key>: the entries of a listpack-encoded value, written to the server log. */
export function debugListpack(c: Client, argv: string[]): Reply {
  const v = c.db.peek(argv[2]);
  if (v === undefined) return NO_SUCH_KEY;
  if (typeof v === 'string' || v.encoding !== 'listpack') return errorf('ERR Not a listpack encoded object.');
  const items: string[] = [];
  (v as unknown as { forEach(f: (a: string, b: unknown) => void): void }).forEach((a, b) => items.push(a, String(b)));
  c.server.log.notice(`Listpack of '${argv[2]}': ${items.length} entries: ${items.map((s) => JSON.stringify(s)).join(' ')}`);
  return new SimpleString('Listpack structure printed on stdout');
}

/** DEBUG QUICKLIST <key> [0|1]: the node layout of a list, written to the server log. */
export function debugQuicklist(c: Client, argv: string[]): Reply {
  const v = c.db.peek(argv[2]);
  if (v === undefined) return NO_SUCH_KEY;
  if (typeof v === 'string' || v.encoding !== 'quicklist') return errorf('ERR Not a quicklist encoded object.');
  const full = argv.length === 4 && parseInt(argv[3], 10) !== 0;
  const opts = persistenceOf(c.server).writeOptions();
  const nodes = quicklistNodes(v as ListValue, opts.listFill, opts.packedThreshold);
  const log = c.server.log;
  log.notice(`{quicklist} count: ${v.size} len: ${nodes.length} fill: ${opts.listFill} compress: ${c.server.config.int('list-compress-depth')}`);
  nodes.forEach((n, i) => {
    const plain = n.plain !== null;
    const bytes = plain ? n.plain!.length : n.lp!.finish().length;
    const count = plain ? 1 : n.lp!.count;
    log.notice(`{quicklist node(${i})} container: ${plain ? 'PLAIN' : 'PACKED'} count: ${count} sz: ${bytes}`);
    if (full && !plain) log.notice(`  ${n.lp!.finish().toString('latin1')}`);
  });
  return new SimpleString('Quicklist structure printed on stdout');
}

/** DEBUG QUICKLIST-PACKED-THRESHOLD <size>: 0 restores the default (1 GB); at most 4 GB - 1 MB. */
export function debugPackedThreshold(c: Client, argv: string[]): Reply {
  const sz = memtoull(argv[2]);
  const max = 2n ** 32n - 2n ** 20n;
  if (sz === null || sz > max) return errorf('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
  c.server.quicklistPackedThreshold = sz === 0n ? 1 << 30 : Number(sz);
  return OK;
}

// ---- POPULATE -------------------------------------------------------------------------------

/**
 * DEBUG POPULATE <count> [<prefix>] [<size>]: string keys <prefix>:<n> (default "key") holding
 * "value:<n>", or that text cut or zero-padded to <size> bytes. Existing keys are left alone.
 * Not propagated and no keyspace events, as in Redis (only WATCH/tracking see the change).
 */
export function debugPopulate(c: Client, argv: string[]): Reply {
  const count = positiveLong(argv[2]);
  const size = argv.length === 5 ? positiveLong(argv[4]) : 0;
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  const db = c.db;
  const ks = c.server.keyspace;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (db.lookupWrite(key) !== undefined) continue;
    let val = `value:${j}`;
    if (size !== 0) val = size <= val.length ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
    db.dict.set(key, val, ks.newMark());
    ks.modified(db, key);
  }
  return OK;
}

/** getPositiveLongFromObjectOrReply: one error for junk and negatives alike. */
function positiveLong(s: string): number {
  const n = intArg(s, OUT_OF_RANGE_POSITIVE);
  if (n < 0) throw OUT_OF_RANGE_POSITIVE;
  return n;
}

const OUT_OF_RANGE_POSITIVE = errorf('ERR value is out of range, must be positive');

// ---- STRINGMATCH-TEST -----------------------------------------------------------------------

/** DEBUG STRINGMATCH-TEST: random patterns against random strings; passes if nothing throws. */
export function debugStringmatchTest(): Reply {
  const alphabet = '*?[]^-\\abc';
  const pick = (n: number) => {
    let s = '';
    const len = Math.floor(Math.random() * n);
    for (let i = 0; i < len; i++) s += Math.random() < 0.5 ? alphabet[Math.floor(Math.random() * alphabet.length)] : String.fromCharCode(Math.floor(Math.random() * 256));
    return s;
  };
  for (let i = 0; i < 100000; i++) globMatch(pick(32), pick(32), Math.random() < 0.5);
  return new SimpleString('Apparently Redis did not crash: test passed');
}
