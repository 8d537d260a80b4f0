// MIGRATE's connections to target instances. Redis talks to the target synchronously (the server
// waits) over sockets it caches for 10 s; here a worker thread (migrate-worker.ts) owns the cached
// sockets and does the exchange while the server thread waits on a shared flag, so MIGRATE keeps
// its meaning inside MULTI/EXEC and scripts too.
import * as path from 'path';
import type { ConnectionOptions } from 'tls';
import type { Worker } from 'worker_threads';
import { RESULT_AT, SLOT_CACHED, SLOT_DONE, SLOT_ID, SLOT_LEN, type MigrateJob } from './migrate-layout';
import { nodeWorkerThreads } from '../util/builtins';

export interface MigrateOutcome {
  /** One reply line per command sent, in order ('+OK', '-ERR ...'). */
  lines: string[];
  /** Where it failed, if it did: Redis reports connect failures and I/O errors differently. */
  error: 'connect' | 'write' | 'read' | null;
}

/** TLS options that can cross to the worker (no functions or native contexts). */
const TLS_FIELDS = ['cert', 'key', 'ca', 'crl', 'passphrase', 'ciphers', 'minVersion', 'maxVersion', 'secureOptions'] as const;

function tlsForWorker(tls: ConnectionOptions): ConnectionOptions {
  const out: Record<string, unknown> = {};
  for (const f of TLS_FIELDS) if (tls[f] !== undefined) out[f] = tls[f];
  return out as ConnectionOptions;
}

/** One server's MIGRATE sockets (INFO migrate_cached_sockets); the worker starts on first use. */
export class MigrateSockets {
  private worker: Worker | null = null;
  private shared: SharedArrayBuffer | null = null;
  private nextId = 1;

  /** Sockets open to targets now. */
  cached(): number {
    return this.shared === null ? 0 : Atomics.load(new Int32Array(this.shared), SLOT_CACHED);
  }

  /** Sends the commands to host:port (over TLS with `tls`) and reads `expect` reply lines. */
  exchange(host: string, port: number, timeoutMs: number, payload: Buffer, expect: number, tls: ConnectionOptions | null = null): MigrateOutcome {
    if (this.worker === null) {
      this.shared = new SharedArrayBuffer(RESULT_AT + 4 * 1024 * 1024);
      // node:worker_threads loads with the first MIGRATE, not at startup (issue 16).
      const { Worker: WorkerThread } = nodeWorkerThreads();
      this.worker = new WorkerThread(path.join(__dirname, 'migrate-worker.js'), { workerData: this.shared });
      this.worker.unref();
      this.worker.on('error', () => this.reset());
    }
    const i32 = new Int32Array(this.shared!);
    const id = this.nextId++;
    Atomics.store(i32, SLOT_DONE, 0);
    const job: MigrateJob = { id, host, port, timeout: timeoutMs, payload, expect, tls: tls === null ? null : tlsForWorker(tls) };
    this.worker.postMessage(job);
    // Connect, write and read each get the timeout (and a retry on a stale cached socket).
    const deadline = Date.now() + timeoutMs * 6 + 5000;
    while (Atomics.load(i32, SLOT_DONE) === 0 || Atomics.load(i32, SLOT_ID) !== id) {
      const left = deadline - Date.now();
      if (left <= 0) {
        // The worker is stuck: start over with a fresh one (and no cached sockets).
        this.reset();
        return { lines: [], error: 'read' };
      }
      // A late result of an abandoned job: clear it and keep waiting for ours.
      if (Atomics.load(i32, SLOT_DONE) === 1) Atomics.store(i32, SLOT_DONE, 0);
      Atomics.wait(i32, SLOT_DONE, 0, left);
    }
    const len = Atomics.load(i32, SLOT_LEN);
    try {
      return JSON.parse(Buffer.from(this.shared!, RESULT_AT, len).toString('latin1')) as MigrateOutcome;
    } catch {
      return { lines: [], error: 'read' };
    }
  }

  private reset(): void {
    void this.worker?.terminate();
    this.worker = null;
    this.shared = null;
  }

  /** The server stops: every cached socket goes with the worker. */
  close(): void {
    this.reset();
  }
}
