// The dashboard's HTTP routes: the login page, the bundled single-page app (dist/dashboard, built
// by scripts/build-dashboard.mjs), its JSON API and event streams, and /metrics. Socket-free:
// src/net/http.ts feeds it requests. Every command runs on the requesting user's in-process
// connection (src/http/sessions.ts), so ACL rules, stats, SLOWLOG and MONITOR see it as a client.
//
// Who may do what:
//  - the default user has no password: everything without a login (as `default`), but only for
//    requests whose Host is an IP address or localhost (a page on another site that rebinds its
//    DNS name to 127.0.0.1 gets nothing); logging in as another user still works;
//  - otherwise: the login page, and nothing else, until a user logs in with an ACL user and
//    password; /metrics also takes HTTP basic auth with an ACL user (for Prometheus);
//  - writes (key edits, console commands that are not read-only, PUBLISH, SLOWLOG RESET) only
//    with http-allow-writes yes, and then only what the user's ACL rules allow.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Server } from '../engine/server';
import type { EmbeddedConnection } from '../embedded';
import { ReplyError } from '../errors';
import type { HttpRequest, HttpResponse, HttpSink } from '../net/http';
import { splitArgs } from '../resp/parser';
import type { Reply } from '../resp/reply';
import { fromHex, isByteString, utf8Bytes } from './bytes';
import { CommandFailed, callIn, editCommand, readKey, scanKeys, send } from './keys';
import { loginPage } from './login-page';
import { downMetrics, renderMetrics } from './metrics';
import { overviewFromInfo } from './overview';
import { consoleVerdict, resolveCommand } from './policy';
import { replyToJson } from './reply-json';
import { Sessions } from './sessions';

/** Where `npm run build` puts the bundle: dist/dashboard, beside dist/src. */
const ASSET_DIR = path.join(__dirname, '..', '..', 'dashboard');
const ASSET_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};
const APP_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
const SECURITY = { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'same-origin' };

interface Caller {
  conn: EmbeddedConnection;
  /** Logged in (a session), as opposed to the password-less default user. */
  session: string | null;
}

type ApiHandler = (req: HttpRequest, who: Caller, body: Record<string, unknown>) => Promise<unknown> | unknown;

export interface DashboardOptions {
  /** The port the HTTP server listens on (names the session cookie: one per dashboard). */
  port: number;
}

export class Dashboard {
  private readonly sessions: Sessions;
  private readonly cookie: string;
  private readonly assets = new Map<string, Buffer | null>();
  private readonly api: Record<string, ApiHandler>;

  constructor(
    private readonly server: Server,
    opts: DashboardOptions,
  ) {
    this.sessions = new Sessions(server);
    // Cookies are per host, not per port: two dashboards on one host keep separate sessions.
    this.cookie = `respite_session_${opts.port}`;
    this.api = {
      'GET /api/me': (_r, who) => this.me(who),
      'GET /api/overview': async (_r, who) => overviewFromInfo(await this.infoText(who.conn, []), Date.now()),
      'POST /api/scan': (_r, who, b) =>
        scanKeys(who.conn, { db: this.db(b), cursor: this.text(b, 'cursor', '0'), match: this.bytes(b, 'match', '*'), type: this.text(b, 'type', ''), count: Number(b.count ?? 50) }),
      'POST /api/key': (_r, who, b) => readKey(who.conn, this.db(b), this.bytes(b, 'key'), b.page === undefined || b.page === null ? null : this.text(b, 'page')),
      'POST /api/edit': (_r, who, b) => this.edit(who, b),
      'POST /api/command': (_r, who, b) => this.command(who, b),
      'GET /api/slowlog': (_r, who) => this.slowlog(who),
      'POST /api/slowlog/reset': (_r, who) => this.writeCommand(who, 0, ['SLOWLOG', 'RESET']),
      'POST /api/latency/reset': (_r, who) => this.writeCommand(who, 0, ['LATENCY', 'RESET']),
      'POST /api/publish': (_r, who, b) => this.writeCommand(who, 0, ['PUBLISH', this.bytes(b, 'channel'), this.bytes(b, 'message')]),
    };
  }

  close(): void {
    this.sessions.close();
  }

