// The wire protocol against the reference: the same raw bytes go to redis-server and respite, and
// the bytes that come back, and whether the server closed the connection, must be the same.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { differential } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { encodeCommand } from '../../src/resp/reply-parser';

// HELLO with a bad version: a reply that needs no authentication and changes nothing.
const SENTINEL = encodeCommand(['HELLO', '4711']);
const SENTINEL_REPLY = '-NOPROTO unsupported protocol version\r\n';

/**
 * How an exchange ends: 'close' waits for the server to close; 'open' sends a sentinel command after
 * the bytes and reads up to its reply; 'pending' waits a little and expects nothing more (the
 * server is waiting for the rest of a frame).
 */
type End = 'close' | 'open' | 'pending';

interface Outcome {
  out: string;
  closed: boolean;
}

function exchange(port: number, bytes: string | Buffer | (string | Buffer)[], end: End, timeoutMs = 5000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closed = false;
    let finished = false;
    const sock = net.createConnection({ port, host: '127.0.0.1' });
    sock.setNoDelay(true);
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const out = Buffer.concat(chunks).toString('latin1');
      sock.destroy();
      resolve({ out: end === 'open' && out.endsWith(SENTINEL_REPLY) ? out.slice(0, -SENTINEL_REPLY.length) : out, closed });
    };
    const timer = setTimeout(() => (end === 'pending' ? done() : (sock.destroy(), reject(new Error(`no end of exchange (${end})`)))), end === 'pending' ? 300 : timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      if (end === 'open' && Buffer.concat(chunks).toString('latin1').endsWith(SENTINEL_REPLY)) done();
    });
    sock.on('close', () => {
      closed = true;
      done();
    });
    sock.on('error', () => {});
    sock.on('connect', () => {
      for (const b of Array.isArray(bytes) ? bytes : [bytes]) sock.write(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
      if (end === 'open') sock.write(SENTINEL);
    });
  });
}

