// Public API: start a respite server inside a Node process.
//
//   const s = await startServer({ port: 0 });
//   await s.call('SET', 'k', 'v');
//   s.clock.freeze(); s.clock.advance(60_000);
//   await s.close();
import { loadStartupUsers } from './commands/acl';
import { Arg, EmbeddedConnection, JsReply, RespiteError } from './embedded';
import { ListenChange, Server } from './engine/server';
import { Clock } from './keyspace/clock';
import { Logger } from './engine/logger';
import { Listener } from './net/listener';
import { TlsTransport } from './net/tls-listener';
import type { TlsMaterial } from './net/tls-settings';
import { configDef, setConfigValues } from './config/config';
import { EMBEDDED_BIND_DEFAULT } from './config/special';
import { attachPersistence, loadAtStartup } from './persistence';
import { loadInlineVm } from './scripting/vm/inline-vm';
import { startReplicaOfConfig } from './replication/replication';
// Loaded when used (cluster mode, the dashboard), not at startup: required inside the functions
// that need them (they pull in node:http and many files an embedded server for tests never needs).
import type { ClusterOptions, RespiteCluster } from './embedded-cluster';
import type { HttpEndpoint } from './http';

export { RespiteError, EmbeddedConnection };
export type { Arg, JsReply };

export interface ServerOptions {
  /** TCP port; 0 picks a free one; null for no TCP listener at all (in-process only). */
  port?: number | null;
  /**
   * Addresses to listen on, space separated like redis.conf's bind. Default "127.0.0.1 -::1"
   * (loopback only: an embedded server is not meant to be reached from other hosts unless asked),
   * where respite-server, like redis-server, defaults to "* -::*" with protected-mode on.
   */
  bind?: string;
  /** Log lines: false (default) silent, true to stdout, or a function receiving each line. */
  log?: boolean | ((line: string) => void);
  /** A TLS port beside the plain one (see TlsOptions). */
  tls?: TlsOptions;
  /**
   * The web dashboard and /metrics: an HTTP port (0 picks a free one, like `port`); undefined or
   * null for none (unless the `http-port` parameter is set). Its address is the handle's `http`.
   */
  httpPort?: number | null;
  /** Any redis.conf parameter, by its name ('maxmemory-policy') or in camelCase (maxmemoryPolicy). */
  [config: string]: unknown;
}

/**
 * startServer's `tls` option: PEM certificate and key (strings or Buffers) instead of the
 * tls-cert-file / tls-key-file / tls-ca-cert-file paths (those, if also given, win). Any other
 * tls-* parameter can be passed as usual (`tlsProtocols: 'TLSv1.3'`).
 */
export interface TlsOptions {
  /** The server's certificate (chain), unless tls-cert-file is given. */
  cert?: string | Buffer;
  /** Its private key, unless tls-key-file is given. */
  key?: string | Buffer;
  /** Passphrase of an encrypted key. */
  passphrase?: string;
  /** CA certificate(s) that client certificates must chain to. */
  ca?: string | Buffer | (string | Buffer)[];
  /** TLS port; 0 (default) picks a free one. */
  port?: number;
  /** tls-auth-clients: 'yes' (Redis's default), 'optional', or 'no' (the default when there is no CA at all). */
  authClients?: 'yes' | 'optional' | 'no';
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
  /** The TLS port (0 without one). */
  readonly tlsPort: number;
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
  /** The engine itself, for tests: internal, not part of the API (its shape changes freely). */
  readonly server: Server;
}