  /** The request handler given to the HTTP listener. */
  handle = async (req: HttpRequest): Promise<HttpResponse> => {
    const q = req.url.indexOf('?');
    const pathname = q < 0 ? req.url : req.url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
    if (req.method === 'POST' && !this.sameOrigin(req)) return text(403, 'cross-origin request refused\n');
    if (pathname === '/login' && req.method === 'POST') return this.login(req);
    if (pathname === '/logout' && req.method === 'POST') return this.logout(req);
    if (pathname === '/metrics' && req.method === 'GET') return this.metrics(req);
    const who = this.caller(req);
    if (who === null) {
      if (pathname.startsWith('/api/')) return json(401, { error: 'login required' });
      if (pathname === '/' && req.method === 'GET') return page(200, loginPage(query.get('error') !== null));
      return text(401, 'login required\n');
    }
    if (pathname === '/api/events' && req.method === 'GET') return this.overviewStream(who, Number(query.get('interval') ?? 1000));
    if (pathname === '/api/pubsub' && req.method === 'GET') return this.pubsubStream(req, who, query);
    const h = this.api[`${req.method} ${pathname}`];
    if (h !== undefined) return this.runApi(req, who, h);
    if (req.method !== 'GET') return text(405, 'method not allowed\n');
    if (pathname === '/' || pathname === '/index.html') return this.asset('index.html');
    if (pathname.startsWith('/assets/')) return this.asset(pathname.slice('/assets/'.length));
    return text(404, 'not found\n');
  };

  // ---- who is asking ---------------------------------------------------------------------------

  private caller(req: HttpRequest): Caller | null {
    const token = cookies(req.headers.cookie)[this.cookie];
    const s = this.sessions.get(token);
    if (s !== null) return { conn: s.conn, session: s.token };
    if (this.server.acl.authRequired() || !localHost(req.headers.host)) return null;
    return { conn: this.sessions.anonymousConnection(), session: null };
  }

