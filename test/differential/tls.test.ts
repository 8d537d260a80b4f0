// TLS against redis-server (Debian's is built with TLS): the same tls-* CONFIG SET commands give
// the same replies and leave the same values (stored only while TLS is not in use, rebuilt and
// possibly refused once it is), CONFIG SET tls-port opens the TLS port, and the real
// redis-cli --tls works against respite as against redis-server (PING, SET, GET; refused
// without a client certificate). The tests run in order and share the two servers.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { differential, freePort } from '../helpers/differential';
import { NO_OPENSSL, OPENSSL, TestCerts, makeCerts, removeCerts } from '../helpers/tls-certs';
import { Reply } from '../../src/resp/reply';

function cliHasTls(): boolean {
  try {
    return execFileSync('redis-cli', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).includes('--tls');
  } catch (e) {
    // redis-cli --help exits 1 after printing the help.
    return String((e as { stdout?: string }).stdout ?? '').includes('--tls');
  }
}

/** Runs redis-cli; resolves with its output (stdout and stderr) and exit code. */
function redisCli(args: string[]): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    execFile('redis-cli', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      resolve({ out: stdout + stderr, code });
    });
  });
}

function toMap(r: Reply): Map<string, string> {
  const flat = r as string[];
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
  return m;
}

let certs: TestCerts | null = null;
if (OPENSSL && process.env.RESPITE_SKIP_TLS !== '1') {
  try {
    certs = makeCerts();
  } catch (e) {
    if (process.env.CI === 'true') throw e;
  }
  process.on('exit', () => removeCerts(certs));
}

