// Every parameter Redis 7.0 reports in CONFIG GET *, with its defaults, limits and flags exactly
// as redis-server 7.0.15 has them (checked against it). Parameters whose apply hook changes the
// running server take effect at once; those marked noEffect are accepted and reported like Redis
// but do nothing in respite (TLS, cluster, replication tuning, threads, OS knobs...).
import { applyMaxmemory } from '../keyspace/eviction';
import { persistenceConfigChanged } from '../persistence/config-hooks';
import type { ConfigDef } from './config';
import { ListenChange } from '../engine/context';
import type { ServerContext } from '../engine/context';
import * as S from './special';

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const ULLONG_MAX = 18446744073709551615n;
const MB = 1048576n;

type Extra = Partial<ConfigDef>;

function bool(name: string, dflt: boolean, extra: Extra = {}): ConfigDef {
  return { name, type: 'bool', default: dflt ? 'yes' : 'no', ...extra };
}

function str(name: string, dflt: string, extra: Extra = {}): ConfigDef {
  return { name, type: 'string', default: dflt, ...extra };
}

/** A string whose empty value means "unset" (Redis's EMPTY_STRING_IS_NULL). */
function nstr(name: string, extra: Extra = {}): ConfigDef {
  return { name, type: 'string', default: '', nullable: true, ...extra };
}

function enm(name: string, values: string[], dflt: string, extra: Extra = {}): ConfigDef {
  return { name, type: 'enum', default: dflt, values, ...extra };
}

function num(name: string, min: bigint, max: bigint, dflt: bigint | number, extra: Extra = {}): ConfigDef {
  const d = BigInt(dflt);
  return { name, type: 'numeric', min, max, default: extra.octal ? d.toString(8) : d.toString(), ...extra };
}

const mem: Extra = { memory: true, unsigned: true };
const none: Extra = { noEffect: true };
const IMM: Extra = { immutable: true };
const IMM_NONE: Extra = { immutable: true, noEffect: true };
const PROTECTED_ACTION = ['no', 'yes', 'local'];
const SHUTDOWN_FLAGS: Extra = {
  bits: [0, 1, 2, 4, 8],
  multiArg: true,
  validate: S.validShutdownFlags,
};

/**
 * A tls-* parameter changed: with TLS in use (tls-port, tls-replication or tls-cluster) the
 * settings are rebuilt at once, and refused with the old ones kept when unusable, as in Redis.
 * At startup (no transport yet) serve() builds them once everything is read.
 */
function applyTls(s: ServerContext): string | void {
  const cfg = s.config;
  if (s.tls === null || (cfg.int('tls-port') === 0 && !cfg.bool('tls-replication') && !cfg.bool('tls-cluster'))) return;
  return s.tls.configure() ?? undefined;
}

/** cluster-announce-*port: the node's own entry (and the next PINGs) use the new ports at once. */
function announceChanged(s: ServerContext): void {
  if (s.cluster === null) return;
  s.cluster.refreshMyself();
  s.cluster.todo(true, false);
}

/** tls-port: TLS is set up if it never was (old settings are kept otherwise), then CONFIG SET moves the port. */
function applyTlsPort(s: ServerContext): string | void {
  s.listenChange |= ListenChange.TlsPort;
  return s.tls?.configure(true) ?? undefined;
}

