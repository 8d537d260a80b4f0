// Random arguments to the commands added for Redis's test suite (DEBUG subcommands, MEMORY,
// LOLWUT, MODULE, LATENCY GRAPH, ACL, REPLCONF, WAIT, ROLE, AUTH, HELLO): every call gets a reply
// or an error, and the server still answers afterwards. Seeded, so a failure replays.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';

const COMMANDS = [
  ['DEBUG', 'OBJECT'], ['DEBUG', 'DIGEST-VALUE'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD'], ['DEBUG', 'LISTPACK'],
  ['DEBUG', 'QUICKLIST'], ['DEBUG', 'HTSTATS'], ['DEBUG', 'HTSTATS-KEY'], ['DEBUG', 'PROTOCOL'], ['DEBUG', 'REPLYBUFFER'],
  ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION'], ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS'], ['DEBUG', 'DIGEST'],
  ['MEMORY', 'USAGE'], ['MEMORY', 'STATS'], ['MEMORY', 'DOCTOR'], ['MEMORY', 'MALLOC-STATS'], ['MEMORY', 'PURGE'],
  ['LOLWUT'], ['LOLWUT', 'VERSION'], ['MODULE', 'LOAD'], ['MODULE', 'UNLOAD'], ['MODULE', 'LOADEX'], ['LATENCY', 'GRAPH'],
  ['ACL', 'SETUSER'], ['ACL', 'GETUSER'], ['ACL', 'DRYRUN'], ['ACL', 'LOG'], ['ACL', 'CAT'], ['ACL', 'GENPASS'],
  ['REPLCONF'], ['WAIT'], ['ROLE'], ['AUTH'], ['HELLO'],
];
const VALUES = [
  '0', '-1', '1', '99999999999999999999', 'abc', '', '\x00\xff', 'l', 'h', 'z', 's', 'str', 'VERSION', '5', '6', 'SAMPLES',
  'COUNT', 'ACK', 'GETACK', 'listening-port', '*', 'on', 'off', '>pw', '~*', '+@all', '(+get ~x)', '%R~k', '&ch',
  'resetkeys', 'NEVER', 'RESET', 'PEAK-RESET-TIME', 'RESIZING', 'bignum', 'attrib', 'push', '1000', '200', '-5', '1e9',
];

test('random arguments to the introspection, ACL and replication commands never break the server', async () => {
  const s = await startServer({ port: null, enableDebugCommand: 'yes' });
  try {
    const c = s.connect();
    await c.send(['RPUSH', 'l', 'a', 'b']);
    await c.send(['HSET', 'h', 'f', 'v']);
    await c.send(['ZADD', 'z', '1', 'm']);
    await c.send(['SADD', 's', 'x']);
    await c.send(['SET', 'str', 'v']);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let replies = 0;
    for (let i = 0; i < 1500; i++) {
      const argv = [...COMMANDS[rnd(COMMANDS.length)]];
      for (let j = rnd(6); j > 0; j--) argv.push(VALUES[rnd(VALUES.length)]);
      // Keep the connection usable: no user switch, no turning the default user off.
      if (argv[0] === 'AUTH' || argv[0] === 'HELLO' || (argv[0] === 'ACL' && argv.includes('default'))) continue;
      await c.send(argv).catch(() => undefined);
      replies++;
    }
    assert.ok(replies > 1000);
    assert.equal(await s.call('PING'), 'PONG');
    assert.equal(await s.call('LLEN', 'l'), 2);
  } finally {
    await s.close();
  }
});
