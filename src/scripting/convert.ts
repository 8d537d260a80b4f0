// What a script returned -> the reply of EVAL/FCALL (Redis's luaReplyToRedisReply), from the value
// the engine converted. (Command replies -> Lua values are encoded in wasm-engine.ts.)
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
  if (Array.isArray(v)) return v.map((x) => luaToReply(x, callerProto));
  if ('ok' in v) return new SimpleString(oneLine(v.ok));
  if ('err' in v) return errorValue(v.err);
  if ('double' in v) return new DoubleReply(v.double);
  if ('big_number' in v) {
    const n = oneLine(v.big_number);
    return callerProto === 3 ? new RawReply(Buffer.from(`(${n}\r\n`, 'latin1')) : n;
  }
  if ('verbatim' in v) return new VerbatimReply(v.format, v.verbatim);
  const conv = (x: LuaValue): Reply => luaToReply(x, callerProto);
  if ('map' in v) return new MapReply(v.map.map(conv));
  return new SetReply(v.set.map(conv));
}

/** An error table returned (not raised): `-<text>`, "ERR " added only when it has no code. */
function errorValue(text: string): ReplyError {
  const msg = oneLine(text);
  // The engine's redis.error_reply('-CODE msg') gives "ERR -CODE msg"; Redis keeps the caller's code.
  return new ReplyError(msg.startsWith('ERR -') ? msg.slice(5) : msg.startsWith('-') ? msg.slice(1) : msg);
}
