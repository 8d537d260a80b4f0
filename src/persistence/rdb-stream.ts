// Streams in RDB (RDB_TYPE_STREAM_LISTPACKS[_2]): one listpack per stream node keyed by its
// master ID, then the stream's counters, then consumer groups with their PELs. Our StreamNode
// keeps Redis's node layout (master fields, same-fields flag, deleted flags), so the listpacks are
// rebuilt entry for entry.
import { Consumer, ConsumerGroup, Nack, StreamValue, U64, norm, big, subS } from '../datatypes/stream';
import { FLAG_DELETED, FLAG_SAMEFIELDS, StreamNode } from '../datatypes/stream/node';
import { cmp } from '../datatypes/stream/id';
import { Value } from '../datatypes/value';
import { CorruptError, ListpackBuilder, listpackEntries } from './encodings';
import * as R from './rdb-format';
import type { LoadLimits, RdbInput } from './rdb-reader';
import type { RdbOutput } from './rdb-writer';

const U64_ALL = 18446744073709551615n;

function bad(what: string): never {
  throw new CorruptError(what);
}

function idBytes(ms: U64, seq: U64): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(big(ms), 0);
  b.writeBigUInt64BE(big(seq), 8);
  return b;
}

function nodeListpack(n: StreamNode): Buffer {
  const lp = new ListpackBuilder();
  const master = n.masterFields;
  lp.append(String(n.live)).append(String(n.deleted)).append(String(master.length));
  for (const f of master) lp.append(f);
  lp.append('0');
  const mMs = n.msAt(0);
  const mSeq = n.seqAt(0);
  for (let i = 0; i < n.total; i++) {
    const flags = n.flagsAt(i);
    lp.append(String(flags));
    lp.append(String(subS(n.msAt(i), mMs)));
    lp.append(String(subS(n.seqAt(i), mSeq)));
    const items = n.storedItems(i);
    if (flags & FLAG_SAMEFIELDS) {
      for (const it of items) lp.append(it);
      lp.append(String(items.length + 3));
    } else {
      const numfields = items.length / 2;
      lp.append(String(numfields));
      for (const it of items) lp.append(it);
      lp.append(String(2 * numfields + 4));
    }
  }
  return lp.finish();
}

function u64len(out: RdbOutput, v: U64): void {
  out.len(typeof v === 'number' && v < 0 ? U64_ALL : v);
}

export function writeStream(out: RdbOutput, v: Value): void {
  const s = v as StreamValue;
  out.u8(R.T_STREAM_LISTPACKS_2);
  out.len(s.nodes.length);
  for (const n of s.nodes) {
    out.blob(idBytes(n.msAt(0), n.seqAt(0)));
    out.blob(nodeListpack(n));
  }
  out.len(s.length);
  out.len(s.lastId.ms);
  out.len(s.lastId.seq);
  out.len(s.firstId.ms);
  out.len(s.firstId.seq);
  out.len(s.maxDeletedId.ms);
  out.len(s.maxDeletedId.seq);
  out.len(s.entriesAdded);
  const groups = s.groups === null ? [] : [...s.groups];
  out.len(groups.length);
  for (const [name, g] of groups) {
    out.string(name);
    out.len(g.lastId.ms);
    out.len(g.lastId.seq);
    u64len(out, g.entriesRead);
    out.len(g.pel.size);
    g.pel.forEach((nack) => {
      out.raw(idBytes(nack.ms, nack.seq));
      out.i64le(nack.deliveryTime);
      out.len(nack.deliveryCount);
    });
    out.len(g.consumers.size);
    for (const c of g.consumers.values()) {
      out.string(c.name);
      out.i64le(c.seenTime);
      out.len(c.pel.size);
      c.pel.forEach((nack) => out.raw(idBytes(nack.ms, nack.seq)));
    }
  }
}

function lenU64(inp: RdbInput): U64 {
  // Lengths past 2^53 do not occur in practice for counters; IDs use them, read them exactly.
  const c = inp.buf[inp.pos];
  if (c === R.LEN_64) {
    inp.pos++;
    inp.need(8);
    const v = inp.buf.readBigUInt64BE(inp.pos);
    inp.pos += 8;
    return norm(v);
  }
  return inp.len();
}

