// Every configuration parameter respite knows, with Redis 7.0's names, defaults and limits.
// Parameters whose apply hook changes the running server take effect at once on CONFIG SET.
import type { ConfigDef } from './config';
import { formatNotifyFlags, parseNotifyFlags } from '../keyspace/notify';

const INT_MAX = 2147483647;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

export const CONFIG_TABLE: ConfigDef[] = [
  // ---- network ----
  { name: 'port', type: 'int', default: '6379', min: 0, max: 65535, immutable: true },
  { name: 'bind', type: 'special', default: '* -::*', immutable: true },
  { name: 'protected-mode', type: 'bool', default: 'yes' },
  { name: 'tcp-backlog', type: 'int', default: '511', min: 0, max: INT_MAX, immutable: true },
  { name: 'tcp-keepalive', type: 'int', default: '300', min: 0, max: INT_MAX },
  { name: 'timeout', type: 'int', default: '0', min: 0, max: INT_MAX },
  {
    name: 'maxclients',
    type: 'int',
    default: '10000',
    min: 1,
    max: INT_MAX,
  },
  { name: 'unixsocket', type: 'string', default: '', immutable: true },
  { name: 'unixsocketperm', type: 'int', default: '0', min: 0, max: 0o777, immutable: true },
  // ---- general ----
  { name: 'daemonize', type: 'bool', default: 'no', immutable: true },
  { name: 'pidfile', type: 'string', default: '', immutable: true },
  { name: 'loglevel', type: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'] },
  { name: 'logfile', type: 'string', default: '', immutable: true },
  {
    name: 'databases',
    type: 'int',
    default: '16',
    min: 1,
    max: INT_MAX,
    immutable: true,
  },
  {
    name: 'hz',
    type: 'int',
    default: '10',
    min: 0,
    max: INT_MAX,
    // Redis clamps hz into 1..500.
    parse: (v) => String(Math.min(500, Math.max(1, Number(v)))),
  },
  { name: 'dynamic-hz', type: 'bool', default: 'yes' },
  { name: 'enable-debug-command', type: 'enum', default: 'no', values: ['no', 'yes', 'local'], immutable: true },
  { name: 'enable-protected-configs', type: 'enum', default: 'no', values: ['no', 'yes', 'local'], immutable: true },
  { name: 'enable-module-command', type: 'enum', default: 'no', values: ['no', 'yes', 'local'], immutable: true },
  {
    name: 'notify-keyspace-events',
    type: 'special',
    default: '',
    parse: (v) => {
      const f = parseNotifyFlags(v);
      return f === null ? { error: 'Invalid event class character. Use \'Ag$lshzxeKEtmd\'.' } : formatNotifyFlags(f);
    },
    apply: (s, v) => {
      s.keyspace.setNotifyConfig(v);
    },
  },
  // ---- security ----
  {
    name: 'requirepass',
    type: 'string',
    default: '',
    sensitive: true,
  },
  // ---- limits ----
  { name: 'proto-max-bulk-len', type: 'memory', default: '536870912', min: 1024 * 1024, max: LLONG_MAX },
  { name: 'client-query-buffer-limit', type: 'memory', default: '1073741824', min: 1024 * 1024, max: LLONG_MAX },
  { name: 'maxmemory', type: 'memory', default: '0', min: 0, max: LLONG_MAX },
  {
    name: 'maxmemory-policy',
    type: 'enum',
    default: 'noeviction',
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
    apply: (s, v) => {
      s.keyspace.lfu = v.endsWith('-lfu');
    },
  },
  { name: 'maxmemory-samples', type: 'int', default: '5', min: 1, max: 64 },
  { name: 'lfu-log-factor', type: 'int', default: '10', min: 0, max: INT_MAX, apply: (s, v) => void (s.keyspace.lfuLogFactor = Number(v)) },
  { name: 'lfu-decay-time', type: 'int', default: '1', min: 0, max: INT_MAX, apply: (s, v) => void (s.keyspace.lfuDecayTime = Number(v)) },
  {
    name: 'active-expire-effort',
    type: 'int',
    default: '1',
    min: 1,
    max: 10,
    apply: (s, v) => void (s.keyspace.activeExpireEffort = Number(v)),
  },
  // ---- slow log / latency ----
  { name: 'slowlog-log-slower-than', type: 'int', default: '10000', min: -1, max: LLONG_MAX },
  { name: 'slowlog-max-len', type: 'int', default: '128', min: 0, max: LLONG_MAX },
  { name: 'latency-monitor-threshold', type: 'int', default: '0', min: 0, max: LLONG_MAX },
  // ---- persistence (saved by the persistence module) ----
  { name: 'save', type: 'special', default: '3600 1 300 100 60 10000' },
  { name: 'dir', type: 'special', default: '' },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb' },
  { name: 'appendonly', type: 'bool', default: 'no' },
  // ---- encodings ----
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], type: 'int', default: '512', min: 0, max: LLONG_MAX },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], type: 'int', default: '64', min: 0, max: LLONG_MAX },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], type: 'int', default: '-2', min: -5, max: INT_MAX },
  { name: 'list-compress-depth', type: 'int', default: '0', min: 0, max: INT_MAX },
  { name: 'set-max-intset-entries', type: 'int', default: '512', min: 0, max: LLONG_MAX },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], type: 'int', default: '128', min: 0, max: LLONG_MAX },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], type: 'int', default: '64', min: 0, max: LLONG_MAX },
  { name: 'stream-node-max-bytes', type: 'memory', default: '4096', min: 0, max: LLONG_MAX },
  { name: 'stream-node-max-entries', type: 'int', default: '100', min: 0, max: LLONG_MAX },
  { name: 'hll-sparse-max-bytes', type: 'memory', default: '3000', min: 0, max: LLONG_MAX },
];
