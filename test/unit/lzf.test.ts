import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lzfCompress, lzfDecompress, lzfReleaseTable } from '../../src/persistence/lzf';

function roundtrip(input: Buffer): void {
  const packed = lzfCompress(input, input.length + 64);
  assert.ok(packed !== null, 'compressible within a generous bound');
  assert.deepEqual(lzfDecompress(packed, input.length), input);
}

test('round trips: repetitive, random, long matches, binary', () => {
  roundtrip(Buffer.from('a'.repeat(1000)));
  roundtrip(Buffer.from('abcabcabcabcabcabcabcabcabcabcabcabc'));
  roundtrip(Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff)));
  roundtrip(Buffer.from(Array.from({ length: 70000 }, (_, i) => (i % 300 < 150 ? 65 : i & 0xff))));
  let seed = 42;
  const rnd = Buffer.from(Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
  roundtrip(rnd);
  roundtrip(Buffer.concat([rnd, rnd, rnd]));
});

test('returns null when the output would not be smaller (Redis then stores raw)', () => {
  let seed = 7;
  const rnd = Buffer.from(Array.from({ length: 100 }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff));
  assert.equal(lzfCompress(rnd), null);
  assert.equal(lzfCompress(Buffer.from('a')), null);
});

test('compresses exactly like Redis: 1000 x "a" gives the bytes redis-server writes', () => {
  // DUMP of SET k aaaa...(1000) on redis-server 7.0 holds these 18 LZF bytes.
  const out = lzfCompress(Buffer.from('a'.repeat(1000)))!;
  assert.equal(out.toString('hex'), '016161e0ff00e0ff00e0ff00e0c300016161');
  assert.deepEqual(lzfDecompress(out, 1000), Buffer.from('a'.repeat(1000)));
});

test('corrupt input throws instead of reading out of bounds', () => {
  assert.throws(() => lzfDecompress(Buffer.from([0x05, 0x61]), 6));
  assert.throws(() => lzfDecompress(Buffer.from([0x20, 0x10]), 10));
  assert.throws(() => lzfDecompress(Buffer.from([0x00, 0x61, 0xe0]), 20));
  assert.throws(() => lzfDecompress(Buffer.from([0x01, 0x61, 0x61]), 3));
});

test('entries left in the hash table by earlier inputs never change the output', () => {
  let seed = 3;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const inputs: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const buf = Buffer.alloc(2 + Math.floor(rnd() * 2000));
    const alphabet = 1 + Math.floor(rnd() * 20);
    for (let j = 0; j < buf.length; j++) buf[j] = 97 + Math.floor(rnd() * alphabet);
    inputs.push(buf);
  }
  const sequential = inputs.map((b) => lzfCompress(b));
  const fresh = inputs.map((b) => {
    lzfReleaseTable(); // a clean table, as Redis compresses
    return lzfCompress(b);
  });
  assert.deepEqual(sequential, fresh);
});
