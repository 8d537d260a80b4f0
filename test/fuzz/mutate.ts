// Shared pieces of the fuzzers: a seeded generator, byte-level mutations and the corpus.
import { Crc64 } from '../../src/persistence/crc64';
import corpusJson from './corpus.json';

export interface Corpus {
  /** name -> DUMP payload (hex), taken from redis-server 7.0 and its test assets (make-corpus.ts) */
  dumps: Record<string, string>;
  /** an RDB file holding every type (hex) */
  rdb: string;
  /** a multi-part AOF: manifest, RDB-preamble base and command incr file (hex) */
  aof: { manifest: string; baseName: string; base: string; incrName: string; incr: string };
}

export const corpus = corpusJson as Corpus;

/** A seeded generator (mulberry32) with the helpers the fuzzers use. */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const INTERESTING = [0x00, 0x01, 0x02, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xc0, 0xe0, 0xf0, 0xf1, 0xf4, 0xfe, 0xff];

/**
 * One to a few random edits of `b` (never in place): byte replaced (random or a boundary value of
 * the encodings), bit flipped, byte inserted or removed, a run duplicated, a 16/32-bit field
 * overwritten, or the data cut short. `keepTail` bytes at the end are left alone.
 */
export function mutate(rng: Rng, b: Buffer, keepTail = 0): Buffer {
  let out = Buffer.from(b);
  const edits = rng.chance(0.8) ? 1 : 2 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const n = out.length - keepTail;
    if (n <= 0) break;
    const at = rng.int(n);
    switch (rng.int(9)) {
      case 0:
      case 1:
        out[at] = rng.int(256);
        break;
      case 2:
        out[at] = rng.pick(INTERESTING);
        break;
      case 3:
        out[at] ^= 1 << rng.int(8);
        break;
      case 4:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([rng.int(256)]), out.subarray(at)]);
        break;
      case 5:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
        break;
      case 6: {
        const len = 1 + rng.int(Math.min(16, n - at));
        out = Buffer.concat([out.subarray(0, at + len), out.subarray(at, at + len), out.subarray(at + len)]);
        break;
      }
      case 7:
        if (at + 4 <= n) out.writeUInt32LE(rng.pick([0, 1, 0xffff, 0x7fffffff, 0xffffffff, rng.int(0x10000)]), at);
        else out[at] = rng.int(256);
        break;
      default:
        // A 64-bit field at an extreme (counters and times at 2^64-1, INT64_MIN, ...).
        if (at + 8 <= n) out.writeBigUInt64LE(rng.pick([0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 0n]), at);
        else out[at] = rng.int(256);
    }
  }
  return out;
}

/** Replaces the trailing CRC-64 of a DUMP payload with the right one for the (mutated) body. */
export function resignDump(p: Buffer): Buffer {
  if (p.length < 10) return p;
  const out = Buffer.from(p);
  new Crc64().update(out, 0, out.length - 8).toBuffer().copy(out, out.length - 8);
  return out;
}

/** A DUMP payload mutated in its body (type byte and value), kept signed. */
export function mutateDump(rng: Rng, p: Buffer): Buffer {
  // The version bytes are left alone most of the time: a wrong version is refused up front.
  const body = p.subarray(0, p.length - 10);
  const mutated = rng.chance(0.03) ? mutate(rng, p, 8) : Buffer.concat([mutate(rng, body), p.subarray(p.length - 10)]);
  return resignDump(mutated);
}

/** Printable form of binary input, for failure reports. */
export function printable(b: Buffer): string {
  return b.toString('hex');
}
