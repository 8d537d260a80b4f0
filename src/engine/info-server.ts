// The server's own INFO sections: server, clients, stats, errorstats, cpu (engine/info.ts prints
// every section in Redis's order; the subsystems report theirs: persistence, replication,
// keyspace, commandstats, latencystats, memory in engine/info-memory.ts).
import { nodeOs } from '../util/builtins';
import * as path from 'node:path';
import { REDIS_VERSION } from '../version';
import { blockedClientCount, clientsInTimeoutTable } from './blocking';
import type { InfoFields, ServerContext } from './context';
import { instantaneousRate, respiteVersion } from './info';
import { replyBufferSettings } from './reply-buffer';
import { replicationOf } from '../replication/replication';

export function serverInfo(srv: ServerContext): InfoFields {
  const out: InfoFields = [];
  const add = (k: string, v: string | number) => out.push([k, v]);
  const now = srv.clock.now();
  const uptime = srv.uptimeSeconds();
  add('redis_version', REDIS_VERSION);
  add('redis_git_sha1', '00000000');
  add('redis_git_dirty', 0);
  add('redis_build_id', '0');
  add('redis_mode', srv.cluster !== null ? 'cluster' : 'standalone');
  add('os', `${nodeOs().type()} ${nodeOs().release()} ${nodeOs().machine()}`);
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
  // Only while a shutdown waits for the replicas, as Redis shows it.
  const wait = srv.replication.shutdownWait;
  if (wait.initiated) add('shutdown_in_milliseconds', Math.max(0, wait.deadline - srv.clock.now()));
  add('respite_version', respiteVersion());
  return out;
}

export function clientsInfo(srv: ServerContext): InfoFields {
  const out: InfoFields = [];
  const add = (k: string, v: string | number) => out.push([k, v]);
  let maxIn = 0;
  let maxOut = 0;
  let replicas = 0;
  for (const c of srv.clients.values()) {
    if (c.isReplica) replicas++;
    if (c.queryBufferBytes > maxIn) maxIn = c.queryBufferBytes;
    const pending = c.writer.pending + (c.transportPendingBytes?.() ?? 0);
    if (pending > maxOut) maxOut = pending;
  }
  // As Redis: replicas are not counted here (connected_slaves counts them).
  add('connected_clients', srv.clients.size - replicas);
  add('cluster_connections', srv.cluster !== null ? srv.cluster.links().length : 0);
  add('maxclients', srv.maxClients);
  add('client_recent_max_input_buffer', maxIn);
  add('client_recent_max_output_buffer', maxOut);
  // Clients held by CLIENT PAUSE count as blocked, as in Redis (BLOCKED_POSTPONE).
  add('blocked_clients', blockedClientCount(srv) + (srv.clientPause?.postponed.size ?? 0));
  add('tracking_clients', srv.tracking.clients);
  add('clients_in_timeout_table', clientsInTimeoutTable(srv));
  return out;
}

export function statsInfo(srv: ServerContext): InfoFields {
  const st = srv.info;
  const out: InfoFields = [];
  const add = (k: string, v: string | number) => out.push([k, v]);
  const s = srv.stats;
  const ks = srv.keyspace.stats;
  const tr = srv.tracking;
  const repl = replicationOf(srv);
  add('total_connections_received', s.totalConnections);
  add('total_commands_processed', s.totalCommands);
  add('instantaneous_ops_per_sec', Math.round(instantaneousRate(st, (x) => x.ops)));
  add('total_net_input_bytes', s.netInputBytes);
  add('total_net_output_bytes', s.netOutputBytes);
  add('total_net_repl_input_bytes', 0);
  add('total_net_repl_output_bytes', repl.outputBytes);
  add('instantaneous_input_kbps', (instantaneousRate(st, (x) => x.inBytes) / 1024).toFixed(2));
  add('instantaneous_output_kbps', (instantaneousRate(st, (x) => x.outBytes) / 1024).toFixed(2));
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
  add('migrate_cached_sockets', srv.migrateSockets.cached());
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
  return out;
}

/** Redis keeps error codes in a radix tree: printed in byte order. */
export function errorStatsInfo(srv: ServerContext): InfoFields {
  return [...srv.stats.errorCodes.keys()].sort().map((code) => [`errorstat_${code}`, `count=${srv.stats.errorCodes.get(code)}`]);
}

export function cpuInfo(): InfoFields {
  const out: InfoFields = [];
  const add = (k: string, v: string | number) => out.push([k, v]);
  const u = process.cpuUsage();
  add('used_cpu_sys', (u.system / 1e6).toFixed(6));
  add('used_cpu_user', (u.user / 1e6).toFixed(6));
  add('used_cpu_sys_children', '0.000000');
  add('used_cpu_user_children', '0.000000');
  add('used_cpu_sys_main_thread', (u.system / 1e6).toFixed(6));
  add('used_cpu_user_main_thread', (u.user / 1e6).toFixed(6));
  return out;
}

/** latency-tracking-info-percentiles, as numbers (INFO latencystats). */
export function latencyPercentiles(srv: ServerContext): number[] {
  return srv.config
    .get('latency-tracking-info-percentiles')
    .split(' ')
    .filter(Boolean)
    .map(Number);
}
