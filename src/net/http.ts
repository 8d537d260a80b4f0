// The HTTP transport of the dashboard and /metrics (src/http): Node's http module on the
// configured address. It turns each request into a socket-free HttpRequest (body read whole, up
// to a limit) and writes back the HttpResponse the handler returns; a streaming response
// (server-sent events) gets a sink to write to until either side closes.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpRequest {
  method: string;
  /** Path and query as sent ("/api/keys?db=0"). */
  url: string;
  /** Header names in lower case; repeated headers joined with ", " (Node's rule). */
  headers: Record<string, string>;
  body: Buffer;
  /** The peer, "ip:port", for CLIENT LIST and the ACL log. */
  remote: string;
}

/** An open stream (server-sent events): write() returns false once the peer has gone. */
export interface HttpSink {
  write(chunk: string): boolean;
  end(): void;
  readonly closed: boolean;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Streams instead of a body: called with the sink; returns a function run when it closes. */
  stream?: (sink: HttpSink) => () => void;
}

export type HttpHandler = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** Bodies larger than this are refused (413): edits of big values should use a Redis client. */
const MAX_BODY = 64 * 1024 * 1024;

export class HttpListener {
  private srv: http.Server | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly closers = new Set<() => void>();

  constructor(private readonly handler: HttpHandler) {}

  /** Listens on host:port (0 picks a free port); resolves with the port bound. */
  listen(port: number, host: string): Promise<number> {
    const srv = http.createServer((req, res) => this.onRequest(req, res));
    // Event streams stay open: no request timeout; idle keep-alive sockets close as usual.
    srv.requestTimeout = 0;
    srv.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.srv = srv;
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ port, host }, () => {
        srv.off('error', reject);
        resolve((srv.address() as AddressInfo).port);
      });
    });
  }

  /** Stops listening and drops every connection, open event streams included. */
  close(): Promise<void> {
    const srv = this.srv;
    this.srv = null;
    for (const c of [...this.closers]) c();
    for (const s of this.sockets) s.destroy();
    if (srv === null) return Promise.resolve();
    return new Promise((resolve) => srv.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) return this.send(res, { status: 413, body: 'request body too large\n' });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const s = req.socket;
      const request: HttpRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers,
        body: Buffer.concat(chunks),
        remote: `${s.remoteAddress ?? ''}:${s.remotePort ?? 0}`,
      };
      Promise.resolve()
        .then(() => this.handler(request))
        .then(
          (r) => this.send(res, r),
          (e) => this.send(res, { status: 500, body: `internal error: ${e instanceof Error ? e.message : e}\n` }),
        );
    });
  }

  private send(res: http.ServerResponse, r: HttpResponse): void {
    if (res.destroyed) return;
    res.statusCode = r.status;
    for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
    if (r.stream === undefined) {
      res.end(r.body ?? '');
      return;
    }
    res.flushHeaders();
    let closed = false;
    let cleanup: (() => void) | null = null;
    const close = () => {
      if (closed) return;
      closed = true;
      this.closers.delete(close);
      cleanup?.();
      res.end();
    };
    this.closers.add(close);
    res.on('close', close);
    const sink: HttpSink = {
      write: (chunk) => {
        if (closed) return false;
        res.write(chunk);
        return true;
      },
      end: close,
      get closed() {
        return closed;
      },
    };
    cleanup = r.stream(sink);
    if (closed) cleanup();
  }
}
