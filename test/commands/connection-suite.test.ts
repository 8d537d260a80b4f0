// CONFIG SET port / bind as Redis's unit/networking checks them: the new port accepts clients as
// soon as the OK is back, a busy port is refused with Redis's error and the old port stays.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';
import { freePort } from '../helpers/differential';

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
