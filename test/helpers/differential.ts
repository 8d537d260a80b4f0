// Differential testing: the same commands against the reference redis-server and respite, with
// replies compared byte for byte (or as sorted sets where order is unspecified).
//
// The reference server is found on PATH. Without it the tests skip with a message, except under
// CI=true, where its absence fails the run (CI must install it).
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe } from 'node:test';
import { startServer, RespiteServer, ServerOptions } from '../../src/index';
import { Reply } from '../../src/resp/reply';
import { RespClient, RawReply } from './resp-client';
import { findBinary } from './binaries';

export const REDIS_SERVER = findBinary('redis-server', 'differential tests');
const SKIP_REASON = 'redis-server not found on PATH: differential tests skipped (apt-get install redis-server)';

/** The real redis-cli, for tests of its --cluster tools; CI=true makes its absence a failure. */
export const REDIS_CLI = findBinary('redis-cli', 'redis-cli --cluster tests');

/**
 * Runs redis-cli and resolves with its stdout and stderr, rejecting on a non-zero exit. It does not
 * block the event loop: the servers it talks to may live in this process.
 */
export function redisCli(args: string[], timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(REDIS_CLI!, args, { timeout: timeoutMs, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr),
    ),
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Reference {
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts redis-server on a free port, in memory, with DEBUG enabled. */
export async function startReference(extra: string[] = []): Promise<Reference> {
  const port = await freePort();
  const proc = spawn(
    REDIS_SERVER!,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--daemonize', 'no', '--dir', '/tmp', ...extra],
    { stdio: 'ignore' },
  );
  // Ready when PING answers anything but -LOADING (-NOAUTH with requirepass): while loading an RDB
  // or AOF given in `extra`, redis-server already accepts connections but answers -LOADING.
  const deadline = Date.now() + 20_000;
  for (;;) {
    let reply = '';
    try {
      const c = await RespClient.connect(port);
      try {
        reply = (await c.callRaw('PING')).raw.toString('latin1');
      } finally {
        c.close();
      }
    } catch {
      // not listening yet
    }
    if (reply !== '' && !reply.startsWith('-LOADING')) break;
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`redis-server on port ${port} did not start (${reply.trim() || 'no connection'})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
}

export type Mode = 'exact' | 'sorted' | 'error-prefix' | 'type';

/** A pair of connections, one to each server. */
export class Pair {
  constructor(
    readonly redis: RespClient,
    readonly respite: RespClient,
  ) {}

  /** Runs a command on both servers and asserts the replies are byte-identical. */
  async run(...args: (string | Buffer | number)[]): Promise<Reply> {
    const [a, b] = await Promise.all([this.redis.callRaw(...args), this.respite.callRaw(...args)]);
    assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), `reply differs for ${fmt(args)}`);
    return a.value;
  }

  /** Same, but compares with a mode: sorted (array order unspecified), error-prefix, type only. */
  async check(mode: Mode, ...args: (string | Buffer | number)[]): Promise<Reply> {
    if (mode === 'exact') return this.run(...args);
    const [a, b] = await Promise.all([this.redis.callRaw(...args), this.respite.callRaw(...args)]);
    compare(mode, a, b, args);
    return a.value;
  }

  /** Sends one command that produces `n` replies (SUBSCRIBE a b c) and compares all of them. */
  async runN(n: number, ...args: (string | Buffer | number)[]): Promise<void> {
    const [a, b] = await Promise.all([this.redis.callRaw(...args), this.respite.callRaw(...args)]);
    assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), `reply 1 differs for ${fmt(args)}`);
    for (let i = 1; i < n; i++) await this.next(`reply ${i + 1} of ${fmt(args)}`);
  }

  /** Compares the next unsolicited reply (pub/sub message) on both connections. */
  async next(what = 'next message'): Promise<void> {
    const [a, b] = await Promise.all([this.redis.readNext(), this.respite.readNext()]);
    assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), `${what} differs`);
  }

  /** Runs many commands in order (each compared exactly). */
  async script(cmds: (string | Buffer | number)[][]): Promise<void> {
    for (const c of cmds) await this.run(...c);
  }

  /** Sends raw bytes to both and compares the next reply. */
  async raw(bytes: string | Buffer): Promise<void> {
    const [a, b] = await Promise.all([this.redis.sendRaw(bytes), this.respite.sendRaw(bytes)]);
    assert.equal(b.raw.toString('latin1'), a.raw.toString('latin1'), `reply differs for raw ${JSON.stringify(String(bytes)).slice(0, 200)}`);
  }

  close(): void {
    this.redis.close();
    this.respite.close();
  }
}

/** The integer value of `field` in an INFO reply. */
export function infoField(info: unknown, field: string): number {
  const m = new RegExp(`${field}:(\\d+)`).exec(String(info));
  assert.ok(m, `INFO has ${field}`);
  return Number(m[1]);
}

/**
 * Polls both servers until each reports `n` blocked clients (INFO blocked_clients): a command
 * sent without awaiting its reply has reached the server and blocked. Use it instead of sleeping
 * before the command that should serve it, which races under load.
 */
export async function waitBlocked(p: Pair, n: number): Promise<void> {
  for (const c of [p.redis, p.respite]) {
    let seen = -1;
    const deadline = Date.now() + 10_000;
    for (;;) {
      seen = infoField(await c.call('INFO', 'clients'), 'blocked_clients');
      if (seen === n || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(seen, n, `blocked_clients on ${c === p.redis ? 'redis' : 'respite'}`);
  }
}

function compare(mode: Mode, a: RawReply, b: RawReply, args: unknown[]): void {
  const what = `reply differs for ${fmt(args)}`;
  if (mode === 'sorted') {
    const sa = Array.isArray(a.value) ? [...(a.value as Reply[])].map(String).sort() : a.value;
    const sb = Array.isArray(b.value) ? [...(b.value as Reply[])].map(String).sort() : b.value;
    assert.deepEqual(sb, sa, what);
  } else if (mode === 'error-prefix') {
    assert.equal(b.raw[0], a.raw[0], what);
    const code = (r: RawReply) => r.raw.toString('latin1').split(' ')[0];
    assert.equal(code(b), code(a), what);
  } else if (mode === 'type') {
    assert.equal(b.raw[0], a.raw[0], what);
  }
}

function fmt(args: unknown[]): string {
  return args.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : JSON.stringify(String(a)).slice(0, 80))).join(' ');
}

export interface DiffContext {
  /** A fresh pair of connections (both servers flushed). */
  pair(): Promise<Pair>;
  readonly reference: Reference;
  readonly respite: RespiteServer;
}

/**
 * A suite run against both servers. `options` configure respite; `redisArgs` the reference.
 * Use the context's pair() in each test; FLUSHALL runs on both before it is handed out.
 */
export function differential(
  name: string,
  body: (ctx: DiffContext) => void,
  opts: { options?: ServerOptions; redisArgs?: string[] } = {},
): void {
  if (!REDIS_SERVER) {
    describe(name, { skip: SKIP_REASON }, () => {});
    return;
  }
  describe(name, () => {
    let reference: Reference;
    let respite: RespiteServer;
    const open: Pair[] = [];
    const ctx: DiffContext = {
      get reference() {
        return reference;
      },
      get respite() {
        return respite;
      },
      async pair() {
        const p = new Pair(await RespClient.connect(reference.port), await RespClient.connect(respite.port));
        open.push(p);
        await p.redis.call('FLUSHALL');
        await p.respite.call('FLUSHALL');
        return p;
      },
    };
    before(async () => {
      reference = await startReference(opts.redisArgs);
      respite = await startServer({ port: 0, 'enable-debug-command': 'yes', ...opts.options });
    });
    after(async () => {
      for (const p of open) p.close();
      await respite?.close();
      await reference?.stop();
    });
    body(ctx);
  });
}
