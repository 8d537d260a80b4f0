// Which keys of database 0 live in each hash slot, kept only in cluster mode: CLUSTER
// COUNTKEYSINSLOT and GETKEYSINSLOT answer from it without scanning the keyspace, and a node that
// loses a slot deletes exactly that slot's keys. The Dict calls add/remove when a key is created
// or deleted (one null check per insert/delete outside cluster mode).
import { CLUSTER_SLOTS, keyHashSlot } from './slots';

export class SlotKeys {
  /** slot -> its keys, created on first use; insertion order is the order GETKEYSINSLOT lists. */
  private readonly bySlot: (Set<string> | undefined)[] = new Array(CLUSTER_SLOTS);

  add(key: string): void {
    const slot = keyHashSlot(key);
    let s = this.bySlot[slot];
    if (s === undefined) this.bySlot[slot] = s = new Set();
    s.add(key);
  }

  remove(key: string): void {
    const slot = keyHashSlot(key);
    const s = this.bySlot[slot];
    if (s === undefined) return;
    s.delete(key);
    if (s.size === 0) this.bySlot[slot] = undefined;
  }

  count(slot: number): number {
    return this.bySlot[slot]?.size ?? 0;
  }

  /** Up to max keys of a slot. */
  keys(slot: number, max: number): string[] {
    const out: string[] = [];
    const s = this.bySlot[slot];
    if (s === undefined) return out;
    for (const k of s) {
      if (out.length >= max) break;
      out.push(k);
    }
    return out;
  }

  clear(): void {
    this.bySlot.fill(undefined);
  }
}
