// MIGRATE's connection to the target instance. Redis talks to the target synchronously (the
// server waits); here a short-lived child process does the socket work while the server waits
// for it with spawnSync, so MIGRATE keeps its meaning inside MULTI/EXEC and scripts too.
import { spawnSync } from 'child_process';
import * as path from 'path';
import type { ConnectionOptions } from 'tls';

export interface MigrateOutcome {
  /** One reply line per command sent, in order ('+OK', '-ERR ...'). */
  lines: string[];
  /** Where it failed, if it did: Redis reports connect failures and I/O errors differently. */
  error: 'connect' | 'write' | 'read' | null;
}

/** The TLS options that cross to the child as JSON (PEM text instead of Buffers). */
const TLS_FIELDS = ['cert', 'key', 'ca', 'crl', 'passphrase', 'ciphers', 'minVersion', 'maxVersion', 'secureOptions'] as const;

function tlsJob(tls: ConnectionOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString('latin1') : Array.isArray(v) ? v.map(text) : v);
  for (const f of TLS_FIELDS) if (tls[f] !== undefined) out[f] = text(tls[f]);
  return out;
}

/** `tls`: connect over TLS with these options (tls-cluster), else plain TCP. */
export function migrateExchange(host: string, port: number, timeoutMs: number, payload: Buffer, expect: number, tls: ConnectionOptions | null = null): MigrateOutcome {
  const child = path.join(__dirname, 'migrate-child.js');
  const job = JSON.stringify({ host, port, timeout: timeoutMs, payload: payload.toString('latin1'), expect, tls: tls === null ? null : tlsJob(tls) });
  // Connect, write and read each get the timeout; the child is killed past all of them.
  const r = spawnSync(process.execPath, [child], { input: job, timeout: timeoutMs * 3 + 5000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 || !r.stdout) return { lines: [], error: 'read' };
  try {
    return JSON.parse(r.stdout.toString('utf8')) as MigrateOutcome;
  } catch {
    return { lines: [], error: 'read' };
  }
}
