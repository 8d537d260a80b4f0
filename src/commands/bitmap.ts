// Bitmap commands (Redis's bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
// Bitmaps are plain string values. Commands that write bits keep the value as a MutableString
// (a Buffer edited in place) so a million SETBITs on one key cost O(1) each; every other command
// sees the same bytes as an ordinary string (the Db hands out the MutableString's text).
import { keywordOf } from './args';
import { constants as bufferConstants } from 'node:buffer';
import type { Client } from '../engine/client';
import { NOT_INTEGER, SYNTAX, WRONGTYPE, errorf } from '../errors';
import {
  Overflow,
  bitpos as findBit,
  checkSignedOverflow,
  checkUnsignedOverflow,
  getSignedBitfield,
  getUnsignedBitfield,
  popcount,
  setBitfield,
} from '../datatypes/bits';
import { MutableString } from '../datatypes/mutable-string';
import { Value } from '../datatypes/value';
import { parseIntStrict } from '../resp/format';
import { Reply } from '../resp/reply';
import { countGrowth } from '../keyspace/eviction';
import { CommandDef } from './registry';

const BIT_OFFSET_ERR = errorf('ERR bit offset is not an integer or out of range');
const BIT_VALUE_ERR = errorf('ERR bit is not an integer or out of range');
const BIT_ARG_ERR = errorf('ERR The bit argument must be 1 or 0.');
const BITOP_NOT_ERR = errorf('ERR BITOP NOT must be called with a single source key.');
const BITFIELD_TYPE_ERR = errorf('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
const OVERFLOW_TYPE_ERR = errorf('ERR Invalid OVERFLOW type specified');
const BITFIELD_RO_ERR = errorf('ERR BITFIELD_RO only supports the GET subcommand');
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

// ---- helpers ------------------------------------------------------------------------------------

/** A string value in either representation, or throws WRONGTYPE. */
function asBits(v: Value): string | MutableString {
  if (typeof v === 'string' || v instanceof MutableString) return v;
  throw WRONGTYPE;
}

/** The bytes of a string value (a copy for a plain string, a view for a MutableString). */
function bytesOf(v: string | MutableString): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v.bytes();
}

function intReply(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * Redis's getBitOffsetFromArgument: a bit offset below proto-max-bulk-len bytes. With `bits`
 * (BITFIELD), "#N" means N * bits, multiplied with int64 wraparound as in C.
 */
function bitOffset(c: Client, arg: string, bits = 0): number {
  const hash = bits > 0 && arg.charCodeAt(0) === 35; // '#'
  const v = parseIntStrict(hash ? arg.slice(1) : arg);
  if (v === null) throw BIT_OFFSET_ERR;
  let off: number | bigint = v;
  if (hash) {
    const product = Number(v) * bits;
    off = Number.isSafeInteger(product) ? product : BigInt.asIntN(64, BigInt(v) * BigInt(bits));
  }
  // Bytes beyond 2^53 bits are far past any proto-max-bulk-len: the comparisons stay exact.
  if (off < 0 || Math.floor(Number(off) / 8) >= c.server.protoMaxBulkLen) throw BIT_OFFSET_ERR;
  return Number(off);
}

interface Writable {
  bits: MutableString;
  /** The key was created or grown: a write happened even if no bit changes. */
  dirty: boolean;
  /** The key was created (db.add already signalled the modification). */
  created: boolean;
}

/**
 * Redis's lookupStringForBitCommand: the string at argv[1] as a MutableString, created or
 * zero-padded so that bit `maxbit` exists.
 */
function writableBits(c: Client, key: string, maxbit: number): Writable {
  const len = Math.floor(maxbit / 8) + 1;
  // V8 cannot hold a string this long (24 bytes short of 512 MB): refuse rather than fail later.
  if (len > MAX_STRING_LENGTH) throw BIT_OFFSET_ERR;
  const db = c.db;
  const cur = db.lookupWriteRaw(key);
  if (cur === undefined) {
    const bits = MutableString.fromBuffer(Buffer.alloc(len));
    db.add(key, bits);
    countGrowth(c.server, len);
    return { bits, dirty: true, created: true };
  }
  const v = asBits(cur);
  let bits: MutableString;
  if (typeof v === 'string') {
    bits = MutableString.fromString(v);
    db.swap(key, bits);
  } else {
    bits = v;
  }
  const grow = len > bits.length;
  if (grow) {
    countGrowth(c.server, len - bits.length);
    bits.resize(len);
  }
  return { bits, dirty: grow, created: false };
}

/** After a write: WATCH/tracking signal (unless db.add gave it), event and dirty count. */
function written(c: Client, key: string, w: Writable, changes: number): void {
  if (!w.created) c.db.touched(key);
  c.db.notify('$', 'setbit', key, changes);
}

// ---- SETBIT / GETBIT ------------------------------------------------------------------------------

function setbit(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const offset = bitOffset(c, argv[2]);
  const on = parseIntStrict(argv[3]);
  if (on !== 0 && on !== 1) throw BIT_VALUE_ERR;
  const w = writableBits(c, key, offset);
  const p = w.bits.buf;
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset % 8);
  const old = (p[byte] >> shift) & 1;
  if (w.dirty || old !== on) {
    p[byte] = (p[byte] & ~(1 << shift)) | (on << shift);
    w.bits.changed();
    written(c, key, w, 1);
  }
  return old;
}