function show(b: string | Buffer | (string | Buffer)[]): string {
  const s = Array.isArray(b) ? b.map((x) => x.toString()).join('') : b.toString();
  return JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}...(${s.length} bytes)` : s);
}

differential('protocol: raw bytes', (ctx) => {
  async function same(bytes: string | Buffer | (string | Buffer)[], end: End): Promise<Outcome> {
    const [a, b] = await Promise.all([exchange(ctx.reference.port, bytes, end), exchange(ctx.respite.port, bytes, end)]);
    assert.equal(b.out, a.out, `replies differ for ${show(bytes)}`);
    assert.equal(b.closed, a.closed, `close differs for ${show(bytes)}`);
    if (end === 'close') assert.equal(a.closed, true, 'the reference closed');
    if (end !== 'close') assert.equal(a.closed, false, 'the reference kept the connection');
    return a;
  }

  test('malformed frames: error reply, then the connection closes', async () => {
    const frames = [
      '*abc\r\n',
      '*\r\n',
      '*01\r\n',
      '*2147483648\r\n',
      '*-9223372036854775809\r\n',
      '*99999999999999999999\r\n',
      '*1\r\n$abc\r\n',
      '*1\r\n$-1\r\n',
      '*1\r\n$01\r\n',
      '*1\r\n$-0\r\n',
      '*1\r\n$\r\n',
      '*1\r\nx\r\n',
      '*1\r\n\r\n',
      '*1\r\n\n\r\n',
      '*1\r\n\x01\r\n',
      '*1\r\n\xff\r\n',
      '*2\r\n$4\r\nECHO\r\n:1\r\n',
      '"unbalanced\r\n',
      "'unbalanced\r\n",
      '"a"b\r\n',
      "ECHO 'a'b\r\n",
      'ECHO "a\\"\r\n',
      'x'.repeat(70000),
      '*' + '1'.repeat(70000),
      '*1\r\n$' + '1'.repeat(70000),
    ];
    for (const f of frames) await same(f, 'close');
  });

  test('commands before the error in the same write run, the rest is dropped', async () => {
    await same('PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO "a b"\r\n*1\r\n$x\r\nPING\r\nPING\r\n', 'close');
    await same(['PING\r\n', '*1\r\n$4\r\nPING\r\n', '*1\r\n$-3\r\n', 'PING\r\n'], 'close');
  });

  test('ignored frames and blank lines', async () => {
    await same('*0\r\n*-1\r\n\r\n\n   \r\n\t\r\nPING\r\n', 'open');
    await same('*-9223372036854775808\r\n*-5\r\nPING\r\n', 'open');
    await same('*1\r\n$4\r\nPING\r\nXX\r\n', 'open'); // bulk terminator bytes are not checked
  });

  test('inline commands and quoting', async () => {
    const lines = [
      'PING\r\n',
      'PING\n',
      'ping hello\r\n',
      'ECHO "\\x41"\r\n',
      'ECHO "\\x4g"\r\n',
      'ECHO "\\xff\\x00\\x7F"\r\n',
      "ECHO '\\''\r\n",
      "ECHO 'a\\nb'\r\n",
      'ECHO "a\\nb\\r\\t\\b\\a\\\\\\"c"\r\n',
      'ECHO foo"bar baz"\r\n',
      'ECHO ""\r\n',
      "ECHO ''\r\n",
      'ECHO a\vb\r\n',
      'ECHO\ta\r\n',
      '  ECHO   spaced   \r\n',
      'ECHO a b\r\n',
      'ECHO\r\n',
      'NOSUCHCMD "x y" z\r\n',
      '"\\x50ING"\r\n',
    ];
    for (const l of lines) await same(l, 'open');
    await same(lines.join(''), 'open');
  });

  test('incomplete frames wait for more bytes', async () => {
    await same('*1\r\n$4\r\nPIN', 'pending');
    await same('*1\r\nx\r', 'pending');
    await same('*1\x00\r\n', 'pending'); // Redis looks for the line end with strchr(): NUL stops it
    await same('PI\x00NG\r\n', 'pending');
    await same('*2\r\n$4\r\nECHO\r\n$100\r\nabc', 'pending');
  });

  test('wrong arity and unknown commands with long, binary and many arguments', async () => {
    const p = await ctx.pair();
    await p.run('PING', 'a', 'b');
    await p.run('ECHO');
    await p.run('ECHO', 'a', 'b');
    await p.run('SELECT');
    await p.run('GET');
    await p.run('SET', 'k');
    await p.run('NOSUCHCMD');
    await p.run('NOSUCHCMD', 'x'.repeat(300));
    await p.run('x'.repeat(300), 'a');
    await p.run('NOSUCHCMD', 'a\r\nb', 'c\nd');
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    await p.run('NOSUCHCMD', all);
    await p.run(all, 'x');
    await p.run('NOSUCHCMD', ...Array.from({ length: 100 }, (_, i) => `arg${i}`));
    await p.run('NOSUCHCMD', 'y'.repeat(100), 'z'.repeat(100));
    await p.run('', 'a');
    await p.run('NOSUCHCMD', 'a\0b', 'c');
    await p.run('NO\0SUCH', 'x');
    await p.run('PUBSUB', 'no\0such');
    await same(encodeCommand(['NOSUCHCMD', Buffer.alloc(100000, 'q')]), 'open');
  });

  test('binary keys and values', async () => {
    const p = await ctx.pair();
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    await p.run('SET', all, all);
    await p.run('GET', all);
    await p.run('SET', 'k\r\n\0', Buffer.from('\r\n$3\r\n*1\r\n'));
    await p.run('GET', 'k\r\n\0');
    await p.run('MGET', all, 'k\r\n\0', 'missing');
    await p.run('ECHO', all);
    await p.run('SET', '', '');
    await p.run('GET', '');
    await p.run('DEL', all, '', 'k\r\n\0');
  });

  test('a pipeline of 10 000 commands in one write', async () => {
    const cmds: Buffer[] = [];
    for (let i = 0; i < 10000; i++) {
      switch (i % 6) {
        case 0:
          cmds.push(encodeCommand(['SET', `pipe:${i % 100}`, `v${i}`]));
          break;
        case 1:
          cmds.push(encodeCommand(['GET', `pipe:${(i - 1) % 100}`]));
          break;
        case 2:
          cmds.push(encodeCommand(['INCR', 'pipe:counter']));
          break;
        case 3:
          cmds.push(Buffer.from(`ECHO inline${i}\r\n`));
          break;
        case 4:
          cmds.push(encodeCommand(['PING']));
          break;
        default:
          cmds.push(encodeCommand(['NOSUCHCMD', String(i)]));
      }
    }
    const p = await ctx.pair(); // flushes both
    p.close();
    const out = await same(Buffer.concat(cmds), 'open');
    assert.ok(out.out.includes(':1667\r\n'), 'INCR ran 1667 times');
  });

  test('a client that disconnects mid-frame leaves the others unaffected', async () => {
    const p = await ctx.pair();
    await p.run('SET', 'survivor', '1');
    const before = ctx.respite.server.clients.size;
    for (const port of [ctx.reference.port, ctx.respite.port]) {
      for (const half of ['*3\r\n$3\r\nSET\r\n$8\r\nsurvivor\r\n$1', '*3\r\n$3\r\nSET\r\n$8\r\nsurv', 'SET survivor 2']) {
        const c = await RespClient.connect(port);
        c.write(half);
        await new Promise((r) => setTimeout(r, 20));
        c.close();
      }
    }
    await p.run('GET', 'survivor');
    await p.run('PING');
    await waitFor(() => ctx.respite.server.clients.size === before);
  });

  test('a huge declared bulk length, then a disconnect', async () => {
    const p = await ctx.pair();
    for (const port of [ctx.reference.port, ctx.respite.port]) {
      const c = await RespClient.connect(port);
      c.write(`*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$${100 * 1024 * 1024}\r\n`);
      c.write(Buffer.alloc(256 * 1024, 'h'));
      await new Promise((r) => setTimeout(r, 50));
      c.close();
    }
    await p.run('EXISTS', 'huge');
    await p.run('PING');
    await p.run('SET', 'after', 'ok');
    await p.run('GET', 'after');
  });

  test('a large value in one frame and an argument made of many chunks', async () => {
    const p = await ctx.pair();
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
    await p.run('SET', 'big', big);
    await p.run('STRLEN', 'big');
    await p.run('GET', 'big');
    const frame = encodeCommand(['ECHO', big.subarray(0, 200000)]);
    const pieces: Buffer[] = [];
    for (let i = 0; i < frame.length; i += 4096) pieces.push(frame.subarray(i, i + 4096));
    await same(pieces, 'open');
  });
});

differential(
  'protocol: limits (requirepass, proto-max-bulk-len)',
  (ctx) => {
    async function same(bytes: string | Buffer | (string | Buffer)[], end: End): Promise<void> {
      const [a, b] = await Promise.all([exchange(ctx.reference.port, bytes, end), exchange(ctx.respite.port, bytes, end)]);
      assert.equal(b.out, a.out, `replies differ for ${show(bytes)}`);
      assert.equal(b.closed, a.closed, `close differs for ${show(bytes)}`);
      assert.equal(a.closed, end === 'close');
    }
    const args = (n: number) => encodeCommand(Array.from({ length: n }, (_, i) => (i === 0 ? 'PING' : 'x')));

    test('unauthenticated: more than 10 arguments closes the connection', async () => {
      await same(args(10), 'open'); // NOAUTH, not a protocol error
      await same(args(11), 'close');
      await same('*11\r\n', 'close');
    });

    test('unauthenticated: bulks above 16 KiB close the connection', async () => {
      await same(encodeCommand(['AUTH', Buffer.alloc(16384, 'p')]), 'open');
      await same(encodeCommand(['AUTH', Buffer.alloc(16385, 'p')]), 'close');
      await same('*2\r\n$4\r\nAUTH\r\n$16385\r\n', 'close');
    });

    test('authentication earlier in the same write lifts the limits', async () => {
      await same(Buffer.concat([encodeCommand(['AUTH', 'pw']), args(11), encodeCommand(['ECHO', Buffer.alloc(20000, 'e')])]), 'open');
      await same(Buffer.concat([encodeCommand(['AUTH', 'default', 'pw']), args(12)]), 'open');
      await same(Buffer.concat([encodeCommand(['AUTH', 'wrong']), args(11)]), 'close');
      await same(Buffer.concat([encodeCommand(['AUTH', 'pw']), encodeCommand(['RESET']), args(11)]), 'close');
    });

    test('inline commands count too', async () => {
      await same('PING a b c d e f g h i j k l\r\nAUTH pw\r\n', 'open');
      await same('AUTH pw\r\nPING\r\n', 'open');
    });

    test('bulks above proto-max-bulk-len', async () => {
      await same(Buffer.concat([encodeCommand(['AUTH', 'pw']), Buffer.from(`*2\r\n$4\r\nECHO\r\n$${1024 * 1024 + 1}\r\n`)]), 'close');
      const ok = Buffer.concat([encodeCommand(['AUTH', 'pw']), encodeCommand(['ECHO', Buffer.alloc(1024 * 1024, 'm')])]);
      await same(ok, 'open');
    });
  },
  { options: { requirepass: 'pw', 'proto-max-bulk-len': '1mb' }, redisArgs: ['--requirepass', 'pw', '--proto-max-bulk-len', '1mb'] },
);

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}
