// Server introspection and control: INFO TIME LASTSAVE SLOWLOG LATENCY MONITOR SHUTDOWN.
import type { Client } from '../engine/client';
import { infoText } from '../engine/info';
import { latencyGraphText } from '../engine/latency';
import { BUSY_EVAL, BUSY_FUNCTION, SYNTAX, errorf, subcommandSyntax } from '../errors';
import { MapReply, NO_REPLY, OK, Reply, SimpleString, VerbatimReply } from '../resp/reply';
import { int64Arg, is } from './args';
import { CommandDef } from './registry';

function help(lines: string[]): () => Reply {
  const reply = lines.map((l) => new SimpleString(l));
  return () => reply;
}

// ---- INFO TIME LASTSAVE ----------------------------------------------------------------------

function info(c: Client, argv: string[]): Reply {
  return new VerbatimReply('txt', infoText(c.server, argv.slice(1)));
}

function time(c: Client): Reply {
  // Milliseconds from the server clock; the microseconds within the millisecond from the
  // monotonic clock, so consecutive calls still move.
  const now = c.server.clock.now();
  const micros = (now % 1000) * 1000 + Math.floor((performance.now() * 1000) % 1000);
  return [String(Math.floor(now / 1000)), String(Math.floor(micros))];
}

function lastsave(c: Client): Reply {
  return c.server.lastSave;
}

// ---- SLOWLOG ------------------------------------------------------------------------------

function slowlogGet(c: Client, argv: string[]): Reply {
  if (argv.length > 3) return subcommandSyntax('SLOWLOG', argv[1]);
  let count = 10;
  if (argv.length === 3) {
    const bad = errorf('ERR count should be greater than or equal to -1');
    const n = int64Arg(argv[2], bad);
    if (n < -1) return bad;
    count = n === -1 ? Infinity : Number(n);
  }
  const out: Reply[] = [];
  for (const e of c.server.slowlog.entries) {
    if (out.length >= count) break;
    out.push([e.id, e.time, e.micros, e.argv.slice(), e.peer, e.name]);
  }
  return out;
}

const SLOWLOG_HELP = help([
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
]);

// ---- LATENCY ------------------------------------------------------------------------------

function latencyLatest(c: Client): Reply {
  const out: Reply[] = [];
  for (const [event, ts] of c.server.latency.events) {
    const last = ts.samples[ts.samples.length - 1];
    out.push([event, last.time, last.latency, ts.max]);
  }
  return out;
}

function latencyHistory(c: Client, argv: string[]): Reply {
  const ts = c.server.latency.events.get(argv[2]);
  return ts ? ts.samples.map((s) => [s.time, s.latency]) : [];
}

/** LATENCY GRAPH <event>: the samples as a sparkline labelled with their age. */
function latencyGraph(c: Client, argv: string[]): Reply {
  const ts = c.server.latency.events.get(argv[2]);
  if (ts === undefined) return errorf(`ERR No samples available for event '${argv[2]}'`);
  return new VerbatimReply('txt', latencyGraphText(argv[2], ts, Math.floor(c.server.clock.now() / 1000)));
}

function latencyReset(c: Client, argv: string[]): Reply {
  const mon = c.server.latency;
  if (argv.length === 2) return mon.reset();
  let n = 0;
  for (let i = 2; i < argv.length; i++) n += mon.reset(argv[i]);
  return n;
}

function latencyHistogram(c: Client, argv: string[]): Reply {
  const reg = c.server.registry;
  const flat: Reply[] = [];
  const addOne = (cmd: { fullName: string; histogram: import('../engine/latency').LatencyHistogram | null }) => {
    const h = cmd.histogram;
    if (h === null || h.total === 0) return;
    const buckets: Reply[] = [];
    for (const [usec, cum] of h.cumulative()) buckets.push(usec, cum);
    flat.push(cmd.fullName, new MapReply(['calls', h.total, 'histogram_usec', new MapReply(buckets)]));
  };
  if (argv.length === 2) {
    for (const cmd of reg.all()) addOne(cmd);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = reg.lookupFull(argv[i]);
      if (!cmd) continue;
      addOne(cmd);
      if (cmd.subcommands) for (const sub of new Set(cmd.subcommands.values())) addOne(sub);
    }
  }
  return new MapReply(flat);
}