function getbit(c: Client, argv: string[]): Reply {
  const offset = bitOffset(c, argv[2]);
  const cur = c.db.lookupReadRaw(argv[1]);
  if (cur === undefined) return 0;
  const v = asBits(cur);
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset % 8);
  if (typeof v === 'string') return byte < v.length ? (v.charCodeAt(byte) >> shift) & 1 : 0;
  return byte < v.length ? (v.buf[byte] >> shift) & 1 : 0;
}

// ---- BITCOUNT / BITPOS ------------------------------------------------------------------------------

/** A range bound as a number: int64 values past 2^53 only matter by their sign once clamped. */
function bound(v: number | bigint): number {
  if (typeof v === 'number') return v;
  return v < 0n ? -(2 ** 62) : 2 ** 62;
}

function int64(arg: string): number | bigint {
  const v = parseIntStrict(arg);
  if (v === null) throw NOT_INTEGER;
  return v;
}

/** BIT or BYTE (true for BIT); anything else is a syntax error. */
function unitIsBit(arg: string): boolean {
  const k = keywordOf(arg);
  if (k === 'BIT') return true;
  if (k === 'BYTE') return false;
  throw SYNTAX;
}

/** Masks of the bits outside a BIT range in its first and last byte (Redis's neg masks). */
function edgeMasks(start: number, end: number): [number, number] {
  return [~((1 << (8 - (start & 7))) - 1) & 0xff, (1 << (7 - (end & 7))) - 1];
}

/**
 * BITCOUNT/BITPOS ranges as Redis reads them: negative indexes count from the end, then clamp to
 * the value; a BIT range becomes its bytes plus masks for the bits outside it at both edges.
 */
function byteRange(start: number, end: number, strlen: number, isBit: boolean): { start: number; end: number; firstMask: number; lastMask: number } {
  const totlen = isBit ? strlen * 8 : strlen;
  if (start < 0) start += totlen;
  if (end < 0) end += totlen;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= totlen) end = totlen - 1;
  if (!isBit || start > end) return { start, end, firstMask: 0, lastMask: 0 };
  const [firstMask, lastMask] = edgeMasks(start, end);
  return { start: Math.floor(start / 8), end: Math.floor(end / 8), firstMask, lastMask };
}

