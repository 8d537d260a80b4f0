// maxmemory refusals against the reference: with maxmemory 1 nothing can be freed (noeviction, or
// a volatile-* policy with no volatile keys), so both servers must refuse the same commands
// with the same -OOM / EXECABORT texts, in commands, MULTI/EXEC and scripts.
import { test } from 'node:test';
import { differential, Pair } from '../helpers/differential';

differential('eviction', (ctx) => {
  /** Runs body with maxmemory 1 on both servers, restoring no limit afterwards. */
  async function overLimit(policy: string, body: (p: Pair) => Promise<void>): Promise<void> {
    const p = await ctx.pair();
    try {
      await p.run('SET', 'a', '1');
      await p.run('CONFIG', 'SET', 'maxmemory-policy', policy);
      await p.run('CONFIG', 'SET', 'maxmemory', '1');
      await body(p);
    } finally {
      await p.run('CONFIG', 'SET', 'maxmemory', '0');
      await p.run('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      p.close();
    }
  }

  for (const policy of ['noeviction', 'volatile-lru', 'volatile-ttl', 'volatile-random']) {
    test(`${policy}: denyoom commands refused, reads and deletes run`, () =>
      overLimit(policy, async (p) => {
        await p.run('SET', 'b', '2');
        await p.run('RPUSH', 'l', 'x');
        await p.run('INCR', 'a');
        await p.run('SETRANGE', 'a', '0', Buffer.from([0, 255]));
        await p.run('GET', 'a');
        await p.run('EXPIRE', 'a', '100');
        await p.run('PERSIST', 'a');
        await p.run('DBSIZE');
        await p.run('DEL', 'a');
        await p.run('SET', 'a');
        await p.run('PING');
      }));
  }

  test('MULTI: queueing refused, EXEC of a denyoom command discarded', () =>
    overLimit('noeviction', async (p) => {
      await p.run('MULTI');
      await p.run('GET', 'a');
      await p.run('EXEC');
      await p.run('EXEC');
      await p.run('CONFIG', 'SET', 'maxmemory', '0');
      await p.run('MULTI');
      await p.run('SET', 'x', '1');
      await p.run('CONFIG', 'SET', 'maxmemory', '1');
      await p.run('EXEC');
      await p.run('EXEC');
      await p.run('CONFIG', 'SET', 'maxmemory', '0');
      await p.run('MULTI');
      await p.run('GET', 'x');
      await p.run('CONFIG', 'SET', 'maxmemory', '1');
      await p.run('EXEC');
      await p.run('DISCARD');
    }));

  test('scripts: first denyoom call, shebang flags, functions', () =>
    overLimit('noeviction', async (p) => {
      await p.run('EVAL', "return redis.call('set','x','1')", '0');
      await p.run('EVAL', "redis.call('get','x') return redis.call('set','x','1')", '0');
      await p.run('EVAL', "return redis.pcall('set','x','1')", '0');
      await p.run('EVAL', "#!lua\nreturn redis.call('set','x','1')", '0');
      await p.run('EVAL', "#!lua flags=allow-oom\nreturn redis.call('set','x','1')", '0');
      await p.run('EVAL', "#!lua flags=no-writes\nreturn redis.call('get','x')", '0');
      await p.run('EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0');
      await p.run('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
      await p.run('CONFIG', 'SET', 'maxmemory', '0');
      await p.run(
        'FUNCTION',
        'LOAD',
        "#!lua name=evlib\nredis.register_function('f', function() return redis.call('set','y','1') end)\n" +
          "redis.register_function{function_name='g', callback=function() return redis.call('set','y','2') end, flags={'allow-oom'}}",
      );
      await p.run('CONFIG', 'SET', 'maxmemory', '1');
      await p.run('FCALL', 'f', '0');
      await p.run('FCALL', 'g', '0');
      await p.run('FCALL', 'nosuch', '0');
      await p.run('GET', 'y');
      await p.run('CONFIG', 'SET', 'maxmemory', '0');
      await p.run('FUNCTION', 'FLUSH');
    }));

  test('INFO reports the limit and policy', () =>
    overLimit('allkeys-lfu', async (p) => {
      await p.check('type', 'INFO', 'memory');
      await p.check('sorted', 'CONFIG', 'GET', 'maxmemory*');
    }));
});
