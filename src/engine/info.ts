// INFO: Redis 7.0.15's sections and fields, in its order and format. Values are respite's own
// where it has the concept; fields about machinery respite does not have (forks, AOF, jemalloc,
// replication links, io threads...) carry the values an idle Redis reports (0, -1, "ok", "").
//
// Memory figures come from the V8 process: used_memory = heapUsed + external (JS objects plus
// Buffers), used_memory_rss = rss, allocator_allocated/active/resident = used / heapTotal +
// external / rss, used_memory_startup = used_memory when the server was created (the dataset
// figures are relative to it). They describe the whole Node process, which may host other code.
import { persistenceOf } from '../persistence/persistence';
import { replicationOf } from '../replication/replication';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from '../commands/registry';
import { REDIS_VERSION } from '../version';
import { blockedClientCount, clientsInTimeoutTable } from './blocking';
import type { Server } from './server';
import { usedMemory as estimatedUsedMemory } from '../keyspace/eviction';
import { scriptingState } from '../scripting/state';
import { replyBufferSettings } from './reply-buffer';
import { inlineVm } from '../scripting/vm/inline-vm';

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
];

function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/**
 * Per-server state that only INFO uses (Server.info): the memory baseline and peak, and the
 * instantaneous_* metrics, sampled by the cron every 100 ms.
 */
export class InfoState {
  readonly startupMemory: number;
  peakMemory: number;
  readonly samples: { t: number; ops: number; inBytes: number; outBytes: number }[] = [];
  /** Lua heap size last measured (kept for INFO run while a script runs). */
  luaHeap = 0;

  constructor(srv: Server) {
    const used = usedMemory();
    this.startupMemory = this.peakMemory = used;
    srv.events.on('cron', () => {
      const now = performance.now();
      const s = this.samples;
      const last = s[s.length - 1];
      if (last && now - last.t < 100) return;
      s.push({ t: now, ops: srv.stats.totalCommands, inBytes: srv.stats.netInputBytes, outBytes: srv.stats.netOutputBytes });
      if (s.length > 17) s.shift();
      const u = usedMemory();
      if (u > this.peakMemory) this.peakMemory = u;
    });
  }
}

/** The server's INFO bookkeeping (Server.info). */
export function infoState(srv: Server): InfoState {
  return srv.info;
}

/** DEBUG CHANGE-REPL-ID */
export function changeReplId(srv: Server): void {
  replicationOf(srv).changeReplId();
}

/** Per-second rate of a counter over the sampled window (Redis's getInstantaneousMetric). */
function rate(st: InfoState, pick: (s: InfoState['samples'][0]) => number): number {
  const s = st.samples;
  if (s.length < 2) return 0;
  const a = s[0];
  const b = s[s.length - 1];
  const dt = (b.t - a.t) / 1000;
  return dt > 0 ? (pick(b) - pick(a)) / dt : 0;
}

/**
 * Scripting figures for INFO memory. One Lua VM serves EVAL and FUNCTION (libraries are kept as
 * source and compiled per call), so its heap is reported as the eval VM and the functions VM is 0.
 * Script and library sizes are their source bytes (plus the 40-byte SHA1 of each cached script).
 */
function scriptingInfo(srv: Server) {
  const st = scriptingState(srv);
  // Scripts run on the in-thread VM (shared by the servers of a process); a worker VM, when one was
  // needed for a long script, adds its own heap.
  const vm = inlineVm();
  const worker = st.vm;
  let heap = srv.info.luaHeap;
  if (vm !== null && !vm.running && (worker === null || worker.dead || !worker.busy)) {
    heap = vm.memoryUsed() + (worker === null || worker.dead ? 0 : worker.memoryUsed());
  }
  srv.info.luaHeap = heap;
  let evalBytes = 0;
  for (const body of st.scripts.values()) evalBytes += 40 + body.length;
  let functionBytes = 0;
  for (const lib of st.libraries.values()) {
    functionBytes += lib.code.length;
    for (const name of lib.functions.keys()) functionBytes += name.length;
  }
  return { vm: heap, evalBytes, functionBytes, scripts: st.scripts.size, functions: st.functions.size, libraries: st.libraries.size };
}

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  let i = 0;
  while (d >= 1024 && i < units.length - 1) {
    d /= 1024;
    i++;
  }
  return `${d.toFixed(2)}${units[i]}`;
}

let packageVersion: string | null = null;

