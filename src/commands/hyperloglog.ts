// HyperLogLog commands (Redis's hyperloglog.c): PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. An HLL
// is a string in Redis's exact layout (datatypes/hll.ts); commands that change it keep it as a
// MutableString so PFADD edits registers in place.
import type { Client } from '../engine/client';
import { WRONGTYPE, errorf } from '../errors';
import {
  DENSE,
  DENSE_SIZE,
  HDR_SIZE,
  HLL_REGISTERS,
  SPARSE,
  cacheValid,
  createHll,
  denseGet,
  denseSet,
  hllAdd,
  hllCount,
  hllCountRaw,
  hllMerge,
  invalidateCache,
  isValidHll,
  readCache,
  sparseSet,
  sparseToDense,
  writeCache,
} from '../datatypes/hll';
import { MutableString } from '../datatypes/mutable-string';
import { Value } from '../datatypes/value';
import { OK, Reply, SimpleString } from '../resp/reply';
import { CommandDef } from './registry';

const INVALID_HLL = errorf('INVALIDOBJ Corrupted HLL object detected');
const NOT_HLL = errorf('WRONGTYPE Key is not a valid HyperLogLog string value.');

/** Redis's isHLLObjectOrReply: a string (else WRONGTYPE) holding a well-formed HLL header. */
function checkHll(v: Value): string | MutableString {
  if (typeof v === 'string') {
    if (v.length < HDR_SIZE || !isValidHll(headerOf(v), v.length)) throw NOT_HLL;
    return v;
  }
  if (!(v instanceof MutableString)) throw WRONGTYPE;
  if (!isValidHll(v.buf, v.length)) throw NOT_HLL;
  return v;
}

/** The first 16 bytes of a string, for the header checks without copying the whole value. */
function headerOf(s: string): Uint8Array {
  const h = new Uint8Array(HDR_SIZE);
  for (let i = 0; i < HDR_SIZE; i++) h[i] = s.charCodeAt(i);
  return h;
}

/** An HLL value as a MutableString the command may edit, swapped into the key if it was text. */
function editable(c: Client, key: string, v: string | MutableString): MutableString {
  if (v instanceof MutableString) return v;
  const hll = MutableString.fromString(v);
  c.db.swap(key, hll);
  return hll;
}

function bytesOf(v: string | MutableString): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v.buf;
}

function sparseMaxBytes(c: Client): number {
  return c.server.config.int('hll-sparse-max-bytes');
}

// ---- PFADD / PFCOUNT / PFMERGE ----------------------------------------------------------------

function pfadd(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const cur = db.lookupWriteRaw(key);
  let hll: MutableString;
  let updated = 0;
  if (cur === undefined) {
    hll = createHll();
    db.add(key, hll);
    updated++;
  } else {
    hll = editable(c, key, checkHll(cur));
  }
  // Only a sparse HLL needs the limit (a config lookup): dense ones, the common case, skip it.
  const maxBytes = hll.buf[4] === SPARSE ? sparseMaxBytes(c) : 0;
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(hll, argv[j], maxBytes);
    if (r === 1) updated++;
    else if (r === -1) throw INVALID_HLL;
  }
  if (updated) {
    if (cur !== undefined) db.touched(key);
    db.notify('$', 'pfadd', key, updated);
    invalidateCache(hll.buf);
    hll.changed();
  }
  return updated ? 1 : 0;
}

function pfcount(c: Client, argv: string[]): Reply {
  const db = c.db;
  if (argv.length > 2) {
    // The cardinality of the union, computed on a raw byte-per-register array.
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const cur = db.lookupReadRaw(argv[j]);
      if (cur === undefined) continue;
      const v = checkHll(cur);
      if (!hllMerge(max, bytesOf(v), v.length)) throw INVALID_HLL;
    }
    return asLongLong(hllCountRaw(max));
  }
  const key = argv[1];
  const cur = db.lookupReadRaw(key);
  if (cur === undefined) return 0;
  // Redis unshares the value before looking at the cache (OBJECT ENCODING becomes "raw").
  const hll = editable(c, key, checkHll(cur));
  const p = hll.buf;
  if (cacheValid(p)) return readCache(p);
  const card = hllCount(p, hll.length);
  if (card === null) throw INVALID_HLL;
  // Like Redis, refreshing the cache is a write of the value (signalled and counted as dirty).
  writeCache(p, BigInt(card));
  hll.changed();
  db.touched(key);
  c.server.keyspace.dirty++;
  return asLongLong(card);
}

/** Redis replies with the uint64 count as a long long: 2^63 (crafted registers only) is LLONG_MIN. */
function asLongLong(card: number | bigint): number | bigint {
  return card === 1n << 63n ? -(1n << 63n) : card;
}

function pfmerge(c: Client, argv: string[]): Reply {
  const db = c.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const cur = db.lookupReadRaw(argv[j]);
    if (cur === undefined) continue;
    const v = checkHll(cur);
    const p = bytesOf(v);
    if (p[4] === DENSE) useDense = true;
    if (!hllMerge(max, p, v.length)) throw INVALID_HLL;
  }
  const key = argv[1];
  const cur = db.lookupWriteRaw(key);
  let hll: MutableString;
  if (cur === undefined) {
    hll = createHll();
    db.add(key, hll);
  } else {
    // Already checked as one of the sources.
    hll = editable(c, key, cur as string | MutableString);
  }
  if (useDense && !sparseToDense(hll)) throw INVALID_HLL;
  const maxBytes = sparseMaxBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] === 0) continue;
    if (hll.buf[4] === DENSE) {
      if (max[j] > denseGet(hll.buf, HDR_SIZE, j)) denseSet(hll.buf, HDR_SIZE, j, max[j]);
    } else {
      sparseSet(hll, j, max[j], maxBytes);
    }
  }
  invalidateCache(hll.buf);
  hll.changed();
  if (cur !== undefined) db.touched(key);
  db.notify('$', 'pfadd', key);
  return OK;
}

