// Regenerates test/fuzz/corpus.json, the seeds of the persistence fuzzers, from a real
// redis-server (found on PATH): DUMP payloads of every type and encoding Redis 7.0 writes, the
// values of the older encodings (ziplist, zipmap, quicklist of ziplists, intset) taken from the
// RDB files of Redis's own test assets, one RDB file holding every type, and one multi-part AOF
// (RDB-preamble base plus a command incr file).
//
// Usage: node dist/test/fuzz/make-corpus.js [port] [redis-tests-assets-dir]
// The corpus is committed, so the fuzzers themselves never need redis-server.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RespClient } from '../helpers/resp-client';
import { Crc64 } from '../../src/persistence/crc64';
import { RdbInput, isValueType } from '../../src/persistence/rdb-reader';
import * as R from '../../src/persistence/rdb-format';

const PORT = Number(process.argv[2] ?? 7810);
const ASSETS = process.argv[3] ?? '/tmp/redis-7.0/tests/assets';
const OUT = path.resolve(__dirname, '../../../test/fuzz/corpus.json');

export interface Corpus {
  /** name -> DUMP payload, hex */
  dumps: Record<string, string>;
  /** an RDB file with every type, hex */
  rdb: string;
  /** a multi-part AOF: manifest text, base RDB (hex), incr commands (hex) */
  aof: { manifest: string; baseName: string; base: string; incrName: string; incr: string };
}

async function startRedis(dir: string, extra: string[]): Promise<{ proc: ChildProcess; c: RespClient }> {
  const proc = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--enable-debug-command', 'yes', ...extra], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      const c = await RespClient.connect(PORT);
      await c.call('PING');
      return { proc, c };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start');
}

