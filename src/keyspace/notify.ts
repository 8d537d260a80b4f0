// notify-keyspace-events flags: which classes of keyspace events are published, and where.

export type NotifyFlags = number;

const CLASS: Record<string, number> = {
  K: 1 << 0, // __keyspace@<db>__:<key> channel
  E: 1 << 1, // __keyevent@<db>__:<event> channel
  g: 1 << 2, // generic: DEL, EXPIRE, RENAME, ...
  $: 1 << 3, // string
  l: 1 << 4, // list
  s: 1 << 5, // set
  h: 1 << 6, // hash
  z: 1 << 7, // sorted set
  x: 1 << 8, // expired
  e: 1 << 9, // evicted
  t: 1 << 10, // stream
  m: 1 << 11, // key miss
  d: 1 << 12, // module
  n: 1 << 13, // new key
};
// 'A' is every class except key-miss and new-key events, as in Redis.
const ALL = CLASS.g | CLASS.$ | CLASS.l | CLASS.s | CLASS.h | CLASS.z | CLASS.x | CLASS.e | CLASS.t | CLASS.d;
const ORDER = 'g$lshzxetd';

export const NotifyFlags = {
  KEYSPACE: CLASS.K,
  KEYEVENT: CLASS.E,
  classOf(type: string): number {
    return CLASS[type] ?? 0;
  },
};

/** Parses a flags string ("KEA", "Ex", ""); null on an unknown character. */
export function parseNotifyFlags(s: string): NotifyFlags | null {
  let f = 0;
  for (const ch of s) {
    if (ch === 'A') f |= ALL;
    else if (CLASS[ch] !== undefined) f |= CLASS[ch];
    else return null;
  }
  return f;
}

/** Formats flags the way CONFIG GET prints them (Redis's keyspaceEventsFlagsToString). */
export function formatNotifyFlags(f: NotifyFlags): string {
  // Same order as Redis; like Redis, 'n' is only printed when the flags do not cover 'A'.
  let s = '';
  if ((f & ALL) === ALL) s += 'A';
  else {
    for (const ch of ORDER) if (f & CLASS[ch]) s += ch;
    if (f & CLASS.n) s += 'n';
  }
  if (f & CLASS.K) s += 'K';
  if (f & CLASS.E) s += 'E';
  if (f & CLASS.m) s += 'm';
  return s;
}
