// The key browser: SCAN (never KEYS) with a pattern and a type filter, type-aware reads of one
// key in pages, and the edits the browser offers. Everything runs as commands on the user's
// connection, so ACL key patterns and command rules apply as they would to redis-cli.
import { ReplyError } from '../errors';
import type { EmbeddedConnection } from '../embedded';
import type { Reply } from '../resp/reply';
import { SimpleString } from '../resp/reply';

/**
 * Runs a command given as byte strings. The embedded connection takes JS strings as text (it
 * sends their UTF-8 bytes), so byte strings go as Buffers of their latin1 bytes: unchanged.
 */
export function send(conn: EmbeddedConnection, argv: string[]): Promise<Reply> {
  return conn.send(argv.map((a) => Buffer.from(a, 'latin1')));
}

/** Runs argv in database db on the connection (SELECT first when needed, in the same tick). */
export function callIn(conn: EmbeddedConnection, db: number, argv: string[]): Promise<Reply> {
  if (conn.client.db.id !== db) send(conn, ['SELECT', String(db)]).catch(() => undefined);
  return send(conn, argv);
}

/** Thrown for an error reply; the API answers it as { error }. */
export class CommandFailed extends Error {}

async function ok(p: Promise<Reply>): Promise<Reply> {
  const r = await p;
  if (r instanceof ReplyError) throw new CommandFailed(r.message);
  return r;
}

function str(r: Reply): string {
  if (typeof r === 'string') return r;
  if (r instanceof SimpleString) return r.value;
  return String(r);
}

export interface ScanRequest {
  db: number;
  cursor: string;
  match: string;
  type: string;
  /** Keys wanted in this page (SCAN is called until it has them or the scan ends). */
  count: number;
}

export interface KeyRow {
  key: string;
  type: string;
  /** PTTL: -1 no expiry, -2 gone meanwhile. */
  ttl: number;
}

const TYPES = new Set(['string', 'list', 'set', 'zset', 'hash', 'stream']);
/** SCAN calls per page at most, so a pattern that matches nothing in a big keyspace returns. */
const MAX_SCAN_CALLS = 50;

export async function scanKeys(conn: EmbeddedConnection, q: ScanRequest): Promise<{ cursor: string; keys: KeyRow[] }> {
  if (q.type !== '' && !TYPES.has(q.type)) throw new CommandFailed(`unknown type ${q.type}`);
  const want = Math.max(1, Math.min(1000, q.count));
  const keys: string[] = [];
  let cursor = q.cursor;
  for (let i = 0; i < MAX_SCAN_CALLS; i++) {
    const argv = ['SCAN', cursor, 'MATCH', q.match === '' ? '*' : q.match, 'COUNT', String(Math.max(want, 100))];
    if (q.type !== '') argv.push('TYPE', q.type);
    const r = (await ok(callIn(conn, q.db, argv))) as [string, string[]];
    cursor = r[0];
    keys.push(...r[1]);
    if (cursor === '0' || keys.length >= want) break;
  }
  const types = keys.map((k) => callIn(conn, q.db, ['TYPE', k]));
  const ttls = keys.map((k) => callIn(conn, q.db, ['PTTL', k]));
  const rows: KeyRow[] = [];
  for (let i = 0; i < keys.length; i++) {
    const t = await types[i];
    const ttl = await ttls[i];
    rows.push({ key: keys[i], type: t instanceof ReplyError ? '?' : str(t), ttl: typeof ttl === 'number' ? ttl : -1 });
  }
  return { cursor, keys: rows };
}

/** Elements per page of a collection, and bytes of a string shown at most. */
const PAGE = 200;
const MAX_STRING = 256 * 1024;

export interface KeyView {
  key: string;
  type: string;
  ttl: number;
  encoding: string | null;
  /** Length (STRLEN, HLEN, LLEN...). */
  length: number;
  /** string: the value; hash: [field, value][]; list/set: string[]; zset: [member, score][]; stream: [id, fields[]][]. */
  value: unknown;
  /** Token for the next page, null at the end. */
  next: string | null;
}

