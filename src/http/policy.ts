// Which commands the dashboard's console runs. Two rules on top of the user's ACL permissions:
//  - never: commands that change the connection itself or would hold an HTTP request open
//    forever (subscriptions, MONITOR, transactions, blocking pops, AUTH/HELLO/SELECT/QUIT...);
//    the pub/sub page, the database picker and the login cover what they would do.
//  - read-only mode (http-allow-writes no, the default): commands flagged readonly (data reads:
//    GET, SCAN, EVAL_RO...) plus the introspection commands below, which change nothing.
//    Redis's own flags cannot tell these apart: CONFIG GET and CONFIG SET are both `admin`.
import type { Command } from '../commands/registry';
import { F } from '../commands/registry';

const NEVER = new Set([
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe',
  'monitor', 'multi', 'exec', 'discard', 'watch', 'unwatch', 'select', 'quit', 'reset', 'hello',
  'auth', 'sync', 'psync', 'replconf', 'client|reply', 'client|tracking', 'client|caching',
]);

/** Changes nothing, though not flagged readonly. */
const READ_ONLY_EXTRA = new Set([
  'ping', 'echo', 'time', 'info', 'lastsave', 'role', 'dbsize',
  'command', 'command|count', 'command|docs', 'command|getkeys', 'command|getkeysandflags', 'command|info', 'command|list', 'command|help',
  'config|get', 'config|help',
  'slowlog|get', 'slowlog|len', 'slowlog|help',
  'latency|latest', 'latency|history', 'latency|doctor', 'latency|graph', 'latency|histogram', 'latency|help',
  'client|list', 'client|info', 'client|getname', 'client|id', 'client|getredir', 'client|trackinginfo', 'client|help',
  'memory|stats', 'memory|doctor', 'memory|malloc-stats', 'memory|help',
  'acl|whoami', 'acl|list', 'acl|users', 'acl|getuser', 'acl|cat', 'acl|dryrun', 'acl|genpass', 'acl|help',
  'pubsub|channels', 'pubsub|numsub', 'pubsub|numpat', 'pubsub|shardchannels', 'pubsub|shardnumsub', 'pubsub|help',
  'script|exists', 'script|help', 'function|list', 'function|stats', 'function|dump', 'function|help',
  'module|list', 'module|help', 'object|help', 'xinfo|help', 'lolwut',
]);

export type Verdict = { ok: true } | { ok: false; reason: string };

/** The command (or subcommand) argv names, or undefined when the server does not know it. */
export function resolveCommand(lookup: (name: string) => Command | undefined, argv: string[]): Command | undefined {
  const cmd = lookup(argv[0]);
  if (cmd === undefined || cmd.subcommands === null || argv.length < 2) return cmd;
  return cmd.lookupSub(argv[1].toLowerCase()) ?? cmd;
}

export function consoleVerdict(cmd: Command | undefined, argv: string[], allowWrites: boolean): Verdict {
  // Unknown commands go to the server, which answers with its own error.
  if (cmd === undefined) return { ok: true };
  const name = cmd.fullName.toLowerCase();
  const top = name.split('|')[0];
  if (NEVER.has(name) || NEVER.has(top)) return { ok: false, reason: `${name.toUpperCase()} is not available in the dashboard console` };
  if (cmd.has(F.BLOCKING) && !nonBlockingRead(top, argv)) return { ok: false, reason: 'blocking commands are not available in the dashboard console' };
  if (allowWrites) return { ok: true };
  if ((cmd.has(F.READONLY) && !cmd.has(F.WRITE)) || READ_ONLY_EXTRA.has(name)) return { ok: true };
  // ACL LOG [count] only reads the log; ACL LOG RESET clears it.
  if (name === 'acl|log') return argv.length > 2 && argv[2].toLowerCase() === 'reset' ? readOnly(name) : { ok: true };
  return readOnly(name);
}

function readOnly(name: string): Verdict {
  return { ok: false, reason: `the dashboard is read-only (http-allow-writes no): ${name.toUpperCase()} may change data or the server` };
}

/** XREAD/XREADGROUP are flagged blocking but only block with BLOCK (which must come before STREAMS). */
function nonBlockingRead(top: string, argv: string[]): boolean {
  if (top !== 'xread' && top !== 'xreadgroup') return false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'streams') return true;
    if (a === 'block') return false;
  }
  return true;
}
