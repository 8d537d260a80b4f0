// One TCP connection: bytes in -> parser -> dispatcher -> writer -> one socket write per read
// event. The only place (with listener.ts) that touches sockets.
import { ReplyBuffer } from '../engine/reply-buffer';
import type * as net from 'node:net';
import { Client } from '../engine/client';
import { dispatch } from '../engine/dispatcher';
import type { Server } from '../engine/server';
import { protocolError } from '../errors';
import { ProtocolError, RespParser } from '../resp/parser';
import { SoftLimitState, closeForOutputLimits, limitClass, overOutputLimits } from './output-limits';
import { clientInfoString } from '../commands/client';
import { repr } from '../engine/monitor';
import { readIntoSharedBuffer } from './shared-read-buffer';
import { ClientMemory, MemoryTracked, clientMemory, queuedMemory } from './client-memory';
import { QueryBufferModel } from './query-buffer';
import type { QueuedCommand } from '../engine/client';

/** Stop reading from a client whose unread replies pile up past this (resumed on drain). */
const OUTPUT_HIGH_WATER = 64 * 1024 * 1024;
/** Reply bytes Redis keeps in its fixed per-client buffer, outside the output limits. */
const REPLY_BUFFER_FREE = 16 * 1024;

/** client-query-buffer-limit cannot be set below 1 MiB: under it there is nothing to look up. */
const MIN_QUERY_BUFFER_LIMIT = 1024 * 1024;

export class Connection implements MemoryTracked {
  readonly client: Client;
  private readonly parser: RespParser;
  private readingPaused = false;
  private readonly softLimit: SoftLimitState = { softSince: 0 };
  /** The query buffer Redis would have (qbuf, qbuf-free, tot-mem). */
  private readonly queryBuffer = new QueryBufferModel();
  private readonly memory: ClientMemory;
  /** Memory counted for this client in the server's total (see ClientMemory). */
  counted = 0;
  // Queued MULTI commands already summed (the queue only grows until EXEC/DISCARD replaces it).
  private multiSeen: QueuedCommand[] | null = null;
  private multiCounted = 0;
  private multiBytes = 0;
  private readonly encrypted: boolean;

  constructor(
    private readonly server: Server,
    private readonly socket: net.Socket,
    /** The unixsocket path, for a connection made there. */
    unixPath: string | null = null,
  ) {
    const c = new Client(server, 'tcp');
    this.encrypted = (socket as { encrypted?: boolean }).encrypted === true;
    this.client = c;
    if (unixPath !== null) {
      // As Redis: both addresses are the socket's path with port 0, and the client has flag U.
      c.unixSocket = true;
      c.addr = c.laddr = `${unixPath}:0`;
    } else {
      c.addr = formatAddr(socket.remoteAddress, socket.remotePort);
      c.laddr = formatAddr(socket.localAddress, socket.localPort);
    }
    c.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    c.replyBuffer = new ReplyBuffer();
    this.parser = new RespParser({
      get maxBulkLen() {
        return server.protoMaxBulkLen;
      },
      authRequired: () => !c.authenticated,
    });
    c.onClose = () => {
      this.memory.remove(this);
      this.socket.destroy();
    };
    c.memoryUsage = (argv) => this.memoryUsage(argv);
    c.transportPendingBytes = () => this.socket.writableLength;
    c.onAsyncOutput = () => this.resume();
    c.checkOutputLimits = () => this.checkOutputLimits();
    c.outputHardLimit = () => limitClass(server, c).hard;
    socket.setNoDelay(true);
    if (!readIntoSharedBuffer(socket, (chunk) => this.onData(chunk))) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // The client is freed as soon as its connection ends, as Redis frees it on a read of 0 bytes
    // or an error: 'end' and 'error' come within the same turn, 'close' a turn or more later, and
    // in between a push or a message could be handed to a client nobody listens to any more.
    socket.on('end', () => this.onPeerEnd());
    socket.on('error', () => c.close());
    socket.on('close', () => c.close());
    socket.on('drain', () => {
      if (this.readingPaused) {
        this.readingPaused = false;
        socket.resume();
      }
    });
    server.addClient(c);
    this.memory = server.clientMemory ??= new ClientMemory(server);
    this.memory.add(this);
  }