// ---- PFDEBUG / PFSELFTEST ----------------------------------------------------------------------

function pfdebug(c: Client, argv: string[]): Reply {
  const db = c.db;
  const sub = argv[1];
  const key = argv[2];
  const cur = db.lookupWriteRaw(key);
  if (cur === undefined) throw errorf('ERR The specified key does not exist');
  // Like Redis, every subcommand unshares the value first (it becomes "raw").
  const hll = editable(c, key, checkHll(cur));
  switch (cstr(sub).toLowerCase()) {
    case 'getreg': {
      if (hll.buf[4] === SPARSE) {
        if (!sparseToDense(hll)) throw INVALID_HLL;
        c.server.keyspace.dirty++;
      }
      const out: number[] = new Array(HLL_REGISTERS);
      for (let j = 0; j < HLL_REGISTERS; j++) out[j] = denseGet(hll.buf, HDR_SIZE, j);
      return out;
    }
    case 'decode': {
      const p = hll.buf;
      if (p[4] !== SPARSE) throw errorf('ERR HLL encoding is not sparse');
      const parts: string[] = [];
      for (let q = HDR_SIZE; q < hll.length; ) {
        const op = p[q];
        if ((op & 0xc0) === 0) {
          parts.push(`z:${(op & 0x3f) + 1}`);
          q++;
        } else if ((op & 0xc0) === 0x40) {
          parts.push(`Z:${(((op & 0x3f) << 8) | (q + 1 < hll.length ? p[q + 1] : 0)) + 1}`);
          q += 2;
        } else {
          parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
          q++;
        }
      }
      return parts.join(' ');
    }
    case 'encoding':
      return new SimpleString(hll.buf[4] === DENSE ? 'dense' : 'sparse');
    case 'todense': {
      if (hll.buf[4] !== SPARSE) return 0;
      if (!sparseToDense(hll)) throw INVALID_HLL;
      c.server.keyspace.dirty++;
      return 1;
    }
    default:
      throw errorf(`ERR Unknown PFDEBUG subcommand '${cstr(sub)}'`);
  }
}

function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * Redis's PFSELFTEST: register access on a dense array, then 10 million additions to a dense and a
 * sparse HLL checking they agree and stay within the expected error at every power of ten.
 */
function pfselftest(c: Client): Reply {
  const dense = Buffer.alloc(DENSE_SIZE + 1);
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  for (let round = 0; round < 1000; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) | 0;
      bytecounters[i] = r;
      denseSet(dense, HDR_SIZE, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, HDR_SIZE, i);
      if (val !== bytecounters[i]) throw errorf(`TESTFAILED Register ${i} should be ${bytecounters[i]} but is ${val}`);
    }
  }

  dense.fill(0);
  dense.latin1Write('HYLL', 0);
  dense[4] = DENSE;
  const denseHll = new MutableString(dense, DENSE_SIZE);
  const sparse = createHll();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const maxBytes = sparseMaxBytes(c);
  const seedHi = (Math.random() * 2 ** 32) >>> 0;
  const seedLo = (Math.random() * 2 ** 32) >>> 0;
  // The element is the 8 bytes of the uint64 j ^ seed, little endian.
  const h0 = seedHi & 0xff;
  const h1 = (seedHi >>> 8) & 0xff;
  const h2 = (seedHi >>> 16) & 0xff;
  const h3 = seedHi >>> 24;
  let checkpoint = 1;
  for (let j = 1; j <= 10_000_000; j++) {
    const lo = (j ^ seedLo) >>> 0;
    const s = String.fromCharCode(lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, h0, h1, h2, h3);
    hllAdd(denseHll, s, maxBytes);
    hllAdd(sparse, s, maxBytes);
    if (j !== checkpoint) continue;
    if (j < maxBytes / 2 && sparse.buf[4] !== SPARSE) throw errorf('TESTFAILED sparse encoding not used');
    const card = Number(hllCount(dense, DENSE_SIZE));
    if (card !== Number(hllCount(sparse.buf, sparse.length))) throw errorf('TESTFAILED dense/sparse disagree');
    const abserr = Math.abs(checkpoint - card);
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    if (abserr > maxerr) throw errorf(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
    checkpoint *= 10;
  }
  return OK;
}

// ---- table --------------------------------------------------------------------------------------

export const hyperloglogCommands: CommandDef[] = [
  { name: 'pfadd', summary: 'Adds elements to a HyperLogLog, creating it if needed.', arity: -2, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@hyperloglog', handler: pfadd },
  { name: 'pfcount', summary: 'Estimates the number of distinct elements in one HyperLogLog or the union of several.', arity: -2, flags: 'readonly may_replicate', keys: [1, -1, 1], acl: '@hyperloglog', handler: pfcount },
  { name: 'pfdebug', summary: 'Inspects or converts the internal encoding of a HyperLogLog (debugging).', arity: 3, flags: 'write denyoom admin', keys: [2, 2, 1], acl: '@hyperloglog', handler: pfdebug },
  { name: 'pfmerge', summary: 'Stores the union of several HyperLogLogs in a destination key.', arity: -2, flags: 'write denyoom', keys: [1, -1, 1], acl: '@hyperloglog', handler: pfmerge },
  { name: 'pfselftest', summary: 'Runs the internal consistency checks of the HyperLogLog implementation.', arity: 1, flags: 'admin', acl: '@hyperloglog', handler: pfselftest },
];
