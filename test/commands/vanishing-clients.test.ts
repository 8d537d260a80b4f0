// Clients that vanish: a connection that ends (FIN or reset) frees its client at once, so a push,
// a stream entry or a message that follows right behind is never handed to it. Raw sockets close
// while blocked; a producer on another connection writes immediately after (its bytes reach the
// server after the closed client's FIN or RST). Before the fix the client was freed on 'close', a
// turn later, and most elements went to the dead client.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { startServer, RespiteServer } from '../../src/index';
import { encodeCommand } from '../../src/resp/reply-parser';
import { RespClient } from '../helpers/resp-client';

const ROUNDS = 8;

function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

async function blockedClients(s: RespiteServer): Promise<number> {
  const info = String(await s.call('INFO', 'clients'));
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

async function waitBlocked(s: RespiteServer, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await blockedClients(s)) === n) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`never saw ${n} blocked clients`);
}

/** Ends the socket the two ways a peer can: an orderly close (FIN) or a reset (RST). */
function vanish(sock: net.Socket, how: 'fin' | 'rst'): void {
  if (how === 'rst') sock.resetAndDestroy();
  else sock.destroy();
}

interface Case {
  name: string;
  setup?: (string | number)[][];
  block: (string | number)[];
  push: (string | number)[];
  /** What the producer must find afterwards when nothing went to the closed client. */
  check: (string | number)[];
  want: unknown;
  /** Compare only the first element of the reply (XPENDING's count). */
  first?: boolean;
}

