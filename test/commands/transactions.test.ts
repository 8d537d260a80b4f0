import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { NULL_ARRAY, SimpleString } from '../../src/resp/reply';
import { ReplyError } from '../../src/errors';

test('EXEC runs queued commands in order on an in-process connection', async () => {
  const s = await startServer({ port: null });
  try {
    const a = s.connect();
    assert.deepEqual(await a.send(['MULTI']), new SimpleString('OK'));
    assert.deepEqual(await a.send(['SET', 'x', '1']), new SimpleString('QUEUED'));
    assert.deepEqual(await a.send(['INCR', 'x']), new SimpleString('QUEUED'));
    assert.deepEqual(await a.send(['EXEC']), [new SimpleString('OK'), 2]);
  } finally {
    await s.close();
  }
});

test('a write from another client between WATCH and EXEC aborts the transaction', async () => {
  const s = await startServer({ port: null });
  try {
    const a = s.connect();
    const b = s.connect();
    await a.send(['WATCH', 'x']);
    await b.send(['SET', 'x', 'changed']);
    await a.send(['MULTI']);
    await a.send(['SET', 'x', 'mine']);
    assert.equal(await a.send(['EXEC']), NULL_ARRAY);
    assert.equal(await s.call('GET', 'x'), 'changed');
  } finally {
    await s.close();
  }
});

test('expiry through the embedded clock invalidates WATCH', async () => {
  const s = await startServer({ port: null });
  try {
    s.clock.freeze();
    const a = s.connect();
    await a.send(['SET', 'x', '1', 'PX', '1000']);
    await a.send(['WATCH', 'x']);
    s.clock.advance(2000);
    await a.send(['MULTI']);
    await a.send(['GET', 'x']);
    assert.equal(await a.send(['EXEC']), NULL_ARRAY);
  } finally {
    await s.close();
  }
});

test('errors while queueing make EXEC answer EXECABORT and run nothing', async () => {
  const s = await startServer({ port: null });
  try {
    const a = s.connect();
    await a.send(['MULTI']);
    await a.send(['SET', 'x', '1']);
    const e = await a.send(['GET']);
    assert.ok(e instanceof ReplyError);
    const r = await a.send(['EXEC']);
    assert.ok(r instanceof ReplyError && r.message.startsWith('EXECABORT'));
    assert.equal(await s.call('EXISTS', 'x'), 0);
  } finally {
    await s.close();
  }
});
