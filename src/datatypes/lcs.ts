// Longest common subsequence of two byte strings, by Redis's O(n*m) dynamic programming (the
// LCS command). The walk back through the table follows Redis's choices exactly, so the match
// ranges it reports are the same ones Redis reports.

/**
 * The DP table: cell (i, j) at index j + i*(b.length+1) holds the LCS length of a[0..i) and
 * b[0..j). The last cell is the LCS length. Throws RangeError when it cannot be allocated.
 */
export function lcsTable(a: string, b: string): Uint32Array {
  const alen = a.length;
  const blen = b.length;
  const row = blen + 1;
  const t = new Uint32Array((alen + 1) * row);
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const cur = i * row;
    const prev = cur - row;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) {
        t[cur + j] = t[prev + j - 1] + 1;
      } else {
        const up = t[prev + j];
        const left = t[cur + j - 1];
        t[cur + j] = up > left ? up : left;
      }
    }
  }
  return t;
}

/** One contiguous run of the LCS: a[aStart..aEnd] equals b[bStart..bEnd] (inclusive). */
export interface LcsRange {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

export interface LcsResult {
  /** The common subsequence itself. */
  text: string;
  /** Matching runs, from the end of the strings towards their start. */
  ranges: LcsRange[];
}

/**
 * Walks the table back from the last cell. Ranges shorter than minMatchLen are left out;
 * pass a negative minMatchLen to skip collecting ranges.
 */
export function lcsMatches(a: string, b: string, t: Uint32Array, minMatchLen: number): LcsResult {
  const alen = a.length;
  const row = b.length + 1;
  const collect = minMatchLen >= 0;
  const ranges: LcsRange[] = [];
  const chars: number[] = [];
  // aStart === alen means "no range open", as in Redis.
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = b.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars.push(a.charCodeAt(i - 1));
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (t[(i - 1) * row + j] > t[i * row + j - 1]) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      if (collect && (minMatchLen === 0 || aEnd - aStart + 1 >= minMatchLen)) {
        ranges.push({ aStart, aEnd, bStart, bEnd });
      }
      aStart = alen;
    }
  }
  chars.reverse();
  let text = '';
  for (let k = 0; k < chars.length; k += 8192) text += String.fromCharCode.apply(null, chars.slice(k, k + 8192));
  return { text, ranges };
}
