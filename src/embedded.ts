// In-process clients for the embedded API: commands go through the same dispatcher as TCP
// clients (same checks, same MULTI state, same replies) and the RESP bytes they produce are
// decoded into JS values. No socket is involved.
import { Client } from './engine/client';
import { dispatch } from './engine/dispatcher';
import type { Server } from './engine/server';
import { ReplyError } from './errors';
import { DoubleReply, MapReply, Marker, PushReply, Reply, SetReply, SimpleString, VerbatimReply } from './resp/reply';
import { decodeReply } from './resp/reply-parser';

export type Arg = string | Buffer | number;

/** An error reply from the server, thrown by call(). `code` is the first word (ERR, WRONGTYPE...). */
export class RespiteError extends Error {
  readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = 'RespiteError';
    const sp = message.indexOf(' ');
    this.code = sp < 0 ? message : message.slice(0, sp);
  }
}

export type JsReply = string | Buffer | number | bigint | boolean | null | JsReply[] | { [k: string]: JsReply };

/** A connection that lives inside the process. Keeps its own state (database, MULTI, name). */
export class EmbeddedConnection {
  readonly client: Client;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  /** Out-of-band messages (pub/sub, invalidations) not claimed by a pending call. */
  readonly pushes: Reply[] = [];
  onPush: ((r: Reply) => void) | null = null;
  /** Commands sent while a blocking command waits (BLPOP...): they run once it is answered. */
  private held: string[][] = [];

  constructor(server: Server) {
    this.client = new Client(server, 'embedded');
    server.addClient(this.client);
    // Closed (by close(), the server's close or SHUTDOWN): commands still waiting for a reply (a
    // blocking command, a busy script, commands held behind them) fail instead of hanging.
    this.client.onClose = () => {
      this.drain();
      this.held = [];
      for (const w of this.waiting.splice(0)) w.reject(new Error('connection closed'));
    };
    this.client.onAsyncOutput = () => {
      this.drain();
      while (this.held.length !== 0 && !this.client.blocked && !this.client.closed) this.run(this.held.shift()!);
    };
  }

  /** Runs a command; resolves with the raw reply value (errors are values here, not thrown). */
  send(args: Arg[]): Promise<Reply> {
    if (this.client.closed) return Promise.reject(new Error('connection closed'));
    const argv = args.map(toLatin1);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (argv.length === 0) return;
      if (this.client.blocked || this.held.length !== 0) this.held.push(argv);
      else this.run(argv);
    });
  }

  private run(argv: string[]): void {
    dispatch(this.client, argv);
    // AOF on: the reply waits for the AOF write (and fsync with appendfsync always), as a TCP
    // client's does, so a resolved call is a write that survives a crash.
    if (this.client.server.holdReplies) this.client.server.markPendingOutput(this.client);
    else this.drain();
    if (this.client.closeAfterReply) this.client.close();
  }

  /** Runs a command and converts the reply to JS values; error replies reject. */
  async call(args: Arg[], buffers = false): Promise<JsReply> {
    const r = await this.send(args);
    return toJs(r, buffers);
  }

  private drain(): void {
    const out = this.client.writer.take();
    if (out === null) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, out]) : out;
    let pos = 0;
    for (;;) {
      const d = decodeReply(this.buf, pos);
      if (d === null) break;
      pos = d.end;
      const isPush = d.value instanceof PushReply || (this.client.inPubSubMode && this.waiting.length === 0);
      const w = isPush ? undefined : this.waiting.shift();
      if (w) w.resolve(d.value);
      else if (this.onPush) this.onPush(d.value);
      else this.pushes.push(d.value);
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(pos));
  }

  close(): void {
    this.client.close();
  }
}

function toLatin1(a: Arg): string {
  if (typeof a === 'number') return String(a);
  if (Buffer.isBuffer(a)) return a.latin1Slice(0, a.length);
  // Plain JS strings are text: their UTF-8 bytes are the key or value.
  return Buffer.from(a, 'utf8').latin1Slice();
}

/** Converts a reply value to plain JS; throws RespiteError for error replies. */
export function toJs(r: Reply, buffers: boolean): JsReply {
  if (r instanceof ReplyError) throw new RespiteError(r.message);
  if (typeof r === 'string') return buffers ? Buffer.from(r, 'latin1') : Buffer.from(r, 'latin1').toString('utf8');
  if (r === null || typeof r === 'number' || typeof r === 'bigint' || typeof r === 'boolean') return r;
  if (Array.isArray(r)) return r.map((x) => toJsNested(x, buffers));
  if (r instanceof SimpleString) return r.value;
  if (r instanceof DoubleReply) return r.value;
  if (r instanceof MapReply) {
    const o: { [k: string]: JsReply } = {};
    for (let i = 0; i < r.flat.length; i += 2) o[String(toJs(r.flat[i], false))] = toJsNested(r.flat[i + 1], buffers);
    return o;
  }
  if (r instanceof SetReply || r instanceof PushReply) return r.items.map((x) => toJsNested(x, buffers));
  if (r instanceof VerbatimReply) return r.text;
  if (r instanceof Marker) return null;
  return null;
}

/** Inside arrays, error replies (e.g. from EXEC) become RespiteError values instead of throwing. */
function toJsNested(r: Reply, buffers: boolean): JsReply {
  if (r instanceof ReplyError) return new RespiteError(r.message) as unknown as JsReply;
  return toJs(r, buffers);
}
