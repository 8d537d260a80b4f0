import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';
import { rng } from '../helpers/random';


/** Adds `n` distinct elements (binary ones included) to `key` on both servers, in batches. */
async function addElements(p: Pair, key: string, n: number, r: () => number): Promise<void> {
  const tag = Math.floor(r() * 1e9).toString(36);
  for (let i = 0; i < n; ) {
    const batch: (string | Buffer)[] = [];
    for (const end = Math.min(n, i + 2000); i < end; i++) {
      batch.push(i % 7 === 0 ? Buffer.from([i & 0xff, 0, 0xff, (i >> 8) & 0xff, 13, 10]) : `${tag}:${i}`);
    }
    await p.run('PFADD', key, ...batch);
  }
}

const enc = (p: Pair, key: string) => p.run('PFDEBUG', 'ENCODING', key);

/** A valid HLL header followed by `body` (encoding byte given). */
function hll(encoding: number, body: number[], card = [0, 0, 0, 0, 0, 0, 0, 0x80]): Buffer {
  return Buffer.from([0x48, 0x59, 0x4c, 0x4c, encoding, 0, 0, 0, ...card, ...body]);
}

differential('hyperloglog commands', (ctx) => {
  test('PFADD, PFCOUNT, PFMERGE basics and representation', async () => {
    const p = await ctx.pair();
    await p.script([
      ['PFADD', 'h'],
      ['PFADD', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['PFADD', 'h', 'a'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h', 'missing'],
      ['PFCOUNT', 'missing'],
      ['PFADD', 'h2', 'c', 'd', Buffer.from([0, 1, 2, 0xff])],
      ['PFMERGE', 'm', 'h', 'h2'],
      ['GET', 'm'],
      ['PFCOUNT', 'm'],
      ['PFCOUNT', 'h', 'h2'],
      ['PFMERGE', 'm2'],
      ['GET', 'm2'],
      ['PFMERGE', 'h', 'h2'],
      ['GET', 'h'],
      ['PFMERGE', 'empty', 'nothing'],
      ['PFCOUNT', 'empty'],
      ['TYPE', 'h'],
      ['STRLEN', 'h'],
      ['OBJECT', 'ENCODING', 'h'],
      ['SET', 'copy', 'x'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
    ]);
  });

  test('errors: arity, wrong types, invalid and corrupt values', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'list', 'x');
    await p.run('SET', 'str', 'not an hll at all');
    await p.run('SET', 'int', '1234567890123456789');
    await p.run('SET', 'short', 'HYLL');
    await p.run('SET', 'badenc', hll(2, [0x7f, 0xff]));
    await p.run('SET', 'badmagic', Buffer.from('HYLX\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff', 'latin1'));
    await p.run('SET', 'densebad', hll(0, new Array(100).fill(0)));
    // Sparse opcodes that cover too few / too many registers.
    await p.run('SET', 'sparse-short', hll(1, [0x7f, 0xfe]));
    await p.run('SET', 'sparse-long', hll(1, [0x7f, 0xff, 0x00]));
    await p.run('SET', 'sparse-empty', hll(1, []));
    await p.run('SET', 'sparse-valover', hll(1, [0x7f, 0xfe, 0x83]));
    // A corrupt sparse value with a valid cached cardinality: PFCOUNT trusts the cache.
    await p.run('SET', 'sparse-cached', hll(1, [0x7f, 0xfe], [42, 0, 0, 0, 0, 0, 0, 0]));
    await p.script([
      ['PFADD'],
      ['PFCOUNT'],
      ['PFMERGE'],
      ['PFDEBUG', 'GETREG'],
      ['PFDEBUG', 'GETREG', 'a', 'b'],
      ['PFSELFTEST', 'x'],
      ['PFADD', 'list', 'a'],
      ['PFCOUNT', 'list'],
      ['PFCOUNT', 'list', 'missing'],
      ['PFMERGE', 'list', 'missing'],
      ['PFMERGE', 'dest', 'list'],
      ['PFDEBUG', 'ENCODING', 'list'],
    ]);
    for (const key of ['str', 'int', 'short', 'badenc', 'badmagic', 'densebad']) {
      await p.script([
        ['PFADD', key, 'a'],
        ['PFCOUNT', key],
        ['PFCOUNT', key, 'missing'],
        ['PFMERGE', 'dest', key],
        ['PFMERGE', key, 'missing'],
        ['PFDEBUG', 'ENCODING', key],
        ['GET', key],
      ]);
    }
    for (const key of ['sparse-short', 'sparse-long', 'sparse-empty', 'sparse-valover', 'sparse-cached']) {
      await p.script([
        ['PFCOUNT', key],
        ['PFCOUNT', key, 'missing'],
        ['PFMERGE', 'dest', key],
        ['PFDEBUG', 'ENCODING', key],
        ['PFDEBUG', 'DECODE', key],
        ['PFDEBUG', 'TODENSE', key],
        ['PFDEBUG', 'GETREG', key],
        ['PFADD', key, 'a', 'b', 'c'],
        ['GET', key],
        ['PFCOUNT', key],
      ]);
    }
    await p.script([
      ['EXISTS', 'dest'],
      ['PFDEBUG', 'ENCODING', 'missing'],
      ['PFDEBUG', 'NOSUCH', 'missing'],
      ['PFADD', 'h', 'x'],
      ['PFDEBUG', 'NOSUCH', 'h'],
      ['PFDEBUG', 'encoding', 'h'],
    ]);
  });

  test('PFDEBUG GETREG / DECODE / ENCODING / TODENSE', async () => {
    const p = await ctx.pair();
    const r = rng(99);
    await addElements(p, 'h', 300, r);
    await p.script([
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'GETREG', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'TODENSE', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['PFADD', 'h2', 'a'],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['GET', 'h2'],
    ]);
  });

  test('sparse to dense promotion follows hll-sparse-max-bytes', async () => {
    const p = await ctx.pair();
    const r = rng(5);
    for (const max of ['40', '3000', '0']) {
      await p.run('CONFIG', 'SET', 'hll-sparse-max-bytes', max);
      await p.run('DEL', 'h');
      for (let step = 0; step < 12; step++) {
        await addElements(p, 'h', 25, r);
        await enc(p, 'h');
        await p.run('GET', 'h');
      }
      await p.run('PFCOUNT', 'h');
    }
    await p.run('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
    // A register value above 32 cannot be sparse: a long run of zeros promotes at once.
    await p.run('DEL', 'h');
    for (let i = 0; i < 4000; i += 500) {
      const batch: string[] = [];
      for (let j = i; j < i + 500; j++) batch.push(`promote-${j}`);
      await p.run('PFADD', 'h', ...batch);
      await enc(p, 'h');
    }
    await p.run('GET', 'h');
  });

  test('values exchanged with GET/SET count the same in both directions (sizes 0..200k)', async () => {
    const p = await ctx.pair();
    const r = rng(2024);
    const sizes = [0, 1, 2, 3, 10, 50, 100, 200, 500, 1000, 1500, 2000, 3000, 5000, 10000, 20000, 50000, 100000, 200000];
    for (let i = 0; i < 40; i++) sizes.push(Math.floor(r() * r() * r() * 200000));
    for (const n of sizes) {
      const key = `set:${n}`;
      await p.run('DEL', key);
      await addElements(p, key, n, r);
      // Identical bytes after the same additions, before and after the cache is written.
      await p.run('GET', key);
      const count = await p.run('PFCOUNT', key);
      await p.run('GET', key);
      // Redis's value into respite, respite's into redis (binary safe), then count again.
      const fromRedis = (await p.redis.callRaw('GET', key)).raw;
      const fromRespite = (await p.respite.callRaw('GET', key)).raw;
      const body = (raw: Buffer) => raw.subarray(raw.indexOf('\r\n') + 2, raw.length - 2);
      await p.respite.call('SET', `in:${n}`, body(fromRedis));
      await p.redis.call('SET', `in:${n}`, body(fromRespite));
      await p.run('PFCOUNT', `in:${n}`);
      // Invalidate the cache on the copies so both recount from the registers.
      await p.run('PFADD', `in:${n}`, `extra:${n}`);
      await p.run('GET', `in:${n}`);
      await p.run('PFCOUNT', `in:${n}`);
      await p.run('PFCOUNT', key, `in:${n}`);
      if (n > 0) {
        const c = Number(count);
        assert.ok(Math.abs(c - n) <= Math.max(2, n * 0.05), `estimate ${c} for ${n} elements`);
      }
    }
    // Unions of everything (merges of sparse and dense inputs).
    const keys = sizes.slice(0, 15).map((n) => `set:${n}`);
    await p.run('PFCOUNT', ...keys);
    await p.run('PFMERGE', 'union', ...keys);
    await p.run('GET', 'union');
    await p.run('PFCOUNT', 'union');
    await p.run('PFMERGE', 'small-union', 'set:1', 'set:10', 'set:100');
    await p.run('GET', 'small-union');
  });

  test('crafted register values: cached cardinality write-back and edge estimates', async () => {
    const p = await ctx.pair();
    // A dense HLL with all registers set to 51 (the largest run a hash can give) and to 63.
    const dense = (reg: number) => {
      const b = Buffer.alloc(16 + 12288);
      b.write('HYLL', 'latin1');
      b[15] = 0x80;
      for (let i = 0; i < 16384; i++) {
        const byte = 16 + ((i * 6) >> 3);
        const fb = (i * 6) & 7;
        b[byte] |= (reg << fb) & 0xff;
        if (byte + 1 < b.length) b[byte + 1] |= reg >> (8 - fb);
      }
      return b;
    };
    for (const reg of [0, 1, 20, 50, 51, 52, 63]) {
      await p.run('SET', `d${reg}`, dense(reg));
      await p.run('PFCOUNT', `d${reg}`);
      await p.run('GET', `d${reg}`);
      await p.run('PFCOUNT', `d${reg}`, 'missing');
    }
    // Sparse VAL opcodes of every value and run length.
    const body: number[] = [];
    let covered = 0;
    for (let v = 1; v <= 32; v++) {
      for (let len = 1; len <= 4; len++) {
        body.push(0x80 | ((v - 1) << 2) | (len - 1), 0x05);
        covered += len + 6;
      }
    }
    const rest = 16384 - covered;
    body.push(0x40 | ((rest - 1) >> 8), (rest - 1) & 0xff);
    await p.run('SET', 'sp', hll(1, body));
    await p.script([
      ['PFCOUNT', 'sp'],
      ['PFDEBUG', 'DECODE', 'sp'],
      ['PFADD', 'sp', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
      ['GET', 'sp'],
      ['PFMERGE', 'spd', 'sp', 'd20'],
      ['GET', 'spd'],
      ['PFCOUNT', 'sp', 'd1'],
    ]);
  });

  test('keyspace events, dirty writes and WATCH', async () => {
    const p = await ctx.pair();
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const sub = await ctx.pair();
    await sub.runN(1, 'PSUBSCRIBE', '__keyevent@0__:*');
    await p.run('PFADD', 'h', 'a');
    await sub.next('pfadd event');
    await p.run('PFADD', 'h', 'a'); // unchanged: no event
    await p.run('PFMERGE', 'm', 'h');
    await sub.next('pfmerge event');
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', '');
    // PFCOUNT refreshing a stale cache modifies the key (WATCH sees it); a cached count does not.
    await p.run('PFADD', 'w', 'x');
    await p.run('WATCH', 'w');
    await p.run('PFCOUNT', 'w');
    await p.run('MULTI');
    await p.run('PFCOUNT', 'w');
    await p.run('EXEC');
    await p.run('WATCH', 'w');
    await p.run('PFCOUNT', 'w');
    await p.run('MULTI');
    await p.run('PFCOUNT', 'w');
    await p.run('EXEC');
    await p.run('OBJECT', 'ENCODING', 'w');
    // A copied HLL is an ordinary short string until a command edits it.
    const value = (await p.redis.callRaw('GET', 'w')).raw;
    const bytes = value.subarray(value.indexOf('\r\n') + 2, value.length - 2);
    await p.run('SET', 'c', bytes);
    await p.run('OBJECT', 'ENCODING', 'c');
    await p.run('PFCOUNT', 'c');
    await p.run('OBJECT', 'ENCODING', 'c');
    await p.run('PFADD', 'c', 'new');
    await p.run('OBJECT', 'ENCODING', 'c');
    await p.run('PFCOUNT', 'c');
    await p.run('SET', 'd', bytes);
    await p.run('PFDEBUG', 'ENCODING', 'd');
    await p.run('OBJECT', 'ENCODING', 'd');
    await p.run('APPEND', 'c', 'junk');
    await p.run('PFCOUNT', 'c');
    await p.run('PFADD', 'c', 'more');
  });
});
