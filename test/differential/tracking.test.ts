// Client-side caching against the reference: CLIENT TRACKING / CACHING / GETREDIR /
// TRACKINGINFO replies and errors, and the invalidation messages (RESP3 push, RESP2 redirect
// through __redis__:invalidate, flush nulls, BCAST prefixes, NOLOOP, OPTIN/OPTOUT).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCommand } from '../../src/resp/reply-parser';
import { DiffContext, Pair, differential } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';

type Arg = string | number | Buffer;

/** Everything a connection received before the reply to a PING (sent now). */
async function drain(c: RespClient, resp3: boolean): Promise<string[]> {
  c.write(encodeCommand(['PING']));
  const out: string[] = [];
  for (;;) {
    const m = (await c.readNext()).raw.toString('latin1');
    if (m === '+PONG\r\n' || (!resp3 && m === '*2\r\n$4\r\npong\r\n$0\r\n\r\n')) return out;
    out.push(m);
  }
}

/** Asserts that both connections of a pair received the same messages since the last check. */
async function sameMessages(p: Pair, resp3 = true): Promise<string[]> {
  const [a, b] = await Promise.all([drain(p.redis, resp3), drain(p.respite, resp3)]);
  // Client ids differ between the servers.
  const mask = (m: string) => m.replace(/tracking-redir-broken\r\n:\d+/, 'tracking-redir-broken\r\n:<id>');
  assert.deepEqual(b.map(mask), a.map(mask));
  return a;
}

/** Runs a command whose arguments name a client id of the same server (REDIRECT). */
async function runWithId(p: Pair, target: Pair, build: (id: string) => Arg[]): Promise<void> {
  const idA = String(await target.redis.call('CLIENT', 'ID'));
  const idB = String(await target.respite.call('CLIENT', 'ID'));
  const [a, b] = await Promise.all([p.redis.callRaw(...build(idA)), p.respite.callRaw(...build(idB))]);
  assert.equal(b.raw.toString('latin1').replace(idB, '<id>'), a.raw.toString('latin1').replace(idA, '<id>'));
}

/** CLIENT TRACKINGINFO on both, with the redirect id masked. */
async function sameInfo(p: Pair): Promise<void> {
  const info = async (c: RespClient) =>
    (await c.callRaw('CLIENT', 'TRACKINGINFO')).raw.toString('latin1').replace(/redirect\r\n:\d+/, 'redirect\r\n:<id>');
  assert.equal(await info(p.respite), await info(p.redis));
}

/** Closes both connections of `r` and waits until each server has dropped its client (seen from `w`). */
async function closeAndWait(r: Pair, w: Pair): Promise<void> {
  const ids = [String(await r.redis.call('CLIENT', 'ID')), String(await r.respite.call('CLIENT', 'ID'))];
  r.close();
  for (const [c, id] of [[w.redis, ids[0]], [w.respite, ids[1]]] as [RespClient, string][]) {
    const deadline = Date.now() + 10_000;
    let listed = String(await c.call('CLIENT', 'LIST', 'ID', id));
    while (listed !== '' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 5));
      listed = String(await c.call('CLIENT', 'LIST', 'ID', id));
    }
    assert.equal(listed, '', `client ${id} still connected`);
  }
}

async function resp3Pair(ctx: DiffContext): Promise<Pair> {
  const p = await ctx.pair();
  await p.check('type', 'HELLO', '3');
  return p;
}

