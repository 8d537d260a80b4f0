// Accepts TCP connections for a Server on each bind address. The TLS port uses one too, with an
// `upgrade` step that runs the handshake before the socket becomes a client (tls-listener.ts).
import * as net from 'node:net';
import type { Server } from '../engine/server';
import { Connection } from './connection';

export class Listener {
  private servers: net.Server[] = [];
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
      const srv = net.createServer({ noDelay: true }, (socket) => (this.upgrade !== null ? this.upgrade(socket) : this.adopt(socket)));
      srv.once('error', reject);
      srv.listen({ port, host, backlog, ipv6Only: host.includes(':') }, () => {
        srv.off('error', reject);
        this.servers.push(srv);
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  /** Makes a client of a connected stream (a TCP socket, or a TLS socket past its handshake). */
  adopt(socket: net.Socket): void {
    const srv = this.server;
    if (srv.clients.size >= srv.maxClients) {
      srv.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      socket.on('error', () => {});
      return;
    }
    srv.stats.totalConnections++;
    const conn = new Connection(srv, socket);
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
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}
