// Who an HTTP request runs as. A login checks the user and password against the server's ACL
// users (AUTH's own check, failures go to ACL LOG) on a fresh in-process connection, which then
// belongs to the session: every command the session runs goes through it, with that user's
// permissions, and it shows in CLIENT LIST (name respite-http, the browser's address). When the
// connection is closed (ACL DELUSER, CLIENT KILL, logout, idle expiry) the session is over.
// Without a password on the default user, requests need no login and run as `default`, like a
// new TCP connection does.
import { randomBytes } from 'node:crypto';
import type { User } from '../acl/user';
import { authenticate } from '../commands/acl';
import { EmbeddedConnection } from '../embedded';
import type { Server } from '../engine/server';

/** Sessions unused this long are closed. */
const IDLE_MS = 12 * 60 * 60 * 1000;
const CLIENT_NAME = 'respite-http';

export interface Session {
  readonly token: string;
  readonly conn: EmbeddedConnection;
  lastUsed: number;
}

export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private anonymous: EmbeddedConnection | null = null;

  constructor(private readonly server: Server) {}

  /** A new session for a correct user and password, or null (logged in ACL LOG like AUTH). */
  login(user: string, pass: string, remote: string): Session | null {
    // Abandoned sessions are closed when a new one starts (no timer to stop).
    const now = Date.now();
    for (const [t, old] of this.byToken) if (old.conn.client.closed || now - old.lastUsed > IDLE_MS) this.end(t);
    const conn = this.connection(remote);
    if (!authenticate(conn.client, user, pass, 'AUTH')) {
      conn.close();
      return null;
    }
    const s: Session = { token: randomBytes(32).toString('base64url'), conn, lastUsed: Date.now() };
    this.byToken.set(s.token, s);
    return s;
  }

  /** The live session for a cookie token, or null. */
  get(token: string | undefined): Session | null {
    if (token === undefined) return null;
    const s = this.byToken.get(token);
    if (s === undefined) return null;
    const now = Date.now();
    if (s.conn.client.closed || now - s.lastUsed > IDLE_MS) {
      this.end(token);
      return null;
    }
    s.lastUsed = now;
    return s;
  }

  end(token: string): void {
    const s = this.byToken.get(token);
    if (s === undefined) return;
    this.byToken.delete(token);
    s.conn.close();
  }

  /** The shared connection of requests without a login (the default user has no password). */
  anonymousConnection(): EmbeddedConnection {
    if (this.anonymous === null || this.anonymous.client.closed) this.anonymous = this.connection('');
    return this.anonymous;
  }

  /** Basic auth (/metrics): a connection for this request only, or null. */
  basic(user: string, pass: string, remote: string): EmbeddedConnection | null {
    const conn = this.connection(remote);
    if (authenticate(conn.client, user, pass, 'AUTH')) return conn;
    conn.close();
    return null;
  }

  /** Another connection as the same user (a pub/sub stream beside the session's commands). */
  sameUser(of: EmbeddedConnection, remote: string): EmbeddedConnection {
    const conn = this.connection(remote);
    const c = conn.client;
    const u: User = of.client.aclUser;
    c.aclUser = u;
    c.user = u.name;
    c.authenticated = of.client.authenticated;
    return conn;
  }

  close(): void {
    for (const t of [...this.byToken.keys()]) this.end(t);
    this.anonymous?.close();
    this.anonymous = null;
  }

  private connection(remote: string): EmbeddedConnection {
    const conn = new EmbeddedConnection(this.server);
    conn.client.name = CLIENT_NAME;
    conn.client.addr = remote;
    return conn;
  }
}
