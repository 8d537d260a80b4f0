import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';
import { SimpleString, VerbatimReply } from '../../src/resp/reply';

const str = (r: unknown) => (r instanceof SimpleString ? r.value : String(r));

async function withServer(fn: (s: RespiteServer) => Promise<void>, opts = {}): Promise<void> {
  const s = await startServer({ port: 0, ...opts });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function field(line: unknown, name: string): string {
  const m = new RegExp(`(?:^| )${name}=(\\S*)`).exec(String(line));
  assert.ok(m, `no ${name}= in ${String(line)}`);
  return m[1];
}

test('CLIENT ID, SETNAME/GETNAME, INFO fields', async () => {
  await withServer(async (s) => {
    const c = await RespClient.connect(s.port);
    try {
      const id = (await c.call('CLIENT', 'ID')) as number;
      assert.equal(typeof id, 'number');
      assert.equal(await c.call('CLIENT', 'GETNAME'), null);
      await c.call('CLIENT', 'SETNAME', 'worker-1');
      await c.call('SELECT', '2');
      const line = await c.call('CLIENT', 'INFO');
      assert.equal(field(line, 'id'), String(id));
      assert.equal(field(line, 'name'), 'worker-1');
      assert.equal(field(line, 'db'), '2');
      assert.equal(field(line, 'flags'), 'N');
      assert.equal(field(line, 'cmd'), 'client|info');
      assert.equal(field(line, 'laddr'), `127.0.0.1:${s.port}`);
      assert.equal(field(line, 'qbuf'), '26'); // *2 $6 client $4 info: the running command
      assert.equal(field(line, 'argv-mem'), '10');
      assert.ok(String(line).endsWith('resp=2\n'));
      // RESP3: verbatim text.
      await c.call('HELLO', '3');
      assert.ok((await c.call('CLIENT', 'INFO')) instanceof VerbatimReply);
    } finally {
      c.close();
    }
  });
});

test('CLIENT LIST flags: pub/sub, MULTI, monitor, no-evict, no-touch, SETINFO', async () => {
  await withServer(async (s) => {
    const admin = await RespClient.connect(s.port);
    const sub = await RespClient.connect(s.port);
    const tx = await RespClient.connect(s.port);
    const mon = await RespClient.connect(s.port);
    try {
      await sub.call('SUBSCRIBE', 'a');
      await tx.call('MULTI');
      await tx.call('SET', 'k', 'v');
      await mon.call('MONITOR');
      await admin.call('CLIENT', 'NO-EVICT', 'on');
      await admin.call('CLIENT', 'NO-TOUCH', 'on');
      await admin.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib');
      await admin.call('CLIENT', 'SETINFO', 'lib-ver', '1.2.3');
      assert.match(String((await admin.callRaw('CLIENT', 'SETINFO', 'lib-name', 'a b')).raw), /^-ERR lib-name cannot contain spaces/);
      assert.match(String((await admin.callRaw('CLIENT', 'SETINFO', 'foo', 'x')).raw), /^-ERR Unrecognized option 'foo'/);
      const lines = str(await admin.call('CLIENT', 'LIST')).trim().split('\n');
      const byId = async (c: RespClient) => {
        const id = str(await c.call('CLIENT', 'ID'));
        return lines.find((l) => field(l, 'id') === id)!;
      };
      const adminLine = await byId(admin);
      assert.equal(field(adminLine, 'flags'), 'eT');
      assert.ok(adminLine.endsWith('lib-name=mylib lib-ver=1.2.3'));
      // Pub/sub, MULTI and monitor clients cannot run CLIENT ID now: find them by their last command.
      assert.equal(field(lines.find((l) => field(l, 'cmd') === 'subscribe'), 'flags'), 'P');
      assert.equal(field(lines.find((l) => field(l, 'cmd') === 'subscribe'), 'sub'), '1');
      const txLine = lines.find((l) => field(l, 'flags') === 'x')!;
      assert.equal(field(txLine, 'multi'), '1');
      assert.equal(field(txLine, 'multi-mem'), '5');
      assert.equal(field(lines.find((l) => field(l, 'cmd') === 'monitor'), 'flags'), 'O');
      // TYPE filters.
      const pubsub = str(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).trim().split('\n');
      assert.equal(pubsub.length, 1);
      assert.equal(field(pubsub[0], 'flags'), 'P');
      assert.equal(await admin.call('CLIENT', 'LIST', 'TYPE', 'replica'), '');
      const ids = str(await admin.call('CLIENT', 'LIST', 'ID', str(await admin.call('CLIENT', 'ID')), '99999'));
      assert.equal(ids.split('\n').length, 2);
    } finally {
      for (const c of [admin, sub, tx, mon]) c.close();
    }
  });
});

test('CLIENT KILL by id, addr, laddr, type, user, with SKIPME and the old form', async () => {
  await withServer(async (s) => {
    const admin = await RespClient.connect(s.port);
    const a = await RespClient.connect(s.port);
    const b = await RespClient.connect(s.port);
    const c = await RespClient.connect(s.port);
    const d = await RespClient.connect(s.port);
    try {
      const info = async (x: RespClient) => str(await x.call('CLIENT', 'INFO'));
      assert.equal(await admin.call('CLIENT', 'KILL', 'ID', field(await info(a), 'id')), 1);
      await a.waitClose();
      assert.equal(str(await admin.call('CLIENT', 'KILL', field(await info(b), 'addr'))), 'OK');
      await b.waitClose();
      assert.equal(await admin.call('CLIENT', 'KILL', 'ADDR', field(await info(c), 'addr'), 'SKIPME', 'no'), 1);
      await c.waitClose();
      await d.call('SUBSCRIBE', 'ch');
      assert.equal(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1);
      await d.waitClose();
      // LADDR and USER match the caller too, which SKIPME (default yes) protects.
      assert.equal(await admin.call('CLIENT', 'KILL', 'LADDR', `127.0.0.1:${s.port}`), 0);
      assert.equal(await admin.call('CLIENT', 'KILL', 'USER', 'default'), 0);
      // Killing oneself: the reply arrives, then the connection closes.
      assert.equal(await admin.call('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no'), 1);
      await admin.waitClose();
    } finally {
      for (const x of [admin, a, b, c, d]) x.close();
    }
  });
});

test('CLIENT REPLY OFF/SKIP/ON over TCP', async () => {
  await withServer(async (s) => {
    const c = await RespClient.connect(s.port);
    try {
      c.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n');
      c.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n');
      assert.equal(String((await c.readNext()).raw), '+OK\r\n');
      c.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*2\r\n$4\r\nECHO\r\n$1\r\nb\r\n*2\r\n$4\r\nECHO\r\n$1\r\nc\r\n');
      assert.equal(String((await c.readNext()).raw), '$1\r\nc\r\n');
      // A refused command consumes the SKIP too.
      c.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*1\r\n$4\r\nNOPE\r\n*2\r\n$4\r\nECHO\r\n$1\r\nd\r\n');
      assert.equal(String((await c.readNext()).raw), '$1\r\nd\r\n');
    } finally {
      c.close();
    }
  });
});

test('CLIENT PAUSE WRITE holds writes (not reads) until UNPAUSE, in order', async () => {
  await withServer(async (s) => {
    const admin = await RespClient.connect(s.port);
    const w = await RespClient.connect(s.port);
    try {
      await w.call('SET', 'k', '1');
      assert.equal(str(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE')), 'OK');
      assert.equal(s.server.keyspace.expirePaused, true);
      const held = w.call('SET', 'k', '2');
      const after = w.call('GET', 'k'); // sent after the write: must wait behind it
      // Wait until the held write has reached the server (paused clients show flag b).
      for (let i = 0; i < 2000 && !/flags=b /.test(str(await admin.call('CLIENT', 'LIST'))); i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(await admin.call('GET', 'k'), '1');
      assert.match(str(await admin.call('CLIENT', 'LIST')), /flags=b /);
      assert.equal(str(await admin.call('CLIENT', 'UNPAUSE')), 'OK');
      assert.equal(str(await held), 'OK');
      assert.equal(await after, '2');
      assert.equal(s.server.keyspace.expirePaused, false);
    } finally {
      admin.close();
      w.close();
    }
  });
});

test('CLIENT PAUSE ALL holds every command until the timeout; embedded clients too', async () => {
  await withServer(async (s) => {
    const c = await RespClient.connect(s.port);
    const conn = s.connect();
    try {
      const t0 = Date.now();
      await c.call('CLIENT', 'PAUSE', '150', 'ALL');
      const ping = c.call('PING');
      const emb = conn.send(['ECHO', 'x']);
      const emb2 = conn.send(['ECHO', 'y']);
      assert.equal(str(await ping), 'PONG');
      assert.ok(Date.now() - t0 >= 140, 'PING waited for the pause');
      assert.equal(await emb, 'x');
      assert.equal(await emb2, 'y');
      assert.equal(s.server.clientPause, null);
    } finally {
      c.close();
      conn.close();
    }
  });
});

test('CLIENT PAUSE: a longer or stronger pause extends the current one; clock jumps end it', async () => {
  const s = await startServer({ port: null });
  try {
    s.clock.freeze();
    await s.call('CLIENT', 'PAUSE', '1000', 'WRITE');
    await s.call('CLIENT', 'PAUSE', '10', 'ALL');
    const p = s.server.clientPause!;
    assert.equal(p.type, 2);
    assert.equal(p.end, s.clock.now() + 1000);
    const conn = s.connect();
    const held = conn.send(['PING']);
    s.clock.advance(1000);
    // The next pause check (timer) sees the clock past the end.
    assert.equal(str(await held), 'PONG');
  } finally {
    await s.close();
  }
});
