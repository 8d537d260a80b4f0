// /metrics: the server's INFO ALL (plus SLOWLOG, LATENCY LATEST and a few CONFIG values) in the
// Prometheus text exposition format, under the metric names and labels redis_exporter
// (oliver006/redis_exporter) gives them, so dashboards and alerts written for it work unchanged.
// Only what Redis 7.0's INFO has is mapped; respite's own extra fields are left out.
import { parseInfo, parseInfoPairs } from './info';

/** INFO field -> metric name (without the redis_ prefix), read as a gauge. */
const GAUGES: Record<string, string> = {
  uptime_in_seconds: 'uptime_in_seconds',
  process_id: 'process_id',
  io_threads_active: 'io_threads_active',
  connected_clients: 'connected_clients',
  blocked_clients: 'blocked_clients',
  maxclients: 'max_clients',
  tracking_clients: 'tracking_clients',
  clients_in_timeout_table: 'clients_in_timeout_table',
  client_recent_max_output_buffer: 'client_recent_max_output_buffer_bytes',
  client_recent_max_input_buffer: 'client_recent_max_input_buffer_bytes',
  allocator_active: 'allocator_active_bytes',
  allocator_allocated: 'allocator_allocated_bytes',
  allocator_resident: 'allocator_resident_bytes',
  allocator_frag_ratio: 'allocator_frag_ratio',
  allocator_frag_bytes: 'allocator_frag_bytes',
  allocator_rss_ratio: 'allocator_rss_ratio',
  allocator_rss_bytes: 'allocator_rss_bytes',
  used_memory: 'memory_used_bytes',
  used_memory_rss: 'memory_used_rss_bytes',
  used_memory_peak: 'memory_used_peak_bytes',
  used_memory_lua: 'memory_used_lua_bytes',
  used_memory_vm_eval: 'memory_used_vm_eval_bytes',
  used_memory_scripts_eval: 'memory_used_scripts_eval_bytes',
  used_memory_overhead: 'memory_used_overhead_bytes',
  used_memory_startup: 'memory_used_startup_bytes',
  used_memory_dataset: 'memory_used_dataset_bytes',
  number_of_cached_scripts: 'number_of_cached_scripts',
  number_of_functions: 'number_of_functions',
  number_of_libraries: 'number_of_libraries',
  used_memory_vm_functions: 'memory_used_vm_functions_bytes',
  used_memory_scripts: 'memory_used_scripts_bytes',
  used_memory_functions: 'memory_used_functions_bytes',
  used_memory_vm_total: 'memory_used_vm_total',
  maxmemory: 'memory_max_bytes',
  mem_fragmentation_ratio: 'mem_fragmentation_ratio',
  mem_fragmentation_bytes: 'mem_fragmentation_bytes',
  mem_clients_slaves: 'mem_clients_slaves',
  mem_clients_normal: 'mem_clients_normal',
  mem_cluster_links: 'mem_cluster_links_bytes',
  mem_aof_buffer: 'mem_aof_buffer_bytes',
  mem_replication_backlog: 'mem_replication_backlog_bytes',
  expired_stale_perc: 'expired_stale_percentage',
  mem_not_counted_for_evict: 'mem_not_counted_for_eviction_bytes',
  mem_total_replication_buffers: 'mem_total_replication_buffers_bytes',
  lazyfree_pending_objects: 'lazyfree_pending_objects',
  lazyfreed_objects: 'lazyfreed_objects',
  active_defrag_running: 'active_defrag_running',
  migrate_cached_sockets: 'migrate_cached_sockets_total',
  active_defrag_hits: 'defrag_hits',
  active_defrag_misses: 'defrag_misses',
  active_defrag_key_hits: 'defrag_key_hits',
  active_defrag_key_misses: 'defrag_key_misses',
  loading: 'loading_dump_file',
  async_loading: 'async_loading',
  rdb_changes_since_last_save: 'rdb_changes_since_last_save',
  rdb_bgsave_in_progress: 'rdb_bgsave_in_progress',
  rdb_last_save_time: 'rdb_last_save_timestamp_seconds',
  rdb_last_bgsave_status: 'rdb_last_bgsave_status',
  rdb_last_bgsave_time_sec: 'rdb_last_bgsave_duration_sec',
  rdb_current_bgsave_time_sec: 'rdb_current_bgsave_duration_sec',
  rdb_saves: 'rdb_saves_total',
  rdb_last_cow_size: 'rdb_last_cow_size_bytes',
  rdb_last_load_keys_expired: 'rdb_last_load_expired_keys',
  rdb_last_load_keys_loaded: 'rdb_last_load_loaded_keys',
  aof_enabled: 'aof_enabled',
  aof_rewrite_in_progress: 'aof_rewrite_in_progress',
  aof_rewrite_scheduled: 'aof_rewrite_scheduled',
  aof_last_rewrite_time_sec: 'aof_last_rewrite_duration_sec',
  aof_current_rewrite_time_sec: 'aof_current_rewrite_duration_sec',
  aof_last_cow_size: 'aof_last_cow_size_bytes',
  aof_current_size: 'aof_current_size_bytes',
  aof_base_size: 'aof_base_size_bytes',
  aof_pending_rewrite: 'aof_pending_rewrite',
  aof_buffer_length: 'aof_buffer_length',
  aof_rewrite_buffer_length: 'aof_rewrite_buffer_length',
  aof_pending_bio_fsync: 'aof_pending_bio_fsync',
  aof_delayed_fsync: 'aof_delayed_fsync',
  aof_last_bgrewrite_status: 'aof_last_bgrewrite_status',
  aof_last_write_status: 'aof_last_write_status',
  module_fork_in_progress: 'module_fork_in_progress',
  module_fork_last_cow_size: 'module_fork_last_cow_size',
  current_eviction_exceeded_time: 'current_eviction_exceeded_time_ms',
  pubsub_channels: 'pubsub_channels',
  pubsub_patterns: 'pubsub_patterns',
  pubsubshard_channels: 'pubsubshard_channels',
  tracking_total_keys: 'tracking_total_keys',
  tracking_total_items: 'tracking_total_items',
  tracking_total_prefixes: 'tracking_total_prefixes',
  connected_slaves: 'connected_slaves',
  repl_backlog_size: 'replication_backlog_bytes',
  repl_backlog_active: 'repl_backlog_is_active',
  repl_backlog_first_byte_offset: 'repl_backlog_first_byte_offset',
  repl_backlog_histlen: 'repl_backlog_history_bytes',
  master_repl_offset: 'master_repl_offset',
  second_repl_offset: 'second_repl_offset',
  slave_expires_tracked_keys: 'slave_expires_tracked_keys',
  slave_priority: 'slave_priority',
  sync_full: 'replica_resyncs_full',
  sync_partial_ok: 'replica_partial_resync_accepted',
  sync_partial_err: 'replica_partial_resync_denied',
};

