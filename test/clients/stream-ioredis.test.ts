// A reliable-processing workload over ioredis against respite: a consumer group shared by several
// consumers, blocking reads, a consumer that "crashes" with unacknowledged entries, and a
// survivor that reclaims them with XAUTOCLAIM. Every entry must be processed exactly once.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startServer, RespiteServer } from '../../src/index';
import { blockedClientCount } from '../../src/engine/blocking';

const T = { timeout: 20_000 };
let s: RespiteServer;
const open: Redis[] = [];

function client(protocol: 2 | 3 = 2): Redis {
  const r = new Redis({ port: s.port, host: '127.0.0.1', maxRetriesPerRequest: 1, protocol });
  r.on('error', () => {});
  open.push(r);
  return r;
}

/** Waits until `n` clients are blocked in the server (a read sent without awaiting has arrived). */
async function waitBlocked(n: number): Promise<void> {
  for (let i = 0; i < 2000 && blockedClientCount(s.server) !== n; i++) await new Promise((res) => setTimeout(res, 5));
  assert.equal(blockedClientCount(s.server), n);
}

type Entries = [string, string[]][];
type ReadReply = [string, Entries][] | null;

before(async () => {
  s = await startServer({ port: 0 });
});

after(async () => {
  for (const r of open) r.disconnect();
  await s.close();
});

describe('streams over ioredis', () => {
  test('consumer group: several consumers, blocking reads, crash and reclaim', T, async () => {
    const producer = client();
    await producer.del('jobs');
    await producer.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM');

    const processed = new Map<string, string>();
    const total = 60;
    let stop = false;

    // Workers block for new jobs; "crasher" takes jobs and never acknowledges them.
    async function worker(name: string, crash: boolean): Promise<number> {
      const r = client();
      while (!stop) {
        const res = (await r.xreadgroup('GROUP', 'workers', name, 'COUNT', 5, 'BLOCK', 200, 'STREAMS', 'jobs', '>')) as ReadReply;
        if (res === null) continue;
        if (crash) return res[0][1].length; // dies holding its entries
        for (const [id, fields] of res[0][1]) {
          assert.equal(processed.has(id), false, `job ${id} processed twice`);
          processed.set(id, `${name}:${fields[1]}`);
          await r.xack('jobs', 'workers', id);
        }
      }
      return 0;
    }

    const crasher = worker('crasher', true);
    await waitBlocked(1); // crasher blocks first, gets the first batch
    const workers = [worker('w1', false), worker('w2', false)];
    for (let i = 0; i < total; i++) await producer.xadd('jobs', '*', 'n', String(i));
    const held = await crasher;
    assert.ok(held > 0);

    // Wait for the live workers to drain the stream.
    for (let i = 0; i < 500 && processed.size + held < total; i++) await new Promise((res) => setTimeout(res, 20));
    const [pendingCount, , , owners] = (await producer.xpending('jobs', 'workers')) as [number, string, string, [string, string][]];
    assert.equal(pendingCount, held);
    assert.deepEqual(owners, [['crasher', String(held)]]);

    // A survivor reclaims what the crashed consumer held once it is idle.
    await new Promise((res) => setTimeout(res, 60));
    const survivor = client(3);
    let cursor = '0-0';
    do {
      const [next, claimed, deleted] = (await survivor.xautoclaim('jobs', 'workers', 'survivor', 50, cursor, 'COUNT', 2)) as [string, Entries, string[]];
      assert.deepEqual(deleted, []);
      for (const [id, fields] of claimed) {
        processed.set(id, `survivor:${fields[1]}`);
        await survivor.xack('jobs', 'workers', id);
      }
      cursor = next;
    } while (cursor !== '0-0');
    stop = true;
    await Promise.all(workers);

    assert.equal(processed.size, total);
    assert.deepEqual([...processed.values()].map((v) => Number(v.split(':')[1])).sort((a, b) => a - b), [...Array(total).keys()]);
    assert.ok([...processed.values()].some((v) => v.startsWith('survivor:')));
    assert.deepEqual(await producer.xpending('jobs', 'workers'), [0, null, null, null]);
    const groups = (await producer.xinfo('GROUPS', 'jobs')) as unknown[][];
    assert.equal(groups[0][groups[0].indexOf('lag') + 1], 0);
    assert.equal(groups[0][groups[0].indexOf('entries-read') + 1], total);
  });

  test('XREAD BLOCK with $ across two streams, RESP3 map reply', T, async () => {
    const r = client(3);
    const w = client();
    await w.del('a', 'b');
    const pending = r.xread('BLOCK', 0, 'STREAMS', 'a', 'b', '$', '$');
    await waitBlocked(1);
    await w.xadd('b', '5-1', 'k', 'v');
    const got = (await pending) as unknown;
    // ioredis keeps RESP3 maps as flat arrays or objects depending on version: accept both.
    const flat = Array.isArray(got) ? (got as unknown[]).flat(1) : Object.entries(got as object).flat(1);
    assert.deepEqual(flat, ['b', [['5-1', ['k', 'v']]]]);
    assert.deepEqual(await w.xrange('b', '-', '+'), [['5-1', ['k', 'v']]]);
    assert.equal(await w.xlen('b'), 1);
  });
});
