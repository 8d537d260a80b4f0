// Fuzzer (a): random and mutated RESP frames against a live respite-server process. A few
// connections send well-formed commands with odd arguments, the same frames mutated (bytes
// replaced, inserted, dropped, cut short), inline commands and plain garbage, in random chunk
// sizes, reconnecting when the server closes them after a protocol error. Meanwhile a canary
// connection runs ordinary commands and must always be answered in time, the server process must
// stay up with bounded memory, and it must never log an internal error.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng, mutate } from './mutate';
import type { FuzzReport } from './restore-fuzz';

export interface RespFuzzOptions {
  seed: number;
  ms: number;
  port: number;
  /** Fuzzing connections at once. */
  connections?: number;
  /** The server's resident memory may not exceed this (bytes). */
  maxRss?: number;
  onInput?: (n: number, what: string) => void;
}

const CLI = path.resolve(__dirname, '../../src/cli.js');

/** Commands whose effects stay inside the fuzz (no SHUTDOWN, CONFIG, DEBUG, CLIENT PAUSE, ACL...). */
const COMMANDS: [string, number][] = [
  ['GET', 1], ['SET', 2], ['SET', 4], ['APPEND', 2], ['INCR', 1], ['INCRBYFLOAT', 2], ['GETRANGE', 3], ['SETRANGE', 3], ['MSET', 4], ['MGET', 3], ['STRLEN', 1],
  ['GETEX', 3], ['SETBIT', 3], ['BITCOUNT', 3], ['BITFIELD', 5], ['BITOP', 4], ['LCS', 2], ['PFADD', 3], ['PFCOUNT', 2], ['PFMERGE', 3],
  ['LPUSH', 3], ['RPUSH', 2], ['LPOP', 2], ['LRANGE', 3], ['LINSERT', 4], ['LSET', 3], ['LREM', 3], ['LPOS', 4], ['LMPOP', 4], ['BLPOP', 2], ['BLMOVE', 5],
  ['HSET', 3], ['HGETALL', 1], ['HINCRBY', 3], ['HRANDFIELD', 3], ['HSCAN', 3], ['HDEL', 2],
  ['SADD', 3], ['SMEMBERS', 1], ['SPOP', 2], ['SINTERSTORE', 3], ['SRANDMEMBER', 2], ['SMOVE', 3], ['SINTERCARD', 4],
  ['ZADD', 3], ['ZADD', 5], ['ZRANGE', 4], ['ZRANGEBYSCORE', 5], ['ZRANGEBYLEX', 3], ['ZINCRBY', 3], ['ZUNIONSTORE', 4], ['ZRANDMEMBER', 3], ['ZPOPMIN', 2], ['BZPOPMAX', 2],
  ['XADD', 4], ['XADD', 6], ['XRANGE', 3], ['XREAD', 4], ['XGROUP', 4], ['XREADGROUP', 7], ['XAUTOCLAIM', 5], ['XTRIM', 3], ['XINFO', 2], ['XPENDING', 5],
  ['GEOADD', 4], ['GEOSEARCH', 7], ['GEODIST', 3], ['SORT', 4], ['DEL', 2], ['UNLINK', 1], ['EXPIRE', 2], ['PEXPIREAT', 3], ['TTL', 1], ['TYPE', 1], ['RENAME', 2],
  ['COPY', 3], ['DUMP', 1], ['RESTORE', 4], ['OBJECT', 2], ['SCAN', 3], ['KEYS', 1], ['EXISTS', 2], ['SELECT', 1], ['SWAPDB', 2], ['DBSIZE', 0], ['RANDOMKEY', 0],
  ['MULTI', 0], ['EXEC', 0], ['DISCARD', 0], ['WATCH', 1], ['UNWATCH', 0], ['PING', 1], ['ECHO', 1], ['HELLO', 1], ['HELLO', 3], ['CLIENT', 2], ['CLIENT', 3],
  ['SUBSCRIBE', 2], ['PSUBSCRIBE', 1], ['UNSUBSCRIBE', 1], ['PUBLISH', 2], ['SSUBSCRIBE', 1], ['RESET', 0], ['COMMAND', 2], ['INFO', 1], ['TIME', 0], ['LASTSAVE', 0],
  ['EVAL', 3], ['EVALSHA', 2], ['FCALL', 2], ['SCRIPT', 2], ['MEMORY', 2], ['LATENCY', 1], ['SLOWLOG', 2], ['WAIT', 2], ['OBJECT', 3], ['TOUCH', 2], ['QUIT', 0],
];

