// The cluster bus wire format (Redis 7.0, protocol version 1): every message starts with a
// 2256-byte header, all integers big-endian, followed by a type-specific body. Names and IPs are
// fixed-size NUL-padded byte fields. Layout (byte offsets):
//
//   0 "RCmb"  4 totlen u32  8 ver u16  10 port u16  12 type u16  14 count u16
//   16 currentEpoch u64  24 configEpoch u64  32 offset u64  40 sender[40]  80 myslots[2048]
//   2128 slaveof[40]  2168 myip[46]  2214 extensions u16  2216 reserved[30]  2246 pport u16
//   2248 cport u16  2250 flags u16  2252 state u8  2253 mflags[3]  2256 body
//
// Bodies: PING/PONG/MEET carry `count` 104-byte gossip entries, then (when mflags[0] has
// EXT_DATA) `extensions` records {length u32, type u16, pad u16, data} padded to 8 bytes;
// FAIL a node name; PUBLISH/PUBLISHSHARD {channel_len u32, message_len u32, bytes}; UPDATE
// {configEpoch u64, name[40], slots[2048]}; FAILOVER_AUTH_* and MFSTART nothing.

export const HEADER_LEN = 2256;
export const GOSSIP_LEN = 104;
export const PROTO_VER = 1;
export const NAME_LEN = 40;
export const IP_LEN = 46;
const SLOTS_LEN = 2048;

export const enum MsgType {
  PING = 0,
  PONG = 1,
  MEET = 2,
  FAIL = 3,
  PUBLISH = 4,
  FAILOVER_AUTH_REQUEST = 5,
  FAILOVER_AUTH_ACK = 6,
  UPDATE = 7,
  MFSTART = 8,
  MODULE = 9,
  PUBLISHSHARD = 10,
}
export const MSG_TYPE_COUNT = 11;
export const MSG_TYPE_NAMES = ['ping', 'pong', 'meet', 'fail', 'publish', 'auth-req', 'auth-ack', 'update', 'mfstart', 'module', 'publishshard'];

export const MFLAG0_PAUSED = 1;
export const MFLAG0_FORCEACK = 2;
export const MFLAG0_EXT_DATA = 4;
const EXT_HOSTNAME = 0;

/** The sender's view carried in every header. */
export interface Header {
  type: number;
  count: number;
  port: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  sender: string;
  myslots: Uint8Array;
  /** '' when the sender is a master. */
  slaveof: string;
  /** '' when not announced. */
  myip: string;
  extensions: number;
  pport: number;
  cport: number;
  flags: number;
  state: number;
  mflags0: number;
}

export interface Gossip {
  name: string;
  pingSent: number;
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  flags: number;
  pport: number;
}

/** A NUL-terminated (or full-width) latin1 field. */
function cstr(buf: Buffer, at: number, len: number): string {
  let end = at;
  while (end < at + len && buf[end] !== 0) end++;
  return buf.latin1Slice(at, end);
}

function u64(buf: Buffer, at: number): number {
  // Epochs and offsets stay far below 2^53.
  return Number(buf.readBigUInt64BE(at));
}

export function readHeader(buf: Buffer): Header {
  return {
    type: buf.readUInt16BE(12),
    count: buf.readUInt16BE(14),
    port: buf.readUInt16BE(10),
    currentEpoch: u64(buf, 16),
    configEpoch: u64(buf, 24),
    offset: u64(buf, 32),
    sender: cstr(buf, 40, NAME_LEN),
    myslots: buf.subarray(80, 80 + SLOTS_LEN),
    slaveof: buf[2128] === 0 ? '' : cstr(buf, 2128, NAME_LEN),
    myip: cstr(buf, 2168, IP_LEN),
    extensions: buf.readUInt16BE(2214),
    pport: buf.readUInt16BE(2246),
    cport: buf.readUInt16BE(2248),
    flags: buf.readUInt16BE(2250),
    state: buf[2252],
    mflags0: buf[2253],
  };
}

/**
 * The length a message of this type must have (Redis drops any other), or -1 when malformed.
 * Unknown types are accepted at any length (and ignored later).
 */
