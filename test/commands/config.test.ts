import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, RespiteServer } from '../../src/index';
import { allConfigDefs, setConfigValues } from '../../src/config/config';
import { ConfigFileError, loadConfigFromString, rewriteConfigContent } from '../../src/config/conf-file';
import { Server } from '../../src/engine/server';
import { RespClient } from '../helpers/resp-client';

async function withServer(opts: Record<string, unknown>, fn: (s: RespiteServer) => Promise<void>): Promise<void> {
  const s = await startServer({ port: null, ...opts });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

async function configGet(s: RespiteServer, ...patterns: string[]): Promise<Record<string, string>> {
  const flat = (await s.call('CONFIG', 'GET', ...patterns)) as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

test('CONFIG GET: defaults, patterns, names as typed, aliases, hidden parameters', async () => {
  await withServer({}, async (s) => {
    const all = await configGet(s, '*');
    assert.equal(Object.keys(all).length, 192);
    assert.equal(all['save'], '3600 1 300 100 60 10000');
    assert.equal(all['client-output-buffer-limit'], 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    assert.equal(all['bind'], '127.0.0.1 -::1', 'an embedded server listens on loopback unless given bind');
    assert.equal(all['dir'], process.cwd());
    assert.equal(all['slave-priority'], '100');
    assert.equal(all['hash-max-ziplist-entries'], '512');
    assert.equal(all['use-exit-on-panic'], undefined, 'hidden parameters need their exact name');
    assert.deepEqual(await configGet(s, 'use-exit-on-panic'), { 'use-exit-on-panic': 'no' });
    assert.deepEqual(await s.call('CONFIG', 'GET', 'MAXMEMORY'), ['MAXMEMORY', '0']);
    assert.deepEqual(await s.call('CONFIG', 'GET', 'maxmemory', 'MAXMEMORY', 'maxmemory'), ['maxmemory', '0']);
    assert.deepEqual(Object.keys(await configGet(s, 'maxmemory*', 'maxmemory')).sort(), [
      'maxmemory',
      'maxmemory-clients',
      'maxmemory-eviction-tenacity',
      'maxmemory-policy',
      'maxmemory-samples',
    ]);
    assert.deepEqual(await configGet(s, 'nonexistent'), {});
    assert.deepEqual(await configGet(s, 'slave-priority', 'replica-priority'), { 'slave-priority': '100', 'replica-priority': '100' });
    // RESP3: a map
    const c = s.connect();
    await c.send(['HELLO', '3']);
    assert.deepEqual(await c.call(['CONFIG', 'GET', 'timeout']), { timeout: '0' });
    c.close();
  });
});

test('CONFIG SET: validation errors are Redis texts and name the parameter', async () => {
  await withServer({}, async (s) => {
    const cases: [string[], string][] = [
      [['maxmemory', '1x'], "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"],
      [['foo', 'bar'], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"],
      [['databases', '4'], "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"],
      [['dir', '/tmp'], "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"],
      [['port', '1', 'PORT', '2'], "ERR CONFIG SET failed (possibly related to argument 'PORT') - duplicate parameter"],
      [['timeout', '-1'], "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive"],
      [['timeout', '1.5'], "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"],
      [['appendonly', 'maybe'], "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"],
      [['appendfsync', 'x'], "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no"],
      [['maxmemory-clients', '101%'], "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100"],
      [['save', '1'], "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"],
      [['slave-priority', 'x'], "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer"],
      [['shutdown-on-sigint', 'save nosave'], "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously"],
      [['client-output-buffer-limit', 'master 1 2 3'], "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration."],
      [['dbfilename', 'a/b'], "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"],
      [['notify-keyspace-events', 'X'], "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."],
      [['maxclients'], 'ERR syntax error'],
    ];
    for (const [args, text] of cases) {
      await assert.rejects(s.call('CONFIG', 'SET', ...(args.length === 1 ? [args[0], '1', 'x'] : args)), (e: Error) => {
        assert.equal(e.message, text, args.join(' '));
        return true;
      });
    }
    await assert.rejects(s.call('CONFIG', 'SET', 'maxclients'), /wrong number of arguments for 'config\|set'/);
  });
});

test('CONFIG SET is all or nothing and applies values to the running server', async () => {
  await withServer({}, async (s) => {
    await assert.rejects(s.call('CONFIG', 'SET', 'maxmemory', '10mb', 'timeout', '5', 'maxmemory-policy', 'bad'), /maxmemory-policy/);
    assert.deepEqual(await configGet(s, 'maxmemory', 'timeout'), { maxmemory: '0', timeout: '0' });
    assert.equal(await s.call('CONFIG', 'SET', 'maxmemory', '10mb', 'maxclients', '7', 'slowlog-max-len', '3', 'loglevel', 'WARNING'), 'OK');
    assert.deepEqual(await configGet(s, 'maxmemory', 'maxclients', 'loglevel'), { maxmemory: '10485760', maxclients: '7', loglevel: 'warning' });
    assert.equal(s.server.maxClients, 7);
    assert.equal(s.server.slowlog.maxLen, 3);
    assert.equal(s.server.log.level, 'warning');
    // An alias and its parameter are different entries: no duplicate error, the last one wins.
    assert.equal(await s.call('CONFIG', 'SET', 'slave-priority', '1', 'replica-priority', '2'), 'OK');
    assert.deepEqual(await configGet(s, 'slave-priority'), { 'slave-priority': '2' });
    await s.call('CONFIG', 'SET', 'requirepass', 'secret');
    assert.equal(s.server.requirePass, 'secret');
    await s.call('CONFIG', 'SET', 'requirepass', '');
    assert.equal(s.server.requirePass, null);
    // hz is kept within 1..500
    await s.call('CONFIG', 'SET', 'hz', '0');
    assert.deepEqual(await configGet(s, 'hz'), { hz: '1' });
    await s.call('CONFIG', 'SET', 'hz', '100000');
    assert.deepEqual(await configGet(s, 'hz'), { hz: '500' });
  });
});

test('special formats: save, buffer limits, percentiles, shutdown flags, memory units', async () => {
  await withServer({}, async (s) => {
    const roundtrip = async (name: string, value: string, expected: string) => {
      assert.equal(await s.call('CONFIG', 'SET', name, value), 'OK');
      assert.deepEqual(await configGet(s, name), { [name]: expected }, `${name} ${value}`);
    };
    await roundtrip('save', '100 10 200 20', '100 10 200 20');
    await roundtrip('save', '', '');
    await roundtrip('client-output-buffer-limit', 'pubsub 1mb 2k 5', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 5');
    await roundtrip('client-output-buffer-limit', 'REPLICA 1 2 3', 'normal 0 0 0 slave 1 2 3 pubsub 1048576 2000 5');
    await roundtrip('oom-score-adj-values', '10 5 2', '10 5 2');
    await roundtrip('oom-score-adj', 'relative', 'yes');
    await roundtrip('latency-tracking-info-percentiles', '50.5 99 1e1', '50.5 99 10');
    await roundtrip('latency-tracking-info-percentiles', '0.0001 99.99999999', '0.0001 100');
    await roundtrip('shutdown-on-sigint', 'NOW save', 'save now');
    await roundtrip('shutdown-on-sigterm', 'default', 'default');
    await roundtrip('maxmemory', '1GB', '1073741824');
    await roundtrip('maxmemory', '18446744073709551615', '18446744073709551615');
    await roundtrip('maxmemory', '20000000000gb', '3028092406290448384'); // wraps like unsigned long long
    await roundtrip('maxmemory-clients', '5%', '5%');
    await roundtrip('maxmemory-clients', '18446744073709551615', '1%');
    await roundtrip('repl-backlog-size', '1k', '16384');
    await roundtrip('notify-keyspace-events', 'KEA', 'AKE');
    await roundtrip('list-max-ziplist-size', '-3', '-3');
    assert.deepEqual(await configGet(s, 'list-max-listpack-size'), { 'list-max-listpack-size': '-3' });
  });
});

test('protected configs: dir changes the working directory when allowed', async () => {
  const cwd = process.cwd();
  await withServer({ enableProtectedConfigs: 'yes' }, async (s) => {
    try {
      const tmp = fs.realpathSync(os.tmpdir());
      assert.equal(await s.call('CONFIG', 'SET', 'dir', tmp), 'OK');
      assert.equal(process.cwd(), tmp);
      assert.deepEqual(await configGet(s, 'dir'), { dir: tmp });
      await assert.rejects(s.call('CONFIG', 'SET', 'dir', '/nonexistent/x'), /argument 'dir'\) - No such file or directory/);
      await assert.rejects(s.call('CONFIG', 'SET', 'dbfilename', 'a/b'), /dbfilename can't be a path, just a filename/);
    } finally {
      process.chdir(cwd);
    }
  });
});

test('CONFIG RESETSTAT zeroes statistics but keeps the slow log and uptime', async () => {
  await withServer({}, async (s) => {
    await s.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await s.call('SET', 'k', 'v');
    await s.call('GET', 'k');
    await s.call('GET', 'missing');
    const srv = s.server;
    const start = srv.stats.startTime;
    assert.ok(srv.stats.totalCommands > 0);
    assert.ok(srv.keyspace.stats.keyspaceHits > 0);
    const slowBefore = srv.slowlog.entries.length;
    assert.ok(slowBefore > 0);
    assert.equal(await s.call('CONFIG', 'RESETSTAT'), 'OK');
    assert.ok(srv.stats.totalCommands <= 1, 'only CONFIG RESETSTAT itself is counted');
    assert.equal(srv.stats.startTime, start);
    assert.equal(srv.keyspace.stats.keyspaceHits, 0);
    assert.equal(srv.keyspace.stats.keyspaceMisses, 0);
    assert.equal(srv.registry.lookup('get')!.calls, 0);
    assert.ok(srv.slowlog.entries.length >= slowBefore);
  });
});

test('CONFIG HELP and unknown subcommands', async () => {
  await withServer({}, async (s) => {
    const help = (await s.call('CONFIG', 'HELP')) as string[];
    assert.equal(help[0], 'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.equal(help.length, 11);
    await assert.rejects(s.call('CONFIG', 'FOO'), /ERR unknown subcommand 'FOO'. Try CONFIG HELP./);
  });
});

test('CONFIG REWRITE keeps comments and unknown lines and reuses option lines', async () => {
  await withServer({}, async (s) => {
    await assert.rejects(s.call('CONFIG', 'REWRITE'), /ERR The server is running without a config file/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-conf-'));
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, '# mine\nsave 900 1\nsave 300 10\n\nslave-priority 50\nlist-max-ziplist-entries 5\nrename-command FOO BAR\nMaxmemory 1mb\n');
    s.server.configFile = file;
    await s.call('CONFIG', 'SET', 'save', '100 5', 'maxmemory', '2gb', 'slave-priority', '7', 'requirepass', 'a "b"', 'hz', '20');
    assert.equal(await s.call('CONFIG', 'REWRITE'), 'OK');
    const text = fs.readFileSync(file, 'latin1');
    assert.ok(
      text.startsWith('# mine\nsave 100 5\n\nreplica-priority 7\n# ??? list-max-ziplist-entries 5\nrename-command FOO BAR\nmaxmemory 2gb\n\n# Generated by CONFIG REWRITE\n'),
      text,
    );
    assert.match(text, /\nrequirepass "a \\"b\\""\n/);
    assert.match(text, /\nhz 20\n/);
    assert.match(text, /\ndir "[^"]+"\n/);
    // Rewriting again changes nothing but the blank line Redis keeps after a final newline.
    assert.equal(rewriteConfigContent(s.server, file), text + '\n');
    fs.rmSync(dir, { recursive: true });
  });
});

test("bind: Redis's default ('* -::*', with protected-mode) for respite-server; loopback for startServer unless given", async () => {
  const srv = new Server();
  assert.equal(srv.config.get('bind'), '* -::*');
  assert.equal(srv.config.get('protected-mode'), 'yes');
  // The default is not written by CONFIG REWRITE; the embedded one is (it differs from Redis's).
  assert.equal(rewriteConfigContent(srv, '').includes('bind'), false);
  await withServer({}, async (s) => {
    assert.deepEqual(await s.call('CONFIG', 'GET', 'bind'), ['bind', '127.0.0.1 -::1']);
    assert.match(rewriteConfigContent(s.server, ''), /^bind 127\.0\.0\.1 -::1$/m);
  });
  await withServer({ bind: '* -::*' }, async (s) => {
    assert.deepEqual(await s.call('CONFIG', 'GET', 'bind'), ['bind', '* -::*']);
  });
  // Listening on every interface still answers on loopback, at the host the handle reports.
  const s = await startServer({ port: 0, bind: '* -::*' });
  try {
    assert.equal(s.host, '127.0.0.1');
    const c = await RespClient.connect(s.port, s.host);
    assert.equal(await c.call('ECHO', 'over *'), 'over *');
    c.close();
  } finally {
    await s.close();
  }
});

test('CONFIG SET while the dataset loads: dir, appendonly and repl-diskless-load answer -LOADING, first of all errors', async () => {
  await withServer({ enableProtectedConfigs: 'yes' }, async (s) => {
    s.server.loading = true;
    try {
      assert.equal(await s.call('CONFIG', 'SET', 'loglevel', 'debug'), 'OK');
      for (const [name, value] of [['dir', '/nonexistent-dir'], ['appendonly', 'yes'], ['repl-diskless-load', 'swapdb']]) {
        await assert.rejects(s.call('CONFIG', 'SET', name, value), /LOADING Redis is loading the dataset in memory/);
      }
      await assert.rejects(s.call('CONFIG', 'SET', 'nosuch', 'x', 'dir', '/tmp'), /LOADING Redis is loading/);
      assert.equal(await s.call('CONFIG', 'GET', 'appendonly').then((r) => (r as string[])[1]), 'no');
    } finally {
      s.server.loading = false;
    }
    await assert.rejects(s.call('CONFIG', 'SET', 'dir', '/nonexistent-dir'), /No such file or directory/);
  });
});

test('config file loading: directives, quoting, repeated save, errors with the line', () => {
  const srv = new Server();
  loadConfigFromString(srv, '# c\n  maxmemory 2mb  \nsave 900 1\nSAVE 300 10\nbind "127.0.0.1" -::1\nnotify-keyspace-events "Kx"\nslave-read-only no\nlist-max-ziplist-entries 5\n');
  assert.equal(srv.config.get('maxmemory'), '2097152');
  assert.equal(srv.config.get('save'), '900 1 300 10');
  assert.equal(srv.config.get('bind'), '127.0.0.1 -::1');
  assert.equal(srv.config.get('notify-keyspace-events'), 'xK');
  assert.equal(srv.config.get('replica-read-only'), 'no');
  const fails: [string, RegExp][] = [
    ['port 1\nport abc\n', /at line 2\n>>> 'port abc'\nargument couldn't be parsed into an integer\n$/],
    ['foo bar', /at line 1\n>>> 'foo bar'\nBad directive or wrong number of arguments\n$/],
    ['port 1 2', /wrong number of arguments\n$/],
    ['maxmemory "1', /Unbalanced quotes in configuration line\n$/],
    ['databases 0', /argument must be between 1 and 2147483647 inclusive\n$/],
    ['rename-command nosuch x', /No such command in rename-command\n$/],
  ];
  for (const [text, re] of fails) {
    assert.throws(
      () => loadConfigFromString(new Server(), text),
      (e: unknown) => e instanceof ConfigFileError && e.report.startsWith('\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n') && re.test(e.report),
      text,
    );
  }
});

test('every parameter is accepted at startup with its default value', async () => {
  const srv = new Server();
  const pairs: [string, string][] = allConfigDefs()
    // dir would chdir; replicaof's empty default is not a valid "host port" pair
    .filter((d) => d.name !== 'dir' && d.name !== 'replicaof')
    .map((d) => [d.name, d.default]);
  assert.deepEqual(setConfigValues(srv, pairs, { runtime: false, split: true }), { ok: true });
  // and through startServer, in camelCase, naming a bad option in the error
  await withServer({ maxmemoryPolicy: 'allkeys-lru', hashMaxZiplistEntries: 10, appendonly: false, save: '' }, async (s) => {
    assert.deepEqual(await configGet(s, 'maxmemory-policy', 'hash-max-listpack-entries', 'save'), {
      'maxmemory-policy': 'allkeys-lru',
      'hash-max-listpack-entries': '10',
      save: '',
    });
  });
  await assert.rejects(startServer({ port: null, maxmemoryPolicy: 'sometimes' }), /invalid option 'maxmemoryPolicy': argument\(s\) must be one of/);
  await assert.rejects(startServer({ port: null, noSuchThing: 1 }), /unknown option 'noSuchThing'/);
});
