// Accepts TCP connections for a Server on each bind address.
import * as net from 'node:net';
import type { Server } from '../engine/server';
import { Connection } from './connection';

export class Listener {
  private servers: net.Server[] = [];
  readonly connections = new Set<Connection>();

  constructor(private readonly server: Server) {}

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
    return bound;
  }

  private listenOne(port: number, host: string, backlog: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      srv.once('error', reject);
      srv.listen({ port, host, backlog, ipv6Only: host.includes(':') }, () => {
        srv.off('error', reject);
        this.servers.push(srv);
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  private accept(socket: net.Socket): void {
    const srv = this.server;
    if (srv.clients.size >= srv.maxClients) {
      srv.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      socket.on('error', () => {});
      return;
    }
    srv.stats.totalConnections++;
    const conn = new Connection(srv, socket);
    this.connections.add(conn);
    socket.on('close', () => this.connections.delete(conn));
  }

  /** CONFIG SET port/bind: listens at the new addresses; connected clients stay (port 0: none). */
  async relisten(port: number, bind: string[], backlog: number): Promise<number> {
    const old = this.servers;
    this.servers = [];
    for (const s of old) s.close();
    return port === 0 ? 0 : this.listen(port, bind, backlog);
  }

  /**
   * CONFIG SET port/bind as Redis does it: the new sockets are bound and listening before the
   * reply (a client may connect to the new port as soon as it has the OK), and the old ones are
   * closed only then; if any required address fails, nothing changes and false is returned.
   * Returns null where this Node version offers no synchronous bind (then use relisten()).
   */
  relistenNow(port: number, bind: string[], backlog: number): boolean | null {
    const tcp = tcpWrap();
    if (tcp === null) return null;
    const handles: TcpHandle[] = [];
    if (port !== 0) {
      for (const spec of bind) {
        const optional = spec.startsWith('-');
        const host = optional ? spec.slice(1) : spec;
        const addr = host === '*' ? '0.0.0.0' : host === '::*' ? '::' : host;
        const h = new tcp.TCP(tcp.constants.SERVER);
        const v6 = net.isIPv6(addr);
        const err = (v6 ? h.bind6(addr, port, tcp.constants.UV_TCP_IPV6ONLY ?? 1) : h.bind(addr, port)) || h.listen(backlog);
        if (err === 0) {
          handles.push(h);
          continue;
        }
        h.close();
        if (optional) continue;
        for (const done of handles) done.close();
        return false;
      }
    }
    const old = this.servers;
    this.servers = [];
    for (const s of old) s.close();
    for (const h of handles) {
      const srv = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      srv.on('error', (e) => this.server.log.warning(`Listening socket error: ${e.message}`));
      srv.listen(h);
      this.servers.push(srv);
    }
    return true;
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.client.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}

// Node's public listen() binds after a DNS lookup, on a later tick, and reports a busy port
// asynchronously. Its internal TCP handle binds and listens at once and returns the error code;
// net.Server adopts such a handle. Missing on another Node version: the caller falls back.
interface TcpHandle {
  bind(addr: string, port: number): number;
  bind6(addr: string, port: number, flags: number): number;
  listen(backlog: number): number;
  close(): void;
}
interface TcpWrap {
  TCP: new (type: number) => TcpHandle;
  constants: { SERVER: number; UV_TCP_IPV6ONLY?: number };
}
let tcpWrapCache: TcpWrap | null | undefined;

function tcpWrap(): TcpWrap | null {
  if (tcpWrapCache !== undefined) return tcpWrapCache;
  tcpWrapCache = null;
  try {
    const b = (process as unknown as { binding(name: string): TcpWrap }).binding('tcp_wrap');
    if (typeof b.TCP === 'function' && typeof b.constants?.SERVER === 'number') tcpWrapCache = b;
  } catch {
    tcpWrapCache = null;
  }
  return tcpWrapCache;
}