/** INFO field -> metric name, read as a counter. */
const COUNTERS: Record<string, string> = {
  total_connections_received: 'connections_received_total',
  total_commands_processed: 'commands_processed_total',
  rejected_connections: 'rejected_connections_total',
  total_net_input_bytes: 'net_input_bytes_total',
  total_net_output_bytes: 'net_output_bytes_total',
  total_net_repl_input_bytes: 'net_repl_input_bytes_total',
  total_net_repl_output_bytes: 'net_repl_output_bytes_total',
  expired_keys: 'expired_keys_total',
  expired_time_cap_reached_count: 'expired_time_cap_reached_total',
  expire_cycle_cpu_milliseconds: 'expire_cycle_cpu_time_ms_total',
  evicted_keys: 'evicted_keys_total',
  evicted_clients: 'evicted_clients_total',
  total_eviction_exceeded_time: 'eviction_exceeded_time_ms_total',
  keyspace_hits: 'keyspace_hits_total',
  keyspace_misses: 'keyspace_misses_total',
  used_cpu_sys: 'cpu_sys_seconds_total',
  used_cpu_user: 'cpu_user_seconds_total',
  used_cpu_sys_children: 'cpu_sys_children_seconds_total',
  used_cpu_user_children: 'cpu_user_children_seconds_total',
  used_cpu_sys_main_thread: 'cpu_sys_main_thread_seconds_total',
  used_cpu_user_main_thread: 'cpu_user_main_thread_seconds_total',
  unexpected_error_replies: 'unexpected_error_replies',
  total_error_replies: 'total_error_replies',
  dump_payload_sanitizations: 'dump_payload_sanitizations',
  total_reads_processed: 'total_reads_processed',
  total_writes_processed: 'total_writes_processed',
  io_threaded_reads_processed: 'io_threaded_reads_processed',
  io_threaded_writes_processed: 'io_threaded_writes_processed',
  reply_buffer_shrinks: 'reply_buffer_shrinks_total',
  reply_buffer_expands: 'reply_buffer_expands_total',
};

