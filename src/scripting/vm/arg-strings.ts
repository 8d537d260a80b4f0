// Reading redis.call arguments out of the engine's memory as latin1 strings. Scripts pass the same
// short strings over and over (command names, key prefixes, field names, small numbers): those are
// kept in a small direct-mapped table keyed by a hash of their bytes, and reused when the bytes
// match, which costs less than making a new string from the buffer each time.

/** Strings up to this many bytes are looked up in the table. */
const SHORT = 24;
const SLOTS = 1024;

export class ArgReader {
  private readonly table: (string | undefined)[] = new Array<string | undefined>(SLOTS);

  /** The argument block at `at`: [count u32]([len u32][bytes])*. */
  read(b: Buffer, at: number): string[] {
    const n = b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
    const argv = new Array<string>(n);
    let o = at + 4;
    for (let i = 0; i < n; i++) {
      const len = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
      o += 4;
      argv[i] = len <= SHORT ? this.short(b, o, len) : b.latin1Slice(o, o + len);
      o += len;
    }
    return argv;
  }

  private short(b: Buffer, o: number, len: number): string {
    let h = len;
    for (let i = 0; i < len; i++) h = (Math.imul(h, 31) + b[o + i]) | 0;
    const slot = (h ^ (h >>> 10)) & (SLOTS - 1);
    const known = this.table[slot];
    if (known !== undefined && known.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (known.charCodeAt(i) !== b[o + i]) {
          same = false;
          break;
        }
      }
      if (same) return known;
    }
    const s = b.latin1Slice(o, o + len);
    this.table[slot] = s;
    return s;
  }
}