  /**
   * The peer closed (or half-closed) its side: the client is freed now. Replies to what it sent
   * before are still written first (Redis writes them before it reads the end of the stream);
   * with the AOF on they wait for the AOF write, so the group commit runs early.
   */
  private onPeerEnd(): void {
    const c = this.client;
    if (c.closed) return;
    if (c.writer.pending > 0) {
      if (this.server.holdReplies) this.server.flushPending();
      else this.flush();
    }
    c.close();
  }

  private onData(chunk: Buffer): void {
    const raw = this.client.rawInput;
    if (raw !== null) {
      // A Lua debugger session reads the connection (the chunk may be the shared read buffer).
      this.server.stats.netInputBytes += chunk.length;
      raw(Buffer.from(chunk));
      return;
    }
    // Closing after a reply: what arrives meanwhile is never read (Redis stops reading too).
    if (this.client.closeAfterReply) return;
    this.server.stats.netInputBytes += chunk.length;
    // Once per read, as Redis does: a clock read per command is measurable at high rates.
    this.client.lastInteraction = this.server.clock.now();
    const parser = this.parser;
    const before = parser.buffered;
    const bulkLen = parser.pendingBulkLen;
    const qb = this.queryBuffer;
    const readlen = qb.beforeRead(before, bulkLen >= 0 ? bulkLen + 2 - before : 0);
    this.client.queryBufferAlloc = qb.alloc;
    parser.feed(chunk);
    this.process();
    // The chunk may be the shared read buffer: keep a copy of what is left unparsed.
    parser.detach();
    const c = this.client;
    if (c.closed) return;
    const left = parser.buffered;
    qb.afterRead(before, chunk.length, readlen, left, parser.pendingBulkLen);
    c.queryBufferBytes = left;
    c.queryBufferAlloc = qb.alloc;
    if (left > MIN_QUERY_BUFFER_LIMIT && left > this.server.config.int('client-query-buffer-limit')) {
      this.closeForQueryBufferLimit();
      return;
    }
    if (this.memory.limit !== 0) {
      this.updateMemory();
      this.memory.evictIfNeeded();
    }
  }

  /** Redis closes a client whose unparsed input passes client-query-buffer-limit, and logs it. */
  private closeForQueryBufferLimit(): void {
    const c = this.client;
    this.server.log.warning(`Closing client that reached max query buffer length: ${clientInfoString(c, null, null)} (qbuf initial bytes: ${repr(this.parser.preview(64))})`);
    c.close();
  }

  /** The client's memory as Redis counts it (tot-mem); `argv` = the running command's bytes. */
  private memoryUsage(argv: number): number {
    return clientMemory(this.client, this.outputBytes, this.queryBuffer.mallocSize, argv, this.multiMemory());
  }

  private multiMemory(): number {
    const m = this.client.multi;
    if (m === null) {
      this.multiSeen = null;
      return 0;
    }
    if (m !== this.multiSeen || m.length < this.multiCounted) {
      this.multiSeen = m;
      this.multiCounted = 0;
      this.multiBytes = 0;
    }
    for (; this.multiCounted < m.length; this.multiCounted++) this.multiBytes += queuedMemory(m[this.multiCounted].argv);
    return this.multiBytes;
  }

  /** Counts the client's memory in the server's total (only while maxmemory-clients is on). */
  updateMemory(): void {
    if (this.memory.limit !== 0 && !this.client.closed) this.memory.update(this, this.memoryUsage(0));
  }

  /** The cron's pass: the query buffer shrinks as Redis's would, then memory is counted again. */
  cronPass(): void {
    const c = this.client;
    this.queryBuffer.cronResize(Math.floor((this.server.clock.now() - c.lastInteraction) / 1000), this.parser.pendingBulkLen);
    c.queryBufferAlloc = this.queryBuffer.alloc;
    this.updateMemory();
  }

