// A "packed list": the flat form of a small hash, set or sorted set, as Redis keeps them in a
// listpack or intset. Everything lives in one latin1 string (one char per byte), which in V8 is a
// single heap object of 16 bytes plus its bytes: far smaller than an array of strings (an object
// per element) or a Buffer (three objects and an off-heap block).
//
//   <count> <len> <bytes> <len> <bytes> ...
//
// A length (and the count) is one char when below 255, else 255 followed by 4 big-endian chars.
// Strings are immutable, so each change builds a new string: O(n) like a listpack's memmove, and
// n is bounded by the *-max-listpack-* limits. Positions below are char offsets into the string.

const LONG = 0xff;

/** The packed list with no entries. */
export const EMPTY_PACKED = '\x00';

function headerLen(n: number): number {
  return n < LONG ? 1 : 5;
}

/** The length (or count) whose header starts at p. */
export function lenAt(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c < LONG) return c;
  return ((s.charCodeAt(p + 1) << 24) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 8) | s.charCodeAt(p + 4)) >>> 0;
}

/** Where the bytes of the entry at p start. */
export function dataAt(s: string, p: number): number {
  return s.charCodeAt(p) < LONG ? p + 1 : p + 5;
}

/** The position just after the entry at p. */
export function next(s: string, p: number): number {
  const c = s.charCodeAt(p);
  return c < LONG ? p + 1 + c : p + 5 + lenAt(s, p);
}

/** Number of entries. */
export function count(s: string): number {
  return lenAt(s, 0);
}

/** Position of the first entry. */
export function first(s: string): number {
  return s.charCodeAt(0) < LONG ? 1 : 5;
}

/** True when the entry at p holds exactly `x`, without copying it. */
export function equalsAt(s: string, p: number, x: string): boolean {
  return lenAt(s, p) === x.length && s.startsWith(x, dataAt(s, p));
}

/**
 * The entry at p as a string of its own. V8 would make a slice of 13 chars or more a view that
 * keeps the whole packed string alive, so longer entries are copied through a Buffer: anything
 * read here may be stored in another key.
 */
export function entryAt(s: string, p: number): string {
  const d = dataAt(s, p);
  const n = lenAt(s, p);
  if (n < 13) return s.slice(d, d + n);
  // latin1Write takes no source offset: write the slice (a cheap view) and read it back flat.
  const buf = Buffer.allocUnsafe(n);
  buf.latin1Write(s.slice(d, d + n), 0, n);
  return buf.latin1Slice(0, n);
}

/** Every entry, in order, each a string of its own. */
export function entries(s: string): string[] {
  const out: string[] = [];
  const buf = s.length >= 13 ? Buffer.from(s, 'latin1') : null;
  for (let p = first(s); p < s.length; p = next(s, p)) {
    const d = dataAt(s, p);
    const n = lenAt(s, p);
    out.push(n < 13 || buf === null ? s.slice(d, d + n) : buf.latin1Slice(d, d + n));
  }
  return out;
}

/** The header of a length (or count) n, as chars. */
function header(n: number): string {
  if (n < LONG) return String.fromCharCode(n);
  return String.fromCharCode(LONG, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** A packed list of `items` (count = items.length / per: a hash counts field-value pairs). */
export function pack(items: readonly string[], per = 1): string {
  return splice(EMPTY_PACKED, 1, 1, items, items.length / per);
}

/**
 * `s` with the entries between positions from and to (from <= to, on entry boundaries) replaced
 * by `items`, and the count changed by `delta`. Concatenated by V8 (a rope of the kept parts and
 * the new entries), then flattened at once: one copy into one new flat string, which keeps
 * nothing of `s` alive. (Through a Buffer, a change cost three copies and a Buffer.)
 */
export function splice(s: string, from: number, to: number, items: readonly string[], delta: number): string {
  const body = first(s);
  let r = header(count(s) + delta);
  if (from > body) r += s.slice(body, from);
  for (let i = 0; i < items.length; i++) r += header(items[i].length) + items[i];
  if (to < s.length) r += s.slice(to);
  // Reading a char of a rope makes V8 flatten it in place: the slices of `s` are let go now.
  r.charCodeAt(0);
  return r;
}

/** Bytes the packed string takes in V8's heap (header and chars, 8-byte aligned). */
export function packedBytes(s: string): number {
  return (16 + s.length + 7) & ~7;
}
