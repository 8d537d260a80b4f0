// Two things a replica sees of its master as Redis 7.0 does: PUBLISH (and SPUBLISH) travel in
// the replication stream, so a replica's subscribers get the message, but not into the AOF; and
// a command held on a replica by CLIENT PAUSE WRITE counts in its offset once it has run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RespClient } from '../helpers/resp-client';
import { info, until, withPair } from '../helpers/replication';

const offsets = async (m: RespClient, r: RespClient) => {
  const ri = info(await r.call('INFO', 'replication'));
  return { master: Number(info(await m.call('INFO', 'replication')).master_repl_offset), read: Number(ri.slave_read_repl_offset), applied: Number(ri.slave_repl_offset) };
};

test("PUBLISH and SPUBLISH reach a replica's subscribers through the stream, and stay out of the AOF", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-publish-'));
  try {
    await withPair(
      async ({ master, m, replica }) => {
        const sub = await RespClient.connect(replica.port);
        await sub.call('SUBSCRIBE', 'news');
        const before = (await offsets(m, m)).master;
        await m.call('MULTI');
        await m.call('PUBLISH', 'news', 'hello');
        await m.call('EXEC');
        const push = await sub.readNext();
        assert.deepEqual(push.value, ['message', 'news', 'hello']);
        assert.equal(await m.call('SPUBLISH', 'shard', 'x'), 0);
        assert.ok((await offsets(m, m)).master > before, 'the stream grew');
        sub.close();
        // The AOF got no PUBLISH (Redis propagates it to replicas only).
        await m.call('SET', 'k', 'v');
        const aofDir = path.join(dir, 'appendonlydir');
        const incr = fs.readdirSync(aofDir).filter((f) => f.includes('.incr.'));
        const text = incr.map((f) => fs.readFileSync(path.join(aofDir, f), 'latin1')).join('');
        assert.match(text, /SET\r\n\$1\r\nk/);
        assert.doesNotMatch(text, /PUBLISH/i);
        void master;
      },
      { master: { dir, appendonly: 'yes', save: '' } },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a write held on a replica by CLIENT PAUSE WRITE is read but not counted until it runs, then counted', async () => {
  await withPair(async ({ m, r }) => {
    // No PING from the master meanwhile: nothing else would make the replica count again.
    await m.call('CONFIG', 'SET', 'repl-ping-replica-period', '3600');
    await m.call('SET', 'foo', 'bar');
    await until('the replica to catch up', async () => {
      const o = await offsets(m, r);
      return o.applied === o.master;
    });
    const old = (await offsets(m, r)).master;
    await r.call('CLIENT', 'PAUSE', '100000', 'WRITE');
    await m.call('SET', 'foo2', 'bar2');
    await until('the replica to read the write', async () => {
      const o = await offsets(m, r);
      return o.read === o.master;
    });
    assert.equal((await offsets(m, r)).applied, old);
    assert.equal(await r.call('GET', 'foo2'), null);
    await r.call('CLIENT', 'UNPAUSE');
    await until('the replica to count the write', async () => {
      const o = await offsets(m, r);
      return o.applied === o.master;
    });
    assert.equal(await r.call('GET', 'foo2'), 'bar2');
  });
});
