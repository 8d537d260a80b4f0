// Stream commands (Redis 7.0 t_stream.c): XADD/XTRIM with exact and approximate trimming,
// ranges, XREAD/XREADGROUP (blocking too), consumer groups with their pending entries lists,
// XCLAIM/XAUTOCLAIM, XINFO and XSETID. Argument parsing, checks and error texts follow Redis's
// order, so the same invalid command fails with the same error on both servers.
import type { Config } from '../config/config';
import type { Client } from '../engine/client';
import { blockOnKeys, timeoutMsArg } from '../engine/blocking';
import { ConsumerGroup, Consumer, ENTRIES_READ_INVALID, Entry, Nack, NodeLimits, StreamValue, TrimArgs } from '../datatypes/stream';
// Straight from the module: a re-export through datatypes/stream costs a getter call per use.
import { MAX_ID, MIN_ID, StreamId, U64, cmpId, decrId, formatId, inc, incrId, isMax, isZero, parseId } from '../datatypes/stream/id';
import { Value } from '../datatypes/value';
import { NOT_INTEGER, ReplyError, SYNTAX, WRONGTYPE, errorf, wrongArity, subcommandSyntax } from '../errors';
import { parseIntStrict } from '../resp/format';
import { MapReply, NULL_ARRAY, OK, Reply, SimpleString } from '../resp/reply';
import { int64Arg, is } from './args';
import { CommandDef } from './registry';
import { propagateXadd, propagateXautoclaim, propagateXclaim, propagateXreadgroup, propagateXtrim } from '../persistence/propagation';

const INVALID_ID = errorf('ERR Invalid stream ID specified as stream command argument');
const XADD_ID_ZERO = errorf('ERR The ID specified in XADD must be greater than 0-0');
const XADD_ID_SMALL = errorf('ERR The ID specified in XADD is equal or smaller than the target stream top item');
const XADD_EXHAUSTED = errorf('ERR The stream has exhausted the last possible ID, unable to add more items');
const BAD_START = errorf('ERR invalid start ID for the interval');
const BAD_END = errorf('ERR invalid end ID for the interval');
const NO_KEY = errorf('ERR no such key');
const BUSYGROUP = errorf('BUSYGROUP Consumer Group name already exists');
const XGROUP_NEEDS_KEY = errorf(
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
);
const UNBLOCKED_KEY_GONE = errorf('UNBLOCKED the stream key no longer exists');
const UNBLOCKED_GROUP_GONE = errorf('NOGROUP the consumer group this client was blocked on no longer exists');

/** Entries a blocked XREAD serves at most when no COUNT was given. */
const BLOCKED_DEFAULT_COUNT = 1000;
/** Largest listpack Redis builds (STREAM_LISTPACK_MAX_SIZE). */
const LISTPACK_MAX_SIZE = 1 << 30;

// ---- helpers ------------------------------------------------------------------------------------

function asStream(v: Value | undefined): StreamValue | undefined {
  if (v === undefined || v instanceof StreamValue) return v;
  throw WRONGTYPE;
}

/** An ID where '-' and '+' are refused (Redis's streamParseStrictIDOrReply). */
function strictId(arg: string): StreamId {
  const r = parseId(arg, 0, true);
  if (r === null) throw INVALID_ID;
  return r.id;
}

/** An interval bound: '-', '+', an ID, or '(' ID for an exclusive bound. */
function intervalId(arg: string, missingSeq: U64): { id: StreamId; exclusive: boolean } {
  const exclusive = arg.length > 1 && arg[0] === '(';
  const r = exclusive ? parseId(arg.slice(1), missingSeq, true) : parseId(arg, missingSeq, false);
  if (r === null) throw INVALID_ID;
  return { id: r.id, exclusive };
}

/** Start and end of a range, exclusive bounds resolved (XRANGE, XPENDING). */
function rangeBounds(startArg: string, endArg: string): [StreamId, StreamId] {
  const s = intervalId(startArg, 0);
  let start = s.id;
  if (s.exclusive) {
    const n = incrId(start);
    if (n === null) throw BAD_START;
    start = n;
  }
  const e = intervalId(endArg, 18446744073709551615n);
  let end = e.id;
  if (e.exclusive) {
    const p = decrId(end);
    if (p === null) throw BAD_END;
    end = p;
  }
  return [start, end];
}

function idString(id: StreamId): string {
  return formatId(id.ms, id.seq);
}

/** getLongLongFromObjectOrReply with a custom message for both failures. */
function longArg(s: string, err: ReplyError = NOT_INTEGER): number {
  const v = parseIntStrict(s);
  if (v === null) throw err;
  return Number(v);
}

// The node limits of the last config read, reused until the config changes (XADD reads them
// on every call).
let limitsConfig: Config | null = null;
let limitsChanges = -1;
let limits: NodeLimits = { maxEntries: 0, maxBytes: 0 };

function nodeLimits(c: Client): NodeLimits {
  const cfg = c.server.config;
  if (cfg !== limitsConfig || cfg.changes !== limitsChanges) {
    limits = { maxEntries: cfg.int('stream-node-max-entries'), maxBytes: cfg.int('stream-node-max-bytes') };
    limitsConfig = cfg;
    limitsChanges = cfg.changes;
  }
  return limits;
}

function now(c: Client): number {
  return c.server.keyspace.now();
}

/** Counts changes that have no keyspace event (XACK, XCLAIM, group reads). */
function dirty(c: Client, n: number): void {
  c.server.keyspace.dirty += n;
}

