// MEMORY: per-key usage estimates and the process's memory figures, in redis-server's reply
// shapes. Figures come from the V8 process (see src/engine/info.ts for what they mean); key
// estimates from src/engine/memory-usage.ts.
import type { Client } from '../engine/client';
import { infoState } from '../engine/info';
import { DEFAULT_SAMPLES, keyBytes } from '../engine/memory-usage';
import { SYNTAX } from '../errors';
import { usedMemory } from '../keyspace/eviction';
import { DoubleReply, MapReply, OK, Reply, SimpleString, VerbatimReply } from '../resp/reply';
import { scriptingState } from '../scripting/state';
import { int64Arg, is } from './args';
import { CommandDef } from './registry';

const HELP: Reply = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

function usage(c: Client, argv: string[]): Reply {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (is(argv[j], 'SAMPLES') && j + 1 < argv.length) {
      const n = int64Arg(argv[++j]);
      if (n < 0) return SYNTAX;
      samples = n === 0 ? Infinity : Number(n);
    } else return SYNTAX;
  }
  // Like Redis: the raw dict, so a logically expired key not yet removed still answers.
  const v = c.db.dict.get(argv[2]);
  if (v === undefined) return null;
  return keyBytes(argv[2], v, samples);
}

/** The figures MEMORY STATS and MEMORY DOCTOR work from (Redis's getMemoryOverheadData). */
function overhead(c: Client) {
  const srv = c.server;
  const st = infoState(srv);
  const m = process.memoryUsage();
  const used = usedMemory(srv);
  if (used > st.peakMemory) st.peakMemory = used;
  const startup = st.startupMemory;
  let clientsNormal = 0;
  // Replicas' output is the replication buffer's (counted apart, as Redis does).
  for (const cl of srv.clients.values()) if (!cl.isReplica) clientsNormal += cl.writer.pending + (cl.transportPendingBytes?.() ?? 0);
  const repl = srv.replication.bufferMemory();
  const sc = scriptingState(srv);
  let luaCaches = 0;
  for (const body of sc.scripts.values()) luaCaches += body.length;
  const dbs: { id: number; main: number; expires: number }[] = [];
  let keys = 0;
  for (const db of srv.keyspace.dbs) {
    const n = db.dict.size;
    const e = db.expires.size;
    if (n === 0 && e === 0) continue;
    keys += n;
    // Per key: the Dict's slot arrays and index words; per expire: a Map entry.
    dbs.push({ id: db.id, main: n * 64, expires: e * 40 });
  }
  const overheadTotal = startup + repl.backlog + repl.replicas + clientsNormal + dbs.reduce((a, d) => a + d.main + d.expires, 0);
  const dataset = Math.max(0, used - overheadTotal);
  const net = used - startup;
  const active = m.heapTotal + m.external;
  return {
    peak: st.peakMemory,
    used,
    startup,
    clientsNormal,
    replBacklog: repl.backlog,
    clientsSlaves: repl.replicas,
    luaCaches,
    dbs,
    overheadTotal,
    keys,
    bytesPerKey: keys > 0 ? Math.floor(net / keys) : 0,
    dataset,
    datasetPerc: net > 0 ? (dataset * 100) / net : 0,
    peakPerc: st.peakMemory > 0 ? (used * 100) / st.peakMemory : 0,
    active,
    rss: m.rss,
    allocFrag: active / Math.max(1, used),
    allocFragBytes: active - used,
    allocRss: m.rss / Math.max(1, active),
    allocRssBytes: m.rss - active,
    totalFrag: m.rss / Math.max(1, used),
    totalFragBytes: m.rss - used,
    scripts: sc.scripts.size,
  };
}

