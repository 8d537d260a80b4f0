// client-output-buffer-limit: a subscriber that stops reading is disconnected (hard limit at
// once, soft limit after its seconds), the publisher keeps being served and memory stays bounded.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { startServer, RespiteServer } from '../../src/index';
import { encodeCommand } from '../../src/resp/reply-parser';
import { RespClient } from '../helpers/resp-client';

/** A raw subscriber: subscribes, reads the confirmation, then stops reading its socket. */
async function stalledSubscriber(port: number, channel: string): Promise<net.Socket> {
  const sock = net.createConnection({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.on('error', () => {});
  sock.write(encodeCommand(['SUBSCRIBE', channel]));
  await new Promise<void>((resolve) => sock.once('data', () => resolve()));
  sock.pause();
  return sock;
}

async function numsub(s: RespiteServer, channel: string): Promise<number> {
  const r = (await s.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return r[1];
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** Publishes `count` messages of `size` bytes in pipelined batches; returns every reply. */
async function publishMany(pub: RespClient, channel: string, count: number, size: number): Promise<number[]> {
  const payload = Buffer.alloc(size, 'x');
  const replies: number[] = [];
  for (let sent = 0; sent < count; ) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 25 && sent < count; i++, sent++) batch.push(pub.call('PUBLISH', channel, payload));
    for (const r of await Promise.all(batch)) replies.push(r as number);
  }
  return replies;
}

test('hard limit: a subscriber that stops reading is disconnected, memory stays bounded', async () => {
  const lines: string[] = [];
  const s = await startServer({ port: 0, log: (l: string) => lines.push(l) } as never);
  await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 2mb 1mb 60');
  const sub = await stalledSubscriber(s.port, 'ch');
  const pub = await RespClient.connect(s.port);
  try {
    assert.equal(await numsub(s, 'ch'), 1);
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    // 300 MB offered to a subscriber that reads nothing.
    const replies = await publishMany(pub, 'ch', 3000, 100_000);
    const rssGrowth = process.memoryUsage().rss - rss0;
    assert.equal(replies.length, 3000, 'the publisher got every reply');
    assert.equal(replies[0], 1);
    assert.equal(replies[replies.length - 1], 0, 'nobody is subscribed any more');
    assert.equal(await numsub(s, 'ch'), 0);
    assert.ok(rssGrowth < 150 * 1024 * 1024, `rss grew by ${(rssGrowth / 1048576).toFixed(1)} MB`);
    assert.ok(
      lines.some((l) => /Client id=\d+ addr=127\.0\.0\.1:\d+ .* scheduled to be closed ASAP for overcoming of output buffer limits\./.test(l)),
      'logged like Redis',
    );
    // The subscriber sees the connection end once it reads again.
    sub.resume();
    await new Promise<void>((resolve) => (sub.destroyed ? resolve() : sub.once('close', () => resolve())));
  } finally {
    sub.destroy();
    pub.close();
    await s.close();
  }
});

test('soft limit: disconnected only after staying over it for the given seconds', async () => {
  const s = await startServer({ port: 0 });
  await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 512kb 5');
  s.clock.freeze();
  const sub = await stalledSubscriber(s.port, 'ch');
  const pub = await RespClient.connect(s.port);
  try {
    // Enough to fill the kernel's socket buffers and go over 512 KB in the server.
    const replies = await publishMany(pub, 'ch', 400, 100_000);
    assert.ok(replies.every((n) => n === 1), 'still subscribed while within the soft seconds');
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(await numsub(s, 'ch'), 1);
    s.clock.advance(5000);
    // The cron notices without any further output.
    assert.ok(await waitFor(async () => (await numsub(s, 'ch')) === 0, 2000), 'closed after the soft seconds');
    assert.equal(await pub.call('PUBLISH', 'ch', 'x'), 0);
  } finally {
    sub.destroy();
    pub.close();
    await s.close();
  }
});

test('soft limit: the timer restarts when the output drains below it', async () => {
  const s = await startServer({ port: 0 });
  await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 512kb 5');
  s.clock.freeze();
  const sub = await stalledSubscriber(s.port, 'ch');
  const pub = await RespClient.connect(s.port);
  try {
    await publishMany(pub, 'ch', 400, 100_000);
    // The subscriber reads everything: the output drains, the soft-limit timer resets.
    sub.resume();
    let received = 0;
    sub.on('data', (d: Buffer) => (received += d.length));
    assert.ok(await waitFor(async () => received >= 400 * 100_000, 5000), 'subscriber drained its output');
    s.clock.advance(10_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await numsub(s, 'ch'), 1, 'a client that caught up stays connected');
  } finally {
    sub.destroy();
    pub.close();
    await s.close();
  }
});

test('normal clients: limits apply to pipelined replies nobody reads; 0 means no limit', async () => {
  const s = await startServer({ port: 0 });
  await s.call('SET', 'big', Buffer.alloc(200_000, 'v'));
  await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0');
  const sock = net.createConnection({ port: s.port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => sock.once('connect', resolve));
  sock.on('error', () => {});
  sock.pause();
  try {
    const before = s.server.clients.size;
    const get = encodeCommand(['GET', 'big']);
    for (let i = 0; i < 200; i++) sock.write(get);
    assert.ok(await waitFor(async () => s.server.clients.size === before - 1, 3000), 'the reader that does not read was closed');
    // Subscribers are not "normal" clients: the pubsub class (default 32mb 8mb 60) applies.
    assert.equal(await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0'), 'OK');
  } finally {
    sock.destroy();
    await s.close();
  }
});
