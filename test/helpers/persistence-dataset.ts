// A dataset covering every type in every encoding Redis 7.0 writes, and a comparable snapshot of
// a server's whole keyspace: shared by the persistence tests.
import { RespClient } from './resp-client';
import type { Reply } from '../../src/resp/reply';

export type Cmd = (string | number)[];

const BIN = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

/** Commands building every type in every encoding Redis 7.0 writes. */
export function datasetCommands(): Cmd[] {
  const cmds: Cmd[] = [
    ['SET', 'str', 'hello'],
    ['SET', 'empty', ''],
    ['SET', 'int8', '-12'],
    ['SET', 'int16', '3000'],
    ['SET', 'int32', '-70000'],
    ['SET', 'int64', '5000000000'],
    ['SET', 'notcanon', '007'],
    ['SET', 'long', 'a'.repeat(2000)],
    ['SET', 'random', Array.from({ length: 300 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('')],
    ['SET', 'binary', BIN],
    ['SET', 'ttl', 'v', 'PXAT', '4102444800000'],
    ['RPUSH', 'list', 'a', 'b', '1', '-2', '300', '70000', '5000000000', 'x'.repeat(70)],
    ['HSET', 'hash', 'f1', 'v1', 'n', '42', 'neg', '-5000'],
    ['HSET', 'hashbigval', 'f', 'v'.repeat(100)],
    ['SADD', 'intset16', '1', '2', '-3'],
    ['SADD', 'intset64', '1', '5000000000', '-9223372036854775808'],
    ['SADD', 'set', 'a', 'b', 'c', '1'],
    ['ZADD', 'zset', '1', 'a', '2.5', 'b', '-inf', 'c', 'inf', 'd', '-0.125', 'e', '1e300', 'f'],
    ['ZADD', 'zsetlong', '1', 'm'.repeat(100)],
    ['PEXPIREAT', 'list', '4102444800000'],
    ['XADD', 'stream', '1-1', 'a', '1', 'b', '2'],
    ['XADD', 'stream', '1-2', 'a', '3', 'b', '4'],
    ['XADD', 'stream', '2-0', 'c', '5'],
    ['XADD', 'stream', '3-0', 'a', '6', 'b', '7'],
    ['XDEL', 'stream', '1-2'],
    ['XGROUP', 'CREATE', 'stream', 'g1', '0'],
    ['XGROUP', 'CREATE', 'stream', 'g2', '$'],
    ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'stream', '>'],
    ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '1', 'STREAMS', 'stream', '>'],
    ['XGROUP', 'CREATECONSUMER', 'stream', 'g2', 'carol'],
    ['XADD', 'emptystream', '5-5', 'f', 'v'],
    ['XDEL', 'emptystream', '5-5'],
    ['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=persistlib\nredis.register_function('persist_f1', function(keys, args) return 1 end)"],
    ['SELECT', '3'],
    ['SET', 'db3key', 'in db 3'],
    ['LPUSH', 'db3list', 'x'],
    ['SELECT', '0'],
  ];
  // Big collections: past the listpack / intset limits, several quicklist nodes.
  const big = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
  cmds.push(['RPUSH', 'biglist', ...big(3000, (i) => [i % 3 === 0 ? String(i) : `element-${i}`])]);
  cmds.push(['RPUSH', 'hugeelems', 'y'.repeat(10000), 'z', 'w'.repeat(9000)]);
  cmds.push(['HSET', 'bighash', ...big(700, (i) => [`field:${i}`, `value:${i}`])]);
  cmds.push(['SADD', 'bigintset', ...big(600, (i) => [String(i * 3)])]);
  cmds.push(['SADD', 'bigset', ...big(600, (i) => [`member:${i}`])]);
  cmds.push(['ZADD', 'bigzset', ...big(300, (i) => [String(i / 7), `m:${i}`])]);
  cmds.push(['XADD', 'bigstream', '*', 'f', 'v']);
  for (let i = 0; i < 250; i++) cmds.push(['XADD', 'bigstream2', `${1000 + i}-0`, 'field', String(i), ...(i % 10 === 0 ? ['extra', 'x'] : [])]);
  return cmds;
}

export async function run(c: RespClient, cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    const r = await c.callRaw(...cmd);
    if (r.raw[0] === 0x2d) throw new Error(`${cmd.slice(0, 3).join(' ')}: ${r.raw.toString('latin1')}`);
  }
}

/** Everything observable about the dataset, in a comparable form. */
/** `ignoreTimes`: millisecond timestamps (XINFO delivery/seen times) read as 0, for comparing two live servers. */
export async function snapshotOf(c: RespClient, ignoreTimes = false): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (let db = 0; db < 16; db++) {
    await c.call('SELECT', db);
    const keys = ((await c.call('KEYS', '*')) as string[]).map(String).sort();
    for (const k of keys) {
      const type = String(await c.call('TYPE', k));
      const enc = String(await c.call('OBJECT', 'ENCODING', k));
      const exp = await c.call('PEXPIRETIME', k);
      let value: Reply;
      if (type === 'string') value = await c.call('GET', k);
      else if (type === 'list') value = await c.call('LRANGE', k, 0, -1);
      else if (type === 'hash') value = ((await c.call('HGETALL', k)) as string[]).map(String);
      else if (type === 'set') value = ((await c.call('SMEMBERS', k)) as string[]).map(String).sort();
      else if (type === 'zset') value = await c.call('ZRANGE', k, 0, -1, 'WITHSCORES');
      else value = [await c.call('XRANGE', k, '-', '+'), await c.call('XINFO', 'STREAM', k, 'FULL')];
      out[`${db}:${k}`] = { type, enc, exp, value: normalise(value, ignoreTimes) };
    }
  }
  await c.call('SELECT', 0);
  out.functions = normalise(await c.call('FUNCTION', 'LIST', 'WITHCODE'), false);
  return out;
}

/** Buffers to latin1 strings; XINFO's times are wall-clock dependent only in seen-time. */
function normalise(v: unknown, ignoreTimes: boolean): unknown {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return v.map((x) => normalise(x, ignoreTimes));
  if (ignoreTimes && typeof v === 'number' && v > 1e12) return 0;
  return v;
}

export function asBuf(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'latin1');
}

export function text(r: unknown): string {
  return r !== null && typeof r === 'object' && 'value' in r ? String((r as { value: unknown }).value) : Buffer.isBuffer(r) ? r.toString('latin1') : String(r);
}

