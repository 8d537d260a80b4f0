// What a script returned -> the reply of EVAL/FCALL (Redis's luaReplyToRedisReply), from the value
// the engine converted. (Command replies -> Lua values are encoded by the VM, src/scripting/vm.)
import { ReplyError } from '../errors';
import { DoubleReply, MapReply, RawReply, Reply, SetReply, SimpleString, VerbatimReply } from '../resp/reply';
import type { LuaValue } from './engine';

const INT64_MIN = -9223372036854775808n;

const oneLine = (s: string): string => (s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, ' ') : s);

/** The reply for a script's return value; `callerProto` is the caller's protocol (big numbers). */
export function luaToReply(v: LuaValue, callerProto: 2 | 3 = 2): Reply {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
    case 'boolean':
    case 'string':
      return v;
    case 'bigint':
      // Lua numbers >= 2^63 saturate in the engine; Redis's (long long) cast gives INT64_MIN there.
      return v === 9223372036854775807n ? INT64_MIN : v;
  }
  if (Array.isArray(v)) {
    const tag = v.length === 0 ? null : v[0];
    if (tag !== null && typeof tag === 'object' && 'ok' in tag && tag.ok.charCodeAt(0) === 0) {
      const r = taggedReply(tag.ok, v, callerProto);
      if (r !== undefined) return r;
    }
    return v.map((x) => luaToReply(x, callerProto));
  }
  if ('ok' in v) return new SimpleString(oneLine(v.ok));
  if ('err' in v) return errorValue(v.err);
  if ('double' in v) return new DoubleReply(v.double);
  if ('big_number' in v) {
    const n = oneLine(v.big_number);
    return callerProto === 3 ? new RawReply(Buffer.from(`(${n}\r\n`, 'latin1')) : n;
  }
  if ('verbatim' in v) return new VerbatimReply(verbatimFormat(v.format), v.verbatim);
  const conv = (x: LuaValue): Reply => luaToReply(x, callerProto);
  if ('map' in v) return new MapReply(v.map.map(conv));
  return new SetReply(v.set.map(conv));
}

/**
 * A special table (double, map, set, big number, verbatim string) as prelude.ts's RETURN_FIXUP
 * rewrote it: [{ok = TAG}, ...]. Converted like Redis 7.0's luaReplyToRedisReply, whatever the
 * script's setresp mode; the caller's protocol picks the encoding.
 */
function taggedReply(tag: string, v: LuaValue[], callerProto: 2 | 3): Reply | undefined {
  const conv = (x: LuaValue): Reply => luaToReply(x, callerProto);
  switch (tag) {
    case '\0respite:double': {
      // %.17g text from Lua: Redis prints "%.17g" too, except ±inf written out by addReplyDouble.
      const text = v[1] as string;
      const d = text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
      return new DoubleReply(d, text);
    }
    case '\0respite:big_number': {
      const n = oneLine(v[1] as string);
      return callerProto === 3 ? new RawReply(Buffer.from(`(${n}\r\n`, 'latin1')) : n;
    }
    case '\0respite:verbatim':
      return new VerbatimReply(verbatimFormat(v[1] as string), v[2] as string);
    case '\0respite:map':
      return new MapReply(v.slice(1).map(conv));
    case '\0respite:set':
      return new SetReply(v.slice(1).map(conv));
  }
  return undefined;
}

/** addReplyVerbatim's 3-byte format: cut at 3 bytes or a NUL, padded with spaces. */
function verbatimFormat(f: string): string {
  const nul = f.indexOf('\0');
  const s = (nul < 0 ? f : f.slice(0, nul)).slice(0, 3);
  return s.length === 3 ? s : s.padEnd(3, ' ');
}

/** An error table returned (not raised): `-<text>`, "ERR " added only when it has no code. */
function errorValue(text: string): ReplyError {
  const msg = oneLine(text);
  // The engine's redis.error_reply('-CODE msg') gives "ERR -CODE msg"; Redis keeps the caller's code.
  return new ReplyError(msg.startsWith('ERR -') ? msg.slice(5) : msg.startsWith('-') ? msg.slice(1) : msg);
}