differential('client tracking', (ctx) => {
  test('argument errors and mode switches', async () => {
    const p = await ctx.pair();
    const script: Arg[][] = [
      ['CLIENT', 'TRACKING'],
      ['CLIENT', 'TRACKING', 'maybe'],
      ['CLIENT', 'TRACKING', 'on', 'foo'],
      ['CLIENT', 'TRACKING', 'on', 'PREFIX'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'],
      ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'off', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'off', 'REDIRECT', '999999'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'CACHING', 'yes', 'x'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'GETREDIR', 'x'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKINGINFO', 'x'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN'],
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST'],
      ['CLIENT', 'CACHING', 'no'],
      ['CLIENT', 'CACHING', 'maybe'],
      ['CLIENT', 'CACHING', 'YES'],
      ['CLIENT', 'TRACKINGINFO'],
      // CACHING lasts through CLIENT subcommands (even refused ones) until the next command.
      ['CLIENT', 'CACHING'],
      ['CLIENT', 'NOSUCH'],
      ['CLIENT', 'TRACKINGINFO'],
      ['GET', 'x'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT', 'NOLOOP'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'CACHING', 'no'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'OFF'],
      ['CLIENT', 'TRACKINGINFO'],
    ];
    for (const c of script) await p.run(...c);
  });

  test('BCAST prefixes: overlaps, accumulation, TRACKINGINFO', async () => {
    const p = await ctx.pair();
    const script: Arg[][] = [
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'x'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'c', 'PREFIX', 'bc'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'abc', 'PREFIX', Buffer.from([0, 255])],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'abcd'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'q', 'NOLOOP'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKINGINFO'],
    ];
    for (const c of script) await p.run(...c);
  });

  test('Redis 7.0 quirk: an overlap found after the first prefix replies an error and OK', async () => {
    const p = await ctx.pair();
    await p.runN(2, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c', 'PREFIX', 'b', 'PREFIX', 'bc');
    await p.run('CLIENT', 'TRACKINGINFO');
  });

  test('default mode: reads are remembered, writes invalidate (RESP3 push)', async () => {
    const p = await resp3Pair(ctx);
    const w = await ctx.pair();
    await p.run('CLIENT', 'TRACKING', 'on');
    await p.run('GET', 'k');
    await w.run('SET', 'k', '1');
    await sameMessages(p);
    // Not read again: no second invalidation.
    await w.run('SET', 'k', '2');
    await p.run('MGET', 'k', 'k2', Buffer.from([0, 13, 10, 255]));
    await w.run('MSET', 'k', '1', 'k2', '2', Buffer.from([0, 13, 10, 255]), 'x');
    assert.equal((await sameMessages(p)).length, 3);
    await p.run('HSET', 'h', 'f', 'v');
    await p.run('HGET', 'h', 'f');
    await w.run('HDEL', 'h', 'f');
    await sameMessages(p);
    await p.run('EXISTS', 'h');
    await p.run('SET', 'h', 'x');
    await sameMessages(p);
  });

  test('own writes: invalidation after the reply, also after EXEC; expire', async () => {
    const p = await resp3Pair(ctx);
    await p.run('CLIENT', 'TRACKING', 'on');
    await p.run('GET', 'k');
    await p.run('SET', 'k', 'v');
    await p.next('invalidation after own write');
    await p.run('GET', 'k');
    await p.run('MULTI');
    await p.run('SET', 'k', '2');
    await p.run('GET', 'k');
    await p.run('SET', 'k', '3');
    await p.run('EXEC');
    await p.next('first invalidation after EXEC');
    await p.next('second invalidation after EXEC');
    await p.run('GET', 'k');
    await p.run('EXPIRE', 'k', '100');
    await p.next('invalidation after EXPIRE');
    await p.run('PEXPIRE', 'k', '1');
    await sameMessages(p);
  });

  test('NOLOOP, OPTIN and OPTOUT with CLIENT CACHING', async () => {
    const p = await resp3Pair(ctx);
    const w = await ctx.pair();
    await p.run('CLIENT', 'TRACKING', 'on', 'NOLOOP');
    await p.run('GET', 'a');
    await p.run('SET', 'a', '1');
    await p.run('GET', 'a');
    await w.run('SET', 'a', '2');
    await sameMessages(p);
    await p.run('CLIENT', 'TRACKING', 'on', 'OPTOUT');
    await p.run('GET', 'b');
    await p.run('CLIENT', 'CACHING', 'no');
    await p.run('GET', 'c');
    await w.run('MSET', 'b', '1', 'c', '1');
    await sameMessages(p);
    await p.run('CLIENT', 'TRACKING', 'off');
    await p.run('CLIENT', 'TRACKING', 'on', 'OPTIN');
    await p.run('GET', 'd');
    await p.run('CLIENT', 'CACHING', 'yes');
    await p.run('CLIENT', 'TRACKINGINFO');
    await p.run('MULTI');
    await p.run('GET', 'e');
    await p.run('GET', 'f');
    await p.run('EXEC');
    await p.run('GET', 'g');
    await p.run('CLIENT', 'CACHING', 'yes');
    await p.run('NOSUCHCOMMAND');
    await p.run('GET', 'h');
    await w.run('MSET', 'd', '1', 'e', '1', 'f', '1', 'g', '1', 'h', '1');
    assert.equal((await sameMessages(p)).length, 2);
  });

  test('flush invalidates everything with a null (self and others)', async () => {
    const p = await resp3Pair(ctx);
    const w = await resp3Pair(ctx);
    await p.run('CLIENT', 'TRACKING', 'on');
    await w.run('CLIENT', 'TRACKING', 'on', 'BCAST');
    await p.run('FLUSHALL');
    await p.next('null invalidation after own FLUSHALL');
    await sameMessages(w);
    await p.run('GET', 'k');
    await w.run('FLUSHDB');
    await sameMessages(p);
    await w.run('SET', 'k', '1');
    await sameMessages(p);
  });

  test('RESP2 REDIRECT to a subscriber: __redis__:invalidate messages; broken redirect', async () => {
    const p = await ctx.pair();
    const r = await ctx.pair();
    const w = await ctx.pair();
    await runWithId(p, r, (id) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id]);
    await runWithId(p, r, (id) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'REDIRECT', id]);
    await p.run('GET', 'k');
    // Not in subscriber mode: a RESP2 client cannot receive the message.
    await w.run('SET', 'k', '1');
    await r.runN(1, 'SUBSCRIBE', '__redis__:invalidate');
    await p.run('GET', 'k');
    await w.run('SET', 'k', '2');
    await r.next('redirected invalidation');
    await p.run('MGET', 'k', 'k2');
    await w.run('MSET', 'k', '1', 'k2', '2');
    await r.next('first key');
    await r.next('second key');
    await p.run('FLUSHALL');
    await r.next('flush null');
    await r.runN(1, 'UNSUBSCRIBE');
    await closeAndWait(r, w);
    await p.run('GET', 'k');
    await w.run('SET', 'k', '1');
    await sameInfo(p);
  });

  test('RESP3 redirect target; broken redirect push', async () => {
    const p = await resp3Pair(ctx);
    const r = await resp3Pair(ctx);
    const w = await ctx.pair();
    await runWithId(p, r, (id) => ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id]);
    await p.run('GET', 'k');
    await w.run('SET', 'k', '1');
    await sameMessages(r);
    await p.run('FLUSHDB');
    await sameMessages(r);
    await closeAndWait(r, w);
    await p.run('GET', 'k');
    await w.run('SET', 'k', '1');
    await sameMessages(p);
    await p.run('FLUSHDB');
    assert.equal((await sameMessages(p)).length, 1, 'broken redirect after flush');
    await sameInfo(p);
  });

  test('BCAST: batched per prefix, sorted keys, NOLOOP leaves out own keys', async () => {
    const a = await resp3Pair(ctx);
    const b = await resp3Pair(ctx);
    const w = await ctx.pair();
    await a.run('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'b');
    await b.run('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
    await w.run('MSET', 'b2', '1', 'a1', '2', 'c', '3', 'a0', '4');
    await sameMessages(a);
    await sameMessages(b);
    await b.run('MSET', 'b2', '1', 'x', '1');
    await sameMessages(a);
    await sameMessages(b);
    await a.run('SET', 'a1', '1');
    await a.next('own BCAST invalidation after the reply');
    await sameMessages(b);
    await b.run('MULTI');
    await b.run('SET', 'a5', '1');
    await b.run('DEL', 'a5');
    await b.run('EXEC');
    await sameMessages(a);
    await sameMessages(b);
    await a.run('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c');
    await a.run('CLIENT', 'TRACKING', 'on', 'BCAST');
    await w.run('SET', 'c1', '1');
    assert.equal((await sameMessages(a)).length, 2, 'once per matching prefix');
  });

  test('expiry invalidates tracked keys', async () => {
    const p = await resp3Pair(ctx);
    const w = await ctx.pair();
    // Room for the GET to see the key on both servers even on a loaded machine.
    await p.run('SET', 'e', 'v', 'PX', '300');
    await p.run('CLIENT', 'TRACKING', 'on');
    await p.run('GET', 'e');
    // The expiry cron deletes the key without any access; DBSIZE (another client) does not touch it.
    for (const c of [w.redis, w.respite]) {
      const deadline = Date.now() + 10_000;
      while ((await c.call('DBSIZE')) !== 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal((await sameMessages(p)).length, 1, 'one invalidation for the expired key');
  });

  test('tracking-table-max-keys: over the limit, keys are invalidated before the next command', async () => {
    const p = await resp3Pair(ctx);
    await p.run('CONFIG', 'SET', 'tracking-table-max-keys', '2');
    try {
      await p.run('CLIENT', 'TRACKING', 'on');
      await p.run('MGET', 'a', 'b', 'c');
      // The trim runs before the next command (drain's PING), whose reply follows the
      // invalidation. Which key goes is random in Redis: compare the count.
      const [a, b] = await Promise.all([drain(p.redis, true), drain(p.respite, true)]);
      assert.equal(b.length, a.length);
      assert.equal(a.length, 1);
    } finally {
      await p.run('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
    }
  });

  test('RESET turns tracking off', async () => {
    const p = await resp3Pair(ctx);
    await p.run('CLIENT', 'TRACKING', 'on', 'BCAST');
    await p.run('RESET');
    await p.run('CLIENT', 'TRACKINGINFO');
  });
});
