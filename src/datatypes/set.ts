// The set type. Like Redis 7.0, a set whose members are all integers (in Redis's strict
// string2ll syntax) is an "intset": kept sorted by numeric value, so SMEMBERS and friends list it
// in ascending order exactly as Redis does. The first non-integer member, or more members than
// set-max-intset-entries, converts it once and for all to a "hashtable": a Dict, which gives
// stateless SSCAN cursors and O(1) random members. (Listpack sets only arrived in Redis 7.2.)
//
// Named SetValue so that importing it never shadows the JS Set.
import { parseIntStrict } from '../resp/format';
import { Dict } from './dict';
import * as P from './packed';
import { Collection } from './value';

/** True when Redis would store `s` in an intset (string2ll succeeds). */
export function isIntsetMember(s: string): boolean {
  return parseIntStrict(s) !== null;
}

/** Numeric order of the canonical integer entry at p of packed string s and integer m. */
function compareAt(s: string, p: number, m: string): number {
  const d = P.dataAt(s, p);
  const n = P.lenAt(s, p);
  const aNeg = s.charCodeAt(d) === 45;
  const bNeg = m.charCodeAt(0) === 45;
  if (aNeg !== bNeg) return aNeg ? -1 : 1;
  // Canonical digits have no leading zeros: longer means larger in magnitude.
  if (n !== m.length) return n < m.length !== aNeg ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const x = s.charCodeAt(d + i);
    const y = m.charCodeAt(i);
    if (x !== y) return x < y !== aNeg ? -1 : 1;
  }
  return 0;
}

export class SetValue implements Collection {
  /**
   * An intset: the members as a packed string (src/datatypes/packed.ts) in ascending numeric
   * order; or, once converted, a Dict.
   */
  private data: string | Dict<true>;

  /** An empty set in the encoding Redis would create for `firstMember` (setTypeCreate). */
  constructor(intset = true) {
    this.data = intset ? P.EMPTY_PACKED : new Dict<true>();
  }

  static for(firstMember: string): SetValue {
    return new SetValue(isIntsetMember(firstMember));
  }

  get type(): 'set' {
    return 'set';
  }

  get size(): number {
    const d = this.data;
    return typeof d === 'string' ? P.count(d) : d.size;
  }

  get encoding(): string {
    return typeof this.data === 'string' ? 'intset' : 'hashtable';
  }

  /** True for an intset: SSCAN returns it whole, iteration is in numeric order. */
  get isCompact(): boolean {
    return typeof this.data === 'string';
  }

  has(member: string): boolean {
    const d = this.data;
    if (typeof d !== 'string') return d.has(member);
    if (!isIntsetMember(member)) return false;
    const p = this.insertionPoint(d, member);
    return p < d.length && compareAt(d, p, member) === 0;
  }

  /** Adds a member; returns true when it was not there. `maxIntset` is set-max-intset-entries. */
  add(member: string, maxIntset: number): boolean {
    let d = this.data;
    if (typeof d === 'string') {
      if (isIntsetMember(member)) {
        const p = this.insertionPoint(d, member);
        if (p < d.length && compareAt(d, p, member) === 0) return false;
        const grown = P.splice(d, p, p, [member], 1);
        this.data = grown;
        if (P.count(grown) > maxIntset) this.toHashtable(grown);
        return true;
      }
      d = this.toHashtable(d);
    }
    return d.set(member, true);
  }

  delete(member: string): boolean {
    const d = this.data;
    if (typeof d !== 'string') return d.delete(member);
    if (!isIntsetMember(member)) return false;
    const p = this.insertionPoint(d, member);
    if (p >= d.length || compareAt(d, p, member) !== 0) return false;
    this.data = P.splice(d, p, P.next(d, p), [], -1);
    return true;
  }

  /** A uniformly random member, or undefined when empty. */
  random(rand: () => number = Math.random): string | undefined {
    const d = this.data;
    if (typeof d !== 'string') return d.randomKey(rand);
    const n = P.count(d);
    if (n === 0) return undefined;
    let p = P.first(d);
    for (let k = Math.floor(rand() * n); k > 0; k--) p = P.next(d, p);
    return P.entryAt(d, p);
  }

  /** Visits every member: ascending for an intset, insertion order for a hashtable. */
  forEach(visit: (member: string) => void): void {
    const d = this.data;
    if (typeof d !== 'string') d.forEach(visit);
    else for (const m of P.entries(d)) visit(m);
  }

  toArray(): string[] {
    const d = this.data;
    if (typeof d === 'string') return P.entries(d);
    const out: string[] = [];
    d.forEach((m) => out.push(m));
    return out;
  }

  /** Dict.scan over a hashtable set; an intset is visited whole. */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    const d = this.data;
    if (typeof d !== 'string') return d.scan(cursor, count, visit);
    this.forEach(visit);
    return 0;
  }

  /** The hash table of the big encoding, null while compact (DEBUG HTSTATS-KEY). */
  hashTable(): { homePositions(): { capacity: number; homes: number[] } } | null {
    const d = this.data;
    return typeof d === 'string' ? null : d;
  }

  /** The packed string while an intset (MEMORY USAGE), else null. */
  packed(): string | null {
    const d = this.data;
    return typeof d === 'string' ? d : null;
  }

  clone(): SetValue {
    const d = this.data;
    const s = new SetValue(typeof d === 'string');
    if (typeof d === 'string') s.data = d; // immutable: shared safely
    else d.forEach((m) => (s.data as Dict<true>).set(m, true));
    return s;
  }

  private toHashtable(s: string): Dict<true> {
    const dict = new Dict<true>();
    for (const m of P.entries(s)) dict.set(m, true);
    this.data = dict;
    return dict;
  }

  /** Position of the first entry not below `member` (s.length when none). */
  private insertionPoint(s: string, member: string): number {
    let p = P.first(s);
    while (p < s.length && compareAt(s, p, member) < 0) p = P.next(s, p);
    return p;
  }
}
