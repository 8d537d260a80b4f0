// The API of the redis-memory-server package, backed by an embedded respite server, so its users
// switch by changing one import: no redis-server to download and compile, no child process.
//
//   import { RedisMemoryServer } from 'respite/testing';
//   const redisServer = await RedisMemoryServer.create();
//   const host = await redisServer.getHost();
//   const port = await redisServer.getPort();
//   await redisServer.stop();
import { parseCommandLine } from '../cli';
import { startServer } from '../index';
import type { RespiteServer, ServerOptions } from '../index';
import { splitArgs } from '../resp/parser';

/** redis-memory-server's `instance` options. */
export interface RedisMemoryInstanceOptions {
  /** Port to listen on; a free one when absent. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  ip?: string;
  /** redis-server command-line arguments, e.g. ['--appendonly', 'yes']. */
  args?: string[];
}

export interface RedisMemoryServerOptions {
  instance?: RedisMemoryInstanceOptions;
  /** Start in the constructor (not awaitable there: use RedisMemoryServer.create()). */
  autoStart?: boolean;
  /** Accepted for compatibility and ignored: there is no binary to download or build. */
  binary?: unknown;
}

/** What getInstanceInfo() describes (redis-memory-server's fields that apply). */
export interface RedisMemoryInstanceInfo {
  port: number;
  ip: string;
  /** The embedded respite server (redis-memory-server has its RedisInstance here). */
  instance: RespiteServer;
}

/** redis-server-style "--name value" arguments as startServer options. */
function optionsFromArgs(args: string[]): ServerOptions {
  const out: ServerOptions = {};
  const lines = parseCommandLine(args).options.split('\n');
  for (const line of lines) {
    const words = splitArgs(line);
    if (words === null || words.length === 0) continue;
    const [name, ...values] = words;
    out[name.toLowerCase()] = values.length === 1 ? values[0] : values.join(' ');
  }
  return out;
}

export class RedisMemoryServer {
  private running: Promise<RedisMemoryInstanceInfo> | null = null;
  private info: RedisMemoryInstanceInfo | null = null;

  constructor(readonly opts: RedisMemoryServerOptions = {}) {
    if (opts.autoStart === true) void this.start();
  }

  /** A started server. */
  static async create(opts: RedisMemoryServerOptions = {}): Promise<RedisMemoryServer> {
    const s = new RedisMemoryServer({ ...opts, autoStart: false });
    await s.start();
    return s;
  }

  /** Starts the server; rejects if it is already running. Resolves true. */
  async start(): Promise<boolean> {
    if (this.running !== null) throw new Error('RedisMemoryServer: instance is already running (call stop() first)');
    const inst = this.opts.instance ?? {};
    const ip = inst.ip ?? '127.0.0.1';
    this.running = startServer({ ...optionsFromArgs(inst.args ?? []), port: inst.port ?? 0, bind: ip }).then((server) => {
      this.info = { port: server.port, ip, instance: server };
      return this.info;
    });
    try {
      await this.running;
    } catch (e) {
      this.running = null;
      throw e;
    }
    return true;
  }

  /** Stops the server; resolves false when it was not running. */
  async stop(): Promise<boolean> {
    const running = this.running;
    if (running === null) return false;
    this.running = null;
    this.info = null;
    await (await running).instance.close();
    return true;
  }

  /** The running instance, starting it when needed. */
  async ensureInstance(): Promise<RedisMemoryInstanceInfo> {
    if (this.running === null) await this.start();
    return this.running!;
  }

  /** The instance's details, or false when it is not running. */
  getInstanceInfo(): RedisMemoryInstanceInfo | false {
    return this.info ?? false;
  }

  async getHost(): Promise<string> {
    return (await this.ensureInstance()).ip;
  }

  async getPort(): Promise<number> {
    return (await this.ensureInstance()).port;
  }
}

export default RedisMemoryServer;