  /** Runs buffered commands until the buffer is empty or the client must wait. */
  private process(): void {
    const srv = this.server;
    // call() chains command timings through batchClock (one clock read per command).
    srv.batchClock = performance.now();
    try {
      this.runCommands();
    } finally {
      srv.batchClock = -1;
    }
    // AOF on: replies leave after the AOF write (and fsync with appendfsync always), done once
    // for every client served in this event-loop turn (group commit, like Redis's beforeSleep).
    if (srv.holdReplies) srv.markPendingOutput(this.client);
    else this.flush();
  }

  private runCommands(): void {
    const c = this.client;
    const parser = this.parser;
    while (!c.blocked && !c.closeAfterReply && !c.closed) {
      const argv = parser.next();
      if (argv === null) break;
      if (argv instanceof ProtocolError) {
        this.server.log.verbose(`Protocol error (${argv.reason}) from client: id=${c.id} addr=${c.addr}`);
        c.writer.error(protocolError(argv.reason));
        c.closeAfterReply = true;
        break;
      }
      c.queryBufferBytes = parser.buffered;
      // maxmemory-clients: clients over the limit are closed before the next command runs
      // (this one included), as Redis's processCommand does.
      const mem = this.memory;
      if (mem.limit !== 0 && mem.total >= mem.limit) {
        mem.evictIfNeeded();
        if (c.closed) break;
      }
      dispatch(c, argv);
      // Replies past the output limit close the client before any of them is sent, and the
      // commands after it in the pipeline do not run (Redis's CLIENT_CLOSE_ASAP). Below 16 KiB
      // (Redis's per-client reply buffer, not counted) there is nothing to check.
      if (c.writer.pending > REPLY_BUFFER_FREE) {
        this.checkOutputLimits();
        if (c.closed) break;
      }
    }
  }

  /** Called when a blocked client is served or output was produced by others. */
  private resume(): void {
    if (this.client.closed) return;
    if (!this.client.blocked && this.parser.buffered > 0) this.process();
    else this.flush();
    this.updateMemory();
  }

  private flush(): void {
    const c = this.client;
    // Over the limit with what is about to be written: closed, and none of it is sent.
    if (c.writer.pending > REPLY_BUFFER_FREE) {
      this.checkOutputLimits();
      if (c.closed) return;
    }
    const out = c.writer.take();
    if (out !== null && !this.socket.destroyed) {
      this.server.stats.netOutputBytes += out.length;
      c.replyBuffer!.record(out.length);
      const ok = this.socket.write(out);
      // Written out within the call (nothing left queued): the writer may reuse its slab. A TLS
      // socket may still be encrypting from it, so it keeps the default of a fresh region.
      if (this.socket.writableLength === 0 && !this.encrypted) c.writer.release();
      if (!ok && this.socket.writableLength > OUTPUT_HIGH_WATER && !this.readingPaused) {
        this.readingPaused = true;
        this.socket.pause();
      }
    }
    this.checkOutputLimits();
    // Close once the reply is out, fully as Redis does: a half-close (end() alone) would leave a
    // client that keeps writing (after a protocol error) talking to a socket that never ends.
    // The 'close' event then releases the client.
    if (c.closeAfterReply && !this.socket.writableEnded) {
      const socket = this.socket;
      socket.end(() => socket.destroy());
    }
  }

  /**
   * client-output-buffer-limit: called after each flush, on every pushed message and from the
   * cron (soft limits expire without new output). Over the limit, the client is closed at once.
   */
  private checkOutputLimits(): void {
    const c = this.client;
    if (c.closed) return;
    const used = this.outputBytes;
    if (used === 0 && this.softLimit.softSince === 0) return;
    if (overOutputLimits(c, used, this.softLimit)) closeForOutputLimits(c);
    // Pushed messages and replies grow the client (Redis updates it as they are added).
    else this.updateMemory();
  }

  /** Bytes waiting to be sent (CLIENT LIST omem). */
  get outputBytes(): number {
    return this.socket.writableLength + this.client.writer.pending;
  }
}

function formatAddr(host: string | undefined, port: number | undefined): string {
  if (!host) return '';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
