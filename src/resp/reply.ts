// Reply values. Handlers return these; resp/writer turns them into RESP2 or RESP3 bytes.
// Plain JS values cover the common cases so the hot path allocates nothing extra:
//   string  -> bulk string (latin1: one char per byte)
//   number  -> integer (must be an integer; use Double for floating point)
//   bigint  -> integer outside the safe-integer range (int64 results)
//   null    -> null bulk string ($-1 in RESP2, _ in RESP3)
//   boolean -> RESP3 boolean, integer 1/0 in RESP2
//   Reply[] -> array
import { ReplyError } from '../errors';

export class SimpleString {
  constructor(readonly value: string) {}
}

/**
 * A floating point reply: RESP3 double, RESP2 bulk string with Redis's formatting (%.17g), or
 * `text` when the command prints its doubles differently (GEOPOS's fixed-point coordinates).
 */
export class DoubleReply {
  constructor(
    readonly value: number,
    readonly text?: string,
  ) {}
}

/** Key/value pairs, flat: [k1, v1, k2, v2, ...]. RESP2 sends them as a flat array. */
export class MapReply {
  constructor(readonly flat: Reply[]) {}
}

/** RESP3 set; RESP2 array. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}

/** RESP3 push (out-of-band); RESP2 array. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}

/** RESP3 verbatim string (e.g. INFO as txt); RESP2 bulk string. */
export class VerbatimReply {
  constructor(readonly format: string, readonly text: string) {}
}

/** Bytes already encoded in RESP, written as they are (e.g. precomputed COMMAND replies). */
export class RawReply {
  constructor(readonly bytes: Buffer) {}
}

/** Marker replies that carry no data. */
export class Marker {
  constructor(readonly name: string) {}
}
/** The null array: *-1 in RESP2, _ in RESP3 (e.g. BLPOP timeout, EXEC after WATCH failure). */
export const NULL_ARRAY = new Marker('null-array');
/** Nothing is written (CLIENT REPLY OFF, commands that reply later). */
export const NO_REPLY = new Marker('no-reply');

export type Reply =
  | string
  | number
  | bigint
  | null
  | boolean
  | Reply[]
  | SimpleString
  | DoubleReply
  | MapReply
  | SetReply
  | PushReply
  | VerbatimReply
  | RawReply
  | ReplyError
  | Marker;

export const OK = new SimpleString('OK');
export const PONG = new SimpleString('PONG');
export const QUEUED = new SimpleString('QUEUED');

export function status(text: string): SimpleString {
  return text === 'OK' ? OK : new SimpleString(text);
}