/** Keys of every type in several encodings (like Redis's corrupt-dump-fuzzer, and more). */
async function fill(c: RespClient): Promise<void> {
  await c.call('CONFIG', 'SET', 'list-max-listpack-size', '5');
  await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '5');
  await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '5');
  await c.call('CONFIG', 'SET', 'set-max-intset-entries', '5');
  await c.call('CONFIG', 'SET', 'stream-node-max-entries', '5');
  for (const [suffix, n] of [['', 3], ['big', 10]] as const) {
    for (let j = 0; j < n; j++) {
      const val = j % 2 === 0 ? String(j) : `_${j}`;
      await c.call('HSET', `hash${suffix}`, String(j), val);
      await c.call('RPUSH', `list${suffix}`, val);
      await c.call('ZADD', `zset${suffix}`, String(j + 0.5), val);
      await c.call('SADD', `set${suffix}`, val);
      await c.call('SADD', `intset${suffix}`, String(j * 1000 - 3));
      await c.call('XADD', `stream${suffix}`, '*', 'item', '1', 'value', val);
    }
  }
  await c.call('SADD', 'intset64', '5', '-9000000000', '9000000000');
  await c.call('XGROUP', 'CREATE', 'stream', 'mygroup', '0');
  const rec = (await c.call('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'COUNT', '2', 'STREAMS', 'stream', '>')) as unknown as [string, [string, string[]][]][];
  const ids = rec[0][1].map((e) => e[0]);
  await c.call('XDEL', 'stream', ids[0]);
  await c.call('XACK', 'stream', 'mygroup', ids[1]);
  await c.call('XGROUP', 'CREATE', 'streambig', 'g1', '0');
  await c.call('XGROUP', 'CREATE', 'streambig', 'g2', '$');
  await c.call('XREADGROUP', 'GROUP', 'g1', 'Bob', 'COUNT', '4', 'STREAMS', 'streambig', '>');
  await c.call('XREADGROUP', 'GROUP', 'g1', 'Carol', 'COUNT', '3', 'STREAMS', 'streambig', '>');
  await c.call('XADD', 'streambig', '*', 'item', '1', 'value', '1');
  await c.call('XADD', 'streambig', '*', 'item', '1', 'unique', 'value');
  await c.call('XADD', 'streamempty', '*', 'a', '1');
  await c.call('XTRIM', 'streamempty', 'MAXLEN', '0');
  await c.call('XGROUP', 'CREATE', 'streamempty', 'g', '$');
  await c.call('INCR', 'int');
  await c.call('SET', 'negint', '-123456789');
  await c.call('SET', 'string', 'str');
  await c.call('SET', 'longstring', 'abcdefghij'.repeat(20));
  await c.call('SET', 'binary', Buffer.from([0, 1, 2, 255, 254, 13, 10]));
  await c.call('SET', 'bigint', '123456789012345678');
  await c.call('PFADD', 'hll', 'a', 'b', 'c');
  await c.call('SETBIT', 'bitmap', '100', '1');
  await c.call('ZADD', 'zsetinf', 'inf', 'a', '-inf', 'b', '1e300', 'c');
  await c.call('HSET', 'hashlong', 'f', 'x'.repeat(100));
  await c.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100');
  await c.call('RPUSH', 'listplain', 'small', 'y'.repeat(150), 'z');
  await c.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824');
  await c.call('LPUSH', 'listints', '1', '-1', '300', '-70000', '5000000000', '-5000000000');
}

function payload(type: number, body: Buffer, version = R.RDB_VERSION): Buffer {
  const b = Buffer.concat([Buffer.from([type]), body, Buffer.from([version, 0])]);
  return Buffer.concat([b, new Crc64().update(b).toBuffer()]);
}

/** The values of an RDB file, each as a DUMP payload (type byte + value bytes, re-signed). */
function valuesOfRdb(file: Buffer): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  const inp = new RdbInput(file);
  const version = Number(file.latin1Slice(5, 9));
  inp.pos = 9;
  for (;;) {
    const op = inp.u8();
    if (op === R.OP_EOF) break;
    if (op === R.OP_AUX) {
      inp.string();
      inp.string();
    } else if (op === R.OP_SELECTDB) inp.len();
    else if (op === R.OP_RESIZEDB) {
      inp.len();
      inp.len();
    } else if (op === R.OP_EXPIRETIME_MS) inp.bytes(8);
    else if (op === R.OP_EXPIRETIME) inp.bytes(4);
    else if (op === R.OP_IDLE) inp.len();
    else if (op === R.OP_FREQ) inp.u8();
    else if (isValueType(op)) {
      const key = inp.string();
      const start = inp.pos;
      try {
        inp.value(op, { hash: { entries: 512, value: 64 }, zset: { maxEntries: 128, maxValue: 64 }, setMaxIntset: 512, streamNode: { maxEntries: 100, maxBytes: 4096 } });
      } catch {
        break; // the corrupt assets: keep what came before
      }
      out.push([`${key} (type ${op})`, payload(op, file.subarray(start, inp.pos), Math.min(version, R.RDB_VERSION))]);
    } else break;
  }
  return out;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-corpus-'));
  const corpus: Corpus = { dumps: {}, rdb: '', aof: { manifest: '', baseName: '', base: '', incrName: '', incr: '' } };
  {
    const { proc, c } = await startRedis(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'yes']);
    try {
      await fill(c);
      const keys = ((await c.call('KEYS', '*')) as unknown as string[]).sort();
      for (const k of keys) {
        const raw = (await c.callRaw('DUMP', k)).raw;
        // $<len>\r\n<bytes>\r\n
        const nl = raw.indexOf('\r\n');
        const enc = ((await c.call('OBJECT', 'ENCODING', k)) as unknown as string).toString();
        corpus.dumps[`${k} (${enc})`] = raw.subarray(nl + 2, raw.length - 2).toString('hex');
      }
      await c.call('SAVE');
      await c.call('BGREWRITEAOF');
      await new Promise((r) => setTimeout(r, 1000));
      await c.call('SET', 'after', 'rewrite');
      await c.call('RPUSH', 'listafter', 'a', 'b');
      await c.call('EXPIRE', 'listafter', '100000');
      await c.call('SELECT', '2');
      await c.call('HSET', 'h2', 'f', 'v');
      await c.call('MULTI');
      await c.call('INCR', 'counter');
      await c.call('DEL', 'h2');
      await c.call('EXEC');
      await new Promise((r) => setTimeout(r, 1200));
    } finally {
      c.close();
      proc.kill('SIGKILL');
    }
    corpus.rdb = fs.readFileSync(path.join(dir, 'dump.rdb')).toString('hex');
    const aofDir = path.join(dir, 'appendonlydir');
    const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
    const base = /file (\S+) seq \d+ type b/.exec(manifest)![1];
    const incr = /file (\S+) seq \d+ type i/.exec(manifest)![1];
    corpus.aof = {
      manifest,
      baseName: base,
      base: fs.readFileSync(path.join(aofDir, base)).toString('hex'),
      incrName: incr,
      incr: fs.readFileSync(path.join(aofDir, incr)).toString('hex'),
    };
  }
  for (const f of ['encodings.rdb', 'hash-zipmap.rdb', 'hash-ziplist.rdb', 'list-quicklist.rdb', 'zset-ziplist.rdb']) {
    const p = path.join(ASSETS, f);
    if (!fs.existsSync(p)) continue;
    for (const [name, pl] of valuesOfRdb(fs.readFileSync(p))) corpus.dumps[`${f}: ${name}`] = pl.toString('hex');
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.writeFileSync(OUT, JSON.stringify(corpus, null, 1) + '\n');
  console.log(`${Object.keys(corpus.dumps).length} payloads, rdb ${corpus.rdb.length / 2} bytes, aof base ${corpus.aof.base.length / 2} + incr ${corpus.aof.incr.length / 2} bytes -> ${OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
