// Deterministic propagation: what a write command is turned into for the AOF (and, one day,
// replicas), so that replaying it gives the same dataset whatever the time or randomness at
// replay: relative expiry becomes absolute (PXAT / PEXPIREAT), SPOP becomes SREM of the popped
// members, INCRBYFLOAT becomes SET ... KEEPTTL, blocking pops their non-blocking form, XADD *
// the generated ID. Rewrites look at the state after the command and at its reply, like Redis's
// rewriteClientCommandVector calls. A command's definition names its rewrite (`propagate`);
// commands without one propagate as they were sent.
import type { Client } from '../engine/client';
import type { Command, PropagateRewrite } from '../commands/registry';
import { MapReply, Reply, SetReply } from '../resp/reply';
import { StreamValue } from '../datatypes/stream';
import { formatId } from '../datatypes/stream/id';
import { ReplyError } from '../errors';


const lower = (s: string) => s.toLowerCase();

function expireOrDel(c: Client, key: string): string[][] {
  if (!c.db.dict.has(key)) return [['DEL', key]];
  const when = c.db.getExpire(key);
  return when === -1 ? [['PERSIST', key]] : [['PEXPIREAT', key, String(when)]];
}

/** SET/SETEX/PSETEX with a relative or absolute expiry: SET key value PXAT <ms>. */
function setWithExpire(c: Client, key: string, argv: string[]): string[][] {
  const v = c.db.dict.get(key);
  if (typeof v !== 'string') return v === undefined ? [['DEL', key]] : [argv];
  const when = c.db.getExpire(key);
  return when === -1 ? [argv] : [['SET', key, v, 'PXAT', String(when)]];
}

function setRewrite(c: Client, argv: string[]): string[][] {
  for (let i = 3; i < argv.length; i++) {
    const a = lower(argv[i]);
    if (a === 'ex' || a === 'px' || a === 'exat' || a === 'pxat') return setWithExpire(c, argv[1], argv);
  }
  return [argv];
}

/** The pops a blocking command did, from its reply: [key, ...]. */
function poppedKey(reply: Reply): string | null {
  return Array.isArray(reply) && typeof reply[0] === 'string' ? reply[0] : null;
}

// The rewrites, each named by what it turns the command into. A command definition names its
// own in its `propagate` field (src/commands/<family>.ts); commands without one propagate as sent.

/** SET with EX/PX/EXAT/PXAT: SET key value PXAT <ms>. */
export const propagateSet: PropagateRewrite = (c, argv) => setRewrite(c, argv);
/** SETEX / PSETEX: SET key value PXAT <ms>. */
export const propagateSetWithExpire: PropagateRewrite = (c, argv) => setWithExpire(c, argv[1], argv);
/** GETEX, EXPIRE and friends: PEXPIREAT, PERSIST, or DEL when the key is gone. */
export const propagateExpiry: PropagateRewrite = (c, argv) => expireOrDel(c, argv[1]);
/** GETDEL: DEL key. */
export const propagateAsDel: PropagateRewrite = (_c, argv) => [['DEL', argv[1]]];
/** Redis propagates GETSET as SET (same arguments). */
export const propagateAsSet: PropagateRewrite = (_c, argv) => [['SET', argv[1], argv[2]]];
/** INCRBYFLOAT: SET key <result> KEEPTTL. */
export const propagateIncrByFloat: PropagateRewrite = (c, argv) => {
  const v = c.db.dict.get(argv[1]);
  return typeof v === 'string' ? [['SET', argv[1], v, 'KEEPTTL']] : [argv];
};
/** HINCRBYFLOAT: HSET key field <result>. */
export const propagateHincrByFloat: PropagateRewrite = (_c, argv, reply) => (typeof reply === 'string' ? [['HSET', argv[1], argv[2], reply]] : [argv]);
/** SPOP: SREM of the popped members. */
export const propagateSpop: PropagateRewrite = (_c, argv, reply) => {
  const items = reply instanceof SetReply ? reply.items : reply;
  const members = typeof items === 'string' ? [items] : Array.isArray(items) ? (items as string[]) : [];
  return members.length === 0 ? [] : [['SREM', argv[1], ...members]];
};
/** RESTORE: a relative TTL becomes absolute (ABSTTL), as Redis 7.0 does. */
export const propagateRestore: PropagateRewrite = (c, argv) => {
  if (argv[2] === '0' || argv.some((a, i) => i > 3 && lower(a) === 'absttl')) return [argv];
  const when = c.db.getExpire(argv[1]);
  if (when === -1) return c.db.dict.has(argv[1]) ? [argv] : [['DEL', argv[1]]];
  const out = argv.slice();
  out[2] = String(when);
  out.push('ABSTTL');
  return [out];
};
/** BLPOP, BRPOP, BZPOPMIN, BZPOPMAX: the non-blocking pop on the key served. */
export function propagateAsPop(pop: string): PropagateRewrite {
  return (_c, _argv, reply) => {
    const k = poppedKey(reply);
    return k === null ? [] : [[pop, k]];
  };
}
export const propagateBrpoplpush: PropagateRewrite = (_c, argv, reply) => (reply === null ? [] : [['RPOPLPUSH', argv[1], argv[2]]]);
export const propagateBlmove: PropagateRewrite = (_c, argv, reply) => (reply === null ? [] : [['LMOVE', argv[1], argv[2], argv[3], argv[4]]]);
/**
 * [B]LMPOP and [B]ZMPOP replicate as the pop with a count they amounted to, as Redis does;
 * `numkeysAt` is where numkeys sits (1, or 2 after a blocking command's timeout).
 */