/** respite's version, from its package.json. */
export function respiteVersion(): string {
  if (packageVersion !== null) return packageVersion;
  packageVersion = '0.0.0';
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'respite') {
        packageVersion = String(pkg.version);
        break;
      }
    } catch {
      // not here; look further up
    }
  }
  return packageVersion;
}

/** Redis formats percentiles with %f and trims trailing zeros (trimDoubleString). */
function percentileName(p: number): string {
  return p.toFixed(6).replace(/\.?0+$/, '');
}

function section(name: string, srv: Server): string {
  const st = infoState(srv);
  const lines: string[] = [];
  const add = (k: string, v: string | number) => lines.push(`${k}:${v}`);
  switch (name) {
    case 'server': {
      const now = srv.clock.now();
      const uptime = srv.uptimeSeconds();
      lines.push('# Server');
      add('redis_version', REDIS_VERSION);
      add('redis_git_sha1', '00000000');
      add('redis_git_dirty', 0);
      add('redis_build_id', '0');
      add('redis_mode', srv.cluster !== null ? 'cluster' : 'standalone');
      add('os', `${os.type()} ${os.release()} ${os.machine()}`);
      add('arch_bits', process.arch.endsWith('64') ? 64 : 32);
      add('monotonic_clock', 'POSIX clock_gettime');
      add('multiplexing_api', process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'winsock' : 'kqueue');
      add('atomicvar_api', 'c11-builtin');
      add('gcc_version', '0.0.0');
      add('process_id', process.pid);
      add('process_supervised', srv.supervised);
      add('run_id', srv.runId);
      // As Redis: the TLS port when there is no plain one.
      add('tcp_port', srv.boundPort !== 0 ? srv.boundPort : srv.config.int('tls-port'));
      add('server_time_usec', Math.floor(now) * 1000 + Math.floor((performance.now() * 1000) % 1000));
      add('uptime_in_seconds', uptime);
      add('uptime_in_days', Math.floor(uptime / 86400));
      add('hz', srv.config.int('hz'));
      add('configured_hz', srv.config.int('hz'));
      add('lru_clock', Math.floor(now / 1000) & 0xffffff);
      add('executable', process.argv[1] ? path.resolve(process.argv[1]) : process.execPath);
      add('config_file', srv.configFile ?? '');
      add('io_threads_active', 0);
      add('respite_version', respiteVersion());
      break;
    }
    case 'clients': {
      let maxIn = 0;
      let maxOut = 0;
      for (const c of srv.clients.values()) {
        if (c.queryBufferBytes > maxIn) maxIn = c.queryBufferBytes;
        const out = c.writer.pending + (c.transportPendingBytes?.() ?? 0);
        if (out > maxOut) maxOut = out;
      }
      lines.push('# Clients');
      add('connected_clients', srv.clients.size);
      add('cluster_connections', srv.cluster !== null ? srv.cluster.links().length : 0);
      add('maxclients', srv.maxClients);
      add('client_recent_max_input_buffer', maxIn);
      add('client_recent_max_output_buffer', maxOut);
      // Clients held by CLIENT PAUSE count as blocked, as in Redis (BLOCKED_POSTPONE).
      add('blocked_clients', blockedClientCount(srv) + (srv.clientPause?.postponed.size ?? 0));
      add('tracking_clients', srv.tracking.clients);
      add('clients_in_timeout_table', clientsInTimeoutTable(srv));
      break;
    }
    case 'memory': {
      const m = process.memoryUsage();
      // With maxmemory set, the estimate eviction works from (src/keyspace/eviction.ts).
      const used = estimatedUsedMemory(srv);
      if (used > st.peakMemory) st.peakMemory = used;
      const startup = st.startupMemory;
      const net = Math.max(1, used - startup);
      const dataset = Math.max(0, used - startup);
      const maxmemory = Number(srv.config.get('maxmemory'));
      const total = os.totalmem();
      const active = m.heapTotal + m.external;
      lines.push('# Memory');
      add('used_memory', used);
      add('used_memory_human', bytesToHuman(used));
      add('used_memory_rss', m.rss);
      add('used_memory_rss_human', bytesToHuman(m.rss));
      add('used_memory_peak', st.peakMemory);
      add('used_memory_peak_human', bytesToHuman(st.peakMemory));
      add('used_memory_peak_perc', `${((used * 100) / st.peakMemory).toFixed(2)}%`);
      add('used_memory_overhead', startup);
      add('used_memory_startup', startup);
      add('used_memory_dataset', dataset);
      add('used_memory_dataset_perc', `${((dataset * 100) / net).toFixed(2)}%`);
      add('allocator_allocated', used);
      add('allocator_active', active);
      add('allocator_resident', m.rss);
      add('total_system_memory', total);
      add('total_system_memory_human', bytesToHuman(total));
      const sc = scriptingInfo(srv);
      add('used_memory_lua', sc.vm);
      add('used_memory_vm_eval', sc.vm);
      add('used_memory_lua_human', bytesToHuman(sc.vm));
      add('used_memory_scripts_eval', sc.evalBytes);
      add('number_of_cached_scripts', sc.scripts);
      add('number_of_functions', sc.functions);
      add('number_of_libraries', sc.libraries);
      add('used_memory_vm_functions', 0);
      add('used_memory_vm_total', sc.vm);
      add('used_memory_vm_total_human', bytesToHuman(sc.vm));
      add('used_memory_functions', sc.functionBytes);
      add('used_memory_scripts', sc.evalBytes + sc.functionBytes);
      add('used_memory_scripts_human', bytesToHuman(sc.evalBytes + sc.functionBytes));
      add('maxmemory', maxmemory);
      add('maxmemory_human', bytesToHuman(maxmemory));
      add('maxmemory_policy', srv.config.get('maxmemory-policy'));
      add('allocator_frag_ratio', (active / Math.max(1, used)).toFixed(2));
      add('allocator_frag_bytes', active - used);
      add('allocator_rss_ratio', (m.rss / Math.max(1, active)).toFixed(2));
      add('allocator_rss_bytes', m.rss - active);
      add('rss_overhead_ratio', '1.00');
      add('rss_overhead_bytes', 0);
      add('mem_fragmentation_ratio', (m.rss / Math.max(1, used)).toFixed(2));
      add('mem_fragmentation_bytes', m.rss - used);
      add('mem_not_counted_for_evict', 0);
      add('mem_replication_backlog', 0);
      add('mem_total_replication_buffers', 0);
      add('mem_clients_slaves', 0);
      add('mem_clients_normal', 0);
      add('mem_cluster_links', 0);
      add('mem_aof_buffer', 0);
      add('mem_allocator', `v8-${process.versions.v8}`);
      add('active_defrag_running', 0);
      add('lazyfree_pending_objects', srv.keyspace.lazyfree.pending);
      add('lazyfreed_objects', srv.keyspace.lazyfree.freed);
      break;
    }
    case 'persistence': {
      lines.push('# Persistence');
      for (const [k, v] of persistenceOf(srv).info()) add(k, v);
      break;
    }
    case 'stats': {
      const s = srv.stats;
      const ks = srv.keyspace.stats;
      const tr = srv.tracking;
      const repl = replicationOf(srv);
      lines.push('# Stats');
      add('total_connections_received', s.totalConnections);
      add('total_commands_processed', s.totalCommands);
      add('instantaneous_ops_per_sec', Math.round(rate(st, (x) => x.ops)));
      add('total_net_input_bytes', s.netInputBytes);
      add('total_net_output_bytes', s.netOutputBytes);
      add('total_net_repl_input_bytes', 0);
      add('total_net_repl_output_bytes', repl.outputBytes);
      add('instantaneous_input_kbps', (rate(st, (x) => x.inBytes) / 1024).toFixed(2));
      add('instantaneous_output_kbps', (rate(st, (x) => x.outBytes) / 1024).toFixed(2));
      add('instantaneous_input_repl_kbps', '0.00');
      add('instantaneous_output_repl_kbps', '0.00');
      add('rejected_connections', s.rejectedConnections);
      add('sync_full', repl.syncFull);
      add('sync_partial_ok', repl.syncPartialOk);
      add('sync_partial_err', repl.syncPartialErr);
      add('expired_keys', ks.expiredKeys);
      add('expired_stale_perc', (ks.expiredStalePerc * 100).toFixed(2));
      add('expired_time_cap_reached_count', ks.expiredTimeCapReachedCount);
      add('expire_cycle_cpu_milliseconds', Math.floor(ks.expireCycleCpuMs));
      add('evicted_keys', ks.evictedKeys);
      add('evicted_clients', s.evictedClients);
      add('total_eviction_exceeded_time', 0);
      add('current_eviction_exceeded_time', 0);
      add('keyspace_hits', ks.keyspaceHits);
      add('keyspace_misses', ks.keyspaceMisses);
      add('pubsub_channels', srv.pubsub.channels.size);
      add('pubsub_patterns', srv.pubsub.patterns.size);
      add('pubsubshard_channels', srv.pubsub.shardChannels.size);
      add('latest_fork_usec', 0);
      add('total_forks', s.backgroundJobs);
      add('migrate_cached_sockets', 0);
      add('slave_expires_tracked_keys', 0);
      add('active_defrag_hits', 0);
      add('active_defrag_misses', 0);
      add('active_defrag_key_hits', 0);
      add('active_defrag_key_misses', 0);
      add('total_active_defrag_time', 0);
      add('current_active_defrag_time', 0);
      add('tracking_total_keys', tr.table.size);
      add('tracking_total_items', tr.totalItems);
      add('tracking_total_prefixes', tr.prefixTable.size);
      add('unexpected_error_replies', s.unexpectedErrorReplies);
      add('total_error_replies', s.totalErrorReplies);
      add('dump_payload_sanitizations', s.dumpPayloadSanitizations);
      add('total_reads_processed', 0);
      add('total_writes_processed', 0);
      add('io_threaded_reads_processed', 0);
      add('io_threaded_writes_processed', 0);
      add('reply_buffer_shrinks', replyBufferSettings(srv).shrinks);
      add('reply_buffer_expands', replyBufferSettings(srv).expands);
      break;
    }
    case 'replication':
      lines.push('# Replication');
      for (const [k, v] of replicationOf(srv).infoFields()) add(k, v);
      break;
    case 'cpu': {
      const u = process.cpuUsage();
      lines.push('# CPU');
      add('used_cpu_sys', (u.system / 1e6).toFixed(6));
      add('used_cpu_user', (u.user / 1e6).toFixed(6));
      add('used_cpu_sys_children', '0.000000');
      add('used_cpu_user_children', '0.000000');
      add('used_cpu_sys_main_thread', (u.system / 1e6).toFixed(6));
      add('used_cpu_user_main_thread', (u.user / 1e6).toFixed(6));
      break;
    }
    case 'modules':
      lines.push('# Modules');
      break;
    case 'commandstats':
      lines.push('# Commandstats');
      for (const cmd of srv.registry.all()) {
        if (!cmd.calls && !cmd.failedCalls && !cmd.rejectedCalls) continue;
        const usec = Math.round(cmd.usec);
        const perCall = cmd.calls === 0 ? 0 : usec / cmd.calls;
        add(
          `cmdstat_${cmd.fullName}`,
          `calls=${cmd.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${cmd.rejectedCalls},failed_calls=${cmd.failedCalls}`,
        );
      }
      break;
    case 'errorstats':
      lines.push('# Errorstats');
      // Redis keeps error codes in a radix tree: printed in byte order.
      for (const code of [...srv.stats.errorCodes.keys()].sort()) add(`errorstat_${code}`, `count=${srv.stats.errorCodes.get(code)}`);
      break;
    case 'latencystats': {
      lines.push('# Latencystats');
      const pcts = srv.config
        .get('latency-tracking-info-percentiles')
        .split(' ')
        .filter(Boolean)
        .map(Number);
      for (const cmd of srv.registry.all()) lines.push(...latencyLine(cmd, pcts));
      break;
    }
    case 'cluster':
      lines.push('# Cluster');
      add('cluster_enabled', srv.cluster !== null ? 1 : 0);
      break;
    case 'keyspace':
      lines.push('# Keyspace');
      for (const db of srv.keyspace.dbs) {
        if (db.size === 0) continue;
        add(`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${Math.floor(db.avgTtl)}`);
      }
      break;
  }
  return lines.join('\r\n') + '\r\n';
}

function latencyLine(cmd: Command, pcts: number[]): string[] {
  const h = cmd.histogram;
  if (h === null || h.total === 0) return [];
  const parts = pcts.map((p) => `p${percentileName(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
  return [`latency_percentiles_usec_${cmd.fullName}:${parts.join(',')}`];
}

/**
 * The INFO text for the requested sections (Redis's genInfoSectionDict + genRedisInfoString):
 * none = default; `all` = every section but modules'; `everything` = all of them; unknown
 * names are ignored; sections always come out in Redis's order.
 */
export function infoText(srv: Server, args: string[]): string {
  const wanted = new Set<string>();
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) wanted.add(s);
  for (const a of args) {
    const name = a.toLowerCase();
    if (name === 'all' || name === 'everything') for (const s of ALL_SECTIONS) wanted.add(s);
    else if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const s of ALL_SECTIONS) if (wanted.has(s)) parts.push(section(s, srv));
  return parts.join('\r\n');
}
