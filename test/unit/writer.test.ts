// Reply encoding: every reply value in RESP2 and RESP3, byte for byte as Redis 7.0 writes it.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RespWriter } from '../../src/resp/writer';
import {
  DoubleReply,
  MapReply,
  NO_REPLY,
  NULL_ARRAY,
  OK,
  PushReply,
  RawReply,
  Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
} from '../../src/resp/reply';
import { ReplyError, WRONGTYPE } from '../../src/errors';
import { decodeReply } from '../../src/resp/reply-parser';

function encode(r: Reply, protocol: 2 | 3): string {
  const w = new RespWriter();
  w.protocol = protocol;
  w.write(r);
  return w.take()?.toString('latin1') ?? '';
}

/** [name, reply, RESP2 bytes, RESP3 bytes] */
const cases: [string, Reply, string, string][] = [
  ['bulk string', 'hello', '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
  ['empty bulk', '', '$0\r\n\r\n', '$0\r\n\r\n'],
  ['long bulk', 'x'.repeat(100), `$100\r\n${'x'.repeat(100)}\r\n`, `$100\r\n${'x'.repeat(100)}\r\n`],
  ['integer 0', 0, ':0\r\n', ':0\r\n'],
  ['negative integer', -42, ':-42\r\n', ':-42\r\n'],
  ['large integer', 1234567890123, ':1234567890123\r\n', ':1234567890123\r\n'],
  ['int64 as bigint', 9223372036854775807n, ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
  ['int64 min as bigint', -9223372036854775808n, ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['null bulk', null, '$-1\r\n', '_\r\n'],
  ['null array', NULL_ARRAY, '*-1\r\n', '_\r\n'],
  ['true', true, ':1\r\n', '#t\r\n'],
  ['false', false, ':0\r\n', '#f\r\n'],
  ['status', OK, '+OK\r\n', '+OK\r\n'],
  ['long status', new SimpleString('s'.repeat(60)), `+${'s'.repeat(60)}\r\n`, `+${'s'.repeat(60)}\r\n`],
  ['error', WRONGTYPE, `-${WRONGTYPE.message}\r\n`, `-${WRONGTYPE.message}\r\n`],
  ['empty array', [], '*0\r\n', '*0\r\n'],
  ['nested array', [1, ['a', null], []], '*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n*0\r\n', '*3\r\n:1\r\n*2\r\n$1\r\na\r\n_\r\n*0\r\n'],
  ['double', new DoubleReply(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
  ['double with 17 digits', new DoubleReply(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n'],
  ['integral double', new DoubleReply(3), '$1\r\n3\r\n', ',3\r\n'],
  ['double exponent', new DoubleReply(1e300), '$23\r\n1.0000000000000001e+300\r\n', ',1.0000000000000001e+300\r\n'],
  ['double exponent, short', new DoubleReply(1e21), '$5\r\n1e+21\r\n', ',1e+21\r\n'],
  ['double inf', new DoubleReply(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
  ['double -inf', new DoubleReply(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['double nan', new DoubleReply(NaN), '$3\r\nnan\r\n', ',nan\r\n'],
  ['map', new MapReply(['a', 1, 'b', null]), '*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n', '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n'],
  ['empty map', new MapReply([]), '*0\r\n', '%0\r\n'],
  ['set', new SetReply(['x', 'y']), '*2\r\n$1\r\nx\r\n$1\r\ny\r\n', '~2\r\n$1\r\nx\r\n$1\r\ny\r\n'],
  ['push', new PushReply(['message', 'ch', 'hi']), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
  ['verbatim', new VerbatimReply('txt', 'a\r\nb'), '$4\r\na\r\nb\r\n', '=8\r\ntxt:a\r\nb\r\n'],
  ['map inside array', [new MapReply(['k', new DoubleReply(2.5)])], '*1\r\n*2\r\n$1\r\nk\r\n$3\r\n2.5\r\n', '*1\r\n%1\r\n$1\r\nk\r\n,2.5\r\n'],
  ['raw bytes', new RawReply(Buffer.from('+RAW\r\n')), '+RAW\r\n', '+RAW\r\n'],
  ['no reply', NO_REPLY, '', ''],
];

describe('reply encoding', () => {
  for (const [name, reply, resp2, resp3] of cases) {
    test(name, () => {
      assert.equal(encode(reply, 2), resp2, 'RESP2');
      assert.equal(encode(reply, 3), resp3, 'RESP3');
    });
  }
});

test('binary bulk strings keep every byte 0..255', () => {
  let s = '';
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  // Both the short-string loop and the latin1Write path.
  for (const v of [s, s.slice(0, 40), s.slice(200)]) {
    const out = Buffer.from(encode(v, 2), 'latin1');
    const header = `$${v.length}\r\n`;
    assert.equal(out.subarray(0, header.length).toString(), header);
    assert.ok(out.subarray(header.length, header.length + v.length).equals(Buffer.from(v, 'latin1')));
  }
});

test('replies written between takes come out together; the writer grows for big replies', () => {
  const w = new RespWriter();
  w.write(OK);
  w.write(7);
  assert.equal(w.pending, 9);
  assert.equal(w.take()?.toString(), '+OK\r\n:7\r\n');
  assert.equal(w.take(), null);
  const big = 'b'.repeat(200 * 1024);
  w.write('small');
  w.write(big);
  const out = w.take()!;
  assert.equal(out.length, '$5\r\nsmall\r\n'.length + `$${big.length}\r\n`.length + big.length + 2);
  assert.equal(decodeReply(out, 11)?.value, big);
});

test('a taken buffer is never overwritten by later replies', () => {
  const w = new RespWriter();
  const taken: [Buffer, string][] = [];
  for (let i = 0; i < 5000; i++) {
    const v = `value-${i}-${'p'.repeat(i % 50)}`;
    w.write(v);
    const out = w.take()!;
    taken.push([out, `$${v.length}\r\n${v}\r\n`]);
  }
  for (const [buf, want] of taken) assert.equal(buf.toString('latin1'), want);
});

test('decodeReply reads back what the writer wrote (RESP3)', () => {
  const w = new RespWriter();
  w.protocol = 3;
  const reply: Reply = [new MapReply(['a', new SetReply([1, 2])]), new DoubleReply(-0.5), true, null, new ReplyError('ERR x')];
  w.write(reply);
  const out = w.take()!;
  const d = decodeReply(out, 0)!;
  assert.equal(d.end, out.length);
  const [map, dbl, bool, nul, err] = d.value as Reply[];
  assert.ok(map instanceof MapReply);
  assert.ok((map.flat[1] as SetReply).items.length === 2);
  assert.equal((dbl as DoubleReply).value, -0.5);
  assert.equal(bool, true);
  assert.equal(nul, null);
  assert.equal((err as ReplyError).message, 'ERR x');
});

test('integers and bulk lengths of every width are written digit for digit', () => {
  const ints = [0, 9, 10, 99, 100, 101, 999, 1000, 65535, 100000, 123456789, 2 ** 40, 999999999999999, 1e15, 2 ** 53, -1, -10, -123456, -0];
  for (const n of ints) assert.equal(encode(n, 2), `:${String(n)}\r\n`, String(n));
  for (const len of [0, 1, 9, 10, 11, 99, 100, 1000, 12345, 100000]) {
    const s = 'x'.repeat(len);
    assert.equal(encode(s, 2), `$${len}\r\n${s}\r\n`);
  }
  assert.equal(encode(new Array(123).fill('member:100'), 2), `*123\r\n${'$10\r\nmember:100\r\n'.repeat(123)}`);
});

describe('slab reuse (take / release)', () => {
  test('bytes handed out by take() are never written over until release()', () => {
    const w = new RespWriter();
    w.write('first');
    const a = w.take()!;
    w.write('second');
    const b = w.take()!;
    assert.equal(a.toString('latin1'), '$5\r\nfirst\r\n');
    assert.equal(b.toString('latin1'), '$6\r\nsecond\r\n');
    assert.notEqual(a.byteOffset, b.byteOffset);
  });

  test('after release() the next reply starts the same slab again', () => {
    const w = new RespWriter();
    w.write('first');
    const a = w.take()!;
    w.release();
    w.write(42);
    const b = w.take()!;
    assert.equal(b.toString('latin1'), ':42\r\n');
    assert.equal(b.buffer, a.buffer);
    assert.equal(b.byteOffset, a.byteOffset);
  });

  test('release() with replies written since the take() keeps them', () => {
    const w = new RespWriter();
    w.write('first');
    w.take();
    w.write('pending');
    w.release();
    assert.equal(w.take()!.toString('latin1'), '$7\r\npending\r\n');
  });

  test('a slab grown for a large reply is not kept after it', () => {
    const w = new RespWriter();
    const big = 'x'.repeat(200 * 1024);
    w.write(big);
    const a = w.take()!;
    assert.equal(a.length, big.length + 11); // $204800\r\n...\r\n
    w.release();
    w.write('small');
    const b = w.take()!;
    assert.notEqual(b.buffer, a.buffer);
    assert.equal(b.toString('latin1'), '$5\r\nsmall\r\n');
  });
});
