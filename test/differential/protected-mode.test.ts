// Protected mode against the reference: both servers listen on 127.0.0.1 and a client connects
// from 127.0.0.2 (a loopback address Redis does not count as local: it compares the peer with
// "127.0.0.1" and "::1" only). The bytes it gets and whether it is closed must be the same.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { differential, infoField } from '../helpers/differential';
import { encodeCommand } from '../../src/resp/reply-parser';

interface Outcome {
  out: string;
  closed: boolean;
}

/** Connects from `from`, sends PING, collects what comes back until close or a short wait. */
function pingFrom(port: number, from: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.createConnection({ port, host: '127.0.0.1', localAddress: from });
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ out: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), 300);
    sock.on('connect', () => sock.write(encodeCommand(['PING'])));
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', () => finish(true));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // A reset after the refusal still counts as closed; anything before connecting is a failure.
      if (chunks.length > 0 || e.code === 'ECONNRESET') finish(true);
      else reject(e);
    });
  });
}

differential('protected mode', (ctx) => {
  test('a client from 127.0.0.2 gets the DENIED text and is closed; loopback is served', async () => {
    const p = await ctx.pair();
    const before = [infoField(await p.redis.call('INFO', 'stats'), 'rejected_connections'), infoField(await p.respite.call('INFO', 'stats'), 'rejected_connections')];
    const a = await pingFrom(ctx.reference.port, '127.0.0.2');
    const b = await pingFrom(ctx.respite.port, '127.0.0.2');
    assert.ok(a.out.startsWith('-DENIED Redis is running in protected mode'), a.out);
    assert.deepEqual(b, a);
    assert.equal(infoField(await p.redis.call('INFO', 'stats'), 'rejected_connections'), before[0] + 1);
    assert.equal(infoField(await p.respite.call('INFO', 'stats'), 'rejected_connections'), before[1] + 1);
    assert.deepEqual(await pingFrom(ctx.respite.port, '127.0.0.1'), { out: '+PONG\r\n', closed: false });
  });

  test('protected-mode no, a password, or a default user with a password lift it', async () => {
    const p = await ctx.pair();
    const both = async (...args: string[]) => {
      await p.redis.call(...args);
      await p.respite.call(...args);
    };
    const compare = async (want: string) => {
      const a = await pingFrom(ctx.reference.port, '127.0.0.2');
      const b = await pingFrom(ctx.respite.port, '127.0.0.2');
      assert.deepEqual(b, a);
      assert.equal(a.out, want);
    };
    try {
      await both('CONFIG', 'SET', 'protected-mode', 'no');
      await compare('+PONG\r\n');
      await both('CONFIG', 'SET', 'protected-mode', 'yes');
      await both('CONFIG', 'SET', 'requirepass', 'secret');
      await compare('-NOAUTH Authentication required.\r\n');
      await both('AUTH', 'secret');
      await both('CONFIG', 'SET', 'requirepass', '');
      // Back to nopass: refused again.
      const a = await pingFrom(ctx.reference.port, '127.0.0.2');
      assert.ok(a.out.startsWith('-DENIED'));
      assert.deepEqual(await pingFrom(ctx.respite.port, '127.0.0.2'), a);
      // A password set through ACL works as well.
      await both('ACL', 'SETUSER', 'default', 'resetpass', '>pw');
      await compare('-NOAUTH Authentication required.\r\n');
    } finally {
      for (const c of [p.redis, p.respite]) {
        await c.call('AUTH', 'pw').catch(() => {});
        await c.call('ACL', 'SETUSER', 'default', 'nopass');
        await c.call('CONFIG', 'SET', 'protected-mode', 'yes');
      }
    }
  });
});
