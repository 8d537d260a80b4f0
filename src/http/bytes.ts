// Byte strings (latin1 JS strings, one char per byte, as the server keeps keys and values) shown
// and typed as text without ever decoding them as UTF-8 by accident. Shared by the dashboard's
// server code and its browser bundle (pure functions, no Node or DOM APIs).
//
//   escape("caf\xc3\xa9\n")  -> "caf\\xc3\\xa9\\n"   printable ASCII as is, the rest escaped
//   unescape(that)           -> the same bytes again; characters typed beyond ASCII become their
//                               UTF-8 bytes (what redis-cli sends for what a terminal typed)

const HEX = '0123456789abcdef';

/** True when every char is a byte (code point <= 0xff): a valid byte string. */
export function isByteString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Printable ASCII kept, backslash doubled, \n \r \t, every other byte as \xNN. */
export function escapeBytes(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else out += '\\x' + HEX[(c >> 4) & 15] + HEX[c & 15];
  }
  return out;
}

/** The bytes of UTF-8 text, as a byte string. */
export function utf8Bytes(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (cp < 0x800) out += String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out += String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out += String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}

/**
 * The inverse of escapeBytes: \\ \n \r \t \xNN are bytes; other characters are taken as typed
 * text (UTF-8). Returns null for a malformed escape (a lone backslash, \x without two hex digits).
 */
export function unescapeBytes(text: string): string | null {
  let out = '';
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      plain += ch;
      continue;
    }
    out += utf8Bytes(plain);
    plain = '';
    const e = text[++i];
    if (e === '\\') out += '\\';
    else if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === 't') out += '\t';
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else return null;
  }
  return out + utf8Bytes(plain);
}

/** Hex digits of a byte string ("ab" -> "6162"). */
export function toHex(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += HEX[(c >> 4) & 15] + HEX[c & 15];
  }
  return out;
}

/** The byte string for hex digits, or null if they are not an even run of hex digits. */
export function fromHex(hex: string): string | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** The text the bytes encode when they are valid UTF-8, else null (never a lossy decode). */
export function utf8Text(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    let n: number;
    let cp: number;
    if (c < 0x80) {
      out += s[i++];
      continue;
    } else if (c >= 0xc2 && c < 0xe0) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c < 0xf0) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c < 0xf5) {
      n = 3;
      cp = c & 0x07;
    } else return null;
    if (i + n >= s.length) return null;
    for (let k = 1; k <= n; k++) {
      const d = s.charCodeAt(i + k);
      if ((d & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
    if ((n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += n + 1;
  }
  return out;
}
