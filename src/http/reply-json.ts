// Reply values as JSON for the dashboard. Byte strings stay latin1 JS strings: JSON carries each
// char (<= U+00FF) exactly and the browser gets the same bytes back, to escape for display
// (src/http/bytes.ts) and to send back unchanged when it edits or deletes a key.
import { ReplyError } from '../errors';
import { DoubleReply, MapReply, Marker, PushReply, Reply, SetReply, SimpleString, VerbatimReply } from '../resp/reply';

export type JsonReply =
  | { t: 'bulk'; v: string }
  | { t: 'status'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: string }
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'array'; v: JsonReply[] }
  | { t: 'map'; v: [JsonReply, JsonReply][] };

export function replyToJson(r: Reply): JsonReply {
  if (typeof r === 'string') return { t: 'bulk', v: r };
  if (typeof r === 'number' || typeof r === 'bigint') return { t: 'int', v: String(r) };
  if (r === null) return { t: 'nil' };
  if (typeof r === 'boolean') return { t: 'bool', v: r };
  if (Array.isArray(r)) return { t: 'array', v: r.map(replyToJson) };
  if (r instanceof ReplyError) return { t: 'error', v: r.message };
  if (r instanceof SimpleString) return { t: 'status', v: r.value };
  if (r instanceof DoubleReply) return { t: 'double', v: r.text ?? String(r.value) };
  if (r instanceof VerbatimReply) return { t: 'bulk', v: r.text };
  if (r instanceof SetReply || r instanceof PushReply) return { t: 'array', v: r.items.map(replyToJson) };
  if (r instanceof MapReply) {
    const v: [JsonReply, JsonReply][] = [];
    for (let i = 0; i < r.flat.length; i += 2) v.push([replyToJson(r.flat[i]), replyToJson(r.flat[i + 1])]);
    return { t: 'map', v };
  }
  if (r instanceof Marker) return { t: 'nil' };
  return { t: 'nil' };
}
