// The overview page's numbers, read from INFO: one snapshot per tick of its event stream. Rates
// and charts are made in the browser from successive snapshots.
import { parseInfo, parseInfoPairs } from './info';

export interface Overview {
  /** Unix time in ms when taken. */
  time: number;
  version: string;
  uptime: number;
  opsPerSec: number;
  totalCommands: number;
  hits: number;
  misses: number;
  usedMemory: number;
  maxmemory: number;
  maxmemoryPolicy: string;
  clients: number;
  blockedClients: number;
  evictedKeys: number;
  expiredKeys: number;
  inputKbps: number;
  outputKbps: number;
  keyspace: { db: number; keys: number; expires: number }[];
  persistence: {
    loading: boolean;
    changesSinceSave: number;
    lastSave: number;
    bgsaveInProgress: boolean;
    lastBgsaveStatus: string;
    aofEnabled: boolean;
    aofRewriteInProgress: boolean;
    aofLastWriteStatus: string;
  };
  replication: { role: string; connectedReplicas: number; replOffset: number; replicas: string[]; masterHost: string | null; masterLinkStatus: string | null };
}

export function overviewFromInfo(text: string, now: number): Overview {
  const f = parseInfo(text).all;
  const n = (k: string) => {
    const v = Number(f.get(k));
    return Number.isFinite(v) ? v : 0;
  };
  const keyspace: Overview['keyspace'] = [];
  for (const [k, v] of f) {
    const m = /^db(\d+)$/.exec(k);
    if (m === null) continue;
    const p = parseInfoPairs(v);
    keyspace.push({ db: Number(m[1]), keys: Number(p.keys), expires: Number(p.expires) });
  }
  const replicas: string[] = [];
  for (const [k, v] of f) if (/^slave\d+$/.test(k)) replicas.push(v);
  return {
    time: now,
    version: f.get('redis_version') ?? '',
    uptime: n('uptime_in_seconds'),
    opsPerSec: n('instantaneous_ops_per_sec'),
    totalCommands: n('total_commands_processed'),
    hits: n('keyspace_hits'),
    misses: n('keyspace_misses'),
    usedMemory: n('used_memory'),
    maxmemory: n('maxmemory'),
    maxmemoryPolicy: f.get('maxmemory_policy') ?? '',
    clients: n('connected_clients'),
    blockedClients: n('blocked_clients'),
    evictedKeys: n('evicted_keys'),
    expiredKeys: n('expired_keys'),
    inputKbps: n('instantaneous_input_kbps'),
    outputKbps: n('instantaneous_output_kbps'),
    keyspace,
    persistence: {
      loading: f.get('loading') === '1',
      changesSinceSave: n('rdb_changes_since_last_save'),
      lastSave: n('rdb_last_save_time'),
      bgsaveInProgress: f.get('rdb_bgsave_in_progress') === '1',
      lastBgsaveStatus: f.get('rdb_last_bgsave_status') ?? '',
      aofEnabled: f.get('aof_enabled') === '1',
      aofRewriteInProgress: f.get('aof_rewrite_in_progress') === '1',
      aofLastWriteStatus: f.get('aof_last_write_status') ?? '',
    },
    replication: {
      role: f.get('role') ?? '',
      connectedReplicas: n('connected_slaves'),
      replOffset: n('master_repl_offset'),
      replicas,
      masterHost: f.has('master_host') ? `${f.get('master_host')}:${f.get('master_port')}` : null,
      masterLinkStatus: f.get('master_link_status') ?? null,
    },
  };
}
