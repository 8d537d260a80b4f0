// CONFIG SET port / bind as Redis's unit/networking checks them: the new port accepts clients as
// soon as the OK is back, a busy port is refused with Redis's error and the old port stays. And
// client-output-buffer-limit as unit/obuf-limits checks it for replies to commands.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';
import { freePort } from '../helpers/differential';
import { encodeCommand } from '../../src/resp/reply-parser';

test('CONFIG SET port: the new port listens before the reply; a busy port is refused and the old one kept', async () => {
  const s = await startServer({ port: 0 });
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  try {
    const c = await RespClient.connect(s.port);
    const next = await freePort();
    // Sent together with a connection attempt right after the reply: no window where it is refused.
    assert.equal((await c.callRaw('CONFIG', 'SET', 'port', String(next))).raw.toString(), '+OK\r\n');
    const d = await RespClient.connect(next);
    assert.equal((await d.callRaw('PING')).raw.toString(), '+PONG\r\n');
    await assert.rejects(RespClient.connect(s.port), /ECONNREFUSED/);
    const busyPort = (busy.address() as net.AddressInfo).port;
    assert.equal(
      (await d.callRaw('CONFIG', 'SET', 'port', String(busyPort))).raw.toString(),
      "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
    );
    assert.equal(await d.call('CONFIG', 'GET', 'port').then((r) => (r as string[])[1]), String(next));
    const e = await RespClient.connect(next);
    assert.equal((await e.callRaw('PING')).raw.toString(), '+PONG\r\n');
    assert.equal(
      (await e.callRaw('CONFIG', 'SET', 'bind', '10.255.255.1')).raw.toString(),
      "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    );
    const f = await RespClient.connect(next);
    assert.equal((await f.callRaw('PING')).raw.toString(), '+PONG\r\n');
    for (const x of [c, d, e, f]) x.close();
  } finally {
    busy.close();
    await s.close();
  }
});

/** Sends raw bytes and collects what comes back until the server closes the connection. */
function untilClosed(port: number, bytes: Buffer, ms = 5000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ port, host: '127.0.0.1' });
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data, closed: false });
    }, ms);
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    sock.on('connect', () => sock.write(bytes));
  });
}

test('a reply past the normal hard output limit closes the client before any of it is sent; the rest of the pipeline is dropped', async () => {
  const s = await startServer({ port: 0 });
  try {
    await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 100000 0 0');
    const item = 'x'.repeat(1000);
    for (let i = 0; i < 150; i++) await s.call('RPUSH', 'mylist', item);
    // A small reply, then the big one (the client is closed: neither is sent, as Redis writes
    // nothing to a client it is about to close), then a write that must not run.
    const { data, closed } = await untilClosed(s.port, Buffer.concat([encodeCommand(['PING']), encodeCommand(['LRANGE', 'mylist', '0', '-1']), encodeCommand(['SET', 'after', '1'])]));
    assert.equal(closed, true);
    assert.equal(data, '');
    assert.equal(await s.call('EXISTS', 'after'), 0);
    // A transaction runs to its end even though no reply is sent (all were in the same read).
    const { data: d2 } = await untilClosed(s.port, Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['SET', 'k2', 'v2']), encodeCommand(['LRANGE', 'mylist', '0', '-1']), encodeCommand(['SET', 'k3', 'v3']), encodeCommand(['EXEC'])]));
    assert.equal(d2, '');
    assert.equal(await s.call('GET', 'k3'), 'v3');
  } finally {
    await s.close();
  }
});

test('HRANDFIELD with a huge negative count stops at the output limit instead of building the whole reply', async () => {
  const s = await startServer({ port: 0 });
  try {
    await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1000000 0 0');
    await s.call('HSET', 'myhash', 'a', 'b');
    const { data, closed } = await untilClosed(s.port, encodeCommand(['HRANDFIELD', 'myhash', '-999999999']));
    assert.equal(closed, true);
    assert.equal(data, '');
    assert.equal(await s.call('PING'), 'PONG');
  } finally {
    await s.close();
  }
});
