// Unauthenticated and misbehaving clients against the reference: the limits before AUTH, the
// HELLO text without auth, and a client that keeps writing after a protocol error sees its
// connection end (a full close, not a half-close that lets it write forever).
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { differential } from '../helpers/differential';

interface Outcome {
  out: string;
  closed: boolean;
}

/** Sends bytes, then keeps writing PINGs every 20 ms; reports what came back and whether it ended. */
function exchange(port: number, bytes: string, keepWriting: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = net.createConnection({ port, host: '127.0.0.1' }, () => sock.write(bytes));
    let timer: NodeJS.Timeout | null = null;
    if (keepWriting) timer = setInterval(() => sock.writable && sock.write('PING\r\n'), 20);
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      if (timer) clearInterval(timer);
      clearTimeout(limit);
      sock.destroy();
      resolve({ out: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const limit = setTimeout(() => finish(false), 400);
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
  });
}

differential(
  'hostile clients',
  (ctx) => {
    const both = async (bytes: string, keepWriting = false) => {
      const a = await exchange(ctx.reference.port, bytes, keepWriting);
      const b = await exchange(ctx.respite.port, bytes, keepWriting);
      assert.deepEqual(b, a, `for ${JSON.stringify(bytes)}`);
      return a;
    };

    test('before AUTH: more than 10 arguments or a bulk over 16 KiB is a protocol error and closes', async () => {
      assert.equal((await both('*11\r\n')).closed, true);
      assert.equal((await both('*1\r\n$16385\r\n')).closed, true);
      // At the limits: the server waits for the rest.
      assert.deepEqual(await both('*10\r\n'), { out: '', closed: false });
      assert.deepEqual(await both('*1\r\n$16384\r\n'), { out: '', closed: false });
    });

    test('HELLO 3 without auth answers with the HELLO AUTH <user> <pass> hint', async () => {
      const r = await both('HELLO 3\r\n');
      assert.match(r.out, /^-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option/);
    });

    test('a client that keeps writing after a protocol error sees the connection end', async () => {
      const r = await both('*1\r\n$x\r\n', true);
      assert.deepEqual(r, { out: '-ERR Protocol error: invalid bulk length\r\n', closed: true });
      assert.equal((await both('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:1\r\n', true)).closed, true);
    });
  },
  { options: { requirepass: 'secret' }, redisArgs: ['--requirepass', 'secret'] },
);
