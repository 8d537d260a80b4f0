// What the server thread and the MIGRATE worker (migrate-worker.ts) share: the job they pass and
// the layout of the shared memory. Its own file so the server thread can use it without loading
// the worker's code (and node:worker_threads) at startup.
import type * as tls from 'node:tls';

export interface MigrateJob {
  id: number;
  host: string;
  port: number;
  timeout: number;
  payload: Buffer;
  /** How many reply lines to read. */
  expect: number;
  tls: tls.ConnectionOptions | null;
}

/** Shared layout (Int32 slots): 0 done flag, 1 cached sockets, 2 result bytes, 3 job id; result JSON from byte 16. */
export const SLOT_DONE = 0;
export const SLOT_CACHED = 1;
export const SLOT_LEN = 2;
export const SLOT_ID = 3;
export const RESULT_AT = 16;
