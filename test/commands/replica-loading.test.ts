// A replica loading a full sync without blocking (Redis 7.0's replication.c readSyncBulkPayload):
// INFO loading / async_loading and the loading_* fields, -LOADING for commands not flagged
// loading-ok, repl-diskless-load disabled | on-empty-db | swapdb, and a transfer cut short
// (a "short read") leaving the old data in place under swapdb. A master played by the test sends
// the payload at its own pace, so the replica can be watched in the middle of a load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { RespClient } from '../helpers/resp-client';
import { ReplicaLink } from '../helpers/replica-link';
import { info, until } from '../helpers/replication';
import { startServer, RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { SimpleString } from '../../src/resp/reply';
import { ProtocolError, RespParser } from '../../src/resp/parser';

const LOADING = 'LOADING Redis is loading the dataset in memory';
const MARK = 'x'.repeat(39) + 'y';

/** An RDB image of `n` keys `key:<i>` (plus a function library), as a respite master sends it. */
async function rdbImage(n: number, prefix = 'key'): Promise<Buffer> {
  const s = await startServer({ port: 0, enableDebugCommand: 'yes' });
  try {
    await s.call('DEBUG', 'POPULATE', n, prefix, 100);
    await s.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function{function_name='f', callback=function() return 'new' end, flags={'no-writes'}}");
    const link = await ReplicaLink.connect(s.port);
    link.send('SYNC');
    const rdb = await link.readPayload(10_000);
    link.close();
    return rdb;
  } finally {
    await s.close();
  }
}

/**
 * A master played by the test: answers the handshake, then +FULLRESYNC <replid> 0 and hands the
 * socket to `serve` for the payload. Each accepted link is kept in `links`.
 */
class ScriptedMaster {
  readonly links: net.Socket[] = [];
  private readonly server: net.Server;
  psyncs: string[][] = [];

  private constructor(
    private readonly replid: string,
    private serve: (sock: net.Socket) => void,
  ) {
    this.server = net.createServer((sock) => this.accept(sock));
  }

  static async start(replid: string, serve: (sock: net.Socket) => void): Promise<ScriptedMaster> {
    const m = new ScriptedMaster(replid, serve);
    await new Promise<void>((resolve) => m.server.listen(0, '127.0.0.1', resolve));
    return m;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** What the next links get after the handshake. */
  setServe(serve: (sock: net.Socket) => void): void {
    this.serve = serve;
  }

  private accept(sock: net.Socket): void {
    this.links.push(sock);
    sock.on('error', () => {});
    const parser = new RespParser({ maxBulkLen: 1 << 20, authRequired: () => false });
    let synced = false;
    sock.on('data', (d) => {
      if (synced) return; // newlines and REPLCONF ACKs while loading / streaming
      parser.feed(d);
      for (;;) {
        const argv = parser.next();
        if (argv === null || argv instanceof ProtocolError) return;
        const name = argv[0]?.toUpperCase();
        if (name === 'PING') sock.write('+PONG\r\n');
        else if (name === 'REPLCONF') sock.write('+OK\r\n');
        else if (name === 'PSYNC') {
          this.psyncs.push(argv);
          synced = true;
          sock.write(`+FULLRESYNC ${this.replid} 0\r\n`);
          this.serve(sock);
          return;
        }
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.links) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

const REPLID_A = 'a'.repeat(40);

async function replicaInfo(r: RespClient): Promise<Record<string, string>> {
  return info(await r.call('INFO'));
}

function errorText(v: unknown): string {
  assert.ok(v instanceof ReplyError, `expected an error, got ${String(v)}`);
  return v.message;
}

test('swapdb, another history: -LOADING while the payload streams in, a short read leaves the old data', async () => {
  const rdb = await rdbImage(2000);
  const half = rdb.subarray(0, rdb.length >> 1);
  // $EOF form (a diskless master): half the image, then nothing until the test cuts the link.
  const master = await ScriptedMaster.start(REPLID_A, (sock) => sock.write(Buffer.concat([Buffer.from(`$EOF:${MARK}\r\n`), half])));
  const lines: string[] = [];
  const replica = await startServer({ port: 0, replDisklessLoad: 'swapdb', log: (l: string) => void lines.push(l) });
  const r = await RespClient.connect(replica.port);
  try {
    await r.call('SET', 'mykey', 'old');
    await r.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function{function_name='f', callback=function() return 'old' end, flags={'no-writes'}}");
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await until('the replica to load', async () => (await replicaInfo(r)).loading === '1');
    const f = await replicaInfo(r);
    assert.equal(f.async_loading, '0');
    assert.equal(f.loading_total_bytes, '0'); // an EOF-marked stream has no announced size
    assert.ok(Number(f.loading_loaded_bytes) > 0 && Number(f.loading_loaded_bytes) <= half.length, f.loading_loaded_bytes);
    for (const k of ['loading_start_time', 'loading_rdb_used_mem', 'loading_loaded_perc', 'loading_eta_seconds']) assert.ok(k in f, k);
    assert.equal(f.master_sync_in_progress, '1');
    // Commands not flagged loading-ok are refused; INFO, CONFIG GET and friends answer.
    assert.equal(errorText(await r.call('GET', 'mykey')), LOADING);
    assert.equal(errorText(await r.call('PING')), LOADING);
    assert.equal(errorText(await r.call('DBSIZE')), LOADING);
    assert.deepEqual(await r.call('CONFIG', 'GET', 'repl-diskless-load'), ['repl-diskless-load', 'swapdb']);
    // The master goes away mid-transfer: the temporary databases are dropped, the old data stays.
    master.setServe(() => {}); // the next attempts get no payload at all
    master.links[0].destroy();
    await until('the load to stop', async () => (await replicaInfo(r)).loading === '0');
    assert.equal(await r.call('GET', 'mykey'), 'old');
    assert.equal(await r.call('DBSIZE'), 1);
    assert.equal(await r.call('FCALL_RO', 'f', 0), 'old');
    assert.ok(lines.some((l) => l.includes('Internal error in RDB reading offset')), 'short read logged');
    assert.ok(lines.some((l) => l.includes('MASTER <-> REPLICA sync: Discarding temporary DB in background')));
    assert.ok(!lines.some((l) => l.includes('Flushing old data')));
  } finally {
    r.close();
    await replica.close();
    await master.close();
  }
});

test('swapdb, the same history: the old data serves reads while the new one loads (async_loading), then is swapped in', async () => {
  const first = await rdbImage(10, 'first');
  const second = await rdbImage(3000, 'second');
  let round = 0;
  let finishSecond: (() => void) | null = null;
  const master = await ScriptedMaster.start(REPLID_A, (sock) => {
    round++;
    if (round === 1) {
      sock.write(Buffer.concat([Buffer.from(`$${first.length}\r\n`), first]));
      return;
    }
    // The second sync: the $<len> form, two thirds now, the rest when the test says.
    const cut = Math.floor((second.length * 2) / 3);
    sock.write(Buffer.concat([Buffer.from(`$${second.length}\r\n`), second.subarray(0, cut)]));
    finishSecond = () => sock.write(second.subarray(cut));
  });
  const replica = await startServer({ port: 0, replDisklessLoad: 'swapdb', replicaReadOnly: 'no' });
  const r = await RespClient.connect(replica.port);
  try {
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await until('the first sync', async () => (await replicaInfo(r)).master_link_status === 'up');
    assert.equal(await r.call('DBSIZE'), 10);
    await r.call('SET', 'mykey', 'local');
    // The link drops; the replica asks to continue our history, the master answers with a full sync.
    master.links[0].destroy();
    await until('async loading', async () => (await replicaInfo(r)).async_loading === '1');
    assert.deepEqual(master.psyncs[1], ['PSYNC', REPLID_A, '1']);
    const f = await replicaInfo(r);
    assert.equal(f.loading, '0');
    assert.equal(f.loading_total_bytes, String(second.length));
    // Reads are served from the old data; commands flagged no_async_loading are refused.
    assert.equal(await r.call('GET', 'mykey'), 'local');
    assert.equal(await r.call('DBSIZE'), 11);
    assert.equal(await r.call('FCALL_RO', 'f', 0), 'new');
    assert.deepEqual(await r.call('PING'), new SimpleString('PONG'));
    assert.equal(errorText(await r.call('REPLICAOF', 'NO', 'ONE')), LOADING);
    assert.equal(errorText(await r.call('SAVE')), LOADING);
    assert.equal(errorText(await r.call('CONFIG', 'SET', 'appendonly', 'no')), LOADING);
    finishSecond!();
    await until('the swap', async () => (await replicaInfo(r)).master_link_status === 'up');
    const g = await replicaInfo(r);
    assert.equal(g.async_loading, '0');
    assert.equal(g.rdb_last_load_keys_loaded, '3000');
    assert.equal(await r.call('GET', 'mykey'), null);
    assert.equal(await r.call('DBSIZE'), 3000);
    assert.equal(await r.call('EXISTS', 'second:2999'), 1);
  } finally {
    r.close();
    await replica.close();
    await master.close();
  }
});

test('on-empty-db parses from the socket only when the replica has no key; a corrupt payload is refused', async () => {
  const rdb = await rdbImage(50);
  const corrupt = Buffer.from(rdb);
  corrupt[corrupt.length - 20] ^= 0xff; // inside the last value or the checksum
  let payload = rdb;
  const master = await ScriptedMaster.start(REPLID_A, (sock) => sock.write(Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload])));
  const lines: string[] = [];
  const replica = await startServer({ port: 0, replDisklessLoad: 'on-empty-db', log: (l: string) => void lines.push(l) });
  const r = await RespClient.connect(replica.port);
  try {
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await until('the sync', async () => (await replicaInfo(r)).master_link_status === 'up');
    assert.equal(await r.call('DBSIZE'), 50);
    assert.ok(lines.some((l) => l.includes(`receiving ${rdb.length} bytes from master to parser`)));
    // With keys, the payload is received whole first ("to disk"), then loaded; a corrupt one fails.
    payload = corrupt;
    lines.length = 0;
    master.links[0].destroy();
    await until('the failed load', async () => lines.some((l) => l.includes('Failed trying to load the MASTER synchronization DB from disk')));
    assert.ok(lines.some((l) => l.includes(`receiving ${rdb.length} bytes from master to disk`)));
    await until('the load to stop', async () => (await replicaInfo(r)).loading === '0');
    // (Not swapdb: the old data was flushed before loading, the half-loaded data is emptied.)
    assert.equal(await r.call('DBSIZE'), 0);
  } finally {
    r.close();
    await replica.close();
    await master.close();
  }
});

test('repl-diskless-load disabled: a slow load from a real master answers -LOADING, then the data is there', async () => {
  const master = await startServer({ port: 0, enableDebugCommand: 'yes' });
  await master.call('DEBUG', 'POPULATE', 3000, 'key', 10);
  // key-load-delay (a test hook, as in Redis) makes each key take 500 µs: about 1.5 s of loading.
  const replica = await startServer({ port: 0, keyLoadDelay: 500, loadingProcessEventsIntervalBytes: 1024 });
  const r = await RespClient.connect(replica.port);
  try {
    await r.call('SET', 'mykey', 'old');
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await until('loading', async () => (await replicaInfo(r)).loading === '1');
    assert.equal(errorText(await r.call('GET', 'mykey')), LOADING);
    const f = await replicaInfo(r);
    assert.ok(Number(f.loading_total_bytes) > 0);
    assert.equal(f.async_loading, '0');
    await until('the sync', async () => (await replicaInfo(r)).master_link_status === 'up', 30_000);
    assert.equal(await r.call('DBSIZE'), 3000);
    assert.equal(await r.call('GET', 'mykey'), null);
  } finally {
    r.close();
    await replica.close();
    await master.close();
  }
});
