// A base file of commands (aof-use-rdb-preamble no): every key as the commands that rebuild it.
import type { ServerContext } from '../engine/context';
import { Value } from '../datatypes/value';
import { ListValue } from '../datatypes/list';
import { Hash } from '../datatypes/hash';
import { SetValue } from '../datatypes/set';
import { ZSet } from '../datatypes/zset';
import { StreamValue } from '../datatypes/stream';
import { formatDouble } from '../resp/format';
import { respCommand } from './aof-format';
import { unsanitizedPayload } from '../datatypes/unsanitized';
import { dumpPayload } from './rdb-file';

/**
 * A base file of commands (aof-use-rdb-preamble no): the dataset as the commands that rebuild
 * it, written in one go (the dataset is read at the rewrite's start, so it is point-in-time).
 */
export class CommandRewriter {
  constructor(
    private readonly srv: ServerContext,
    private readonly sink: (b: Buffer) => void,
    /** aof-timestamp-enabled: the unix time annotated at the start of the file. */
    private readonly timestamp: number | null = null,
  ) {}

  run(): void {
    const chunks: string[] = this.timestamp === null ? [] : [`#TS:${this.timestamp}\r\n`];
    let size = 0;
    const emit = (argv: string[]) => {
      const s = respCommand(argv);
      chunks.push(s);
      size += s.length;
      if (size > 1 << 20) flush();
    };
    const flush = () => {
      if (chunks.length) this.sink(Buffer.from(chunks.join(''), 'latin1'));
      chunks.length = 0;
      size = 0;
    };
    for (const db of this.srv.keyspace.dbs) {
      if (db.size === 0) continue;
      emit(['SELECT', String(db.id)]);
      db.dict.forEach((key, v) => {
        for (const argv of rebuildCommands(key, v)) emit(argv);
        const when = db.expires.get(key);
        if (when !== undefined) emit(['PEXPIREAT', key, String(when)]);
      });
    }
    flush();
  }
}


const BATCH = 64;

/** The commands that recreate one key (Redis's rewriteAppendOnlyFileRio). */
export function rebuildCommands(key: string, v: Value): string[][] {
  if (typeof v === 'string') return [['SET', key, v]];
  // A value kept unchecked (sanitize-dump-payload no) has no elements to list: it goes as the
  // payload it came in, which RESTORE keeps unchecked again on replay.
  if (unsanitizedPayload(v) !== undefined) return [['RESTORE', key, '0', dumpPayload(v, { compression: false, listFill: -2 }).latin1Slice()]];
  const out: string[][] = [];
  const batched = (cmd: string, items: string[], per: number) => {
    for (let i = 0; i < items.length; i += BATCH * per) out.push([cmd, key, ...items.slice(i, i + BATCH * per)]);
  };
  switch (v.type) {
    case 'string':
      out.push(['SET', key, String(v)]);
      break;
    case 'list':
      batched('RPUSH', (v as ListValue).toArray(), 1);
      break;
    case 'set':
      batched('SADD', (v as SetValue).toArray(), 1);
      break;
    case 'hash': {
      const items: string[] = [];
      (v as Hash).forEach((f, val) => items.push(f, val));
      batched('HSET', items, 2);
      break;
    }
    case 'zset': {
      const items: string[] = [];
      (v as ZSet).forEach((m, s) => items.push(formatDouble(s), m));
      batched('ZADD', items, 2);
      break;
    }
    case 'stream':
      out.push(...streamCommands(key, v as StreamValue));
      break;
  }
  return out;
}

function streamCommands(key: string, s: StreamValue): string[][] {
  const out: string[][] = [];
  const idStr = (id: { ms: unknown; seq: unknown }) => `${id.ms}-${id.seq}`;
  for (const [id, fv] of s.range({ ms: 0, seq: 0 }, { ms: 18446744073709551615n, seq: 18446744073709551615n }, 0, false)) out.push(['XADD', key, id, ...fv]);
  if (s.length === 0) {
    // An empty stream still exists: create it with a throwaway entry, as Redis does. Its ID is
    // 0-1 (XSETID below restores the real last ID): the last ID may be 0-0, which XADD refuses.
    out.push(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  }
  out.push(['XSETID', key, idStr(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', idStr(s.maxDeletedId)]);
  if (s.groups !== null) {
    for (const [name, g] of s.groups) {
      out.push(['XGROUP', 'CREATE', key, name, idStr(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
      g.pel.forEach((n) => {
        if (n.consumer === null) return;
        out.push(['XCLAIM', key, name, n.consumer.name, '0', `${n.ms}-${n.seq}`, 'TIME', String(n.deliveryTime), 'RETRYCOUNT', String(n.deliveryCount), 'JUSTID', 'FORCE']);
      });
      for (const c of g.consumers.values()) {
        if (c.pel.size === 0) out.push(['XGROUP', 'CREATECONSUMER', key, name, c.name]);
      }
    }
  }
  return out;
}
