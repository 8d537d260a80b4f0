// The flags of one script call (Redis's getCommandFlags for EVAL/EVALSHA/FCALL): a legacy script
// may replicate, a script with a shebang or registered flags is a write unless it says no-writes.
// CLIENT PAUSE WRITE holds exactly the calls that may write, alone or queued in MULTI; compared
// with the reference server through INFO blocked_clients and the replies.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { encodeCommand } from '../../src/resp/reply-parser';
import { differential, Pair, waitBlocked } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';

const LIB = "#!lua name=flagslib\nredis.register_function{function_name='ro', callback=function() return 'ro' end, flags={'no-writes'}}\nredis.register_function('rw', function() return 'rw' end)";

async function pairOn(ctx: { reference: { port: number }; respite: { port: number } }): Promise<Pair> {
  return new Pair(await RespClient.connect(ctx.reference.port), await RespClient.connect(ctx.respite.port));
}

/** Sends one command on both connections without waiting for its reply. */
function send(p: Pair, ...args: string[]): void {
  const bytes = encodeCommand(args);
  p.redis.write(bytes);
  p.respite.write(bytes);
}

differential('script call flags', (ctx) => {
  test('CLIENT PAUSE WRITE holds legacy and shebang scripts, not no-writes scripts or functions', async () => {
    const p = await ctx.pair();
    await p.run('FUNCTION', 'LOAD', 'REPLACE', LIB);
    const held = await pairOn(ctx);
    const held2 = await pairOn(ctx);
    const held3 = await pairOn(ctx);
    try {
      await p.run('CLIENT', 'PAUSE', '60000', 'WRITE');
      // Not held: declared no-writes (shebang flag or registered flag).
      await p.run('EVAL', '#!lua flags=no-writes\nreturn 1', '0');
      await p.run('FCALL', 'ro', '0');
      await p.run('FCALL_RO', 'ro', '0');
      // Held: a legacy script (may replicate), a shebang without flags (a write), a write function.
      send(held, 'EVAL', 'return 2', '0');
      await waitBlocked(p, 1);
      send(held2, 'EVAL', '#!lua\nreturn 3', '0');
      await waitBlocked(p, 2);
      send(held3, 'FCALL', 'rw', '0');
      await waitBlocked(p, 3);
      await p.run('CLIENT', 'UNPAUSE');
      await held.next('legacy EVAL after the pause');
      await held2.next('shebang EVAL after the pause');
      await held3.next('FCALL rw after the pause');
      await waitBlocked(p, 0);
    } finally {
      await p.run('CLIENT', 'UNPAUSE');
      for (const h of [held, held2, held3]) {
        h.redis.close();
        h.respite.close();
      }
    }
  });

  test('EXEC of a queued script is held by CLIENT PAUSE WRITE unless the script is no-writes', async () => {
    const p = await ctx.pair();
    const tx = await pairOn(ctx);
    const ro = await pairOn(ctx);
    try {
      await tx.run('MULTI');
      await tx.run('EVAL', '#!lua\nreturn 12', '0');
      await ro.run('MULTI');
      await ro.run('EVAL', '#!lua flags=no-writes\nreturn 13', '0');
      await p.run('CLIENT', 'PAUSE', '60000', 'WRITE');
      await ro.run('EXEC');
      send(tx, 'EXEC');
      await waitBlocked(p, 1);
      await p.run('CLIENT', 'UNPAUSE');
      await tx.next('EXEC after the pause');
      await waitBlocked(p, 0);
    } finally {
      await p.run('CLIENT', 'UNPAUSE');
      for (const h of [tx, ro]) {
        h.redis.close();
        h.respite.close();
      }
    }
  });

  test('with maxmemory reached, a declared-flags script is refused unless allow-oom or no-writes', async () => {
    const p = await ctx.pair();
    assert.ok(p);
    // CONFIG SET maxmemory 1 puts both servers over their limit with noeviction.
    await p.run('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await p.run('CONFIG', 'SET', 'maxmemory', '1');
    try {
      await p.run('EVAL', 'return 1', '0');
      await p.run('EVAL', '#!lua\nreturn 1', '0');
      await p.run('EVAL', '#!lua flags=allow-oom\nreturn 1', '0');
      await p.run('EVAL', '#!lua flags=no-writes\nreturn 1', '0');
      // EVAL_RO reads its body from argv[1] too (not a SHA): a shebang without no-writes is a write.
      await p.run('EVAL_RO', '#!lua\nreturn 1', '0');
      await p.run('EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0');
    } finally {
      await p.run('CONFIG', 'SET', 'maxmemory', '0');
    }
  });
});
