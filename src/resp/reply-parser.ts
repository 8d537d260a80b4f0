// Client side of RESP: decodes replies (RESP2 and RESP3) into reply values. Used by the test
// harness, the benchmark and tools that talk to a server; the server itself never needs it.
import { ReplyError } from '../errors';
import { DoubleReply, MapReply, NULL_ARRAY, PushReply, Reply, SetReply, SimpleString, VerbatimReply } from './reply';

export interface Decoded {
  value: Reply;
  end: number;
}

/** Decodes one reply at `pos`; null when the buffer holds only part of it. */
export function decodeReply(buf: Buffer, pos: number): Decoded | null {
  if (pos >= buf.length) return null;
  const type = buf[pos];
  const cr = buf.indexOf(13, pos);
  if (cr < 0 || cr + 1 >= buf.length) return null;
  const line = buf.latin1Slice(pos + 1, cr);
  const next = cr + 2;
  switch (type) {
    case 43: // +
      return { value: new SimpleString(line), end: next };
    case 45: // -
      return { value: new ReplyError(line), end: next };
    case 58: // :
      return { value: toInt(line), end: next };
    case 95: // _
      return { value: null, end: next };
    case 35: // #
      return { value: line === 't', end: next };
    case 44: // ,
      return { value: new DoubleReply(line === 'inf' ? Infinity : line === '-inf' ? -Infinity : Number(line)), end: next };
    case 40: // ( big number
      return { value: BigInt(line), end: next };
    case 36: // $
    case 61: // = verbatim
    case 33: {
      // ! blob error
      const n = parseInt(line, 10);
      if (n < 0) return { value: null, end: next };
      if (buf.length < next + n + 2) return null;
      const s = buf.latin1Slice(next, next + n);
      const end = next + n + 2;
      if (type === 36) return { value: s, end };
      if (type === 33) return { value: new ReplyError(s), end };
      return { value: new VerbatimReply(s.slice(0, 3), s.slice(4)), end };
    }
    case 42: // *
    case 37: // %
    case 126: // ~
    case 62: // >
    case 124: {
      // | attribute (skipped: decode the map, then the real reply that follows)
      let n = parseInt(line, 10);
      if (n < 0) return { value: NULL_ARRAY, end: next };
      if (type === 37 || type === 124) n *= 2;
      const items: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const d = decodeReply(buf, p);
        if (d === null) return null;
        items.push(d.value);
        p = d.end;
      }
      if (type === 124) return decodeReply(buf, p);
      if (type === 42) return { value: items, end: p };
      if (type === 37) return { value: new MapReply(items), end: p };
      if (type === 126) return { value: new SetReply(items), end: p };
      return { value: new PushReply(items), end: p };
    }
    default:
      throw new Error(`bad reply type byte ${type} at ${pos}`);
  }
}

function toInt(s: string): number | bigint {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

/** Encodes a command as a RESP multibulk request. Strings are taken as latin1 bytes. */
export function encodeCommand(args: (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}
