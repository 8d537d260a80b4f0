// A global setup for jest and vitest: one respite server per worker, started once for the whole
// run in the runner's main process, each test worker reaching its own through respiteUrl().
//
//   jest.config.js:    globalSetup: 'respite/testing/global-setup', globalTeardown: 'respite/testing/global-teardown'
//   vitest.config.ts:  test: { globalSetup: ['respite/testing/global-setup'] }   (teardown included)
//
// The servers live in the main process, which both runners keep alive until the teardown, and
// the URLs reach the workers through the environment they are started with.
import * as os from 'node:os';
import { startServer } from '../index';
import type { RespiteServer } from '../index';
import { URLS_ENV } from './worker-url';

const KEY = Symbol.for('respite.testing.servers');
type Holder = { [KEY]?: RespiteServer[] };

/** How many servers: RESPITE_WORKERS, else jest's maxWorkers, else the machine's parallelism. */
function serverCount(jestConfig: unknown): number {
  const env = Number(process.env.RESPITE_WORKERS);
  if (Number.isInteger(env) && env > 0) return env;
  const max = (jestConfig as { maxWorkers?: unknown } | undefined)?.maxWorkers;
  if (typeof max === 'number' && max > 0) return max;
  return Math.max(1, os.availableParallelism());
}

export async function setup(jestConfig?: unknown): Promise<() => Promise<void>> {
  const n = serverCount(jestConfig);
  const servers = await Promise.all(Array.from({ length: n }, () => startServer()));
  (globalThis as Holder)[KEY] = servers;
  process.env[URLS_ENV] = JSON.stringify(servers.map((s) => s.url));
  return teardown;
}

export async function teardown(): Promise<void> {
  const servers = (globalThis as Holder)[KEY] ?? [];
  delete (globalThis as Holder)[KEY];
  delete process.env[URLS_ENV];
  await Promise.all(servers.map((s) => s.close()));
}

// jest calls the module's default export; vitest calls setup() (or the default) and runs the
// function it returns as the teardown.
export default setup;
