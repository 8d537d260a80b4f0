// Lua <-> RESP conversions (Redis's script_lua.c): command replies become Lua values for
// redis.call, and what a script returns becomes the reply of EVAL/FCALL.
import { ReplyError } from '../errors';
import { decodeReply } from '../resp/reply-parser';
import { formatDouble } from '../resp/format';
import {
  DoubleReply,
  MapReply,
  Marker,
  NULL_ARRAY,
  PushReply,
  RawReply,
  Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
} from '../resp/reply';
import type { LuaValue } from './engine';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const text = (b: Buffer): string => b.latin1Slice(0, b.length);

/** A command reply as the script sees it, in the script's RESP version (redis.setresp). */
export function replyToLua(r: Reply, resp: 2 | 3): LuaValue {
  switch (typeof r) {
    case 'string':
      return bytes(r);
    case 'number':
    case 'bigint':
      return r;
    case 'boolean':
      return resp === 3 ? r : r ? 1 : 0;
  }
  if (r === null || r === NULL_ARRAY) return null;
  if (Array.isArray(r)) return r.map((x) => replyToLua(x, resp));
  if (r instanceof SimpleString) return { ok: bytes(r.value) };
  if (r instanceof ReplyError) return luaError(r.message);
  if (r instanceof DoubleReply) return resp === 3 ? { double: r.value } : bytes(formatDouble(r.value));
  if (r instanceof MapReply) {
    if (resp === 2) return r.flat.map((x) => replyToLua(x, resp));
    const pairs: [LuaValue, LuaValue][] = [];
    for (let i = 0; i < r.flat.length; i += 2) pairs.push([replyToLua(r.flat[i], resp), replyToLua(r.flat[i + 1], resp)]);
    return { map: pairs };
  }
  if (r instanceof SetReply) return resp === 3 ? { set: r.items.map((x) => replyToLua(x, resp)) } : r.items.map((x) => replyToLua(x, resp));
  if (r instanceof PushReply) return r.items.map((x) => replyToLua(x, resp));
  if (r instanceof VerbatimReply)
    return resp === 3 ? { verbatim_string: { format: bytes(r.format), string: bytes(r.text) } } : bytes(r.text);
  if (r instanceof RawReply) {
    // Precomputed RESP (e.g. COMMAND): decode it as the RESP2 bytes it is.
    const d = decodeReply(r.bytes, 0);
    return d === null ? null : replyToLua(d.value, resp);
  }
  if (r instanceof Marker) return null;
  return null;
}

/** An error reply value for Lua: `{err = "CODE message"}` split the way the engine expects. */
export function luaError(message: string): LuaValue {
  const sp = message.indexOf(' ');
  if (sp > 0 && /^[A-Z][A-Z0-9_-]*$/.test(message.slice(0, sp))) return { err: bytes(message.slice(sp + 1)), code: bytes(message.slice(0, sp)) };
  return { err: bytes(message) };
}

const INT64_MAX = 9223372036854775807n;

/** What a script returned, as the reply of EVAL/FCALL (errors that aborted the script excluded). */
export function luaToReply(v: LuaValue): Reply {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      // Lua numbers >= 2^63 saturate in the engine; Redis's (long long) cast gives INT64_MIN there.
      return v === INT64_MAX ? -INT64_MAX - 1n : v;
    case 'boolean':
      return v;
  }
  if (Buffer.isBuffer(v)) return text(v);
  if (Array.isArray(v)) return v.map(luaToReply);
  if ('ok' in v) return new SimpleString(text(v.ok).replace(/[\r\n]/g, ' '));
  if ('err' in v) {
    const msg = text(v.err).replace(/[\r\n]/g, ' ');
    // redis.error_reply('-CODE msg') keeps the caller's code (the engine prefixed ERR).
    if (msg.startsWith('-') && v.code !== undefined && text(v.code) === 'ERR') return new ReplyError(msg.slice(1));
    return new ReplyError(v.code ? `${text(v.code)} ${msg}` : msg);
  }
  if ('double' in v) return new DoubleReply(v.double);
  if ('big_number' in v) return text(v.big_number);
  if ('verbatim_string' in v) return new VerbatimReply(text(v.verbatim_string.format), text(v.verbatim_string.string));
  if ('map' in v) {
    const flat: Reply[] = [];
    for (const [k, x] of v.map) flat.push(luaToReply(k), luaToReply(x));
    return new MapReply(flat);
  }
  if ('set' in v) return new SetReply(v.set.map(luaToReply));
  return null;
}
