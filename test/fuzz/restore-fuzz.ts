// Fuzzer (b): RESTORE of corrupted DUMP payloads. Payloads of every type and encoding (the
// corpus, taken from redis-server) are mutated and re-signed with a valid CRC-64, then restored.
// A refusal must be Redis's "Bad data format" (or the version/checksum error when the version
// bytes were hit). A value that is accepted must be one the server can serve and persist: every
// read command of its type and a few writes answer without an internal error, DUMP gives a
// payload that restores to the same value, SAVE succeeds, and from time to time BGREWRITEAOF
// and DEBUG RELOAD succeed and the key comes back unchanged.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, RespiteServer, EmbeddedConnection } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';
import { Rng, corpus, mutateDump, printable } from './mutate';

export interface RestoreFuzzOptions {
  seed: number;
  /** Stop after this many milliseconds... */
  ms: number;
  /** ...or this many inputs, whichever comes first. */
  maxInputs?: number;
  /** sanitize-dump-payload: alternates between no and yes when not given. */
  sanitize?: 'no' | 'yes' | 'clients';
  /** Called before each input runs (the runner's watchdog reports the last one on a hang). */
  onInput?: (n: number, what: string) => void;
}

export interface FuzzReport {
  name: string;
  inputs: number;
  accepted: number;
  rejected: number;
  commands: number;
  /** The server process's peak resident memory (resp fuzzer), MB. */
  peakRssMb?: number;
  failures: string[];
}

/** The error every command gets from a value kept unchecked (src/datatypes/unsanitized.ts). */
const UNCHECKED = /^ERR the value of this key was stored unchecked \(sanitize-dump-payload no\) and is corrupt: /;

const OK_REFUSALS = new Set(['ERR Bad data format', 'ERR DUMP payload version or checksum are wrong']);

class Failure extends Error {}

function isInternal(r: Reply): boolean {
  return r instanceof ReplyError && /internal error|The value of "|Maximum call stack|Invalid (array|string) length|undefined|is not a function|Cannot read/i.test(r.message);
}

function str(r: Reply): string {
  if (r instanceof SimpleString) return r.value;
  return Buffer.isBuffer(r) ? r.latin1Slice() : String(r);
}

