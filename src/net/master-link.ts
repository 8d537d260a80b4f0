// A replica's TCP connection to its master. Only the socket lives here: the handshake, the RDB
// transfer and the replication stream are interpreted by src/replication/replica.ts, which gets
// the bytes as they arrive and writes its commands through send().
import type * as net from 'node:net';
import { nodeNet, nodeTls } from '../util/builtins';
import type * as tls from 'node:tls';

export interface MasterLinkEvents {
  connected(): void;
  data(chunk: Buffer): void;
  /** The connection failed or ended (`why`: the error text, or null for an orderly close). */
  closed(why: string | null): void;
}

export class MasterLink {
  private readonly socket: net.Socket;
  private done = false;
  /** ip:port of our end once connected (the master sees us from there). */
  localAddr = '';
  remoteAddr = '';

  /** `tlsOptions`: connect with TLS (tls-replication yes), with the client certificate and CA given. */
  constructor(host: string, port: number, events: MasterLinkEvents, bindAddr: string | null, tlsOptions: tls.ConnectionOptions | null = null) {
    const opts: net.TcpNetConnectOpts = { host, port };
    if (bindAddr) opts.localAddress = bindAddr;
    const s = tlsOptions !== null ? nodeTls().connect({ ...tlsOptions, ...opts, servername: nodeNet().isIP(host) ? undefined : host }) : nodeNet().createConnection(opts);
    this.socket = s;
    s.setNoDelay(true);
    // With TLS the link is up once the handshake completed.
    s.on(tlsOptions !== null ? 'secureConnect' : 'connect', () => {
      this.localAddr = fmt(s.localAddress, s.localPort);
      this.remoteAddr = fmt(s.remoteAddress, s.remotePort);
      events.connected();
    });
    s.on('data', (chunk: Buffer) => {
      if (!this.done) events.data(chunk);
    });
    s.on('error', (e) => this.finish(events, e.message));
    s.on('close', () => this.finish(events, null));
  }

  private finish(events: MasterLinkEvents, why: string | null): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    events.closed(why);
  }

  write(b: Buffer | string): void {
    if (this.done) return;
    this.socket.write(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  }

  /** Stops reading (the replica is paused or busy) and resumes. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Bytes written but not sent yet. */
  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  get fd(): number {
    return (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
  }

  /** Closes at once; no 'closed' event is delivered for a close asked for here. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
  }
}

function fmt(host: string | undefined, port: number | undefined): string {
  if (!host) return '';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
