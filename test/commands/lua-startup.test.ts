// The Lua engine loads in the background after an embedded server starts (src/engine/lua-wait.ts):
// scripts sent before it is ready wait for it and keep their order with the client's other
// commands. This file must start the process's first server (the engine is loaded once per process).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { inlineVm } from '../../src/scripting/vm/inline-vm';

test('scripts sent right after startServer wait for the Lua engine, in order with other commands', async () => {
  const s = await startServer({ port: null });
  try {
    const c = s.connect();
    const notLoadedYet = inlineVm() === null;
    const replies = await Promise.all([
      c.call(['SET', 'k', '1']),
      c.call(['EVAL', "return redis.call('INCR', KEYS[1])", 1, 'k']),
      c.call(['INCR', 'k']),
      c.call(['MULTI']),
      c.call(['EVAL', "return redis.call('GET', KEYS[1])", 1, 'k']),
      c.call(['EXEC']),
      c.call(['PING']),
    ]);
    assert.deepEqual(replies, ['OK', 2, 3, 'OK', 'QUEUED', ['3'], 'PONG']);
    assert.notEqual(inlineVm(), null);
    // Compiling the engine takes far longer than startServer: the calls above really waited.
    assert.equal(notLoadedYet, true);
  } finally {
    await s.close();
  }
});

test('PING answers without waiting for the Lua engine', async () => {
  const s = await startServer({ port: null });
  try {
    assert.equal(await s.call('PING'), 'PONG');
    assert.equal(await s.call('EVAL', 'return 7', 0), 7);
  } finally {
    await s.close();
  }
});
