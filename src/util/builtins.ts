// Node built-in modules that an embedded server may never need, loaded on first use (issue 16):
// node:net with the stream modules beneath it costs about 5 ms of CPU to load, node:worker_threads
// (with perf_hooks) about 3 ms more, node:crypto and node:tls more again, and a server started
// with `port: null` that runs no slow script needs none of them. Types come from `import type`;
// values from these functions.
import type * as Crypto from 'node:crypto';
import type * as Net from 'node:net';
import type * as Os from 'node:os';
import type * as Tls from 'node:tls';
import type * as WorkerThreads from 'node:worker_threads';

let net: typeof Net | undefined;
let os: typeof Os | undefined;
let workerThreads: typeof WorkerThreads | undefined;
let crypto: typeof Crypto | undefined;
let tls: typeof Tls | undefined;

export function nodeNet(): typeof Net {
  return (net ??= require('node:net') as typeof Net);
}

export function nodeOs(): typeof Os {
  return (os ??= require('node:os') as typeof Os);
}

export function nodeWorkerThreads(): typeof WorkerThreads {
  return (workerThreads ??= require('node:worker_threads') as typeof WorkerThreads);
}

export function nodeCrypto(): typeof Crypto {
  return (crypto ??= require('node:crypto') as typeof Crypto);
}

export function nodeTls(): typeof Tls {
  return (tls ??= require('node:tls') as typeof Tls);
}
