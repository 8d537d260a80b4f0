// Client-side caching cases from Redis's unit/tracking, byte for byte against the reference:
// a served BLMOVE's self-invalidation follows its reply; a lowered tracking-table-max-keys is
// applied by the cron (NOLOOP redirects hear of it) and before a command is queued in MULTI.
import { test } from 'node:test';
import { encodeCommand } from '../../src/resp/reply-parser';
import { differential, Pair, waitBlocked } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';

async function connect(ctx: { reference: { port: number }; respite: { port: number } }): Promise<Pair> {
  return new Pair(await RespClient.connect(ctx.reference.port), await RespClient.connect(ctx.respite.port));
}

/** HELLO 3 on both (its reply names each server's version and id). */
async function hello3(p: Pair): Promise<void> {
  await Promise.all([p.redis.call('HELLO', '3'), p.respite.call('HELLO', '3')]);
}

function send(p: Pair, ...args: string[]): void {
  const bytes = encodeCommand(args);
  p.redis.write(bytes);
  p.respite.write(bytes);
}

differential('tracking: Redis suite cases', (ctx) => {
  test('a served BLMOVE gets the invalidation of its destination after its reply', async () => {
    const p = await ctx.pair();
    const rd = await connect(ctx);
    try {
      await p.run('RPUSH', 'list2{t}', 'a');
      await hello3(rd);
      await rd.run('CLIENT', 'TRACKING', 'on');
      await rd.run('LRANGE', 'list2{t}', '0', '-1');
      send(rd, 'BLMOVE', 'list1{t}', 'list2{t}', 'left', 'left', '0');
      await waitBlocked(p, 1);
      await p.run('RPUSH', 'list1{t}', 'foo');
      await rd.next('the BLMOVE reply');
      await rd.next('the invalidation of list2{t}');
    } finally {
      rd.close();
    }
  });

  test('the cron applies a lowered tracking-table-max-keys: a NOLOOP redirect hears of it', async () => {
    const p = await ctx.pair();
    const redir = await connect(ctx);
    try {
      await hello3(redir);
      const ids = [String(await redir.redis.call('CLIENT', 'ID')), String(await redir.respite.call('CLIENT', 'ID'))];
      await Promise.all([
        p.redis.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', ids[0], 'NOLOOP'),
        p.respite.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', ids[1], 'NOLOOP'),
      ]);
      await p.run('MSET', 'key1{t}', '1', 'key2{t}', '2');
      await p.run('MGET', 'key1{t}', 'key2{t}');
      await p.run('CONFIG', 'SET', 'tracking-table-max-keys', '1');
      // Which of the two keys goes is up to each server; that one goes, with no command run.
      const [a, b] = await Promise.all([redir.redis.readNext(), redir.respite.readNext()]);
      for (const m of [a, b]) {
        const s = m.raw.toString('latin1');
        if (!/^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$7\r\nkey[12]\{t\}\r\n$/.test(s)) throw new Error(`unexpected message ${JSON.stringify(s)}`);
      }
    } finally {
      await p.run('CONFIG', 'SET', 'tracking-table-max-keys', '0');
      await p.run('CLIENT', 'TRACKING', 'off');
      redir.close();
    }
  });

  test('a command queued in MULTI applies the table limit first (invalidation before QUEUED)', async () => {
    const p = await ctx.pair();
    const rd = await connect(ctx);
    try {
      await p.run('CONFIG', 'SET', 'tracking-table-max-keys', '2');
      await p.run('DEBUG', 'PAUSE-CRON', '1');
      await hello3(rd);
      await rd.run('CLIENT', 'TRACKING', 'on');
      await rd.run('MGET', '1{tag}', '2{tag}');
      await rd.run('MULTI');
      await p.run('CONFIG', 'SET', 'tracking-table-max-keys', '1');
      send(rd, 'PING');
      const [a, b] = await Promise.all([rd.redis.readNext(), rd.respite.readNext()]);
      for (const m of [a, b]) {
        const s = m.raw.toString('latin1');
        if (!/^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$6\r\n[12]\{tag\}\r\n$/.test(s)) throw new Error(`unexpected message ${JSON.stringify(s)}`);
      }
      await rd.next('QUEUED');
      await rd.run('EXEC');
    } finally {
      await p.run('DEBUG', 'PAUSE-CRON', '0');
      await p.run('CONFIG', 'SET', 'tracking-table-max-keys', '0');
      rd.close();
    }
  });
}, { options: { 'enable-debug-command': 'yes' }, redisArgs: ['--enable-debug-command', 'yes'] });
