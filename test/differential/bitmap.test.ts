import { test } from 'node:test';
import { differential } from '../helpers/differential';
import { rng } from '../helpers/random';

type Cmd = (string | Buffer | number)[];


function randomBytes(r: () => number, n: number, density = 0.5): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const x = r();
    // Mix of full, empty and random bytes so BITPOS finds runs and edges.
    b[i] = x < density / 3 ? 0xff : x < 0.4 ? 0 : Math.floor(r() * 256);
  }
  return b;
}

differential('bitmap commands', (ctx) => {
  test('SETBIT and GETBIT, growth and binary values', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SETBIT', 'k', 7, 1],
      ['GET', 'k'],
      ['SETBIT', 'k', 7, 1],
      ['SETBIT', 'k', 7, 0],
      ['SETBIT', 'k', 100, 1],
      ['GET', 'k'],
      ['STRLEN', 'k'],
      ['GETBIT', 'k', 100],
      ['GETBIT', 'k', 99],
      ['GETBIT', 'k', 100000],
      ['GETBIT', 'missing', 5],
      ['SET', 'n', '12345'],
      ['GETBIT', 'n', 2],
      ['GETBIT', 'n', 3],
      ['SETBIT', 'n', 6, 0],
      ['GET', 'n'],
      ['SET', 'b', Buffer.from([0, 0xff, 0x80])],
      ['SETBIT', 'b', 0, 1],
      ['SETBIT', 'b', 23, 1],
      ['GET', 'b'],
      ['APPEND', 'b', 'xyz'],
      ['SETBIT', 'b', 70, 1],
      ['GET', 'b'],
      ['GETRANGE', 'b', 1, 3],
      ['STRLEN', 'b'],
      ['TYPE', 'b'],
      ['GETBIT', 'k', 4294967295],
      ['GETBIT', 'k', 4294967296],
      // The limit follows proto-max-bulk-len (1 MB is its minimum).
      ['CONFIG', 'SET', 'proto-max-bulk-len', '1mb'],
      ['SETBIT', 'big', 8388607, 1],
      ['SETBIT', 'big', 8388608, 1],
      ['GETBIT', 'big', 8388608],
      ['BITFIELD', 'big', 'GET', 'u8', 8388607],
      ['BITFIELD', 'big', 'GET', 'u8', 8388608],
      ['BITFIELD', 'big', 'SET', 'u8', 8388607, 1],
      ['BITCOUNT', 'big'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '512mb'],
    ]);
  });

  test('SETBIT/GETBIT errors', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'list', 'x');
    await p.script([
      ['SETBIT', 'k', -1, 1],
      ['SETBIT', 'k', 4294967296, 1],
      ['SETBIT', 'k', 'abc', 1],
      ['SETBIT', 'k', '1.5', 1],
      ['SETBIT', 'k', '+1', 1],
      ['SETBIT', 'k', 0, 2],
      ['SETBIT', 'k', 0, -1],
      ['SETBIT', 'k', 0, 'x'],
      ['SETBIT', 'k', 0, ''],
      ['SETBIT', 'list', 0, 1],
      ['SETBIT', 'list', 0, 2],
      ['SETBIT', 'list', -1, 1],
      ['GETBIT', 'list', 0],
      ['GETBIT', 'list', -1],
      ['GETBIT', 'missing', -1],
      ['GETBIT', 'missing', 'x'],
      ['SETBIT', 'k', 1],
      ['SETBIT', 'k', 1, 1, 1],
      ['GETBIT', 'k'],
      ['GETBIT', 'k', 1, 1],
      ['EXISTS', 'k'],
    ]);
  });

  test('BITCOUNT with BYTE and BIT ranges', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'list', 'x');
    await p.run('SET', 'k', Buffer.from([0xff, 0xf0, 0x00, 0x0f, 0xaa, 0x55, 0x81]));
    const ranges: Cmd[] = [
      ['BITCOUNT', 'k'],
      ['BITCOUNT', 'k', 0, -1],
      ['BITCOUNT', 'k', 1, 1],
      ['BITCOUNT', 'k', -2, -1],
      ['BITCOUNT', 'k', -1, -2],
      ['BITCOUNT', 'k', 5, 2],
      ['BITCOUNT', 'k', -100, 100],
      ['BITCOUNT', 'k', 0, -1, 'BYTE'],
      ['BITCOUNT', 'k', 0, -1, 'bit'],
      ['BITCOUNT', 'k', 3, 12, 'BIT'],
      ['BITCOUNT', 'k', 4, 4, 'BIT'],
      ['BITCOUNT', 'k', -5, -1, 'BIT'],
      ['BITCOUNT', 'k', -1, -5, 'BIT'],
      ['BITCOUNT', 'k', 9, 50, 'BIT'],
      ['BITCOUNT', 'k', 1, 1000, 'BIT'],
      ['BITCOUNT', 'k', '-9223372036854775808', '9223372036854775807'],
      ['BITCOUNT', 'k', '-9223372036854775807', '-9223372036854775808'],
      ['BITCOUNT', 'k', '9223372036854775807', '-9223372036854775808', 'BIT'],
      ['BITCOUNT', 'k', -1, -2, 'nonsense'],
      ['BITCOUNT', 'k', 0, 1, 'nonsense'],
      ['BITCOUNT', 'k', 0],
      ['BITCOUNT', 'k', 0, 1, 'BIT', 'x'],
      ['BITCOUNT', 'k', 'a', 1],
      ['BITCOUNT', 'k', 1, 'b'],
      ['BITCOUNT', 'k', '9223372036854775808', 1],
      ['BITCOUNT', 'missing', 'a', 'b', 'c', 'd'],
      ['BITCOUNT', 'missing'],
      ['BITCOUNT', 'list'],
      ['BITCOUNT', 'list', 0, 1],
      ['BITCOUNT'],
    ];
    await p.script(ranges);
    await p.run('SET', 'empty', '');
    await p.script([
      ['BITCOUNT', 'empty'],
      ['BITCOUNT', 'empty', 0, -1, 'BIT'],
      ['SET', 'num', '-123'],
      ['BITCOUNT', 'num'],
      ['BITCOUNT', 'num', 1, 9, 'BIT'],
    ]);
  });

  test('BITPOS with BYTE and BIT ranges', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'list', 'x');
    await p.run('SET', 'k', Buffer.from([0x00, 0xff, 0xf0, 0x00, 0x0f, 0xff]));
    await p.run('SET', 'ones', Buffer.from([0xff, 0xff, 0xff]));
    await p.run('SET', 'zeros', Buffer.from([0, 0, 0]));
    const keys = ['k', 'ones', 'zeros', 'missing'];
    const cmds: Cmd[] = [];
    for (const key of keys) {
      for (const bit of [0, 1]) {
        cmds.push(['BITPOS', key, bit]);
        cmds.push(['BITPOS', key, bit, 1]);
        cmds.push(['BITPOS', key, bit, -1]);
        cmds.push(['BITPOS', key, bit, 2, -1]);
        cmds.push(['BITPOS', key, bit, 0, -1, 'BYTE']);
        cmds.push(['BITPOS', key, bit, 0, -1, 'BIT']);
        cmds.push(['BITPOS', key, bit, 5, 17, 'BIT']);
        cmds.push(['BITPOS', key, bit, 7, 7, 'BIT']);
        cmds.push(['BITPOS', key, bit, -3, -1, 'BIT']);
        cmds.push(['BITPOS', key, bit, 3, 2]);
        cmds.push(['BITPOS', key, bit, 100]);
        cmds.push(['BITPOS', key, bit, 16, 1000, 'bit']);
      }
    }
    await p.script(cmds);
    await p.script([
      ['BITPOS', 'k', 2],
      ['BITPOS', 'k', -1],
      ['BITPOS', 'k', 'x'],
      ['BITPOS', 'missing', 2],
      ['BITPOS', 'missing', 1, 'x'],
      ['BITPOS', 'k', 1, 'x'],
      ['BITPOS', 'k', 1, 0, 'x'],
      ['BITPOS', 'k', 1, 0, 1, 'WORD'],
      ['BITPOS', 'k', 1, 0, 'x', 'WORD'],
      ['BITPOS', 'k', 1, 0, 1, 'BIT', 'x'],
      ['BITPOS', 'list', 1],
      ['BITPOS', 'list', 2],
      ['BITPOS', 'k'],
      ['SET', 'empty', ''],
      ['BITPOS', 'empty', 0],
      ['BITPOS', 'empty', 1],
      ['BITPOS', 'empty', 0, 0, -1, 'BIT'],
    ]);
  });

  test('BITOP AND/OR/XOR/NOT, empty results and errors', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'list', 'x');
    await p.script([
      ['SET', 'a', Buffer.from([0xff, 0x0f, 0x33])],
      ['SET', 'b', Buffer.from([0xf0, 0xff])],
      ['SET', 'c', 'hello world, a longer string that exceeds thirty-two bytes'],
      ['BITOP', 'AND', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'or', 'd', 'a', 'b', 'c'],
      ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'a', 'b', 'missing'],
      ['GET', 'd'],
      ['BITOP', 'AND', 'd', 'a', 'missing'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'c'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'a', 'a'],
      ['GET', 'a'],
      ['BITOP', 'AND', 'd', 'missing', 'missing2'],
      ['EXISTS', 'd'],
      ['BITOP', 'AND', 'd', 'missing'],
      ['SET', 'e', ''],
      ['BITOP', 'OR', 'f', 'e'],
      ['EXISTS', 'f'],
      ['BITOP', 'NOT', 'd', 'a', 'b'],
      ['BITOP', 'NOT', 'd'],
      ['BITOP', 'NAND', 'd', 'a'],
      ['BITOP', 'AND', 'd', 'a', 'list'],
      ['BITOP', 'AND', 'list', 'a'],
      ['TYPE', 'list'],
      ['BITOP', 'AND'],
      ['BITOP', 'AND', 'd'],
      ['SET', 'ttl', 'v', 'EX', 100],
      ['BITOP', 'OR', 'ttl', 'a'],
      ['TTL', 'ttl'],
    ]);
  });

  test('BITFIELD GET/SET/INCRBY with overflow modes', async () => {
    const p = await ctx.pair();
    await p.script([
      ['BITFIELD', 'k', 'SET', 'i8', 0, -100, 'GET', 'i8', 0, 'GET', 'u8', 0],
      ['BITFIELD', 'k', 'INCRBY', 'i8', 0, -100, 'INCRBY', 'i8', 0, 300],
      ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', 0, -1000, 'INCRBY', 'u4', 3, 100, 'INCRBY', 'u4', 3, -100],
      ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', 0, 5, 'SET', 'u2', 0, 4, 'SET', 'i3', 0, -5, 'INCRBY', 'i5', 2, 1],
      ['BITFIELD', 'k', 'overflow', 'wrap', 'incrby', 'u63', 10, '9223372036854775807', 'get', 'u63', 10, 'get', 'i64', 10],
      ['BITFIELD', 'k', 'SET', 'i64', 0, '-9223372036854775808', 'GET', 'i64', 0, 'INCRBY', 'i64', 0, -1, 'GET', 'u63', 1],
      ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', 0, '9223372036854775807', 'INCRBY', 'i64', 0, '9223372036854775807', 'INCRBY', 'i64', 0, '-9223372036854775808'],
      ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', 0, '9223372036854775807', 'INCRBY', 'i64', 0, 1],
      ['BITFIELD', 'k', 'SET', 'u8', 0, -1, 'OVERFLOW', 'SAT', 'SET', 'u8', 0, -1, 'SET', 'i8', 0, '-9223372036854775808', 'SET', 'i8', 0, '9223372036854775807', 'OVERFLOW', 'FAIL', 'SET', 'u8', 0, 256],
      ['BITFIELD', 'k', 'SET', 'u8', '#1', 200, 'GET', 'u8', '#1', 'INCRBY', 'u16', '#3', 7, 'GET', 'i5', '#0'],
      ['GET', 'k'],
      ['BITFIELD', 'k'],
      ['BITFIELD', 'k', 'OVERFLOW', 'SAT'],
      ['BITFIELD', 'missing', 'GET', 'u8', 0],
      ['EXISTS', 'missing'],
      ['BITFIELD', 'new', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 100, 300],
      ['GET', 'new'],
      ['BITFIELD', 'new', 'SET', 'u1', 0, 0],
      ['BITFIELD', 'k', 'GET', 'u8', 1000000, 'GET', 'i64', 60],
      ['BITFIELD_RO', 'k', 'GET', 'u8', 0, 'get', 'i16', 3],
      ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', 0],
      ['BITFIELD_RO', 'missing', 'GET', 'u8', 0],
      ['BITFIELD_RO', 'k', 'SET', 'u8', 0, 1],
      ['BITFIELD_RO', 'k', 'INCRBY', 'u8', 0, 1],
      ['SET', 'n', '999'],
      ['BITFIELD', 'n', 'GET', 'u16', 4, 'SET', 'u8', 8, 65],
      ['GET', 'n'],
    ]);
  });

  test('BITFIELD errors', async () => {
    const p = await ctx.pair();
    await p.run('RPUSH', 'list', 'x');
    await p.script([
      ['BITFIELD', 'k', 'GET', 'u64', 0],
      ['BITFIELD', 'k', 'GET', 'i65', 0],
      ['BITFIELD', 'k', 'GET', 'i0', 0],
      ['BITFIELD', 'k', 'GET', 'U8', 0],
      ['BITFIELD', 'k', 'GET', 'x8', 0],
      ['BITFIELD', 'k', 'GET', '', 0],
      ['BITFIELD', 'k', 'GET', 'u', 0],
      ['BITFIELD', 'k', 'GET', 'u08', 0],
      ['BITFIELD', 'k', 'GET', 'u8', -1],
      ['BITFIELD', 'k', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'k', 'GET', 'u8', '#'],
      ['BITFIELD', 'k', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'k', 'GET', 'u8', '#536870912'],
      ['BITFIELD', 'k', 'GET', 'u8', '#1152921504606846976'],
      ['BITFIELD', 'k', 'GET', 'u8', 'abc'],
      ['BITFIELD', 'k', 'SET', 'u8', 0, 'x'],
      ['BITFIELD', 'k', 'SET', 'u8', 0, '9223372036854775808'],
      ['BITFIELD', 'k', 'INCRBY', 'u8', 0],
      ['BITFIELD', 'k', 'GET', 'u8'],
      ['BITFIELD', 'k', 'OVERFLOW'],
      ['BITFIELD', 'k', 'OVERFLOW', 'NONE', 'GET', 'u8', 0],
      ['BITFIELD', 'k', 'FOO', 'u8', 0],
      ['BITFIELD', 'k', 'SET', 'u8', 0, 1, 'GET', 'u99', 0],
      ['EXISTS', 'k'],
      ['BITFIELD', 'list', 'GET', 'u8', 0],
      ['BITFIELD', 'list', 'SET', 'u8', 0, 1],
      ['BITFIELD', 'list', 'GET', 'u99', 0],
      ['BITFIELD_RO', 'list', 'GET', 'u8', 0],
      ['BITFIELD_RO', 'list', 'SET', 'u8', 0, 1],
      ['BITFIELD'],
      ['BITFIELD_RO'],
    ]);
  });

  test('random SETBIT/GETBIT/BITCOUNT/BITPOS scripts agree exactly', async () => {
    const p = await ctx.pair();
    const r = rng(20240601);
    const units = ['BYTE', 'BIT'];
    for (let round = 0; round < 6; round++) {
      const key = `bm${round}`;
      const size = [0, 1, 7, 33, 200, 1500][round];
      if (size > 0) await p.run('SET', key, randomBytes(r, size));
      for (let i = 0; i < 60; i++) {
        const offset = Math.floor(r() * (size * 8 + 64));
        await p.run('SETBIT', key, offset, r() < 0.5 ? 1 : 0);
        await p.run('GETBIT', key, Math.floor(r() * (size * 8 + 64)));
      }
      await p.run('GET', key);
      const len = size + 8;
      for (let i = 0; i < 80; i++) {
        const unit = units[Math.floor(r() * 2)];
        const scale = unit === 'BIT' ? 8 : 1;
        const s = Math.floor((r() * 2 - 1) * len * scale);
        const e = Math.floor((r() * 2 - 1) * len * scale);
        await p.run('BITCOUNT', key, s, e, unit);
        await p.run('BITCOUNT', key, s, e);
        const bit = r() < 0.5 ? 0 : 1;
        await p.run('BITPOS', key, bit, s, e, unit);
        await p.run('BITPOS', key, bit, s, e);
        await p.run('BITPOS', key, bit, s);
        await p.run('BITPOS', key, bit);
      }
    }
  });

  test('random BITOP over strings of mixed lengths agree exactly', async () => {
    const p = await ctx.pair();
    const r = rng(777);
    const ops = ['AND', 'OR', 'XOR'];
    for (let round = 0; round < 25; round++) {
      const n = 1 + Math.floor(r() * 4);
      const srcs: string[] = [];
      for (let i = 0; i < n; i++) {
        const key = `s${round}:${i}`;
        const len = Math.floor(r() * 70);
        if (len > 0 || r() < 0.5) await p.run('SET', key, randomBytes(r, len, r()));
        srcs.push(key);
      }
      await p.run('BITOP', ops[Math.floor(r() * 3)], 'dest', ...srcs);
      await p.run('GET', 'dest');
      await p.run('BITOP', 'NOT', 'dest2', srcs[0]);
      await p.run('GET', 'dest2');
    }
  });

  test('random BITFIELD operations agree exactly', async () => {
    const p = await ctx.pair();
    const r = rng(4242);
    const subs = ['GET', 'SET', 'INCRBY'];
    const overflows = ['WRAP', 'SAT', 'FAIL'];
    const values = ['0', '1', '-1', '127', '-128', '255', '9223372036854775807', '-9223372036854775808', '4611686018427387904', '-3', '1000'];
    for (let i = 0; i < 300; i++) {
      const cmd: Cmd = [i % 10 === 9 ? 'BITFIELD_RO' : 'BITFIELD', `bf${i % 3}`];
      const nops = 1 + Math.floor(r() * 4);
      for (let j = 0; j < nops; j++) {
        if (r() < 0.25) cmd.push('OVERFLOW', overflows[Math.floor(r() * 3)]);
        const sub = subs[Math.floor(r() * 3)];
        const signed = r() < 0.5;
        const bits = 1 + Math.floor(r() * (signed ? 64 : 63));
        const off = r() < 0.2 ? `#${Math.floor(r() * 8)}` : String(Math.floor(r() * 100));
        cmd.push(sub, `${signed ? 'i' : 'u'}${bits}`, off);
        if (sub !== 'GET') cmd.push(r() < 0.5 ? values[Math.floor(r() * values.length)] : String(Math.floor((r() - 0.5) * 2 ** 40)));
      }
      await p.run(...cmd);
    }
    await p.run('GET', 'bf0');
    await p.run('GET', 'bf1');
    await p.run('GET', 'bf2');
  });

  test('keyspace events and WATCH', async () => {
    const p = await ctx.pair();
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const sub = await ctx.pair();
    await sub.runN(1, 'PSUBSCRIBE', '__keyevent@0__:*');
    await p.run('SETBIT', 'k', 3, 1);
    await sub.next('setbit event');
    await p.run('SETBIT', 'k', 3, 1); // no change: no event
    await p.run('BITFIELD', 'k', 'SET', 'u8', 0, 7);
    await sub.next('bitfield event');
    await p.run('BITOP', 'NOT', 'd', 'k');
    await sub.next('bitop set event');
    await p.run('BITOP', 'AND', 'd', 'missing');
    await sub.next('bitop del event');
    await p.run('SETBIT', 'k', 20, 0); // grows: event although the bit is unchanged
    await sub.next('setbit growth event');
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', '');
    // WATCH: a no-op SETBIT does not touch the key, a real one does.
    await p.run('WATCH', 'k');
    await p.run('SETBIT', 'k', 3, 1);
    await p.run('MULTI');
    await p.run('GET', 'k');
    await p.run('EXEC');
    await p.run('WATCH', 'k');
    await p.run('SETBIT', 'k', 4, 1);
    await p.run('MULTI');
    await p.run('GET', 'k');
    await p.run('EXEC');
  });

  test('bitmaps keep working through other string and key commands', async () => {
    const p = await ctx.pair();
    await p.script([
      ['SETBIT', 'k', 1000, 1],
      ['SETRANGE', 'k', 2, 'abc'],
      ['GETBIT', 'k', 17],
      ['SETBIT', 'k', 2000, 1],
      ['GET', 'k'],
      ['COPY', 'k', 'k2'],
      ['SETBIT', 'k2', 0, 1],
      ['GETBIT', 'k', 0],
      ['GETBIT', 'k2', 0],
      ['RENAME', 'k2', 'k3'],
      ['BITCOUNT', 'k3'],
      ['INCR', 'k3'],
      ['SET', 'c', '10'],
      ['SETBIT', 'c', 15, 1],
      ['INCR', 'c'],
      ['GET', 'c'],
      ['SETBIT', 'c', 7, 1],
      ['GET', 'c'],
      ['INCR', 'c'],
      ['STRLEN', 'k'],
      ['GETDEL', 'k'],
      ['EXISTS', 'k'],
      ['LPUSH', 'k3', 'x'],
      ['MGET', 'c', 'k3'],
      ['SETBIT', 'e', 5, 1],
      ['EXPIRE', 'e', 100],
      ['SETBIT', 'e', 6, 1],
      ['TTL', 'e'],
      // Encodings: bit writes make a raw string, reads leave it alone.
      ['OBJECT', 'ENCODING', 'e'],
      ['SET', 's', 'ab'],
      ['GETBIT', 's', 3],
      ['BITCOUNT', 's'],
      ['OBJECT', 'ENCODING', 's'],
      ['SETBIT', 's', 1, 1],
      ['OBJECT', 'ENCODING', 's'],
      ['SET', 'i', '42'],
      ['SETBIT', 'i', 0, 0],
      ['OBJECT', 'ENCODING', 'i'],
      ['BITOP', 'OR', 'o', 'i'],
      ['OBJECT', 'ENCODING', 'o'],
      ['BITFIELD_RO', 'i', 'GET', 'u8', 0],
      ['SET', 'i', '42'],
      ['BITFIELD', 'i', 'GET', 'u8', 0],
      ['OBJECT', 'ENCODING', 'i'],
      ['BITFIELD', 'i', 'SET', 'u8', 0, 52],
      ['OBJECT', 'ENCODING', 'i'],
      ['GET', 'i'],
    ]);
  });
});