function bitcount(c: Client, argv: string[]): Reply {
  const cur = c.db.lookupReadRaw(argv[1]);
  if (cur === undefined) return 0;
  const v = asBits(cur);
  const strlen = v.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    const s = int64(argv[2]);
    const e = int64(argv[3]);
    if (s < 0 && e < 0 && s > e) return 0;
    const isBit = argv.length === 5 && unitIsBit(argv[4]);
    ({ start, end, firstMask, lastMask } = byteRange(bound(s), bound(e), strlen, isBit));
  } else if (argv.length === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    throw SYNTAX;
  }
  if (start > end) return 0;
  const p = typeof v === 'string' ? Buffer.from(v, 'latin1') : v.buf;
  let count = popcount(p, start, end + 1);
  if (firstMask !== 0) count -= popcount(Uint8Array.of(p[start] & firstMask), 0, 1);
  if (lastMask !== 0) count -= popcount(Uint8Array.of(p[end] & lastMask), 0, 1);
  return count;
}

function bitpos(c: Client, argv: string[]): Reply {
  const b = int64(argv[2]);
  if (b !== 0 && b !== 1) throw BIT_ARG_ERR;
  const bit: 0 | 1 = b;
  const cur = c.db.lookupReadRaw(argv[1]);
  if (cur === undefined) return bit ? -1 : 0;
  const v = asBits(cur);
  const strlen = v.length;
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length >= 4 && argv.length <= 6) {
    const from = bound(int64(argv[3]));
    const isBit = argv.length === 6 && unitIsBit(argv[5]);
    endGiven = argv.length >= 5;
    // Without an end the range runs to the last byte (no unit can be given then).
    const to = endGiven ? bound(int64(argv[4])) : strlen - 1;
    ({ start, end, firstMask, lastMask } = byteRange(from, to, strlen, isBit));
  } else if (argv.length === 3) {
    start = 0;
    end = strlen - 1;
  } else {
    throw SYNTAX;
  }
  if (start > end) return -1;
  const p = typeof v === 'string' ? Buffer.from(v, 'latin1') : v.buf;
  let bytes = end - start + 1;
  let pos = -1;
  // Redis scans the masked first byte, the middle bytes, then the masked last byte.
  search: {
    if (firstMask !== 0) {
      let ch = bit ? p[start] & ~firstMask : p[start] | firstMask;
      if (lastMask !== 0 && bytes === 1) ch = bit ? ch & ~lastMask : ch | lastMask;
      pos = findBit(Uint8Array.of(ch & 0xff), 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break search;
      start++;
      bytes--;
    }
    const middle = bytes - (lastMask !== 0 ? 1 : 0);
    if (middle > 0) {
      pos = findBit(p, start, middle, bit);
      if (bytes === middle || (pos !== -1 && pos !== middle * 8)) break search;
      start += middle;
      bytes -= middle;
    }
    const ch = bit ? p[end] & ~lastMask : p[end] | lastMask;
    pos = findBit(Uint8Array.of(ch & 0xff), 0, 1, bit);
  }
  // With an explicit end, running past it looking for a 0 means there is none in the range.
  if (endGiven && bit === 0 && pos === bytes * 8) return -1;
  return pos === -1 ? -1 : pos + start * 8;
}

// ---- BITOP ------------------------------------------------------------------------------------------

const AND = 0;
const OR = 1;
const XOR = 2;
const NOT = 3;

