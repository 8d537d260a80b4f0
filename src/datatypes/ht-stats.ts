// DEBUG HTSTATS / HTSTATS-KEY text, in the layout of Redis's dictGetStats. Redis chains the
// entries of one bucket; respite's tables probe linearly, so a "chain" here is the set of keys
// whose home position (hash & mask) is the same bucket: the same measure of how keys spread.
// respite's tables resize at once, so there is never a second ("rehashing target") table.

const VECTLEN = 50;

function pct(n: number, of: number): string {
  return ((n / of) * 100).toFixed(2);
}

/** The stats block of one table: capacity and the home bucket of every key. */
export function hashTableStatsText(t: { capacity: number; homes: number[] }): string {
  const head = 'Hash table 0 stats (main hash table):\n';
  const used = t.homes.length;
  if (used === 0) return `${head}No stats available for empty dictionaries\n`;
  const chains = new Map<number, number>();
  for (const h of t.homes) chains.set(h, (chains.get(h) ?? 0) + 1);
  const vec = new Array<number>(VECTLEN).fill(0);
  vec[0] = t.capacity - chains.size;
  let max = 0;
  for (const len of chains.values()) {
    vec[len < VECTLEN ? len : VECTLEN - 1]++;
    if (len > max) max = len;
  }
  const slots = chains.size;
  let s =
    head +
    ` table size: ${t.capacity}\n` +
    ` number of elements: ${used}\n` +
    ` different slots: ${slots}\n` +
    ` max chain length: ${max}\n` +
    ` avg chain length (counted): ${(used / slots).toFixed(2)}\n` +
    ` avg chain length (computed): ${(used / slots).toFixed(2)}\n` +
    ' Chain length distribution:\n';
  for (let i = 0; i < VECTLEN - 1; i++) if (vec[i] !== 0) s += `   ${i}: ${vec[i]} (${pct(vec[i], t.capacity)}%)\n`;
  return s;
}
