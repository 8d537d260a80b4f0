import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential } from '../helpers/differential';
import { Reply } from '../../src/resp/reply';

/**
 * Parameters whose values legitimately differ between the two servers in this setup:
 * port (each listens on its own), bind (the reference is started with --bind 127.0.0.1, embedded respite
 * listens on "127.0.0.1 -::1"),
 * dir (the reference runs in /tmp), pidfile/daemonize/logfile (process management of the
 * reference), enable-debug-command (set for both, but kept out of the comparison on principle).
 */
const DIFFERS = new Set(['port', 'bind', 'dir', 'pidfile', 'daemonize', 'logfile']);

function toMap(r: Reply): Map<string, string> {
  const flat = r as string[];
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
  return m;
}

differential(
  'CONFIG (differential)',
  (ctx) => {
    test('CONFIG GET * has the same parameters and values', async () => {
      const p = await ctx.pair();
      const [a, b] = await Promise.all([p.redis.call('CONFIG', 'GET', '*'), p.respite.call('CONFIG', 'GET', '*')]);
      const ref = toMap(a);
      const ours = toMap(b);
      assert.equal(ref.size, 192);
      assert.deepEqual([...ours.keys()].sort(), [...ref.keys()].sort());
      for (const [k, v] of ref) if (!DIFFERS.has(k)) assert.equal(ours.get(k), v, k);
    });

    test('CONFIG GET patterns and single names reply alike', async () => {
      const p = await ctx.pair();
      for (const pat of ['maxmemory*', '*max*entries*', 'slave-*', 'h?', '[hz]*', 'use-exit-on-panic', '*exit*', 'nonexistent']) {
        await p.check('sorted', 'CONFIG', 'GET', pat);
      }
      await p.run('CONFIG', 'GET', 'MaxMemory');
      await p.run('CONFIG', 'GET', 'maxmemory', 'MAXMEMORY');
      await p.check('sorted', 'CONFIG', 'GET', 'timeout', 'slave-priority', 'replica-priority');
      await p.run('CONFIG', 'GET');
      await p.check('type', 'HELLO', '3'); // client ids differ
      await p.run('CONFIG', 'GET', 'hz');
      await p.run('CONFIG', 'GET', 'save');
    });

    test('CONFIG SET values round trip like Redis', async () => {
      const p = await ctx.pair();
      const sets: [string, string][] = [
        ['maxmemory', '100MB'],
        ['maxmemory', '18446744073709551615'],
        ['maxmemory', '20000000000gb'],
        ['maxmemory', ''],
        ['maxmemory-clients', '7%'],
        ['maxmemory-clients', '18446744073709551615'],
        ['maxmemory-clients', '0'],
        ['hz', '0'],
        ['hz', '1000'],
        ['hz', '10'],
        ['save', '100 10 200 20'],
        ['save', ''],
        ['client-output-buffer-limit', 'pubsub 1mb 2k 5 Replica 1 2 3'],
        ['client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
        ['oom-score-adj-values', '10 5 2'],
        ['oom-score-adj-values', '0 200 800'],
        ['oom-score-adj', 'relative'],
        ['oom-score-adj', 'no'],
        ['latency-tracking-info-percentiles', '50.5 99 1e1 0.0001'],
        ['latency-tracking-info-percentiles', ''],
        ['latency-tracking-info-percentiles', '50 99 99.9'],
        ['shutdown-on-sigint', 'now SAVE'],
        ['shutdown-on-sigint', 'default now'],
        ['shutdown-on-sigint', 'default'],
        ['notify-keyspace-events', 'KEA'],
        ['notify-keyspace-events', 'Egx$'],
        ['notify-keyspace-events', ''],
        ['slave-priority', '5'],
        ['replica-priority', '100'],
        ['list-max-ziplist-size', '-3'],
        ['list-max-listpack-size', '-2'],
        ['appendfsync', 'ALWAYS'],
        ['appendfsync', 'everysec'],
        ['activerehashing', 'NO'],
        ['activerehashing', 'yes'],
        ['repl-backlog-size', '1k'],
        ['repl-backlog-size', '1mb'],
        ['proc-title-template', 'x{title}y'],
        ['proc-title-template', '{title} {listen-addr} {server-mode}'],
        ['tls-ciphers', 'DEFAULT'],
        ['tls-ciphers', ''],
      ];
      for (const [k, v] of sets) {
        await p.run('CONFIG', 'SET', k, v);
        await p.run('CONFIG', 'GET', k);
      }
      await p.run('CONFIG', 'SET', 'maxmemory', '0');
    });

    test('CONFIG SET errors are the same', async () => {
      const p = await ctx.pair();
      const bad: string[][] = [
        ['maxmemory', '1x'],
        ['maxmemory', '-1'],
        ['foo', 'bar'],
        ['foo', 'bar', 'port', 'x'],
        ['port', 'x', 'foo', 'bar'],
        ['databases', '4'],
        ['DATABASES', '4'],
        ['dir', '/tmp'],
        ['dbfilename', 'x.rdb'],
        ['port', '1', 'PORT', '2'],
        ['timeout', '-1'],
        ['timeout', '9999999999'],
        ['timeout', '1.5'],
        ['timeout', ' 1'],
        ['maxclients', '0'],
        ['maxclients', '99999999999'],
        ['slowlog-max-len', '-1'],
        ['slowlog-log-slower-than', '-2'],
        ['hash-max-listpack-entries', '-1'],
        ['proto-max-bulk-len', '1k'],
        ['client-query-buffer-limit', '0'],
        ['active-defrag-ignore-bytes', '0'],
        ['auto-aof-rewrite-min-size', '18446744073709551615'],
        ['appendonly', 'maybe'],
        ['loglevel', 'loud'],
        ['maxmemory-policy', 'x'],
        ['maxmemory-clients', '101%'],
        ['maxmemory-clients', '-5%'],
        ['maxmemory-clients', '9223372036854775808'],
        ['save', '1'],
        ['save', '0 1'],
        ['save', '1 -1'],
        ['save', '100  1'],
        ['client-output-buffer-limit', 'foo'],
        ['client-output-buffer-limit', 'master 1 2 3'],
        ['client-output-buffer-limit', 'normal 1 2 -3'],
        ['client-output-buffer-limit', 'normal 1x 2 3'],
        ['oom-score-adj-values', '1 2'],
        ['oom-score-adj-values', '1 2 3000'],
        ['latency-tracking-info-percentiles', 'x'],
        ['latency-tracking-info-percentiles', '101'],
        ['shutdown-on-sigint', 'save nosave'],
        ['shutdown-on-sigint', 'never'],
        ['shutdown-on-sigint', 'now  save'],
        ['notify-keyspace-events', 'X'],
        ['proc-title-template', '{nope}'],
        ['proc-title-template', ''],
        ['cluster-announce-hostname', 'bad_host'],
        ['maxmemory', '10', 'maxmemory-policy', 'bad'],
        ['slaveof', 'no one'],
        ['unixsocketperm', '700'],
        ['maxmemory'],
        ['maxmemory', '1', 'timeout'],
      ];
      for (const args of bad) await p.run('CONFIG', 'SET', ...args);
      await p.run('CONFIG', 'GET', 'maxmemory');
      await p.run('CONFIG', 'SET', 'slave-priority', '1', 'replica-priority', '100');
      await p.run('CONFIG', 'GET', 'replica-priority');
    });

    test('CONFIG HELP, RESETSTAT, REWRITE without a file, unknown subcommands, arity', async () => {
      const p = await ctx.pair();
      await p.run('CONFIG', 'HELP');
      await p.run('CONFIG', 'RESETSTAT');
      await p.run('CONFIG', 'REWRITE');
      await p.run('CONFIG', 'NOPE');
      await p.run('CONFIG');
      await p.run('CONFIG', 'HELP', 'x');
      await p.run('CONFIG', 'RESETSTAT', 'x');
    });
  },
  // The reference runs with save "" (see startReference); respite is started the same way.
  { options: { save: '' } },
);
