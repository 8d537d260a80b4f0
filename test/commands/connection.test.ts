import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';

test('PING, ECHO and SELECT through the embedded API', async () => {
  const s = await startServer({ port: null });
  try {
    assert.equal(await s.call('PING'), 'PONG');
    assert.equal(await s.call('PING', 'hello'), 'hello');
    assert.equal(await s.call('ECHO', 'x y'), 'x y');
    await assert.rejects(s.call('SELECT', '16'), /ERR DB index is out of range/);
    await assert.rejects(s.call('NOPE', 'a'), /ERR unknown command 'NOPE', with args beginning with: 'a'/);
  } finally {
    await s.close();
  }
});

test('HELLO switches protocol and requirepass gates commands', async () => {
  const s = await startServer({ port: 0, requirepass: 'secret' });
  const c = await RespClient.connect(s.port);
  try {
    assert.equal((await c.callRaw('PING')).raw.toString(), '-NOAUTH Authentication required.\r\n');
    assert.equal((await c.callRaw('AUTH', 'wrong')).raw.toString(), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    const hello = await c.callRaw('HELLO', '3', 'AUTH', 'default', 'secret');
    assert.equal(hello.raw[0], '%'.charCodeAt(0));
    assert.equal((await c.callRaw('PING')).raw.toString(), '+PONG\r\n');
  } finally {
    c.close();
    await s.close();
  }
});
