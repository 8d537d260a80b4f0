// /metrics: the text exposition format checked two ways, by parse-prometheus-text-format (a port
// of Prometheus's own parsers) and by a strict reading of the format's rules written here; and
// redis_exporter's names, labels and values for a known dataset.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const parsePrometheus: (text: string) => PromFamily[] = require('parse-prometheus-text-format');
import { startServer, RespiteServer } from '../../src/index';
import { renderMetrics } from '../../src/http/metrics';
import { DashboardClient } from './client';

interface PromFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; quantiles?: Record<string, string>; count?: string; sum?: string }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN|[+-]Inf)$/;

/**
 * The text format's rules (version 0.0.4), strictly: lines end with \n; HELP and TYPE come once
 * per family, before its samples; a family's samples are contiguous; names, label names and
 * values are well formed; label values escape only \\, \" and \n; no series appears twice.
 */
function strictCheck(text: string): Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }> {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const families = new Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>();
  const helped = new Set<string>();
  const seen = new Set<string>();
  let current: string | null = null;
  const closed = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    assert.ok(line.length > 0 && !line.includes('\r'), `no empty lines or CR: ${JSON.stringify(line)}`);
    let m = /^# HELP ([^ ]+) (.*)$/.exec(line);
    if (m) {
      assert.match(m[1], NAME);
      assert.ok(!helped.has(m[1]), `one HELP for ${m[1]}`);
      assert.ok(!/\\[^\\n]/.test(m[2].replace(/\\\\/g, '')), `HELP escapes: ${line}`);
      helped.add(m[1]);
      if (current !== null && current !== m[1]) closed.add(current);
      current = m[1];
      continue;
    }
    m = /^# TYPE ([^ ]+) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (m) {
      assert.ok(!families.has(m[1]), `one TYPE for ${m[1]}`);
      assert.equal(current, m[1], 'TYPE follows its HELP');
      families.set(m[1], { type: m[2], samples: [] });
      continue;
    }
    assert.ok(!line.startsWith('#'), `unknown comment line: ${line}`);
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)$/.exec(line);
    assert.ok(m, `sample line: ${line}`);
    const [, name, , labelText, value] = m!;
    assert.match(value, VALUE, `value of ${line}`);
    const family = [...families.keys()].find((f) => name === f || ((families.get(f)!.type === 'summary' || families.get(f)!.type === 'histogram') && (name === f + '_sum' || name === f + '_count' || name === f + '_bucket')));
    assert.ok(family !== undefined, `sample after its TYPE: ${line}`);
    assert.equal(family, current, `samples of a family are contiguous: ${line}`);
    assert.ok(!closed.has(family!), `family ${family} reopened`);
    const labels: Record<string, string> = {};
    if (labelText !== undefined) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let pos = 0;
      while (pos < labelText.length) {
        re.lastIndex = pos;
        const lm = re.exec(labelText);
        assert.ok(lm, `labels of ${line}`);
        assert.match(lm![1], LABEL);
        assert.ok(!(lm![1] in labels), `label ${lm![1]} once`);
        labels[lm![1]] = lm![2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    const series = name + JSON.stringify(Object.entries(labels).sort());
    assert.ok(!seen.has(series), `series once: ${line}`);
    seen.add(series);
    families.get(family!)!.samples.push({ name, labels, value: Number(value.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) });
  }
  for (const [name, f] of families) {
    if (f.type === 'counter') assert.ok(f.samples.every((s) => s.value >= 0), `${name}: counters are not negative`);
  }
  return families;
}

async function scrape(s: RespiteServer, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const r = await fetch(s.http!.url + 'metrics', { headers });
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') };
}

