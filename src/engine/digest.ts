// DEBUG DIGEST and DIGEST-VALUE: a SHA1-based fingerprint of the dataset that is equal to the one
// redis-server computes for the same data, so tests can compare a server before and after a
// reload, or respite with Redis.
//
// The scheme (as Redis's debug.c defines it):
//   xor(d, data)  d ^= SHA1(data)                      order-independent accumulation
//   mix(d, data)  d = SHA1(d ^ SHA1(data))             order-dependent accumulation
// A key's digest starts at zero, mixes the key name, then the value type (a 4-byte big-endian
// number), then the value: strings and lists mix their elements in order; sets xor each member;
// hashes and sorted sets xor a per-element digest (mix field, mix value / mix member, mix the score
// as "%.17g"); streams mix each entry's "ms.seq" ID and its fields and values in order. A key with
// a TTL also xors "!!expire!!". The dataset digest xors every key's digest, after mixing in each
// non-empty database's number. An empty dataset digests to forty zeros.
import type { Hash } from '../datatypes/hash';
import type { ListValue } from '../datatypes/list';
import type { SetValue } from '../datatypes/set';
import { MAX_ID, MIN_ID, type StreamValue } from '../datatypes/stream';
import type { Value } from '../datatypes/value';
import type { ZSet } from '../datatypes/zset';
import type { Db } from '../keyspace/db';
import type { Keyspace } from '../keyspace/keyspace';
import { formatG } from '../resp/format';
import { nodeCrypto } from '../util/builtins';

/** Redis's OBJ_* type numbers, which enter the digest. */
const TYPE_CODE: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };
const EXPIRE_MARK = '!!expire!!';

function sha1(data: string | Buffer): Buffer {
  const h = nodeCrypto().createHash('sha1');
  if (typeof data === 'string') h.update(data, 'latin1');
  else h.update(data);
  return h.digest();
}

function xorDigest(d: Buffer, data: string | Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) d[i] ^= h[i];
}

function mixDigest(d: Buffer, data: string | Buffer): void {
  xorDigest(d, data);
  sha1(d).copy(d);
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** printf("%.17g") for any double, as the digest formats scores. */
function g17(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  return formatG(d, 17);
}

/** Pair digest of hashes and sorted sets: mix a, mix b, starting from zero. */
function pairDigest(a: string, b: string): Buffer {
  const e = Buffer.alloc(20);
  mixDigest(e, a);
  mixDigest(e, b);
  return e;
}

/** Adds a value (type, contents, expire flag) to `d`: Redis's xorObjectDigest. */
export function addValueDigest(d: Buffer, v: Value, hasExpire: boolean): void {
  const type = typeof v === 'string' ? 'string' : v.type;
  mixDigest(d, u32be(TYPE_CODE[type]));
  if (typeof v === 'string' || type === 'string') {
    mixDigest(d, String(v));
  } else if (type === 'list') {
    for (const s of v as ListValue) mixDigest(d, s);
  } else if (type === 'set') {
    (v as SetValue).forEach((m) => xorDigest(d, m));
  } else if (type === 'hash') {
    (v as Hash).forEach((f, val) => xorDigest(d, pairDigest(f, val)));
  } else if (type === 'zset') {
    (v as ZSet).forEach((m, score) => xorDigest(d, pairDigest(m, g17(score))));
  } else if (type === 'stream') {
    const s = v as StreamValue;
    const all = s.range(MIN_ID, MAX_ID, 0, false);
    for (const [id, fv] of all) {
      mixDigest(d, id.replace('-', '.'));
      for (const item of fv) mixDigest(d, item);
    }
  }
  if (hasExpire) xorDigest(d, EXPIRE_MARK);
}

function hex(d: Buffer): string {
  return d.toString('hex');
}

/** DEBUG DIGEST-VALUE for one key: forty zeros when the key is absent. Expired keys still count. */
export function valueDigest(db: Db, key: string): string {
  const d = Buffer.alloc(20);
  const v = db.dict.get(key);
  if (v !== undefined) addValueDigest(d, v, db.getExpire(key) !== -1);
  return hex(d);
}

/** DEBUG DIGEST: the whole dataset. */
export function datasetDigest(ks: Keyspace): string {
  const final = Buffer.alloc(20);
  for (const db of ks.dbs) {
    if (db.dict.size === 0) continue;
    mixDigest(final, u32be(db.id));
    db.dict.forEach((key, v) => {
      const d = Buffer.alloc(20);
      mixDigest(d, key);
      addValueDigest(d, v, db.getExpire(key) !== -1);
      xorDigest(final, d);
    });
  }
  return hex(final);
}