const SCRIPTS = ['return 1', "return redis.call('get', KEYS[1])", "return redis.pcall('incr', KEYS[1])", 'return {1,2,{3}}', "redis.call('set', KEYS[1], ARGV[1])", 'return redis.error_reply("x")'];

function arg(rng: Rng): Buffer {
  switch (rng.int(12)) {
    case 0:
      return Buffer.from(String(rng.int(20) - 5));
    case 1:
      return Buffer.from(rng.pick(['-1', '0', '1', '9223372036854775807', '-9223372036854775808', '18446744073709551616', '1e308', 'inf', '-inf', 'nan', '+', '-', '(1', '[a', '*', '$', '>', '0-0']));
    case 2:
      return Buffer.from(rng.pick(['COUNT', 'WITHSCORES', 'LIMIT', 'BYSCORE', 'REV', 'NX', 'XX', 'GT', 'KEEPTTL', 'PX', 'EX', 'MAXLEN', 'MINID', '~', 'STREAMS', 'GROUP', 'BLOCK', 'ALPHA', 'STORE', 'GET', 'BY', 'MKSTREAM', 'FROMLONLAT', 'BYRADIUS', 'KM', 'IDLE', 'JUSTID', 'LEFT', 'RIGHT', 'BEFORE']));
    case 3: {
      const b = Buffer.alloc(rng.int(40));
      for (let i = 0; i < b.length; i++) b[i] = rng.int(256);
      return b;
    }
    case 4:
      return Buffer.alloc(rng.chance(0.1) ? 100_000 + rng.int(400_000) : rng.int(5000), rng.int(256));
    case 5:
      return Buffer.from(rng.pick(SCRIPTS));
    case 6:
      return Buffer.from(`${rng.int(3)}-${rng.int(3)}`);
    case 7:
      return Buffer.from('');
    default:
      return Buffer.from(`k${rng.int(8)}`);
  }
}

function command(rng: Rng): Buffer[] {
  const [name, n] = rng.pick(COMMANDS);
  const argv: Buffer[] = [Buffer.from(rng.chance(0.1) ? name.toLowerCase() : name)];
  const count = rng.chance(0.8) ? n : rng.int(n + 3);
  for (let i = 0; i < count; i++) argv.push(arg(rng));
  if (name === 'HELLO') argv[1] = Buffer.from(rng.pick(['2', '3', '4', 'x']));
  return argv;
}

