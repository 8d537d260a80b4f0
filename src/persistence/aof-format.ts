// The AOF's file formats: the multi-part manifest ("file <name> seq <n> type <b|h|i>" lines)
// and commands as RESP multibulks, parsed with truncation detection (aof-load-truncated).

import { splitArgs } from '../resp/parser';

export interface ManifestEntry {
  name: string;
  seq: number;
  type: 'b' | 'h' | 'i';
}

export class AofLoadError extends Error {
  override name = 'AofLoadError';
  /** Log lines that come before the message (where in the file the error is). */
  constructor(
    message: string,
    readonly context: string[] = [],
  ) {
    super(message);
  }
}

/** A malformed manifest: the server does not start (logged as a fatal manifest error). */
export class AofManifestLoadError extends AofLoadError {
  override name = 'AofManifestLoadError';
}

/** Longest manifest line Redis reads in one piece; a longer one is an error. */
const MANIFEST_MAX_LINE = 1024;

/**
 * Parses a manifest with Redis's rules (aofLoadManifestFromFile): the file is read in pieces of
 * up to 1024 bytes ending at a newline; '#' lines are comments; a piece with no newline (a line
 * too long, or a last line without one) and a blank line are errors; each entry needs at least
 * "file", "seq" (non-zero) and "type" (keys in any case, the file a bare name); incr files must
 * have increasing sequence numbers, and there is at most one base. An error names the line.
 */
export function parseManifest(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  let hasBase = false;
  let maxIncrSeq = 0;
  let linenum = 0;
  let pos = 0;
  for (;;) {
    if (pos >= text.length) {
      if (linenum === 0) throw new AofManifestLoadError('Found an empty AOF manifest');
      return out;
    }
    const nl = text.indexOf('\n', pos);
    const end = Math.min(nl < 0 ? text.length : nl + 1, pos + MANIFEST_MAX_LINE);
    const piece = text.slice(pos, end);
    pos = end;
    linenum++;
    if (piece[0] === '#') continue;
    if (!piece.includes('\n')) throw new AofManifestLoadError('The AOF manifest file contains too long line');
    const line = piece.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    const fail = (msg: string) => new AofManifestLoadError(msg, [`Reading the manifest file, at line ${linenum}`, `>>> '${line}'`]);
    const argv = line === '' ? null : splitArgs(line);
    // Fewer than 6 words or an odd count is malformed (more pairs are allowed, for later versions).
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw fail('Invalid AOF manifest file format');
    let name: string | undefined;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv.length; i += 2) {
      const k = argv[i].toLowerCase();
      if (k === 'file') {
        name = argv[i + 1];
        if (name.includes('/') || name.includes('\\')) throw fail("File can't be a path, just a filename");
      } else if (k === 'seq') seq = atoll(argv[i + 1]);
      else if (k === 'type') type = argv[i + 1].charAt(0);
    }
    if (name === undefined || seq === 0 || type === '') throw fail('Invalid AOF manifest file format');
    if (type === 'b') {
      if (hasBase) throw fail('Found duplicate base file information');
      hasBase = true;
    } else if (type === 'i') {
      if (seq <= maxIncrSeq) throw fail('Found a non-monotonic sequence number');
      maxIncrSeq = seq;
    } else if (type !== 'h') throw fail('Unknown AOF file type');
    out.push({ name, seq, type });
  }
}

/** C's atoll: optional sign and leading digits, 0 when there are none. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
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