export function propagateMpop(numkeysAt: number): PropagateRewrite {
  return (_c, argv, reply) => mpop(argv, numkeysAt, reply);
}
/** XADD: the generated ID, and an approximate trim made exact. */
export const propagateXadd: PropagateRewrite = (c, argv, reply) => {
  if (typeof reply !== 'string') return [argv];
  const out = approxTrimAsExact(c, argv, true);
  // The ID argument (after the options) becomes the generated one.
  out[xaddIdIndex(out)] = reply;
  return [out];
};
export const propagateXtrim: PropagateRewrite = (c, argv) => [approxTrimAsExact(c, argv, false)];
export const propagateXreadgroup: PropagateRewrite = (c, argv, reply) => xreadgroupEffects(c, argv, reply);
export const propagateXclaim: PropagateRewrite = (c, argv, reply) => (Array.isArray(reply) ? claimEffects(c, argv[1], argv[2], argv[3], reply) : [argv]);
export const propagateXautoclaim: PropagateRewrite = (c, argv, reply) => {
  if (!Array.isArray(reply) || !Array.isArray(reply[1])) return [argv];
  // Entries found deleted were dropped from the PEL; the command propagated those itself.
  return claimEffects(c, argv[1], argv[2], argv[3], reply[1] as Reply[]);
};

/** Index of XADD's ID argument: after NOMKSTREAM and the MAXLEN|MINID [=|~] n [LIMIT n] options. */
function xaddIdIndex(argv: string[]): number {
  let i = 2;
  while (i < argv.length) {
    const a = lower(argv[i]);
    if (a === 'nomkstream') i++;
    else if (a === 'maxlen' || a === 'minid') i += argv[i + 1] === '~' || argv[i + 1] === '=' ? 3 : 2;
    else if (a === 'limit') i += 2;
    else break;
  }
  return i;
}

/**
 * An approximate trim (`~`, whole nodes, perhaps capped by LIMIT) depends on how entries sit in
 * nodes, which a replica or an AOF reload with other node sizes does not share. As Redis does, it
 * is propagated as an exact one down to what is left: MAXLEN = <length now>, MINID = <first ID>.
 * LIMIT, meaningless for an exact trim (and refused with `=`), is dropped.
 */
function approxTrimAsExact(c: Client, argv: string[], xadd: boolean): string[] {
  let at = -1;
  let limitAt = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = lower(argv[i]);
    if (xadd && a === 'nomkstream') continue;
    if (a === 'maxlen' || a === 'minid') {
      if (argv[i + 1] === '~') at = i;
      i += argv[i + 1] === '~' || argv[i + 1] === '=' ? 2 : 1;
    } else if (a === 'limit') {
      limitAt = i;
      i++;
    } else break;
  }
  if (at < 0) return argv;
  const s = c.db.dict.get(argv[1]);
  if (!(s instanceof StreamValue)) return argv;
  const out = argv.slice();
  out[at + 1] = '=';
  if (lower(argv[at]) === 'maxlen') out[at + 2] = String(s.length);
  else {
    const first = s.edgeId(true);
    out[at + 2] = first === null ? '18446744073709551615-18446744073709551615' : formatId(first.ms, first.seq);
  }
  if (limitAt >= 0) out.splice(limitAt, 2);
  return out;
}

