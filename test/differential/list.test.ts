// List commands against the reference redis-server: replies byte for byte, errors included.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, waitBlocked } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { rng as prng } from '../helpers/random';

const BIN = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]);


/** Reads pub/sub messages until one mentions `marker`; returns their raw bytes. */
async function collectUntil(c: RespClient, marker: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await c.readNext();
    const raw = m.raw.toString('latin1');
    if (raw.includes(marker)) return out;
    out.push(raw);
  }
}

differential('list commands (differential)', (ctx) => {
  test('LPUSH / RPUSH / LPUSHX / RPUSHX / LLEN / LRANGE', async () => {
    const p = await ctx.pair();
    await p.script([
      ['LPUSH', 'l', 'a', 'b', 'c'],
      ['RPUSH', 'l', 'd', 'e'],
      ['LRANGE', 'l', '0', '-1'],
      ['LLEN', 'l'],
      ['LLEN', 'missing'],
      ['LPUSHX', 'missing', 'x'],
      ['RPUSHX', 'missing', 'x', 'y'],
      ['EXISTS', 'missing'],
      ['LPUSHX', 'l', 'x', 'y'],
      ['RPUSHX', 'l', 'z'],
      ['LRANGE', 'l', '0', '-1'],
      ['LRANGE', 'l', '-3', '-1'],
      ['LRANGE', 'l', '-100', '2'],
      ['LRANGE', 'l', '5', '2'],
      ['LRANGE', 'l', '100', '200'],
      ['LRANGE', 'l', '2', '100'],
      ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
      ['LRANGE', 'missing', '0', '-1'],
      ['LRANGE', 'l', 'a', '1'],
      ['LRANGE', 'l', '0', '1.5'],
      ['LRANGE', 'l', '0', '9223372036854775808'],
      ['LRANGE', 'missing', 'x', '1'],
      ['TYPE', 'l'],
      ['OBJECT', 'ENCODING', 'l'],
      ['LPUSH', 'l'],
      ['RPUSH'],
      ['LPUSHX', 'l'],
      ['LLEN'],
      ['LLEN', 'a', 'b'],
      ['LRANGE', 'l', '0'],
    ]);
    await p.run('RPUSH', 'bin', BIN, '', BIN);
    await p.run('LRANGE', 'bin', '0', '-1');
    await p.run('LINDEX', 'bin', '0');
  });

  test('wrong type errors for every list command', async () => {
    const p = await ctx.pair();
    await p.run('SET', 's', 'x');
    await p.run('RPUSH', 'l', 'a');
    await p.script([
      ['LPUSH', 's', 'a'],
      ['RPUSH', 's', 'a'],
      ['LPUSHX', 's', 'a'],
      ['RPUSHX', 's', 'a'],
      ['LPOP', 's'],
      ['RPOP', 's', '2'],
      ['LLEN', 's'],
      ['LRANGE', 's', '0', '-1'],
      ['LINDEX', 's', '0'],
      ['LSET', 's', '0', 'x'],
      ['LINSERT', 's', 'BEFORE', 'a', 'b'],
      ['LREM', 's', '0', 'a'],
      ['LTRIM', 's', '0', '1'],
      ['LPOS', 's', 'a'],
      ['LMOVE', 's', 'l', 'LEFT', 'RIGHT'],
      ['LMOVE', 'l', 's', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'l', 's'],
      ['RPOPLPUSH', 's', 'l'],
      ['LMPOP', '2', 'missing', 's', 'LEFT'],
      ['LMPOP', '2', 's', 'l', 'LEFT'],
      ['BLPOP', 's', '0'],
      ['BLPOP', 'missing', 's', 'l', '0'],
      ['BRPOP', 's', 'x'],
      ['BLMOVE', 's', 'l', 'LEFT', 'LEFT', '0'],
      ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 's', 'l', '0'],
      ['BLMPOP', '0', '1', 's', 'RIGHT'],
      ['LRANGE', 'l', '0', '-1'],
    ]);
  });

  test('LPOP / RPOP with and without count', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'l', '1', '2', '3', '4', '5', '6');
    await p.script([
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['LPOP', 'l', '2'],
      ['RPOP', 'l', '0'],
      ['RPOP', 'l', '1'],
      ['LPOP', 'l', '10'],
      ['EXISTS', 'l'],
      ['LPOP', 'l'],
      ['LPOP', 'l', '0'],
      ['RPOP', 'l', '3'],
      ['LPOP', 'l', '-1'],
      ['LPOP', 'l', 'abc'],
      ['RPOP', 'l', '1.5'],
      ['LPOP', 'l', '9223372036854775808'],
      ['LPOP', 'l', '1', '2'],
      ['RPOP', 'l', '1', '2', '3'],
      ['LPOP'],
    ]);
    await p.run('RPUSH', 'l', 'a', 'b', 'c');
    await p.run('RPOP', 'l', '9223372036854775807');
    await p.run('SET', 's', 'x');
    await p.run('LPOP', 's', '-1');
    await p.run('LPOP', 's', '0');
  });

  test('LINDEX / LSET / LINSERT', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'l', 'a', 'b', 'c', 'b');
    await p.script([
      ['LINDEX', 'l', '0'],
      ['LINDEX', 'l', '-1'],
      ['LINDEX', 'l', '-4'],
      ['LINDEX', 'l', '-5'],
      ['LINDEX', 'l', '4'],
      ['LINDEX', 'l', 'x'],
      ['LINDEX', 'missing', 'x'],
      ['LINDEX', 'missing', '0'],
      ['LSET', 'l', '1', 'B'],
      ['LSET', 'l', '-1', 'Z'],
      ['LSET', 'l', '4', 'x'],
      ['LSET', 'l', '-5', 'x'],
      ['LSET', 'l', 'x', 'x'],
      ['LSET', 'missing', '0', 'x'],
      ['LSET', 'missing', 'x', 'x'],
      ['LRANGE', 'l', '0', '-1'],
      ['LINSERT', 'l', 'BEFORE', 'a', 'first'],
      ['LINSERT', 'l', 'after', 'Z', 'last'],
      ['LINSERT', 'l', 'AFTER', 'B', 'mid'],
      ['LINSERT', 'l', 'before', 'nope', 'x'],
      ['LINSERT', 'missing', 'BEFORE', 'a', 'x'],
      ['LINSERT', 'l', 'MIDDLE', 'a', 'x'],
      ['LINSERT', 'missing', 'MIDDLE', 'a', 'x'],
      ['LRANGE', 'l', '0', '-1'],
      ['LINSERT', 'l', 'BEFORE', 'a'],
      ['LSET', 'l', '0'],
      ['LINDEX', 'l'],
    ]);
  });

  test('LREM / LTRIM', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a');
    await p.script([
      ['LREM', 'l', '1', 'a'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '-2', 'a'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '0', 'b'],
      ['LREM', 'l', '0', 'nope'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', 'x', 'a'],
      ['LREM', 'missing', 'x', 'a'],
      ['LREM', 'missing', '0', 'a'],
      ['LREM', 'l', '0', 'a'],
      ['LREM', 'l', '0', 'c'],
      ['EXISTS', 'l'],
    ]);
    await p.run('RPUSH', 't', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
    await p.script([
      ['LTRIM', 't', '1', '-2'],
      ['LRANGE', 't', '0', '-1'],
      ['LTRIM', 't', '-3', '100'],
      ['LRANGE', 't', '0', '-1'],
      ['LTRIM', 't', '0', '0'],
      ['LRANGE', 't', '0', '-1'],
      ['LTRIM', 't', 'a', '0'],
      ['LTRIM', 'missing', '0', '1'],
      ['LTRIM', 'missing', 'a', '1'],
      ['LTRIM', 't', '5', '1'],
      ['EXISTS', 't'],
    ]);
    await p.run('RPUSH', 't', 'a', 'b', 'c');
    await p.run('LTRIM', 't', '-100', '-50');
    await p.run('EXISTS', 't');
  });

  test('LPOS with RANK, COUNT, MAXLEN and its errors', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'l', 'a', 'b', 'c', '1', '2', '3', 'c', 'c');
    await p.script([
      ['LPOS', 'l', 'a'],
      ['LPOS', 'l', 'c'],
      ['LPOS', 'l', 'x'],
      ['LPOS', 'l', 'c', 'RANK', '2'],
      ['LPOS', 'l', 'c', 'RANK', '-1'],
      ['LPOS', 'l', 'c', 'RANK', '-3'],
      ['LPOS', 'l', 'c', 'RANK', '4'],
      ['LPOS', 'l', 'c', 'COUNT', '0'],
      ['LPOS', 'l', 'c', 'COUNT', '2'],
      ['LPOS', 'l', 'c', 'COUNT', '2', 'RANK', '2'],
      ['LPOS', 'l', 'c', 'COUNT', '0', 'RANK', '-1'],
      ['LPOS', 'l', 'c', 'COUNT', '0', 'MAXLEN', '7'],
      ['LPOS', 'l', 'c', 'MAXLEN', '2'],
      ['LPOS', 'l', 'c', 'RANK', '-1', 'MAXLEN', '1'],
      ['LPOS', 'l', 'x', 'COUNT', '1'],
      ['LPOS', 'missing', 'x'],
      ['LPOS', 'missing', 'x', 'COUNT', '0'],
      ['LPOS', 'missing', 'x', 'RANK', '0'],
      ['LPOS', 'l', 'c', 'RANK', '0'],
      ['LPOS', 'l', 'c', 'RANK', 'x'],
      ['LPOS', 'l', 'c', 'COUNT', '-1'],
      ['LPOS', 'l', 'c', 'COUNT', 'x'],
      ['LPOS', 'l', 'c', 'MAXLEN', '-1'],
      ['LPOS', 'l', 'c', 'MAXLEN', 'x'],
      ['LPOS', 'l', 'c', 'RANK'],
      ['LPOS', 'l', 'c', 'FOO', '1'],
      ['LPOS', 'l', 'c', 'count', '1', 'rank', '1', 'maxlen', '0'],
      ['LPOS', 'l'],
    ]);
  });

  test('LMOVE / RPOPLPUSH', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'src', 'a', 'b', 'c');
    await p.script([
      ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
      ['LMOVE', 'src', 'dst', 'right', 'left'],
      ['LRANGE', 'dst', '0', '-1'],
      ['LMOVE', 'src', 'src', 'LEFT', 'RIGHT'],
      ['LMOVE', 'dst', 'dst', 'LEFT', 'RIGHT'],
      ['LRANGE', 'dst', '0', '-1'],
      ['RPOPLPUSH', 'src', 'dst'],
      ['EXISTS', 'src'],
      ['RPOPLPUSH', 'src', 'dst'],
      ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
      ['LMOVE', 'dst', 'x', 'UP', 'RIGHT'],
      ['LMOVE', 'dst', 'x', 'LEFT', 'DOWN'],
      ['LMOVE', 'missing', 'x', 'UP', 'RIGHT'],
      ['LRANGE', 'dst', '0', '-1'],
      ['RPOPLPUSH', 'dst', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['LMOVE', 'dst', 'x', 'LEFT'],
      ['RPOPLPUSH', 'dst'],
    ]);
  });

  test('LMPOP', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'b', '1', '2', '3', '4');
    await p.script([
      ['LMPOP', '2', 'a', 'b', 'LEFT'],
      ['LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'],
      ['LMPOP', '1', 'b', 'left', 'count', '10'],
      ['LMPOP', '2', 'a', 'b', 'LEFT'],
      ['LMPOP', '0', 'a', 'LEFT'],
      ['LMPOP', '-1', 'a', 'LEFT'],
      ['LMPOP', 'x', 'a', 'LEFT'],
      ['LMPOP', '3', 'a', 'b', 'LEFT'],
      ['LMPOP', '1', 'a', 'MIDDLE'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '-1'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['LMPOP', '1', 'a', 'LEFT', 'FOO'],
      ['LMPOP', '1', 'a'],
    ]);
  });

  test('COMMAND GETKEYS finds the movable keys of LMPOP and BLMPOP', async () => {
    const p = await ctx.pair();
    await p.script([
      ['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'BLMPOP', '0', '2', 'a', 'b', 'LEFT', 'COUNT', '3'],
      ['COMMAND', 'GETKEYS', 'BLPOP', 'a', 'b', '0'],
      ['COMMAND', 'GETKEYS', 'BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'],
    ]);
  });

  test('blocking commands find data without blocking, and their argument errors', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g');
    await p.script([
      ['BLPOP', 'missing', 'l', '0'],
      ['BRPOP', 'l', 'missing', '1'],
      ['BLMPOP', '0', '2', 'missing', 'l', 'LEFT', 'COUNT', '2'],
      ['BLMOVE', 'l', 'd', 'RIGHT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'l', 'd', '0'],
      ['LRANGE', 'd', '0', '-1'],
      ['EXISTS', 'l'],
      ['BLPOP', 'l', 'x'],
      ['BLPOP', 'l', '-1'],
      ['BLPOP', 'l', '-0.5'],
      ['BLPOP', 'l', 'inf'],
      ['BLPOP', 'l', '1e20'],
      ['BLPOP', 'l', 'nan'],
      ['BLPOP', 'l', ''],
      ['BLPOP', 'l', ' 1'],
      ['BRPOP', 'l', '1x'],
      ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', 'x'],
      ['BLMOVE', 'l', 'd', 'UP', 'LEFT', 'x'],
      ['BLMOVE', 'l', 'd', 'LEFT', 'UP', '-1'],
      ['BRPOPLPUSH', 'l', 'd', '-1'],
      ['BLMPOP', 'x', '1', 'l', 'LEFT'],
      ['BLMPOP', '-1', '1', 'l', 'LEFT'],
      ['BLMPOP', '0', '0', 'l', 'LEFT'],
      ['BLMPOP', '0', '1', 'l', 'UP'],
      ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '0'],
      ['BLMPOP', '0', '2', 'l', 'LEFT'],
      ['BLPOP', 'l'],
      ['BLMPOP', '0', '1', 'l'],
      ['BRPOPLPUSH', 'l', 'd'],
    ]);
  });

  test('blocking commands inside MULTI answer at once', async () => {
    const p = await ctx.pair();
    await p.script([
      ['MULTI'],
      ['BLPOP', 'missing', '0'],
      ['BRPOP', 'missing', '10'],
      ['BLMOVE', 'missing', 'd', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'missing', 'd', '0'],
      ['BLMPOP', '0', '1', 'missing', 'LEFT'],
      ['RPUSH', 'l', 'x', 'y'],
      ['BLPOP', 'l', '0'],
      ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', '0'],
      ['BLPOP', 'l', '0'],
      ['EXEC'],
    ]);
    await p.check('type', 'HELLO', '3');
    await p.script([
      ['MULTI'],
      ['BLPOP', 'missing', '0'],
      ['BLMOVE', 'missing', 'd', 'LEFT', 'LEFT', '0'],
      ['BLMPOP', '0', '1', 'missing', 'LEFT'],
      ['LMPOP', '1', 'missing', 'LEFT'],
      ['LPOP', 'missing'],
      ['LPOP', 'missing', '1'],
      ['LPOS', 'missing', 'x'],
      ['EXEC'],
    ]);
  });

  test('RESP3 replies of the non-blocking commands', async () => {
    const p = await ctx.pair();
    await p.check('type', 'HELLO', '3');
    await p.script([
      ['RPUSH', 'l', 'a', 'b'],
      ['LPOP', 'missing'],
      ['LPOP', 'missing', '2'],
      ['LPOP', 'l', '1'],
      ['LMPOP', '1', 'missing', 'LEFT'],
      ['LMPOP', '1', 'l', 'LEFT'],
      ['LINDEX', 'missing', '0'],
      ['LPOS', 'missing', 'x'],
      ['LMOVE', 'missing', 'x', 'LEFT', 'LEFT'],
    ]);
  });

  test('blocking timeouts answer null arrays, byte for byte in RESP2 and RESP3', async () => {
    const p = await ctx.pair();
    await p.script([
      ['BLPOP', 'a', 'b', '0.1'],
      ['BRPOP', 'a', '0.05'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0.1'],
      ['BRPOPLPUSH', 'a', 'b', '0.1'],
      ['BLMPOP', '0.1', '2', 'a', 'b', 'LEFT', 'COUNT', '3'],
      ['BLPOP', 'a', '0.0001'],
    ]);
    await p.check('type', 'HELLO', '3');
    await p.script([
      ['BLPOP', 'a', 'b', '0.1'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0.1'],
      ['BLMPOP', '0.1', '1', 'a', 'RIGHT'],
    ]);
  });

  test('a blocked client is served by a push from another client', async () => {
    const waiter = await ctx.pair();
    const pusher = await ctx.pair();
    const blocked = waiter.run('BLPOP', 'k1', 'k2', '5');
    await waitBlocked(pusher, 1);
    await pusher.run('RPUSH', 'k2', 'x', 'y');
    await blocked;
    await pusher.run('LRANGE', 'k2', '0', '-1');
    const blmpop = waiter.run('BLMPOP', '5', '2', 'k1', 'k3', 'RIGHT', 'COUNT', '5');
    await waitBlocked(pusher, 1);
    await pusher.run('LPUSH', 'k3', 'a', 'b', 'c');
    await blmpop;
    await pusher.run('EXISTS', 'k3');
    // The destination holds a string when the source gets an element: WRONGTYPE, nothing moved.
    await pusher.run('SET', 'dst', 'str');
    const blmove = waiter.run('BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '5');
    await waitBlocked(pusher, 1);
    await pusher.run('RPUSH', 'src', 'v');
    await blmove;
    await pusher.run('LRANGE', 'src', '0', '-1');
  });

  test('a source that becomes another type keeps the client blocked (Redis 7.0)', async () => {
    const waiter = await ctx.pair();
    const other = await ctx.pair();
    const blocked = waiter.run('BLPOP', 'k', '5');
    await waitBlocked(other, 1);
    await other.run('SET', 'k', 'string');
    await other.run('DEL', 'k');
    await other.run('RPUSH', 'k', 'late');
    await blocked;
    await other.run('EXISTS', 'k');
  });

  test('SWAPDB brings a list under a blocked client', async () => {
    const waiter = await ctx.pair();
    const other = await ctx.pair();
    const blocked = waiter.run('BLPOP', 'k', '5');
    await waitBlocked(other, 1);
    await other.run('SELECT', '1');
    await other.run('RPUSH', 'k', 'from-db1', 'second');
    await other.run('SWAPDB', '0', '1');
    await blocked;
    await other.run('LRANGE', 'k', '0', '-1');
    await other.run('FLUSHALL');
  });

  test('LPOS and LREM at the int64 limits', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'l', 'a', 'b', 'a');
    await p.script([
      ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'],
      ['LPOS', 'l', 'a', 'RANK', '-9223372036854775807'],
      ['LPOS', 'l', 'a', 'RANK', '9223372036854775807'],
      ['LPOS', 'l', 'a', 'RANK', '9223372036854775808'],
      ['LPOS', 'l', 'a', 'COUNT', '9223372036854775807'],
      ['LPOS', 'l', 'a', 'MAXLEN', '9223372036854775807'],
      ['LREM', 'l', '-9223372036854775808', 'a'],
      ['LRANGE', 'l', '0', '-1'],
      ['LMPOP', '9223372036854775806', 'l', 'LEFT'],
      ['BLPOP', 'l', '0x10'],
    ]);
  });

  test('keyspace events of list commands', async () => {
    const sub = await ctx.pair();
    const p = await ctx.pair();
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    try {
      await sub.runN(2, 'PSUBSCRIBE', '__key*__:*', 'marker');
      await p.script([
        ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
        ['LPUSH', 'l', 'z'],
        ['LPUSHX', 'l', 'y'],
        ['RPUSHX', 'nol', 'y'],
        ['LPOP', 'l'],
        ['RPOP', 'l', '2'],
        ['LSET', 'l', '0', 'A'],
        ['LINSERT', 'l', 'BEFORE', 'A', 'B'],
        ['LINSERT', 'l', 'BEFORE', 'nope', 'B'],
        ['LREM', 'l', '0', 'nope'],
        ['LREM', 'l', '1', 'B'],
        ['LTRIM', 'l', '0', '-1'],
        ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
        ['RPOPLPUSH', 'l', 'l'],
        ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1'],
        ['BLPOP', 'l', '0'],
        ['BLMOVE', 'm', 'n', 'LEFT', 'LEFT', '0'],
        ['LTRIM', 'n', '1', '0'],
        ['RPUSH', 'r', 'x'],
        ['LREM', 'r', '0', 'x'],
        ['PUBLISH', 'marker', 'end'],
      ]);
      const [a, b] = await Promise.all([collectUntil(sub.redis, 'marker'), collectUntil(sub.respite, 'marker')]);
      assert.deepEqual(b, a);
      assert.ok(a.length > 20);
    } finally {
      await p.run('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });

  test('seeded random sequence of list commands', async () => {
    const p = await ctx.pair();
    const rnd = prng(20240607);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const keys = ['l1', 'l2', 'l3'];
    const vals = ['a', 'b', 'c', 'd', '1', '2', '', 'x'.repeat(70)];
    const idx = () => String(Math.floor(rnd() * 16) - 8);
    const side = () => pick(['LEFT', 'RIGHT']);
    const gens: (() => string[])[] = [
      () => ['LPUSH', pick(keys), pick(vals), pick(vals)],
      () => ['RPUSH', pick(keys), pick(vals)],
      () => ['RPUSH', pick(keys), pick(vals), pick(vals), pick(vals)],
      () => ['LPUSHX', pick(keys), pick(vals)],
      () => ['RPUSHX', pick(keys), pick(vals)],
      () => ['LPOP', pick(keys)],
      () => ['RPOP', pick(keys), String(Math.floor(rnd() * 4))],
      () => ['LLEN', pick(keys)],
      () => ['LRANGE', pick(keys), idx(), idx()],
      () => ['LINDEX', pick(keys), idx()],
      () => ['LSET', pick(keys), idx(), pick(vals)],
      () => ['LINSERT', pick(keys), pick(['BEFORE', 'AFTER']), pick(vals), pick(vals)],
      () => ['LREM', pick(keys), String(Math.floor(rnd() * 5) - 2), pick(vals)],
      () => ['LTRIM', pick(keys), idx(), idx()],
      () => ['LPOS', pick(keys), pick(vals), 'RANK', pick(['1', '2', '-1', '-2']), 'COUNT', pick(['0', '1', '2'])],
      () => ['LPOS', pick(keys), pick(vals)],
      () => ['LMOVE', pick(keys), pick(keys), side(), side()],
      () => ['RPOPLPUSH', pick(keys), pick(keys)],
      () => ['LMPOP', '2', pick(keys), pick(keys), side(), 'COUNT', String(1 + Math.floor(rnd() * 3))],
      () => ['BLPOP', pick(keys), pick(keys), '0.01'],
    ];
    for (let i = 0; i < 400; i++) await p.run(...pick(gens)());
    for (const k of keys) await p.run('LRANGE', k, '0', '-1');
  });

  test('long lists: push, index and trim through many elements', async () => {
    const p = await ctx.pair();
    const many = Array.from({ length: 300 }, (_, i) => `e${i}`);
    await p.run('RPUSH', 'big', ...many);
    await p.run('LPUSH', 'big', ...many);
    await p.run('LINDEX', 'big', '450');
    await p.run('LINSERT', 'big', 'AFTER', 'e150', 'mid');
    await p.run('LREM', 'big', '-3', 'e7');
    await p.run('LRANGE', 'big', '280', '320');
    await p.run('LTRIM', 'big', '100', '-100');
    await p.run('LLEN', 'big');
    await p.run('LPOP', 'big', '150');
    await p.run('LRANGE', 'big', '0', '-1');
  });
});

