// The AOF side of the propagated stream: DEBUG LOADAOF with the AOF off (it loads what
// BGREWRITEAOF left on disk, as Redis does), approximate stream trims that replay to the same
// length whatever the node size, and lazy-expiry deletions written at once, not held back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, RespiteServer } from '../../src/index';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'respite-aofprop-'));
}

async function withServer(opts: Record<string, unknown>, body: (s: RespiteServer, dir: string) => Promise<void>): Promise<void> {
  const dir = tmpDir();
  const s = await startServer({ port: null, dir, enableDebugCommand: 'yes', ...opts });
  try {
    await body(s, dir);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function rewriteDone(s: RespiteServer): Promise<void> {
  for (;;) {
    const text = String(await s.call('INFO', 'persistence'));
    if (text.includes('aof_rewrite_in_progress:0') && !text.includes('aof_rewrite_scheduled:1')) return;
    // Real time: the rewrite runs in the background, off the cron.
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('DEBUG LOADAOF with the AOF off empties the dataset and loads the AOF that BGREWRITEAOF wrote', async () => {
  await withServer({}, async (s, dir) => {
    await s.call('SET', 'k', 'v');
    await s.call('RPUSH', 'l', 'a', 'b');
    await s.call('BGREWRITEAOF');
    await rewriteDone(s);
    assert.ok(fs.existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')));
    await s.call('SET', 'later', 'x');
    assert.equal(await s.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await s.call('GET', 'k'), 'v');
    assert.deepEqual(await s.call('LRANGE', 'l', '0', '-1'), ['a', 'b']);
    assert.equal(await s.call('EXISTS', 'later'), 0);
  });
});

test('DEBUG LOADAOF with no AOF on disk answers an error', async () => {
  await withServer({}, async (s) => {
    await assert.rejects(s.call('DEBUG', 'LOADAOF'), /ERR Error trying to load the AOF files/);
  });
});

test('XADD / XTRIM with ~ reload from the AOF to the same length with other stream node sizes', async () => {
  await withServer({ appendonly: 'yes', 'stream-node-max-entries': 100 }, async (s) => {
    for (let i = 0; i < 100; i++) await s.call('XADD', 'st', '*', 'f', 'v');
    await s.call('XADD', 'st', 'MAXLEN', '~', '100', '*', 'f', 'v');
    assert.equal(await s.call('XLEN', 'st'), 101);
    for (let i = 0; i < 100; i++) await s.call('XADD', 'tr', '*', 'f', 'v');
    await s.call('XTRIM', 'tr', 'MAXLEN', '~', '85');
    assert.equal(await s.call('XLEN', 'tr'), 100);
    await s.call('CONFIG', 'SET', 'stream-node-max-entries', '10');
    await s.call('XTRIM', 'tr', 'MAXLEN', '~', '85', 'LIMIT', '10');
    const trimmed = await s.call('XLEN', 'tr');
    await s.call('CONFIG', 'SET', 'stream-node-max-entries', '1');
    assert.equal(await s.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await s.call('XLEN', 'st'), 101);
    assert.equal(await s.call('XLEN', 'tr'), trimmed);
  });
});

test('a key expired lazily by a read command is deleted in the AOF at once, not with a later write', async () => {
  await withServer({ appendonly: 'yes' }, async (s, dir) => {
    await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await s.call('SET', 'k', 'v', 'PX', '100000');
    // The TTL runs out (put in the past directly: a clock jump would expire the key actively).
    s.server.keyspace.dbs[0].setExpire('k', s.clock.now() - 1);
    assert.equal(await s.call('GET', 'k'), null);
    const aofDir = path.join(dir, 'appendonlydir');
    const aofText = () => {
      const incr = fs.readdirSync(aofDir).filter((f) => f.endsWith('.incr.aof'));
      return incr.map((f) => fs.readFileSync(path.join(aofDir, f), 'latin1')).join('');
    };
    // Real time: the AOF reaches the file after the reply, through the event loop and the disk.
    for (let i = 0; i < 100 && !aofText().includes('DEL'); i++) await new Promise((r) => setTimeout(r, 10));
    const text = aofText();
    assert.ok(text.endsWith('*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n'), JSON.stringify(text));
  });
});

test('XCLAIM / XAUTOCLAIM of entries deleted from the stream drop them from the PEL in the AOF too (as an XCLAIM, like Redis)', async () => {
  for (const autoclaim of [false, true]) {
    await withServer({ appendonly: 'yes', appendfsync: 'always' }, async (s, dir) => {
      await rewriteDone(s);
      for (const id of ['1-0', '2-0', '3-0', '4-0', '5-0']) await s.call('XADD', 'x', id, 'f', 'v');
      await s.call('XGROUP', 'CREATE', 'x', 'grp', '0');
      await s.call('XREADGROUP', 'GROUP', 'grp', 'Alice', 'STREAMS', 'x', '>');
      await s.call('XDEL', 'x', '2-0');
      await s.call('XDEL', 'x', '4-0');
      if (autoclaim) {
        assert.deepEqual(await s.call('XAUTOCLAIM', 'x', 'grp', 'Bob', '0', '0-0'), ['0-0', [['1-0', ['f', 'v']], ['3-0', ['f', 'v']], ['5-0', ['f', 'v']]], ['2-0', '4-0']]);
      } else {
        assert.deepEqual(await s.call('XCLAIM', 'x', 'grp', 'Bob', '0', '1-0', '2-0', '3-0', '4-0'), [['1-0', ['f', 'v']], ['3-0', ['f', 'v']]]);
      }
      // [id, owner, delivery count] of each pending entry (the idle time moves on).
      const pending = async (...owner: string[]) => ((await s.call('XPENDING', 'x', 'grp', '-', '+', '10', ...owner)) as unknown[][]).map((e) => [e[0], e[1], e[3]]);
      const alice = await pending('Alice');
      const all = await pending();
      assert.deepEqual(alice, autoclaim ? [] : [['5-0', 'Alice', 1]]);
      const aofDir = path.join(dir, 'appendonlydir');
      const incr = () => fs.readdirSync(aofDir).filter((f) => f.endsWith('.incr.aof')).map((f) => fs.readFileSync(path.join(aofDir, f), 'latin1')).join('');
      // The XCLAIM dropping Alice's 2-0 follows the two XDELs (the write lands on the next tick).
      const dropped = /XDEL[\s\S]*XDEL[\s\S]*\$6\r\nXCLAIM\r\n\$1\r\nx\r\n\$3\r\ngrp\r\n\$5\r\nAlice\r\n\$1\r\n0\r\n\$3\r\n2-0\r\n/;
      for (let i = 0; i < 100 && !dropped.test(incr()); i++) await new Promise((r) => setTimeout(r, 10));
      assert.match(incr(), dropped);
      assert.equal(await s.call('DEBUG', 'LOADAOF'), 'OK');
      assert.deepEqual(await pending('Alice'), alice);
      assert.deepEqual(await pending(), all);
    });
  }
});

test('in-process calls resolve only once the AOF holds their write (appendfsync always and everysec)', async () => {
  for (const appendfsync of ['always', 'everysec']) {
    await withServer({ appendonly: 'yes', appendfsync }, async (s, dir) => {
      const aofDir = path.join(dir, 'appendonlydir');
      const incr = (): string => {
        const f = fs.readdirSync(aofDir).find((n) => n.endsWith('.incr.aof'));
        return f === undefined ? '' : fs.readFileSync(path.join(aofDir, f), 'latin1');
      };
      await s.call('SET', 'durable', 'v1');
      assert.match(incr(), /durable\r\n\$2\r\nv1\r\n/);
      // Several calls in one turn: each has reached the file when it resolves.
      const [, r2] = await Promise.all([s.call('SET', 'a', '1'), s.call('INCR', 'a'), s.call('SET', 'b', 'x')]);
      assert.equal(r2, 2);
      assert.match(incr(), /\$4\r\nINCR\r\n\$1\r\na\r\n/);
      assert.match(incr(), /\$1\r\nb\r\n\$1\r\nx\r\n/);
    });
  }
});
