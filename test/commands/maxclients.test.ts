// maxclients: a connection past the limit gets Redis's error and is closed at once (fully: the
// client sees the end even if it keeps writing), and INFO counts it in rejected_connections.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';

test('a connection past maxclients gets -ERR max number of clients reached and is closed', async () => {
  const s = await startServer({ port: 0 });
  const open: RespClient[] = [];
  try {
    const connected = Number(/connected_clients:(\d+)/.exec(String(await s.call('INFO', 'clients')))![1]);
    await s.call('CONFIG', 'SET', 'maxclients', String(connected + 2));
    for (let i = 0; i < 2; i++) {
      const c = await RespClient.connect(s.port);
      open.push(c);
      assert.equal(String((await c.call('PING') as { value: string }).value), 'PONG');
    }
    const got = await new Promise<{ out: string; closed: boolean }>((resolve) => {
      const chunks: Buffer[] = [];
      const sock = net.createConnection({ port: s.port, host: '127.0.0.1' });
      const writer = setInterval(() => sock.writable && sock.write('PING\r\n'), 20);
      const finish = (closed: boolean) => {
        clearInterval(writer);
        clearTimeout(t);
        sock.destroy();
        resolve({ out: Buffer.concat(chunks).toString('latin1'), closed });
      };
      const t = setTimeout(() => finish(false), 1000);
      sock.on('data', (d) => chunks.push(d));
      sock.on('close', () => finish(true));
      sock.on('error', () => {});
    });
    assert.deepEqual(got, { out: '-ERR max number of clients reached\r\n', closed: true });
    assert.match(String(await s.call('INFO', 'stats')), /rejected_connections:1\r\n/);
  } finally {
    for (const c of open) c.close();
    await s.close();
  }
});
