// What a key holds. Strings are latin1 JS strings (one char per byte); every other type is an
// object whose `type` is the name TYPE reports. The one object of type 'string' is a
// MutableString (a bitmap or HyperLogLog edited in place): the Db's lookups hand out its text, so
// only code that walks `db.dict` directly (persistence, DEBUG) meets it, and reads it with
// String(v).

export type CollectionType = 'list' | 'hash' | 'set' | 'zset' | 'stream' | 'string';

export interface Collection {
  readonly type: CollectionType;
  /** Number of elements; an empty collection is deleted by the command that emptied it. */
  readonly size: number;
  /**
   * The encoding OBJECT ENCODING reports ('listpack', 'hashtable', 'intset', 'skiplist',
   * 'quicklist', 'stream'). Like Redis, a collection converts to the big encoding once its size
   * or an element passes the configured limits, and never converts back.
   */
  readonly encoding: string;
  /** A deep copy (COPY). */
  clone(): Collection;
}

export type Value = string | Collection;

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}
