// What respite-server writes to its log when it is made to crash (SIGABRT sent by kill(2), or
// DEBUG SEGFAULT): a report of the process state, then the signal's default action, so the
// process still dies by that signal (exit status, core dump) as redis-server does. No listener is
// installed for SIGSEGV/SIGBUS/SIGFPE/SIGILL: V8 handles real faults itself (WebAssembly bounds
// traps of the Lua VM arrive as SIGSEGV), and Node warns that a JS listener for a real fault can
// hang the process. Only the command line installs it; an embedded server leaves the host
// process's signals alone.
import type { ServerContext } from './context';

type FatalSignal = 'SIGSEGV' | 'SIGBUS' | 'SIGFPE' | 'SIGILL' | 'SIGABRT';

const NUMBER: Record<FatalSignal, number> = { SIGILL: 4, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGSEGV: 11 };

let installed: ServerContext | null = null;

/** Installs the handlers for the process (once). */
export function installCrashHandlers(server: ServerContext, version: string): void {
  // Again after DEBUG RESTART: the report is about the new server; the handler stays.
  if (installed === null) process.on('SIGABRT', () => crashBySignal('SIGABRT'));
  installed = server;
  installedVersion = version;
}

let installedVersion = '';

/** Writes the crash report (if crash-log-enabled), then dies by `sig` (its default action). */
export function crashBySignal(sig: FatalSignal): void {
  const server = installed;
  if (server === null) return;
  if (server.config.bool('crash-log-enabled')) writeReport(server, installedVersion, sig);
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
}

/** True when a fatal signal would be reported (the process is a respite-server). */
export function crashHandlersInstalled(): boolean {
  return installed !== null;
}

function writeReport(server: ServerContext, version: string, sig: FatalSignal): void {
  const log = server.log;
  const mem = process.memoryUsage();
  log.warning('');
  log.warning('=== RESPITE BUG REPORT START: Cut & paste starting from here ===');
  log.warning(`respite ${version} crashed by signal: ${NUMBER[sig]} (${sig})`);
  log.warning(`node ${process.version}, pid ${process.pid}, uptime ${server.uptimeSeconds()} seconds`);
  log.warning(`clients: ${server.clients.size}, keys: ${server.keyspace.dbs.reduce((n, db) => n + db.size, 0)}`);
  log.warning(`memory: rss ${mem.rss}, heap used ${mem.heapUsed} of ${mem.heapTotal}, external ${mem.external}`);
  log.warning('------ STACK TRACE (JavaScript, at the signal) ------');
  for (const line of (new Error().stack ?? '').split('\n').slice(1)) log.warning(line.trim());
  log.warning('=== RESPITE BUG REPORT END. Make sure to include from START to END. ===');
}