export function expectedLength(buf: Buffer): number {
  const type = buf.readUInt16BE(12);
  const totlen = buf.readUInt32BE(4);
  switch (type) {
    case MsgType.PING:
    case MsgType.PONG:
    case MsgType.MEET: {
      let len = HEADER_LEN + GOSSIP_LEN * buf.readUInt16BE(14);
      if (buf[2253] & MFLAG0_EXT_DATA) {
        let n = buf.readUInt16BE(2214);
        while (n-- > 0) {
          if (len + 8 > buf.length) return -1;
          const extlen = buf.readUInt32BE(len);
          if (extlen % 8 !== 0 || extlen < 8 || totlen - len < extlen) return -1;
          len += extlen;
        }
      }
      return len;
    }
    case MsgType.FAIL:
      return HEADER_LEN + NAME_LEN;
    case MsgType.PUBLISH:
    case MsgType.PUBLISHSHARD:
      return HEADER_LEN + 8 + buf.readUInt32BE(HEADER_LEN) + buf.readUInt32BE(HEADER_LEN + 4);
    case MsgType.FAILOVER_AUTH_REQUEST:
    case MsgType.FAILOVER_AUTH_ACK:
    case MsgType.MFSTART:
      return HEADER_LEN;
    case MsgType.UPDATE:
      return HEADER_LEN + 8 + NAME_LEN + SLOTS_LEN;
    case MsgType.MODULE:
      return HEADER_LEN + 13 + buf.readUInt32BE(HEADER_LEN + 8);
    default:
      return totlen;
  }
}

export function readGossip(buf: Buffer, i: number): Gossip {
  const at = HEADER_LEN + i * GOSSIP_LEN;
  return {
    name: cstr(buf, at, NAME_LEN),
    pingSent: buf.readUInt32BE(at + 40),
    pongReceived: buf.readUInt32BE(at + 44),
    ip: cstr(buf, at + 48, IP_LEN),
    port: buf.readUInt16BE(at + 94),
    cport: buf.readUInt16BE(at + 96),
    flags: buf.readUInt16BE(at + 98),
    pport: buf.readUInt16BE(at + 100),
  };
}

/** The hostname extension's value ('' when absent); other extension types are skipped. */
export function readHostnameExt(buf: Buffer, h: Header): string | null {
  if (!(h.mflags0 & MFLAG0_EXT_DATA)) return null;
  let at = HEADER_LEN + h.count * GOSSIP_LEN;
  let hostname: string | null = null;
  for (let n = h.extensions; n > 0 && at + 8 <= buf.length; n--) {
    const len = buf.readUInt32BE(at);
    if (buf.readUInt16BE(at + 4) === EXT_HOSTNAME) hostname = cstr(buf, at + 8, len - 8);
    at += len;
  }
  return hostname;
}

export function readFailName(buf: Buffer): string {
  return cstr(buf, HEADER_LEN, NAME_LEN);
}

export function readPublish(buf: Buffer): [string, string] {
  const clen = buf.readUInt32BE(HEADER_LEN);
  const mlen = buf.readUInt32BE(HEADER_LEN + 4);
  const at = HEADER_LEN + 8;
  return [buf.latin1Slice(at, at + clen), buf.latin1Slice(at + clen, at + clen + mlen)];
}

export function readUpdate(buf: Buffer): { configEpoch: number; name: string; slots: Uint8Array } {
  return {
    configEpoch: u64(buf, HEADER_LEN),
    name: cstr(buf, HEADER_LEN + 8, NAME_LEN),
    slots: buf.subarray(HEADER_LEN + 48, HEADER_LEN + 48 + SLOTS_LEN),
  };
}

// ---- building --------------------------------------------------------------------------------

/** Header fields the sender fills in (everything but type, count and lengths). */
export interface SenderView {
  port: number;
  pport: number;
  cport: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  name: string;
  slots: Uint8Array;
  slaveof: string;
  announcedIp: string;
  flags: number;
  state: number;
  mflags0: number;
}

