// The AOF's file formats: the multi-part manifest ("file <name> seq <n> type <b|h|i>" lines)
// and commands as RESP multibulks, parsed with truncation detection (aof-load-truncated).

export interface ManifestEntry {
  name: string;
  seq: number;
  type: 'b' | 'h' | 'i';
}

export class AofLoadError extends Error {
  override name = 'AofLoadError';
}

/** Parses a manifest (Redis's aofLoadManifestFromFile). */
export function parseManifest(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  let bases = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = splitManifestLine(line);
    if (parts === null || parts.length % 2 !== 0) throw new AofLoadError('Invalid AOF manifest file format');
    const e: Partial<ManifestEntry> = {};
    for (let i = 0; i < parts.length; i += 2) {
      const k = parts[i];
      const v = parts[i + 1];
      if (k === 'file') e.name = v;
      else if (k === 'seq') e.seq = Number(v);
      else if (k === 'type') e.type = v as ManifestEntry['type'];
    }
    if (e.name === undefined || e.seq === undefined || !Number.isInteger(e.seq) || (e.type !== 'b' && e.type !== 'h' && e.type !== 'i')) {
      throw new AofLoadError('Invalid AOF manifest file format');
    }
    if (e.type === 'b' && ++bases > 1) throw new AofLoadError('Found duplicate base file information');
    out.push(e as ManifestEntry);
  }
  return out;
}

function splitManifestLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      let s = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) {
          const n = line[++i];
          if (n === 'x') {
            s += String.fromCharCode(parseInt(line.slice(i + 1, i + 3), 16));
            i += 2;
          } else s += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
        } else s += line[i];
        i++;
      }
      if (line[i] !== '"') return null;
      i++;
      out.push(s);
    } else {
      const j = line.indexOf(' ', i);
      out.push(line.slice(i, j < 0 ? line.length : j));
      i = j < 0 ? line.length : j;
    }
  }
  return out;
}

function manifestName(n: string): string {
  return /^[\x21-\x7e]+$/.test(n) && !n.includes('"') ? n : JSON.stringify(n);
}

export function formatManifest(entries: ManifestEntry[]): string {
  return entries.map((e) => `file ${manifestName(e.name)} seq ${e.seq} type ${e.type}\n`).join('');
}

/** One command in RESP, latin1. */
export function respCommand(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/**
 * Parses RESP commands from buf[start..]. Returns the commands, the offset after the last
 * complete one, and whether the data ended in the middle of a command (truncated) or is
 * malformed.
 */
export function parseCommands(
  buf: Buffer,
  start: number,
  visit: (argv: string[], offset: number) => void,
  limit = Infinity,
): { end: number; truncated: boolean; bad: boolean; more?: boolean } {
  let p = start;
  let visited = 0;
  const n = buf.length;
  const line = (): number | null => {
    const eol = buf.indexOf(13, p);
    if (eol < 0 || eol + 1 >= n) return null;
    if (buf[eol + 1] !== 10) return -1;
    const v = Number(buf.latin1Slice(p + 1, eol));
    p = eol + 2;
    return Number.isInteger(v) ? v : -1;
  };
  while (p < n) {
    const cmdStart = p;
    // Annotations (aof-timestamp-enabled writes "#TS:<unix time>" lines) are skipped.
    if (buf[p] === 0x23) {
      const eol = buf.indexOf(10, p);
      if (eol < 0) return { end: cmdStart, truncated: true, bad: false };
      p = eol + 1;
      continue;
    }
    if (buf[p] !== 0x2a) return { end: cmdStart, truncated: false, bad: true };
    const count = line();
    if (count === null) return { end: cmdStart, truncated: true, bad: false };
    if (count < 1) return { end: cmdStart, truncated: false, bad: true };
    const argv: string[] = [];
    for (let i = 0; i < count; i++) {
      if (p >= n) return { end: cmdStart, truncated: true, bad: false };
      if (buf[p] !== 0x24) return { end: cmdStart, truncated: false, bad: true };
      const len = line();
      if (len === null) return { end: cmdStart, truncated: true, bad: false };
      if (len < 0) return { end: cmdStart, truncated: false, bad: true };
      if (p + len + 2 > n) return { end: cmdStart, truncated: true, bad: false };
      argv.push(buf.latin1Slice(p, p + len));
      p += len + 2;
    }
    visit(argv, cmdStart);
    if (++visited >= limit && p < n) return { end: p, truncated: false, bad: false, more: true };
  }
  return { end: p, truncated: false, bad: false };
}
