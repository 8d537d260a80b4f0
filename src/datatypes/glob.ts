// Glob-style matching exactly like Redis's stringmatchlen (KEYS, SCAN MATCH, PSUBSCRIBE,
// CONFIG GET): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes; byte-wise on latin1 strings.

/** True if `str` matches `pattern`. */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  skipLonger = false;
  return match(pattern, 0, str, 0, nocase, 0);
}

function signedByte(c: number): number {
  return c >= 128 ? c - 256 : c;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

// Set once the text after a '*' has been tried at every position without success: an earlier '*'
// taking a longer match cannot help then (Redis's skipLongerMatches). Matching is synchronous, so
// one module-level flag serves every call without allocating.
let skipLonger = false;

function match(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): boolean {
  // Redis bounds recursion to protect the stack from patterns like "a*a*a*...".
  if (nesting > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: {
        // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true;
        while (si < slen) {
          if (match(p, pi + 1, s, si, nocase, nesting + 1)) return true;
          if (skipLonger) return false;
          si++;
        }
        skipLonger = true; // no match for the rest: longer candidates cannot match either
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: {
        // '['
        pi++;
        const not = p.charCodeAt(pi) === 94; // '^'
        if (not) pi++;
        let matched = false;
        for (;;) {
          if (pi >= plen) {
            pi--; // unterminated class: treat as ending here, like Redis
            break;
          }
          const c = p.charCodeAt(pi);
          if (c === 92 && pi + 1 < plen) {
            // '\' escape inside class
            pi++;
            if (p.charCodeAt(pi) === s.charCodeAt(si)) matched = true;
          } else if (c === 93) {
            // ']'
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45) {
            // range a-z; Redis compares C chars, which are signed: bytes >= 0x80 sort below 0
            let start = signedByte(c);
            let end = signedByte(p.charCodeAt(pi + 2));
            let ch = signedByte(s.charCodeAt(si));
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              ch = lower(ch);
            }
            pi += 2;
            if (ch >= start && ch <= end) matched = true;
          } else if (nocase ? lower(c) === lower(s.charCodeAt(si)) : c === s.charCodeAt(si)) {
            matched = true;
          }
          pi++;
        }
        if (not) matched = !matched;
        if (!matched) return false;
        si++;
        break;
      }
      default: {
        // '\' escapes the next character, which then matches literally.
        if (pc === 92 && pi + 1 < plen) pi++;
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}
