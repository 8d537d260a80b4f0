// Public API: start a respite server inside a Node process.
//
//   const s = await startServer({ port: 0 });
//   await s.call('SET', 'k', 'v');
//   s.clock.freeze(); s.clock.advance(60_000);
//   await s.close();
import { loadStartupUsers } from './commands/acl';
import { Arg, EmbeddedConnection, JsReply, RespiteError } from './embedded';
import { Server } from './engine/server';
import { Clock } from './keyspace/clock';
import { Logger } from './engine/logger';
import { Listener } from './net/listener';
import { configDef, setConfigValues } from './config/config';
import { attachPersistence, loadAtStartup } from './persistence';
import { loadInlineVm } from './scripting/vm/inline-vm';
import { HttpEndpoint, startHttp } from './http';

export { RespiteError, EmbeddedConnection };
export type { Arg, JsReply };

export interface ServerOptions {
  /** TCP port; 0 picks a free one; null for no TCP listener at all (in-process only). */
  port?: number | null;
  /** Addresses to listen on, space separated like redis.conf's bind. Default "127.0.0.1 -::1". */
  bind?: string;
  /** Log lines: false (default) silent, true to stdout, or a function receiving each line. */
  log?: boolean | ((line: string) => void);
  /**
   * The web dashboard and /metrics: an HTTP port (0 picks a free one, like `port`); undefined or
   * null for none (unless the `http-port` parameter is set). Its address is the handle's `http`.
   */
  httpPort?: number | null;
  /** Any redis.conf parameter, by its name ('maxmemory-policy') or in camelCase (maxmemoryPolicy). */
  [config: string]: unknown;
}

export interface RespiteClock {
  /** The server's current time in ms. */
  now(): number;
  /** Stops time (optionally at a given ms timestamp). */
  freeze(at?: number): void;
  unfreeze(): void;
  /** Moves time forward by ms: keys whose TTL passes expire at once. */
  advance(ms: number): void;
  /** Jumps to an absolute time in ms. */
  set(ms: number): void;
}

export interface RespiteServer {
  /** The TCP port (0 when started without a listener). */
  readonly port: number;
  readonly host: string;
  /** redis://host:port, for clients that take a URL. */
  readonly url: string;
  /** Where the dashboard and /metrics listen (http://host:port/), or null when they are off. */
  readonly http: { readonly host: string; readonly port: number; readonly url: string } | null;
  readonly clock: RespiteClock;
  /** Runs a command in-process; bulk strings come back as UTF-8 strings. Error replies reject. */
  call(...args: Arg[]): Promise<JsReply>;
  /** Like call(), with bulk strings as Buffers (for binary values). */
  callBuffer(...args: Arg[]): Promise<JsReply>;
  /** A persistent in-process connection with its own state (SELECT, MULTI, subscriptions). */
  connect(): EmbeddedConnection;
  /** Stops listening, disconnects every client, stops timers. */
  close(): Promise<void>;
  /** The engine itself, for advanced use and tests. */
  readonly server: Server;
}

const SPECIAL = new Set(['port', 'log', 'httpPort']);

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
}

export async function startServer(options: ServerOptions = {}): Promise<RespiteServer> {
  const logger = new Logger();
  logger.file = options.log === true ? '' : null;
  if (typeof options.log === 'function') logger.sink = options.log as (line: string) => void;
  const server = new Server({ clock: new Clock(), logger });
  const pairs: [string, string | string[]][] = [];
  const given: string[] = [];
  for (const [k, v] of Object.entries(options)) {
    if (SPECIAL.has(k) || v === undefined) continue;
    const value = typeof v === 'boolean' ? (v ? 'yes' : 'no') : Array.isArray(v) ? v.map(String) : String(v);
    pairs.push([kebab(k), value]);
    given.push(k);
  }
  const port = options.port === undefined ? 0 : options.port;
  const r = setConfigValues(server, pairs, { runtime: false, localClient: true });
  if (!r.ok) {
    const i = pairs.findIndex(([n]) => n === r.name || configDef(n) === configDef(r.name));
    const key = i >= 0 ? given[i] : r.name;
    throw new Error(r.unknown ? `respite: unknown option '${key}'` : `respite: invalid option '${key}': ${r.error}`);
  }
  // ACL users: the aclfile, as redis-server loads it at startup.
  const aclError = loadStartupUsers(server);
  if (aclError !== null) throw new Error(`respite: ${aclError}`);
  // Persistence: an embedded server given a data directory (or appendonly) loads it at startup
  // and saves like redis-server; otherwise it is ephemeral (see src/persistence/index.ts).
  const owned = options.dir !== undefined || options.appendonly === true || options.appendonly === 'yes';
  return serve(server, port, { persistence: owned, httpPort: options.httpPort });
}

