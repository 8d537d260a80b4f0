// The dashboard's HTTP API through a real HTTP port: configuration, login on ACL users, the
// read-only rule, binary-safe keys, the console's policy, the pub/sub stream.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { startServer, RespiteServer } from '../../src/index';
import { escapeBytes, fromHex, toHex, unescapeBytes, utf8Text } from '../../src/http/bytes';
import { DashboardClient } from './client';

async function withDashboard(opts: Record<string, unknown>, fn: (s: RespiteServer, c: DashboardClient) => Promise<void>): Promise<void> {
  const s = await startServer({ port: null, httpPort: 0, ...opts });
  try {
    await fn(s, new DashboardClient(s));
  } finally {
    await s.close();
  }
}

test('byte strings: escape, unescape, hex and UTF-8 views round-trip every byte', () => {
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  assert.equal(unescapeBytes(escapeBytes(all)), all);
  assert.equal(fromHex(toHex(all)), all);
  assert.equal(escapeBytes('a\\b\n\xff'), 'a\\\\b\\n\\xff');
  assert.equal(unescapeBytes('café'), 'caf\xc3\xa9', 'typed text is stored as UTF-8 bytes');
  assert.equal(unescapeBytes('bad\\q'), null);
  assert.equal(unescapeBytes('\\x4'), null);
  assert.equal(utf8Text('caf\xc3\xa9'), 'café');
  assert.equal(utf8Text('\xff'), null, 'invalid UTF-8 is never decoded lossily');
  assert.equal(utf8Text('\xc0\x80'), null, 'overlong forms are invalid');
  assert.equal(fromHex('abc'), null);
});

test('http-port, http-bind, http-allow-writes: off by default, hidden from CONFIG GET *, set by startServer', async () => {
  const plain = await startServer({ port: null });
  try {
    assert.equal(plain.http, null);
    assert.deepEqual(await plain.call('CONFIG', 'GET', 'http-port'), ['http-port', '0']);
    assert.deepEqual(await plain.call('CONFIG', 'GET', 'http-bind'), ['http-bind', '127.0.0.1']);
    assert.deepEqual(await plain.call('CONFIG', 'GET', 'http-allow-writes'), ['http-allow-writes', 'no']);
    const all = (await plain.call('CONFIG', 'GET', '*')) as string[];
    assert.ok(!all.includes('http-port'), 'CONFIG GET * lists only Redis parameters');
    await assert.rejects(plain.call('CONFIG', 'SET', 'http-port', '8100'), /can't set immutable config/);
  } finally {
    await plain.close();
  }
  await withDashboard({}, async (s) => {
    assert.ok(s.http !== null && s.http.port > 0);
    assert.equal(s.http.url, `http://127.0.0.1:${s.http.port}/`);
    assert.deepEqual(await s.call('CONFIG', 'GET', 'http-port'), ['http-port', String(s.http.port)]);
    assert.deepEqual(await s.call('CONFIG', 'SET', 'http-allow-writes', 'yes'), 'OK');
  });
});

test('without a password the API answers as default (IP or localhost Host only); with one, only the login page', async () => {
  await withDashboard({}, async (s, c) => {
    const me = await c.get('/api/me');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { user: 'default', loggedIn: false, allowWrites: false, databases: 16 });
    // A DNS name could be rebound to 127.0.0.1 by another site: no password-less access through it.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: s.http!.port, path: '/api/me', headers: { host: `evil.example:${s.http!.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
    });
    assert.equal(rebound, 401);
    await s.call('CONFIG', 'SET', 'requirepass', 'sekret');
    assert.equal((await c.get('/api/me')).status, 401);
    const page = await c.get('/');
    assert.equal(page.status, 200);
    assert.match(page.text, /<form method="post" action="\/login">/);
    assert.equal((await c.get('/assets/app.js')).status, 401, 'nothing but the login page');
    assert.equal((await c.get('/index.html')).status, 401);
    assert.equal(await c.login('default', 'wrong'), 401);
    const log = (await s.call('ACL', 'LOG')) as unknown[][];
    assert.ok(log.length >= 1, 'failed logins go to ACL LOG');
    assert.equal(await c.login('default', 'sekret'), 200);
    assert.match(c.cookie!, /^respite_session_\d+=/);
    assert.equal((await c.get('/api/me')).body.loggedIn, true);
    // Logging out ends the session.
    await fetch(c.base + '/logout', { method: 'POST', headers: { cookie: c.cookie! } });
    assert.equal((await c.get('/api/me')).status, 401);
  });
});

test('session cookies are HttpOnly and SameSite, and POSTs from another origin are refused', async () => {
  await withDashboard({ requirepass: 'pw' }, async (s, c) => {
    const r = await fetch(c.base + '/login', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=default&password=pw',
    });
    const set = r.headers.get('set-cookie')!;
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    c.cookie = set.split(';')[0];
    const cross = await c.post('/api/command', { line: 'PING' }, { origin: 'http://evil.example' });
    assert.equal(cross.status, 403);
    const form = await fetch(c.base + '/api/command', { method: 'POST', headers: { cookie: c.cookie, 'content-type': 'text/plain' }, body: '{"line":"PING"}' });
    assert.equal(form.status, 415, 'JSON only: a simple cross-site form post cannot reach the API');
    assert.equal((await c.post('/api/command', { line: 'PING' })).body.reply.v, 'PONG');
    void s;
  });
});

