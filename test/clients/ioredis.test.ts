// ioredis against an embedded respite over TCP: handshakes, RESP2 and RESP3, pipelining, binary
// data, error mapping, reconnection.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis, { ReplyError } from 'ioredis';
import { startServer, RespiteServer } from '../../src/index';

/** A missing command in a handshake makes a client retry forever: fail the test instead. */
const T = { timeout: 20_000 };
let s: RespiteServer;
const open: Redis[] = [];

function client(opts: Record<string, unknown> = {}): Redis {
  const r = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, ...opts });
  r.on('error', () => {}); // reconnection tests provoke errors on purpose
  open.push(r);
  return r;
}

before(async () => {
  s = await startServer({ port: 0 });
});

after(async () => {
  for (const r of open) r.disconnect();
  await s.close();
});

for (const protocol of [2, 3] as const) {
  describe(`ioredis, RESP${protocol}`, () => {
    test('connects (with its CLIENT SETINFO and ready check) and runs basic commands', T, async () => {
      const r = client({ protocol, connectionName: `io${protocol}` });
      await r.connect();
      assert.equal(r.status, 'ready');
      assert.equal(await r.ping(), 'PONG');
      assert.equal(await r.echo('héllo'), 'héllo');
      assert.equal(await r.set(`io${protocol}:k`, 'v'), 'OK');
      assert.equal(await r.get(`io${protocol}:k`), 'v');
      assert.equal(await r.incr(`io${protocol}:n`), 1);
      assert.equal(await r.incr(`io${protocol}:n`), 2);
      assert.deepEqual(await r.mget(`io${protocol}:k`, `io${protocol}:missing`, `io${protocol}:n`), ['v', null, '2']);
      assert.equal(await r.del(`io${protocol}:k`, `io${protocol}:n`, `io${protocol}:missing`), 2);
      assert.equal(await r.get(`io${protocol}:k`), null);
    });

    test('the protocol the client asked for is the one the server speaks', T, async () => {
      const r = client({ protocol });
      await r.connect();
      const found = [...s.server.clients.values()].filter((c) => c.kind === 'tcp').map((c) => c.protocol);
      assert.ok(found.includes(protocol));
      const hello = (await r.call('HELLO')) as unknown;
      // RESP3 map or RESP2 flat array: both carry proto.
      const flat = Array.isArray(hello) ? hello : Object.entries(hello as object).flat();
      assert.equal(flat[flat.indexOf('proto') + 1], protocol);
    });

    test('a pipeline of 10 000 commands', T, async () => {
      const r = client({ protocol });
      await r.connect();
      const p = r.pipeline();
      for (let i = 0; i < 10000; i++) {
        if (i % 3 === 0) p.set(`pipe${protocol}:${i}`, String(i));
        else if (i % 3 === 1) p.get(`pipe${protocol}:${i - 1}`);
        else p.incr(`pipe${protocol}:count`);
      }
      const results = (await p.exec())!;
      assert.equal(results.length, 10000);
      for (let i = 0; i < 10000; i++) {
        const [err, v] = results[i];
        assert.equal(err, null);
        if (i % 3 === 0) assert.equal(v, 'OK');
        else if (i % 3 === 1) assert.equal(v, String(i - 1));
        else assert.equal(v, (i + 1) / 3);
      }
      // Auto-pipelined promises in one tick, too.
      const many = await Promise.all(Array.from({ length: 10000 }, (_, i) => r.echo(`e${i}`)));
      assert.equal(many[9999], 'e9999');
    });

    test('binary keys and values as Buffers', T, async () => {
      const r = client({ protocol });
      await r.connect();
      const bytes = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) bytes[i] = i;
      const key = Buffer.concat([Buffer.from(`bin${protocol}:`), bytes]);
      assert.equal(await r.set(key, bytes), 'OK');
      const back = await r.getBuffer(key);
      assert.ok(Buffer.isBuffer(back) && back.equals(bytes));
      const invalidUtf8 = Buffer.from([0xff, 0xfe, 0x00, 0xc3]);
      await r.set(invalidUtf8, invalidUtf8);
      assert.ok((await r.getBuffer(invalidUtf8))!.equals(invalidUtf8));
      const [a, b] = (await r.mgetBuffer(key, invalidUtf8)) as Buffer[];
      assert.ok(a.equals(bytes) && b.equals(invalidUtf8));
    });

    test('error replies become ReplyError with the server text', T, async () => {
      const r = client({ protocol });
      await r.connect();
      await assert.rejects(r.call('NOSUCHCMD', 'a'), (e: Error) => {
        assert.ok(e instanceof ReplyError);
        assert.equal(e.message, "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ");
        return true;
      });
      await assert.rejects(r.call('GET'), /ERR wrong number of arguments for 'get' command/);
      await r.set(`err${protocol}`, 'notanumber');
      await assert.rejects(r.incr(`err${protocol}`), /ERR value is not an integer or out of range/);
      // The connection is still usable, and errors inside a pipeline stay per command.
      const res = (await r.pipeline().ping().call('NOSUCHCMD').echo('x').exec())!;
      assert.equal(res[0][1], 'PONG');
      assert.ok(res[1][0] instanceof ReplyError);
      assert.equal(res[2][1], 'x');
    });
  });
}

