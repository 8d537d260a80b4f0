import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';
import { LatencyHistogram } from '../../src/engine/latency';
import { SimpleString } from '../../src/resp/reply';

function infoField(text: unknown, name: string): string {
  const m = new RegExp(`(?:^|\\r\\n)${name.replace(/[|]/g, '\\|')}:([^\\r]*)`).exec(String(text));
  assert.ok(m, `no ${name} in INFO`);
  return m[1];
}

test('INFO reports real counters, keyspace, commandstats, errorstats, latencystats', async () => {
  const s = await startServer({ port: null });
  try {
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '2', 'PX', '5000');
    await s.call('GET', 'a');
    await s.call('GET', 'zz');
    await assert.rejects(s.call('NOPE'));
    await assert.rejects(s.call('GET'));
    const info = await s.call('INFO', 'everything');
    assert.equal(infoField(info, 'redis_version'), '7.0.15');
    assert.match(infoField(info, 'respite_version'), /^\d+\.\d+\.\d+/);
    assert.equal(infoField(info, 'process_id'), String(process.pid));
    assert.equal(infoField(info, 'run_id'), s.server.runId);
    assert.equal(infoField(info, 'keyspace_hits'), '1');
    assert.equal(infoField(info, 'keyspace_misses'), '1');
    assert.equal(infoField(info, 'db0'), 'keys=2,expires=1,avg_ttl=0');
    assert.match(infoField(info, 'cmdstat_set'), /^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    assert.match(infoField(info, 'cmdstat_get'), /^calls=2,.*rejected_calls=1,failed_calls=0$/);
    assert.equal(infoField(info, 'errorstat_ERR'), 'count=2');
    assert.equal(infoField(info, 'total_error_replies'), '2');
    assert.match(infoField(info, 'latency_percentiles_usec_set'), /^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    assert.ok(Number(infoField(info, 'used_memory')) > 0);
    assert.equal(infoField(info, 'connected_clients'), '1');
    // Sections in Redis's order; unknown names add nothing.
    const heads = String(await s.call('INFO', 'keyspace', 'bogus', 'server')).match(/^# \w+/gm);
    assert.deepEqual(heads, ['# Server', '# Keyspace']);
    assert.equal(await s.call('INFO', 'bogus'), '');
    // CONFIG RESETSTAT clears command statistics and histograms.
    await s.call('CONFIG', 'RESETSTAT');
    assert.doesNotMatch(String(await s.call('INFO', 'commandstats', 'latencystats')), /_set:/);
  } finally {
    await s.close();
  }
});

test('latency histogram buckets and percentiles follow HdrHistogram (2 significant digits)', () => {
  const h = new LatencyHistogram();
  h.record(6);
  assert.equal(h.valueAtPercentile(50), 6015); // ns: the highest value sharing 6000's bucket
  for (let i = 0; i < 99; i++) h.record(110);
  assert.equal(h.valueAtPercentile(99), 110079);
  assert.equal(h.valueAtPercentile(1), 6015);
  // Cumulative counts at power-of-two bounds (in usec), only where the count grows.
  assert.deepEqual(h.cumulative(), [
    [8, 1],
    [132, 100],
  ]);
  const z = new LatencyHistogram();
  z.record(0);
  z.record(2100);
  assert.deepEqual(z.cumulative(), [
    [1, 1],
    [2113, 2],
  ]);
});

test('LATENCY HISTOGRAM replies per command (and per subcommand of a container)', async () => {
  const s = await startServer({ port: null });
  try {
    await s.call('SET', 'a', '1');
    await s.call('CONFIG', 'GET', 'hz');
    const conn = s.connect();
    await conn.call(['HELLO', '3']);
    const h = (await conn.call(['LATENCY', 'HISTOGRAM', 'set', 'config', 'nosuch'])) as Record<string, Record<string, unknown>>;
    conn.close();
    assert.deepEqual(Object.keys(h), ['set', 'config|get']);
    assert.equal(h.set.calls, 1);
    const buckets = Object.values(h.set.histogram_usec as Record<string, number>);
    assert.equal(buckets[buckets.length - 1], 1);
  } finally {
    await s.close();
  }
});

test('latency monitor: DEBUG SLEEP above the threshold records a command event', async () => {
  const s = await startServer({ port: null, enableDebugCommand: 'yes', latencyMonitorThreshold: 5 });
  try {
    await s.call('DEBUG', 'SLEEP', '0.02');
    const latest = (await s.call('LATENCY', 'LATEST')) as unknown[][];
    assert.equal(latest.length, 1);
    assert.equal(latest[0][0], 'command');
    assert.ok((latest[0][2] as number) >= 20);
    const history = (await s.call('LATENCY', 'HISTORY', 'command')) as number[][];
    assert.equal(history.length, 1);
    const report = String(await s.call('LATENCY', 'DOCTOR'));
    assert.match(report, /^Dave, I have observed latency spikes/);
    assert.match(report, /1\. command: 1 latency spikes/);
    assert.equal(await s.call('LATENCY', 'RESET', 'command', 'other'), 1);
    assert.deepEqual(await s.call('LATENCY', 'LATEST'), []);
    assert.match(String(await s.call('LATENCY', 'DOCTOR')), /^Dave, no latency spike/);
  } finally {
    await s.close();
  }
});

test('SLOWLOG records commands slower than the threshold, newest first, with truncation', async () => {
  const s = await startServer({ port: 0, slowlogLogSlowerThan: 0, slowlogMaxLen: 3 });
  const c = await RespClient.connect(s.port);
  try {
    await c.call('CLIENT', 'SETNAME', 'slowpoke');
    await c.call('SLOWLOG', 'RESET');
    await c.call('SET', 'k', 'x'.repeat(200));
    const args = Array.from({ length: 40 }, (_, i) => `a${i}`);
    await c.call('RPUSH', 'list', ...args).catch(() => null);
    const entries = (await c.call('SLOWLOG', 'GET')) as unknown[][];
    assert.equal(entries.length, 3);
    const [rpush, set, reset] = entries;
    assert.equal(typeof set[0], 'number');
    assert.ok((rpush[0] as number) > (set[0] as number));
    assert.equal(reset[3] instanceof Array && (reset[3] as string[])[0], 'SLOWLOG');
    assert.deepEqual((set[3] as string[])[2], 'x'.repeat(128) + '... (72 more bytes)');
    const rpushArgs = rpush[3] as string[];
    assert.equal(rpushArgs.length, 32);
    assert.equal(rpushArgs[31], '... (11 more arguments)');
    assert.match(String(set[4]), /^127\.0\.0\.1:\d+$/);
    assert.equal(set[5], 'slowpoke');
    assert.equal(await c.call('SLOWLOG', 'LEN'), 3);
    assert.equal(((await c.call('SLOWLOG', 'GET', '1')) as unknown[]).length, 1);
  } finally {
    c.close();
    await s.close();
  }
});

test('MONITOR streams commands in Redis format; admin commands are hidden', async () => {
  const s = await startServer({ port: 0 });
  const mon = await RespClient.connect(s.port);
  const c = await RespClient.connect(s.port);
  try {
    assert.equal(((await mon.call('MONITOR')) as SimpleString).value, 'OK');
    await c.call('SELECT', '2');
    await c.call('SET', 'k', 'a "q"\n\x01');
    await c.call('CONFIG', 'GET', 'hz'); // admin: not shown
    await c.call('AUTH', 'secret');
    await c.call('PING');
    const port = String(await c.call('CLIENT', 'INFO')).match(/addr=(\S+)/)![1];
    const l1 = String((await mon.readNext()).raw);
    const l2 = String((await mon.readNext()).raw);
    const l3 = String((await mon.readNext()).raw);
    const l4 = String((await mon.readNext()).raw);
    assert.match(l1, new RegExp(`^\\+\\d+\\.\\d{6} \\[2 ${port.replace(/\./g, '\\.')}\\] "SELECT" "2"\\r\\n$`));
    assert.match(l2, /\[2 [^\]]+\] "SET" "k" "a \\"q\\"\\n\\x01"\r\n$/);
    assert.match(l3, /\[2 [^\]]+\] "AUTH" "\(redacted\)"\r\n$/);
    assert.match(l4, /\[2 [^\]]+\] "PING"\r\n$/);
    assert.match(String(await c.call('CLIENT', 'LIST')), /flags=O .*cmd=monitor/);
  } finally {
    mon.close();
    c.close();
    await s.close();
  }
});