const DOCTOR_DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
const DOCTOR_NOTHING =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';

/** LATENCY DOCTOR: Redis's report for the events respite records (command, fast-command). */
function latencyDoctor(c: Client): Reply {
  const srv = c.server;
  const mon = srv.latency;
  if (mon.threshold === 0) return DOCTOR_DISABLED;
  if (mon.events.size === 0) return DOCTOR_NOTHING;
  let report = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let n = 0;
  let advices = 0;
  let slowlogEnabled = false;
  let slowlogTuning = false;
  let inspect = false;
  let scheduler = false;
  const slower = srv.config.int('slowlog-log-slower-than');
  for (const [event, ts] of mon.events) {
    n++;
    // As Redis's analyzeLatencyForEvent: integer average and mean deviation; the period is the
    // age of the oldest sample (at least one second) spread over the samples.
    const lat = ts.samples.map((s) => s.latency);
    const avg = Math.floor(lat.reduce((a, b) => a + b, 0) / lat.length);
    const mad = Math.floor(lat.reduce((a, b) => a + Math.abs(b - avg), 0) / lat.length);
    const oldest = Math.min(...ts.samples.map((s) => s.time));
    const period = Math.floor(srv.clock.now() / 1000) - oldest || 1;
    report +=
      `${n}. ${event}: ${ts.samples.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms,` +
      ` period ${(period / ts.samples.length).toFixed(2)} sec). Worst all time event ${ts.max}ms.\n`;
    if (event === 'command') {
      if (slower === 0) slowlogEnabled = true;
      else if (slower / 1000 > mon.threshold) slowlogTuning = true;
      inspect = true;
      advices += 3;
    } else if (event === 'fast-command') {
      scheduler = true;
      advices++;
    }
  }
  if (advices === 0) {
    return report + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
  }
  report += '\nI have a few advices for you:\n\n';
  const t = mon.threshold * 1000;
  if (slowlogEnabled) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${t}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (slowlogTuning) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${t}'.\n`;
  }
  if (inspect) {
    report +=
      '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  }
  if (scheduler) {
    report +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (inspect) {
    report +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  return report;
}

const LATENCY_HELP = help([
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
]);

// ---- MONITOR SHUTDOWN -----------------------------------------------------------------------

function monitor(c: Client): Reply {
  // A client that expects one reply per command (inside MULTI) cannot turn into a feed.
  if (c.multi !== null || c.inExec || c.denyBlocking) return errorf("ERR MONITOR isn't allowed for DENY BLOCKING client");
  if (c.isMonitor) return NO_REPLY;
  c.isMonitor = true;
  c.server.monitors.add(c);
  return OK;
}

function shutdown(c: Client, argv: string[]): Reply {
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (is(a, 'NOSAVE') || is(a, 'SAVE') || is(a, 'NOW') || is(a, 'FORCE')) continue;
    if (is(a, 'ABORT')) abort = true;
    else return SYNTAX;
  }
  const save = argv.some((a) => is(a, 'SAVE'));
  const nosave = argv.some((a) => is(a, 'NOSAVE'));
  if ((save && nosave) || (abort && argv.length > 2)) return SYNTAX;
  const srv = c.server;
  const wait = srv.replication.shutdownWait;
  if (abort) return wait.abort() ? OK : errorf('ERR No shutdown in progress.');
  // A shutdown already waits for the replicas: this one waits with it.
  if (wait.initiated) return wait.block(c);
  // A script past busy-reply-threshold: only SHUTDOWN NOSAVE goes ahead, and stops it.
  const busy = srv.busyScript;
  if (busy !== null) {
    if (!nosave) return busy.isEval ? BUSY_EVAL : BUSY_FUNCTION;
    busy.kill();
  }
  srv.log.warning('User requested shutdown...');
  // Persistence: final save / AOF flush (src/persistence); a failed save refuses the shutdown.
  const finish = (): string | null => {
    const refused = srv.persistence.prepareShutdown(save, nosave, argv.some((a) => is(a, 'FORCE')));
    if (refused !== null) {
      srv.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      return refused;
    }
    srv.shuttingDown = true;
    setImmediate(() => srv.onShutdown?.());
    return null;
  };
  // Replicas behind: writes pause and the shutdown goes on once they caught up (or timed out).
  if (wait.begin(argv.some((a) => is(a, 'NOW')), finish)) return wait.block(c);
  wait.logReplicas();
  const refused = finish();
  if (refused !== null) return errorf(refused);
  // Over the network the connection just closes, as with Redis; an in-process caller gets OK.
  if (c.kind === 'embedded') return OK;
  c.closeAfterReply = true;
  return NO_REPLY;
}

const ADMIN = 'admin noscript loading stale';

export const serverCommands: CommandDef[] = [
  { name: 'info', summary: 'Server state and statistics, by section.', arity: -1, flags: 'loading stale sentinel', acl: '@dangerous', handler: info },
  { name: 'time', summary: 'The server time: unix seconds and microseconds.', arity: 1, flags: 'loading stale fast', handler: time },
  {
    name: 'lastsave',
    summary: 'Unix time of the last successful save to disk.',
    arity: 1,
    flags: 'loading stale fast',
    acl: '@admin @dangerous',
    handler: lastsave,
  },
  {
    name: 'slowlog',
    summary: 'Reads or clears the log of slow commands.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'get', summary: 'The newest entries of the slow log.', arity: -2, flags: 'admin loading stale', handler: slowlogGet },
      { name: 'len', summary: 'Number of entries in the slow log.', arity: 2, flags: 'admin loading stale', handler: (c) => c.server.slowlog.entries.length },
      {
        name: 'reset',
        summary: 'Empties the slow log.',
        arity: 2,
        flags: 'admin loading stale',
        handler: (c) => {
          c.server.slowlog.reset();
          return OK;
        },
      },
      { name: 'help', summary: 'Lists the SLOWLOG subcommands.', arity: 2, flags: 'loading stale', handler: SLOWLOG_HELP },
    ],
  },
  {
    name: 'latency',
    summary: 'Latency monitor events and per-command latency histograms.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'doctor', summary: 'A readable analysis of the recorded latency events.', arity: 2, flags: ADMIN, handler: latencyDoctor },
      { name: 'latest', summary: 'The latest sample of every latency event.', arity: 2, flags: ADMIN, handler: latencyLatest },
      { name: 'graph', summary: 'An ASCII graph of the samples of one latency event.', arity: 3, flags: ADMIN, handler: latencyGraph },
      { name: 'history', summary: 'The samples of one latency event.', arity: 3, flags: ADMIN, handler: latencyHistory },
      { name: 'reset', summary: 'Forgets some or all latency events.', arity: -2, flags: ADMIN, handler: latencyReset },
      { name: 'histogram', summary: 'Cumulative latency distribution of some or all commands.', arity: -2, flags: ADMIN, handler: latencyHistogram },
      { name: 'help', summary: 'Lists the LATENCY subcommands.', arity: 2, flags: 'loading stale', handler: LATENCY_HELP },
    ],
  },
  { name: 'monitor', summary: 'Streams every command the server runs to this connection.', arity: 1, flags: ADMIN, handler: monitor },
  {
    name: 'shutdown',
    summary: 'Stops the server.',
    arity: -1,
    flags: 'admin noscript loading stale no_multi sentinel allow_busy',
    handler: shutdown,
  },
];
