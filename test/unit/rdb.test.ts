// RDB encodings and values without a server: listpack/intset encoders against hand-checked bytes,
// decoders of the older encodings Redis 7.0 still loads (ziplist, zipmap, quicklist v1, old
// ZSET, EXPIRETIME in seconds), whole-file round trips, and corrupt input never escaping as
// anything but CorruptError/RdbLoadError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListpackBuilder, buildIntset, intsetEntries, listpackEntries, ziplistEntries, zipmapEntries, CorruptError } from '../../src/persistence/encodings';
import { RdbOutput } from '../../src/persistence/rdb-writer';
import { DEFAULT_LIMITS, RdbInput } from '../../src/persistence/rdb-reader';
import { AccessInfo, RdbLoadError, RdbLoader, dumpPayload, restorePayload, verifyDumpPayload, writeHeader, writeKeyValue, writeSelectDb, writeTrailer } from '../../src/persistence/rdb-file';
import * as R from '../../src/persistence/rdb-format';
import { Hash } from '../../src/datatypes/hash';
import { ListValue } from '../../src/datatypes/list';
import { SetValue } from '../../src/datatypes/set';
import { ZSet } from '../../src/datatypes/zset';
import { Value } from '../../src/datatypes/value';

const OPTS = { compression: true, listFill: -2 };

test('listpack: every integer and string encoding round-trips', () => {
  const items = ['0', '127', '128', '-1', '4095', '-4096', '4096', '32767', '-32768', '8388607', '-8388608', '2147483647', '-2147483648', '9223372036854775807', '-9223372036854775808', '', 'a', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096), '007', '-0', '1.5'];
  const lp = new ListpackBuilder();
  for (const s of items) lp.append(s);
  const b = lp.finish();
  assert.deepEqual(listpackEntries(b), items);
  // Byte-exact small case: [1, "ab"] (as Redis's lpAppend lays it out).
  assert.equal(new ListpackBuilder().append('1').append('ab').finish().toString('hex'), '0d0000000200' + '0101' + '82616203' + 'ff');
});

test('listpack decoder rejects truncation, bad sizes, bad encodings', () => {
  const b = new ListpackBuilder().append('hello').append('12345').finish();
  for (let cut = 1; cut < b.length; cut++) assert.throws(() => listpackEntries(b.subarray(0, cut)), CorruptError);
  const bad = Buffer.from(b);
  bad[6] = 0xf5; // reserved encoding
  assert.throws(() => listpackEntries(bad), CorruptError);
  const count = Buffer.from(b);
  count.writeUInt16LE(3, 4);
  assert.throws(() => listpackEntries(count), CorruptError);
});

test('intset: smallest encoding, sorted, rejects unsorted', () => {
  assert.equal(buildIntset(['1', '2']).readUInt32LE(0), 2);
  assert.equal(buildIntset(['1', '70000']).readUInt32LE(0), 4);
  assert.equal(buildIntset(['-9223372036854775808', '1']).readUInt32LE(0), 8);
  assert.deepEqual(intsetEntries(buildIntset(['-5', '0', '5000000000'])), ['-5', '0', '5000000000']);
  const unsorted = buildIntset(['1', '2']);
  unsorted.writeInt16LE(3, 8);
  assert.throws(() => intsetEntries(unsorted), CorruptError);
});