/** Help texts for the families that are not a plain INFO field. */
const HELP: Record<string, string> = {
  up: 'Whether the last read of the server succeeded',
  instance_info: 'Version, role and identity of the server, as labels',
  start_time_seconds: 'When the server started, seconds since the Unix epoch',
  commands_total: 'Calls per command',
  commands_duration_seconds_total: 'Seconds spent per command',
  commands_rejected_calls_total: 'Calls per command refused before running (arity, ACL, OOM...)',
  commands_failed_calls_total: 'Calls per command that ran and replied with an error',
  errors_total: 'Error replies per error code',
  latency_percentiles_usec: 'Latency percentiles per command, in microseconds',
  db_keys: 'Keys per database',
  db_keys_expiring: 'Keys with a TTL per database',
  db_avg_ttl_seconds: 'Average TTL of the keys with one, per database',
  connected_slave_offset_bytes: 'Replication offset acknowledged by each replica',
  connected_slave_lag_seconds: 'Seconds since each replica last acknowledged',
  master_link_up: 'Whether this replica is connected to its master',
  master_last_io_seconds_ago: 'Seconds since this replica last heard from its master',
  master_sync_in_progress: 'Whether this replica is loading a full sync',
  slave_repl_offset: 'Replication offset of this replica',
  slowlog_length: 'Entries in the slow log',
  slowlog_last_id: 'Id of the newest slow log entry',
  last_slow_execution_duration_seconds: 'Duration of the newest slow log entry',
  latency_spike_last: 'When each latency monitor event last happened, seconds since the epoch',
  latency_spike_duration_seconds: 'Duration of the latest spike of each latency monitor event',
  config_maxclients: 'CONFIG maxclients',
  config_maxmemory: 'CONFIG maxmemory',
  config_io_threads: 'CONFIG io-threads',
  config_repl_backlog_size: 'CONFIG repl-backlog-size',
  config_client_output_buffer_limit_bytes: 'CONFIG client-output-buffer-limit, bytes per class',
  config_client_output_buffer_limit_overcome_seconds: 'CONFIG client-output-buffer-limit, soft limit seconds per class',
  hz: 'Current hz',
  configured_hz: 'Configured hz',
  latest_fork_seconds: 'Duration of the latest fork',
};

/** What /metrics reads besides INFO ALL; any part may be missing (e.g. the user may not run it). */
export interface MetricsInput {
  info: string;
  /** SLOWLOG LEN and the newest entry (id, timestamp, duration in µs). */
  slowlog?: { length: number; last: { id: number; micros: number } | null };
  /** LATENCY LATEST rows: event, unix time of the latest spike, latest ms. */
  latency?: { event: string; time: number; latestMs: number }[];
  /** CONFIG GET values by name. */
  config?: Record<string, string>;
  /** Unix time in seconds (start_time_seconds = now - uptime). */
  now: number;
}

type Kind = 'gauge' | 'counter' | 'summary';

interface Family {
  kind: Kind;
  help: string;
  /** Sample lines after the name (labels and value), in insertion order. */
  samples: { suffix: string; labels: [string, string][]; value: number }[];
}

/** Collects samples per family and prints them in the text format (families sorted by name). */
class Exposition {
  private readonly families = new Map<string, Family>();

  add(name: string, kind: Kind, value: number, labels: [string, string][] = [], help?: string, suffix = ''): void {
    let f = this.families.get(name);
    if (f === undefined) {
      f = { kind, help: help ?? HELP[name] ?? name, samples: [] };
      this.families.set(name, f);
    }
    f.samples.push({ suffix, labels, value });
  }

