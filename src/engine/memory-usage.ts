// MEMORY USAGE: an estimate of the bytes one key costs in respite's own heap (V8), computed the
// way Redis computes its figure: the fixed parts exactly, and for collections the average of a
// sample of elements (SAMPLES, default 5, 0 = every element) times the element count.
//
// The byte costs model V8 on 64-bit with pointer compression off (Node's default): a one-byte
// string is a 16-byte header plus its characters, rounded up to 8; an array slot is 8 bytes; a
// small object is a 24-byte header plus 8 per field. They are estimates of layout, not
// measurements (Node cannot measure one object), but they grow with the data as the heap does.
import type { Hash } from '../datatypes/hash';
import type { ListValue } from '../datatypes/list';
import type { SetValue } from '../datatypes/set';
import type { StreamValue } from '../datatypes/stream';
import { MAX_ID, MIN_ID } from '../datatypes/stream';
import type { Value } from '../datatypes/value';
import type { ZSet } from '../datatypes/zset';

export const DEFAULT_SAMPLES = 5;

const SLOT = 8;
const OBJECT_HEADER = 24;
/** One Dict entry: key, value, sequence and access slots plus two index words (at 50% load). */
const DICT_ENTRY = 4 * SLOT + 4 * SLOT;
/** Fixed part of a collection object (class instance and its small arrays). */
const COLLECTION_BASE = 64;
/** A compact collection: its object (one or two fields) around one packed string. */
const PACKED_BASE = OBJECT_HEADER + 2 * SLOT;

/** Heap bytes of a latin1 string of this length. */
export function stringBytes(len: number): number {
  return (16 + len + 7) & ~7;
}

/** Average of `cost` over the first `samples` items of `each`, times `total`. */
function sampled(total: number, samples: number, each: (visit: (cost: number) => boolean) => void): number {
  if (total === 0) return 0;
  let n = 0;
  let sum = 0;
  each((cost) => {
    sum += cost;
    n++;
    return n < samples;
  });
  return n === 0 ? 0 : Math.round((sum / n) * total);
}

/** Bytes of the value alone (objectComputeSize). */
export function valueBytes(v: Value, samples: number): number {
  if (typeof v === 'string') return stringBytes(v.length);
  switch (v.type) {
    case 'string':
      return COLLECTION_BASE + String(v).length;
    case 'list': {
      const l = v as ListValue;
      const packed = l.packed();
      if (packed !== null) return PACKED_BASE + stringBytes(packed.length);
      // Ring buffer of a power-of-two capacity, plus the element strings.
      let cap = 8;
      while (cap < l.size) cap *= 2;
      return (
        COLLECTION_BASE +
        cap * SLOT +
        sampled(l.size, samples, (visit) => {
          for (const s of l) if (!visit(stringBytes(s.length))) break;
        })
      );
    }
    case 'set': {
      const s = v as SetValue;
      const packed = s.packed();
      if (packed !== null) return PACKED_BASE + stringBytes(packed.length);
      return COLLECTION_BASE + sampled(s.size, samples, (visit) => s.scan(0, Math.min(samples, s.size), (m) => visit(DICT_ENTRY + stringBytes(m.length))));
    }
    case 'hash': {
      const h = v as Hash;
      const packed = h.packed();
      if (packed !== null) return PACKED_BASE + stringBytes(packed.length);
      return (
        COLLECTION_BASE +
        sampled(h.size, samples, (visit) => h.scan(0, Math.min(samples, h.size), (f, val) => visit(DICT_ENTRY + stringBytes(f.length) + stringBytes(val.length))))
      );
    }
    case 'zset': {
      const z = v as ZSet;
      const packed = z.packed();
      if (packed !== null) return PACKED_BASE + stringBytes(packed.length);
      // The skiplist's records and per-node arrays are counted whole (datatypes/skiplist.ts),
      // the member strings and their dict entries by sample.
      return (
        COLLECTION_BASE +
        z.skiplistBytes() +
        sampled(z.size, samples, (visit) => z.walkRank(0, false, (m) => visit(DICT_ENTRY + stringBytes(m.length))))
      );
    }
    case 'stream': {
      const st = v as StreamValue;
      // Entries: ID (two numbers) and field/value strings; groups add their PEL entries.
      const entries = st.range(MIN_ID, MAX_ID, samples === Infinity ? 0 : samples, false);
      let sum = 0;
      for (const [, fv] of entries) {
        sum += 2 * SLOT + SLOT;
        for (const item of fv) sum += SLOT + stringBytes(item.length);
      }
      const avg = entries.length === 0 ? 0 : sum / entries.length;
      let groups = 0;
      for (const [name, g] of st.sortedGroups()) {
        groups += OBJECT_HEADER + stringBytes(name.length) + g.pel.size * (OBJECT_HEADER + 4 * SLOT);
      }
      return COLLECTION_BASE + st.nodeCount * OBJECT_HEADER + Math.round(avg * st.size) + groups;
    }
  }
  return COLLECTION_BASE;
}

/** MEMORY USAGE: value, key name and the keyspace entry holding them. */
export function keyBytes(key: string, v: Value, samples: number): number {
  return valueBytes(v, samples) + stringBytes(key.length) + DICT_ENTRY;
}