function bitop(c: Client, argv: string[]): Reply {
  const opname = keywordOf(argv[1]);
  const op = opname === 'AND' ? AND : opname === 'OR' ? OR : opname === 'XOR' ? XOR : opname === 'NOT' ? NOT : -1;
  if (op < 0) throw SYNTAX;
  if (op === NOT && argv.length !== 4) throw BITOP_NOT_ERR;
  const db = c.db;
  const target = argv[2];
  const n = argv.length - 3;
  const srcs: Uint8Array[] = new Array(n);
  let maxlen = 0;
  for (let j = 0; j < n; j++) {
    const cur = db.lookupReadRaw(argv[j + 3]);
    srcs[j] = cur === undefined ? EMPTY : bytesOf(asBits(cur));
    if (srcs[j].length > maxlen) maxlen = srcs[j].length;
  }
  if (maxlen > 0) {
    const res = Buffer.alloc(maxlen + 1);
    combine(op, srcs, res, maxlen);
    if (db.expires.size !== 0) db.expireIfNeeded(target);
    db.setKey(target, new MutableString(res, maxlen));
    db.notify('$', 'set', target);
  } else if (db.delete(target)) {
    db.notify('g', 'del', target);
  }
  return maxlen;
}

const EMPTY = new Uint8Array(0);

/** Writes op(srcs) into res[0..maxlen); shorter sources read as zero bytes. */
function combine(op: number, srcs: Uint8Array[], res: Uint8Array, maxlen: number): void {
  const first = srcs[0];
  if (op === NOT) {
    for (let j = 0; j < maxlen; j++) res[j] = ~first[j] & 0xff;
    return;
  }
  res.set(first);
  for (let i = 1; i < srcs.length; i++) {
    const s = srcs[i];
    const n = s.length;
    if (op === AND) {
      for (let j = 0; j < n; j++) res[j] &= s[j];
      res.fill(0, n, maxlen);
    } else if (op === OR) {
      for (let j = 0; j < n; j++) res[j] |= s[j];
    } else {
      for (let j = 0; j < n; j++) res[j] ^= s[j];
    }
  }
}

// ---- BITFIELD -----------------------------------------------------------------------------------------

const GET = 0;
const SET = 1;
const INCRBY = 2;

interface FieldOp {
  offset: number;
  /** SET value or INCRBY increment (int64). */
  value: bigint;
  opcode: number;
  overflow: Overflow;
  bits: number;
  signed: boolean;
}

/** Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63. */
function fieldType(arg: string): { signed: boolean; bits: number } {
  const sign = arg.charCodeAt(0);
  if (sign !== 105 && sign !== 117) throw BITFIELD_TYPE_ERR; // 'i' | 'u'
  const signed = sign === 105;
  const nul = arg.indexOf('\0');
  const bits = parseIntStrict(arg.slice(1, nul < 0 ? arg.length : nul));
  if (bits === null || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) throw BITFIELD_TYPE_ERR;
  return { signed, bits: Number(bits) };
}