test('TIME, LASTSAVE follow the server clock', async () => {
  const s = await startServer({ port: null });
  try {
    s.clock.freeze(1_700_000_000_123);
    const [sec, usec] = (await s.call('TIME')) as string[];
    assert.equal(sec, '1700000000');
    assert.ok(Number(usec) >= 123000 && Number(usec) < 124000);
    assert.equal(typeof (await s.call('LASTSAVE')), 'number');
  } finally {
    await s.close();
  }
});

test('DEBUG: protected by enable-debug-command; SET-ACTIVE-EXPIRE, SLEEP, ERROR, CHANGE-REPL-ID', async () => {
  const off = await startServer({ port: null });
  try {
    await assert.rejects(off.call('DEBUG', 'SLEEP', '0'), /ERR DEBUG command not allowed/);
  } finally {
    await off.close();
  }
  const s = await startServer({ port: null, enableDebugCommand: 'yes' });
  try {
    await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    assert.equal(s.server.keyspace.activeExpireEnabled, false);
    await s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    assert.equal(s.server.keyspace.activeExpireEnabled, true);
    const t0 = Date.now();
    await s.call('DEBUG', 'SLEEP', '0.05');
    assert.ok(Date.now() - t0 >= 45);
    await assert.rejects(s.call('DEBUG', 'ERROR', 'MYERR custom'), /^RespiteError: MYERR custom$/);
    const before = infoField(await s.call('INFO', 'replication'), 'master_replid');
    await s.call('DEBUG', 'CHANGE-REPL-ID');
    assert.notEqual(infoField(await s.call('INFO', 'replication'), 'master_replid'), before);
    await assert.rejects(s.call('DEBUG', 'OBJECTX'), /unknown subcommand or wrong number of arguments for 'OBJECTX'/);
  } finally {
    await s.close();
  }
});

test('SHUTDOWN stops the server (the TCP client just sees the connection close)', async () => {
  const s = await startServer({ port: 0 });
  const c = await RespClient.connect(s.port);
  let stopped = false;
  const original = s.server.onShutdown;
  s.server.onShutdown = () => {
    stopped = true;
    original?.();
  };
  c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
  await c.waitClose();
  await new Promise((r) => setImmediate(r));
  assert.equal(stopped, true);
  await s.close();
});
