// The request parser on its own (no server), then the protocol errors end to end over TCP.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ParserPolicy, ProtocolError, RespParser, parseLongLong, splitArgs } from '../../src/resp/parser';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';

type Out = string[] | ProtocolError;

function policy(over: Partial<{ maxBulkLen: number; auth: boolean }> = {}): ParserPolicy {
  return { maxBulkLen: over.maxBulkLen ?? 512 * 1024 * 1024, authRequired: () => over.auth ?? false };
}

/** Everything the parser yields until it needs more bytes (or errs). */
function drain(p: RespParser): Out[] {
  const out: Out[] = [];
  for (;;) {
    const r = p.next();
    if (r === null) return out;
    out.push(r);
    if (r instanceof ProtocolError) return out;
  }
}

function parse(bytes: string | Buffer, pol = policy()): Out[] {
  const p = new RespParser(pol);
  p.feed(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return drain(p);
}

/** Feeds the bytes in pieces, collecting commands between pieces. */
function parsePieces(pieces: Buffer[], pol = policy()): Out[] {
  const p = new RespParser(pol);
  const out: Out[] = [];
  for (const piece of pieces) {
    p.feed(piece);
    out.push(...drain(p));
    if (out.at(-1) instanceof ProtocolError) break;
  }
  return out;
}

function mbulk(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function errorOf(out: Out[]): string {
  const last = out.at(-1);
  assert.ok(last instanceof ProtocolError, `expected a protocol error, got ${JSON.stringify(out)}`);
  return last.reason;
}

describe('multibulk requests', () => {
  test('one and several commands per chunk', () => {
    assert.deepEqual(parse(mbulk('SET', 'k', 'v')), [['SET', 'k', 'v']]);
    assert.deepEqual(parse(Buffer.concat([mbulk('PING'), mbulk('ECHO', ''), mbulk('GET', 'x')])), [['PING'], ['ECHO', ''], ['GET', 'x']]);
  });

  test('*0, *-1 and empty lines between commands are ignored', () => {
    assert.deepEqual(parse('*0\r\n*-1\r\n\r\n\n   \r\n*1\r\n$4\r\nPING\r\n'), [['PING']]);
    assert.deepEqual(parse('*-1\r\n'), []);
  });

  test('bulk payloads are taken by length: CR, LF and NUL inside are data', () => {
    assert.deepEqual(parse('*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\0b\n\r\n'), [['ECHO', 'a\r\n\0b\n']]);
  });

  test('binary bytes 0..255 round-trip as latin1 strings', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const [cmd] = parse(mbulk('SET', all, all)) as string[][];
    assert.equal(cmd[1].length, 256);
    assert.ok(Buffer.from(cmd[1], 'latin1').equals(all));
    assert.ok(Buffer.from(cmd[2], 'latin1').equals(all));
  });

  test('a frame split at every byte boundary parses the same', () => {
    const big = Buffer.alloc(40 * 1024, 'z'); // above the big-argument threshold
    const packet = Buffer.concat([
      mbulk('SET', 'key', 'a\r\nb'),
      Buffer.from('PING\r\n'),
      Buffer.from('ECHO "x y" \'z\'\n'),
      mbulk('MSET', '', Buffer.from([0, 255, 13, 10])),
      Buffer.from('*0\r\n'),
      mbulk('SET', 'big', big),
      mbulk('GET', 'key'),
    ]);
    const expected = parse(packet);
    assert.equal(expected.length, 6);
    // Two pieces, at every boundary (the big argument makes this O(n^2): keep the big part out).
    const small = packet.subarray(0, packet.length - mbulk('SET', 'big', big).length - mbulk('GET', 'key').length);
    const smallExpected = parse(small);
    for (let i = 1; i < small.length; i++) {
      assert.deepEqual(parsePieces([small.subarray(0, i), small.subarray(i)]), smallExpected, `split at ${i}`);
    }
    // Every byte on its own, the whole packet.
    const pieces: Buffer[] = [];
    for (let i = 0; i < packet.length; i++) pieces.push(packet.subarray(i, i + 1));
    assert.deepEqual(parsePieces(pieces), expected);
    // Odd-sized pieces.
    for (const size of [2, 3, 7, 1000, 32 * 1024 + 1]) {
      const ps: Buffer[] = [];
      for (let i = 0; i < packet.length; i += size) ps.push(packet.subarray(i, i + size));
      assert.deepEqual(parsePieces(ps), expected, `pieces of ${size}`);
    }
  });

  test('buffered counts the bytes of an unfinished frame', () => {
    const p = new RespParser(policy());
    p.feed(Buffer.from('*2\r\n$3\r\nGET\r\n$5\r\nab'));
    assert.equal(p.next(), null);
    assert.ok(p.buffered > 0);
    p.feed(Buffer.from('cde\r\n'));
    assert.deepEqual(p.next(), ['GET', 'abcde']);
    assert.equal(p.buffered, 0);
  });
});

/** Counts the bytes the parser copies (Buffer#copy, Buffer.concat, latin1Slice) while fn runs. */
function countCopies(fn: () => void): number {
  const proto = Buffer.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const copy = proto.copy;
  const slice = proto.latin1Slice;
  const concat = Buffer.concat;
  let bytes = 0;
  proto.copy = function (this: Buffer, ...a: unknown[]) {
    const n = copy.apply(this, a) as number;
    bytes += n;
    return n;
  };
  proto.latin1Slice = function (this: Buffer, ...a: unknown[]) {
    const s = slice.apply(this, a) as string;
    bytes += s.length;
    return s;
  };
  Buffer.concat = (list: readonly Uint8Array[], total?: number) => {
    const b = concat(list, total);
    bytes += b.length;
    return b;
  };
  try {
    fn();
  } finally {
    proto.copy = copy;
    proto.latin1Slice = slice;
    Buffer.concat = concat;
  }
  return bytes;
}

describe('linear cost for frames arriving in pieces', () => {
  test('a 64 MB bulk in 64 KB chunks is copied about twice, not once per chunk', () => {
    const size = 64 * 1024 * 1024;
    const payload = Buffer.alloc(size, 'v');
    payload[0] = 1;
    payload[size - 1] = 2;
    const packet = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`), payload, Buffer.from('\r\n*1\r\n$4\r\nPING\r\n')]);
    const p = new RespParser(policy());
    const out: Out[] = [];
    let pending = 0;
    const copied = countCopies(() => {
      for (let i = 0; i < packet.length; i += 64 * 1024) {
        p.feed(packet.subarray(i, i + 64 * 1024));
        const got = drain(p);
        if (got.length === 0) pending++;
        out.push(...got);
      }
    });
    assert.equal(out.length, 2);
    const set = out[0] as string[];
    assert.equal(set[2].length, size);
    assert.equal(set[2].charCodeAt(0), 1);
    assert.equal(set[2].charCodeAt(size - 1), 2);
    assert.deepEqual(out[1], ['PING']);
    assert.ok(pending >= 1000, 'the frame really arrived in pieces');
    // Into the argument buffer once, into the string once; a re-concatenating parser copies ~n^2/2c.
    assert.ok(copied <= 2 * size + 256 * 1024, `copied ${copied} bytes for a ${size} byte bulk`);
  });

  test('a small argument and an inline line trickling in byte by byte stay linear', () => {
    const arg = Buffer.alloc(30 * 1024, 'a'); // below the big-argument threshold
    const frame = mbulk('SET', 'k', arg);
    const line = Buffer.concat([Buffer.from('ECHO '), Buffer.alloc(60 * 1024, 'b'), Buffer.from('\r\n')]);
    for (const packet of [frame, line]) {
      let out: Out[] = [];
      const copied = countCopies(() => {
        out = parsePieces(Array.from({ length: packet.length }, (_, i) => packet.subarray(i, i + 1)));
      });
      assert.equal(out.length, 1);
      assert.ok(copied <= 8 * packet.length, `copied ${copied} bytes for a ${packet.length} byte frame`);
    }
  });
});

describe('inline requests (sdssplitargs)', () => {
  test('words, CRLF or LF endings', () => {
    assert.deepEqual(parse('SET a b\r\nGET a\nPING\r\n'), [['SET', 'a', 'b'], ['GET', 'a'], ['PING']]);
    assert.deepEqual(parse('  \t SET   a\tb  \r\n'), [['SET', 'a', 'b']]);
  });

  test('quoting rules', () => {
    assert.deepEqual(splitArgs('"\\x41"'), ['A']);
    assert.deepEqual(splitArgs('"\\x4g"'), ['x4g']); // not a hex escape: backslash escapes the x
    assert.deepEqual(splitArgs('"\\xff\\x00"'), ['\xff\x00']);
    assert.deepEqual(splitArgs('"a\\nb\\r\\t\\b\\a\\\\\\"c"'), ['a\nb\r\t\b\x07\\"c']);
    assert.deepEqual(splitArgs("'\\''"), ["'"]);
    assert.deepEqual(splitArgs("'a\\nb'"), ['a\\nb']); // single quotes: only \' is an escape
    assert.deepEqual(splitArgs('"" \'\''), ['', '']);
    assert.deepEqual(splitArgs('foo"bar baz"'), ['foobar baz']); // a quote may start mid-word
    assert.deepEqual(splitArgs('a\vb'), ['a\vb']); // \v separates words only as leading blank
    assert.deepEqual(splitArgs('   '), []);
  });

  test('unbalanced quotes', () => {
    for (const line of ['"abc', "'abc", '"abc"def', "'a'b", '"abc\\"', 'x "']) {
      assert.equal(splitArgs(line), null, line);
      assert.equal(errorOf(parse(`${line}\r\n`)), 'unbalanced quotes in request', line);
    }
  });

  test('a line holding a NUL byte waits for more, like strchr in Redis', () => {
    assert.deepEqual(parse('PI\0NG\r\n'), []);
  });
});

describe('protocol errors', () => {
  const cases: [string, string | Buffer, string, Partial<{ maxBulkLen: number; auth: boolean }>?][] = [
    ['letters as count', '*abc\r\n', 'invalid multibulk length'],
    ['count beyond INT_MAX', '*2147483648\r\n', 'invalid multibulk length'],
    ['count below int64', '*-9223372036854775809\r\n', 'invalid multibulk length'],
    ['count with a leading zero', '*01\r\n', 'invalid multibulk length'],
    ['empty count', '*\r\n', 'invalid multibulk length'],
    ['negative bulk', '*1\r\n$-1\r\n', 'invalid bulk length'],
    ['bulk with letters', '*1\r\n$1x\r\n', 'invalid bulk length'],
    ['bulk above proto-max-bulk-len', '*1\r\n$11\r\n', 'invalid bulk length', { maxBulkLen: 10 }],
    ['no $', '*1\r\nx\r\n', "expected '$', got 'x'"],
    ['CR instead of $', '*1\r\n\r\n', "expected '$', got ' '"],
    ['unbalanced quotes', 'SET "a b\r\n', 'unbalanced quotes in request'],
    ['inline line too long', Buffer.alloc(64 * 1024 + 1, 'a'), 'too big inline request'],
    ['count line too long', Buffer.concat([Buffer.from('*'), Buffer.alloc(64 * 1024 + 1, '1')]), 'too big mbulk count string'],
    ['bulk count line too long', Buffer.concat([Buffer.from('*1\r\n$'), Buffer.alloc(64 * 1024, '1')]), 'too big bulk count string'],
    ['11 arguments unauthenticated', '*11\r\n', 'unauthenticated multibulk length', { auth: true }],
    ['bulk above 16 KiB unauthenticated', '*1\r\n$16385\r\n', 'unauthenticated bulk length', { auth: true }],
  ];
  for (const [name, bytes, reason, pol] of cases) {
    test(name, () => assert.equal(errorOf(parse(bytes, policy(pol))), reason));
  }

  test('limits are inclusive: 10 arguments and 16384-byte bulks pass unauthenticated', () => {
    const ten = mbulk(...Array.from({ length: 10 }, () => 'x'));
    assert.equal((parse(ten, policy({ auth: true }))[0] as string[]).length, 10);
    const bulk = mbulk('AUTH', Buffer.alloc(16384, 'p'));
    assert.equal((parse(bulk, policy({ auth: true }))[0] as string[])[1].length, 16384);
    assert.deepEqual(parse('*1\r\n$10\r\n0123456789\r\n', policy({ maxBulkLen: 10 })), [['0123456789']]);
  });

  test('an incomplete line is not judged before its end arrives', () => {
    assert.deepEqual(parse('*1\r\nx'), []);
    assert.deepEqual(parse('*1\r\nx\r'), []); // Redis needs a byte after the CR
    assert.deepEqual(parse('*1\0\r\n'), []); // NUL stops Redis's line search
    assert.deepEqual(parse('*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n'), [['PING']]);
  });

  test('commands before the error are returned first', () => {
    const out = parse('PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n');
    assert.deepEqual(out.slice(0, 2), [['PING'], ['PING']]);
    assert.equal(errorOf(out), 'invalid bulk length');
    assert.equal(out.length, 3);
  });
});

test('parseLongLong follows string2ll', () => {
  const n = (s: string) => parseLongLong(Buffer.from(s), 0, s.length);
  assert.equal(n('0'), 0);
  assert.equal(n('-1'), -1);
  assert.equal(n('9223372036854775807'), 9223372036854775807);
  assert.equal(n('-9223372036854775808'), -9223372036854775808);
  for (const bad of ['', '-', '-0', '00', '+1', '1 ', '9223372036854775808', '-9223372036854775809', '00000000000000000001', '123456789012345678901']) {
    assert.equal(n(bad), null, bad);
  }
});

describe('protocol errors over TCP close the connection', () => {
  const wire: [string, string, Record<string, unknown>?][] = [
    ['*abc\r\n', 'invalid multibulk length'],
    ['*1\r\n$-5\r\n', 'invalid bulk length'],
    ['*1\r\nx\r\n', "expected '$', got 'x'"],
    ['"unbalanced\r\n', 'unbalanced quotes in request'],
    ['a'.repeat(70000), 'too big inline request'],
    ['*' + '1'.repeat(70000), 'too big mbulk count string'],
    ['*1\r\n$' + '1'.repeat(70000), 'too big bulk count string'],
    ['*11\r\n', 'unauthenticated multibulk length', { requirepass: 'pw' }],
    ['*2\r\n$4\r\nAUTH\r\n$20000\r\n', 'unauthenticated bulk length', { requirepass: 'pw' }],
    ['*1\r\n$1048577\r\n', 'invalid bulk length', { 'proto-max-bulk-len': '1mb' }],
  ];
  for (const [bytes, reason, opts] of wire) {
    test(reason + (opts ? ` (${Object.keys(opts)[0]})` : ''), async () => {
      const s = await startServer({ port: 0, ...opts });
      const c = await RespClient.connect(s.port);
      try {
        const r = await c.sendRaw(bytes);
        assert.equal(r.raw.toString('latin1'), `-ERR Protocol error: ${reason}\r\n`);
        await c.waitClose();
      } finally {
        c.close();
        await s.close();
      }
    });
  }

  test('commands before the error in the same packet run; bytes after it are dropped', async () => {
    const s = await startServer({ port: 0 });
    const c = await RespClient.connect(s.port);
    try {
      const before = s.server.stats.totalCommands;
      c.write('PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n');
      const replies = [await c.readNext(), await c.readNext(), await c.readNext(), await c.readNext()].map((r) => r.raw.toString('latin1'));
      assert.deepEqual(replies, ['+PONG\r\n', '$2\r\nhi\r\n', '+OK\r\n', '-ERR Protocol error: invalid bulk length\r\n']);
      await c.waitClose();
      assert.equal(s.server.stats.totalCommands - before, 3);
      assert.equal(await s.call('GET', 'k'), 'v');
    } finally {
      c.close();
      await s.close();
    }
  });

  test('CONFIG SET proto-max-bulk-len applies to the next frame', async () => {
    const s = await startServer({ port: 0 });
    const c = await RespClient.connect(s.port);
    try {
      assert.equal((await c.callRaw('CONFIG', 'SET', 'proto-max-bulk-len', '1mb')).raw.toString(), '+OK\r\n');
      assert.equal(((await c.call('ECHO', Buffer.alloc(1024 * 1024, 'x'))) as string).length, 1024 * 1024);
      const r = await c.sendRaw(`*2\r\n$4\r\nECHO\r\n$${1024 * 1024 + 1}\r\n`);
      assert.equal(r.raw.toString(), '-ERR Protocol error: invalid bulk length\r\n');
      await c.waitClose();
    } finally {
      c.close();
      await s.close();
    }
  });

  test('AUTH earlier in the packet lifts the unauthenticated limits for what follows', async () => {
    const s = await startServer({ port: 0, requirepass: 'pw' });
    const c = await RespClient.connect(s.port);
    try {
      const args = Array.from({ length: 11 }, () => 'x');
      c.write(Buffer.concat([mbulk('AUTH', 'pw'), mbulk('ECHO', Buffer.alloc(20000, 'e')), mbulk('DEL', ...args)]));
      assert.equal((await c.readNext()).raw.toString(), '+OK\r\n');
      assert.equal(((await c.readNext()).value as string).length, 20000);
      assert.equal((await c.readNext()).raw.toString(), ':0\r\n');
    } finally {
      c.close();
      await s.close();
    }
  });
});

test('chunks read into one reused buffer parse the same after detach(), at any split', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const values: string[] = [];
  let wire = '';
  for (let i = 0; i < 2000; i++) {
    const v = String.fromCharCode(i % 256).repeat(Math.floor(rnd() * 3000));
    values.push(v);
    wire += `*3\r\n$3\r\nSET\r\n$${String(i).length}\r\n${i}\r\n$${v.length}\r\n${v}\r\n`;
  }
  const all = Buffer.from(wire, 'latin1');
  for (let round = 0; round < 10; round++) {
    const p = new RespParser({ maxBulkLen: 1 << 29, authRequired: () => false });
    const shared = Buffer.alloc(70000);
    const got: string[][] = [];
    for (let o = 0; o < all.length; ) {
      const n = Math.min(all.length - o, 1 + Math.floor(rnd() * 65536));
      all.copy(shared, 0, o, o + n);
      o += n;
      p.feed(shared.subarray(0, n));
      for (let a = p.next(); a !== null; a = p.next()) got.push(a as string[]);
      p.detach();
      shared.fill(0x41); // the next read overwrites the buffer
    }
    assert.equal(got.length, values.length);
    for (let i = 0; i < got.length; i++) assert.deepEqual(got[i], ['SET', String(i), values[i]]);
  }
});
