// Pub/sub fan-out with socket.io and @socket.io/redis-adapter: every socket.io server PUBLISHes
// what it broadcasts to a Redis channel and PSUBSCRIBEs to the others', so a message emitted on
// one server reaches the clients connected to any of them (rooms included). Requests between
// servers (fetchSockets, serverSideEmit) go over request/response channels the same way.
//
//   node examples/pubsub-fanout/app.mjs            # an embedded respite, a short demo
//   REDIS_URL=redis://127.0.0.1:6379 node examples/pubsub-fanout/app.mjs
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { startServer } from 'respite';

/**
 * One socket.io server on a free port with the Redis adapter. Clients `join` rooms and `chat` to a
 * room; the server relays chat to the room on every server.
 */
export async function createChatServer({ redisUrl }) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate(); // a subscribed connection can run nothing else
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pub, sub) });

  io.on('connection', (socket) => {
    socket.on('join', (room, ack) => {
      socket.join(room);
      ack?.('joined');
    });
    socket.on('chat', ({ room, text }) => io.to(room).emit('chat', { room, text, from: socket.id }));
  });

  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    io,
    url: `http://127.0.0.1:${http.address().port}`,
    close: async () => {
      await new Promise((resolve) => io.close(resolve)); // closes the HTTP server and the clients
      // QUIT after the adapter's own UNSUBSCRIBE/PUNSUBSCRIBE replies, rather than cutting them off.
      await Promise.all([pub.quit(), sub.quit()]);
    },
  };
}

/** A socket.io client connected to `url` that has joined `room`. */
export async function joinedClient(url, room) {
  const socket = connectClient(url, { transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  await socket.emitWithAck('join', room);
  return socket;
}

/** The demo: `node examples/pubsub-fanout/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const server = process.env.REDIS_URL ? null : await startServer({ port: 0 });
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${server.port}`;
  const a = await createChatServer({ redisUrl });
  const b = await createChatServer({ redisUrl });
  const onA = await joinedClient(a.url, 'lobby');
  const onB = await joinedClient(b.url, 'lobby');
  try {
    const received = new Promise((resolve) => onB.once('chat', resolve));
    onA.emit('chat', { room: 'lobby', text: 'hello from server A' });
    log('a client of server B received:', (await received).text);
    log('sockets in the lobby, seen from server A:', (await a.io.in('lobby').fetchSockets()).length);
  } finally {
    onA.disconnect();
    onB.disconnect();
    await a.close();
    await b.close();
    await server?.close();
  }
}

// Run only as a program, not when imported (no top-level await: tests require() this module).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
