// Number formatting exactly as Redis prints numbers.

/** printf("%.17g"): how Redis 7.0 replies with doubles (ZSCORE, ZINCRBY, ...). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Up to 2^53 String() prints every digit, as %.17g does; above it, String() picks the shortest
  // round-trip form (29172695635886848 would print as ...850).
  if (Number.isSafeInteger(d)) return String(d);
  return formatG(d, 17);
}

/** printf("%.<p>g") for a finite, non-zero double. */
export function formatG(d: number, p: number): string {
  const exp = d.toExponential(p - 1); // "-1.2345000000000000e+21"
  const ePos = exp.indexOf('e');
  const x = parseInt(exp.slice(ePos + 1), 10);
  if (x < -4 || x >= p) {
    let mant = exp.slice(0, ePos);
    if (mant.indexOf('.') >= 0) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const ax = Math.abs(x);
    return `${mant}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  let fixed = d.toFixed(Math.max(0, p - 1 - x));
  // toFixed and toExponential round the same exact value, so the digit count matches %g's.
  if (fixed.indexOf('.') >= 0) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}

/** Redis's string2ll: the strict integer syntax accepted for integer arguments and values. */
export function parseIntStrict(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null; // "0" only; no leading zeros, no "-0"
  if (first < 49 || first > 57) return null;
  if (n - i <= 15) {
    let v = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return neg ? -v : v;
  }
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const big = BigInt(s);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return null;
  const small = Number(big);
  return Number.isSafeInteger(small) ? small : big;
}