  text(): string {
    let out = '';
    for (const name of [...this.families.keys()].sort()) {
      const f = this.families.get(name)!;
      const full = 'redis_' + name;
      out += `# HELP ${full} ${escapeHelp(f.help)}\n# TYPE ${full} ${f.kind}\n`;
      for (const s of f.samples) {
        const labels = s.labels.length === 0 ? '' : `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
        out += `${full}${s.suffix}${labels} ${formatValue(s.value)}\n`;
      }
    }
    return out;
  }
}

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * Label values are UTF-8 in the format; INFO text is bytes (latin1 strings here), so bytes are
 * decoded as UTF-8 only for the exposition, where they are text by definition.
 */
function escapeLabel(s: string): string {
  const text = Buffer.from(s, 'latin1').toString('utf8');
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** INFO values: numbers, and ok/err for the status fields (as redis_exporter reads them). */
function infoNumber(v: string): number | null {
  if (v === 'ok' || v === 'true') return 1;
  if (v === 'err' || v === 'fail' || v === 'false') return 0;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return null;
  return Number(v);
}

/** The exposition text for a failed read: redis_up 0 only. */
export function downMetrics(): string {
  const e = new Exposition();
  e.add('up', 'gauge', 0);
  return e.text();
}

export function renderMetrics(input: MetricsInput): string {
  const e = new Exposition();
  const info = parseInfo(input.info);
  e.add('up', 'gauge', 1);
  const f = info.all;
  e.add(
    'instance_info',
    'gauge',
    1,
    (
      [
        ['role', f.get('role') ?? ''],
        ['redis_version', f.get('redis_version') ?? ''],
        ['redis_build_id', f.get('redis_build_id') ?? ''],
        ['redis_mode', f.get('redis_mode') ?? ''],
        ['os', f.get('os') ?? ''],
        ['maxmemory_policy', f.get('maxmemory_policy') ?? ''],
        ['tcp_port', f.get('tcp_port') ?? ''],
        ['run_id', f.get('run_id') ?? ''],
        ['process_id', f.get('process_id') ?? ''],
        ['master_replid', f.get('master_replid') ?? ''],
      ] as [string, string][]
    ),
  );
  for (const [section, fields] of info.sections) {
    for (const [k, v] of fields) {
      if (section === 'Commandstats') commandStat(e, k, v);
      else if (section === 'Errorstats') errorStat(e, k, v);
      else if (section === 'Keyspace') keyspace(e, k, v);
      else if (section === 'Latencystats') continue; // read below, with the call counts
      else if (section === 'Replication' && replication(e, k, v, f)) continue;
      else plainField(e, k, v);
    }
  }
  latencyPercentiles(e, info.sections.get('Latencystats'), info.sections.get('Commandstats'));
  const uptime = Number(f.get('uptime_in_seconds'));
  if (Number.isFinite(uptime)) e.add('start_time_seconds', 'gauge', input.now - uptime);
  for (const k of ['hz', 'configured_hz']) {
    const n = Number(f.get(k));
    if (f.has(k) && Number.isFinite(n)) e.add(k, 'gauge', n);
  }
  if (input.slowlog !== undefined) {
    e.add('slowlog_length', 'gauge', input.slowlog.length);
    const last = input.slowlog.last;
    e.add('slowlog_last_id', 'gauge', last === null ? 0 : last.id);
    e.add('last_slow_execution_duration_seconds', 'gauge', last === null ? 0 : last.micros / 1e6);
  }
  for (const l of input.latency ?? []) {
    e.add('latency_spike_last', 'gauge', l.time, [['event_name', l.event]]);
    e.add('latency_spike_duration_seconds', 'gauge', l.latestMs / 1000, [['event_name', l.event]]);
  }
  configMetrics(e, input.config ?? {});
  return e.text();
}

function plainField(e: Exposition, k: string, v: string): void {
  if (k === 'latest_fork_usec') {
    const n = infoNumber(v);
    if (n !== null) e.add('latest_fork_seconds', 'gauge', n / 1e6);
    return;
  }
  const gauge = GAUGES[k];
  const counter = COUNTERS[k];
  if (gauge === undefined && counter === undefined) return;
  const n = infoNumber(v);
  if (n === null) return;
  e.add(gauge ?? counter, counter !== undefined ? 'counter' : 'gauge', n, [], `INFO ${k}`);
}

/** cmdstat_get:calls=21,usec=175,usec_per_call=8.33,rejected_calls=0,failed_calls=0 */
function commandStat(e: Exposition, k: string, v: string): void {
  if (!k.startsWith('cmdstat_')) return;
  const cmd = k.slice(8);
  const p = parseInfoPairs(v);
  const labels: [string, string][] = [['cmd', cmd]];
  e.add('commands_total', 'counter', Number(p.calls), labels);
  e.add('commands_duration_seconds_total', 'counter', Number(p.usec) / 1e6, labels);
  if (p.rejected_calls !== undefined) e.add('commands_rejected_calls_total', 'counter', Number(p.rejected_calls), labels);
  if (p.failed_calls !== undefined) e.add('commands_failed_calls_total', 'counter', Number(p.failed_calls), labels);
}

function errorStat(e: Exposition, k: string, v: string): void {
  if (!k.startsWith('errorstat_')) return;
  e.add('errors_total', 'counter', Number(parseInfoPairs(v).count), [['err', k.slice(10)]]);
}

/** db0:keys=1,expires=0,avg_ttl=0 (the label is "db0", as redis_exporter has it). */
function keyspace(e: Exposition, k: string, v: string): void {
  if (!/^db\d+$/.test(k)) return;
  const p = parseInfoPairs(v);
  e.add('db_keys', 'gauge', Number(p.keys), [['db', k]]);
  e.add('db_keys_expiring', 'gauge', Number(p.expires), [['db', k]]);
  if (p.avg_ttl !== undefined) e.add('db_avg_ttl_seconds', 'gauge', Number(p.avg_ttl) / 1000, [['db', k]]);
}

/** Replica lines of a master, and a replica's link to its master; true when handled. */
function replication(e: Exposition, k: string, v: string, all: Map<string, string>): boolean {
  const master: [string, string][] = [
    ['master_host', all.get('master_host') ?? ''],
    ['master_port', all.get('master_port') ?? ''],
  ];
  if (/^slave\d+$/.test(k)) {
    const p = parseInfoPairs(v);
    const labels: [string, string][] = [
      ['slave_ip', p.ip ?? ''],
      ['slave_port', p.port ?? ''],
      ['slave_state', p.state ?? ''],
    ];
    e.add('connected_slave_offset_bytes', 'gauge', Number(p.offset), labels);
    if (p.lag !== undefined) e.add('connected_slave_lag_seconds', 'gauge', Number(p.lag), labels);
    return true;
  }
  if (k === 'master_link_status') {
    e.add('master_link_up', 'gauge', v === 'up' ? 1 : 0, master);
    return true;
  }
  if (k === 'master_last_io_seconds_ago' || k === 'master_sync_in_progress' || k === 'slave_repl_offset') {
    e.add(k, 'gauge', Number(v), master);
    return true;
  }
  return false;
}

/** latency_percentiles_usec_get:p50=1.003,p99=1.003,p99.9=1.003 with its command's calls and usec. */
function latencyPercentiles(e: Exposition, lat: Map<string, string> | undefined, stats: Map<string, string> | undefined): void {
  if (lat === undefined) return;
  for (const [k, v] of lat) {
    if (!k.startsWith('latency_percentiles_usec_')) continue;
    const cmd = k.slice('latency_percentiles_usec_'.length);
    const st = stats?.get('cmdstat_' + cmd);
    if (st === undefined) continue;
    const p = parseInfoPairs(st);
    for (const [q, val] of Object.entries(parseInfoPairs(v))) {
      e.add('latency_percentiles_usec', 'summary', Number(val), [
        ['cmd', cmd],
        ['quantile', String(Number(q.slice(1)))],
      ]);
    }
    e.add('latency_percentiles_usec', 'summary', Number(p.usec), [['cmd', cmd]], undefined, '_sum');
    e.add('latency_percentiles_usec', 'summary', Number(p.calls), [['cmd', cmd]], undefined, '_count');
  }
}

function configMetrics(e: Exposition, cfg: Record<string, string>): void {
  for (const k of ['maxclients', 'maxmemory', 'io-threads', 'repl-backlog-size']) {
    const n = Number(cfg[k]);
    if (cfg[k] !== undefined && Number.isFinite(n)) e.add('config_' + k.replace(/-/g, '_'), 'gauge', n);
  }
  const obl = cfg['client-output-buffer-limit'];
  if (obl === undefined) return;
  const w = obl.split(' ');
  for (let i = 0; i + 3 < w.length; i += 4) {
    e.add('config_client_output_buffer_limit_bytes', 'gauge', Number(w[i + 1]), [
      ['class', w[i]],
      ['limit', 'hard'],
    ]);
    e.add('config_client_output_buffer_limit_bytes', 'gauge', Number(w[i + 2]), [
      ['class', w[i]],
      ['limit', 'soft'],
    ]);
    e.add('config_client_output_buffer_limit_overcome_seconds', 'gauge', Number(w[i + 3]), [
      ['class', w[i]],
      ['limit', 'soft'],
    ]);
  }
}