function stats(c: Client): Reply {
  const o = overhead(c);
  const out: Reply[] = [
    'peak.allocated', o.peak,
    'total.allocated', o.used,
    'startup.allocated', o.startup,
    'replication.backlog', o.replBacklog,
    'clients.slaves', o.clientsSlaves,
    'clients.normal', o.clientsNormal,
    'cluster.links', 0,
    'aof.buffer', 0,
    'lua.caches', o.luaCaches,
    'functions.caches', 0,
  ];
  for (const d of o.dbs) {
    out.push(`db.${d.id}`, new MapReply(['overhead.hashtable.main', d.main, 'overhead.hashtable.expires', d.expires, 'overhead.hashtable.slot-to-keys', 0]));
  }
  out.push(
    'overhead.total', o.overheadTotal,
    'keys.count', o.keys,
    'keys.bytes-per-key', o.bytesPerKey,
    'dataset.bytes', o.dataset,
    'dataset.percentage', new DoubleReply(o.datasetPerc),
    'peak.percentage', new DoubleReply(o.peakPerc),
    'allocator.allocated', o.used,
    'allocator.active', o.active,
    'allocator.resident', o.rss,
    'allocator-fragmentation.ratio', new DoubleReply(o.allocFrag),
    'allocator-fragmentation.bytes', o.allocFragBytes,
    'allocator-rss.ratio', new DoubleReply(o.allocRss),
    'allocator-rss.bytes', o.allocRssBytes,
    'rss-overhead.ratio', new DoubleReply(1),
    'rss-overhead.bytes', 0,
    'fragmentation', new DoubleReply(o.totalFrag),
    'fragmentation.bytes', o.totalFragBytes,
  );
  return new MapReply(out);
}

const MB = 1024 * 1024;

/** MEMORY DOCTOR: Redis's checks, on the figures above. */
function doctor(c: Client): Reply {
  const o = overhead(c);
  const issues: string[] = [];
  // The empty-instance and all-clear sentences are the ones redis-server prints (tools match them).
  if (o.used < 5 * MB) {
    return new VerbatimReply(
      'txt',
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n",
    );
  }
  if (o.peak / o.used > 1.5) issues.push(' * Peak memory: the peak was more than 150% of the memory in use now; the heap keeps what it grew to for a while, so RSS may look large.');
  if (o.totalFrag > 1.4 && o.totalFragBytes > 10 * MB) issues.push(' * High total RSS: the resident set is more than 1.4 times the memory in use.');
  if (o.allocFrag > 1.1 && o.allocFragBytes > 10 * MB) issues.push(' * High allocator fragmentation: the heap reserved is more than 1.1 times the memory in use.');
  if (o.allocRss > 1.1 && o.allocRssBytes > 10 * MB) issues.push(' * High allocator RSS overhead: the resident set is more than 1.1 times the heap reserved.');
  const clients = c.server.clients.size;
  if (clients > 0 && o.clientsNormal / clients > 200 * 1024) issues.push(' * Big client buffers: client output buffers average more than 200K per client (see CLIENT LIST).');
  if (o.scripts > 1000) issues.push(' * Many scripts: more than 1000 scripts are cached; SCRIPT LOAD and EVALSHA with arguments avoid that.');
  if (issues.length === 0) {
    return new VerbatimReply('txt', "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n");
  }
  return new VerbatimReply('txt', `Sam, I detected a few issues in this Redis instance memory implants:\n\n${issues.map((i) => `${i}\n\n`).join('')}I'm here to keep you safe, Sam. I want to help you.\n`);
}

export const memoryCommands: CommandDef[] = [
  {
    name: 'memory',
    summary: 'Memory usage of keys and of the server.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'usage', summary: 'Estimated bytes a key and its value take.', arity: -3, flags: 'readonly', keys: [2, 2, 1], handler: usage },
      // respite does not use jemalloc: Redis built with another allocator answers this.
      { name: 'malloc-stats', summary: 'Statistics of the memory allocator.', arity: 2, flags: '', handler: () => 'Stats not supported for the current allocator' },
      { name: 'stats', summary: 'Memory usage details of the server.', arity: 2, flags: '', handler: stats },
      { name: 'doctor', summary: 'A report of memory problems.', arity: 2, flags: '', handler: doctor },
      { name: 'help', summary: 'Lists the MEMORY subcommands.', arity: 2, flags: 'loading stale', handler: () => HELP },
      // jemalloc releases dirty pages here; V8's equivalent is a full collection, after which it
      // returns freed pages to the system.
      { name: 'purge', summary: 'Asks the allocator to release dirty pages.', arity: 2, flags: '', handler: (c: Client) => (c.server.keyspace.lazyfree.collectNow(), OK) },
    ],
  },
];
