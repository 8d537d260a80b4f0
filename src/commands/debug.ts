// DEBUG: the testing and introspection helpers Redis's own test suite relies on. One table of
// subcommands (name, argument count check, handler); the help text is derived from it.
import type { Client } from '../engine/client';
import { changeReplId } from '../engine/info';
import { errorf } from '../errors';
import { NO_REPLY, OK, Reply, SimpleString } from '../resp/reply';
import { crashHandlersInstalled } from '../engine/crash-report';
import { persistenceOf } from '../persistence/persistence';
import { debugLoadAof, debugReload } from './persistence';
import { CommandDef } from './registry';

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
    name: 'error',
    argc: 3,
    help: ['ERROR <string>', '    Return a Redis protocol error with <string> as message. Useful for clients', '    unit tests to simulate Redis errors.'],
    handler: (_c, argv) => errorf(argv[2]),
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
    name: 'segfault',
    argc: 2,
    help: ['SEGFAULT', '    Crash the server with sigsegv (after writing the crash report to the log).'],
    handler: () => {
      // An embedded server shares its process with the application: it is not crashed.
      if (!crashHandlersInstalled()) return errorf('ERR DEBUG SEGFAULT is only available in respite-server');
      process.kill(process.pid, 'SIGSEGV');
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
    handler: (c, argv) => {
      c.server.keyspace.activeExpireEnabled = parseInt(argv[2], 10) !== 0;
      return OK;
    },
  },
  {
    name: 'set-skip-checksum-validation',
    argc: 3,
    help: ['SET-SKIP-CHECKSUM-VALIDATION <0|1>', '    Turns off (1) or back on (0) the CRC checks of RDB files and RESTORE payloads.'],
    handler: (c, argv) => {
      persistenceOf(c.server).skipChecksumValidation = (parseInt(argv[2], 10) || 0) !== 0;
      return OK;
    },
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
];

const BY_NAME = new Map(SUBS.map((s) => [s.name, s]));

const HELP_REPLY: Reply = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  ...SUBS.flatMap((s) => s.help),
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

function debug(c: Client, argv: string[]): Reply {
  const sub = argv[1].toLowerCase();
  const n = argv.length;
  if (sub === 'help' && n === 2) return HELP_REPLY;
  const def = BY_NAME.get(sub);
  if (def !== undefined && (def.argc >= 0 ? n === def.argc : n >= -def.argc)) return def.handler(c, argv);
  return errorf(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`);
}

export const debugCommands: CommandDef[] = [
  { name: 'debug', summary: 'Debugging helpers for tests: object internals, reloads, sleeps, protocol samples.', arity: -2, flags: 'admin noscript loading stale protected', handler: debug },
];
