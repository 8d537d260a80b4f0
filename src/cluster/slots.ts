// Hash slots: Redis Cluster maps every key to one of 16384 slots by CRC16 (XMODEM: polynomial
// 0x1021, initial value 0, no reflection) of the key, or of its hash tag — the bytes between the
// first '{' and the first '}' after it, when that span is not empty — so related keys can be
// forced into one slot. Keys are latin1 strings: one char per byte.

export const CLUSTER_SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/** CRC16/XMODEM of s[from, to) (latin1 chars as bytes). */
export function crc16(s: string, from = 0, to = s.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ s.charCodeAt(i)) & 0xff];
  return crc;
}

/** The slot of a key, honouring hash tags. */
export function keyHashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    // "{}" (empty tag) or no closing brace: the whole key is hashed.
    if (close > open + 1) return crc16(key, open + 1, close) & (CLUSTER_SLOTS - 1);
  }
  return crc16(key) & (CLUSTER_SLOTS - 1);
}