function toInt(s: string): U64 {
  if (!/^-?\d+$/.test(s)) bad('bad stream integer');
  const v = BigInt(s);
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function addS(a: U64, d: U64): U64 {
  if (typeof a === 'number' && typeof d === 'number' && Number.isSafeInteger(a + d)) return a + d;
  const r = big(a) + big(d);
  if (r < 0n || r > U64_ALL) bad('stream ID out of range');
  return norm(r);
}

/**
 * One node. Entries, IDs and fields are always checked (the node is rebuilt from them); `deep`
 * (sanitize-dump-payload) adds what we recompute anyway, as Redis's deep validation checks it:
 * each entry's lp-count, the node's live and deleted counters, the listpack's own redundancy.
 */
function readNode(key: Buffer, blob: Buffer, deep: boolean): StreamNode {
  if (key.length !== 16) bad('bad stream node key');
  const mMs = norm(key.readBigUInt64BE(0));
  const mSeq = norm(key.readBigUInt64BE(8));
  const e = listpackEntries(blob, deep);
  if (e.length === 0) bad('empty stream node');
  let p = 0;
  const next = (): string => (p < e.length ? e[p++] : bad('truncated stream node'));
  const live = Number(toInt(next()));
  const deleted = Number(toInt(next()));
  const nmaster = Number(toInt(next()));
  if (nmaster < 0 || nmaster > e.length) bad('bad master field count');
  const master: string[] = [];
  for (let i = 0; i < nmaster; i++) master.push(next());
  if (next() !== '0') bad('bad master terminator');
  const node = new StreamNode(master);
  let dead = 0;
  while (p < e.length) {
    const flags = Number(toInt(next()));
    const ms = addS(mMs, toInt(next()));
    const seq = addS(mSeq, toInt(next()));
    const fv: string[] = [];
    if (flags & FLAG_SAMEFIELDS) {
      for (const f of master) fv.push(f, next());
    } else {
      const nf = Number(toInt(next()));
      if (nf < 0 || nf > e.length) bad('bad field count');
      for (let i = 0; i < 2 * nf; i++) fv.push(next());
    }
    // lp-count: how many listpack elements the entry spans, for walking backwards.
    const span = flags & FLAG_SAMEFIELDS ? master.length + 3 : fv.length + 4;
    const lpCount = toInt(next());
    if (deep && Number(lpCount) !== span) bad('bad entry lp-count');
    if (node.total === 0 && (ms !== mMs || seq !== mSeq)) bad('master ID mismatch');
    if (node.total > 0 && cmp(ms, seq, node.msAt(node.total - 1), node.seqAt(node.total - 1)) <= 0) bad('entry IDs not in order');
    node.append(ms, seq, fv, 0);
    if (flags & FLAG_DELETED) {
      node.markDeleted(node.total - 1);
      dead++;
    }
  }
  if (deep && (node.live !== live || dead !== deleted)) bad('stream node counters mismatch');
  return node;
}

function readId(inp: RdbInput): [U64, U64] {
  const b = inp.bytes(16);
  return [norm(b.readBigUInt64BE(0)), norm(b.readBigUInt64BE(8))];
}

export function readStream(inp: RdbInput, type: number, limits: LoadLimits): StreamValue {
  const s = new StreamValue();
  const nodes = inp.len();
  for (let i = 0; i < nodes; i++) {
    const key = inp.stringBuf();
    if (key.length !== 16) bad('Stream node key entry is not the size of a stream ID');
    const blob = inp.stringBuf();
    let node: StreamNode;
    try {
      node = readNode(key, blob, deep(limits));
    } catch (e) {
      if (e instanceof CorruptError || e instanceof RangeError) bad(`Stream listpack integrity check failed (${e.message}).`);
      throw e;
    }
    if (node.total === 0) bad('Stream node without entries');
    // Nodes follow each other in ID order (a repeated or earlier node key is corruption).
    const last = s.nodes[s.nodes.length - 1];
    if (last !== undefined && cmp(node.msAt(0), node.seqAt(0), last.msAt(last.total - 1), last.seqAt(last.total - 1)) <= 0) bad('Stream node IDs not in order');
    if (node.live === 0) continue; // Redis drops empty nodes too
    s.nodes.push(node);
  }
  s.length = inp.len();
  s.lastId = { ms: lenU64(inp), seq: lenU64(inp) };
  if (type === R.T_STREAM_LISTPACKS_2) {
    s.firstId = { ms: lenU64(inp), seq: lenU64(inp) };
    s.maxDeletedId = { ms: lenU64(inp), seq: lenU64(inp) };
    s.entriesAdded = lenU64(inp);
  } else {
    s.entriesAdded = s.length;
    const first = s.edgeId(true);
    if (first !== null) s.firstId = first;
  }
  let live = 0;
  for (const n of s.nodes) live += n.live;
  if (live !== s.length) bad('stream length mismatch');
  const ngroups = inp.len();
  if (ngroups > 0) s.groups = new Map();
  for (let g = 0; g < ngroups; g++) {
    const name = inp.string();
    const lastId = { ms: lenU64(inp), seq: lenU64(inp) };
    let entriesRead: U64 = -1;
    if (type === R.T_STREAM_LISTPACKS_2) {
      const v = lenU64(inp);
      entriesRead = v === norm(U64_ALL) ? -1 : v;
    } else {
      // Files before RDB 10 keep no read counter: estimated from the group's position, as Redis
      // does when it loads them.
      entriesRead = s.estimateDistance(lastId);
    }
    const cg = new ConsumerGroup(lastId, entriesRead);
    if (s.groups!.has(name)) bad(`Duplicated consumer group name ${name}`);
    s.groups!.set(name, cg);
    const npel = inp.len();
    for (let i = 0; i < npel; i++) {
      const [ms, seq] = readId(inp);
      const time = inp.i64le();
      const count = lenU64(inp);
      if (cg.pel.get(ms, seq) !== undefined) bad('duplicate PEL entry');
      cg.pel.insert(new Nack(ms, seq, null, time, count));
    }
    const nconsumers = inp.len();
    for (let i = 0; i < nconsumers; i++) {
      const cname = inp.string();
      const seen = inp.i64le();
      const c = new Consumer(cname, seen);
      if (cg.consumers.has(cname)) bad('Duplicate stream consumer detected.');
      cg.consumers.set(cname, c);
      const n = inp.len();
      for (let j = 0; j < n; j++) {
        const [ms, seq] = readId(inp);
        const nack = cg.pel.get(ms, seq);
        if (nack === undefined || nack.consumer !== null) bad('consumer PEL entry not in group PEL');
        nack.consumer = c;
        c.pel.insert(nack);
      }
    }
    // Every group PEL entry must belong to a consumer (Redis checks this on deep sanitization).
    let orphan = false;
    cg.pel.forEach((n) => {
      if (n.consumer === null) orphan = true;
    });
    if (orphan) bad('PEL entry without consumer');
  }
  return s;
}

/** Whether to deep-check this blob; counts it when so (ziplists and zipmaps are always walked whole). */
export function deep(limits: LoadLimits): boolean {
  if (limits.deep !== true) return false;
  limits.onDeepCheck?.();
  return true;
}
