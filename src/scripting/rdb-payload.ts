// The bits of Redis's RDB format FUNCTION DUMP / RESTORE need: string encodings (with LZF),
// the version + CRC64 trailer.

const RDB_VERSION = 10;
export const RDB_OPCODE_FUNCTION2 = 245;

// CRC-64/Jones as Redis computes it (reflected, poly 0xad93d23594c935a9, init 0). The table is
// made on the first FUNCTION DUMP/RESTORE: 2048 BigInt steps are not worth paying at every start.
let crcTable: bigint[] | null = null;

function table(): bigint[] {
  if (crcTable !== null) return crcTable;
  const poly = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 bit-reversed
  const t: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let crc = BigInt(i);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    t.push(crc);
  }
  return (crcTable = t);
}

export function crc64(buf: Buffer, end = buf.length): bigint {
  const CRC_TABLE = table();
  let crc = 0n;
  for (let i = 0; i < end; i++) crc = CRC_TABLE[Number((crc ^ BigInt(buf[i])) & 0xffn)] ^ (crc >> 8n);
  return crc;
}

function lengthBytes(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** opcode + raw string per item, then the RDB version and CRC64 trailer (a DUMP payload). */
export function encodePayload(opcode: number, strings: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of strings) parts.push(Buffer.from([opcode]), lengthBytes(s.length), Buffer.from(s, 'latin1'));
  const ver = Buffer.alloc(2);
  ver.writeUInt16LE(RDB_VERSION, 0);
  parts.push(ver);
  const body = Buffer.concat(parts);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body), 0);
  return Buffer.concat([body, crc]);
}

/** Checks the trailer; returns the data part, or null when the version or checksum is wrong. */
export function verifyPayload(p: Buffer): Buffer | null {
  if (p.length < 10) return null;
  const ver = p.readUInt16LE(p.length - 10);
  if (ver > RDB_VERSION) return null;
  if (crc64(p, p.length - 8) !== p.readBigUInt64LE(p.length - 8)) return null;
  return p.subarray(0, p.length - 10);
}

/** Reads RDB strings from a payload's data part. */
export class RdbReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('short payload');
    return this.buf[this.pos++];
  }

  /** Returns [length, isEncoded]. */
  private length(): [number, boolean] {
    const b = this.byte();
    const type = b >> 6;
    if (type === 0) return [b & 0x3f, false];
    if (type === 1) return [((b & 0x3f) << 8) | this.byte(), false];
    if (type === 3) return [b & 0x3f, true];
    if (b === 0x80) {
      const n = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return [n, false];
    }
    if (b === 0x81) {
      const n = Number(this.buf.readBigUInt64BE(this.pos));
      this.pos += 8;
      return [n, false];
    }
    throw new Error('bad length');
  }

  private take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('short payload');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(): string {
    const [n, enc] = this.length();
    if (!enc) return this.take(n).latin1Slice();
    switch (n) {
      case 0:
        return String(this.take(1).readInt8(0));
      case 1:
        return String(this.take(2).readInt16LE(0));
      case 2:
        return String(this.take(4).readInt32LE(0));
      case 3: {
        const clen = this.length()[0];
        const len = this.length()[0];
        return lzfDecompress(this.take(clen), len).latin1Slice();
      }
    }
    throw new Error('bad string encoding');
  }
}

function lzfDecompress(input: Buffer, outLen: number): Buffer {
  const out = Buffer.alloc(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (op + n > outLen || ip + n > input.length) throw new Error('bad lzf');
      input.copy(out, op, ip, ip + n);
      ip += n;
      op += n;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) len += input[ip++];
      ref -= input[ip++];
      len += 2;
      if (ref < 0 || op + len > outLen) throw new Error('bad lzf');
      for (let i = 0; i < len; i++) out[op++] = out[ref++];
    }
  }
  if (op !== outLen) throw new Error('bad lzf');
  return out;
}
