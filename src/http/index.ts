// Starts the dashboard and /metrics for a server on http-bind:port (src/net/http.ts listens).
import type { Server } from '../engine/server';
import { HttpListener } from '../net/http';
import { Dashboard } from './dashboard';

export interface HttpEndpoint {
  readonly host: string;
  readonly port: number;
  /** http://host:port/ */
  readonly url: string;
  close(): Promise<void>;
}

/** The dashboard's port or address cannot be listened on (the command line reports it as such). */
export class HttpListenError extends Error {
  override name = 'HttpListenError';
}

/** Listens on `port` (0 picks a free one) at the configured http-bind address. */
export async function startHttp(server: Server, port: number): Promise<HttpEndpoint> {
  const host = server.config.get('http-bind');
  let dashboard: Dashboard | null = null;
  const listener = new HttpListener((req) => dashboard!.handle(req));
  let bound: number;
  try {
    bound = await listener.listen(port, host);
  } catch (e) {
    throw new HttpListenError(`Could not create the dashboard's HTTP listening socket ${host}:${port}: ${e instanceof Error ? e.message : e}`);
  }
  dashboard = new Dashboard(server, { port: bound });
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}/`;
  server.log.notice(`Dashboard and /metrics listening at ${url}`);
  return {
    host: shown,
    port: bound,
    url,
    async close() {
      dashboard?.close();
      await listener.close();
    },
  };
}