test('commands run as the logged-in ACL user with its permissions; ACL DELUSER ends the session', async () => {
  await withDashboard({ requirepass: 'pw', httpAllowWrites: true }, async (s, c) => {
    await s.call('AUTH', 'pw');
    await s.call('ACL', 'SETUSER', 'alice', 'on', '>apw', '~app:*', '+@read', '+@write', '+scan', '+type', '+pttl', '+object', '-info');
    await s.call('SET', 'app:1', 'x');
    await s.call('SET', 'secret', 'y');
    assert.equal(await c.login('alice', 'apw'), 200);
    assert.equal((await c.get('/api/me')).body.user, 'alice');
    const own = await c.post('/api/command', { line: 'GET app:1' });
    assert.deepEqual(own.body.reply, { t: 'bulk', v: 'x' });
    const other = await c.post('/api/command', { line: 'GET secret' });
    assert.equal(other.body.reply.t, 'error');
    assert.match(other.body.reply.v, /^NOPERM/);
    const edit = await c.post('/api/edit', { db: 0, op: 'set', key: 'secret', value: 'z' });
    assert.match(edit.body.reply.v, /^NOPERM/);
    assert.equal(await s.call('GET', 'secret'), 'y');
    const overview = await c.get('/api/overview');
    assert.match(overview.body.error, /NOPERM/, 'no INFO permission, no overview');
    const clients = (await s.call('CLIENT', 'LIST')) as string;
    assert.match(clients, /name=respite-http .*user=alice/);
    await s.call('ACL', 'DELUSER', 'alice');
    assert.equal((await c.get('/api/me')).status, 401);
  });
});

test('read-only by default: edits, PUBLISH and write commands are refused; http-allow-writes yes allows them', async () => {
  await withDashboard({}, async (s, c) => {
    await s.call('SET', 'k', 'v');
    let r = await c.post('/api/edit', { db: 0, op: 'set', key: 'k', value: 'changed' });
    assert.equal(r.status, 403);
    assert.match(r.body.error, /read-only/);
    assert.equal((await c.post('/api/edit', { db: 0, op: 'del', key: 'k' })).status, 403);
    assert.equal((await c.post('/api/publish', { channel: 'c', message: 'm' })).status, 403);
    for (const line of ['SET k x', 'DEL k', 'FLUSHALL', 'CONFIG SET maxmemory 1', 'PUBLISH c m', 'EVAL "return 1" 0', 'SLOWLOG RESET', 'ACL LOG RESET', 'CLIENT KILL ID 1']) {
      assert.equal((await c.post('/api/command', { line })).status, 403, line);
    }
    for (const line of ['GET k', 'SCAN 0', 'INFO server', 'CONFIG GET maxmemory', 'SLOWLOG GET', 'ACL LOG', 'EVAL_RO "return 1" 0', 'XREAD STREAMS s 0', 'NOSUCHCOMMAND']) {
      assert.equal((await c.post('/api/command', { line })).status, 200, line);
    }
    assert.equal(await s.call('GET', 'k'), 'v');
    await s.call('CONFIG', 'SET', 'http-allow-writes', 'yes');
    r = await c.post('/api/edit', { db: 0, op: 'set', key: 'k', value: 'changed' });
    assert.deepEqual(r.body.reply, { t: 'status', v: 'OK' });
    assert.equal(await s.call('GET', 'k'), 'changed');
    assert.deepEqual((await c.post('/api/command', { line: 'INCR n' })).body.reply, { t: 'int', v: '1' });
    // Never in the console, writes or not: they would change or hold the connection.
    for (const line of ['SUBSCRIBE c', 'MULTI', 'SELECT 1', 'BLPOP l 0', 'XREAD BLOCK 0 STREAMS s $', 'MONITOR', 'AUTH x y', 'CLIENT REPLY OFF']) {
      assert.equal((await c.post('/api/command', { line })).status, 403, line);
    }
  });
});

