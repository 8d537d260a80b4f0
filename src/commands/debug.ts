// DEBUG: the testing and introspection helpers Redis's own test suite relies on. One table of
// subcommands (name, argument count check, handler); the help text is derived from it.
import type { Client } from '../engine/client';
import { changeReplId } from '../engine/info';
import { replicationOf } from '../replication/replication';
import { DEFAULT_PEAK_RESET_MS, replyBufferSettings } from '../engine/reply-buffer';
import { intArg, is } from './args';
import { errorf, subcommandSyntax } from '../errors';
import {
  debugDigest,
  debugDigestValue,
  debugHtstats,
  debugHtstatsKey,
  debugListpack,
  debugObject,
  debugPackedThreshold,
  debugPopulate,
  debugQuicklist,
  debugStringmatchTest,
} from './debug-inspect';
import { DoubleReply, MapReply, NO_REPLY, OK, PushReply, RawReply, Reply, SetReply, SimpleString, VerbatimReply } from '../resp/reply';
import { keywordOf } from './args';
import { crashBySignal, crashHandlersInstalled } from '../engine/crash-report';
import { persistenceOf } from '../persistence/persistence';
import { debugLoadAof, debugReload } from './persistence';
import { CommandDef } from './registry';
import { scriptingState } from '../scripting/state';
import { rewriteConfigFile } from '../config/conf-file';
import { strerror } from '../config/special';

interface DebugSub {
  name: string;
  /** Exact argc (including DEBUG and the subcommand), or -N for at least N. */
  argc: number;
  /** Usage line and explanation lines for DEBUG HELP. */
  help: string[];
  handler: (c: Client, argv: string[]) => Reply;
}

