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

/** Redis's string2ll (util/numbers.ts), under the name the command families import. */
export { string2ll as parseIntStrict } from '../util/numbers';