function noGroup(key: string, group: string): ReplyError {
  return errorf(`NOGROUP No such key '${key}' or consumer group '${group}'`);
}


/** A consumer, created (with its event) when missing. */
function consumerFor(c: Client, key: string, g: ConsumerGroup, name: string): Consumer {
  let consumer = g.consumer(name);
  if (consumer === undefined) {
    consumer = g.createConsumer(name, now(c))!;
    c.db.notify('t', 'xgroup-createconsumer', key);
  } else {
    consumer.seenTime = now(c);
  }
  return consumer;
}

// ---- XADD / XTRIM -------------------------------------------------------------------------------

interface AddTrimArgs {
  /** Index of the ID argument (XADD) or argv.length. */
  idPos: number;
  trim: TrimArgs | null;
  noMkStream: boolean;
  id: StreamId | null;
  seqGiven: boolean;
}

/** Redis's streamParseAddOrTrimArgsOrReply. */
function parseAddTrim(c: Client, argv: string[], xadd: boolean): AddTrimArgs {
  let strategy: 'maxlen' | 'minid' | null = null;
  let approx = false;
  let maxlen = -1;
  let minid = MIN_ID;
  let limit = 0;
  let limitGiven = false;
  let noMkStream = false;
  let id: StreamId | null = null;
  let seqGiven = true;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && opt === '*') break;
    if (moreargs > 0 && (is(opt, 'MAXLEN') || is(opt, 'MINID'))) {
      if (strategy !== null) throw errorf('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      const isMaxlen = opt.length === 6;
      approx = false;
      const next = argv[i + 1];
      if (moreargs >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') {
        i++;
      }
      if (isMaxlen) {
        maxlen = longArg(argv[i + 1]);
        if (maxlen < 0) throw errorf('ERR The MAXLEN argument must be >= 0.');
        strategy = 'maxlen';
      } else {
        minid = strictId(argv[i + 1]);
        strategy = 'minid';
      }
      i++;
    } else if (moreargs > 0 && is(opt, 'LIMIT')) {
      limit = longArg(argv[i + 1]);
      if (limit < 0) throw errorf('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'NOMKSTREAM')) {
      noMkStream = true;
    } else if (xadd) {
      const r = parseId(opt, 0, true, true);
      if (r === null) throw INVALID_ID;
      id = r.id;
      seqGiven = r.seqGiven;
      break;
    } else {
      throw SYNTAX;
    }
  }
  if (limitGiven && strategy === null) throw errorf('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && strategy === null) throw errorf('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (limitGiven) {
    if (!approx) throw errorf('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (approx) {
    // Without LIMIT an approximate trim does a bounded amount of work, like Redis.
    limit = 100 * nodeLimits(c).maxEntries;
    if (limit <= 0 || limit > LISTPACK_MAX_SIZE) limit = 10000;
  } else {
    limit = 0;
  }
  const trim = strategy === null ? null : { strategy, maxlen, minid, approx, limit };
  return { idPos: i, trim, noMkStream, id, seqGiven };
}

/** What parseAddTrim returns for the common XADD key * ...: no options. */
const PLAIN_ADD: AddTrimArgs = Object.freeze({ idPos: 2, trim: null, noMkStream: false, id: null, seqGiven: true });

function xadd(c: Client, argv: string[]): Reply {
  const a = argv[2] === '*' ? PLAIN_ADD : parseAddTrim(c, argv, true);
  const fieldPos = a.idPos + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) throw wrongArity('xadd');
  if (a.id !== null && a.seqGiven && isZero(a.id)) throw XADD_ID_ZERO;
  const db = c.db;
  const key = argv[1];
  let s = asStream(db.lookupWrite(key));
  if (s === undefined) {
    if (a.noMkStream) return null;
    s = new StreamValue();
    db.add(key, s);
  }
  const last = s.lastId;
  if (isMax(last.ms) && isMax(last.seq)) throw XADD_EXHAUSTED;
  let id: StreamId;
  if (a.id === null) {
    id = s.nextId(now(c))!;
  } else if (a.seqGiven) {
    id = a.id;
  } else if (last.ms === a.id.ms) {
    // <ms>-*: the next sequence of the last ID's millisecond.
    if (isMax(last.seq)) throw XADD_ID_SMALL;
    id = { ms: last.ms, seq: inc(last.seq) };
  } else {
    id = a.id;
  }
  if (cmpId(id, last) <= 0) throw XADD_ID_SMALL;
  s.append(id, argv, fieldPos, nodeLimits(c));
  s.signals++;
  db.touched(key);
  db.notify('t', 'xadd', key);
  if (a.trim !== null && s.trim(a.trim) !== 0) db.notify('t', 'xtrim', key, 0);
  return idString(id);
}

function xtrim(c: Client, argv: string[]): Reply {
  const a = parseAddTrim(c, argv, false);
  const db = c.db;
  const s = asStream(db.lookupWrite(argv[1]));
  if (s === undefined) return 0;
  const deleted = s.trim(a.trim!);
  if (deleted !== 0) {
    db.touched(argv[1]);
    db.notify('t', 'xtrim', argv[1], deleted);
  }
  return deleted;
}

function xdel(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const s = asStream(db.lookupWrite(key));
  if (s === undefined) return 0;
  // All IDs are checked before anything is deleted.
  const ids = argv.slice(2).map(strictId);
  let deleted = 0;
  let firstDeleted = false;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    if (cmpId(id, s.firstId) === 0) firstDeleted = true;
    if (cmpId(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted !== 0) {
    if (s.length === 0) s.firstId = MIN_ID;
    else if (firstDeleted) s.refreshFirstId();
    db.touched(key);
    db.notify('t', 'xdel', key, deleted);
  }
  return deleted;
}

function xlen(c: Client, argv: string[]): Reply {
  return asStream(c.db.lookupRead(argv[1]))?.length ?? 0;
}

// ---- XRANGE / XREVRANGE -------------------------------------------------------------------------

function rangeCommand(c: Client, argv: string[], rev: boolean): Reply {
  const [start, end] = rev ? rangeBounds(argv[3], argv[2]) : rangeBounds(argv[2], argv[3]);
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (is(argv[j], 'COUNT') && j + 1 < argv.length) {
      count = longArg(argv[++j]);
      if (count < 0) count = 0;
    } else {
      throw SYNTAX;
    }
  }
  const s = asStream(c.db.lookupRead(argv[1]));
  if (s === undefined) return [];
  if (count === 0) return NULL_ARRAY;
  return s.range(start, end, count === -1 ? 0 : count, rev);
}

function xrange(c: Client, argv: string[]): Reply {
  return rangeCommand(c, argv, false);
}

function xrevrange(c: Client, argv: string[]): Reply {
  return rangeCommand(c, argv, true);
}

// ---- XREAD / XREADGROUP -----------------------------------------------------------------------------

/** Entries after `after` delivered to a group consumer (streamReplyWithRange with a group). */
function deliverNew(c: Client, s: StreamValue, g: ConsumerGroup, consumer: Consumer, after: StreamId, count: number, noack: boolean): Entry[] {
  const entries: Entry[] = [];
  const start = incrId(after);
  if (start === null) return entries;
  const t = now(c);
  s.scan(start, MAX_ID, false, (node, i) => {
    const ms = node.msAt(i);
    const seq = node.seqAt(i);
    entries.push([formatId(ms, seq), node.fields(i)]);
    const id = { ms, seq };
    if (cmpId(id, g.lastId) > 0) s.advanceGroup(g, id);
    if (!noack) {
      const nack = g.pel.get(ms, seq);
      if (nack === undefined) {
        const n = new Nack(ms, seq, consumer, t, 1);
        g.pel.insert(n);
        consumer.pel.insert(n);
      } else {
        // Already pending (XGROUP SETID moved the group back): the entry changes hands.
        g.transfer(nack, consumer);
        nack.deliveryTime = t;
        nack.deliveryCount = 1;
      }
    }
    return count === 0 || entries.length < count;
  });
  return entries;
}

/** A consumer's own pending entries after `after` (XREADGROUP with an ID other than '>'). */
function deliverHistory(c: Client, s: StreamValue, consumer: Consumer, after: StreamId, count: number): Reply[] {
  const out: Reply[] = [];
  const start = incrId(after);
  if (start === null) return out;
  const t = now(c);
  consumer.pel.forEachFrom(start.ms, start.seq, (n) => {
    const id = { ms: n.ms, seq: n.seq };
    const e = s.get(id);
    if (e === null) {
      // Deleted from the stream while pending: the ID with a null body.
      out.push([idString(id), NULL_ARRAY]);
    } else {
      out.push(e);
      n.deliveryTime = t;
      n.deliveryCount = inc(n.deliveryCount);
    }
    return count === 0 || out.length < count;
  });
  return out;
}

/** [key, entries] pairs as RESP2 arrays or a RESP3 map. */
function readReply(c: Client, pairs: Reply[]): Reply {
  if (c.protocol === 3) return new MapReply(pairs);
  const out: Reply[] = [];
  for (let i = 0; i < pairs.length; i += 2) out.push([pairs[i], pairs[i + 1]]);
  return out;
}

function xreadCommand(c: Client, argv: string[], group: boolean): Reply {
  let deadline = -1;
  let count = 0;
  let streamsArg = 0;
  let nstreams = 0;
  let noack = false;
  let groupName: string | null = null;
  let consumerName = '';
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1;
    const o = argv[i];
    if (moreargs > 0 && is(o, 'BLOCK')) {
      // Redis refuses BLOCK from scripts outright (MULTI just does not block).
      if (c.kind === 'lua') throw errorf(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
      deadline = timeoutMsArg(c, argv[++i]);
    } else if (moreargs > 0 && is(o, 'COUNT')) {
      count = longArg(argv[++i]);
      if (count < 0) count = 0;
    } else if (moreargs > 0 && is(o, 'STREAMS')) {
      streamsArg = i + 1;
      nstreams = argv.length - streamsArg;
      if (nstreams % 2 !== 0) throw errorf("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      nstreams /= 2;
      break;
    } else if (moreargs >= 2 && is(o, 'GROUP')) {
      if (!group) throw errorf('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      groupName = argv[i + 1];
      consumerName = argv[i + 2];
      i += 2;
    } else if (is(o, 'NOACK')) {
      if (!group) throw errorf('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else {
      throw SYNTAX;
    }
  }
  if (streamsArg === 0) throw SYNTAX;
  if (group && groupName === null) throw errorf('ERR Missing GROUP option for XREADGROUP');

  const db = c.db;
  const keys = argv.slice(streamsArg, streamsArg + nstreams);
  const ids: StreamId[] = [];
  const groups: ConsumerGroup[] = [];
  for (let k = 0; k < nstreams; k++) {
    const key = keys[k];
    const s = asStream(db.lookupRead(key));
    if (groupName !== null) {
      const g = s?.group(groupName);
      if (g === undefined) throw errorf(`NOGROUP No such key '${key}' or consumer group '${groupName}' in XREADGROUP with GROUP option`);
      groups.push(g);
    }
    const arg = argv[streamsArg + nstreams + k];
    if (arg === '$') {
      if (group) {
        throw errorf(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      ids.push(s === undefined ? MIN_ID : s.lastId);
    } else if (arg === '>') {
      if (!group) throw errorf('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids.push(MAX_ID);
    } else {
      ids.push(strictId(arg));
    }
  }

  // Serve what is available now.
  const pairs: Reply[] = [];
  for (let k = 0; k < nstreams; k++) {
    const key = keys[k];
    const s = asStream(db.lookupRead(key));
    if (s === undefined) continue;
    let gt = ids[k];
    if (groupName !== null) {
      const g = groups[k];
      const history = !(isMax(gt.ms) && isMax(gt.seq));
      if (!history) {
        if (s.length === 0 || cmpId(s.lastValidId(), g.lastId) <= 0) continue;
        gt = g.lastId;
      }
      const consumer = consumerFor(c, key, g, consumerName);
      const entries = history ? deliverHistory(c, s, consumer, gt, count) : deliverNew(c, s, g, consumer, gt, count, noack);
      pairs.push(key, entries);
      dirty(c, 1);
    } else {
      if (s.length === 0 || cmpId(s.lastValidId(), gt) <= 0) continue;
      pairs.push(key, s.range(incrId(gt)!, MAX_ID, count, false));
    }
  }
  if (pairs.length !== 0) return readReply(c, pairs);
  if (deadline === -1) return NULL_ARRAY;

  // Block: served when a key gets entries past its ID (or, for groups, past the group's ID).
  const serveCount = count !== 0 ? count : BLOCKED_DEFAULT_COUNT;
  const idOf = new Map<string, StreamId>();
  for (let k = 0; k < nstreams; k++) if (!idOf.has(keys[k])) idOf.set(keys[k], ids[k]);
  // Redis offers a key to its waiters on XADD, on a new stream at the key and on XGROUP
  // DESTROY; other writes (XSETID, XDEL...) do not wake them. We remember what we last saw.
  const seen = new Map<string, [StreamValue | undefined, number]>();
  for (const key of idOf.keys()) {
    const v = db.peek(key);
    const s = v instanceof StreamValue ? v : undefined;
    seen.set(key, [s, s?.signals ?? 0]);
  }
  const gname = groupName;
  return blockOnKeys(
    c,
    db,
    keys,
    deadline === 0 ? 0 : deadline,
    (key) => {
      const v = db.peek(key);
      if (!(v instanceof StreamValue)) return gname !== null ? UNBLOCKED_KEY_GONE : undefined;
      const last = seen.get(key)!;
      if (last[0] === v && last[1] === v.signals) return undefined;
      last[0] = v;
      last[1] = v.signals;
      let gt = idOf.get(key)!;
      let g: ConsumerGroup | undefined;
      if (gname !== null) {
        g = v.group(gname);
        if (g === undefined) return UNBLOCKED_GROUP_GONE;
        gt = g.lastId;
      }
      if (cmpId(v.lastId, gt) <= 0) return undefined;
      let entries: Reply;
      if (g !== undefined) {
        const consumer = consumerFor(c, key, g, consumerName);
        entries = deliverNew(c, v, g, consumer, gt, serveCount, noack);
      } else {
        entries = v.range(incrId(gt)!, MAX_ID, serveCount, false);
      }
      return readReply(c, [key, entries]);
    },
    () => NULL_ARRAY,
    { serveMissingKey: gname !== null },
  );
}

function xread(c: Client, argv: string[]): Reply {
  return xreadCommand(c, argv, false);
}

function xreadgroup(c: Client, argv: string[]): Reply {
  return xreadCommand(c, argv, true);
}

/** Key positions of XREAD/XREADGROUP: the keys after STREAMS (first half). */
function xreadKeys(argv: string[]): number[] {
  for (let i = 1; i < argv.length; i++) {
    if (is(argv[i], 'STREAMS')) {
      const n = argv.length - i - 1;
      if (n % 2 !== 0) return [];
      const out: number[] = [];
      for (let k = 0; k < n / 2; k++) out.push(i + 1 + k);
      return out;
    }
    if (is(argv[i], 'GROUP')) i += 2;
    else if (is(argv[i], 'BLOCK') || is(argv[i], 'COUNT')) i++;
  }
  return [];
}

// ---- XGROUP -----------------------------------------------------------------------------------------

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

function helpReply(lines: string[]): Reply {
  return lines.map((l) => new SimpleString(l));
}

/**
 * The common part of XGROUP subcommands (Redis's xgroupCommand): options, then the key, then
 * the group where the subcommand needs it.
 */
function xgroupPrologue(c: Client, argv: string[], sub: string): { s: StreamValue | undefined; g: ConsumerGroup | undefined; mkstream: boolean; entriesRead: U64 } {
  let mkstream = false;
  let entriesRead: U64 = ENTRIES_READ_INVALID;
  if (sub === 'create' || sub === 'setid') {
    for (let i = 5; i < argv.length; ) {
      if (sub === 'create' && is(argv[i], 'MKSTREAM')) {
        mkstream = true;
        i++;
      } else if (is(argv[i], 'ENTRIESREAD') && i + 1 < argv.length) {
        const v = int64Arg(argv[i + 1]);
        if (v < 0 && v !== -1) throw errorf('ERR value for ENTRIESREAD must be positive or -1');
        entriesRead = v;
        i += 2;
      } else {
        throw subcommandSyntax('XGROUP', argv[1]);
      }
    }
  }
  const s = asStream(c.db.lookupWrite(argv[2]));
  const g = s?.group(argv[3]);
  if (!mkstream) {
    if (s === undefined) throw XGROUP_NEEDS_KEY;
    if (g === undefined && sub !== 'create' && sub !== 'destroy') {
      throw errorf(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
    }
  }
  return { s, g, mkstream, entriesRead };
}

function xgroupCreate(c: Client, argv: string[]): Reply {
  const { s: existing, entriesRead } = xgroupPrologue(c, argv, 'create');
  if (argv.length > 8) throw subcommandSyntax('XGROUP', argv[1]);
  const id = argv[4] === '$' ? (existing?.lastId ?? MIN_ID) : strictId(argv[4]);
  let s = existing;
  if (s === undefined) {
    // Only reachable with MKSTREAM: the prologue refused a missing key otherwise.
    s = new StreamValue();
    c.db.add(argv[2], s);
  }
  if (s.createGroup(argv[3], id, entriesRead) === undefined) throw BUSYGROUP;
  c.db.notify('t', 'xgroup-create', argv[2]);
  return OK;
}

function xgroupSetid(c: Client, argv: string[]): Reply {
  const { s, g, entriesRead } = xgroupPrologue(c, argv, 'setid');
  if (argv.length !== 5 && argv.length !== 7) throw subcommandSyntax('XGROUP', argv[1]);
  let id: StreamId;
  if (argv[4] === '$') id = s!.lastId;
  else {
    const r = parseId(argv[4], 0, false);
    if (r === null) throw INVALID_ID;
    id = r.id;
  }
  g!.lastId = id;
  g!.entriesRead = entriesRead;
  c.db.notify('t', 'xgroup-setid', argv[2]);
  return OK;
}

function xgroupDestroy(c: Client, argv: string[]): Reply {
  const { s, g } = xgroupPrologue(c, argv, 'destroy');
  if (g === undefined) return 0;
  s!.destroyGroup(argv[3]);
  s!.signals++;
  c.db.notify('t', 'xgroup-destroy', argv[2]);
  // Wakes XREADGROUP clients blocked on this group: they get -NOGROUP.
  c.db.touched(argv[2]);
  return 1;
}

function xgroupCreateconsumer(c: Client, argv: string[]): Reply {
  const { g } = xgroupPrologue(c, argv, 'createconsumer');
  if (g!.createConsumer(argv[4], now(c)) === undefined) return 0;
  c.db.notify('t', 'xgroup-createconsumer', argv[2]);
  return 1;
}

function xgroupDelconsumer(c: Client, argv: string[]): Reply {
  const { g } = xgroupPrologue(c, argv, 'delconsumer');
  const consumer = g!.consumer(argv[4]);
  if (consumer === undefined) return 0;
  const pending = consumer.pel.size;
  g!.deleteConsumer(consumer);
  c.db.notify('t', 'xgroup-delconsumer', argv[2]);
  return pending;
}

// ---- XACK / XPENDING / XCLAIM / XAUTOCLAIM ------------------------------------------------------------

/** The stream and group of a command that needs both, or undefined when either is missing. */
function lookupGroup(c: Client, key: string, group: string): [StreamValue, ConsumerGroup] | undefined {
  const s = asStream(c.db.lookupRead(key));
  const g = s?.group(group);
  return s === undefined || g === undefined ? undefined : [s, g];
}

function xack(c: Client, argv: string[]): Reply {
  const found = lookupGroup(c, argv[1], argv[2]);
  if (found === undefined) return 0;
  const ids = argv.slice(3).map(strictId);
  const g = found[1];
  let acked = 0;
  for (const id of ids) if (g.ack(id.ms, id.seq)) acked++;
  dirty(c, acked);
  return acked;
}

function xpending(c: Client, argv: string[]): Reply {
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) throw SYNTAX;
  let start = MIN_ID;
  let end = MAX_ID;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | null = null;
  if (!summary) {
    let at = 3;
    if (is(argv[3], 'IDLE')) {
      minIdle = longArg(argv[4]);
      if (argv.length < 8) throw SYNTAX;
      at += 2;
    }
    count = longArg(argv[at + 2]);
    if (count < 0) count = 0;
    [start, end] = rangeBounds(argv[at], argv[at + 1]);
    if (at + 3 < argv.length) consumerName = argv[at + 3];
  }
  const s = asStream(c.db.lookupRead(argv[1]));
  const g = s?.group(argv[2]);
  if (g === undefined) throw noGroup(argv[1], argv[2]);

  if (summary) {
    if (g.pel.size === 0) return [0, null, null, NULL_ARRAY];
    const first = g.pel.first()!;
    const last = g.pel.last()!;
    const owners: Reply[] = [];
    for (const consumer of g.sortedConsumers()) {
      if (consumer.pel.size !== 0) owners.push([consumer.name, String(consumer.pel.size)]);
    }
    return [g.pel.size, formatId(first.ms, first.seq), formatId(last.ms, last.seq), owners];
  }

  let pel = g.pel;
  if (consumerName !== null) {
    const consumer = g.consumer(consumerName);
    if (consumer === undefined) return [];
    pel = consumer.pel;
  }
  const out: Reply[] = [];
  const t = now(c);
  if (count === 0) return out;
  pel.forEachFrom(start.ms, start.seq, (n) => {
    if (cmpId(n, end) > 0) return false;
    const idle = t - n.deliveryTime;
    if (minIdle !== 0 && idle < minIdle) return;
    out.push([formatId(n.ms, n.seq), n.consumer!.name, Math.max(0, idle), n.deliveryCount]);
    return --count > 0;
  });
  return out;
}

function xclaim(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const found = lookupGroup(c, key, argv[2]);
  if (found === undefined) throw noGroup(key, argv[2]);
  const [s, g] = found;
  let minIdle = longArg(argv[4], errorf('ERR Invalid min-idle-time argument for XCLAIM'));
  if (minIdle < 0) minIdle = 0;
  // IDs first; the first argument that is not an ID starts the options.
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const r = parseId(argv[j], 0, true);
    if (r === null) break;
    ids.push(r.id);
  }
  const t = now(c);
  let force = false;
  let justid = false;
  let deliveryTime = -1;
  let retryCount = -1;
  let lastId: StreamId = MIN_ID;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j];
    if (is(opt, 'FORCE')) force = true;
    else if (is(opt, 'JUSTID')) justid = true;
    else if (moreargs > 0 && is(opt, 'IDLE')) deliveryTime = t - longArg(argv[++j], errorf('ERR Invalid IDLE option argument for XCLAIM'));
    else if (moreargs > 0 && is(opt, 'TIME')) deliveryTime = longArg(argv[++j], errorf('ERR Invalid TIME option argument for XCLAIM'));
    else if (moreargs > 0 && is(opt, 'RETRYCOUNT')) retryCount = longArg(argv[++j], errorf('ERR Invalid RETRYCOUNT option argument for XCLAIM'));
    else if (moreargs > 0 && is(opt, 'LASTID')) lastId = strictId(argv[++j]);
    else throw errorf(`ERR Unrecognized XCLAIM option '${opt}'`);
  }
  let changes = 0;
  if (cmpId(lastId, g.lastId) > 0) {
    g.lastId = lastId;
    changes++;
  }
  // A bogus delivery time (future, negative) becomes now rather than an error, like Redis.
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > t) deliveryTime = t;

  let consumer: Consumer | undefined;
  const out: Reply[] = [];
  for (const id of ids) {
    let nack = g.pel.get(id.ms, id.seq);
    if (!s.has(id)) {
      // The entry is gone: drop its stale pending record.
      if (nack !== undefined) {
        propagateDroppedNack(c, key, argv[2], g, nack);
        g.ack(id.ms, id.seq);
        changes++;
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new Nack(id.ms, id.seq, null, t, 1);
      g.pel.insert(nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle !== 0 && t - nack.deliveryTime < minIdle) continue;
    consumer ??= consumerFor(c, key, g, argv[3]);
    g.transfer(nack, consumer);
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justid) nack.deliveryCount = inc(nack.deliveryCount);
    out.push(justid ? idString(id) : s.get(id));
    changes++;
  }
  dirty(c, changes);
  return out;
}

/**
 * A pending entry whose stream entry was deleted is dropped by XCLAIM/XAUTOCLAIM; as Redis
 * (streamPropagateXCLAIM) the replicas and the AOF get an XCLAIM of it, which drops it there too.
 * It is not in the reply, so the reply-based rewrite (propagation.ts) cannot see it.
 */
function propagateDroppedNack(c: Client, key: string, group: string, g: ConsumerGroup, n: Nack): void {
  const id = formatId(n.ms, n.seq);
  c.server.keyspace.propagate(c.db.id, ['XCLAIM', key, group, n.consumer?.name ?? '', '0', id, 'TIME', String(n.deliveryTime), 'RETRYCOUNT', String(n.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(g.lastId.ms, g.lastId.seq)]);
}

const AUTOCLAIM_ATTEMPTS_FACTOR = 10;
/** LONG_MAX / max(sizeof(streamID), attempts factor), as Redis bounds COUNT. */
const AUTOCLAIM_MAX_COUNT = 576460752303423487n;

function xautoclaim(c: Client, argv: string[]): Reply {
  const key = argv[1];
  let minIdle = longArg(argv[4], errorf('ERR Invalid min-idle-time argument for XAUTOCLAIM'));
  if (minIdle < 0) minIdle = 0;
  const [start] = rangeBounds(argv[5], '+');
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (moreargs > 0 && is(argv[j], 'COUNT')) {
      const v = parseIntStrict(argv[++j]);
      if (v === null || v < 1 || v > AUTOCLAIM_MAX_COUNT) throw errorf('ERR COUNT must be > 0');
      count = Number(v);
    } else if (is(argv[j], 'JUSTID')) {
      justid = true;
    } else {
      throw SYNTAX;
    }
  }
  const found = lookupGroup(c, key, argv[2]);
  if (found === undefined) throw noGroup(key, argv[2]);
  const [s, g] = found;

  // Redis walks the group PEL from `start` for at most count*10 entries, claiming idle ones
  // and dropping those whose entry was deleted, until `count` are done. The entries it may
  // look at (plus the next one, the cursor) are collected first: the walk changes the PEL.
  const attempts = count * AUTOCLAIM_ATTEMPTS_FACTOR;
  const candidates: Nack[] = [];
  const cur = g.pel.seek(start.ms, start.seq);
  for (let n = g.pel.next(cur); n !== undefined && candidates.length <= attempts; n = g.pel.next(cur)) candidates.push(n);
  const t = now(c);
  let consumer: Consumer | undefined;
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  let k = 0;
  for (; k < candidates.length && k < attempts && count > 0; k++) {
    const n = candidates[k];
    const id = { ms: n.ms, seq: n.seq };
    if (!s.has(id)) {
      propagateDroppedNack(c, key, argv[2], g, n);
      g.ack(n.ms, n.seq);
      deleted.push(idString(id));
      count--;
      continue;
    }
    if (minIdle !== 0 && t - n.deliveryTime < minIdle) continue;
    consumer ??= consumerFor(c, key, g, argv[3]);
    g.transfer(n, consumer);
    n.deliveryTime = t;
    if (!justid) n.deliveryCount = inc(n.deliveryCount);
    claimed.push(justid ? idString(id) : s.get(id));
    count--;
  }
  dirty(c, claimed.length + deleted.length);
  // The cursor: the first pending entry not looked at, 0-0 when the walk reached the end.
  const next = k < candidates.length ? formatId(candidates[k].ms, candidates[k].seq) : '0-0';
  return [next, claimed, deleted];
}

// ---- XSETID -------------------------------------------------------------------------------------------

function xsetid(c: Client, argv: string[]): Reply {
  const id = strictId(argv[2]);
  let entriesAdded: U64 = -1;
  let maxDeleted: StreamId = MIN_ID;
  for (let i = 3; i < argv.length; ) {
    const moreargs = argv.length - 1 - i;
    if (moreargs > 0 && is(argv[i], 'ENTRIESADDED')) {
      entriesAdded = int64Arg(argv[i + 1]);
      if (entriesAdded < 0) throw errorf('ERR entries_added must be positive');
      i += 2;
    } else if (moreargs > 0 && is(argv[i], 'MAXDELETEDID')) {
      maxDeleted = strictId(argv[i + 1]);
      if (cmpId(id, maxDeleted) < 0) throw errorf('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i += 2;
    } else {
      throw SYNTAX;
    }
  }
  const key = argv[1];
  const v = c.db.lookupWrite(key);
  if (v === undefined) throw NO_KEY;
  const s = asStream(v)!;
  if (s.length > 0) {
    if (cmpId(id, s.lastValidId()) < 0) throw errorf('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      throw errorf('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!isZero(maxDeleted)) s.maxDeletedId = maxDeleted;
  c.db.touched(key);
  c.db.notify('t', 'xsetid', key);
  return OK;
}

// ---- XINFO --------------------------------------------------------------------------------------------

function infoStream(c: Client, argv: string[]): Reply {
  // The key is looked up before the options are read, like Redis.
  const s = streamOrNoKey(c, argv[2]);
  let full = false;
  let count = 10;
  const optc = argv.length - 3;
  if (optc !== 0) {
    if ((optc !== 1 && optc !== 3) || !is(argv[3], 'FULL')) throw subcommandSyntax('XINFO', argv[1]);
    full = true;
    if (optc === 3) {
      if (!is(argv[4], 'COUNT')) throw subcommandSyntax('XINFO', argv[1]);
      count = longArg(argv[5]);
      if (count < 0) count = 10;
    }
  }
  const flat: Reply[] = [
    'length',
    s.length,
    'radix-tree-keys',
    s.nodeCount,
    'radix-tree-nodes',
    s.raxNodeCount(),
    'last-generated-id',
    idString(s.lastId),
    'max-deleted-entry-id',
    idString(s.maxDeletedId),
    'entries-added',
    s.entriesAdded,
    'recorded-first-entry-id',
    idString(s.firstId),
  ];
  if (!full) {
    const first = s.range(MIN_ID, MAX_ID, 1, false);
    const last = s.range(MIN_ID, MAX_ID, 1, true);
    flat.push('groups', s.groupCount, 'first-entry', first[0] ?? null, 'last-entry', last[0] ?? null);
    return new MapReply(flat);
  }
  flat.push('entries', s.range(MIN_ID, MAX_ID, count, false));
  const groups: Reply[] = [];
  for (const [name, g] of s.sortedGroups()) {
    const pending: Reply[] = [];
    g.pel.forEach((n) => {
      if (count !== 0 && pending.length >= count) return false;
      pending.push([formatId(n.ms, n.seq), n.consumer!.name, n.deliveryTime, n.deliveryCount]);
    });
    const consumers: Reply[] = [];
    for (const consumer of g.sortedConsumers()) {
      const cpel: Reply[] = [];
      consumer.pel.forEach((n) => {
        if (count !== 0 && cpel.length >= count) return false;
        cpel.push([formatId(n.ms, n.seq), n.deliveryTime, n.deliveryCount]);
      });
      consumers.push(new MapReply(['name', consumer.name, 'seen-time', consumer.seenTime, 'pel-count', consumer.pel.size, 'pending', cpel]));
    }
    groups.push(
      new MapReply([
        'name',
        name,
        'last-delivered-id',
        idString(g.lastId),
        'entries-read',
        g.entriesRead === ENTRIES_READ_INVALID ? null : g.entriesRead,
        'lag',
        s.lag(g),
        'pel-count',
        g.pel.size,
        'pending',
        pending,
        'consumers',
        consumers,
      ]),
    );
  }
  flat.push('groups', groups);
  return new MapReply(flat);
}

function streamOrNoKey(c: Client, key: string): StreamValue {
  const v = c.db.lookupRead(key);
  if (v === undefined) throw NO_KEY;
  return asStream(v)!;
}

function infoGroups(c: Client, argv: string[]): Reply {
  const s = streamOrNoKey(c, argv[2]);
  return s.sortedGroups().map(
    ([name, g]) =>
      new MapReply([
        'name',
        name,
        'consumers',
        g.consumers.size,
        'pending',
        g.pel.size,
        'last-delivered-id',
        idString(g.lastId),
        'entries-read',
        g.entriesRead === ENTRIES_READ_INVALID ? null : g.entriesRead,
        'lag',
        s.lag(g),
      ]),
  );
}

function infoConsumers(c: Client, argv: string[]): Reply {
  const s = streamOrNoKey(c, argv[2]);
  const g = s.group(argv[3]);
  if (g === undefined) throw errorf(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
  const t = now(c);
  return g.sortedConsumers().map((consumer) => new MapReply(['name', consumer.name, 'pending', consumer.pel.size, 'idle', Math.max(0, t - consumer.seenTime)]));
}

// ---- table ------------------------------------------------------------------------------------------

export const streamCommands: CommandDef[] = [
  { name: 'xack', summary: 'Acknowledges entries of a consumer group, removing them from its pending lists.', arity: -4, flags: 'write fast', keys: [1, 1, 1], acl: '@stream', handler: xack },
  { name: 'xadd', summary: 'Appends an entry to a stream (creating it), optionally trimming it.', arity: -5, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@stream', handler: xadd, propagate: propagateXadd },
  { name: 'xautoclaim', summary: 'Transfers idle pending entries to a consumer, scanning the group PEL with a cursor.', arity: -6, flags: 'write fast', keys: [1, 1, 1], acl: '@stream', handler: xautoclaim, propagate: propagateXautoclaim },
  { name: 'xclaim', summary: 'Transfers ownership of given pending entries to a consumer.', arity: -6, flags: 'write fast', keys: [1, 1, 1], acl: '@stream', handler: xclaim, propagate: propagateXclaim },
  { name: 'xdel', summary: 'Removes entries from a stream by ID.', arity: -3, flags: 'write fast', keys: [1, 1, 1], acl: '@stream', handler: xdel },
  {
    name: 'xgroup',
    summary: 'Manages consumer groups and their consumers.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'destroy', summary: 'Deletes a consumer group.', arity: 4, flags: 'write', keys: [2, 2, 1], acl: '@stream', handler: xgroupDestroy },
      { name: 'delconsumer', summary: 'Removes a consumer and its pending entries from a group.', arity: 5, flags: 'write', keys: [2, 2, 1], acl: '@stream', handler: xgroupDelconsumer },
      { name: 'create', summary: 'Creates a consumer group starting at an ID (optionally creating the stream).', arity: -5, flags: 'write denyoom', keys: [2, 2, 1], acl: '@stream', handler: xgroupCreate },
      { name: 'createconsumer', summary: 'Adds a consumer to a group.', arity: 5, flags: 'write denyoom', keys: [2, 2, 1], acl: '@stream', handler: xgroupCreateconsumer },
      { name: 'help', summary: 'Lists the XGROUP subcommands.', arity: 2, flags: 'loading stale', acl: '@stream', handler: () => helpReply(XGROUP_HELP) },
      { name: 'setid', summary: "Moves a group's last delivered ID.", arity: -5, flags: 'write', keys: [2, 2, 1], acl: '@stream', handler: xgroupSetid },
    ],
  },
  {
    name: 'xinfo',
    summary: 'Reports on streams, their consumer groups and consumers.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'consumers', summary: 'Lists the consumers of a group.', arity: 4, flags: 'readonly', keys: [2, 2, 1], acl: '@stream', handler: infoConsumers },
      { name: 'help', summary: 'Lists the XINFO subcommands.', arity: 2, flags: 'loading stale', acl: '@stream', handler: () => helpReply(XINFO_HELP) },
      { name: 'stream', summary: 'Describes a stream, in full with FULL.', arity: -3, flags: 'readonly', keys: [2, 2, 1], acl: '@stream', handler: infoStream },
      { name: 'groups', summary: 'Lists the consumer groups of a stream.', arity: 3, flags: 'readonly', keys: [2, 2, 1], acl: '@stream', handler: infoGroups },
    ],
  },
  { name: 'xlen', summary: 'Returns the number of entries of a stream.', arity: 2, flags: 'readonly fast', keys: [1, 1, 1], acl: '@stream', handler: xlen },
  { name: 'xpending', summary: "Inspects a group's pending entries: a summary, or a filtered range.", arity: -3, flags: 'readonly', keys: [1, 1, 1], acl: '@stream', handler: xpending },
  { name: 'xrange', summary: 'Returns the entries with IDs in a range, ascending.', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@stream', handler: xrange },
  { name: 'xread', summary: 'Reads entries past given IDs from one or more streams, optionally waiting for them.', arity: -4, flags: 'readonly blocking movablekeys', acl: '@stream', handler: xread, getKeys: xreadKeys },
  { name: 'xreadgroup', summary: 'Reads entries for a consumer of a group: new ones, or its own pending history.', arity: -7, flags: 'write blocking movablekeys', acl: '@stream', handler: xreadgroup, getKeys: xreadKeys, propagate: propagateXreadgroup },
  { name: 'xrevrange', summary: 'Returns the entries with IDs in a range, descending.', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@stream', handler: xrevrange },
  { name: 'xsetid', summary: "Sets a stream's last generated ID and its counters.", arity: -3, flags: 'write denyoom fast', keys: [1, 1, 1], acl: '@stream', handler: xsetid },
  { name: 'xtrim', summary: 'Trims a stream to a length or a minimum ID, exactly or by whole nodes.', arity: -4, flags: 'write', keys: [1, 1, 1], acl: '@stream', handler: xtrim, propagate: propagateXtrim },
];
