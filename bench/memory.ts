// Memory per key: loads N string keys over one pipelined connection and measures the server's RSS.
import * as net from 'node:net';

/** Sends raw RESP and resolves with the reply bytes once `expectBytes` have arrived. */
function roundTrip(sock: net.Socket, payload: Buffer, expectBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= expectBytes) {
        sock.off('data', onData);
        sock.off('error', reject);
        resolve(Buffer.concat(parts));
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(payload);
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** SET key:<12 digits> val:<12 digits> for i in [0, count): 16-byte keys and values. */
export async function loadKeys(port: number, count: number, batch = 10_000): Promise<void> {
  const sock = await connect(port);
  try {
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      let s = '';
      for (let i = start; i < start + n; i++) {
        const d = String(i).padStart(12, '0');
        s += `*3\r\n$3\r\nSET\r\n$16\r\nkey:${d}\r\n$16\r\nval:${d}\r\n`;
      }
      const reply = await roundTrip(sock, Buffer.from(s, 'latin1'), n * 5);
      if (reply.length !== n * 5 || reply.indexOf('-') >= 0) throw new Error(`unexpected reply while loading: ${reply.subarray(0, 200).toString()}`);
    }
  } finally {
    sock.destroy();
  }
}

/** One command's reply as text (enough for INFO and DBSIZE in this tool). */
export async function command(port: number, ...args: string[]): Promise<string> {
  const sock = await connect(port);
  try {
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    return await new Promise<string>((resolve, reject) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        const complete = buf[0] === '$' ? buf.length >= buf.indexOf('\r\n') + 2 + Number(buf.slice(1, buf.indexOf('\r\n'))) + 2 : buf.endsWith('\r\n');
        if (buf.indexOf('\r\n') > 0 && complete) resolve(buf);
      });
      sock.once('error', reject);
      sock.write(s);
    });
  } finally {
    sock.destroy();
  }
}

/**
 * Fills one sorted set (`ZADD key <i> member:<9 digits>`) or one hash (`HSET key field:<10
 * digits> value:<10 digits>`) with `count` 16-byte members, 1,000 per command, 10 commands per
 * round trip.
 */
export async function loadCollection(port: number, kind: 'zset' | 'hash', key: string, count: number): Promise<void> {
  const sock = await connect(port);
  const perCommand = 1000;
  const perTrip = 10;
  try {
    for (let start = 0; start < count; ) {
      let payload = '';
      let commands = 0;
      for (; commands < perTrip && start < count; commands++) {
        const n = Math.min(perCommand, count - start);
        payload += `*${2 + 2 * n}\r\n$${kind === 'zset' ? '4\r\nZADD' : '4\r\nHSET'}\r\n$${key.length}\r\n${key}\r\n`;
        for (let i = start; i < start + n; i++) {
          const d = String(i).padStart(kind === 'zset' ? 9 : 10, '0');
          const a = kind === 'zset' ? String(i) : `field:${d}`;
          const b = kind === 'zset' ? `member:${d}` : `value:${d}`;
          payload += `$${a.length}\r\n${a}\r\n$${b.length}\r\n${b}\r\n`;
        }
        start += n;
      }
      const reply = await readLines(sock, Buffer.from(payload, 'latin1'), commands);
      if (reply.includes('-')) throw new Error(`unexpected reply while loading: ${reply.slice(0, 200)}`);
    }
  } finally {
    sock.destroy();
  }
}

/** Writes `payload` and resolves with the replies once `lines` CRLF-terminated lines arrived. */
function readLines(sock: net.Socket, payload: Buffer, lines: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let seen = 0;
    const onData = (d: Buffer) => {
      const chunk = d.toString('latin1');
      text += chunk;
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) seen++;
      if (seen >= lines) {
        sock.off('data', onData);
        sock.off('error', reject);
        resolve(text);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(payload);
  });
}
