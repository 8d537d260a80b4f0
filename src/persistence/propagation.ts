// Deterministic propagation: what a write command is turned into for the AOF (and, one day,
// replicas), so that replaying it gives the same dataset whatever the time or randomness at
// replay: relative expiry becomes absolute (PXAT / PEXPIREAT), SPOP becomes SREM of the popped
// members, INCRBYFLOAT becomes SET ... KEEPTTL, blocking pops their non-blocking form, XADD *
// the generated ID. Rewrites look at the state after the command and at its reply, like Redis's
// rewriteClientCommandVector calls. Commands not listed propagate as they were sent.
import type { Client } from '../engine/client';
import { Reply, SetReply } from '../resp/reply';
import { ReplyError } from '../errors';

type Rewrite = (c: Client, argv: string[], reply: Reply) => string[][];

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

const REWRITES: Record<string, Rewrite> = {
  set: (c, argv) => setRewrite(c, argv),
  setex: (c, argv) => setWithExpire(c, argv[1], argv),
  psetex: (c, argv) => setWithExpire(c, argv[1], argv),
  getex: (c, argv) => expireOrDel(c, argv[1]),
  getdel: (_c, argv) => [['DEL', argv[1]]],
  expire: (c, argv) => expireOrDel(c, argv[1]),
  pexpire: (c, argv) => expireOrDel(c, argv[1]),
  expireat: (c, argv) => expireOrDel(c, argv[1]),
  pexpireat: (c, argv) => expireOrDel(c, argv[1]),
  incrbyfloat: (c, argv) => {
    const v = c.db.dict.get(argv[1]);
    return typeof v === 'string' ? [['SET', argv[1], v, 'KEEPTTL']] : [argv];
  },
  hincrbyfloat: (_c, argv, reply) => (typeof reply === 'string' ? [['HSET', argv[1], argv[2], reply]] : [argv]),
  spop: (_c, argv, reply) => {
    const items = reply instanceof SetReply ? reply.items : reply;
    const members = typeof items === 'string' ? [items] : Array.isArray(items) ? (items as string[]) : [];
    return members.length === 0 ? [] : [['SREM', argv[1], ...members]];
  },
  restore: (c, argv) => {
    // A relative TTL becomes absolute (ABSTTL), as Redis 7.0 does.
    if (argv[2] === '0' || argv.some((a, i) => i > 3 && lower(a) === 'absttl')) return [argv];
    const when = c.db.getExpire(argv[1]);
    if (when === -1) return c.db.dict.has(argv[1]) ? [argv] : [['DEL', argv[1]]];
    const out = argv.slice();
    out[2] = String(when);
    out.push('ABSTTL');
    return [out];
  },
  blpop: (_c, _argv, reply) => {
    const k = poppedKey(reply);
    return k === null ? [] : [['LPOP', k]];
  },
  brpop: (_c, _argv, reply) => {
    const k = poppedKey(reply);
    return k === null ? [] : [['RPOP', k]];
  },
  brpoplpush: (_c, argv, reply) => (reply === null ? [] : [['RPOPLPUSH', argv[1], argv[2]]]),
  blmove: (_c, argv, reply) => (reply === null ? [] : [['LMOVE', argv[1], argv[2], argv[3], argv[4]]]),
  bzpopmin: (_c, _argv, reply) => {
    const k = poppedKey(reply);
    return k === null ? [] : [['ZPOPMIN', k]];
  },
  bzpopmax: (_c, _argv, reply) => {
    const k = poppedKey(reply);
    return k === null ? [] : [['ZPOPMAX', k]];
  },
  blmpop: (_c, argv, reply) => mpop('LMPOP', argv, reply, 'list'),
  bzmpop: (_c, argv, reply) => mpop('ZMPOP', argv, reply, 'zset'),
  xadd: (_c, argv, reply) => {
    if (typeof reply !== 'string') return [argv];
    // Replace the ID argument (after NOMKSTREAM / MAXLEN|MINID options) by the generated one.
    const out = argv.slice();
    let i = 2;
    while (i < out.length) {
      const a = lower(out[i]);
      if (a === 'nomkstream') i++;
      else if (a === 'maxlen' || a === 'minid') {
        i += out[i + 1] === '~' || out[i + 1] === '=' ? 3 : 2;
      } else if (a === 'limit') i += 2;
      else break;
    }
    if (i < out.length) out[i] = reply;
    return [out];
  },
};

/** B[LZ]MPOP -> [LZ]MPOP 1 <key> <where> COUNT <n popped>. */
function mpop(name: string, argv: string[], reply: Reply, kind: 'list' | 'zset'): string[][] {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) return [];
  const numkeys = parseInt(argv[2], 10);
  const where = argv[3 + numkeys];
  const n = (reply[1] as Reply[]).length;
  void kind;
  return [[name, '1', reply[0], where, 'COUNT', String(n)]];
}

/** The command lines that reproduce this command's effect. */
export function propagationOf(c: Client, name: string, argv: string[], reply: Reply): string[][] {
  const rw = REWRITES[name];
  if (rw === undefined || reply instanceof ReplyError) return [argv];
  return rw(c, argv, reply);
}

/** Commands whose rewrite lives here (for the report and tests). */
export const REWRITTEN_COMMANDS = Object.keys(REWRITES);