describe('ioredis handshakes and reconnection', () => {
  test('password and database in the handshake', T, async () => {
    const secured = await startServer({ port: 0, requirepass: 'pw' });
    const clients: Redis[] = [];
    try {
      for (const protocol of [2, 3] as const) {
        const r = new Redis({ port: secured.port, host: '127.0.0.1', password: 'pw', db: 2, protocol, lazyConnect: true });
        clients.push(r);
        await r.connect();
        await r.set('in-db-2', String(protocol));
        assert.equal(await r.get('in-db-2'), String(protocol));
      }
      const wrong = new Redis({ port: secured.port, host: '127.0.0.1', password: 'nope', lazyConnect: true, retryStrategy: () => null });
      const errors: string[] = [];
      wrong.on('error', (e: Error) => errors.push(e.message));
      clients.push(wrong);
      // As with redis-server: connect() fails and the server's reason arrives as an 'error' event.
      await assert.rejects(wrong.connect());
      assert.deepEqual(errors, ['WRONGPASS invalid username-password pair or user is disabled.']);
    } finally {
      for (const r of clients) r.disconnect();
      await secured.close();
    }
  });

  test('reconnects after the server drops the connection', T, async () => {
    const r = client({ retryStrategy: () => 10, maxRetriesPerRequest: 5 });
    await r.connect();
    await r.set('reconnect', '1');
    const id = (await r.call('CLIENT', 'ID').catch(() => null)) as number | null;
    const ready = new Promise((resolve) => r.once('ready', resolve));
    // Drop it from the server side (CLIENT KILL when available; the engine's close otherwise).
    const killed = id !== null ? await s.call('CLIENT', 'KILL', 'ID', String(id)).catch(() => null) : null;
    if (killed !== 1) {
      const addr = `127.0.0.1:${(r as unknown as { stream: { localPort: number } }).stream.localPort}`;
      for (const c of s.server.clients.values()) if (c.addr === addr) c.close();
    }
    await ready;
    assert.equal(await r.get('reconnect'), '1');
  });

  test('CLIENT KILL disconnects the client, which reconnects', T, async () => {
    const r = client({ retryStrategy: () => 10 });
    await r.connect();
    const id = (await r.call('CLIENT', 'ID')) as number;
    const closed = new Promise((resolve) => r.once('close', resolve));
    assert.equal(await s.call('CLIENT', 'KILL', 'ID', String(id)), 1);
    await closed;
    assert.equal(await r.ping(), 'PONG');
  });
});