export const CONFIG_TABLE: ConfigDef[] = [
  // ---- network -----------------------------------------------------------------------------
  num('port', 0n, 65535n, 6379, { apply: (s) => void (s.listenChange |= ListenChange.Port) }),
  {
    name: 'bind',
    type: 'special',
    default: S.BIND_DEFAULT,
    multiArg: true,
    parse: S.parseBind,
    rewrite: S.rewriteBind,
    apply: (s) => void (s.listenChange |= ListenChange.Bind),
  },
  str('bind-source-addr', '', { nullable: true }),
  bool('protected-mode', true),
  num('tcp-backlog', 0n, INT_MAX, 511, IMM),
  num('tcp-keepalive', 0n, INT_MAX, 300),
  num('socket-mark-id', 0n, UINT_MAX, 0, { ...IMM_NONE, unsigned: true }),
  num('timeout', 0n, INT_MAX, 0),
  num('maxclients', 1n, UINT_MAX, 10000, { unsigned: true, apply: (s, v) => void (s.maxClients = Number(v)) }),
  nstr('unixsocket', IMM_NONE),
  num('unixsocketperm', 0n, 0o777n, 0, { ...IMM_NONE, octal: true, unsigned: true }),
  // ---- general -----------------------------------------------------------------------------
  bool('daemonize', false, IMM),
  enm('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', IMM_NONE),
  nstr('pidfile', IMM),
  enm('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice', { apply: (s, v) => void (s.log.level = v as 'notice') }),
  str('logfile', '', { immutable: true, apply: (s, v) => void (v !== '' && (s.log.file = v)) }),
  bool('syslog-enabled', false, IMM_NONE),
  str('syslog-ident', 'redis', IMM_NONE),
  enm('syslog-facility', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'local0', IMM_NONE),
  num('databases', 1n, INT_MAX, 16, { immutable: true, apply: (s, v) => s.keyspace.resize(Number(v)) }),
  bool('always-show-logo', false, IMM_NONE),
  bool('set-proc-title', true, IMM_NONE),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', { validate: S.validProcTitleTemplate, noEffect: true }),
  num('hz', 0n, INT_MAX, 10, {
    // Redis takes hz as a hint and keeps it within 1..500.
    apply: (s, v) => {
      const hz = Math.min(500, Math.max(1, Number(v)));
      if (String(hz) !== v) s.config.setRaw('hz', String(hz));
      s.restartCron();
    },
  }),
  bool('dynamic-hz', true, none),
  enm('enable-protected-configs', PROTECTED_ACTION, 'no', IMM),
  enm('enable-debug-command', PROTECTED_ACTION, 'no', IMM),
  enm('enable-module-command', PROTECTED_ACTION, 'no', IMM),
  {
    name: 'notify-keyspace-events',
    type: 'special',
    default: '',
    parse: S.parseNotifyKeyspaceEvents,
    display: S.displayNotifyKeyspaceEvents,
    rewrite: S.rewriteNotifyKeyspaceEvents,
    apply: (s, v) => void s.keyspace.setNotifyConfig(v),
  },
  str('ignore-warnings', '', none),
  bool('crash-log-enabled', true, none),
  bool('crash-memcheck-enabled', true, none),
  bool('use-exit-on-panic', false, { hidden: true, noEffect: true }),
  bool('disable-thp', true, IMM_NONE),
  bool('jemalloc-bg-thread', true, none),
  num('watchdog-period', 0n, INT_MAX, 0, { hidden: true, noEffect: true }),
  enm('shutdown-on-sigint', ['default', 'save', 'nosave', 'now', 'force'], 'default', SHUTDOWN_FLAGS),
  enm('shutdown-on-sigterm', ['default', 'save', 'nosave', 'now', 'force'], 'default', SHUTDOWN_FLAGS),
  num('shutdown-timeout', 0n, INT_MAX, 10),
  // 'relative' is another name for 'yes': Redis reports the first name of a value.
  enm('oom-score-adj', ['no', 'yes', 'relative', 'absolute'], 'no', { noEffect: true, synonyms: { relative: 'yes' } }),
  {
    name: 'oom-score-adj-values',
    type: 'special',
    default: '0 200 800',
    multiArg: true,
    noEffect: true,
    parse: S.parseOomScoreAdjValues,
    rewrite: (v) => [{ line: v, force: v !== '0 200 800' }],
  },
  nstr('server_cpulist', IMM_NONE),
  nstr('bio_cpulist', IMM_NONE),
  nstr('aof_rewrite_cpulist', IMM_NONE),
  nstr('bgsave_cpulist', IMM_NONE),
  num('io-threads', 1n, 128n, 1, IMM_NONE),
  bool('io-threads-do-reads', false, IMM_NONE),
  // ---- security ----------------------------------------------------------------------------
  nstr('requirepass', {
    sensitive: true,
    apply: (s, v) => {
      s.requirePass = v === '' ? null : v;
      s.acl.setDefaultPassword(s.requirePass);
    },
  }),
  str('aclfile', '', IMM_NONE),
  num('acllog-max-len', 0n, LONG_MAX, 128, {
    apply: (s, v) => {
      s.acl.logMaxLen = Number(v);
      if (s.acl.log.length > s.acl.logMaxLen) s.acl.log.length = s.acl.logMaxLen;
    },
  }),
  enm('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels', { apply: (s, v) => void (s.acl.pubsubAllChannels = v === 'allchannels') }),
  // ---- limits and memory -------------------------------------------------------------------
  num('proto-max-bulk-len', MB, LONG_MAX, 512n * MB, { memory: true, apply: (s, v) => void (s.protoMaxBulkLen = Number(v)) }),
  num('client-query-buffer-limit', MB, LONG_MAX, 1024n * MB, mem),
  {
    name: 'client-output-buffer-limit',
    type: 'special',
    default: S.OBUF_DEFAULT,
    multiArg: true,
    parse: S.parseClientOutputBufferLimit,
    rewrite: S.rewriteClientOutputBufferLimit,
  },
  num('maxmemory', 0n, ULLONG_MAX, 0, { ...mem, apply: (s, v) => void applyMaxmemory(s, Number(v)) }),
  enm(
    'maxmemory-policy',
    ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
    'noeviction',
    { apply: (s, v) => void (s.keyspace.lfu = v.endsWith('-lfu')) },
  ),
  num('maxmemory-samples', 1n, INT_MAX, 5),
  num('maxmemory-eviction-tenacity', 0n, 100n, 10),
  num('maxmemory-clients', -100n, LONG_MAX, 0, { memory: true, percent: true, apply: (s) => s.clientMemory?.refreshLimit() }),
  num('lfu-log-factor', 0n, INT_MAX, 10, { apply: (s, v) => void (s.keyspace.lfuLogFactor = Number(v)) }),
  num('lfu-decay-time', 0n, INT_MAX, 1, { apply: (s, v) => void (s.keyspace.lfuDecayTime = Number(v)) }),
  num('active-expire-effort', 1n, 10n, 1, { apply: (s, v) => void (s.keyspace.activeExpireEffort = Number(v)) }),
  bool('lazyfree-lazy-eviction', false, { apply: (s, v) => void (s.keyspace.lazyfree.eviction = v === 'yes') }),
  bool('lazyfree-lazy-expire', false, { apply: (s, v) => void (s.keyspace.lazyfree.expire = v === 'yes') }),
  bool('lazyfree-lazy-server-del', false, { apply: (s, v) => void (s.keyspace.lazyfree.serverDel = v === 'yes') }),
  bool('lazyfree-lazy-user-del', false, { apply: (s, v) => void (s.keyspace.lazyfree.userDel = v === 'yes') }),
  bool('lazyfree-lazy-user-flush', false),
  bool('activerehashing', true, none),
  bool('activedefrag', false, none),
  num('active-defrag-ignore-bytes', 1n, LONG_MAX, 100n * MB, { ...mem, noEffect: true }),
  num('active-defrag-threshold-lower', 0n, 1000n, 10, none),
  num('active-defrag-threshold-upper', 0n, 1000n, 100, none),
  num('active-defrag-cycle-min', 1n, 99n, 1, none),
  num('active-defrag-cycle-max', 1n, 99n, 25, none),
  num('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000, none),
  num('tracking-table-max-keys', 0n, LONG_MAX, 1000000, { unsigned: true }),
  // ---- scripting, slow log, latency --------------------------------------------------------
  num('busy-reply-threshold', 0n, LONG_MAX, 5000, { alias: 'lua-time-limit' }),
  num('slowlog-log-slower-than', -1n, LONG_MAX, 10000, { apply: (s, v) => void (s.slowlog.slowerThan = Number(v)) }),
  num('slowlog-max-len', 0n, LONG_MAX, 128, {
    apply: (s, v) => {
      s.slowlog.maxLen = Number(v);
      s.slowlog.trim();
    },
  }),
  num('latency-monitor-threshold', 0n, LONG_MAX, 0, { apply: (s, v) => void (s.latency.threshold = Number(v)) }),
  bool('latency-tracking', true, { apply: (s, v) => void (s.latencyTracking = v === 'yes') }),
  {
    name: 'latency-tracking-info-percentiles',
    type: 'special',
    default: '50 99 99.9',
    multiArg: true,
    parse: S.parseLatencyPercentiles,
    rewrite: S.rewriteLatencyPercentiles,
  },
  // ---- persistence -------------------------------------------------------------------------
  {
    name: 'save',
    type: 'special',
    default: '3600 1 300 100 60 10000',
    multiArg: true,
    parse: S.parseSave,
    rewrite: S.rewriteSave,
    apply: (s) => persistenceConfigChanged(s, 'save'),
  },
  {
    name: 'dir',
    type: 'special',
    default: '',
    protected: true,
    denyLoading: true,
    parse: S.parseDir,
    read: () => process.cwd(),
    rewrite: S.rewriteDir,
    apply: (_s, v) => {
      try {
        process.chdir(v);
      } catch (e) {
        return S.strerror(e);
      }
    },
  },
  str('dbfilename', 'dump.rdb', { protected: true, validate: S.validDbFilename }),
  bool('stop-writes-on-bgsave-error', true, { apply: (s) => persistenceConfigChanged(s, 'stop-writes-on-bgsave-error') }),
  bool('rdbcompression', true),
  bool('rdbchecksum', true, IMM),
  bool('rdb-del-sync-files', false),
  bool('rdb-save-incremental-fsync', true),
  num('rdb-key-save-delay', INT_MIN, INT_MAX, 0, { hidden: true }),
  num('key-load-delay', INT_MIN, INT_MAX, 0, { hidden: true }),
  num('loading-process-events-interval-bytes', 1024n, INT_MAX, 2n * MB, { hidden: true }),
  enm('sanitize-dump-payload', ['no', 'yes', 'clients'], 'no'),
  bool('appendonly', false, { denyLoading: true, apply: (s, v) => persistenceConfigChanged(s, 'appendonly', v) }),
  str('appendfilename', 'appendonly.aof', { immutable: true, validate: S.validAofFilename }),
  str('appenddirname', 'appendonlydir', { immutable: true, validate: S.validAofDirname }),
  enm('appendfsync', ['everysec', 'always', 'no'], 'everysec', { apply: (s) => persistenceConfigChanged(s, 'appendfsync') }),
  bool('no-appendfsync-on-rewrite', false),
  num('auto-aof-rewrite-percentage', 0n, INT_MAX, 100),
  num('auto-aof-rewrite-min-size', 0n, LONG_MAX, 64n * MB, { memory: true }),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-rewrite-incremental-fsync', true),
  bool('aof-timestamp-enabled', false),
  bool('aof-disable-auto-gc', false),
  // ---- replication (src/replication) -------------------------------------------------------
  {
    name: 'replicaof',
    alias: 'slaveof',
    type: 'special',
    default: '',
    multiArg: true,
    immutable: true,
    parse: S.parseReplicaOf,
    rewrite: S.rewriteReplicaOf,
  },
  nstr('masterauth', { sensitive: true }),
  nstr('masteruser', { sensitive: true }),
  bool('replica-serve-stale-data', true, {
    alias: 'slave-serve-stale-data',
    apply: (s, v) => {
      if (s.replicaGate !== null) s.replicaGate.serveStale = v === 'yes';
    },
  }),
  bool('replica-read-only', true, {
    alias: 'slave-read-only',
    apply: (s, v) => {
      if (s.replicaGate === null) return;
      s.replicaGate.readOnly = v === 'yes';
      s.keyspace.replicaWritable = v !== 'yes';
    },
  }),
  bool('replica-lazy-flush', false, { alias: 'slave-lazy-flush', noEffect: true }),
  bool('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory', noEffect: true }),
  bool('replica-ignore-disk-write-errors', false, none),
  bool('replica-announced', true),
  nstr('replica-announce-ip', { alias: 'slave-announce-ip' }),
  num('replica-announce-port', 0n, 65535n, 0, { alias: 'slave-announce-port' }),
  num('replica-priority', 0n, INT_MAX, 100, { alias: 'slave-priority' }),
  num('repl-ping-replica-period', 1n, INT_MAX, 10, { alias: 'repl-ping-slave-period' }),
  num('repl-timeout', 1n, INT_MAX, 60),
  bool('repl-disable-tcp-nodelay', false, none),
  num('repl-backlog-size', 1n, LONG_MAX, MB, {
    memory: true,
    // Redis's resizeReplicationBacklog keeps at least 16kb.
    apply: (s, v) => {
      if (BigInt(v) < 16384n) s.config.setRaw('repl-backlog-size', '16384');
      // At once, as Redis does (a replica that reconnects next finds the new size).
      (s.replication as typeof s.replication | undefined)?.resizeBacklog();
    },
  }),
  num('repl-backlog-ttl', 0n, LONG_MAX, 3600),
  bool('repl-diskless-sync', true, none),
  num('repl-diskless-sync-delay', 0n, INT_MAX, 5, none),
  num('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0, none),
  enm('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled', { denyLoading: true }),
  num('min-replicas-to-write', 0n, INT_MAX, 0, { alias: 'min-slaves-to-write', apply: (s, v) => void (s.minReplicasToWrite = Number(v)) }),
  num('min-replicas-max-lag', 0n, INT_MAX, 10, { alias: 'min-slaves-max-lag', apply: (s, v) => void (s.minReplicasMaxLag = Number(v)) }),
  enm('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore', none),
  // ---- cluster (not supported: accepted, no effect) ----------------------------------------
  bool('cluster-enabled', false, IMM_NONE),
  str('cluster-config-file', 'nodes.conf', IMM_NONE),
  num('cluster-node-timeout', 0n, LONG_MAX, 15000, none),
  num('cluster-port', 0n, 65535n, 0, IMM_NONE),
  nstr('cluster-announce-ip', none),
  nstr('cluster-announce-hostname', { validate: S.validHostname, apply: announceChanged }),
  num('cluster-announce-port', 0n, 65535n, 0, { apply: announceChanged }),
  num('cluster-announce-bus-port', 0n, 65535n, 0, { apply: announceChanged }),
  num('cluster-announce-tls-port', 0n, 65535n, 0, { apply: announceChanged }),
  num('cluster-replica-validity-factor', 0n, INT_MAX, 10, { alias: 'cluster-slave-validity-factor' }),
  num('cluster-migration-barrier', 0n, INT_MAX, 1),
  bool('cluster-require-full-coverage', true, none),
  bool('cluster-replica-no-failover', false, { alias: 'cluster-slave-no-failover' }),
  bool('cluster-allow-reads-when-down', false, none),
  bool('cluster-allow-pubsubshard-when-down', true, none),
  bool('cluster-allow-replica-migration', true),
  num('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0, mem),
  enm('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip', none),
  // ---- TLS (src/net/tls-listener.ts). tls-replication and tls-cluster are kept and checked
  // (they make the CA required) for replication and cluster links that use them.
  num('tls-port', 0n, 65535n, 0, { apply: applyTlsPort }),
  nstr('tls-cert-file', { apply: applyTls }),
  nstr('tls-key-file', { apply: applyTls }),
  nstr('tls-key-file-pass', { sensitive: true, apply: applyTls }),
  nstr('tls-client-cert-file', { apply: applyTls }),
  nstr('tls-client-key-file', { apply: applyTls }),
  nstr('tls-client-key-file-pass', { sensitive: true, apply: applyTls }),
  nstr('tls-dh-params-file', { apply: applyTls }),
  nstr('tls-ca-cert-file', { apply: applyTls }),
  nstr('tls-ca-cert-dir', { apply: applyTls }),
  // Read for each new TLS connection: nothing to rebuild.
  enm('tls-auth-clients', ['no', 'yes', 'optional'], 'yes'),
  bool('tls-replication', false, { apply: applyTls }),
  bool('tls-cluster', false, { apply: applyTls }),
  nstr('tls-protocols', { apply: applyTls }),
  nstr('tls-ciphers', { apply: applyTls }),
  nstr('tls-ciphersuites', { apply: applyTls }),
  bool('tls-prefer-server-ciphers', false, { apply: applyTls }),
  bool('tls-session-caching', true, { apply: applyTls }),
  num('tls-session-cache-size', 0n, INT_MAX, 20480, { apply: applyTls }),
  num('tls-session-cache-timeout', 0n, INT_MAX, 300, { apply: applyTls }),
  // ---- encodings ---------------------------------------------------------------------------
  num('hash-max-listpack-entries', 0n, LONG_MAX, 512, { alias: 'hash-max-ziplist-entries', unsigned: true }),
  num('hash-max-listpack-value', 0n, LONG_MAX, 64, { alias: 'hash-max-ziplist-value', ...mem }),
  num('list-max-listpack-size', INT_MIN, INT_MAX, -2, { alias: 'list-max-ziplist-size', apply: (s, v) => void (s.keyspace.lazyfree.listMaxListpackSize = Number(v)) }),
  num('list-compress-depth', 0n, INT_MAX, 0),
  num('set-max-intset-entries', 0n, LONG_MAX, 512, { unsigned: true }),
  num('zset-max-listpack-entries', 0n, LONG_MAX, 128, { alias: 'zset-max-ziplist-entries', unsigned: true }),
  num('zset-max-listpack-value', 0n, LONG_MAX, 64, { alias: 'zset-max-ziplist-value', ...mem }),
  num('hll-sparse-max-bytes', 0n, LONG_MAX, 3000, mem),
  num('stream-node-max-bytes', 0n, LONG_MAX, 4096, mem),
  num('stream-node-max-entries', 0n, LONG_MAX, 100),
  // ---- respite's own: the web dashboard and /metrics (src/http) ------------------------------
  // Hidden (CONFIG GET * lists Redis's parameters only; their exact names work). Where it listens
  // is fixed at startup; whether the dashboard may write can change at any time.
  num('http-port', 0n, 65535n, 0, { immutable: true, hidden: true }),
  str('http-bind', '127.0.0.1', { immutable: true, hidden: true }),
  bool('http-allow-writes', false, { hidden: true }),
];
