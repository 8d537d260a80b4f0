// A minimal RESP client for tests: sends commands, returns decoded replies and their raw bytes.
import * as net from 'node:net';
import { decodeReply, encodeCommand } from '../../src/resp/reply-parser';
import { Reply } from '../../src/resp/reply';

export interface RawReply {
  value: Reply;
  raw: Buffer;
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: ((r: RawReply | Error) => void)[] = [];
  private pushes: RawReply[] = [];
  private pushWaiters: ((r: RawReply) => void)[] = [];
  closed = false;
  private closeWaiters: (() => void)[] = [];
  /** When true, replies that arrive with nobody waiting are kept for readPush(). */
  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(new Error('connection closed'));
      for (const w of this.closeWaiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host }, () => resolve(new RespClient(s)));
      s.once('error', reject);
      s.setNoDelay(true);
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let pos = 0;
    for (;;) {
      const r = decodeReply(this.buf, pos);
      if (r === null) break;
      const item = { value: r.value, raw: this.buf.subarray(pos, r.end) };
      pos = r.end;
      const w = this.waiters.shift();
      if (w) w(item);
      else {
        const pw = this.pushWaiters.shift();
        if (pw) pw(item);
        else this.pushes.push(item);
      }
    }
    this.buf = this.buf.subarray(pos);
  }

  /** Sends one command and waits for its reply. */
  callRaw(...args: (string | Buffer | number)[]): Promise<RawReply> {
    return this.sendRaw(encodeCommand(args));
  }

  async call(...args: (string | Buffer | number)[]): Promise<Reply> {
    return (await this.callRaw(...args)).value;
  }

  /** Writes bytes as they are and waits for one reply. */
  sendRaw(bytes: Buffer | string): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      this.waiters.push((r) => (r instanceof Error ? reject(r) : resolve(r)));
      this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    });
  }

  /** Writes bytes without waiting for anything. */
  write(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Next reply that nobody waited for (pub/sub messages, replies to write()). */
  readNext(timeoutMs = 2000): Promise<RawReply> {
    const ready = this.pushes.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a reply')), timeoutMs);
      this.pushWaiters.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  /** Resolves when the server closes the connection. */
  waitClose(timeoutMs = 2000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
