// MIGRATE's connection to the target instance. Redis talks to the target synchronously (the
// server waits); here a short-lived child process does the socket work while the server waits
// for it with spawnSync, so MIGRATE keeps its meaning inside MULTI/EXEC and scripts too.
import { spawnSync } from 'child_process';
import * as path from 'path';

export interface MigrateOutcome {
  /** One reply line per command sent, in order ('+OK', '-ERR ...'). */
  lines: string[];
  /** Where it failed, if it did: Redis reports connect failures and I/O errors differently. */
  error: 'connect' | 'write' | 'read' | null;
}

export function migrateExchange(host: string, port: number, timeoutMs: number, payload: Buffer, expect: number): MigrateOutcome {
  const child = path.join(__dirname, 'migrate-child.js');
  const job = JSON.stringify({ host, port, timeout: timeoutMs, payload: payload.toString('latin1'), expect });
  // Connect, write and read each get the timeout; the child is killed past all of them.
  const r = spawnSync(process.execPath, [child], { input: job, timeout: timeoutMs * 3 + 5000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 || !r.stdout) return { lines: [], error: 'read' };
  try {
    return JSON.parse(r.stdout.toString('utf8')) as MigrateOutcome;
  } catch {
    return { lines: [], error: 'read' };
  }
}