const SPECIAL = new Set(['port', 'log', 'tls', 'httpPort']);

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
  if (options.bind === undefined) {
    pairs.unshift(['bind', EMBEDDED_BIND_DEFAULT]);
    given.unshift('bind');
  }
  const port = options.port === undefined ? 0 : options.port;
  const tlsOpt = options.tls;
  if (tlsOpt?.authClients !== undefined) {
    pairs.push(['tls-auth-clients', tlsOpt.authClients]);
    given.push('tls');
  }
  const r = setConfigValues(server, pairs, { runtime: false, localClient: true });
  if (!r.ok) {
    const i = pairs.findIndex(([n]) => n === r.name || configDef(n) === configDef(r.name));
    const key = i >= 0 ? given[i] : r.name;
    throw new Error(r.unknown ? `respite: unknown option '${key}'` : `respite: invalid option '${key}': ${r.error}`);
  }
  // Embedded TLS without any CA cannot check client certificates: it asks for none.
  const cfg = server.config;
  const noCa = tlsOpt?.ca === undefined && cfg.get('tls-ca-cert-file') === '' && cfg.get('tls-ca-cert-dir') === '';
  if (tlsOpt !== undefined && noCa && !pairs.some(([n]) => n === 'tls-auth-clients')) {
    cfg.setRaw('tls-auth-clients', 'no');
  }
  // ACL users: the aclfile, as redis-server loads it at startup.
  const aclError = loadStartupUsers(server);
  if (aclError !== null) throw new Error(`respite: ${aclError}`);
  // Persistence: an embedded server given a data directory (or appendonly) loads it at startup
  // and saves like redis-server; otherwise it is ephemeral (see src/persistence/index.ts).
  const owned = options.dir !== undefined || options.appendonly === true || options.appendonly === 'yes';
  const tls = tlsOpt === undefined ? {} : { tlsPort: tlsOpt.port ?? 0, tlsMaterial: { cert: tlsOpt.cert, key: tlsOpt.key, ca: tlsOpt.ca, passphrase: tlsOpt.passphrase } };
  return serve(server, port, { persistence: owned, httpPort: options.httpPort, ...tls });
}

/**
 * Starts an already configured server: listens on `port` (0 picks a free one, null for no TCP)
 * at the configured bind addresses, starts the cron, and returns the handle. Used by
 * startServer() and the respite-server command line.
 */
export interface ServeOptions {
  /** Load the data directory at startup and save like redis-server (see src/persistence). */
  persistence?: boolean;
  /** Called once listening succeeded, before the dataset is loaded (the command line logs here): the plain port, else the TLS one. */
  listening?: (port: number) => void;
  /**
   * Keep the socket transport when nothing listens yet (respite-server with port 0): CONFIG SET
   * port / tls-port can start listening later. Without it, port null means in-process only.
   */
  sockets?: boolean;
  /** Listen for TLS here (0: a free port) rather than at the tls-port parameter. */
  tlsPort?: number;
  /** PEM material standing in for the tls-* file parameters (startServer's `tls` option). */
  tlsMaterial?: TlsMaterial;
  /** The dashboard's HTTP port (0: a free one); by default the `http-port` parameter (0: off). */
  httpPort?: number | null;
}

/** TLS could not be set up at startup; the reason is `message` (and was logged). */
export class TlsStartupError extends Error {}

/** Tags a listen error with the parameter it belongs to (CONFIG SET names it in its error). */
function blame(e: unknown, param: string): unknown {
  if (e !== null && typeof e === 'object') (e as { configParam?: string }).configParam = param;
  return e;
}