function bitfieldGeneric(c: Client, argv: string[], readonlyCommand: boolean): Reply {
  const ops: FieldOp[] = [];
  let overflow = Overflow.Wrap;
  let readonly = true;
  let highestWrite = 0;
  for (let j = 2; j < argv.length; j++) {
    const remargs = argv.length - j - 1;
    const sub = keywordOf(argv[j]);
    let opcode: number;
    if (sub === 'GET' && remargs >= 2) opcode = GET;
    else if (sub === 'SET' && remargs >= 3) opcode = SET;
    else if (sub === 'INCRBY' && remargs >= 3) opcode = INCRBY;
    else if (sub === 'OVERFLOW' && remargs >= 1) {
      const t = keywordOf(argv[++j]);
      if (t === 'WRAP') overflow = Overflow.Wrap;
      else if (t === 'SAT') overflow = Overflow.Sat;
      else if (t === 'FAIL') overflow = Overflow.Fail;
      else throw OVERFLOW_TYPE_ERR;
      continue;
    } else throw SYNTAX;
    const { signed, bits } = fieldType(argv[j + 1]);
    const offset = bitOffset(c, argv[j + 2], bits);
    let value = 0n;
    if (opcode !== GET) {
      readonly = false;
      if (highestWrite < offset + bits - 1) highestWrite = offset + bits - 1;
      value = BigInt(int64(argv[j + 3]));
    }
    ops.push({ offset, value, opcode, overflow, bits, signed });
    j += opcode === GET ? 2 : 3;
  }

  const key = argv[1];
  let w: Writable | null = null;
  let src: Uint8Array | null = null;
  if (readonly) {
    const cur = c.db.lookupReadRaw(key);
    if (cur !== undefined) src = bytesOf(asBits(cur));
  } else {
    if (readonlyCommand) throw BITFIELD_RO_ERR;
    w = writableBits(c, key, highestWrite);
  }

  const out: Reply[] = new Array(ops.length);
  let changes = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op.opcode === GET) {
      // Bytes past the end read as zero.
      const p = w !== null ? w.bits.bytes() : src ?? EMPTY;
      out[i] = intReply(op.signed ? getSignedBitfield(p, op.offset, op.bits) : getUnsignedBitfield(p, op.offset, op.bits));
      continue;
    }
    const bits = w!.bits;
    const p = bits.buf;
    const oldval = op.signed ? getSignedBitfield(p, op.offset, op.bits) : getUnsignedBitfield(p, op.offset, op.bits);
    let newval: bigint;
    let retval: bigint;
    let check;
    if (op.opcode === INCRBY) {
      check = op.signed ? checkSignedOverflow(oldval, op.value, op.bits, op.overflow) : checkUnsignedOverflow(oldval, op.value, op.bits, op.overflow);
      newval = check.dir !== 0 ? check.limit : oldval + op.value;
      retval = newval;
    } else {
      // An unsigned field takes the value as C's uint64 cast would (-1 -> 2^64-1).
      newval = op.signed ? op.value : BigInt.asUintN(64, op.value);
      check = op.signed ? checkSignedOverflow(newval, 0n, op.bits, op.overflow) : checkUnsignedOverflow(newval, 0n, op.bits, op.overflow);
      if (check.dir !== 0) newval = check.limit;
      retval = oldval;
    }
    if (check.dir !== 0 && op.overflow === Overflow.Fail) {
      out[i] = null;
      continue;
    }
    out[i] = intReply(retval);
    setBitfield(p, op.offset, op.bits, newval);
    if (w!.dirty || oldval !== newval) changes++;
  }
  if (w !== null) {
    w.bits.changed();
    if (changes > 0) written(c, key, w, changes);
  }
  return out;
}

function bitfield(c: Client, argv: string[]): Reply {
  return bitfieldGeneric(c, argv, false);
}

function bitfieldRo(c: Client, argv: string[]): Reply {
  return bitfieldGeneric(c, argv, true);
}

// ---- table ------------------------------------------------------------------------------------------

export const bitmapCommands: CommandDef[] = [
  { name: 'bitcount', summary: 'Counts the set bits of a string, optionally within a byte or bit range.', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: '@bitmap', handler: bitcount },
  { name: 'bitfield', summary: 'Reads, writes and increments integers of any width at bit offsets of a string.', arity: -2, flags: 'write denyoom', keys: [1, 1, 1], acl: '@bitmap', handler: bitfield },
  { name: 'bitfield_ro', summary: 'Reads integers at bit offsets of a string (GET only).', arity: -2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@bitmap', handler: bitfieldRo },
  { name: 'bitop', summary: 'Combines strings bit by bit (AND, OR, XOR, NOT) into a destination key.', arity: -4, flags: 'write denyoom', keys: [2, -1, 1], acl: '@bitmap', handler: bitop },
  { name: 'bitpos', summary: 'Finds the first bit set to 0 or 1 in a string, optionally within a range.', arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: '@bitmap', handler: bitpos },
  { name: 'getbit', summary: 'Reads the bit at an offset of a string value.', arity: 3, flags: 'readonly fast', keys: [1, 1, 1], acl: '@bitmap', handler: getbit },
  { name: 'setbit', summary: 'Sets or clears the bit at an offset of a string, growing it as needed.', arity: 4, flags: 'write denyoom', keys: [1, 1, 1], acl: '@bitmap', handler: setbit },
];
