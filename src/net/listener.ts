// Accepts TCP connections for a Server on each bind address. The TLS port uses one too, with an
// `upgrade` step that runs the handshake before the socket becomes a client (tls-listener.ts).
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { nodeNet } from '../util/builtins';
import type { Server } from '../engine/server';
import { Connection } from './connection';

const MAX_CLIENTS = '-ERR max number of clients reached\r\n';

/** Redis 7.0's refusal, word for word: it is the only help a user sees from a remote host. */
const PROTECTED_MODE =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set ' +
  'for the default user. In this mode connections are only accepted from the loopback interface. ' +
  'If you want to connect from external computers to Redis you may adopt one of the following ' +
  "solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' " +
  'from the loopback interface by connecting to Redis from the same host the server is running, ' +
  'however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE ' +
  'to make this change permanent. 2) Alternatively you can just disable the protected mode by editing ' +
  "the Redis configuration file, and setting the protected mode option to 'no', and then restarting " +
  "the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' " +
  'option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of ' +
  'the above things in order for the server to start accepting connections from the outside.\r\n';

/** protected-mode applies while the default user has no password (nopass), whatever else is set. */
function isProtected(srv: Server): boolean {
  return srv.acl.defaultUser.nopass && srv.config.bool('protected-mode');
}

/** Redis's test is literal: only 127.0.0.1 and ::1 count (not the rest of 127.0.0.0/8). */
function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

/** Writes a best-effort error and closes the connection fully (not a half-close). */
function refuse(srv: Server, socket: net.Socket, text: string): void {
  srv.stats.rejectedConnections++;
  socket.on('error', () => {});
  socket.end(text, () => socket.destroy());
}

export class Listener {
  private servers: net.Server[] = [];
  /** The unixsocket listener (its path), apart from the TCP ones: port and bind changes leave it. */
  private unix: { server: net.Server; path: string } | null = null;
  /** Where it listens (what a failed relisten goes back to). */
  private current: { port: number; bind: string[] } = { port: 0, bind: [] };
  readonly connections = new Set<Connection>();

  constructor(
    private readonly server: Server,
    /** Takes accepted sockets instead of accept(); hands the client's stream to adopt(). */
    private readonly upgrade: ((raw: net.Socket) => void) | null = null,
  ) {}

  /** Where it listens now (port 0: nowhere). */
  get address(): { port: number; bind: string[] } {
    return this.current;
  }

  /** Listens on every address in `bind` ("127.0.0.1 -::1"; '-' marks an optional one). */
  async listen(port: number, bind: string[], backlog: number): Promise<number> {
    let bound = port;
    for (const spec of bind) {
      const optional = spec.startsWith('-');
      const host = optional ? spec.slice(1) : spec;
      const addr = host === '*' ? '0.0.0.0' : host === '::*' ? '::' : host;
      try {
        bound = await this.listenOne(bound, addr, backlog);
      } catch (e) {
        if (!optional) throw e;
      }
    }
    this.current = { port: bound, bind };
    return bound;
  }

  private listenOne(port: number, host: string, backlog: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = nodeNet().createServer({ noDelay: true }, (socket) => (this.upgrade !== null ? this.upgrade(socket) : this.adopt(socket)));
      srv.once('error', reject);
      srv.listen({ port, host, backlog, ipv6Only: host.includes(':') }, () => {
        srv.off('error', reject);
        this.servers.push(srv);
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  /**
   * unixsocket: listens at `path` (a stale socket file there is removed first, as Redis does),
   * with the file's mode set to `perm` when it is not 0 (unixsocketperm).
   */
  listenUnix(path: string, perm: number, backlog: number): Promise<void> {
    try {
      fs.unlinkSync(path);
    } catch {
      // Nothing there, or not ours to remove: listen reports what matters.
    }
    return new Promise((resolve, reject) => {
      const srv = nodeNet().createServer((socket) => {
        this.server.log.verbose(`Accepted connection to ${path}`);
        this.adopt(socket, path);
      });
      srv.once('error', reject);
      srv.listen({ path, backlog }, () => {
        srv.off('error', reject);
        try {
          if (perm !== 0) fs.chmodSync(path, perm);
        } catch (e) {
          srv.close();
          reject(e);
          return;
        }
        this.unix = { server: srv, path };
        resolve();
      });
    });
  }

  /**
   * Makes a client of a connected stream (a TCP socket, or a TLS socket past its handshake);
   * `unixPath` for a connection to the unix socket (local, so protected mode lets it in).
   */
  adopt(socket: net.Socket, unixPath: string | null = null): void {
    const srv = this.server;
    if (srv.clients.size >= srv.maxClients) {
      refuse(srv, socket, MAX_CLIENTS);
      return;
    }
    if (unixPath === null && isProtected(srv) && !isLoopback(socket.remoteAddress)) {
      refuse(srv, socket, PROTECTED_MODE);
      return;
    }
    srv.stats.totalConnections++;
    const conn = new Connection(srv, socket, unixPath);
    // A TLS socket has no descriptor of its own: CLIENT LIST shows the TCP socket's.
    const parent = (socket as { _parent?: { _handle?: { fd?: number } } })._parent;
    if (parent?._handle?.fd !== undefined) conn.client.fd = parent._handle.fd;
    this.connections.add(conn);
    socket.on('close', () => this.connections.delete(conn));
  }

  /**
   * CONFIG SET port/bind: listens at the new addresses; connected clients stay (port 0: none).
   * As Redis: a new port is bound before the old listeners close, so they stay on failure; new
   * bind addresses (which may overlap the old ones) after, and the old ones are bound again on
   * failure. Rejects with the listen error.
   */
  async relisten(port: number, bind: string[], backlog: number, closeFirst: boolean): Promise<number> {
    const old = this.servers;
    const was = this.current;
    this.servers = [];
    if (closeFirst || port === 0) for (const s of old) s.close();
    if (port === 0) {
      this.current = { port, bind };
      return 0;
    }
    try {
      const bound = await this.listen(port, bind, backlog);
      if (!closeFirst) for (const s of old) s.close();
      return bound;
    } catch (e) {
      for (const s of this.servers) s.close();
      this.servers = [];
      if (!closeFirst) this.servers = old;
      else if (was.port !== 0) await this.listen(was.port, was.bind, backlog).catch(() => {});
      this.current = was;
      throw e;
    }
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.client.close();
    const all = this.unix === null ? this.servers : [...this.servers, this.unix.server];
    // Closing a unix socket server removes its file.
    if (this.unix !== null) this.server.log.notice('Removing the unix socket file.');
    await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
    this.unix = null;
  }
}
