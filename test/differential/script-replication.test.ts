// redis.set_repl(): where the effects of a script's commands go (AOF, replicas, both or neither),
// compared with redis-server 7.0 as master: what a redis-server replica of each ends up with, and
// the master's AOF, byte for byte. Also a stale replica refusing a script without a shebang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REDIS_SERVER, startReference } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { linkUp, until } from '../helpers/replication';
import { startServer } from '../../src/index';
import { Reply } from '../../src/resp/reply';

const skip = REDIS_SERVER ? false : 'redis-server not found on PATH: script replication test skipped (apt-get install redis-server)';

const SCRIPT = [
  "redis.call('set', 'a', '1')",
  "redis.set_repl(redis.REPL_NONE) redis.call('set', 'b', '2')",
  "redis.set_repl(redis.REPL_AOF) redis.call('set', 'c', '3') redis.call('publish', 'ch', 'aof-only')",
  "redis.set_repl(redis.REPL_REPLICA) redis.call('set', 'e', '5') redis.call('publish', 'ch', 'replicas')",
  "redis.set_repl(redis.REPL_ALL) redis.call('set', 'd', '4')",
  "return redis.pcall('publish', 'ch', 'all')",
].join('\n');

/** Runs the script on a master (its port, its AOF folder); returns the replica's keys and the AOF. */
async function outcome(masterPort: number, aofDir: string): Promise<{ replica: Reply; aof: string; reply: Reply }> {
  const replica = await startReference(['--replicaof', '127.0.0.1', String(masterPort), '--dir', fs.mkdtempSync(path.join(os.tmpdir(), 'respite-srepl-r-'))]);
  const [m, r] = await Promise.all([RespClient.connect(masterPort), RespClient.connect(replica.port)]);
  try {
    await linkUp(r);
    const reply = await m.call('EVAL', SCRIPT, 0);
    await m.call('SET', 'after', 'x');
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    await until('the last write', async () => (await r.call('EXISTS', 'after')) === 1);
    const incr = fs.readdirSync(aofDir).filter((f) => f.endsWith('.incr.aof'));
    assert.equal(incr.length, 1);
    // redis-server may postpone its AOF write while a background fsync is slow (appendfsync
    // everysec, up to 2 s): read the file once the last write is in it.
    const aof = () => fs.readFileSync(path.join(aofDir, incr[0]), 'latin1');
    await until('the last write in the AOF', async () => aof().includes('$5\r\nafter\r\n'));
    return { replica: await r.call('MGET', 'a', 'b', 'c', 'd', 'e'), aof: aof(), reply };
  } finally {
    m.close();
    r.close();
    await replica.stop();
  }
}

test('redis.set_repl() steers a script\'s writes to the AOF, the replicas, both or neither, as redis-server does', { skip }, async () => {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'respite-srepl-')));
  const ref = await startReference(['--dir', dirs[0], '--appendonly', 'yes']);
  const ours = await startServer({ port: 0, dir: dirs[1], appendonly: 'yes' });
  try {
    const expected = await outcome(ref.port, path.join(dirs[0], 'appendonlydir'));
    assert.deepEqual(expected.replica, ['1', null, null, '4', '5']);
    assert.deepEqual(await outcome(ours.port, path.join(dirs[1], 'appendonlydir')), expected);
  } finally {
    await ref.stop();
    await ours.close();
  }
});

test('a stale replica (replica-serve-stale-data no) refuses a script without a shebang with MASTERDOWN', { skip }, async () => {
  const ref = await startReference();
  const ours = await startServer({ port: 0 });
  const transcript = async (port: number): Promise<string[]> => {
    const c = await RespClient.connect(port);
    const out: string[] = [];
    try {
      await c.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
      await c.call('REPLICAOF', '127.0.0.1', '1');
      for (const argv of [
        ['EVAL', "return redis.call('get', 'x')", '1', 'x'],
        ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
        ['EVAL', '#!lua flags=allow-stale,no-writes\nreturn 1', '0'],
        ['EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.call('get', 'x')", '1', 'x'],
        ['EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.call('echo', 'foobar')", '0'],
        ['EVAL', "#!lua flags=allow-stale\nreturn redis.call('echo', 'foobar')", '0'],
      ]) {
        out.push((await c.callRaw(...argv)).raw.toString('latin1'));
      }
      await c.call('REPLICAOF', 'NO', 'ONE');
      return out;
    } finally {
      c.close();
    }
  };
  try {
    const expected = await transcript(ref.port);
    assert.match(expected[0], /^-MASTERDOWN /);
    assert.deepEqual(await transcript(ours.port), expected);
  } finally {
    await ref.stop();
    await ours.close();
  }
});
