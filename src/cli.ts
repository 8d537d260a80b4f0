#!/usr/bin/env node
// respite-server [/path/to/redis.conf] [--option value ...] [-], like redis-server: options on
// the command line are appended to the config file's content (so they override it), '-' reads
// more configuration from stdin. Logs like redis-server, shuts down cleanly on SIGINT/SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REDIS_VERSION } from './version';
import { ConfigFileError, loadServerConfig, rewriteConfigFile } from './config/conf-file';
import { strerror } from './config/special';
import { quoteRepr } from './config/config';
import { Logger } from './engine/logger';
import { installCrashHandlers } from './engine/crash-report';
import { Server } from './engine/server';
import { RespiteServer, TlsStartupError, serve } from './index';
import { Clock } from './keyspace/clock';
import { splitArgs } from './resp/parser';
import { daemonize, daemonStdin, DEFAULT_PIDFILE, isDaemonChild, notifySystemd, setUpSupervision } from './supervision';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const VERSION: string = require('../../package.json').version;

function version(): never {
  process.stdout.write(`respite server v=${VERSION} redis=${REDIS_VERSION} node=${process.version} bits=64\n`);
  process.exit(0);
}

function usage(): never {
  process.stderr.write(
    [
      'Usage: respite-server [/path/to/redis.conf] [options] [-]',
      '       respite-server - (read config from stdin)',
      '       respite-server -v or --version',
      '       respite-server -h or --help',
      '',
      'Examples:',
      '       respite-server (run the server with default conf)',
      '       respite-server /etc/redis/6379.conf',
      '       respite-server --port 7777',
      '       respite-server --port 7777 --replicaof 127.0.0.1 8888',
      '       respite-server /etc/myredis.conf --loglevel verbose -',
      '       respite-server /etc/myredis.conf --loglevel verbose',
      '',
      'Options are the redis.conf directives, written as --name value.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

export interface CommandLine {
  /** Absolute path of the config file, if one was given. */
  configFile: string | null;
  /** Read more configuration from stdin ('-' as the first or last argument). */
  stdin: boolean;
  /** The options as config-file lines. */
  options: string;
}

/** Redis's main(): turns argv into a config file path and config lines ("--port 7000" -> "port 7000"). */
export function parseCommandLine(args: string[]): CommandLine {
  let j = 0;
  let configFile: string | null = null;
  if (args.length > 0 && args[0][0] !== '-') {
    configFile = path.resolve(args[0]);
    j = 1;
  }
  let options = '';
  let stdin = false;
  let handledLastArg = true;
  for (; j < args.length; j++) {
    const a = args[j];
    if (a === '-' && (j === 0 || j === args.length - 1)) {
      stdin = true;
    } else if (handledLastArg && a.startsWith('--')) {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        handledLastArg = false;
        // `--save` with no value (last, or followed by another option) means save "".
        const nextIsOption = j !== args.length - 1 && args[j + 1].startsWith('--');
        if (a.toLowerCase() === '--save' && (nextIsOption || j === args.length - 1)) {
          options += '""';
          handledLastArg = nextIsOption;
        }
      } else {
        handledLastArg = true; // "--port 6380" as one argument
      }
    } else {
      options += quoteRepr(a) + ' ';
      handledLastArg = true;
    }
  }
  return { configFile, stdin, options };
}

/** Redis writes its pid file once listening succeeded, before loading the dataset. */
function writePidfile(server: Server, logger: Logger): void {
  const pidfile = server.config.get('pidfile');
  if (pidfile === '') return;
  try {
    fs.writeFileSync(pidfile, `${process.pid}\n`);
  } catch (e) {
    logger.warning(`Failed to write PID file: ${(e as Error).message}`);
  }
}

/**
 * The startup banner. Like redis-server, a multi-line banner (written raw) when the log goes to a
 * terminal or always-show-logo is set, else one line. Redis's test suite waits for its " PID: <pid>"
 * line to know the process it spawned is up.
 */
function startupBanner(server: Server, logger: Logger, port: number): void {
  const cfg = server.config;
  const tty = cfg.get('logfile') === '' && !cfg.bool('syslog-enabled') && process.stdout.isTTY === true;
  if (!tty && !cfg.bool('always-show-logo')) {
    logger.notice(`Running mode=${cfg.bool('cluster-enabled') ? 'cluster' : 'standalone'}, port=${port}.`);
    return;
  }
  const lines = [
    `respite ${VERSION} (Redis ${REDIS_VERSION} compatible) on Node.js ${process.version}, 64 bit`,
    'Running in standalone mode',
    `Port: ${port}`,
    `PID: ${process.pid}`,
  ];
  logger.raw('\n' + lines.map((l) => `        ${l}\n`).join('') + '\n');
}

/** The running server's stop paths, replaced by each (re)start; the signal handlers call them. */
interface Running {
  /** SIGINT/SIGTERM: the final save, then exit. */
  signal(sig: string): void;
}
let running: Running | null = null;

/** Runs respite-server with this process's command line. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '-v' || args[0] === '--version') version();
  if (args[0] === '--help' || args[0] === '-h') usage();
  if (args[0] === '--test-memory') {
    if (args.length !== 2) {
      process.stderr.write('Please specify the amount of memory to test in megabytes.\nExample: ./redis-server --test-memory 4096\n\n');
    } else {
      // Redis's memtest writes patterns over physical memory it allocates; a V8 heap cannot.
      process.stderr.write('respite-server: --test-memory is not supported: test the memory with redis-server --test-memory or memtester.\n');
    }
    process.exit(1);
  }
  const cl = parseCommandLine(args);
  // The detached copy of a daemonized server gets the parent's stdin configuration from it. Read
  // once: DEBUG RESTART starts again from the same configuration.
  const stdinConfig = cl.stdin ? (daemonStdin() ?? fs.readFileSync(0, 'latin1')) : null;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => running?.signal(sig));
  await start(args, cl, stdinConfig);
}

/** Builds, configures and starts one server: at launch, and again for DEBUG RESTART. */
async function start(args: string[], cl: CommandLine, stdinConfig: string | null): Promise<void> {
  const logger = new Logger();
  const server = new Server({ clock: new Clock(), logger });
  try {
    if (cl.stdin) logger.warning('Reading config from stdin');
    loadServerConfig(server, cl.configFile, stdinConfig, cl.options);
  } catch (e) {
    if (!(e instanceof ConfigFileError)) throw e;
    if (e.kind === 'fatal') process.stderr.write(e.report);
    else logger.warning(e.report);
    process.exit(1);
  }
  server.configFile = cl.configFile;
  const cfg = server.config;
  server.supervised = setUpSupervision(cfg.get('supervised'), logger);
  // As Redis: a supervised server stays in the foreground whatever `daemonize` says. The parent
  // of a daemonized server exits here, having logged nothing.
  const background = cfg.bool('daemonize') && server.supervised === 'no';
  if (background && !isDaemonChild()) daemonize(stdinConfig);
  if (background && cfg.get('pidfile') === '') cfg.setRaw('pidfile', DEFAULT_PIDFILE);

  logger.notice('oO0OoO0OoO0Oo respite is starting oO0OoO0OoO0Oo');
  logger.notice(`respite version=${VERSION}, redis_version=${REDIS_VERSION}, node=${process.version}, pid=${process.pid}, just started`);
  if (args.length === 0) {
    logger.warning('Warning: no config file specified, using the default config. In order to specify a config file use respite-server /path/to/redis.conf');
  } else {
    logger.notice('Configuration loaded');
  }
  installCrashHandlers(server, VERSION);

  const port = cfg.int('port');
  const tlsPort = cfg.int('tls-port');
  const unixsocket = cfg.get('unixsocket');
  // As Redis: an empty bind opens no TCP socket; a server with no socket at all stops.
  const tcp = (port !== 0 || tlsPort !== 0) && cfg.get('bind') !== '';
  if (!tcp && unixsocket === '') {
    logger.warning('Configured to not listen anywhere, exiting.');
    process.exit(1);
  }
  let handle: RespiteServer;
  try {
    // port 0 with a tls-port: TLS only (CONFIG SET port can open the plain port later).
    handle = await serve(server, port === 0 ? null : port, {
      persistence: true,
      sockets: true,
      listening: (bound) => {
        writePidfile(server, logger);
        startupBanner(server, logger, bound);
        logger.notice('Server initialized');
      },
    });
  } catch (e) {
    if (e instanceof Error && e.name.endsWith('LoadError')) {
      // A corrupt or unreadable data file: stop without touching it (Redis exits the same way).
      if (e.name === 'AofManifestLoadError') logger.warning('\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
      const lines = e as { context?: string[]; trailer?: string[] };
      for (const line of lines.context ?? []) logger.warning(line);
      logger.warning(e.message);
      for (const line of lines.trailer ?? []) logger.warning(line);
      process.exit(1);
    }
    if (e instanceof Error && e.name === 'HttpListenError') {
      logger.warning(`Warning: ${e.message}, aborting.`); // http-port (src/http)
      process.exit(1);
    }
    if (e instanceof TlsStartupError) {
      // The reason is in the log already.
      logger.warning('Failed to configure TLS. Check logs for more info.');
      process.exit(1);
    }
    const err = e as NodeJS.ErrnoException & { configParam?: string };
    if (err.configParam === 'unixsocket') {
      logger.warning(`Failed opening Unix socket: ${err.message}`);
      process.exit(1);
    }
    const tls = err.configParam === 'tls-port';
    const p = tls ? tlsPort : port;
    logger.warning(`Warning: Could not create server TCP listening socket ${cfg.get('bind')}:${p}: ${err.message}`);
    logger.warning(`Failed listening on port ${p} (${tls ? 'TLS' : 'TCP'}), aborting.`);
    process.exit(1);
  }

  const pidfile = cfg.get('pidfile');
  if (tcp) logger.notice('Ready to accept connections');
  if (unixsocket !== '') logger.notice(`The server is now ready to accept connections at ${unixsocket}`);
  if (server.supervised === 'systemd') {
    notifySystemd('STATUS=Ready to accept connections', logger);
    notifySystemd('READY=1', logger);
  }

  let stopping = false;
  const removePidfile = () => {
    if (pidfile === '') return;
    logger.notice('Removing the pid file.');
    try {
      fs.unlinkSync(pidfile);
    } catch {
      // already removed
    }
  };
  const wait = server.replication.shutdownWait;
  const shutdown = async (signal?: string) => {
    if (stopping) return;
    if (signal !== undefined) {
      // A shutdown already waits for the replicas (SHUTDOWN or an earlier signal).
      if (wait.initiated) return;
      // The SHUTDOWN command logged this line itself.
      logger.warning('User requested shutdown...');
      if (server.supervised === 'systemd') notifySystemd('STOPPING=1', logger);
      // The final save SHUTDOWN does (shutdown-on-sigint/sigterm default); a failed save keeps
      // the server running, as Redis does. Replicas behind are waited for first.
      const finish = (): string | null => {
        if (server.persistence.prepareShutdown(false, false, false) !== null) {
          logger.warning(`${signal} received but errors trying to shut down the server, check the logs for more information`);
          return 'ERR Errors trying to SHUTDOWN. Check logs.';
        }
        void exit();
        return null;
      };
      if (wait.begin(false, finish)) return;
      wait.logReplicas();
      finish();
      return;
    }
    if (server.supervised === 'systemd') notifySystemd('STOPPING=1', logger);
    await exit();
  };
  const exit = async () => {
    if (stopping) return;
    stopping = true;
    await handle.close();
    removePidfile();
    logger.warning('respite is now ready to exit, bye bye...');
    process.exit(0);
  };
  server.onShutdown = () => void shutdown();
  running = {
    signal(sig) {
      if (stopping) return;
      logger.warning(`Received ${sig} scheduling shutdown...`);
      void shutdown(sig);
    },
  };
  // DEBUG RESTART / CRASH-AND-RECOVER: Redis's restartServer, with the exec replaced by a new
  // server in this process (the pid stays, as with exec).
  server.onRestart = (graceful, delayMs) => {
    if (stopping) return 'stopping';
    if (graceful) {
      if (server.configFile !== null) {
        try {
          rewriteConfigFile(server, server.configFile, false);
        } catch (e) {
          logger.warning(`Can't restart: configuration rewrite process failed: ${strerror(e)}`);
          return 'config rewrite failed';
        }
      }
      // As SHUTDOWN without arguments, not waiting for replicas (Redis's SHUTDOWN_NOW).
      if (server.persistence.prepareShutdown(false, false, false) !== null) {
        logger.warning("Can't restart: error preparing for shutdown");
        return 'shutdown failed';
      }
    }
    stopping = true;
    running = null;
    void (async () => {
      await handle.close();
      removePidfile();
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      await start(args, cl, stdinConfig);
    })().catch((e) => {
      process.stderr.write(`respite-server: ${e instanceof Error ? e.stack : e}\n`);
      process.exit(1);
    });
    return null;
  };
}

/** main(), with a failure written to stderr and exit code 1: what the package's bin runs. */
export function runCli(): void {
  main().catch((e) => {
    process.stderr.write(`respite-server: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}

if (require.main === module) runCli();