if (certs === null) {
  test('TLS (differential)', { skip: NO_OPENSSL }, () => {});
} else {
  const c = certs;
  const files = {
    'tls-cert-file': c.file('redis.crt'),
    'tls-key-file': c.file('redis.key'),
    'tls-ca-cert-file': c.file('ca.crt'),
  };
  const redisArgs = Object.entries(files).flatMap(([k, v]) => [`--${k}`, v]);
  let tlsPorts: { redis: number; respite: number } | null = null;
  differential(
    'TLS (differential)',
    (ctx) => {
      test('tls-* CONFIG SET: the same replies, the same values after', async () => {
        const p = await ctx.pair();
        // TLS is not in use on either yet (tls-port 0): values are only stored.
        await p.run('CONFIG', 'SET', 'tls-ciphers', 'NO-SUCH-CIPHER');
        await p.run('CONFIG', 'SET', 'tls-ciphers', '');
        await p.run('CONFIG', 'SET', 'tls-auth-clients', 'maybe');
        await p.run('CONFIG', 'SET', 'tls-session-cache-size', '-1');
        await p.run('CONFIG', 'SET', 'tls-protocols', 'TLSv1.2 TLSv1.3');
        await p.run('CONFIG', 'SET', 'tls-protocols', '');
        // TLS in use through tls-replication: every change rebuilds and may be refused.
        await p.run('CONFIG', 'SET', 'tls-replication', 'yes');
        const cases: string[][] = [
          ['tls-cert-file', '/nonexistent/redis.crt'],
          ['tls-cert-file', c.file('redis.key')],
          ['tls-key-file', c.file('redis.crt')],
          ['tls-cert-file', c.file('second.crt'), 'tls-key-file', c.file('client.key')],
          ['tls-ca-cert-file', c.file('ca.key')],
          ['tls-ca-cert-file', ''],
          ['tls-ca-cert-dir', '/nonexistent-dir'],
          ['tls-protocols', 'TLSv1.2 SSLv3'],
          ['tls-protocols', 'TLSv1.2  TLSv1.3'],
          ['tls-protocols', 'tlsv1.3'],
          ['tls-ciphers', 'NO-SUCH-CIPHER'],
          ['tls-ciphers', 'DEFAULT:-AES128-SHA256'],
          ['tls-ciphersuites', 'TLS_NO_SUCH_SUITE'],
          ['tls-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'],
          ['tls-dh-params-file', '/nonexistent/dh.pem'],
          ['tls-dh-params-file', c.file('ca.crt')],
          ['tls-key-file', c.file('redis-enc.key')],
          ['tls-key-file-pass', 'wrong'],
          ['tls-client-cert-file', c.file('client.crt'), 'tls-client-key-file', '/nonexistent/client.key'],
          ['tls-client-cert-file', c.file('client.crt'), 'tls-client-key-file', c.file('client.key')],
          ['tls-prefer-server-ciphers', 'yes'],
          ['tls-session-caching', 'no'],
          ['tls-session-cache-timeout', '60'],
          ['tls-auth-clients', 'optional'],
          ['tls-replication', 'no'],
        ];
        for (const args of cases) await p.run('CONFIG', 'SET', ...args);
        const [a, b] = await Promise.all([p.redis.call('CONFIG', 'GET', 'tls-*'), p.respite.call('CONFIG', 'GET', 'tls-*')]);
        const ours = toMap(b);
        for (const [k, v] of toMap(a)) assert.equal(ours.get(k), v, k);
      });

      test('CONFIG SET tls-port: refused alike when the port is taken; then both serve TLS', async () => {
        const p = await ctx.pair();
        const both = async (redisArgs: string[], respiteArgs: string[]) => {
          const [a, b] = await Promise.all([p.redis.callRaw(...redisArgs), p.respite.callRaw(...respiteArgs)]);
          assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), respiteArgs.join(' '));
        };
        // Each one's own plain port is taken.
        await both(['CONFIG', 'SET', 'tls-port', String(ctx.reference.port)], ['CONFIG', 'SET', 'tls-port', String(ctx.respite.port)]);
        await p.run('CONFIG', 'GET', 'tls-port');
        await p.run('CONFIG', 'SET', 'tls-auth-clients', 'yes');
        await p.run('CONFIG', 'SET', 'tls-protocols', '');
        await p.run('CONFIG', 'SET', 'tls-ciphersuites', '');
        const r: number = await freePort();
        const o: number = await freePort();
        await both(['CONFIG', 'SET', 'tls-port', String(r)], ['CONFIG', 'SET', 'tls-port', String(o)]);
        tlsPorts = { redis: r, respite: o };
      });

      test('redis-cli --tls --cert --key --cacert: PING, SET, GET work as on redis-server; no client certificate is refused', { skip: cliHasTls() ? false : 'redis-cli built without TLS' }, async () => {
        assert.ok(tlsPorts !== null, 'the TLS ports are opened by the test before');
        const ports: { redis: number; respite: number } = tlsPorts;
        const tlsArgs = ['--tls', '--cert', c.file('client.crt'), '--key', c.file('client.key'), '--cacert', c.file('ca.crt')];
        for (const cmd of [['PING'], ['SET', 'tls:key', 'a value'], ['GET', 'tls:key'], ['INCR', 'tls:key'], ['DBSIZE']]) {
          const [r, o] = await Promise.all([
            redisCli([...tlsArgs, '-p', String(ports.redis), ...cmd]),
            redisCli([...tlsArgs, '-p', String(ports.respite), ...cmd]),
          ]);
          assert.deepEqual(o, r, cmd.join(' '));
        }
        const noCert = ['--tls', '--cacert', c.file('ca.crt')];
        // Whether redis-server's refusal reads as a close or a reset depends on timing (its alert
        // and close may cross the client's first command): either is fine.
        const refused = /^Error: (Server closed the connection|Connection reset by peer)\n$/;
        for (const port of [ports.redis, ports.respite]) {
          const r = await redisCli([...noCert, '-p', String(port), 'PING']);
          assert.equal(r.code, 1, `port ${port}`);
          assert.match(r.out, refused, `port ${port}`);
        }
        // The plain port goes on beside it.
        const plain = await redisCli(['-p', String(ctx.respite.port), 'GET', 'tls:key']);
        assert.deepEqual(plain, { out: 'a value\n', code: 0 });
      });
    },
    { redisArgs, options: files },
  );
}