export async function serve(server: Server, port: number | null, opts: ServeOptions = {}): Promise<RespiteServer> {
  // The Lua engine (WebAssembly, ~4 MB of memory once loaded) compiles asynchronously, and script
  // commands that arrive before it is ready wait for it (engine/lua-wait.ts, which also starts the
  // load); work that cannot wait (a data set's function libraries, an AOF's EVAL) makes it at once
  // (inlineVmNow). A standalone server (persistence) loads it on first use only, so a server that
  // runs no scripts never holds it. An embedded one starts loading once this turn is over, so a
  // test's first script finds it ready, and its first PING does not share a turn with the compile.
  if (opts.persistence !== true) setImmediate(() => loadInlineVm().catch(() => undefined));
  attachPersistence(server, opts.persistence === true);
  let listener: Listener | null = null;
  let secure: TlsTransport | null = null;
  let bound = 0;
  const cfg = server.config;
  const bindList = () => cfg.get('bind').split(' ').filter(Boolean);
  const backlog = cfg.int('tcp-backlog');
  const tlsPort = opts.tlsPort ?? (cfg.int('tls-port') !== 0 ? cfg.int('tls-port') : null);
  const unixsocket = cfg.get('unixsocket');
  if (port !== null || tlsPort !== null || opts.sockets === true || unixsocket !== '') {
    listener = new Listener(server);
    secure = new TlsTransport(server, opts.tlsMaterial ?? null);
    server.tls = secure;
    // As redis-server at startup: TLS in use (a TLS port, or TLS replication or cluster links)
    // must be usable.
    if ((tlsPort !== null || cfg.bool('tls-replication') || cfg.bool('tls-cluster')) && secure.configure() !== null) {
      server.tls = null;
      throw new TlsStartupError(secure.lastError ?? 'Failed to configure TLS');
    }
    if (port !== null) {
      bound = await listener.listen(port, bindList(), backlog);
      server.boundPort = bound;
      // An ephemeral port is reported as the one actually bound.
      cfg.setRaw('port', String(bound));
    }
    if (tlsPort !== null) {
      try {
        cfg.setRaw('tls-port', String(await secure.listener.listen(tlsPort, bindList(), backlog)));
      } catch (e) {
        await listener.close();
        server.tls = null;
        throw blame(e, 'tls-port');
      }
    }
    if (unixsocket !== '') {
      try {
        await listener.listenUnix(unixsocket, parseInt(cfg.get('unixsocketperm'), 8), backlog); // kept as octal text
      } catch (e) {
        await listener.close();
        await secure.listener.close();
        server.tls = null;
        throw blame(e, 'unixsocket');
      }
    }
    const plain = listener;
    const tlsSide = secure;
    server.relisten = async (change) => {
      const bind = bindList();
      const bindChanged = (change & ListenChange.Bind) !== 0;
      const was = plain.address;
      if ((change & (ListenChange.Port | ListenChange.Bind)) !== 0) {
        const p = cfg.int('port');
        try {
          server.boundPort = await plain.relisten(p, bind, backlog, bindChanged);
        } catch (e) {
          server.log.warning(`Could not create server TCP listening socket ${bind.join(' ')}:${p}: ${e instanceof Error ? e.message : e}`);
          throw blame(e, bindChanged ? 'bind' : 'port');
        }
      }
      if ((change & (ListenChange.TlsPort | ListenChange.Bind)) !== 0) {
        const p = cfg.int('tls-port');
        try {
          await tlsSide.listener.relisten(p, bind, backlog, bindChanged);
        } catch (e) {
          server.log.warning(`Could not create server TLS listening socket ${bind.join(' ')}:${p}: ${e instanceof Error ? e.message : e}`);
          // Both move or neither: the plain listener goes back where it was.
          if ((change & (ListenChange.Port | ListenChange.Bind)) !== 0) {
            server.boundPort = await plain.relisten(was.port, was.bind, backlog, true).catch(() => 0);
          }
          throw blame(e, bindChanged ? 'bind' : 'tls-port');
        }
      }
    };
  }
  if (port === null) server.config.setRaw('port', '0');
  // Cluster mode: the node's state and its bus listener (src/cluster, src/net/cluster-bus.ts).
  const closeCluster = server.config.get('cluster-enabled') === 'yes' ? await (require('./cluster-node') as typeof import('./cluster-node')).startClusterNode(server, bindList(), port === 0 || port === null).catch(async (e) => {
    await listener?.close();
    throw e;
  }) : null;
  let http: HttpEndpoint | null = null;
  const httpPort = opts.httpPort ?? (server.config.int('http-port') > 0 ? server.config.int('http-port') : null);
  if (httpPort !== null) {
    try {
      http = await (require('./http') as typeof import('./http')).startHttp(server, httpPort);
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
    tlsPort: secure?.listener.address.port ?? 0,
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
      await secure?.close();
      server.tls = null;
      await http?.close();
      await closeCluster?.();
      server.events.emit('shutdown');
    },
  };
  server.onShutdown = () => void handle.close();
  opts.listening?.(bound !== 0 ? bound : handle.tlsPort);
  // replicaof in the configuration: a replica from the start (it connects once the data is loaded).
  startReplicaOfConfig(server);
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

/**
 * A whole Redis Cluster in this process: `masters` nodes (default 3) joined over the cluster bus,
 * slots split evenly. Resolves once every node reports cluster_state:ok.
 *
 *   const cluster = await startCluster({ masters: 3 });
 *   const client = new Redis.Cluster(cluster.addresses);
 *   ...
 *   await cluster.close();
 */
export function startCluster(options: ClusterOptions = {}): Promise<RespiteCluster> {
  return (require('./embedded-cluster') as typeof import('./embedded-cluster')).startClusterWith(startServer, options);
}
export type { ClusterOptions, RespiteCluster };