const CASES: Case[] = [
  { name: 'BLPOP', block: ['BLPOP', 'q', 0], push: ['RPUSH', 'q', 'x'], check: ['LLEN', 'q'], want: 1 },
  { name: 'BRPOP', block: ['BRPOP', 'q', 0], push: ['RPUSH', 'q', 'x'], check: ['LLEN', 'q'], want: 1 },
  { name: 'BLMOVE', block: ['BLMOVE', 'q', 'd', 'LEFT', 'RIGHT', 0], push: ['RPUSH', 'q', 'x'], check: ['LLEN', 'q'], want: 1 },
  { name: 'BRPOPLPUSH', block: ['BRPOPLPUSH', 'q', 'd', 0], push: ['RPUSH', 'q', 'x'], check: ['LLEN', 'q'], want: 1 },
  { name: 'BLMPOP', block: ['BLMPOP', 0, 1, 'q', 'LEFT'], push: ['RPUSH', 'q', 'x'], check: ['LLEN', 'q'], want: 1 },
  { name: 'BZPOPMIN', block: ['BZPOPMIN', 'z', 0], push: ['ZADD', 'z', 1, 'a'], check: ['ZCARD', 'z'], want: 1 },
  { name: 'BZPOPMAX', block: ['BZPOPMAX', 'z', 0], push: ['ZADD', 'z', 1, 'a'], check: ['ZCARD', 'z'], want: 1 },
  { name: 'BZMPOP', block: ['BZMPOP', 0, 1, 'z', 'MAX'], push: ['ZADD', 'z', 1, 'a'], check: ['ZCARD', 'z'], want: 1 },
  {
    name: 'XREADGROUP BLOCK',
    setup: [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']],
    block: ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>'],
    push: ['XADD', 's', '*', 'f', 'v'],
    // Nothing pending: the entry was not delivered to the dead consumer.
    check: ['XPENDING', 's', 'g'],
    want: 0,
    first: true,
  },
  {
    name: 'XREAD BLOCK',
    block: ['XREAD', 'BLOCK', 0, 'STREAMS', 's', '$'],
    push: ['XADD', 's', '*', 'f', 'v'],
    check: ['XLEN', 's'],
    want: 1,
  },
];

for (const how of ['fin', 'rst'] as const) {
  test(`blocked clients that vanish (${how}) are never served: every blocking command`, async () => {
    const s = await startServer({ port: 0 });
    const producer = await RespClient.connect(s.port);
    try {
      for (const c of CASES) {
        for (let i = 0; i < ROUNDS; i++) {
          await producer.call('FLUSHALL');
          for (const cmd of c.setup ?? []) await producer.call(...cmd);
          const worker = await rawConnect(s.port);
          worker.on('error', () => {});
          worker.write(encodeCommand(c.block));
          await waitBlocked(s, 1);
          vanish(worker, how);
          // No delay: the push follows the close on the wire.
          await producer.call(...c.push);
          const got = await producer.call(...c.check);
          assert.deepEqual(c.first ? (got as unknown[])[0] : got, c.want, `${c.name} round ${i}: handed to a closed client`);
          assert.equal(await blockedClients(s), 0, `${c.name}: still blocked after its connection ended`);
        }
      }
      // BLMOVE/BRPOPLPUSH never moved anything into the destination of a dead client.
      assert.equal(await producer.call('EXISTS', 'd'), 0);
    } finally {
      producer.close();
      await s.close();
    }
  });
}

test('a subscriber that vanishes is not counted by the PUBLISH that follows', async () => {
  const s = await startServer({ port: 0 });
  const producer = await RespClient.connect(s.port);
  try {
    for (const how of ['fin', 'rst'] as const) {
      for (let i = 0; i < ROUNDS; i++) {
        for (const sub of [['SUBSCRIBE', 'ch'], ['PSUBSCRIBE', 'c*'], ['SSUBSCRIBE', 'ch']]) {
          const c = await RespClient.connect(s.port);
          await c.call(...sub);
          vanish((c as unknown as { socket: net.Socket }).socket, how);
          const publish = sub[0] === 'SSUBSCRIBE' ? 'SPUBLISH' : 'PUBLISH';
          assert.equal(await producer.call(publish, 'ch', 'm'), 0, `${sub[0]} ${how} round ${i}`);
        }
      }
    }
  } finally {
    producer.close();
    await s.close();
  }
});

test('WAIT, MONITOR, WATCH and tracking are dropped as soon as the connection ends', async () => {
  const s = await startServer({ port: 0 });
  const producer = await RespClient.connect(s.port);
  try {
    // WAIT with no replicas blocks until its timeout.
    const waiter = await rawConnect(s.port);
    waiter.write(encodeCommand(['WAIT', 1, 0]));
    await waitBlocked(s, 1);
    waiter.destroy();
    assert.match(String(await producer.call('INFO', 'clients')), /blocked_clients:0\r\n/);

    const monitor = await RespClient.connect(s.port);
    await monitor.call('MONITOR');
    const watcher = await RespClient.connect(s.port);
    await watcher.call('WATCH', 'k');
    const tracker = await RespClient.connect(s.port);
    await tracker.call('CLIENT', 'TRACKING', 'on', 'BCAST');
    for (const c of [monitor, watcher, tracker]) (c as unknown as { socket: net.Socket }).socket.destroy();
    await producer.call('SET', 'k', 'v');
    const list = String(await producer.call('CLIENT', 'LIST'));
    assert.equal(list.trim().split('\n').length, 2, list);
    const info = String(await producer.call('INFO', 'clients'));
    // The producer and the embedded API's own client.
    assert.match(info, /connected_clients:2\r\n/);
    assert.match(info, /tracking_clients:0\r\n/);
  } finally {
    producer.close();
    await s.close();
  }
});

test('a peer that half-closes after a command still gets the reply, then its client is freed', async () => {
  for (const appendonly of ['no', 'yes']) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-vanish-'));
    const s = await startServer({ port: 0, appendonly, dir });
    try {
      const sock = await rawConnect(s.port);
      const got: Buffer[] = [];
      sock.on('data', (d) => got.push(d));
      sock.end(encodeCommand(['SET', 'k', 'v']));
      await new Promise((r) => sock.on('close', r));
      assert.equal(Buffer.concat(got).toString('latin1'), '+OK\r\n', `appendonly ${appendonly}`);
      assert.equal(await s.call('GET', 'k'), 'v');
      // Only the embedded API's own client is left.
      assert.match(String(await s.call('INFO', 'clients')), /connected_clients:1\r\n/);
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
