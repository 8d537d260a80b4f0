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

  async close(): Promise<void> {
    for (const conn of this.connections) conn.client.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}
