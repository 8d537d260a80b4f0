// Values kept unchecked (sanitize-dump-payload no): when the packed contents of a listpack-based
// value or a stream do not decode, Redis 7.0 still accepts the payload if its framing passes the
// shallow checks it makes without deep sanitization (each listpack's header and end byte, stream
// node keys, consumer groups and PEL references). We walk the same framing here; a payload that
// passes is kept as raw bytes (datatypes/unsanitized.ts) instead of being refused.
// Ziplist, zipmap and intset types are not concerned: Redis 7.0 converts ziplists on load, which
// always validates them deeply, and our intset decoding checks no more than its shallow check.
import { Hash } from '../datatypes/hash';
import { ListValue } from '../datatypes/list';
import { StreamValue } from '../datatypes/stream';
import type { Collection, CollectionType } from '../datatypes/value';
import { unsanitizedValue } from '../datatypes/unsanitized';
import { ZSet } from '../datatypes/zset';
import type { RdbInput } from './rdb-reader';
import * as R from './rdb-format';

const KINDS: ReadonlyMap<number, { proto: object; type: CollectionType; encoding: string }> = new Map([
  [R.T_HASH_LISTPACK, { proto: Hash.prototype, type: 'hash', encoding: 'listpack' }],
  [R.T_ZSET_LISTPACK, { proto: ZSet.prototype, type: 'zset', encoding: 'listpack' }],
  [R.T_LIST_QUICKLIST_2, { proto: ListValue.prototype, type: 'list', encoding: 'quicklist' }],
  [R.T_STREAM_LISTPACKS, { proto: StreamValue.prototype, type: 'stream', encoding: 'stream' }],
  [R.T_STREAM_LISTPACKS_2, { proto: StreamValue.prototype, type: 'stream', encoding: 'stream' }],
] as const);

/** Types whose contents may be kept unchecked. */
export function mayKeepUnchecked(type: number): boolean {
  return KINDS.has(type);
}

/**
 * Reads the framing of a value of `type` starting at inp.pos (just after the type byte), with
 * Redis's shallow checks only. Returns the value kept as raw bytes, or null when even the framing
 * is unsound (the payload is then refused as before).
 */
export function keepUnchecked(inp: RdbInput, type: number, reason: string): Collection | null {
  const kind = KINDS.get(type);
  if (kind === undefined) return null;
  const start = inp.pos;
  let sound: boolean;
  try {
    sound = type === R.T_STREAM_LISTPACKS || type === R.T_STREAM_LISTPACKS_2 ? streamFraming(inp, type) : packedFraming(inp, type);
  } catch {
    sound = false;
  }
  if (!sound) return null;
  const body = Buffer.from(inp.buf.subarray(start, inp.pos));
  return unsanitizedValue(kind.proto, kind.type, kind.encoding, { rdbType: type, body, reason });
}

/** lpValidateIntegrity without deep: the header's byte count and the end marker. */
function listpackHeaderSound(b: Buffer): boolean {
  return b.length >= 7 && b.readUInt32LE(0) === b.length && b[b.length - 1] === 0xff;
}

function listpackEmpty(b: Buffer): boolean {
  return b[6] === 0xff;
}

function packedFraming(inp: RdbInput, type: number): boolean {
  if (type !== R.T_LIST_QUICKLIST_2) {
    const blob = inp.stringBuf();
    return listpackHeaderSound(blob) && !listpackEmpty(blob);
  }
  const nodes = inp.len();
  if (nodes === 0) return false;
  let elements = false;
  for (let i = 0; i < nodes; i++) {
    const container = inp.len();
    const blob = inp.stringBuf();
    if (blob.length === 0) return false;
    if (container === R.QL_PLAIN) {
      elements = true;
      continue;
    }
    if (container !== R.QL_PACKED || !listpackHeaderSound(blob)) return false;
    if (!listpackEmpty(blob)) elements = true;
  }
  return elements;
}

/** A length of up to 64 bits (stream IDs and counters use them all). */
function skipLen(inp: RdbInput): void {
  const c = inp.u8();
  const kind = c >> 6;
  if (kind === 1) inp.bytes(1);
  else if (c === R.LEN_32) inp.bytes(4);
  else if (c === R.LEN_64) inp.bytes(8);
  else if (kind !== 0) throw new RangeError('bad length encoding');
}

function streamFraming(inp: RdbInput, type: number): boolean {
  const v2 = type === R.T_STREAM_LISTPACKS_2;
  const nodes = inp.len();
  const nodeKeys = new Set<string>();
  for (let i = 0; i < nodes; i++) {
    const key = inp.stringBuf();
    if (key.length !== 16) return false;
    const lp = inp.stringBuf();
    if (!listpackHeaderSound(lp) || listpackEmpty(lp)) return false;
    const k = key.toString('hex');
    if (nodeKeys.has(k)) return false; // "Listpack re-added with existing key"
    nodeKeys.add(k);
  }
  const length = inp.len();
  if (length !== 0 && nodes === 0) return false;
  for (let i = 0; i < (v2 ? 7 : 2); i++) skipLen(inp); // last ID, then first ID, max deleted ID, entries added
  const groups = inp.len();
  const names = new Set<string>();
  for (let g = 0; g < groups; g++) {
    const name = inp.stringBuf().toString('latin1');
    if (names.has(name)) return false;
    names.add(name);
    for (let i = 0; i < (v2 ? 3 : 2); i++) skipLen(inp); // last delivered ID, entries read
    const pel = new Set<string>();
    const pelSize = inp.len();
    for (let i = 0; i < pelSize; i++) {
      const id = inp.bytes(16).toString('hex');
      if (pel.has(id)) return false;
      pel.add(id);
      inp.bytes(8); // delivery time
      skipLen(inp); // delivery count
    }
    const consumers = inp.len();
    const cnames = new Set<string>();
    for (let c = 0; c < consumers; c++) {
      const cname = inp.stringBuf().toString('latin1');
      if (cnames.has(cname)) return false;
      cnames.add(cname);
      inp.bytes(8); // seen time
      const n = inp.len();
      const own = new Set<string>();
      for (let i = 0; i < n; i++) {
        const id = inp.bytes(16).toString('hex');
        if (!pel.has(id) || own.has(id)) return false;
        own.add(id);
      }
    }
  }
  return true;
}
