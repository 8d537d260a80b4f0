// The cluster bus over TCP: listens on the bus port (port + 10000 or cluster-port) for other
// nodes, opens links to them, and cuts the byte stream into whole messages (each starts with
// "RCmb" and its total length) for the cluster logic in src/cluster/bus.ts.
import type * as net from 'node:net';
import { nodeNet } from '../util/builtins';
import type { ClusterState } from '../cluster/cluster';
import type { BusLink, BusTransport } from '../cluster/link';
import type { ClusterNode } from '../cluster/node';
import { linkClosed, processFrame } from '../cluster/bus';
import { HEADER_LEN } from '../cluster/message';

/** Largest frame accepted (a PING gossiping about thousands of nodes stays far below). */
const MAX_FRAME = 64 * 1024 * 1024;

function plainIp(addr: string | undefined): string {
  if (addr === undefined) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

class TcpBusLink implements BusLink {
  node: ClusterNode | null = null;
  readonly ctime = Date.now();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    readonly inbound: boolean,
    private readonly bus: ClusterBus,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  send(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  pendingBytes(): number {
    return this.closed ? 0 : this.socket.writableLength;
  }

  localAddress(): string {
    return plainIp(this.socket.localAddress);
  }

  remoteAddress(): string {
    return plainIp(this.socket.remoteAddress);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.bus.closed(this);
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (!this.closed && this.buffered >= 8) {
      const head = this.chunks.length === 1 ? this.chunks[0] : this.flatten();
      const totlen = head.readUInt32BE(4);
      if (head.latin1Slice(0, 4) !== 'RCmb' || totlen < HEADER_LEN || totlen > MAX_FRAME) {
        // Not the cluster bus protocol: drop the link (Redis does the same).
        this.close();
        return;
      }
      if (this.buffered < totlen) return;
      const buf = this.chunks.length === 1 ? this.chunks[0] : this.flatten();
      const frame = buf.subarray(0, totlen);
      const rest = buf.subarray(totlen);
      this.chunks = rest.length === 0 ? [] : [rest];
      this.buffered = rest.length;
      this.bus.frame(this, frame);
    }
  }

  private flatten(): Buffer {
    const b = Buffer.concat(this.chunks);
    this.chunks = [b];
    return b;
  }
}

export class ClusterBus implements BusTransport {
  private servers: net.Server[] = [];
  private readonly links = new Set<TcpBusLink>();

  constructor(private readonly cs: ClusterState) {}

  /** Listens on each bind address (optional ones prefixed with '-'); port 0 picks a free port. */
  async listen(port: number, bind: string[]): Promise<number> {
    let bound = port;
    for (const spec of bind) {
      const optional = spec.startsWith('-');
      const host = optional ? spec.slice(1) : spec;
      const addr = host === '*' ? '0.0.0.0' : host === '::*' ? '::' : host;
      try {
        bound = await new Promise<number>((resolve, reject) => {
          const srv = nodeNet().createServer((socket) => this.links.add(new TcpBusLink(socket, true, this)));
          srv.once('error', reject);
          srv.listen({ port: bound, host: addr, ipv6Only: addr.includes(':') }, () => {
            srv.off('error', reject);
            this.servers.push(srv);
            resolve((srv.address() as net.AddressInfo).port);
          });
        });
      } catch (e) {
        if (!optional) throw e;
      }
    }
    return bound;
  }

  connect(ip: string, port: number): BusLink {
    const socket = nodeNet().connect({ host: ip, port });
    // An unreachable node must not hold a half-open connect for long: the cron reconnects.
    socket.setTimeout(Math.max(1000, this.cs.nodeTimeout()), () => {
      if (socket.connecting) socket.destroy();
    });
    socket.once('connect', () => socket.setTimeout(0));
    const link = new TcpBusLink(socket, false, this);
    this.links.add(link);
    return link;
  }

  frame(link: TcpBusLink, frame: Buffer): void {
    try {
      processFrame(this.cs, link, frame);
    } catch (e) {
      this.cs.host.log('warning', `cluster bus: ${e instanceof Error ? e.stack : e}`);
    }
  }

  closed(link: TcpBusLink): void {
    this.links.delete(link);
    linkClosed(this.cs, link);
  }

  async close(): Promise<void> {
    for (const l of [...this.links]) l.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}
