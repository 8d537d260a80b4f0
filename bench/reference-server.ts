// The ceiling `npm run bench` measures respite against: a bare Node.js RESP server that answers
// PING, GET, SET and INCR from a Map and nothing else, written the way a plain Node server would
// be ('data' events, latin1 strings, the replies of one read gathered into one write). Whatever
// this costs per request is what Node's event loop, streams and sockets cost before any of
// respite's own work; respite's CPU per request is read against it.
//
//   node dist/bench/reference-server.js --port 6390
import * as net from 'node:net';

const CRLF = '\r\n';

/** One client's unparsed bytes and the replies of the current read. */
class Session {
  private pending: Buffer | null = null;

  constructor(
    private readonly sock: net.Socket,
    private readonly data: Map<string, string>,
  ) {}

  onData(chunk: Buffer): void {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    let out = '';
    for (;;) {
      const cmd = parseCommand(buf, pos);
      if (cmd === null) break;
      pos = cmd.end;
      out += this.run(cmd.argv);
    }
    this.pending = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null;
    if (out.length > 0) this.sock.write(Buffer.from(out, 'latin1'));
  }

  private run(argv: string[]): string {
    const name = argv[0].toLowerCase();
    if (name === 'get' && argv.length === 2) {
      const v = this.data.get(argv[1]);
      return v === undefined ? '$-1\r\n' : `$${v.length}${CRLF}${v}${CRLF}`;
    }
    if (name === 'set' && argv.length === 3) {
      this.data.set(argv[1], argv[2]);
      return '+OK\r\n';
    }
    if (name === 'incr' && argv.length === 2) {
      const old = this.data.get(argv[1]);
      const n = old === undefined ? 1 : Number(old) + 1;
      if (!Number.isSafeInteger(n)) return '-ERR value is not an integer or out of range\r\n';
      this.data.set(argv[1], String(n));
      return `:${n}${CRLF}`;
    }
    if (name === 'ping') return '+PONG\r\n';
    // redis-benchmark asks for CONFIG GET save / appendonly before it starts.
    if (name === 'config' && argv.length === 3) {
      const value = argv[2] === 'appendonly' ? 'no' : '';
      return `*2${CRLF}$${argv[2].length}${CRLF}${argv[2]}${CRLF}$${value.length}${CRLF}${value}${CRLF}`;
    }
    return `-ERR unknown command '${argv[0]}'${CRLF}`;
  }
}

/** One `*N\r\n$len\r\narg\r\n...` command from buf at pos, or null when incomplete. */
function parseCommand(buf: Buffer, pos: number): { argv: string[]; end: number } | null {
  if (pos >= buf.length) return null;
  let eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const count = Number(buf.latin1Slice(pos + 1, eol));
  pos = eol + 2;
  const argv: string[] = [];
  for (let i = 0; i < count; i++) {
    eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const len = Number(buf.latin1Slice(pos + 1, eol));
    pos = eol + 2;
    if (pos + len + 2 > buf.length) return null;
    argv.push(buf.latin1Slice(pos, pos + len));
    pos += len + 2;
  }
  return { argv, end: pos };
}

function main(): void {
  const i = process.argv.indexOf('--port');
  const port = i >= 0 ? Number(process.argv[i + 1]) : 6390;
  const data = new Map<string, string>();
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    const s = new Session(sock, data);
    sock.on('data', (chunk: Buffer) => s.onData(chunk));
    sock.on('error', () => sock.destroy());
  });
  server.listen(port, '127.0.0.1');
}

main();
