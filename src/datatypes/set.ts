// The set type. Like Redis 7.0, a set whose members are all integers (in Redis's strict
// string2ll syntax) is an "intset": kept sorted by numeric value, so SMEMBERS and friends list it
// in ascending order exactly as Redis does. The first non-integer member, or more members than
// set-max-intset-entries, converts it once and for all to a "hashtable": a Dict, which gives
// stateless SSCAN cursors and O(1) random members. (Listpack sets only arrived in Redis 7.2.)
//
// Named SetValue so that importing it never shadows the JS Set.
import { parseIntStrict } from '../resp/format';
import { Dict } from './dict';
import { Collection } from './value';

/** True when Redis would store `s` in an intset (string2ll succeeds). */
export function isIntsetMember(s: string): boolean {
  return parseIntStrict(s) !== null;
}

/** Numeric order of two canonical integer strings, without parsing them. */
function compareInts(a: string, b: string): number {
  const aNeg = a.charCodeAt(0) === 45;
  const bNeg = b.charCodeAt(0) === 45;
  if (aNeg !== bNeg) return aNeg ? -1 : 1;
  // Canonical digits have no leading zeros: longer means larger in magnitude.
  if (a.length !== b.length) return a.length < b.length !== aNeg ? -1 : 1;
  if (a === b) return 0;
  return a < b !== aNeg ? -1 : 1;
}

export class SetValue implements Collection {
  readonly type = 'set' as const;
  /** Sorted members while the set is an intset; null once it is a hashtable. */
  private ints: string[] | null;
  private dict: Dict<true> | null;

  /** An empty set in the encoding Redis would create for `firstMember` (setTypeCreate). */
  constructor(intset = true) {
    this.ints = intset ? [] : null;
    this.dict = intset ? null : new Dict<true>();
  }

  static for(firstMember: string): SetValue {
    return new SetValue(isIntsetMember(firstMember));
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : this.dict!.size;
  }

  get encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  /** True for an intset: SSCAN returns it whole, iteration is in numeric order. */
  get isCompact(): boolean {
    return this.ints !== null;
  }

  has(member: string): boolean {
    if (this.ints === null) return this.dict!.has(member);
    return isIntsetMember(member) && this.indexOf(member) >= 0;
  }

  /** Adds a member; returns true when it was not there. `maxIntset` is set-max-intset-entries. */
  add(member: string, maxIntset: number): boolean {
    const ints = this.ints;
    if (ints !== null) {
      if (isIntsetMember(member)) {
        const i = this.insertionPoint(member);
        if (i < ints.length && ints[i] === member) return false;
        ints.splice(i, 0, member);
        if (ints.length > maxIntset) this.toHashtable();
        return true;
      }
      this.toHashtable();
    }
    return this.dict!.set(member, true);
  }

  delete(member: string): boolean {
    const ints = this.ints;
    if (ints === null) return this.dict!.delete(member);
    if (!isIntsetMember(member)) return false;
    const i = this.indexOf(member);
    if (i < 0) return false;
    ints.splice(i, 1);
    return true;
  }

  /** A uniformly random member, or undefined when empty. */
  random(rand: () => number = Math.random): string | undefined {
    const ints = this.ints;
    if (ints === null) return this.dict!.randomKey(rand);
    return ints.length === 0 ? undefined : ints[Math.floor(rand() * ints.length)];
  }

  /** Visits every member: ascending for an intset, insertion order for a hashtable. */
  forEach(visit: (member: string) => void): void {
    if (this.ints !== null) for (const m of this.ints) visit(m);
    else this.dict!.forEach(visit);
  }

  toArray(): string[] {
    if (this.ints !== null) return this.ints.slice();
    const out: string[] = [];
    this.dict!.forEach((m) => out.push(m));
    return out;
  }

  /** Dict.scan over a hashtable set (an intset is scanned whole by the caller). */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    if (this.ints !== null) {
      this.forEach(visit);
      return 0;
    }
    return this.dict!.scan(cursor, count, visit);
  }

  /** The hash table of the big encoding, null while compact (DEBUG HTSTATS-KEY). */
  hashTable(): { homePositions(): { capacity: number; homes: number[] } } | null {
    return this.dict;
  }

  clone(): SetValue {
    const s = new SetValue(this.ints !== null);
    if (this.ints !== null) s.ints = this.ints.slice();
    else this.dict!.forEach((m) => s.dict!.set(m, true));
    return s;
  }

  private toHashtable(): void {
    const dict = new Dict<true>();
    for (const m of this.ints!) dict.set(m, true);
    this.dict = dict;
    this.ints = null;
  }

  private insertionPoint(member: string): number {
    const ints = this.ints!;
    let lo = 0;
    let hi = ints.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareInts(ints[mid], member) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(member: string): number {
    const i = this.insertionPoint(member);
    return i < this.ints!.length && this.ints![i] === member ? i : -1;
  }
}
