// Parameter values the way Redis's C code reads and writes them: memory sizes, strict integers,
// quoting. No dependency on the parameter table, so the table's special parsers can use them.

// ---- numbers ----------------------------------------------------------------------------------

const U64 = 1n << 64n;
const MEMORY_UNITS: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };

/** Redis's memtoull: "100mb", "1gb", "42" (wrapping like unsigned long long). Null when invalid. */
export function memtoull(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  const m = /^([0-9]*)(.*)$/s.exec(s)!;
  const mul = MEMORY_UNITS[m[2].toLowerCase()];
  if (mul === undefined || m[1].length >= 128) return null;
  let v = m[1] === '' ? 0n : BigInt(m[1]);
  if (v >= U64) v = U64 - 1n; // strtoull saturates
  return (v * mul) % U64;
}

/** Redis's memtoull for callers that want a JS number (approximate above 2^53). */
export function parseMemory(s: string): number | null {
  const v = memtoull(s);
  return v === null ? null : Number(v);
}

// string2ll (as a bigint) and C strtoll live with the other number parsers in util/numbers.ts.
export { string2llBig as string2ll, strtollFull } from '../util/numbers';

// ---- CONFIG REWRITE formatting ---------------------------------------------------------------

/** Redis's sdscatrepr: a double-quoted string with C escapes. */
export function quoteRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** Redis's rewriteConfigFormatMemory: 1gb, 64mb, 3kb or plain bytes. */
export function formatMemoryForFile(n: bigint): string {
  const units: [bigint, string][] = [
    [1073741824n, 'gb'],
    [1048576n, 'mb'],
    [1024n, 'kb'],
  ];
  for (const [u, s] of units) if (n && n % u === 0n) return `${n / u}${s}`;
  return n.toString();
}