const SUBS: DebugSub[] = [
  {
    name: 'aof-flush-sleep',
    argc: 3,
    help: ['AOF-FLUSH-SLEEP <microsec>', '    Stall the server for <microsec> before each write to the AOF (for tests).'],
    handler: (c, argv) => {
      // atoi: junk and negatives read as no pause.
      persistenceOf(c.server).aofFlushSleepUs = Math.max(0, parseInt(argv[2], 10) || 0);
      return OK;
    },
  },
  {
    name: 'change-repl-id',
    argc: 2,
    help: ['CHANGE-REPL-ID', '    Change the replication IDs of the instance.', '    Dangerous: should be used only for testing the replication subsystem.'],
    handler: (c) => {
      changeReplId(c.server);
      return OK;
    },
  },
  {
    name: 'config-rewrite-force-all',
    argc: 2,
    help: [
      'CONFIG-REWRITE-FORCE-ALL',
      '    Like CONFIG REWRITE but writes all configuration options, including',
      '    keywords not listed in original configuration file or default values.',
    ],
    handler: (c) => {
      const srv = c.server;
      // Without a config file Redis hands its rewrite a null path, which fails with EFAULT.
      if (srv.configFile === null) return errorf('ERR CONFIG-REWRITE-FORCE-ALL failed: Bad address');
      try {
        rewriteConfigFile(srv, srv.configFile, true);
      } catch (e) {
        return errorf(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${strerror(e)}`);
      }
      return OK;
    },
  },
  {
    name: 'crash-and-recover',
    argc: -2,
    help: ['CRASH-AND-RECOVER [<milliseconds>]', '    Hard crash and restart after a <milliseconds> delay (default 0).'],
    handler: (c, argv) => restart(c, argv, false),
  },
  {
    name: 'digest',
    argc: 2,
    help: ['DIGEST', '    Output a hex signature representing the current DB content.'],
    handler: (c) => debugDigest(c),
  },
  {
    name: 'digest-value',
    argc: -2,
    help: ['DIGEST-VALUE <key> [<key> ...]', '    Output a hex signature of the values of all the specified keys.'],
    handler: debugDigestValue,
  },
  {
    name: 'error',
    argc: 3,
    help: ['ERROR <string>', '    Return a Redis protocol error with <string> as message. Useful for clients', '    unit tests to simulate Redis errors.'],
    handler: (_c, argv) => errorf(argv[2]),
  },
  {
    name: 'htstats',
    argc: 3,
    help: ['HTSTATS <dbid>', '    Return hash table statistics of the specified Redis database.'],
    handler: debugHtstats,
  },
  {
    name: 'htstats-key',
    argc: 3,
    help: ['HTSTATS-KEY <key>', "    Like HTSTATS but for the hash table stored at <key>'s value."],
    handler: debugHtstatsKey,
  },
  {
    name: 'listpack',
    argc: 3,
    help: ['LISTPACK <key>', '    Show low level info about the listpack encoding of <key>.'],
    handler: debugListpack,
  },
  {
    name: 'loadaof',
    argc: 2,
    help: ['LOADAOF', '    Flush the AOF buffers on disk and reload the AOF in memory.'],
    handler: (c) => debugLoadAof(c),
  },
  {
    name: 'log',
    argc: 3,
    help: ['LOG <message>', '    Write <message> to the server log.'],
    handler: (c, argv) => {
      c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
      return OK;
    },
  },
  {
    name: 'object',
    argc: 3,
    help: ['OBJECT <key>', '    Show low level info about `key` and associated value.'],
    handler: debugObject,
  },
  {
    name: 'pause-cron',
    argc: 3,
    help: ['PAUSE-CRON <0|1>', '    Stop periodic cron job processing.'],
    handler: toggle((c, on) => void (c.server.pauseCron = on)),
  },
  {
    name: 'populate',
    argc: -3,
    help: [
      'POPULATE <count> [<prefix>] [<size>]',
      '    Create <count> string keys named key:<num>. If <prefix> is specified then',
      "    it is used instead of the 'key' prefix. These are not propagated to",
      '    replicas. Cluster slots are not respected so keys not belonging to the',
      '    current node can be created in cluster mode.',
    ],
    handler: (c, argv) => (argv.length > 5 ? unknownSub(argv) : debugPopulate(c, argv)),
  },
  {
    name: 'quicklist',
    argc: -3,
    help: [
      'QUICKLIST <key> [<0|1>]',
      '    Show low level info about the quicklist encoding of <key>.',
      '    The optional argument (0 by default) sets the level of detail',
    ],
    handler: (c, argv) => (argv.length > 4 ? unknownSub(argv) : debugQuicklist(c, argv)),
  },
  {
    name: 'quicklist-packed-threshold',
    argc: 3,
    help: [
      'QUICKLIST-PACKED-THRESHOLD <size>',
      '    Sets the threshold for elements to be inserted as plain vs packed nodes',
      '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
    ],
    handler: debugPackedThreshold,
  },
  {
    name: 'protocol',
    argc: 3,
    help: [
      'PROTOCOL <type>',
      '    Reply with a test value of the specified type. <type> can be: string,',
      '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
      '    true, false.',
    ],
    handler: (c, argv) => protocolSample(c, keywordOf(argv[2])),
  },
  {
    name: 'reload',
    argc: -2,
    help: [
      'RELOAD [option ...]',
      '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
      '    * MERGE: conflicting keys will be loaded from RDB.',
      '    * NOFLUSH: the existing database will not be removed before load, but',
      '      conflicting keys will generate an exception and kill the server.',
      '    * NOSAVE: the database will be loaded from an existing RDB file.',
      '    Examples:',
      '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
      '      the database.',
      '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
      '      existing RDB file.',
      '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
      '      file to the database.',
    ],
    handler: (c, argv) => debugReload(c, argv),
  },
  {
    name: 'replicate',
    argc: -3,
    help: ['REPLICATE <string>', '    Replicates the provided string to replicas, allowing data divergence.'],
    handler: (c, argv) => {
      replicationOf(c.server).debugReplicate(argv.slice(2));
      return OK;
    },
  },
  {
    name: 'replybuffer',
    argc: 4,
    help: [
      'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
      '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
      '    In case NEVER is provided the last observed peak will never be reset',
      '    In case RESET is provided the peak reset time will be restored to the default value',
      'REPLYBUFFER RESIZING <0|1>',
      '    Enable or disable the reply buffer resize cron job',
    ],
    handler: (c, argv) => {
      const st = replyBufferSettings(c.server);
      if (is(argv[2], 'PEAK-RESET-TIME')) {
        if (is(argv[3], 'NEVER')) st.peakResetMs = -1;
        else if (is(argv[3], 'RESET')) st.peakResetMs = DEFAULT_PEAK_RESET_MS;
        else st.peakResetMs = intArg(argv[3]);
      } else if (is(argv[2], 'RESIZING')) {
        st.resizing = parseInt(argv[3], 10) !== 0;
      } else {
        return subcommandSyntax('DEBUG', argv[1]);
      }
      return OK;
    },
  },
  {
    name: 'restart',
    argc: -2,
    help: ['RESTART [<milliseconds>]', '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).'],
    handler: (c, argv) => restart(c, argv, true),
  },
  {
    name: 'segfault',
    argc: 2,
    help: ['SEGFAULT', '    Crash the server with sigsegv (after writing the crash report to the log).'],
    handler: () => {
      // An embedded server shares its process with the application: it is not crashed.
      if (!crashHandlersInstalled()) return errorf('ERR DEBUG SEGFAULT is only available in respite-server');
      crashBySignal('SIGSEGV');
      return NO_REPLY;
    },
  },
  {
    name: 'set-active-expire',
    argc: 3,
    help: [
      'SET-ACTIVE-EXPIRE <0|1>',
      '    Setting it to 0 disables expiring keys in background when they are not',
      '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
      '    default.',
    ],
    handler: toggle((c, on) => void (c.server.keyspace.activeExpireEnabled = on)),
  },
  {
    name: 'set-disable-deny-scripts',
    argc: 3,
    help: [], // not in Redis's DEBUG HELP either
    // Lets scripts run commands flagged noscript (the suite uses CLIENT LIST, DEBUG PROTOCOL...).
    handler: toggle((c, on) => void (scriptingState(c.server).denyScriptsDisabled = on)),
  },
  {
    name: 'clusterlink',
    argc: 5,
    help: ['CLUSTERLINK KILL <to|from|all> <node-id>', '    Kills the link based on the direction to/from (both) with the provided node.'],
    handler: (c, argv) => {
      if (argv[2].toLowerCase() !== 'kill') return errorf(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`);
      const cs = c.server.cluster;
      if (cs === null) return errorf('ERR Debug option only available for cluster mode enabled setup!');
      const n = cs.lookup(argv[4]);
      if (n === undefined) return errorf(`ERR Unknown node ${argv[4]}`);
      const dir = argv[3].toLowerCase();
      if (dir !== 'to' && dir !== 'from' && dir !== 'all') return errorf(`ERR Unknown direction ${argv[3]}`);
      if (dir !== 'from' && n.link !== null) {
        const l = n.link;
        n.link = null;
        l.close();
      }
      if (dir !== 'to' && n.inboundLink !== null) {
        const l = n.inboundLink;
        n.inboundLink = null;
        l.close();
      }
      return OK;
    },
  },
  {
    name: 'drop-cluster-packet-filter',
    argc: 3,
    help: ['DROP-CLUSTER-PACKET-FILTER <packet-type>', '    Drop all packets that match the filtered type. Set to -1 allow all packets.'],
    handler: (c, argv) => {
      const type = intArg(argv[2]);
      if (c.server.cluster !== null) c.server.cluster.dropPacketFilter = type;
      return OK;
    },
  },
  {
    name: 'set-skip-checksum-validation',
    argc: 3,
    help: ['SET-SKIP-CHECKSUM-VALIDATION <0|1>', '    Turns off (1) or back on (0) the CRC checks of RDB files and RESTORE payloads.'],
    handler: toggle((c, on) => void (persistenceOf(c.server).skipChecksumValidation = on)),
  },
  {
    name: 'sleep',
    argc: 3,
    help: ['SLEEP <seconds>', '    Stop the server for <seconds>. Decimals allowed.'],
    handler: (_c, argv) => {
      // Blocks the whole server, like Redis's DEBUG SLEEP (strtod: junk reads as 0).
      const secs = parseFloat(argv[2]);
      const ms = Number.isFinite(secs) && secs > 0 ? secs * 1000 : 0;
      if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return OK;
    },
  },
  {
    name: 'stringmatch-test',
    argc: 2,
    help: ['STRINGMATCH-TEST', '    Run a fuzz tester against the stringmatchlen() function.'],
    handler: () => debugStringmatchTest(),
  },
];

/** One sample reply per RESP type, for client libraries' tests (DEBUG PROTOCOL <type>). */
function protocolSample(c: Client, type: string): Reply {
  const resp3 = c.protocol === 3;
  switch (type) {
    case 'STRING':
      return 'Hello World';
    case 'INTEGER':
      return 12345;
    case 'DOUBLE':
      return new DoubleReply(3.141);
    case 'BIGNUM': {
      // RESP3 big number; a bulk string in RESP2. No reply type of ours carries it: written raw.
      const n = '1234567999999999999999999999999999999';
      return resp3 ? new RawReply(Buffer.from(`(${n}\r\n`, 'latin1')) : n;
    }
    case 'NULL':
      return null;
    case 'ARRAY':
      return [0, 1, 2];
    case 'SET':
      return new SetReply([0, 1, 2]);
    case 'MAP':
      return new MapReply([0, false, 1, true, 2, false]);
    case 'ATTRIB':
      // An attribute is metadata before a reply (RESP3 only); the reply itself always follows.
      return resp3 ? new RawReply(ATTRIB_SAMPLE) : ATTRIB_FOLLOWING;
    case 'PUSH':
      if (!resp3) return errorf('ERR RESP2 is not supported by this command');
      // Out of band, like any push: it goes out even under CLIENT REPLY OFF/SKIP.
      c.push(new PushReply(['server-cpu-usage', 42]));
      return 'Some real reply following the push reply';
    case 'VERBATIM':
      return new VerbatimReply('txt', 'This is a verbatim\nstring');
    case 'TRUE':
      return true;
    case 'FALSE':
      return false;
  }
  return errorf(
    'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
  );
}

const ATTRIB_FOLLOWING = 'Some real reply following the attribute';
const ATTRIB_SAMPLE = Buffer.from(`|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\n${ATTRIB_FOLLOWING}\r\n`, 'latin1');

/** A 0|1 switch (Redis reads it with atoi: junk is 0). */
function toggle(set: (c: Client, on: boolean) => void): (c: Client, argv: string[]) => Reply {
  return (c, argv) => {
    set(c, (parseInt(argv[2], 10) || 0) !== 0);
    return OK;
  };
}

/**
 * DEBUG RESTART (config rewritten, data saved as by SHUTDOWN) and CRASH-AND-RECOVER (nothing
 * saved): the server stops and starts again from its command line and config file. Redis re-execs
 * its binary; respite-server rebuilds the server in the same process (same pid), which an
 * embedded server cannot do for its application. On success the client gets no reply: its
 * connection closes with the old server.
 */
function restart(c: Client, argv: string[], graceful: boolean): Reply {
  const delay = argv.length >= 3 ? Math.max(0, intArg(argv[2])) : 0;
  const hook = c.server.onRestart;
  if (hook === null) c.server.log.warning("Can't restart: an embedded server shares its process with the application");
  if (hook === null || hook(graceful, delay) !== null) return errorf('ERR failed to restart the server. Check server logs.');
  return NO_REPLY;
}

const BY_NAME = new Map(SUBS.map((s) => [s.name, s]));

const HELP_REPLY: Reply = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  ...SUBS.flatMap((s) => s.help),
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

function unknownSub(argv: string[]): Reply {
  return subcommandSyntax('DEBUG', argv[1]);
}

function debug(c: Client, argv: string[]): Reply {
  const sub = argv[1].toLowerCase();
  const n = argv.length;
  if (sub === 'help' && n === 2) return HELP_REPLY;
  const def = BY_NAME.get(sub);
  if (def !== undefined && (def.argc >= 0 ? n === def.argc : n >= -def.argc)) return def.handler(c, argv);
  return unknownSub(argv);
}

export const debugCommands: CommandDef[] = [
  { name: 'debug', summary: 'Debugging helpers for tests: object internals, reloads, sleeps, protocol samples.', arity: -2, flags: 'admin noscript loading stale protected', handler: debug },
];
