// The "unknown subcommand or wrong number of arguments" error of containers that check their own
// arguments: the name is cut at 128 bytes and at a NUL byte, as Redis's %.128s does.
import { test } from 'node:test';
import { differential } from '../helpers/differential';

const LONG = 'x'.repeat(200);

differential('subcommand syntax errors', (ctx) => {
  test('DEBUG, ACL, SLOWLOG, CLIENT, FUNCTION and XINFO with bad subcommands or arguments', async () => {
    const p = await ctx.pair();
    await p.run('DEBUG', LONG);
    await p.run('DEBUG', 'ab\0cd');
    await p.run('DEBUG', 'REPLYBUFFER', 'bogus', '1');
    await p.run('ACL', 'CAT', 'a', 'b', 'c');
    await p.run('SLOWLOG', 'GET', '1', '2');
    await p.run('FUNCTION', 'FLUSH', 'ASYNC', 'x');
    await p.run('XADD', 's', '1-1', 'f', 'v');
    await p.run('XINFO', 'STREAM', 's', 'x');
  });
}, { options: { 'enable-debug-command': 'yes' }, redisArgs: ['--enable-debug-command', 'yes'] });
