// Credentials never reach SLOWLOG or MONITOR: ACL SETUSER's arguments, CONFIG SET of sensitive
// parameters, MIGRATE's AUTH/AUTH2 are shown as "(redacted)", compared with the reference server.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, freePort, Pair } from '../helpers/differential';
import { Reply } from '../../src/resp/reply';

/** The logged arguments of every slow log entry, newest first, on both servers (compared). */
async function slowlogArgs(p: Pair): Promise<string[][]> {
  const [a, b] = await Promise.all([p.redis.call('SLOWLOG', 'GET', '-1'), p.respite.call('SLOWLOG', 'GET', '-1')]);
  const args = (r: Reply) => (r as Reply[][]).map((e) => (e[3] as Reply[]).map(String));
  // MIGRATE names each server's own port: compare with the port masked.
  const mask = (l: string[][], port: number) => l.map((e) => e.map((x) => (x === String(port) ? '<port>' : x)));
  assert.deepEqual(mask(args(b), port), mask(args(a), port));
  return args(a);
}
let port = 0;

differential('redaction of credentials', (ctx) => {
  test('SLOWLOG shows ACL SETUSER, CONFIG SET masterauth and MIGRATE AUTH/AUTH2 redacted', async () => {
    const p = await ctx.pair();
    port = await freePort(); // nothing listens there: MIGRATE fails, and is logged all the same
    await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await p.run('SLOWLOG', 'RESET');
    try {
      await p.run('ACL', 'SETUSER', 'slowlog test user', '+get', '+set');
      await p.run('CONFIG', 'SET', 'masterauth', 'secret');
      await Promise.all([
        p.redis.call('MIGRATE', '127.0.0.1', String(port), 'key', '9', '5000', 'AUTH', 'pw'),
        p.respite.call('MIGRATE', '127.0.0.1', String(port), 'key', '9', '5000', 'AUTH', 'pw'),
      ]);
      await Promise.all([
        p.redis.call('MIGRATE', '127.0.0.1', String(port), 'key', '9', '5000', 'AUTH2', 'user', 'pw'),
        p.respite.call('MIGRATE', '127.0.0.1', String(port), 'key', '9', '5000', 'AUTH2', 'user', 'pw'),
      ]);
      await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
      const log = await slowlogArgs(p);
      assert.deepEqual(log[3], ['ACL', 'SETUSER', '(redacted)', '(redacted)', '(redacted)']);
    } finally {
      await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      await p.run('CONFIG', 'SET', 'masterauth', '');
      await p.run('ACL', 'DELUSER', 'slowlog test user');
    }
  });
});
