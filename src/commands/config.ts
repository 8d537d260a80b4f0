// CONFIG GET | SET | RESETSTAT | REWRITE | HELP.
import { ConfigDef, allConfigEntries, configEntry, configSetErrorText, setConfigValues } from '../config/config';
import { rewriteConfigFile } from '../config/conf-file';
import { strerror } from '../config/special';
import { globMatch } from '../datatypes/glob';
import type { Client } from '../engine/client';
import { LOADING, SYNTAX, errorf } from '../errors';
import { MapReply, NO_REPLY, OK, Reply, SimpleString } from '../resp/reply';
import { ListenChange } from '../engine/context';
import { CommandDef } from './registry';

function get(c: Client, argv: string[]): Reply {
  const cfg = c.server.config;
  // Reported name -> canonical parameter; names compare case-insensitively like Redis's dict.
  const seen = new Set<string>();
  const flat: Reply[] = [];
  const add = (reported: string, canonical: string) => {
    seen.add(reported.toLowerCase());
    flat.push(reported, cfg.get(canonical));
  };
  for (let i = 2; i < argv.length; i++) {
    const pattern = argv[i];
    if (!/[[*?]/.test(pattern)) {
      // An exact name is reported as typed, and finds hidden parameters too.
      if (seen.has(pattern.toLowerCase())) continue;
      const e = configEntry(pattern);
      if (e) add(pattern, e.def.name);
      continue;
    }
    for (const e of allConfigEntries()) {
      if (e.def.hidden || seen.has(e.name)) continue;
      if (globMatch(pattern, e.name, true)) add(e.name, e.def.name);
    }
  }
  return new MapReply(flat);
}

/** Redis's islocalClient: in-process, unix socket or a loopback address. */
function isLocal(c: Client): boolean {
  if (c.kind !== 'tcp') return true;
  const ip = c.addr.slice(0, c.addr.lastIndexOf(':'));
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

function set(c: Client, argv: string[]): Reply {
  if (argv.length & 1) return SYNTAX;
  const srv = c.server;
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  // The values before, should listening at a new port or address fail once they are all set.
  const before: [ConfigDef, string][] = [];
  for (const [name] of pairs) {
    const def = configEntry(name)?.def;
    if (def !== undefined) before.push([def, srv.config.get(def.name)]);
  }
  srv.listenChange = 0;
  const r = setConfigValues(srv, pairs, { runtime: true, localClient: isLocal(c) });
  const change = srv.listenChange;
  srv.listenChange = 0;
  if (!r.ok) return r.loading ? LOADING : errorf(configSetErrorText(r));
  if (change === 0 || srv.relisten === null) return OK;
  return moveListener(c, pairs, before, change);
}

/**
 * CONFIG SET port/bind: the listener moves asynchronously, so the reply (and the client's next
 * commands) wait for it; if the new port or addresses cannot be listened on, every value this
 * CONFIG SET set is restored and the error names the parameter, as in Redis. Inside EXEC the
 * client cannot wait: the reply is OK and a failure only restores the values (and is logged).
 */
function moveListener(c: Client, pairs: [string, string][], before: [ConfigDef, string][], change: number): Reply {
  const srv = c.server;
  const failure = (e: unknown): Reply => {
    // The parameter whose listener failed (the transport says; else the one that changed).
    const param =
      (e as { configParam?: string } | null)?.configParam ??
      ((change & ListenChange.Bind) !== 0 ? 'bind' : (change & ListenChange.Port) !== 0 ? 'port' : 'tls-port');
    const blame = pairs.find(([n]) => configEntry(n)?.def.name === param)?.[0] ?? param;
    const text = param === 'bind' ? 'Failed to bind to specified addresses.' : 'Unable to listen on this port. Check server logs.';
    return errorf(configSetErrorText({ unknown: false, name: blame, error: text }));
  };
  const wait = !c.inExec;
  const done = (r: Reply) => {
    if (!wait) return;
    c.blocked = false;
    c.replyAsync(r);
  };
  srv.relisten!(change).then(
    () => done(OK),
    (e: unknown) => {
      srv.log.warning('Failed applying new configuration. Restoring previous settings.');
      for (const [def, old] of before) {
        if (srv.config.get(def.name) === old) continue;
        srv.config.setRaw(def.name, old);
        // The listeners are back where they were already.
        if (def.name !== 'port' && def.name !== 'bind' && def.name !== 'tls-port') srv.applyOne(def, srv.config.stored(def.name));
      }
      done(failure(e));
    },
  );
  if (!wait) return OK;
  c.blocked = true;
  return NO_REPLY;
}

function resetstat(c: Client): Reply {
  const srv = c.server;
  // Uptime is not a statistic: keep the start time.
  srv.stats = { ...srv.freshStats(), startTime: srv.stats.startTime };
  for (const cmd of srv.registry.all()) {
    cmd.calls = 0;
    cmd.usec = 0;
    cmd.rejectedCalls = 0;
    cmd.failedCalls = 0;
    cmd.histogram = null;
  }
  const ks = srv.keyspace.stats;
  for (const k of Object.keys(ks) as (keyof typeof ks)[]) ks[k] = 0;
  srv.keyspace.lazyfree.resetStats();
  srv.replication.resetStats();
  return OK;
}

function rewrite(c: Client): Reply {
  const srv = c.server;
  if (srv.configFile === null) return errorf('ERR The server is running without a config file');
  try {
    rewriteConfigFile(srv, srv.configFile);
  } catch (e) {
    srv.log.warning(`CONFIG REWRITE failed: ${strerror(e)}`);
    return errorf(`ERR Rewriting config file: ${strerror(e)}`);
  }
  srv.log.warning('CONFIG REWRITE executed with success.');
  return OK;
}

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

function help(): Reply {
  return HELP.map((l) => new SimpleString(l));
}

export const configCommands: CommandDef[] = [
  {
    name: 'config',
    summary: 'Reads, changes, resets statistics of, or saves the server configuration',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'resetstat', summary: 'Zeroes the statistics INFO reports', arity: 2, flags: 'admin noscript loading stale', handler: resetstat },
      { name: 'help', summary: 'Lists the CONFIG subcommands', arity: 2, flags: 'loading stale', handler: help },
      { name: 'rewrite', summary: 'Writes the running configuration back to the config file', arity: 2, flags: 'admin noscript loading stale', handler: rewrite },
      { name: 'get', summary: 'Returns the parameters matching one or more glob patterns', arity: -3, flags: 'admin noscript loading stale', handler: get },
      { name: 'set', summary: 'Changes one or more parameters at once, all or none', arity: -4, flags: 'admin noscript loading stale', handler: set },
    ],
  },
];