function encode(argv: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** One input: a frame or a few, well-formed, mutated, inline, or garbage. */
function frame(rng: Rng): { bytes: Buffer; kind: string } {
  const roll = rng.next();
  if (roll < 0.45) {
    const frames: Buffer[] = [];
    for (let i = 1 + rng.int(3); i > 0; i--) frames.push(encode(command(rng)));
    return { bytes: Buffer.concat(frames), kind: 'commands' };
  }
  if (roll < 0.75) return { bytes: mutate(rng, encode(command(rng))), kind: 'mutated' };
  if (roll < 0.85) {
    const inline = command(rng)
      .map((a) => (rng.chance(0.3) ? `"${a.latin1Slice().replace(/"/g, '\\"')}"` : a.latin1Slice()))
      .join(' ');
    return { bytes: Buffer.from(`${inline}${rng.pick(['\r\n', '\n', ''])}`, 'latin1'), kind: 'inline' };
  }
  if (roll < 0.93) {
    const odd = ['*-1\r\n', '*0\r\n', '*1048577\r\n', '*3\r\n$3\r\nSET\r\n$-5\r\n', '$2147483648\r\n', '*2\r\n$536870913\r\n', '*1\r\n$4\r\nPING\n\n', '*1\r\n$x\r\n',
      '*2\r\n*1\r\n', '*99999999999999999999\r\n', '\r\n\r\n\r\n', '*1\r\n$4\r\nPINGXX\r\n', '"unbalanced\r\n', 'a'.repeat(70000) + '\r\n', '*2\r\n$3\r\nGET\r\n$1\r\n'];
    return { bytes: Buffer.from(rng.pick(odd), 'latin1'), kind: 'odd' };
  }
  const b = Buffer.alloc(1 + rng.int(300));
  for (let i = 0; i < b.length; i++) b[i] = rng.int(256);
  return { bytes: b, kind: 'garbage' };
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** A connection that runs one command at a time and times each reply. */
class Canary {
  private buf = '';
  private waiter: ((s: string) => void) | null = null;
  constructor(private readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      if (this.waiter && this.buf.endsWith('\r\n')) {
        const w = this.waiter;
        this.waiter = null;
        const out = this.buf;
        this.buf = '';
        w(out);
      }
    });
    sock.on('error', () => {});
  }

  call(cmd: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${cmd.join(' ')} within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = (s) => {
        clearTimeout(t);
        resolve(s);
      };
      this.sock.write(encode(cmd.map((a) => Buffer.from(a))));
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

export async function fuzzResp(opts: RespFuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const report: FuzzReport = { name: 'resp', inputs: 0, accepted: 0, rejected: 0, commands: 0, failures: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-fuzz-resp-'));
  const maxRss = opts.maxRss ?? 768 * 1024 * 1024;
  let out = '';
  let exited: string | null = null;
  const proc: ChildProcess = spawn(process.execPath, [CLI, '--port', String(opts.port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory', '256mb', '--maxmemory-policy', 'allkeys-lru'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.on('exit', (code, sig) => (exited = `exited (${code ?? sig})`));
  const fail = (what: string) => report.failures.push(`seed ${opts.seed} after input ${report.inputs}: ${what}`);
  let canary: Canary | null = null;
  let peakRss = 0;
  try {
    for (let i = 0; !out.includes('Ready to accept connections'); i++) {
      if (exited !== null || i > 400) throw new Error(`respite-server did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    canary = new Canary(await connect(opts.port));
    const deadline = Date.now() + opts.ms;
    let stop = false;
    const worker = async (w: number) => {
      let sock: net.Socket | null = null;
      while (!stop && Date.now() < deadline) {
        if (sock === null || sock.destroyed) {
          try {
            sock = await connect(opts.port);
          } catch (e) {
            if (!stop) fail(`connect failed: ${String(e)}`);
            return;
          }
          sock.on('data', () => {});
          sock.on('error', () => {});
        }
        const { bytes, kind } = frame(rng);
        const n = report.inputs++;
        opts.onInput?.(n, `conn ${w} ${kind} ${bytes.subarray(0, 200).toString('hex')}`);
        // In random chunks: the parser must resume anywhere.
        let at = 0;
        while (at < bytes.length && !sock.destroyed) {
          const len = rng.chance(0.5) ? bytes.length - at : 1 + rng.int(bytes.length - at);
          sock.write(bytes.subarray(at, at + len));
          at += len;
          if (rng.chance(0.2)) await new Promise((r) => setImmediate(r));
        }
        if (rng.chance(0.05)) {
          // Leave mid-way (blocked, in MULTI, subscribed, half a frame sent...).
          sock.destroy();
          sock = null;
        }
        if (rng.chance(0.3)) await new Promise((r) => setTimeout(r, rng.int(3)));
      }
      sock?.destroy();
    };
    const watcher = async () => {
      let i = 0;
      while (!stop && Date.now() < deadline) {
        if (exited !== null) {
          fail(`the server ${exited}`);
          break;
        }
        try {
          const r = await canary!.call(['SET', 'canary', String(i)], 5000);
          const g = await canary!.call(['GET', 'canary'], 5000);
          if (!r.startsWith('+OK') || g !== `$${String(i).length}\r\n${i}\r\n`) fail(`canary got ${JSON.stringify(r + g)}`);
        } catch (e) {
          fail(`canary: ${e instanceof Error ? e.message : e}`);
          break;
        }
        const rss = rssOf(proc.pid!);
        peakRss = Math.max(peakRss, rss);
        if (rss > maxRss) {
          fail(`server memory grew to ${Math.round(rss / 1048576)} MB`);
          break;
        }
        i++;
        await new Promise((r) => setTimeout(r, 20));
      }
      stop = true;
    };
    await Promise.all([watcher(), ...Array.from({ length: opts.connections ?? 4 }, (_, w) => worker(w))]);
    stop = true;
    if (exited === null) {
      const r = await canary.call(['PING'], 5000).catch((e) => String(e));
      if (r !== '+PONG\r\n') fail(`final PING: ${r}`);
    }
    const internal = out.split('\n').filter((l) => /Internal error|internal error|Uncaught|\n\s+at /.test(l));
    if (internal.length) fail(`the server logged internal errors:\n${internal.slice(0, 5).join('\n')}`);
    report.peakRssMb = Math.round(peakRss / 1048576);
  } finally {
    canary?.close();
    if (exited === null) proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return report;
}
