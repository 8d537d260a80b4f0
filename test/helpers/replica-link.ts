// A hand-driven replica connection for tests: sends SYNC/PSYNC/REPLCONF like a replica and reads
// what a master sends on the link (status lines, the $<len> RDB payload without a trailing CRLF,
// then the replication stream as RESP commands), byte by byte, with a deadline on every read.
import * as net from 'node:net';

export class ReplicaLink {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  closed = false;
  /** Bytes of the stream consumed by readCommand() (what the master counts in its offset). */
  streamBytes = 0;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<ReplicaLink> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(new ReplicaLink(s)));
      s.once('error', reject);
    });
  }

  send(...args: string[]): void {
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
    this.socket.write(Buffer.from(s, 'latin1'));
  }

  /** Waits until `n` bytes are buffered (rejects after `ms`). */
  private async need(n: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.buf.length < n) {
      if (this.closed) throw new Error('link closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for data (have ${JSON.stringify(this.buf.latin1Slice())})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async readLine(ms = 3000): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const line = this.take(i + 2).latin1Slice(0, i);
        return line;
      }
      await this.need(this.buf.length + 1, ms);
    }
  }

  /** The RDB payload: "$<len>\r\n" then exactly len bytes (newlines before it are keepalives). */
  async readPayload(ms = 3000): Promise<Buffer> {
    let line = '';
    while (line === '') {
      await this.need(1, ms);
      if (this.buf[0] === 0x0a) {
        this.take(1);
        continue;
      }
      line = await this.readLine(ms);
    }
    if (!line.startsWith('$')) throw new Error(`expected a payload, got ${line}`);
    const len = Number(line.slice(1));
    await this.need(len, ms);
    return Buffer.from(this.take(len));
  }

  /** The next command of the stream, as strings (latin1). */
  async readCommand(ms = 3000): Promise<string[]> {
    const before = this.buf.length;
    const head = await this.readLine(ms);
    if (!head.startsWith('*')) throw new Error(`expected a multibulk, got ${head}`);
    const n = Number(head.slice(1));
    const out: string[] = [];
    let consumed = head.length + 2;
    for (let i = 0; i < n; i++) {
      const h = await this.readLine(ms);
      const len = Number(h.slice(1));
      await this.need(len + 2, ms);
      out.push(this.take(len + 2).latin1Slice(0, len));
      consumed += h.length + 2 + len + 2;
    }
    void before;
    this.streamBytes += consumed;
    return out;
  }

  /** True when nothing more arrives within `ms`. */
  async quiet(ms = 150): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.buf.length === 0;
  }

  close(): void {
    this.socket.destroy();
  }
}
