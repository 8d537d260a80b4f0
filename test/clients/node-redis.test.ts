// node-redis against an embedded respite over TCP: its HELLO / CLIENT SETINFO handshake, RESP2 and
// RESP3, auto-pipelining, binary data through type mappings, error mapping, reconnection.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createClient, ErrorReply, RESP_TYPES } from 'redis';
import { startServer, RespiteServer } from '../../src/index';

/** A missing command in a handshake makes a client retry forever: fail the test instead. */
const T = { timeout: 20_000 };
let s: RespiteServer;
// node-redis types its clients per RESP version and module set; the tests use both versions.
type AnyClient = any;
const open: AnyClient[] = [];

async function client(RESP: 2 | 3, extra: Record<string, unknown> = {}): Promise<AnyClient> {
  const c = createClient({ socket: { port: s.port, host: '127.0.0.1', reconnectStrategy: 10 }, RESP, ...extra } as Parameters<typeof createClient>[0]);
  c.on('error', () => {}); // reconnection tests provoke errors on purpose
  open.push(c);
  await c.connect();
  return c;
}

before(async () => {
  s = await startServer({ port: 0 });
});

after(async () => {
  for (const c of open) if (c.isOpen) c.destroy();
  await s.close();
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis, RESP${RESP}`, () => {
    test('connects (HELLO, CLIENT SETINFO) and runs basic commands', T, async () => {
      const c = await client(RESP, { name: `nr${RESP}` });
      assert.ok(c.isReady);
      assert.equal(await c.ping(), 'PONG');
      assert.equal(await c.echo('héllo'), 'héllo');
      assert.equal(await c.set(`nr${RESP}:k`, 'v'), 'OK');
      assert.equal(await c.get(`nr${RESP}:k`), 'v');
      assert.equal(await c.incr(`nr${RESP}:n`), 1);
      assert.equal(await c.incr(`nr${RESP}:n`), 2);
      assert.deepEqual(await c.mGet([`nr${RESP}:k`, `nr${RESP}:missing`, `nr${RESP}:n`]), ['v', null, '2']);
      assert.equal(await c.del([`nr${RESP}:k`, `nr${RESP}:n`, `nr${RESP}:missing`]), 2);
      assert.equal(await c.get(`nr${RESP}:k`), null);
    });

    test('the server speaks the protocol the client negotiated', T, async () => {
      const c = await client(RESP);
      const hello = (await c.sendCommand(['HELLO'])) as unknown;
      const flat = Array.isArray(hello) ? hello : hello instanceof Map ? [...hello.entries()].flat() : Object.entries(hello as object).flat();
      assert.equal(flat[flat.indexOf('proto') + 1], RESP);
      assert.ok([...s.server.clients.values()].some((x) => x.kind === 'tcp' && x.protocol === RESP));
    });

    test('10 000 commands auto-pipelined, and a MULTI-less batch', T, async () => {
      const c = await client(RESP);
      const replies = await Promise.all(
        Array.from({ length: 10000 }, (_, i) =>
          i % 3 === 0 ? c.set(`pipe${RESP}:${i}`, String(i)) : i % 3 === 1 ? c.get(`pipe${RESP}:${i - 1}`) : c.incr(`pipe${RESP}:count`),
        ),
      );
      for (let i = 0; i < 10000; i++) {
        if (i % 3 === 0) assert.equal(replies[i], 'OK');
        else if (i % 3 === 1) assert.equal(replies[i], String(i - 1));
        else assert.equal(replies[i], (i + 1) / 3);
      }
      const batch = c.multi();
      for (let i = 0; i < 10000; i++) batch.echo(`e${i}`);
      const out = await batch.execAsPipeline();
      assert.equal(out.length, 10000);
      assert.equal(out[9999], 'e9999');
    });

    test('binary keys and values as Buffers', T, async () => {
      const c = await client(RESP);
      const b = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      const bytes = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) bytes[i] = i;
      const key = Buffer.concat([Buffer.from(`bin${RESP}:`), bytes]);
      assert.equal(await b.set(key, bytes), 'OK');
      const back = (await b.get(key)) as unknown as Buffer;
      assert.ok(Buffer.isBuffer(back) && back.equals(bytes));
      const invalidUtf8 = Buffer.from([0xff, 0xfe, 0x00, 0xc3]);
      await b.set(invalidUtf8, invalidUtf8);
      const both = (await b.mGet([key, invalidUtf8])) as unknown as Buffer[];
      assert.ok(both[0].equals(bytes) && both[1].equals(invalidUtf8));
    });

    test('error replies become ErrorReply with the server text', T, async () => {
      const c = await client(RESP);
      await assert.rejects(c.sendCommand(['NOSUCHCMD', 'a']), (e: Error) => {
        assert.ok(e instanceof ErrorReply);
        assert.equal(e.message, "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ");
        return true;
      });
      await assert.rejects(c.sendCommand(['GET']), /ERR wrong number of arguments for 'get' command/);
      await c.set(`err${RESP}`, 'x');
      await assert.rejects(c.incr(`err${RESP}`), /ERR value is not an integer or out of range/);
      assert.equal(await c.ping(), 'PONG');
    });
  });
}

describe('node-redis handshakes and reconnection', () => {
  test('password and database in the handshake, RESP2 and RESP3', T, async () => {
    const secured = await startServer({ port: 0, requirepass: 'pw' });
    const clients: AnyClient[] = [];
    try {
      for (const RESP of [2, 3] as const) {
        const c: AnyClient = createClient({ socket: { port: secured.port, host: '127.0.0.1' }, password: 'pw', database: 3, RESP });
        c.on('error', () => {});
        clients.push(c);
        await c.connect();
        await c.set('in-db-3', String(RESP));
        assert.equal(await c.get('in-db-3'), String(RESP));
      }
      const wrong = createClient({ socket: { port: secured.port, host: '127.0.0.1', reconnectStrategy: false }, password: 'nope', RESP: 3 });
      wrong.on('error', () => {});
      await assert.rejects(wrong.connect(), /WRONGPASS/);
      if (wrong.isOpen) wrong.destroy();
    } finally {
      for (const c of clients) if (c.isOpen) c.destroy();
      await secured.close();
    }
  });

  test('reconnects after the server drops the connection', T, async () => {
    const c = await client(3);
    await c.set('reconnect', '1');
    const ready = new Promise((resolve) => c.once('ready', resolve));
    const before = [...s.server.clients.values()].filter((x) => x.kind === 'tcp').map((x) => x.id);
    const id = (await c.sendCommand(['CLIENT', 'ID']).catch(() => null)) as number | null;
    const killed = id !== null ? await s.call('CLIENT', 'KILL', 'ID', String(id)).catch(() => null) : null;
    if (killed !== 1) {
      // No CLIENT KILL yet: drop the newest TCP client, which is this one.
      s.server.clients.get(Math.max(...before))!.close();
    }
    await ready;
    assert.equal(await c.get('reconnect'), '1');
  });

  test('CLIENT KILL disconnects the client, which reconnects', T, async () => {
    const c = await client(2);
    const id = (await c.sendCommand(['CLIENT', 'ID'])) as number;
    const reconnecting = new Promise((resolve) => c.once('reconnecting', resolve));
    assert.equal(await s.call('CLIENT', 'KILL', 'ID', String(id)), 1);
    await reconnecting;
    assert.equal(await c.ping(), 'PONG');
  });
});