export async function readKey(conn: EmbeddedConnection, db: number, key: string, page: string | null): Promise<KeyView | null> {
  const c = (argv: string[]) => ok(callIn(conn, db, argv));
  const type = str(await c(['TYPE', key]));
  if (type === 'none') return null;
  const ttl = (await c(['PTTL', key])) as number;
  const enc = await callIn(conn, db, ['OBJECT', 'ENCODING', key]);
  const view: KeyView = { key, type, ttl, encoding: typeof enc === 'string' ? enc : null, length: 0, value: null, next: null };
  switch (type) {
    case 'string': {
      view.length = (await c(['STRLEN', key])) as number;
      view.value = await c(['GETRANGE', key, '0', String(MAX_STRING - 1)]);
      break;
    }
    case 'hash':
    case 'set': {
      view.length = (await c([type === 'hash' ? 'HLEN' : 'SCARD', key])) as number;
      let cursor = page ?? '0';
      const items: string[] = [];
      do {
        const r = (await c([type === 'hash' ? 'HSCAN' : 'SSCAN', key, cursor, 'COUNT', String(PAGE)])) as [string, string[]];
        cursor = r[0];
        items.push(...r[1]);
      } while (cursor !== '0' && items.length < (type === 'hash' ? 2 * PAGE : PAGE));
      view.value = type === 'hash' ? pairs(items) : items;
      view.next = cursor === '0' ? null : cursor;
      break;
    }
    case 'list':
    case 'zset': {
      view.length = (await c([type === 'list' ? 'LLEN' : 'ZCARD', key])) as number;
      const from = page === null ? 0 : Number(page);
      const to = from + PAGE - 1;
      if (type === 'list') view.value = await c(['LRANGE', key, String(from), String(to)]);
      else view.value = pairs((await c(['ZRANGE', key, String(from), String(to), 'WITHSCORES'])) as string[]);
      view.next = to + 1 < view.length ? String(to + 1) : null;
      break;
    }
    case 'stream': {
      view.length = (await c(['XLEN', key])) as number;
      const entries = (await c(['XRANGE', key, page === null ? '-' : '(' + page, '+', 'COUNT', String(PAGE)])) as [string, string[]][];
      view.value = entries;
      view.next = entries.length === PAGE ? entries[entries.length - 1][0] : null;
      break;
    }
    default:
      break;
  }
  return view;
}

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** An edit from the key browser: the command it runs (arguments are byte strings). */
export function editCommand(op: string, key: string, a: Record<string, unknown>): string[] | string {
  const s = (name: string): string => {
    const v = a[name];
    if (typeof v !== 'string') throw new CommandFailed(`missing ${name}`);
    return v;
  };
  switch (op) {
    case 'set':
      return ['SET', key, s('value'), 'KEEPTTL'];
    case 'hset':
      return ['HSET', key, s('field'), s('value')];
    case 'hdel':
      return ['HDEL', key, s('field')];
    case 'lset':
      return ['LSET', key, s('index'), s('value')];
    case 'rpush':
      return ['RPUSH', key, s('value')];
    case 'lrem':
      return ['LREM', key, '1', s('value')];
    case 'sadd':
      return ['SADD', key, s('member')];
    case 'srem':
      return ['SREM', key, s('member')];
    case 'zadd':
      return ['ZADD', key, s('score'), s('member')];
    case 'zrem':
      return ['ZREM', key, s('member')];
    case 'xadd': {
      const f = a.fields;
      if (!Array.isArray(f) || f.length === 0 || f.length % 2 !== 0 || !f.every((x) => typeof x === 'string')) throw new CommandFailed('fields must be field, value pairs');
      return ['XADD', key, '*', ...(f as string[])];
    }
    case 'xdel':
      return ['XDEL', key, s('id')];
    case 'pexpire':
      return ['PEXPIRE', key, s('ms')];
    case 'persist':
      return ['PERSIST', key];
    case 'del':
      return ['DEL', key];
    default:
      return `unknown edit ${op}`;
  }
}