test('/metrics: valid exposition with redis_exporter names, labels and values', async () => {
  const s = await startServer({ port: null, httpPort: 0, maxmemory: '100mb', 'latency-monitor-threshold': 1 });
  try {
    await s.call('SET', 'a', '1');
    await s.call('SET', 'b', '2', 'EX', '100');
    await s.call('GET', 'a');
    await s.call('GET', 'missing');
    await assert.rejects(s.call('INCR', 'x', 'y'));
    await s.call('SELECT', '2');
    await s.call('SET', 'c', '3');
    const r = await scrape(s);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
    const fam = strictCheck(r.text);
    const parsed = parsePrometheus(r.text);
    assert.equal(parsed.length, fam.size, 'the reference parser sees the same families');
    const one = (name: string, labels: Record<string, string> = {}) => {
      const f = fam.get(name) ?? fam.get(name.replace(/_(count|sum)$/, ''));
      assert.ok(f, `family ${name}`);
      const sm = f!.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
      assert.ok(sm, `${name} ${JSON.stringify(labels)}`);
      return sm!.value;
    };
    assert.equal(one('redis_up'), 1);
    assert.equal(fam.get('redis_up')!.type, 'gauge');
    assert.ok(one('redis_connected_clients') >= 1);
    assert.ok(one('redis_memory_used_bytes') > 0);
    assert.equal(one('redis_memory_max_bytes'), 100 * 1024 * 1024);
    assert.ok(one('redis_commands_processed_total') >= 6);
    assert.equal(fam.get('redis_commands_processed_total')!.type, 'counter');
    assert.equal(one('redis_commands_total', { cmd: 'set' }), 3);
    assert.equal(one('redis_commands_total', { cmd: 'get' }), 2);
    assert.ok(one('redis_commands_duration_seconds_total', { cmd: 'get' }) > 0);
    assert.equal(one('redis_commands_rejected_calls_total', { cmd: 'incr' }), 1);
    assert.equal(one('redis_errors_total', { err: 'ERR' }), 1);
    assert.equal(one('redis_keyspace_hits_total'), 1);
    assert.equal(one('redis_keyspace_misses_total'), 1);
    assert.equal(one('redis_db_keys', { db: 'db0' }), 2);
    assert.equal(one('redis_db_keys_expiring', { db: 'db0' }), 1);
    assert.equal(one('redis_db_keys', { db: 'db2' }), 1);
    assert.equal(one('redis_evicted_keys_total'), 0);
    assert.equal(one('redis_expired_keys_total'), 0);
    assert.equal(one('redis_connected_slaves'), 0);
    assert.ok(one('redis_uptime_in_seconds') >= 0);
    assert.equal(one('redis_instance_info', { role: 'master', redis_version: '7.0.15', redis_mode: 'standalone' }), 1);
    assert.equal(one('redis_rdb_last_bgsave_status'), 1);
    assert.equal(one('redis_config_maxmemory'), 100 * 1024 * 1024);
    assert.equal(one('redis_config_client_output_buffer_limit_bytes', { class: 'pubsub', limit: 'hard' }), 33554432);
    assert.equal(fam.get('redis_latency_percentiles_usec')!.type, 'summary');
    assert.equal(one('redis_latency_percentiles_usec_count', { cmd: 'set' }), 3);
    assert.ok(one('redis_latency_percentiles_usec', { cmd: 'get', quantile: '99.9' }) >= 0);
    assert.ok(one('redis_slowlog_length') >= 0);
    assert.ok(one('redis_start_time_seconds') > 1.6e9);
    const summary = parsed.find((f) => f.name === 'redis_latency_percentiles_usec')!;
    assert.equal(summary.type, 'SUMMARY');
    // (That parser keeps a summary's quantiles but drops its labels, _sum and _count: the strict
    // check above covers those.)
    assert.ok(summary.metrics.some((m) => m.quantiles !== undefined && '50' in m.quantiles));
  } finally {
    await s.close();
  }
});

test('/metrics: open without a password (like redis_exporter); with one, HTTP basic auth with an ACL user', async () => {
  const s = await startServer({ port: null, httpPort: 0, requirepass: 'pw' });
  try {
    let r = await scrape(s);
    assert.equal(r.status, 401);
    const basic = (u: string, p: string) => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
    assert.equal((await scrape(s, basic('default', 'nope'))).status, 401);
    r = await scrape(s, basic('default', 'pw'));
    assert.equal(r.status, 200);
    strictCheck(r.text);
    // A user allowed INFO only still gets the INFO-based metrics; the rest is left out.
    await s.call('AUTH', 'pw');
    await s.call('ACL', 'SETUSER', 'prom', 'on', '>ppw', '+info');
    r = await scrape(s, basic('prom', 'ppw'));
    const fam = strictCheck(r.text);
    assert.ok(fam.has('redis_up') && fam.has('redis_connected_clients'));
    assert.ok(!fam.has('redis_slowlog_length'));
    // A user without INFO: the server is unreadable, redis_up 0.
    await s.call('ACL', 'SETUSER', 'nobody', 'on', '>n', '-@all');
    r = await scrape(s, basic('nobody', 'n'));
    assert.equal(r.status, 200);
    assert.equal(strictCheck(r.text).get('redis_up')!.samples[0].value, 0);
    // The scrape connections are closed after each scrape.
    const clients = (await s.call('CLIENT', 'LIST')) as string;
    assert.ok(!/user=prom/.test(clients));
  } finally {
    await s.close();
  }
});

test('metrics rendering: replicas, latency events and label escaping', () => {
  const info = [
    '# Server',
    'redis_version:7.0.15',
    'uptime_in_seconds:10',
    'os:Linux "quoted" \\ back',
    '# Replication',
    'role:master',
    'connected_slaves:1',
    'slave0:ip=127.0.0.1,port=6380,state=online,offset=42,lag=1',
    '# Stats',
    'latest_fork_usec:1500',
    '',
  ].join('\r\n');
  const text = renderMetrics({ info, now: 1000, latency: [{ event: 'command', time: 990, latestMs: 250 }], slowlog: { length: 2, last: { id: 7, micros: 20000 } } });
  const fam = strictCheck(text);
  assert.deepEqual(fam.get('redis_connected_slave_offset_bytes')!.samples[0], {
    name: 'redis_connected_slave_offset_bytes',
    labels: { slave_ip: '127.0.0.1', slave_port: '6380', slave_state: 'online' },
    value: 42,
  });
  assert.equal(fam.get('redis_connected_slave_lag_seconds')!.samples[0].value, 1);
  assert.equal(fam.get('redis_latency_spike_duration_seconds')!.samples[0].value, 0.25);
  assert.equal(fam.get('redis_latency_spike_last')!.samples[0].labels.event_name, 'command');
  assert.equal(fam.get('redis_slowlog_last_id')!.samples[0].value, 7);
  assert.equal(fam.get('redis_last_slow_execution_duration_seconds')!.samples[0].value, 0.02);
  assert.equal(fam.get('redis_latest_fork_seconds')!.samples[0].value, 0.0015);
  assert.equal(fam.get('redis_start_time_seconds')!.samples[0].value, 990);
  assert.equal(fam.get('redis_instance_info')!.samples[0].labels.os, 'Linux "quoted" \\ back');
  assert.match(text, /os="Linux \\"quoted\\" \\\\ back"/);
  assert.equal(parsePrometheus(text).length, fam.size);
});
