// examples/pubsub-fanout: two socket.io servers joined by @socket.io/redis-adapter over one
// embedded respite; a message emitted on one reaches the clients of the other.
import { test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { useRespite } from 'respite/testing';
import { captureMain, loadExample } from '../helpers/examples';

interface ChatServer {
  io: Server;
  url: string;
  close(): Promise<void>;
}
interface PubsubExample {
  createChatServer(o: { redisUrl: string }): Promise<ChatServer>;
  joinedClient(url: string, room: string): Promise<Socket>;
  main(log: (...args: unknown[]) => void): Promise<void>;
}
interface Chat {
  room: string;
  text: string;
  from: string;
}

const ex = loadExample<PubsubExample>('pubsub-fanout', 'app.mjs');
const redis = useRespite();
const T = { timeout: 60_000 }; // generous: a loaded machine, not a speed check

/** Two socket.io servers on the file's respite, closed when the test ends (before the respite). */
async function twoServers(t: TestContext): Promise<[ChatServer, ChatServer]> {
  const a = await ex.createChatServer({ redisUrl: redis.url });
  const b = await ex.createChatServer({ redisUrl: redis.url });
  t.after(async () => {
    await a.close();
    await b.close();
  });
  return [a, b];
}

async function client(t: TestContext, server: ChatServer, room: string): Promise<Socket> {
  const s = await ex.joinedClient(server.url, room);
  t.after(() => s.disconnect());
  return s;
}

/** Every `event` message the socket receives from now on. */
function inbox<T>(s: Socket, event: string): T[] {
  const got: T[] = [];
  s.on(event, (m: T) => got.push(m));
  return got;
}

function next<T>(s: Socket, event: string): Promise<T> {
  return new Promise((resolve) => s.once(event, resolve));
}

test('a chat message sent through server A reaches the room on both servers, and only the room', T, async (t) => {
  const [a, b] = await twoServers(t);
  const aliceOnA = await client(t, a, 'lobby');
  const bobOnB = await client(t, b, 'lobby');
  const carolOnB = await client(t, b, 'kitchen');
  const carolGot = inbox<Chat>(carolOnB, 'chat');
  const toBob = next<Chat>(bobOnB, 'chat');
  const toAlice = next<Chat>(aliceOnA, 'chat');
  aliceOnA.emit('chat', { room: 'lobby', text: 'hello from A' });
  assert.deepEqual(await toBob, { room: 'lobby', text: 'hello from A', from: aliceOnA.id });
  assert.deepEqual(await toAlice, { room: 'lobby', text: 'hello from A', from: aliceOnA.id });
  // A message to the kitchen, sent on A after the lobby one: the first thing carol gets.
  const toCarol = next<Chat>(carolOnB, 'chat');
  aliceOnA.emit('chat', { room: 'kitchen', text: 'dinner' });
  assert.equal((await toCarol).text, 'dinner');
  assert.deepEqual(carolGot.map((m) => m.text), ['dinner'], 'the lobby message did not reach the kitchen');
});

test('server-side broadcasts, fetchSockets and serverCount span both servers', T, async (t) => {
  const [a, b] = await twoServers(t);
  const onB = await client(t, b, 'news');
  const onA = await client(t, a, 'news');
  const gotB = next<string>(onB, 'headline');
  const gotA = next<string>(onA, 'headline');
  a.io.to('news').emit('headline', 'respite ships examples');
  assert.equal(await gotB, 'respite ships examples');
  assert.equal(await gotA, 'respite ships examples');
  const seenFromA = await a.io.in('news').fetchSockets();
  assert.deepEqual(seenFromA.map((s) => s.id).sort(), [onA.id, onB.id].sort());
  assert.equal(await a.io.of('/').adapter.serverCount(), 2);
  // The adapter's traffic is plain Redis pub/sub: both servers PSUBSCRIBE to one pattern for
  // broadcasts and SUBSCRIBE to the request channel that serverCount() counts with PUBSUB NUMSUB.
  assert.equal(await redis.call('PUBSUB', 'NUMPAT'), 1);
  assert.deepEqual(await redis.call('PUBSUB', 'NUMSUB', 'socket.io-request#/#'), ['socket.io-request#/#', 2]);
});

test('the demo', T, async () => {
  const out = await captureMain(ex.main);
  assert.match(out, /a client of server B received: hello from server A/);
  assert.match(out, /sockets in the lobby, seen from server A: 2/);
});
