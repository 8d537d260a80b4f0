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