/** Read commands (and some writes) for a value of each type; `k` is the key. */
function trafficFor(type: string, k: string, rng: Rng, names: { groups: string[]; consumers: string[]; firstId: string }): string[][] {
  const n = String(rng.int(7) - 3);
  const common = [['TYPE', k], ['OBJECT', 'ENCODING', k], ['DEBUG', 'DIGEST-VALUE', k], ['MEMORY', 'USAGE', k], ['DEBUG', 'OBJECT', k], ['COPY', k, `${k}:copy`, 'REPLACE']];
  switch (type) {
    case 'string':
      return [...common, ['GET', k], ['STRLEN', k], ['GETRANGE', k, '0', '-1'], ['GETRANGE', k, '-5', '3'], ['BITCOUNT', k], ['BITPOS', k, '1'], ['GETBIT', k, '77'],
        ['PFCOUNT', k], ['PFADD', k, 'x'], ['PFMERGE', `${k}:copy`, k], ['APPEND', k, 'z'], ['SETRANGE', k, '3', 'abc'], ['INCR', k], ['LCS', k, `${k}:copy`]];
    case 'list':
      return [...common, ['LLEN', k], ['LRANGE', k, '0', '-1'], ['LRANGE', k, n, '-2'], ['LINDEX', k, n], ['LPOS', k, '1'], ['SORT', k, 'ALPHA'], ['LPUSH', k, 'a'],
        ['RPOP', k], ['LINSERT', k, 'BEFORE', 'a', 'b'], ['LREM', k, '0', 'b'], ['LSET', k, '0', 'c'], ['LTRIM', k, '0', '50'], ['LMOVE', k, k, 'LEFT', 'RIGHT']];
    case 'hash':
      return [...common, ['HGETALL', k], ['HLEN', k], ['HKEYS', k], ['HVALS', k], ['HGET', k, '1'], ['HEXISTS', k, '0'], ['HSTRLEN', k, '2'], ['HRANDFIELD', k, n, 'WITHVALUES'],
        ['HSCAN', k, '0', 'COUNT', '100'], ['HSET', k, 'new', 'v'], ['HDEL', k, '1'], ['HINCRBY', k, '0', '1'], ['HINCRBYFLOAT', k, 'f', '1.5']];
    case 'set':
      return [...common, ['SMEMBERS', k], ['SCARD', k], ['SISMEMBER', k, '2'], ['SMISMEMBER', k, '1', '_1'], ['SRANDMEMBER', k, n], ['SSCAN', k, '0'], ['SINTER', k, k],
        ['SUNION', k, `${k}:copy`], ['SDIFF', k, 'nokey'], ['SINTERCARD', '1', k], ['SADD', k, '7', 'x'], ['SREM', k, '0'], ['SPOP', k], ['SMOVE', k, `${k}:copy`, '2']];
    case 'zset':
      return [...common, ['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['ZREVRANGE', k, '0', n], ['ZRANGEBYSCORE', k, '-inf', '+inf', 'WITHSCORES'], ['ZRANGEBYLEX', k, '-', '+'],
        ['ZCARD', k], ['ZSCORE', k, '2'], ['ZRANK', k, '_1'], ['ZCOUNT', k, '0', '5'], ['ZLEXCOUNT', k, '-', '+'], ['ZRANDMEMBER', k, n, 'WITHSCORES'], ['ZSCAN', k, '0'],
        ['ZADD', k, '3', 'x'], ['ZINCRBY', k, '1', '0'], ['ZREM', k, '2'], ['ZPOPMIN', k], ['ZUNIONSTORE', `${k}:copy`, '2', k, k], ['ZRANGESTORE', `${k}:copy`, k, '0', '-1']];
    case 'stream': {
      const g = names.groups[0] ?? 'nogroup';
      const c = names.consumers[0] ?? 'alice';
      return [...common, ['XLEN', k], ['XRANGE', k, '-', '+'], ['XREVRANGE', k, '+', '-', 'COUNT', '3'], ['XINFO', 'STREAM', k], ['XINFO', 'STREAM', k, 'FULL'],
        ['XINFO', 'GROUPS', k], ['XINFO', 'CONSUMERS', k, g], ['XPENDING', k, g], ['XPENDING', k, g, '-', '+', '10'], ['XPENDING', k, g, 'IDLE', '0', '-', '+', '10', c],
        ['XREAD', 'COUNT', '5', 'STREAMS', k, '0'], ['XREADGROUP', 'GROUP', g, c, 'COUNT', '3', 'STREAMS', k, '0'], ['XREADGROUP', 'GROUP', g, 'zed', 'COUNT', '2', 'STREAMS', k, '>'],
        ['XAUTOCLAIM', k, g, 'bob', '0', '0-0', 'COUNT', '5'], ['XCLAIM', k, g, 'bob', '0', names.firstId], ['XACK', k, g, names.firstId], ['XADD', k, '*', 'f', 'v'],
        ['XDEL', k, names.firstId], ['XTRIM', k, 'MAXLEN', '~', '2'], ['XGROUP', 'CREATECONSUMER', k, g, 'dave'], ['XGROUP', 'DELCONSUMER', k, g, c],
        ['XGROUP', 'SETID', k, g, '0', 'ENTRIESREAD', '1'], ['XSETID', k, '18446744073709551615-18446744073709551615']];
    }
  }
  return common;
}

export async function fuzzRestore(opts: RestoreFuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const seeds = Object.entries(corpus.dumps).map(([name, hex]) => [name, Buffer.from(hex, 'hex')] as const);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-fuzz-restore-'));
  const report: FuzzReport = { name: 'restore', inputs: 0, accepted: 0, rejected: 0, commands: 0, failures: [] };
  let s: RespiteServer = await startServer({ port: null, dir, appendonly: 'yes', appendfsync: 'no', save: '', 'enable-debug-command': 'yes' });
  let c: EmbeddedConnection = s.connect();
  const deadline = Date.now() + opts.ms;
  const restart = async () => {
    // After a failure the next inputs must not inherit a broken server.
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    s = await startServer({ port: null, dir, appendonly: 'yes', appendfsync: 'no', save: '', 'enable-debug-command': 'yes' });
    c = s.connect();
  };
  const run = async (...args: (string | Buffer)[]): Promise<Reply> => {
    report.commands++;
    const r = await c.send(args);
    if (isInternal(r)) throw new Failure(`${args.map((a) => (Buffer.isBuffer(a) ? '<payload>' : a)).join(' ')} -> ${str(r)}`);
    return r;
  };
  const expectOk = async (...args: (string | Buffer)[]) => {
    const r = await run(...args);
    if (r instanceof ReplyError) throw new Failure(`${args.filter((a) => typeof a === 'string').join(' ')} -> ${r.message}`);
    return r;
  };
  const waitRewrite = async () => {
    for (let i = 0; i < 2000; i++) {
      const info = str(await run('INFO', 'persistence'));
      if (/aof_rewrite_in_progress:0/.test(info) && !/aof_rewrite_scheduled:1/.test(info)) {
        if (!/aof_last_bgrewrite_status:ok/.test(info)) throw new Failure('BGREWRITEAOF failed');
        return;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Failure('BGREWRITEAOF never finished');
  };
  const dumpOf = async (key: string): Promise<Buffer> => {
    const d = await expectOk('DUMP', key);
    return Buffer.isBuffer(d) ? d : Buffer.from(str(d), 'latin1');
  };
  // A value kept unchecked (sanitize-dump-payload no, contents that do not decode): its bytes
  // survive DUMP/RESTORE, SAVE, DEBUG RELOAD and an AOF rewrite unchanged, every command on it
  // answers (an error, never an internal one) and DEL removes it.
  const uncheckedValue = async (sanitize: string, type: string, input: number) => {
    if (sanitize === 'yes') throw new Failure('a value was kept unchecked with sanitize-dump-payload yes');
    const bytes = await dumpOf('_k');
    await expectOk('RESTORE', '_rt', '0', bytes, 'REPLACE');
    if (!(await dumpOf('_rt')).equals(bytes)) throw new Failure('DUMP/RESTORE round trip changed an unchecked value');
    await expectOk('SAVE');
    if (input % 3 === 0) {
      await expectOk('DEBUG', 'RELOAD');
      if (!(await dumpOf('_k')).equals(bytes)) throw new Failure('DEBUG RELOAD changed an unchecked value');
    }
    if (input % 5 === 0) {
      await expectOk('CONFIG', 'SET', 'aof-use-rdb-preamble', input % 2 === 0 ? 'yes' : 'no');
      await expectOk('BGREWRITEAOF');
      await waitRewrite();
      await expectOk('DEBUG', 'LOADAOF');
      if (!(await dumpOf('_k')).equals(bytes)) throw new Failure('AOF rewrite and reload changed an unchecked value');
      await expectOk('CONFIG', 'SET', 'aof-use-rdb-preamble', 'yes');
    }
    for (const cmd of trafficFor(type, '_k', rng, { groups: ['mygroup'], consumers: ['Alice'], firstId: '0-1' })) {
      await run(...cmd);
      if (rng.chance(0.1)) await run('DEBUG', 'DIGEST');
    }
    if ((await expectOk('DEL', '_k', '_rt')) !== 2) throw new Failure('DEL of an unchecked value');
    await expectOk('FLUSHALL');
  };
  try {
    let sanitize = opts.sanitize ?? 'no';
    while (Date.now() < deadline && (opts.maxInputs === undefined || report.inputs < opts.maxInputs)) {
      const [name, seed] = rng.pick(seeds);
      const payload = mutateDump(rng, seed);
      const input = report.inputs++;
      if (opts.sanitize === undefined && input % 50 === 0) sanitize = sanitize === 'no' ? 'yes' : 'no';
      opts.onInput?.(input, `${name} ${printable(payload)}`);
      try {
        await expectOk('CONFIG', 'SET', 'sanitize-dump-payload', sanitize);
        const r = await run('RESTORE', '_k', '0', payload, 'REPLACE');
        if (r instanceof ReplyError) {
          if (!OK_REFUSALS.has(r.message)) throw new Failure(`RESTORE refused with "${r.message}"`);
          report.rejected++;
          continue;
        }
        report.accepted++;
        const type = str(await expectOk('TYPE', '_k'));
        const probe = await run('DEBUG', 'DIGEST-VALUE', '_k');
        if (probe instanceof ReplyError && UNCHECKED.test(probe.message)) {
          await uncheckedValue(sanitize, type, input);
          continue;
        }
        // The value as saved, before any traffic: it must restore to itself.
        const dumped = await expectOk('DUMP', '_k');
        const dump = Buffer.isBuffer(dumped) ? dumped : Buffer.from(str(dumped), 'latin1');
        const digest = str(await expectOk('DEBUG', 'DIGEST-VALUE', '_k'));
        await expectOk('RESTORE', '_rt', '0', dump, 'REPLACE');
        if (str(await expectOk('DEBUG', 'DIGEST-VALUE', '_rt')) !== digest) throw new Failure('DUMP/RESTORE round trip changed the value');
        await expectOk('SAVE');
        if (input % 10 === 0) {
          await expectOk('DEBUG', 'RELOAD');
          if (str(await expectOk('DEBUG', 'DIGEST-VALUE', '_k')) !== digest) throw new Failure('DEBUG RELOAD changed the value');
        }
        if (input % 25 === 0) {
          await expectOk('BGREWRITEAOF');
          await waitRewrite();
          await expectOk('DEBUG', 'LOADAOF');
          if (str(await expectOk('DEBUG', 'DIGEST-VALUE', '_k')) !== digest) throw new Failure('AOF rewrite and reload changed the value');
        }
        const names = { groups: [] as string[], consumers: [] as string[], firstId: '0-1' };
        if (type === 'stream') {
          const groups = await run('XINFO', 'GROUPS', '_k');
          if (Array.isArray(groups)) for (const g of groups) if (Array.isArray(g)) names.groups.push(str(g[1]));
          if (names.groups.length) {
            const cons = await run('XINFO', 'CONSUMERS', '_k', names.groups[0]);
            if (Array.isArray(cons)) for (const x of cons) if (Array.isArray(x)) names.consumers.push(str(x[1]));
          }
          const first = await run('XRANGE', '_k', '-', '+', 'COUNT', '1');
          if (Array.isArray(first) && Array.isArray(first[0])) names.firstId = str(first[0][0]);
        }
        for (const cmd of trafficFor(type, '_k', rng, names)) {
          await run(...cmd);
          if (rng.chance(0.1)) await run('DEBUG', 'DIGEST');
        }
        // After the traffic too: whatever the commands did to the value can be saved.
        await expectOk('SAVE');
        if (str(await expectOk('PING')) !== 'PONG') throw new Failure('PING');
        await expectOk('FLUSHALL');
      } catch (e) {
        // An exception out of the server (not an error reply) is a failure too.
        const what = e instanceof Failure ? e.message : `exception: ${e instanceof Error ? e.stack : String(e)}`;
        report.failures.push(`seed ${opts.seed} input ${input} (${name}, sanitize ${sanitize}): ${what}\n  payload ${printable(payload)}`);
        await restart();
      }
    }
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return report;
}