test('binary keys and values round-trip exactly through scan, read, edit and delete', async () => {
  await withDashboard({ httpAllowWrites: true }, async (s, c) => {
    const key = Buffer.from([0x6b, 0x00, 0xff, 0xc3, 0x28, 0x0a]); // NUL, 0xff, invalid UTF-8, newline
    const value = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    await s.callBuffer('SET', key, value);
    await s.call('SET', 'other', '1');
    await s.call('HSET', 'h', 'f', 'v');
    const scan = await c.post('/api/scan', { db: 0, match: 'k*', type: 'string' });
    assert.equal(scan.body.keys.length, 1);
    const k = scan.body.keys[0].key as string;
    assert.deepEqual(Buffer.from(k, 'latin1'), key);
    const view = await c.post('/api/key', { db: 0, key: k });
    assert.equal(view.body.type, 'string');
    assert.deepEqual(Buffer.from(view.body.value, 'latin1'), value);
    const newValue = unescapeBytes('\\x00\\x01é')!;
    await c.post('/api/edit', { db: 0, op: 'set', key: k, value: newValue });
    assert.deepEqual(await s.callBuffer('GET', key), Buffer.from([0, 1, 0xc3, 0xa9]));
    // Type filter, and a pattern given as bytes.
    const hashes = await c.post('/api/scan', { db: 0, match: '*', type: 'hash' });
    assert.deepEqual(hashes.body.keys.map((r: { key: string }) => r.key), ['h']);
    assert.equal((await c.post('/api/scan', { db: 0, match: '\u0100' })).status, 400, 'chars above U+00FF are not bytes');
    await c.post('/api/edit', { db: 0, op: 'del', key: k });
    assert.equal(await s.callBuffer('EXISTS', key), 0);
    assert.equal(await s.call('EXISTS', 'other'), 1);
  });
});

test('type-aware key views with paging, and other databases', async () => {
  await withDashboard({}, async (s, c) => {
    const members: string[] = [];
    for (let i = 0; i < 450; i++) members.push(String(i), `v${i}`);
    await s.call('RPUSH', 'list', ...members.filter((_, i) => i % 2 === 0));
    await s.call('HSET', 'hash', ...members);
    await s.call('ZADD', 'zset', '1.5', 'a', '2', 'b');
    await s.call('XADD', 'stream', '1-1', 'f', 'v');
    await s.call('SELECT', '3');
    const conn = s.connect();
    await conn.call(['SELECT', '3']);
    await conn.call(['SET', 'in3', 'x', 'PX', '100000']);
    conn.close();
    let v = await c.post('/api/key', { db: 0, key: 'list' });
    assert.equal(v.body.length, 450);
    assert.equal(v.body.value.length, 200);
    v = await c.post('/api/key', { db: 0, key: 'list', page: v.body.next });
    assert.equal(v.body.value[0], '200');
    const h = await c.post('/api/key', { db: 0, key: 'hash' });
    let fields = h.body.value.length;
    let next = h.body.next;
    while (next !== null) {
      const p = await c.post('/api/key', { db: 0, key: 'hash', page: next });
      fields += p.body.value.length;
      next = p.body.next;
    }
    assert.equal(fields, 450);
    assert.deepEqual((await c.post('/api/key', { db: 0, key: 'zset' })).body.value, [
      ['a', '1.5'],
      ['b', '2'],
    ]);
    assert.deepEqual((await c.post('/api/key', { db: 0, key: 'stream' })).body.value, [['1-1', ['f', 'v']]]);
    const in3 = await c.post('/api/key', { db: 3, key: 'in3' });
    assert.ok(in3.body.ttl > 0 && in3.body.ttl <= 100000);
    assert.equal((await c.post('/api/key', { db: 0, key: 'in3' })).body, null);
    assert.equal((await c.post('/api/key', { db: 16, key: 'x' })).status, 400);
  });
});

test('overview events stream INFO snapshots; the pub/sub stream delivers messages as the user', async () => {
  await withDashboard({}, async (s, c) => {
    const ac = new AbortController();
    const res = await fetch(c.base + '/api/events?interval=100', { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    let buf = '';
    while (!buf.includes('event: overview')) buf += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/data: (.*)/.exec(buf.slice(buf.indexOf('event: overview')))![1]);
    assert.equal(data.replication.role, 'master');
    assert.equal(typeof data.opsPerSec, 'number');
    ac.abort();

    const pc = new AbortController();
    const q = `channels=${toHex('news\xff')}&patterns=${toHex('ev:*')}`;
    const ps = await fetch(c.base + '/api/pubsub?' + q, { signal: pc.signal });
    const r2 = ps.body!.getReader();
    let got = '';
    while ((got.match(/event: subscribed/g) ?? []).length < 2) got += Buffer.from((await r2.read()).value!).toString('utf8');
    await s.callBuffer('PUBLISH', Buffer.from('news\xff', 'latin1'), Buffer.from([0xc3, 0xa9]));
    await s.call('PUBLISH', 'ev:1', 'hello');
    while ((got.match(/event: message/g) ?? []).length < 2) got += Buffer.from((await r2.read()).value!).toString('utf8');
    const msgs = [...got.matchAll(/event: message\ndata: (.*)/g)].map((m) => JSON.parse(m[1]));
    assert.equal(msgs[0].channel, 'news\xff');
    assert.equal(msgs[0].message, '\xc3\xa9');
    assert.equal(msgs[1].pattern, 'ev:*');
    assert.deepEqual(await s.call('PUBSUB', 'NUMSUB', 'news\xff'), ['news\xff', 0], 'a JS string is UTF-8: not the same channel');
    pc.abort();
    // The stream's connection is closed with it.
    for (let i = 0; i < 50 && ((await s.call('PUBSUB', 'NUMPAT')) as number) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await s.call('PUBSUB', 'NUMPAT'), 0);
  });
});
