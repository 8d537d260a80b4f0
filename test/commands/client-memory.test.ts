// Query buffers, client memory and client eviction over TCP: CLIENT LIST qbuf/qbuf-free/tot-mem
// as Redis 7.0 counts them, client-query-buffer-limit, maxmemory-clients and CLIENT NO-EVICT.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { startServer, RespiteServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';

/** A field of the CLIENT LIST line of the client named `name`. */
async function field(s: RespiteServer, name: string, f: string): Promise<number | null> {
  const list = String(await s.call('CLIENT', 'LIST'));
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  if (line === undefined) return null;
  return Number(new RegExp(` ${f}=(\\d+)`).exec(line)![1]);
}

function assertOk(r: unknown): void {
  assert.equal((r as { value: string }).value, 'OK');
}

async function named(s: RespiteServer, name: string): Promise<RespClient> {
  const c = await RespClient.connect(s.port);
  assertOk(await c.call('CLIENT', 'SETNAME', name));
  return c;
}

/** Sends the start of a command whose one argument of `size` bytes never completes. */
function partialBulk(c: RespClient, size: number): void {
  c.write(Buffer.concat([Buffer.from(`*2\r\n$${size}\r\n`), Buffer.alloc(size, 'v')]));
}

async function until(cond: () => Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('qbuf and qbuf-free follow Redis: 16 KiB read buffer, big arguments, shrink when idle', async () => {
  const s = await startServer({ port: 0 });
  const c = await named(s, 'q');
  try {
    // As redis-server 7.0 reports a fresh client running CLIENT LIST: qbuf=26 qbuf-free=20448.
    const self = String(await c.call('CLIENT', 'LIST'));
    assert.match(self, / qbuf=26 qbuf-free=20448 argv-mem=10 .* tot-mem=37658 /);
    const size = (await field(s, 'q', 'qbuf'))! + (await field(s, 'q', 'qbuf-free'))!;
    assert.ok(size >= 16384 && size < 32768, `${size}`);
    // A 400 KB argument gets a buffer of its size, kept after the command.
    await c.call('SET', 'x', 'A'.repeat(400000));
    assert.ok((await field(s, 'q', 'qbuf-free'))! > 32768);
    // Idle more than 2 s: the cron gives the room back.
    s.clock.advance(3000);
    await until(async () => (await field(s, 'q', 'qbuf-free')) === 0, 'the idle query buffer to shrink');
  } finally {
    c.close();
    await s.close();
  }
});

test('client-query-buffer-limit closes a client whose unparsed input passes it', async () => {
  const lines: string[] = [];
  const s = await startServer({ port: 0, log: (l: string) => lines.push(l) } as never);
  await s.call('CONFIG', 'SET', 'client-query-buffer-limit', '1mb');
  const c = await named(s, 'big');
  try {
    partialBulk(c, 2 * 1024 * 1024);
    await c.waitClose();
    assert.equal(await field(s, 'big', 'qbuf'), null);
    assert.ok(lines.some((l) => l.includes('Closing client that reached max query buffer length') && l.includes('name=big')), lines.join('\n'));
    // Under the limit nothing happens.
    const ok = await named(s, 'ok');
    partialBulk(ok, 512 * 1024);
    await until(async () => (await field(s, 'ok', 'qbuf')) === 512 * 1024, 'the partial argument');
    ok.close();
  } finally {
    c.close();
    await s.close();
  }
});

test('maxmemory-clients evicts the biggest clients, spares NO-EVICT ones, counts evicted_clients', async () => {
  const s = await startServer({ port: 0 });
  const small = await named(s, 'small');
  const big = await named(s, 'big');
  const kept = await named(s, 'kept');
  try {
    assertOk(await kept.call('CLIENT', 'NO-EVICT', 'on'));
    partialBulk(kept, 3 * 1024 * 1024);
    partialBulk(big, 2 * 1024 * 1024);
    partialBulk(small, 200 * 1024);
    await until(async () => (await field(s, 'big', 'qbuf')) === 2 * 1024 * 1024, 'big qbuf');
    await until(async () => (await field(s, 'kept', 'qbuf')) === 3 * 1024 * 1024, 'kept qbuf');
    await until(async () => (await field(s, 'small', 'qbuf')) === 200 * 1024, 'small qbuf');
    assert.ok((await field(s, 'big', 'tot-mem'))! > 2 * 1024 * 1024);
    // The limit is passed: the biggest evictable client goes, the small one stays.
    await s.call('CONFIG', 'SET', 'maxmemory-clients', String(4 * 1024 * 1024));
    // Eviction happens before the next command of any client.
    const probe = await RespClient.connect(s.port);
    await probe.call('PING');
    await big.waitClose();
    assert.equal(await field(s, 'kept', 'qbuf'), 3 * 1024 * 1024);
    assert.equal(await field(s, 'small', 'qbuf'), 200 * 1024);
    assert.match(String(await s.call('INFO', 'stats')), /evicted_clients:1\r\n/);
    probe.close();
  } finally {
    for (const c of [small, big, kept]) c.close();
    await s.close();
  }
});

test('a client piling up pattern subscriptions is evicted under maxmemory-clients', async () => {
  const s = await startServer({ port: 0 });
  await s.call('CONFIG', 'SET', 'maxmemory-clients', '200000');
  const sock = net.createConnection({ port: s.port, host: '127.0.0.1' });
  await new Promise((r) => sock.once('connect', r));
  const c = new RespClient(sock);
  try {
    let closed = false;
    // About 7000 patterns pass 200000 bytes: sent in pipelined batches.
    for (let j = 0; j < 200000 && !closed; j += 500) {
      const batch: Promise<unknown>[] = [];
      for (let k = j; k < j + 500; k++) batch.push(c.call('PSUBSCRIBE', String(k)));
      await Promise.all(batch).catch(() => (closed = true));
    }
    assert.ok(closed, 'the subscriber was never evicted');
  } finally {
    c.close();
    await s.close();
  }
});
