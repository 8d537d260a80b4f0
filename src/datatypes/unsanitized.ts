// A value stored without its contents being checked: RESTORE (or loading an RDB file) with
// sanitize-dump-payload no accepts, as Redis does, a payload whose framing is sound but whose
// packed contents do not decode. Redis keeps such a listpack as is and stops by assertion when a
// command walks it; we keep the raw bytes and answer an error to every command that reads the
// value, so the server neither crashes nor serves invented data. The key can still be deleted,
// renamed, expired, saved and DUMPed (the raw bytes go out as they came in).
import { ReplyError } from '../errors';
import type { Collection, CollectionType, Value } from './value';

const RAW = Symbol('unsanitized');

export interface UnsanitizedPayload {
  /** The RDB type byte the payload came with. */
  readonly rdbType: number;
  /** The value's bytes after the type byte, as received. */
  readonly body: Buffer;
  /** Why the contents do not decode. */
  readonly reason: string;
}

/** Properties a caller may read without touching the contents. */
const SAFE = new Set<PropertyKey>(['type', 'encoding', 'clone', 'constructor']);

/**
 * A value that reports `type` and `encoding` and passes `instanceof` for the class whose prototype
 * is given (so TYPE, OBJECT ENCODING and the type checks of commands behave as for a sound value),
 * but throws an error reply on any other read.
 */
export function unsanitizedValue(proto: object, type: CollectionType, encoding: string, payload: UnsanitizedPayload): Collection {
  const error = new ReplyError(
    `ERR the value of this key was stored unchecked (sanitize-dump-payload no) and is corrupt: ${oneLine(payload.reason)}`,
  );
  const fields: Record<PropertyKey, unknown> = {
    type,
    encoding,
    clone: () => unsanitizedValue(proto, type, encoding, payload),
  };
  return new Proxy(Object.create(proto) as Collection, {
    get(target, p) {
      if (p === RAW) return payload;
      if (SAFE.has(p)) return p === 'constructor' ? (proto as { constructor: unknown }).constructor : fields[p];
      // Other symbols are asked by the runtime (inspection, conversions); iterating is reading.
      if (typeof p === 'symbol' && p !== Symbol.iterator && p !== Symbol.asyncIterator) return undefined;
      throw error;
    },
    set() {
      throw error;
    },
  });
}

/** The raw payload of a value stored unchecked, or undefined for a sound value. */
export function unsanitizedPayload(v: Value): UnsanitizedPayload | undefined {
  if (typeof v === 'string') return undefined;
  return (v as unknown as Record<symbol, UnsanitizedPayload | undefined>)[RAW];
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
