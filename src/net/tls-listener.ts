// The TLS port (tls-port): TCP connections accepted like the plain port's, then handed to a Node
// tls.Server for the handshake; once it succeeds the decrypted stream becomes an ordinary client
// Connection, so everything past the handshake (CLIENT LIST, limits, replies) is the same as on
// the plain port.
//
// tls-auth-clients is read for each new connection, as redis-server does: one tls.Server per mode
// (created when first needed) carries the matching certificate request. CONFIG SET of a tls-*
// parameter builds new settings (tls-settings.ts) and installs them on those servers: new
// connections use them, established ones keep their session.
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Server, TlsControl } from '../engine/server';
import { Listener } from './listener';
import { TlsConfigError, TlsMaterial, TlsSettings, buildTlsSettings } from './tls-settings';
import { nodeTls } from '../util/builtins';

type AuthMode = 'yes' | 'optional' | 'no';

/** What OpenSSL reports for a client certificate that does not verify. */
const VERIFY_FAILED = 'error:0A000086:SSL routines::certificate verify failed';
const NO_CERTIFICATE = 'error:0A0000C7:SSL routines::peer did not return a certificate';

/**
 * An OpenSSL error in the short form redis-server logs ("error:0A0000C7:SSL routines::peer did
 * not return a certificate"); Node's message has the thread, function and source position too.
 */
function opensslText(err: Error): string {
  const m = /error:([0-9A-F]{8}):([^:]*):[^:]*:([^:\n]*)/.exec(err.message);
  return m === null ? err.message : `error:${m[1]}:${m[2]}::${m[3]}`;
}

interface CachedSession {
  data: Buffer;
  expires: number;
}

export class TlsTransport implements TlsControl {
  private settings: TlsSettings | null = null;
  private readonly modes = new Map<AuthMode, tls.Server>();
  /** Server-side session cache (tls-session-cache-size entries, tls-session-cache-timeout). */
  private readonly sessions = new Map<string, CachedSession>();
  /** Accepted sockets, in their handshake or not: closed with the listener. */
  private readonly open = new Set<net.Socket>();
  readonly listener: Listener;

  constructor(
    private readonly server: Server,
    /** Embedded API: PEM material used where the file parameters are unset. */
    private readonly material: TlsMaterial | null,
  ) {
    this.listener = new Listener(server, (raw) => this.handshake(raw));
  }

  /** The log line of the last failed configure(). */
  lastError: string | null = null;

  get configured(): boolean {
    return this.settings !== null;
  }

  /**
   * Builds the TLS settings from the tls-* parameters. On failure the reason is logged (as
   * redis-server logs it), the previous settings stay, and the CONFIG SET error text is returned.
   */
  configure(onlyIfUnconfigured = false): string | null {
    if (onlyIfUnconfigured && this.settings !== null) return null;
    let next: TlsSettings;
    try {
      next = buildTlsSettings(this.server.config, this.material);
    } catch (e) {
      this.lastError = e instanceof TlsConfigError ? e.message : `Failed to configure TLS: ${e instanceof Error ? e.message : e}`;
      this.server.log.warning(this.lastError);
      return 'Unable to update TLS configuration. Check server logs.';
    }
    this.settings = next;
    if (!next.sessionCaching) this.sessions.clear();
    for (const [mode, srv] of this.modes) srv.setSecureContext(this.serverOptions(mode));
    return null;
  }

  /** Options for a TLS connection respite opens (replication, MIGRATE), or null before configure(). */
  clientOptions(): tls.ConnectionOptions | null {
    if (this.settings === null) return null;
    // Like redis-server: the peer's certificate is checked against the CA, not its host name.
    return { ...this.settings.client, checkServerIdentity: () => undefined };
  }

  /**
   * The certificate is checked here rather than by Node (rejectUnauthorized), which drops the
   * connection at once: the client would see a reset on its first write where redis-server's
   * client reads an orderly close. Nothing the client sends is read.
   */
  private serverOptions(mode: AuthMode): tls.TlsOptions {
    return { ...this.settings!.server, requestCert: mode !== 'no', rejectUnauthorized: false };
  }

  private refuse(socket: tls.TLSSocket): void {
    const reason = socket.getPeerX509Certificate() === undefined ? NO_CERTIFICATE : VERIFY_FAILED;
    this.server.log.warning(`Error accepting a client connection: ${reason}`);
    socket.end();
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.once('close', () => clearTimeout(timer));
  }

  private modeServer(mode: AuthMode): tls.Server {
    let srv = this.modes.get(mode);
    if (srv !== undefined) return srv;
    srv = nodeTls().createServer(this.serverOptions(mode));
    srv.on('secureConnection', (socket: tls.TLSSocket) => {
      // yes: a verified certificate is needed; optional: none is fine, an unverifiable one is not.
      if (!socket.authorized && (mode === 'yes' || socket.getPeerX509Certificate() !== undefined)) {
        this.refuse(socket);
        return;
      }
      this.listener.adopt(socket);
    });
    srv.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      this.server.log.warning(`Error accepting a client connection: ${opensslText(err)}`);
      socket.destroy();
    });
    srv.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
      this.storeSession(id, data);
      done();
    });
    srv.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => done(null, this.findSession(id)));
    this.modes.set(mode, srv);
    return srv;
  }

  /** An accepted socket: the handshake runs under the tls-auth-clients mode of this moment. */
  private handshake(raw: net.Socket): void {
    if (this.settings === null) {
      raw.destroy();
      return;
    }
    const srv = this.modeServer(this.server.config.get('tls-auth-clients') as AuthMode);
    this.open.add(raw);
    raw.once('close', () => this.open.delete(raw));
    // The documented way to hand a stream to a tls.Server that does not listen itself.
    srv.emit('connection', raw);
  }

  private storeSession(id: Buffer, data: Buffer): void {
    const s = this.settings;
    if (s === null || !s.sessionCaching) return;
    // A full cache drops its oldest entry (size 0: no limit, as in OpenSSL).
    if (s.sessionCacheSize > 0 && this.sessions.size >= s.sessionCacheSize) {
      this.sessions.delete(this.sessions.keys().next().value!);
    }
    this.sessions.set(id.toString('hex'), { data, expires: Date.now() + s.sessionCacheTimeout * 1000 });
  }

  private findSession(id: Buffer): Buffer | null {
    const s = this.settings;
    if (s === null || !s.sessionCaching) return null;
    const key = id.toString('hex');
    const hit = this.sessions.get(key);
    if (hit === undefined) return null;
    if (hit.expires <= Date.now()) {
      this.sessions.delete(key);
      return null;
    }
    return hit.data;
  }

  async close(): Promise<void> {
    for (const raw of this.open) raw.destroy();
    this.open.clear();
    await this.listener.close();
  }
}