/** A message buffer of `bodyLen` body bytes with its header written. */
export function buildMessage(type: number, view: SenderView, bodyLen: number): Buffer {
  const buf = Buffer.alloc(HEADER_LEN + bodyLen);
  buf.write('RCmb', 0, 'latin1');
  buf.writeUInt32BE(buf.length, 4);
  buf.writeUInt16BE(PROTO_VER, 8);
  buf.writeUInt16BE(view.port, 10);
  buf.writeUInt16BE(type, 12);
  buf.writeBigUInt64BE(BigInt(view.currentEpoch), 16);
  buf.writeBigUInt64BE(BigInt(view.configEpoch), 24);
  buf.writeBigUInt64BE(BigInt(Math.max(0, view.offset)), 32);
  buf.write(view.name, 40, NAME_LEN, 'latin1');
  buf.set(view.slots, 80);
  if (view.slaveof !== '') buf.write(view.slaveof, 2128, NAME_LEN, 'latin1');
  if (view.announcedIp !== '') buf.write(view.announcedIp, 2168, IP_LEN - 1, 'latin1');
  buf.writeUInt16BE(view.pport, 2246);
  buf.writeUInt16BE(view.cport, 2248);
  buf.writeUInt16BE(view.flags & 0xffff, 2250);
  buf[2252] = view.state;
  buf[2253] = view.mflags0;
  return buf;
}

/** PING/PONG/MEET with gossip entries and an optional hostname extension. */
export function buildPing(type: number, view: SenderView, gossip: Gossip[], hostname: string): Buffer {
  const extLen = hostname === '' ? 0 : 8 + align8(hostname.length + 1);
  const buf = buildMessage(type, view, gossip.length * GOSSIP_LEN + extLen);
  buf.writeUInt16BE(gossip.length, 14);
  let at = HEADER_LEN;
  for (const g of gossip) {
    buf.write(g.name, at, NAME_LEN, 'latin1');
    buf.writeUInt32BE(g.pingSent >>> 0, at + 40);
    buf.writeUInt32BE(g.pongReceived >>> 0, at + 44);
    buf.write(g.ip, at + 48, IP_LEN - 1, 'latin1');
    buf.writeUInt16BE(g.port, at + 94);
    buf.writeUInt16BE(g.cport, at + 96);
    buf.writeUInt16BE(g.flags & 0xffff, at + 98);
    buf.writeUInt16BE(g.pport, at + 100);
    at += GOSSIP_LEN;
  }
  if (extLen !== 0) {
    buf[2253] |= MFLAG0_EXT_DATA;
    buf.writeUInt16BE(1, 2214);
    buf.writeUInt32BE(extLen, at);
    buf.writeUInt16BE(EXT_HOSTNAME, at + 4);
    buf.write(hostname, at + 8, 'latin1');
  }
  return buf;
}

export function buildFail(view: SenderView, name: string): Buffer {
  const buf = buildMessage(MsgType.FAIL, view, NAME_LEN);
  buf.write(name, HEADER_LEN, NAME_LEN, 'latin1');
  return buf;
}

export function buildPublish(view: SenderView, shard: boolean, channel: string, message: string): Buffer {
  const buf = buildMessage(shard ? MsgType.PUBLISHSHARD : MsgType.PUBLISH, view, 8 + channel.length + message.length);
  buf.writeUInt32BE(channel.length, HEADER_LEN);
  buf.writeUInt32BE(message.length, HEADER_LEN + 4);
  buf.latin1Write(channel, HEADER_LEN + 8);
  buf.latin1Write(message, HEADER_LEN + 8 + channel.length);
  return buf;
}

export function buildUpdate(view: SenderView, name: string, configEpoch: number, slots: Uint8Array): Buffer {
  const buf = buildMessage(MsgType.UPDATE, view, 8 + NAME_LEN + SLOTS_LEN);
  buf.writeBigUInt64BE(BigInt(configEpoch), HEADER_LEN);
  buf.write(name, HEADER_LEN + 8, NAME_LEN, 'latin1');
  buf.set(slots, HEADER_LEN + 48);
  return buf;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