/**
 * Claimed entries as Redis propagates them: one XCLAIM per ID carrying the owner, delivery time
 * and count it has now (FORCE JUSTID), and the group's last-delivered ID.
 */
function claimEffects(c: Client, key: string, group: string, consumer: string, items: Reply[]): string[][] {
  const s = c.db.dict.get(key);
  const g = s instanceof StreamValue ? s.group(group) : undefined;
  if (g === undefined) return [];
  const lastId = formatId(g.lastId.ms, g.lastId.seq);
  const out: string[][] = [];
  for (const item of items) {
    const id = typeof item === 'string' ? item : Array.isArray(item) ? item[0] : null;
    if (typeof id !== 'string') continue;
    const dash = id.indexOf('-');
    const nack = g.pel.get(toU64(id.slice(0, dash)), toU64(id.slice(dash + 1)));
    if (nack === undefined) continue;
    out.push(['XCLAIM', key, group, consumer, '0', id, 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', lastId]);
  }
  return out;
}

/**
 * XREADGROUP as Redis propagates it (streamPropagateXCLAIM / streamPropagateGroupID): every entry
 * it delivered becomes an XCLAIM that fixes its owner, delivery time and count, then the group's
 * last-delivered ID is set, so a replay rebuilds the same PEL whatever the clock says.
 */
function xreadgroupEffects(c: Client, argv: string[], reply: Reply): string[][] {
  let group = '';
  let consumer = '';
  let streams = -1;
  let noack = false;
  for (let i = 1; i < argv.length; i++) {
    const a = lower(argv[i]);
    if (a === 'noack') noack = true;
    else if (a === 'group' && i + 2 < argv.length) {
      group = argv[i + 1];
      consumer = argv[i + 2];
      i += 2;
    } else if (a === 'count' || a === 'block') i++;
    else if (a === 'streams') {
      streams = i + 1;
      break;
    }
  }
  if (streams < 0) return [argv];
  // [key, entries] pairs: an array of 2-arrays in RESP2 shape, a map in RESP3.
  const pairs: Reply[] = [];
  if (reply instanceof MapReply) pairs.push(...reply.flat);
  else if (Array.isArray(reply)) for (const kv of reply) if (Array.isArray(kv)) pairs.push(kv[0], kv[1]);
  const out: string[][] = [];
  for (let k = 0; k + 1 < pairs.length; k += 2) {
    const key = pairs[k];
    const entries = pairs[k + 1];
    if (typeof key !== 'string' || !Array.isArray(entries)) continue;
    const s = c.db.dict.get(key);
    const g = s instanceof StreamValue ? s.group(group) : undefined;
    if (g === undefined) continue;
    // NOACK reads leave nothing pending, so no XCLAIM would create the consumer on replay:
    // Redis propagates XGROUP CREATECONSUMER when such a read created it. Whether this read
    // created it is not known here; CREATECONSUMER of an existing consumer changes nothing.
    if (noack) out.push(['XGROUP', 'CREATECONSUMER', key, group, consumer]);
    out.push(...claimEffects(c, key, group, consumer, entries));
    const lastId = formatId(g.lastId.ms, g.lastId.seq);
    out.push(['XGROUP', 'SETID', key, group, lastId, 'ENTRIESREAD', String(g.entriesRead)]);
  }
  return out;
}

function toU64(s: string): number | bigint {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

/** B[LZ]MPOP -> [LZ]MPOP 1 <key> <where> COUNT <n popped>. */
/** LPOP/RPOP/ZPOPMIN/ZPOPMAX <key> <count> for an MPOP whose numkeys is at argv[at]. */
function mpop(argv: string[], at: number, reply: Reply): string[][] {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) return [];
  const where = argv[at + 1 + parseInt(argv[at], 10)].toUpperCase();
  const pop = where === 'LEFT' ? 'LPOP' : where === 'RIGHT' ? 'RPOP' : where === 'MIN' ? 'ZPOPMIN' : 'ZPOPMAX';
  return [[pop, reply[0], String((reply[1] as Reply[]).length)]];
}

/** The command lines that reproduce this command's effect (its definition's rewrite, else argv). */
export function propagationOf(c: Client, cmd: Command, argv: string[], reply: Reply): string[][] {
  const rw = cmd.propagate;
  if (rw === null || reply instanceof ReplyError) return [argv];
  return rw(c, argv, reply);
}
