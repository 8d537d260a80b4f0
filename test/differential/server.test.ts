// Server, introspection and CLIENT commands against the reference server. Values that differ by
// nature (times, ids, memory, addresses) are compared by type; errors and fixed texts exactly.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential } from '../helpers/differential';
import { VerbatimReply } from '../../src/resp/reply';

/** Section headers and field names of an INFO reply, in order (values differ between servers). */
function infoShape(r: unknown): string[] {
  const text = r instanceof VerbatimReply ? r.text : String(r);
  return text
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('#') ? l : l.slice(0, l.indexOf(':'))))
    .filter((k) => k !== 'respite_version' && !k.startsWith('cmdstat_') && !k.startsWith('latency_percentiles_usec_') && !k.startsWith('errorstat_'));
}

differential('server and introspection commands', (ctx) => {
  test('INFO: same sections and fields in the same order, for every section selector', async () => {
    const p = await ctx.pair();
    for (const args of [[], ['default'], ['all'], ['everything'], ['server'], ['clients'], ['memory'], ['persistence'], ['stats'], ['replication'], ['cpu'], ['modules'], ['commandstats'], ['errorstats'], ['latencystats'], ['cluster'], ['keyspace'], ['KEYSPACE', 'server'], ['server', 'server'], ['bogus', 'cpu']]) {
      const [a, b] = await Promise.all([p.redis.call('INFO', ...args), p.respite.call('INFO', ...args)]);
      assert.deepEqual(infoShape(b), infoShape(a), `INFO ${args.join(' ')}`);
    }
    await p.run('INFO', 'bogus');
    await p.check('type', 'INFO', 'server');
  });

  test('INFO keyspace, errorstats and commandstats carry real values', async () => {
    const p = await ctx.pair();
    await p.run('CONFIG', 'RESETSTAT');
    await p.run('SET', 'a', '1');
    await p.run('SET', 'b', '1', 'EX', '100');
    await p.run('SELECT', '3');
    await p.run('SET', 'c', '1');
    // avg_ttl is sampled by the expiry cycle: when it ran differs.
    const [ka, kb] = await Promise.all([p.redis.call('INFO', 'keyspace'), p.respite.call('INFO', 'keyspace')]);
    const noTtl = (r: unknown) => String(r).replace(/avg_ttl=\d+/g, 'avg_ttl=_');
    assert.equal(noTtl(kb), noTtl(ka));
    assert.match(String(kb), /db0:keys=2,expires=1,avg_ttl=\d+\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n/);
    await p.run('NOPE');
    await p.run('GET', 'a', 'b');
    await p.run('INFO', 'errorstats');
    const [a, b] = await Promise.all([p.redis.call('INFO', 'commandstats'), p.respite.call('INFO', 'commandstats')]);
    const calls = (r: unknown) =>
      String(r instanceof VerbatimReply ? r.text : r)
        .split('\r\n')
        .filter((l) => l.startsWith('cmdstat_'))
        .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
        .sort();
    assert.deepEqual(calls(b), calls(a));
    await p.check('type', 'HELLO', '3');
    await p.check('type', 'INFO', 'cluster');
    await p.run('INFO', 'cluster');
  });

  test('TIME, LASTSAVE', async () => {
    const p = await ctx.pair();
    await p.check('type', 'TIME');
    await p.run('TIME', 'x');
    await p.check('type', 'LASTSAVE');
  });

  test('COMMAND COUNT, LIST, INFO, DOCS, HELP and errors', async () => {
    const p = await ctx.pair();
    await p.check('type', 'COMMAND', 'COUNT');
    await p.run('COMMAND', 'COUNT', 'x');
    await p.run('COMMAND', 'INFO', 'nosuch', 'get', 'GET', 'config|get', 'CONFIG|GET');
    await p.run('COMMAND', 'DOCS', 'nosuch');
    await p.check('type', 'COMMAND', 'DOCS', 'get');
    await p.run('COMMAND', 'HELP');
    await p.run('COMMAND', 'FOO');
    await p.run('COMMAND', 'LIST', 'x');
    await p.run('COMMAND', 'LIST', 'FILTERBY');
    await p.run('COMMAND', 'LIST', 'FILTERBY', 'foo', 'x');
    await p.run('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x');
    await p.run('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch');
    await p.check('sorted', 'COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'slowlog*');
    await p.check('sorted', 'COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'LATENCY|HIST*');
    await p.check('sorted', 'COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'string');
  });

  test('COMMAND GETKEYS / GETKEYSANDFLAGS', async () => {
    const p = await ctx.pair();
    await p.run('COMMAND', 'GETKEYS', 'get');
    await p.run('COMMAND', 'GETKEYS', 'nosuch', 'a');
    await p.run('COMMAND', 'GETKEYS', 'get', 'a', 'b');
    await p.run('COMMAND', 'GETKEYS', 'ping', 'x');
    await p.run('COMMAND', 'GETKEYS', 'client', 'list');
    await p.run('COMMAND', 'GETKEYS', 'client', 'nosuch');
    await p.run('COMMAND', 'GETKEYS', 'set', 'a', 'b');
    await p.run('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2');
    await p.run('COMMAND', 'GETKEYS', 'mget', 'a', 'b', Buffer.from([0, 255]));
    await p.run('COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b');
    await p.run('COMMAND', 'GETKEYSANDFLAGS', 'del', 'a', 'b');
    await p.run('COMMAND', 'GETKEYSANDFLAGS', 'smove', 'a', 'b', 'm');
    await p.run('COMMAND', 'GETKEYS', 'sinterstore', 'd', 'a', 'b');
    await p.run('COMMAND', 'GETKEYS', 'sintercard', '2', 'a', 'b');
    await p.run('COMMAND', 'GETKEYS', 'sintercard', '3', 'a', 'b');
    await p.run('COMMAND', 'GETKEYS', 'sintercard', 'x', 'a', 'b');
    await p.run('COMMAND', 'GETKEYSANDFLAGS', 'sintercard', '2', 'a', 'b', 'LIMIT', '1');
  });

  test('CLIENT: ids, names, errors, help', async () => {
    const p = await ctx.pair();
    await p.check('type', 'CLIENT', 'ID');
    await p.run('CLIENT', 'GETNAME');
    await p.run('CLIENT', 'SETNAME', 'a b');
    await p.run('CLIENT', 'SETNAME', 'a\nb');
    await p.run('CLIENT', 'SETNAME', 'conn-1');
    await p.run('CLIENT', 'GETNAME');
    await p.run('CLIENT', 'SETNAME', '');
    await p.run('CLIENT', 'GETNAME');
    await p.run('CLIENT', 'HELP');
    await p.run('CLIENT');
    await p.run('CLIENT', 'FOO');
    await p.run('CLIENT', 'ID', 'x');
    await p.run('CLIENT', 'SETNAME');
    await p.run('CLIENT', 'INFO', 'x');
    await p.run('CLIENT', 'NO-EVICT', 'foo');
    await p.run('CLIENT', 'NO-EVICT', 'on', 'x');
    await p.run('CLIENT', 'NO-EVICT', 'ON');
    await p.run('CLIENT', 'NO-EVICT', 'off');
    await p.run('CLIENT', 'REPLY', 'foo');
  });

  test('CLIENT LIST / INFO: shape and filters', async () => {
    const p = await ctx.pair();
    const [a, b] = await Promise.all([p.redis.call('CLIENT', 'INFO'), p.respite.call('CLIENT', 'INFO')]);
    const keys = (r: unknown) =>
      String(r)
        .trim()
        .split(' ')
        .map((kv) => kv.slice(0, kv.indexOf('=')));
    assert.deepEqual(keys(b), keys(a));
    await p.check('type', 'CLIENT', 'LIST');
    await p.run('CLIENT', 'LIST', 'TYPE', 'foo');
    await p.run('CLIENT', 'LIST', 'TYPE', 'master');
    await p.run('CLIENT', 'LIST', 'TYPE', 'replica');
    await p.run('CLIENT', 'LIST', 'TYPE', 'slave');
    await p.run('CLIENT', 'LIST', 'TYPE', 'pubsub');
    await p.run('CLIENT', 'LIST', 'TYPE', 'normal', 'ID', '1');
    await p.run('CLIENT', 'LIST', 'ID', '1', '2', 'x');
    await p.run('CLIENT', 'LIST', 'ID', '0');
    await p.run('CLIENT', 'LIST', 'ID', '-1', '123456');
    await p.run('CLIENT', 'LIST', 'ID');
    await p.run('CLIENT', 'LIST', 'foo');
    await p.check('type', 'HELLO', '3');
    await p.check('type', 'CLIENT', 'INFO');
    await p.run('CLIENT', 'LIST', 'ID', '0');
  });

  test('CLIENT KILL: filters and errors', async () => {
    const p = await ctx.pair();
    await p.run('CLIENT', 'KILL');
    await p.run('CLIENT', 'KILL', '1.2.3.4:5');
    await p.run('CLIENT', 'KILL', 'ID', '999999');
    await p.run('CLIENT', 'KILL', 'ID', 'abc');
    await p.run('CLIENT', 'KILL', 'ID', '0');
    await p.run('CLIENT', 'KILL', 'ID', '1', 'ID');
    await p.run('CLIENT', 'KILL', 'a', 'b', 'c');
    await p.run('CLIENT', 'KILL', 'foo', 'bar');
    await p.run('CLIENT', 'KILL', 'SKIPME', 'maybe');
    await p.run('CLIENT', 'KILL', 'TYPE', 'foo');
    await p.run('CLIENT', 'KILL', 'TYPE', 'master');
    await p.run('CLIENT', 'KILL', 'TYPE', 'pubsub', 'SKIPME', 'no');
    await p.run('CLIENT', 'KILL', 'USER', 'nobody');
    await p.run('CLIENT', 'KILL', 'LADDR', 'x');
    await p.run('CLIENT', 'KILL', 'ADDR', 'x');
    await p.run('CLIENT', 'KILL', 'ADDR', 'x', 'SKIPME', 'yes');
  });

  test('CLIENT PAUSE argument errors, UNPAUSE', async () => {
    const p = await ctx.pair();
    await p.run('CLIENT', 'PAUSE');
    await p.run('CLIENT', 'PAUSE', 'x');
    await p.run('CLIENT', 'PAUSE', '1.5');
    await p.run('CLIENT', 'PAUSE', '-1');
    await p.run('CLIENT', 'PAUSE', '10', 'foo');
    await p.run('CLIENT', 'PAUSE', '10', 'write', 'x');
    await p.run('CLIENT', 'UNPAUSE', 'x');
    await p.run('CLIENT', 'PAUSE', '0', 'ALL');
    await p.run('SET', 'k', 'v');
    await p.run('CLIENT', 'PAUSE', '100000', 'WRITE');
    await p.run('GET', 'k');
    await p.run('CLIENT', 'UNPAUSE');
    await p.run('SET', 'k', 'v2');
  });

  test('CLIENT REPLY OFF / SKIP / ON', async () => {
    const p = await ctx.pair();
    // SKIP silences the next command only; OFF everything until ON.
    await p.raw('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n*2\r\n$4\r\nECHO\r\n$1\r\nb\r\n');
    await p.raw('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*1\r\n$4\r\nNOPE\r\n*2\r\n$4\r\nECHO\r\n$1\r\nc\r\n');
    await p.raw('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*2\r\n$4\r\nECHO\r\n$1\r\nd\r\n*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n');
    await p.run('ECHO', 'e');
  });

  test('SLOWLOG', async () => {
    const p = await ctx.pair();
    // Commands that take over 10 ms (a descheduled server on a loaded machine) would be logged:
    // only the commands run under a threshold of 0 may enter the log here.
    const never = '1000000000';
    await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', never);
    await p.run('SLOWLOG', 'HELP');
    await p.run('SLOWLOG', 'FOO');
    await p.run('SLOWLOG', 'GET', '-2');
    await p.run('SLOWLOG', 'GET', 'x');
    await p.run('SLOWLOG', 'GET', '1', '2');
    await p.run('SLOWLOG', 'LEN', 'x');
    await p.run('SLOWLOG', 'RESET');
    await p.run('SLOWLOG', 'LEN');
    await p.run('SLOWLOG', 'GET', '-1');
    await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await p.run('SET', 'k', 'v');
    await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', never);
    await p.run('SLOWLOG', 'LEN');
    await p.check('type', 'SLOWLOG', 'GET', '1');
    await p.run('SLOWLOG', 'RESET');
    await p.run('SLOWLOG', 'LEN');
    await p.run('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  });

  test('LATENCY with the monitor disabled', async () => {
    const p = await ctx.pair();
    await p.run('LATENCY', 'LATEST');
    await p.run('LATENCY', 'HISTORY', 'command');
    await p.run('LATENCY', 'RESET');
    await p.run('LATENCY', 'RESET', 'a', 'b');
    await p.run('LATENCY', 'DOCTOR');
    await p.run('LATENCY', 'FOO');
    await p.run('LATENCY', 'HISTORY');
    await p.run('LATENCY', 'HISTOGRAM', 'nosuch');
    await p.run('SET', 'k', 'v');
    await p.check('type', 'LATENCY', 'HISTOGRAM', 'set', 'nosuch');
    await p.run('CONFIG', 'SET', 'latency-monitor-threshold', '100000');
    await p.run('LATENCY', 'DOCTOR');
    await p.run('CONFIG', 'SET', 'latency-monitor-threshold', '0');
  });

  test('DEBUG subcommands and errors', async () => {
    const p = await ctx.pair();
    await p.run('DEBUG');
    await p.run('DEBUG', 'foo');
    await p.run('DEBUG', 'sleep');
    await p.run('DEBUG', 'sleep', '0');
    await p.run('DEBUG', 'sleep', 'x');
    await p.run('DEBUG', 'set-active-expire');
    await p.run('DEBUG', 'set-active-expire', '0');
    await p.run('DEBUG', 'set-active-expire', '1');
    await p.run('DEBUG', 'change-repl-id');
    await p.run('DEBUG', 'log', 'hello from the differential test');
    await p.check('type', 'DEBUG', 'help');
  });

  test('MONITOR refused in a transaction; SHUTDOWN argument errors', async () => {
    const p = await ctx.pair();
    await p.run('MULTI');
    await p.run('MONITOR');
    await p.run('EXEC');
    await p.run('SHUTDOWN', 'foo');
    await p.run('SHUTDOWN', 'nosave', 'save');
    await p.run('SHUTDOWN', 'abort');
    await p.run('SHUTDOWN', 'abort', 'now');
    await p.run('MULTI');
    await p.run('SHUTDOWN');
    await p.run('DISCARD');
  });
});
