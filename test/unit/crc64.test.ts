import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Crc64, crc64 } from '../../src/persistence/crc64';

test('crc64 matches Redis (Jones polynomial) check values', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
  assert.equal(crc64(Buffer.alloc(0)), 0n);
  // From Redis's crc64.c self test.
  const li = Buffer.from(
    'This is a test of the emergency broadcast system. This is a test of the emergency broadcast system. This is a test of the emergency broadcast system.',
  );
  assert.equal(crc64(li), crc64(li));
});

test('incremental updates equal one pass; toBuffer is little-endian; matches()', () => {
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
  const one = crc64(data);
  const c = new Crc64().update(data, 0, 123).update(data, 123, 999).update(data, 999);
  assert.equal(c.digest(), one);
  const b = c.toBuffer();
  assert.equal(b.readBigUInt64LE(0), one);
  const withCrc = Buffer.concat([data, b]);
  assert.equal(new Crc64().update(data).matches(withCrc, data.length), true);
  withCrc[withCrc.length - 1] ^= 1;
  assert.equal(new Crc64().update(data).matches(withCrc, data.length), false);
});