  /** POSTs from another site are refused: the browser names the page's origin in Origin. */
  private sameOrigin(req: HttpRequest): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
  }

  private async login(req: HttpRequest): Promise<HttpResponse> {
    const form = new URLSearchParams(req.body.toString('utf8'));
    // A typed password is text; the ACL compares bytes: its UTF-8 bytes, as redis-cli would send.
    const user = utf8Bytes(form.get('username') || 'default');
    const pass = utf8Bytes(form.get('password') ?? '');
    const s = this.sessions.login(user, pass, req.remote);
    if (s === null) return { status: 303, headers: { location: '/?error=1', ...SECURITY } };
    const old = cookies(req.headers.cookie)[this.cookie];
    if (old !== undefined) this.sessions.end(old);
    return {
      status: 303,
      headers: { location: '/', 'set-cookie': `${this.cookie}=${s.token}; Path=/; HttpOnly; SameSite=Strict`, ...SECURITY },
    };
  }

  private logout(req: HttpRequest): HttpResponse {
    const token = cookies(req.headers.cookie)[this.cookie];
    if (token !== undefined) this.sessions.end(token);
    return { status: 303, headers: { location: '/', 'set-cookie': `${this.cookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`, ...SECURITY } };
  }

  // ---- /metrics --------------------------------------------------------------------------------

  private async metrics(req: HttpRequest): Promise<HttpResponse> {
    let conn: EmbeddedConnection | null = null;
    let own = false;
    const auth = req.headers.authorization;
    if (auth !== undefined && /^basic /i.test(auth)) {
      const raw = Buffer.from(auth.slice(6).trim(), 'base64').latin1Slice();
      const colon = raw.indexOf(':');
      conn = colon < 0 ? null : this.sessions.basic(raw.slice(0, colon), raw.slice(colon + 1), req.remote);
      own = conn !== null;
    } else {
      conn = this.caller(req)?.conn ?? null;
    }
    if (conn === null) {
      return { status: 401, headers: { 'www-authenticate': 'Basic realm="respite", charset="UTF-8"', 'content-type': 'text/plain' }, body: 'authentication required\n' };
    }
    try {
      const info = await send(conn, ['INFO', 'ALL']);
      if (typeof info !== 'string') return { status: 200, headers: { 'content-type': PROM_TYPE }, body: downMetrics() };
      const [len, last, latency, config] = await Promise.all([
        send(conn, ['SLOWLOG', 'LEN']),
        send(conn, ['SLOWLOG', 'GET', '1']),
        send(conn, ['LATENCY', 'LATEST']),
        send(conn, ['CONFIG', 'GET', 'maxmemory', 'maxclients', 'io-threads', 'repl-backlog-size', 'client-output-buffer-limit']),
      ]);
      const entry = Array.isArray(last) && Array.isArray(last[0]) ? (last[0] as Reply[]) : null;
      const body = renderMetrics({
        info,
        now: Math.floor(Date.now() / 1000),
        slowlog: typeof len === 'number' ? { length: len, last: entry === null ? null : { id: Number(entry[0]), micros: Number(entry[2]) } } : undefined,
        latency: Array.isArray(latency) ? (latency as Reply[][]).map((r) => ({ event: String(r[0]), time: Number(r[1]), latestMs: Number(r[2]) })) : undefined,
        config: Array.isArray(config) ? flatToRecord(config as string[]) : undefined,
      });
      return { status: 200, headers: { 'content-type': PROM_TYPE }, body };
    } finally {
      if (own) conn.close();
    }
  }

  // ---- JSON API --------------------------------------------------------------------------------

  private async runApi(req: HttpRequest, who: Caller, h: ApiHandler): Promise<HttpResponse> {
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      // JSON only: a form post from another page cannot send it without a CORS preflight.
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return json(415, { error: 'expected application/json' });
      try {
        body = JSON.parse(req.body.toString('utf8') || '{}');
      } catch {
        return json(400, { error: 'invalid JSON' });
      }
    }
    try {
      return json(200, await h(req, who, body));
    } catch (e) {
      if (e instanceof Forbidden) return json(403, { error: e.message });
      if (e instanceof BadRequest) return json(400, { error: e.message });
      // An error reply is an answer, not a failed request: the page shows it.
      if (e instanceof CommandFailed) return json(200, { error: e.message });
      throw e;
    }
  }

  private me(who: Caller) {
    return {
      user: who.conn.client.user,
      loggedIn: who.session !== null,
      allowWrites: this.allowWrites(),
      databases: this.server.config.int('databases'),
    };
  }

  private allowWrites(): boolean {
    return this.server.config.bool('http-allow-writes');
  }

  private async edit(who: Caller, b: Record<string, unknown>) {
    const argv = editCommand(this.text(b, 'op'), this.bytes(b, 'key'), this.byteFields(b));
    if (typeof argv === 'string') throw new BadRequest(argv);
    return this.writeCommand(who, this.db(b), argv);
  }

  private async writeCommand(who: Caller, db: number, argv: string[]) {
    if (!this.allowWrites()) throw new Forbidden('the dashboard is read-only (http-allow-writes no)');
    return { reply: replyToJson(await callIn(who.conn, db, argv)) };
  }

  /** The console: a typed line (split like redis-cli) or argv as byte strings. */
  private async command(who: Caller, b: Record<string, unknown>) {
    let argv: string[] | null;
    if (typeof b.line === 'string') argv = splitArgs(utf8Bytes(b.line));
    else argv = this.byteList(b.argv);
    if (argv === null) throw new BadRequest('Invalid argument(s)');
    if (argv.length === 0) throw new BadRequest('empty command');
    const verdict = consoleVerdict(resolveCommand((n) => this.server.registry.lookup(n), argv), argv, this.allowWrites());
    if (!verdict.ok) throw new Forbidden(verdict.reason);
    return { argv, reply: replyToJson(await callIn(who.conn, this.db(b), argv)) };
  }

  private async slowlog(who: Caller) {
    const [entries, latency, info] = await Promise.all([send(who.conn, ['SLOWLOG', 'GET', '128']), send(who.conn, ['LATENCY', 'LATEST']), this.infoText(who.conn, ['latencystats', 'commandstats']).catch((e) => e as Error)]);
    return {
      slowlog: replyToJson(entries),
      latency: replyToJson(latency),
      info: info instanceof Error ? null : info,
      allowWrites: this.allowWrites(),
    };
  }

  private async infoText(conn: EmbeddedConnection, sections: string[]): Promise<string> {
    const r = await send(conn, ['INFO', ...sections]);
    if (r instanceof ReplyError) throw new CommandFailed(r.message);
    return String(r);
  }

  // ---- event streams ---------------------------------------------------------------------------

  /** Overview snapshots every `interval` ms (at least 100) as server-sent events. */
  private overviewStream(who: Caller, interval: number): HttpResponse {
    const every = Number.isFinite(interval) ? Math.max(100, Math.min(60000, interval)) : 1000;
    return sse((sink) => {
      const tick = () => {
        // The session's connection was closed (logout, ACL DELUSER, CLIENT KILL): so is the stream.
        if (who.conn.client.closed) return sink.end();
        this.infoText(who.conn, []).then(
          (t) => event(sink, 'overview', overviewFromInfo(t, Date.now())),
          (e) => event(sink, 'failure', { error: e instanceof Error ? e.message : String(e) }),
        );
      };
      tick();
      const timer = setInterval(tick, every);
      return () => clearInterval(timer);
    });
  }

  /** Messages on channels and patterns (hex-encoded bytes in the query) as server-sent events. */
  private pubsubStream(req: HttpRequest, who: Caller, query: URLSearchParams): HttpResponse {
    const decode = (name: string) => (query.get(name) ?? '').split(',').filter(Boolean).map(fromHex);
    const channels = decode('channels');
    const patterns = decode('patterns');
    if (channels.some((c) => c === null) || patterns.some((c) => c === null)) return json(400, { error: 'channels and patterns are hex-encoded' });
    if (channels.length + patterns.length === 0) return json(400, { error: 'no channel or pattern' });
    return sse((sink) => {
      const conn = this.sessions.sameUser(who.conn, req.remote);
      conn.onPush = (r) => {
        if (r instanceof ReplyError) return void event(sink, 'failure', { error: r.message });
        const m = Array.isArray(r) ? (r as string[]) : null;
        if (m === null) return;
        if (m[0] === 'message') event(sink, 'message', { channel: m[1], message: m[2], time: Date.now() });
        else if (m[0] === 'pmessage') event(sink, 'message', { pattern: m[1], channel: m[2], message: m[3], time: Date.now() });
      };
      const subscribe = (argv: string[]) =>
        send(conn, argv).then(
          (r) => (r instanceof ReplyError ? event(sink, 'failure', { error: r.message }) : event(sink, 'subscribed', { argv })),
          () => undefined,
        );
      if (channels.length) void subscribe(['SUBSCRIBE', ...(channels as string[])]);
      if (patterns.length) void subscribe(['PSUBSCRIBE', ...(patterns as string[])]);
      const ping = setInterval(() => sink.write(': ping\n\n'), 15000);
      return () => {
        clearInterval(ping);
        conn.close();
      };
    });
  }

  // ---- assets ----------------------------------------------------------------------------------

  private asset(name: string): HttpResponse {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) return text(404, 'not found\n');
    let data = this.assets.get(name);
    if (data === undefined) {
      try {
        data = fs.readFileSync(path.join(ASSET_DIR, name));
      } catch {
        data = null;
      }
      this.assets.set(name, data);
    }
    if (data === null) {
      if (name === 'index.html') return text(503, 'The dashboard is not built: run `npm run build`.\n');
      return text(404, 'not found\n');
    }
    const type = ASSET_TYPES[path.extname(name)] ?? 'application/octet-stream';
    return { status: 200, headers: { 'content-type': type, 'content-security-policy': APP_CSP, 'cache-control': 'no-cache', ...SECURITY }, body: data };
  }

  // ---- request fields --------------------------------------------------------------------------

  private db(b: Record<string, unknown>): number {
    const db = Number(b.db ?? 0);
    if (!Number.isInteger(db) || db < 0 || db >= this.server.config.int('databases')) throw new BadRequest('invalid database');
    return db;
  }

  private text(b: Record<string, unknown>, name: string, dflt?: string): string {
    const v = b[name];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'string') throw new BadRequest(`missing ${name}`);
    return v;
  }

  /** A byte string field: chars above U+00FF cannot be bytes and are refused, never re-encoded. */
  private bytes(b: Record<string, unknown>, name: string, dflt?: string): string {
    const v = this.text(b, name, dflt);
    if (!isByteString(v)) throw new BadRequest(`${name} must be a byte string (chars up to U+00FF)`);
    return v;
  }

  private byteList(v: unknown): string[] | null {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && isByteString(x))) throw new BadRequest('argv must be byte strings');
    return v as string[];
  }

  private byteFields(b: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(b)) {
      if (typeof v === 'string' && !isByteString(v)) throw new BadRequest(`${k} must be a byte string`);
      if (Array.isArray(v)) this.byteList(v);
      out[k] = v;
    }
    return out;
  }
}

class Forbidden extends Error {}
class BadRequest extends Error {}

const PROM_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function json(status: number, v: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY }, body: JSON.stringify(v) };
}

function text(status: number, body: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY }, body };
}

function page(status: number, html: string): HttpResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'cache-control': 'no-store',
      ...SECURITY,
    },
    body: html,
  };
}

function sse(open: (sink: HttpSink) => () => void): HttpResponse {
  return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', ...SECURITY }, stream: open };
}

function event(sink: HttpSink, name: string, data: unknown): void {
  sink.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

function cookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Host header naming an IP address or localhost (not a DNS name that could be rebound). */
function localHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const h = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');
}

function flatToRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