/** A ziplist as Redis < 7.0 wrote them (strings and every integer encoding). */
function ziplist(items: (string | number | bigint)[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  for (const it of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([254]), u32le(prev)]);
    let body: Buffer;
    if (typeof it === 'string') {
      const s = Buffer.from(it, 'latin1');
      if (s.length < 64) body = Buffer.concat([Buffer.from([s.length]), s]);
      else if (s.length < 16384) body = Buffer.concat([Buffer.from([0x40 | (s.length >> 8), s.length & 0xff]), s]);
      else body = Buffer.concat([Buffer.from([0x80]), u32be(s.length), s]);
    } else {
      const v = BigInt(it);
      if (v >= 0n && v <= 12n) body = Buffer.from([0xf1 + Number(v)]);
      else if (v >= -128n && v <= 127n) body = Buffer.from([0xfe, Number(v) & 0xff]);
      else if (v >= -32768n && v <= 32767n) {
        body = Buffer.alloc(3);
        body[0] = 0xc0;
        body.writeInt16LE(Number(v), 1);
      } else if (v >= -8388608n && v <= 8388607n) {
        body = Buffer.alloc(4);
        body[0] = 0xf0;
        body.writeIntLE(Number(v), 1, 3);
      } else if (v >= -2147483648n && v <= 2147483647n) {
        body = Buffer.alloc(5);
        body[0] = 0xd0;
        body.writeInt32LE(Number(v), 1);
      } else {
        body = Buffer.alloc(9);
        body[0] = 0xe0;
        body.writeBigInt64LE(v, 1);
      }
    }
    const entry = Buffer.concat([prevlen, body]);
    parts.push(entry);
    prev = entry.length;
  }
  const entries = Buffer.concat(parts);
  const total = 10 + entries.length + 1;
  const hdr = Buffer.alloc(10);
  hdr.writeUInt32LE(total, 0);
  hdr.writeUInt32LE(10 + entries.length - prev, 4);
  hdr.writeUInt16LE(items.length, 8);
  return Buffer.concat([hdr, entries, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

test('ziplist: all entry encodings decode', () => {
  const zl = ziplist(['a', 'b'.repeat(300), 0, 12, 13, -100, 1000, -70000, 100000, 5000000000n, 'c'.repeat(20000)]);
  assert.deepEqual(ziplistEntries(zl), ['a', 'b'.repeat(300), '0', '12', '13', '-100', '1000', '-70000', '100000', '5000000000', 'c'.repeat(20000)]);
  assert.throws(() => ziplistEntries(zl.subarray(0, zl.length - 5)), CorruptError);
});

test('zipmap (Redis 2.x hashes) decodes', () => {
  // zmlen, [len key len free value] ..., 0xff
  const zm = Buffer.concat([Buffer.from([2, 1]), Buffer.from('a'), Buffer.from([2, 0]), Buffer.from('xy'), Buffer.from([1]), Buffer.from('b'), Buffer.from([1, 2]), Buffer.from('z'), Buffer.from([0, 0]), Buffer.from([0xff])]);
  assert.deepEqual(zipmapEntries(zm), ['a', 'xy', 'b', 'z']);
});

function collect(buildFile: (out: RdbOutput) => void, version = 10): Buffer {
  const chunks: Buffer[] = [];
  const out = new RdbOutput((b) => chunks.push(b), OPTS);
  out.latin1(`REDIS${String(version).padStart(4, '0')}`);
  buildFile(out);
  writeTrailer(out, (b) => chunks.push(b), true);
  return Buffer.concat(chunks);
}

function loadAll(file: Buffer): Map<string, { val: Value; exp: number; access: AccessInfo; db: number }> {
  const keys = new Map<string, { val: Value; exp: number; access: AccessInfo; db: number }>();
  const loader = new RdbLoader(
    file,
    {
      key: (db, key, val, exp, access) => {
        if (keys.has(key)) return false;
        keys.set(key, { val, exp, access: { ...access }, db });
        return true;
      },
      functionLibrary: () => {},
    },
    DEFAULT_LIMITS,
    true,
  );
  assert.equal(loader.step(), true);
  return keys;
}

test('loads the older value types: ziplist/zipmap/quicklist v1 encodings, old ZSET, EXPIRETIME seconds, IDLE/FREQ', () => {
  const file = collect((out) => {
    out.u8(R.OP_SELECTDB);
    out.len(2);
    out.u8(R.OP_EXPIRETIME);
    out.u32le(2000000000);
    out.u8(R.T_LIST);
    out.string('oldlist');
    out.len(2);
    out.string('a');
    out.string('1');
    out.u8(R.T_LIST_ZIPLIST);
    out.string('zllist');
    out.blob(ziplist(['x', 5, 'y']));
    out.u8(R.OP_IDLE);
    out.len(100);
    out.u8(R.T_LIST_QUICKLIST);
    out.string('qlv1');
    out.len(2);
    out.blob(ziplist(['n1', 'n2']));
    out.blob(ziplist(['n3']));
    out.u8(R.OP_FREQ);
    out.u8(7);
    out.u8(R.T_HASH_ZIPLIST);
    out.string('zlhash');
    out.blob(ziplist(['f', 'v', 'g', 42]));
    out.u8(R.T_HASH_ZIPMAP);
    out.string('zmhash');
    out.blob(Buffer.concat([Buffer.from([1, 1]), Buffer.from('k'), Buffer.from([1, 0]), Buffer.from('v'), Buffer.from([0xff])]));
    out.u8(R.T_ZSET_ZIPLIST);
    out.string('zlzset');
    out.blob(ziplist(['m1', '1.5', 'm2', 3]));
    out.u8(R.T_ZSET);
    out.string('oldzset');
    out.len(3);
    out.string('a');
    out.u8(3);
    out.latin1('2.5');
    out.string('b');
    out.u8(254);
    out.string('c');
    out.u8(255);
    out.u8(R.T_SET_INTSET);
    out.string('is');
    out.blob(buildIntset(['1', '2', '3']));
  }, 9);
  const k = loadAll(file);
  assert.equal(k.get('oldlist')!.exp, 2000000000000);
  assert.equal(k.get('oldlist')!.db, 2);
  assert.deepEqual((k.get('oldlist')!.val as ListValue).toArray(), ['a', '1']);
  assert.deepEqual((k.get('zllist')!.val as ListValue).toArray(), ['x', '5', 'y']);
  assert.deepEqual((k.get('qlv1')!.val as ListValue).toArray(), ['n1', 'n2', 'n3']);
  assert.equal(k.get('qlv1')!.access.idle, 100);
  assert.equal(k.get('zlhash')!.access.freq, 7);
  const h = k.get('zlhash')!.val as Hash;
  assert.equal(h.get('g'), '42');
  assert.equal((k.get('zmhash')!.val as Hash).get('k'), 'v');
  const z = k.get('zlzset')!.val as ZSet;
  assert.equal(z.score('m1'), 1.5);
  assert.equal(z.score('m2'), 3);
  const oz = k.get('oldzset')!.val as ZSet;
  assert.equal(oz.score('b'), Infinity);
  assert.equal(oz.score('c'), -Infinity);
  assert.equal((k.get('is')!.val as SetValue).encoding, 'intset');
});

test('a file written by the writer loads back equal; checksum and signature are verified', () => {
  const list = ListValue.from(Array.from({ length: 5000 }, (_, i) => `item-${i}`));
  const set = new SetValue(false);
  for (let i = 0; i < 100; i++) set.add(`s${i}`, 512);
  const chunks: Buffer[] = [];
  const out = new RdbOutput((b) => chunks.push(b), OPTS);
  writeHeader(out, false, 0, Date.now());
  writeSelectDb(out, 0, 2, 1);
  writeKeyValue(out, 'list', list, 4102444800000, null);
  writeKeyValue(out, 'set', set, -1, null);
  writeTrailer(out, (b) => chunks.push(b), true);
  const file = Buffer.concat(chunks);
  const k = loadAll(file);
  assert.deepEqual((k.get('list')!.val as ListValue).toArray(), list.toArray());
  assert.equal(k.get('list')!.exp, 4102444800000);
  assert.deepEqual((k.get('set')!.val as SetValue).toArray().sort(), set.toArray().sort());
  const corrupt = Buffer.from(file);
  corrupt[corrupt.length - 20] ^= 0xff;
  assert.throws(() => loadAll(corrupt), RdbLoadError);
  assert.throws(() => loadAll(Buffer.from('RDBXX0010')), RdbLoadError);
  assert.throws(() => loadAll(Buffer.from('REDIS0011')), /Can't handle RDB format version 0011/);
  for (const cut of [10, 100, file.length - 9]) assert.throws(() => loadAll(file.subarray(0, cut)), RdbLoadError);
});

test('restorePayload: random corruption only ever yields CorruptError or a value (never a crash)', () => {
  const h = new Hash();
  for (let i = 0; i < 10; i++) h.set(`f${i}`, `v${i}`, { entries: 128, value: 64 });
  const z = new ZSet();
  for (let i = 0; i < 10; i++) z.set(`m${i}`, i / 3, { maxEntries: 128, maxValue: 64 });
  const samples: Value[] = ['plain', 'x'.repeat(300), ListValue.from(['a', 'b', '3']), h, z, SetValue.for('1')];
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8) / 0x800000;
  let errors = 0;
  for (const v of samples) {
    const good = dumpPayload(v, OPTS);
    assert.equal(verifyDumpPayload(good), true);
    for (let n = 0; n < 300; n++) {
      const p = Buffer.from(good);
      const flips = 1 + Math.floor(rnd() * 3);
      for (let f = 0; f < flips; f++) p[Math.floor(rnd() * (p.length - 10))] = Math.floor(rnd() * 256);
      try {
        restorePayload(p, DEFAULT_LIMITS);
      } catch (e) {
        if (!(e instanceof CorruptError)) throw e;
        errors++;
      }
    }
  }
  assert.ok(errors > 0);
});

test('RdbInput lengths: 6/14/32/64-bit prefixes and integer-encoded strings', () => {
  const chunks: Buffer[] = [];
  const out = new RdbOutput((b) => chunks.push(b), OPTS);
  for (const n of [0, 63, 64, 16383, 16384, 0xffffffff, 2 ** 40]) out.len(n);
  for (const s of ['-128', '127', '-32768', '32767', '-2147483648', '2147483647', '2147483648', '12345678901', '0', '-0', '01']) out.string(s);
  out.end();
  const inp = new RdbInput(Buffer.concat(chunks));
  for (const n of [0, 63, 64, 16383, 16384, 0xffffffff, 2 ** 40]) assert.equal(inp.len(), n);
  for (const s of ['-128', '127', '-32768', '32767', '-2147483648', '2147483647', '2147483648', '12345678901', '0', '-0', '01']) assert.equal(inp.string(), s);
  assert.equal(inp.remaining, 0);
});
