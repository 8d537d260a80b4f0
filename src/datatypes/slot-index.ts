// The key -> slot index of a Dict: open addressing with linear probing over one flat array of
// (hash, slot + 1) pairs. It replaces a Map<string, number> because a key lookup is the biggest
// single cost of a pipelined GET/SET: V8's Map hashes a fresh string through a runtime call and
// then walks a bucket chain, about twice the time of this table (measured with 100k keys).
//
// Keys themselves live in the Dict's `keys` array; the table keeps the slot and the key's hash,
// so a probe compares strings only when the hashes match. Deletion shifts later entries back
// (no tombstones), so lookups never slow down with churn. The table is an Int32Array: 4 bytes a
// word instead of a JS array's 8 (a 1M-key database saves 16 MB); dicts of a few keys, where a
// typed array's fixed overhead would show, have no index at all (Dict's linear scan).

const MIN_CAPACITY = 8;
/** Per-process seed: keys chosen to collide on one server do not collide on another. */
const SEED = (Math.random() * 0x100000000) | 0;

/**
 * MurmurHash3 (32 bit) over the string's UTF-16 code units, two per block; 30 bits so the value
 * stays a Smi. Keys are latin1 strings, but any string hashes correctly.
 */
export function hashKey(s: string): number {
  let h = SEED;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

export class SlotIndex {
  /** table[2i] = hash, table[2i + 1] = slot + 1 (0: empty position). */
  private table: Int32Array = newTable(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** The slot of the last successful find(). */
  private lastFound = 0;
  size = 0;

  /** The slot of key, or -1. `keys` is the Dict's slot -> key array. */
  find(key: string, keys: (string | undefined)[]): number {
    // A command often finds the same key twice (INCR: read, then replace): the last slot found
    // is checked first. keys[] tells whether it still holds that key (deletes and compaction
    // move or clear slots).
    const last = this.lastFound;
    if (keys[last] === key) return last;
    const t = this.table;
    const mask = this.mask;
    const h = hashKey(key);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = t[2 * i + 1];
      if (s === 0) return -1;
      if (t[2 * i] === h && keys[s - 1] === key) return (this.lastFound = s - 1);
    }
  }

  /** Adds a key known to be absent. */
  insert(key: string, slot: number): void {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
    this.place(hashKey(key), slot + 1);
    this.size++;
  }

  /** Removes key; returns its slot, or -1 when it was absent. */
  remove(key: string, keys: (string | undefined)[]): number {
    const t = this.table;
    const mask = this.mask;
    const h = hashKey(key);
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const s = t[2 * i + 1];
      if (s === 0) return -1;
      if (t[2 * i] === h && keys[s - 1] === key) break;
    }
    const slot = t[2 * i + 1] - 1;
    // Backward shift: move up each later entry of the run that may sit at the freed position
    // (its home is not cyclically within (i, j]), so every probe sequence stays unbroken.
    for (let j = (i + 1) & mask; t[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = t[2 * j] & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      t[2 * i] = t[2 * j];
      t[2 * i + 1] = t[2 * j + 1];
      i = j;
    }
    t[2 * i] = 0;
    t[2 * i + 1] = 0;
    this.size--;
    if (this.size * 8 < this.mask + 1 && this.mask + 1 > MIN_CAPACITY) this.resize((this.mask + 1) / 2);
    return slot;
  }

  /** Re-points every key at its slot after the Dict moved slots (compaction). */
  rebuild(keys: (string | undefined)[]): void {
    let cap = MIN_CAPACITY;
    while (this.size * 4 > cap * 3) cap *= 2;
    this.table = newTable(cap);
    this.mask = cap - 1;
    for (let s = 0; s < keys.length; s++) {
      const k = keys[s];
      if (k !== undefined) this.place(hashKey(k), s + 1);
    }
  }

  /** Table capacity and, per key, its home position (DEBUG HTSTATS: keys sharing a home chain). */
  homePositions(): { capacity: number; homes: number[] } {
    const t = this.table;
    const homes: number[] = [];
    for (let i = 0; i < t.length; i += 2) if (t[i + 1] !== 0) homes.push(t[i] & this.mask);
    return { capacity: this.mask + 1, homes };
  }

  clear(): void {
    this.table = newTable(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.size = 0;
  }

  private place(h: number, slot1: number): void {
    const t = this.table;
    const mask = this.mask;
    let i = h & mask;
    while (t[2 * i + 1] !== 0) i = (i + 1) & mask;
    t[2 * i] = h;
    t[2 * i + 1] = slot1;
  }

  private resize(cap: number): void {
    const old = this.table;
    this.table = newTable(cap);
    this.mask = cap - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.place(old[i], old[i + 1]);
  }
}

function newTable(capacity: number): Int32Array {
  return new Int32Array(capacity * 2);
}