/**
 * Starts an already configured server: listens on `port` (0 picks a free one, null for no TCP)
 * at the configured bind addresses, starts the cron, and returns the handle. Used by
 * startServer() and the respite-server command line.
 */
export interface ServeOptions {
  /** Load the data directory at startup and save like redis-server (see src/persistence). */
  persistence?: boolean;
  /** Called once listening succeeded, before the dataset is loaded (the command line logs here). */
  listening?: (port: number) => void;
  /** The dashboard's HTTP port (0: a free one); by default the `http-port` parameter (0: off). */
  httpPort?: number | null;
}

export async function serve(server: Server, port: number | null, opts: ServeOptions = {}): Promise<RespiteServer> {
  await loadInlineVm(); // WebAssembly compiles asynchronously; EVAL handlers are synchronous
  attachPersistence(server, opts.persistence === true);
  let listener: Listener | null = null;
  let bound = 0;
  const bindList = () => server.config.get('bind').split(' ').filter(Boolean);
  if (port !== null) {
    listener = new Listener(server);
    bound = await listener.listen(port, bindList(), server.config.int('tcp-backlog'));
    server.boundPort = bound;
    // An ephemeral port is reported as the one actually bound.
    server.config.setRaw('port', String(bound));
    const active = listener;
    server.relisten = async (bindChanged) => {
      const p = server.config.int('port');
      try {
        server.boundPort = await active.relisten(p, bindList(), server.config.int('tcp-backlog'), bindChanged);
      } catch (e) {
        server.log.warning(`Could not create server TCP listening socket ${bindList().join(' ')}:${p}: ${e instanceof Error ? e.message : e}`);
        throw e;
      }
    };
  }
  if (port === null) server.config.setRaw('port', '0');
  let http: HttpEndpoint | null = null;
  const httpPort = opts.httpPort ?? (server.config.int('http-port') > 0 ? server.config.int('http-port') : null);
  if (httpPort !== null) {
    try {
      http = await startHttp(server, httpPort);
    } catch (e) {
      await listener?.close();
      throw e;
    }
    server.config.setRaw('http-port', String(http.port));
  }
  server.startCron();
  const first = bindList()[0]?.replace(/^-/, '') ?? '127.0.0.1';
  const host = first === '*' || first === '::*' || first === '' ? '127.0.0.1' : first;
  let closed = false;
  // The connection behind call()/callBuffer(), opened by the first call: a server that nobody
  // calls in-process (respite-server) has no client of its own in CLIENT LIST or CLIENT KILL counts.
  let shared: EmbeddedConnection | null = null;
  const sharedCall = (args: Parameters<EmbeddedConnection['call']>[0], buffers: boolean) => {
    if (shared === null) {
      if (closed) return Promise.reject(new Error('connection closed'));
      shared = new EmbeddedConnection(server);
    }
    return shared.call(args, buffers);
  };
  const handle: RespiteServer = {
    port: bound,
    host,
    url: `redis://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    http: http === null ? null : { host: http.host, port: http.port, url: http.url },
    clock: server.clock,
    server,
    call: (...args) => sharedCall(args, false),
    callBuffer: (...args) => sharedCall(args, true),
    connect: () => new EmbeddedConnection(server),
    async close() {
      if (closed) return;
      closed = true;
      server.relisten = null;
      server.stopCron();
      for (const c of [...server.clients.values()]) c.close();
      await listener?.close();
      await http?.close();
      server.shutdownHooks.forEach((h) => h());
    },
  };
  server.onShutdown = () => void handle.close();
  opts.listening?.(bound);
  // Load the dataset (clients already connected get -LOADING meanwhile). A corrupt file stops
  // the startup and is left untouched.
  if (opts.persistence === true) {
    try {
      await loadAtStartup(server);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }
  return handle;
}

export type { Server };
