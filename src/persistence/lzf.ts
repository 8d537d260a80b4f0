// LZF, the compression RDB files use for strings (a port of liblzf 3.6 as built into Redis:
// HLOG 16, VERY_FAST, no ULTRA_FAST). Output is a sequence of literal runs (ctrl < 32: ctrl+1
// bytes follow) and back references (len in the top 3 bits, 7 meaning "one more length byte",
// offset in 13 bits).

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** Made on the first compression (a server that never saves does not pay for it at startup). */
let htabOrNull: Int32Array | null = null;
/**
 * Entries are stored as position + base and the base moves past every input, so entries left by
 * earlier calls read as empty without clearing the 256 KB table per call (most of LZF's time on
 * short strings). Byte-identical to a clean table: raw values below base read as 0.
 */
let base = 1;

function idx(h: number): number {
  // liblzf's IDX with VERY_FAST: ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1)
  return ((h >>> (24 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compresses `input`; returns the compressed bytes, or null when they would not fit in outMax
 * bytes (Redis passes len - 4 and then stores the string uncompressed). Byte-identical to
 * Redis's lzf_compress run with a clean hash table.
 */
export function lzfCompress(input: Uint8Array, outMax = input.length - 4): Buffer | null {
  const inEnd = input.length;
  if (inEnd < 2 || outMax <= 0) return null;
  const out = Buffer.allocUnsafe(outMax + 4);
  const htab = (htabOrNull ??= new Int32Array(HSIZE));
  if (base + inEnd >= 0x7fffffff) {
    htab.fill(0);
    base = 1;
  }
  const b = base;
  base += inEnd + 1;
  let ip = 0;
  let op = 1; // room for the first literal run's control byte
  let lit = 0;
  let hval = (input[0] << 8) | input[1];
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0;
    const slot = idx(hval);
    const raw = htab[slot];
    const ref = raw >= b ? raw - b : 0;
    htab[slot] = ip + b;
    let off = 0;
    if (ref < ip && (off = ip - ref - 1) < MAX_OFF && ref > 0 && input[ref + 2] === input[ip + 2] && input[ref + 1] === input[ip + 1] && input[ref] === input[ip]) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outMax && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outMax) return null;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // an empty run takes no byte
      do len++;
      while (len < maxlen && input[ref + len] === input[ip + len]);
      len -= 2; // #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a literal run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // VERY_FAST: hash the two positions before the new ip.
      ip -= 2;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      htab[idx(hval)] = ip + b;
      ip++;
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      htab[idx(hval)] = ip + b;
      ip++;
    } else {
      if (op >= outMax) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outMax) return null;
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return out.subarray(0, op);
}

/** Decompresses exactly `outLen` bytes; throws on malformed input. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd) {
    let ctrl = input[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen) throw new Error('lzf: output overflow');
      if (ip + ctrl > inEnd) throw new Error('lzf: input overflow');
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++];
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) throw new Error('lzf: input overflow');
      if (len === 7) {
        len += input[ip++];
        if (ip >= inEnd) throw new Error('lzf: input overflow');
      }
      ref -= input[ip++];
      len += 2;
      if (op + len > outLen) throw new Error('lzf: output overflow');
      if (ref < 0) throw new Error('lzf: bad back reference');
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  }
  if (op !== outLen) throw new Error('lzf: length mismatch');
  return out;
}

/** Frees the 256 KB hash table (it is kept between calls otherwise). */
export function lzfReleaseTable(): void {
  htabOrNull = null;
  base = 1;
}
