// respite/testing: a Redis server for a test file in one line, whatever the test runner.
//
//   const redis = useRespite();               // node:test, jest, or vitest with globals
//   test('...', async () => { const c = new Redis(redis.url); ... });
//
// useRespite() registers the runner's before/after hooks: the server starts before the file's
// first test and closes after its last. jest and vitest (globals: true) expose beforeAll/afterAll
// as globals; otherwise node:test's before/after are used, and vitest without globals passes its
// own hooks. For one server per worker process started once for the whole run, see
// ./global-setup.ts; for code written against redis-memory-server, ./redis-memory-server.ts.
import { startServer } from '../index';
import type { Arg, JsReply, RespiteServer, ServerOptions } from '../index';

export { RedisMemoryServer } from './redis-memory-server';
export { respiteUrl } from './worker-url';

type Hook = (fn: () => unknown) => unknown;

export interface TestHooks {
  beforeAll: Hook;
  afterAll: Hook;
  beforeEach?: Hook;
}

export interface UseRespiteOptions extends ServerOptions {
  /** 'each': FLUSHALL (and a fresh clock) before every test, so tests cannot see each other's keys. */
  reset?: 'each' | 'never';
  /** The runner's hooks, when they are not globals (vitest without `globals: true`). */
  hooks?: TestHooks;
}

/** What useRespite() returns: valid from the first test on. */
export interface RespiteFixture {
  readonly server: RespiteServer;
  readonly port: number;
  readonly host: string;
  /** redis://host:port */
  readonly url: string;
  /** Runs a command in-process (see RespiteServer.call); waits for the server if it is starting. */
  call(...args: Arg[]): Promise<JsReply>;
  /** Resolves once the server is up: for code in other before-all hooks, which some runners start
   * without waiting for the one useRespite() registered (node:test on Node 20). */
  ready(): Promise<RespiteServer>;
  /** Empties every database. */
  flush(): Promise<void>;
}

function runnerHooks(given: TestHooks | undefined): TestHooks {
  if (given !== undefined) return given;
  const g = globalThis as Record<string, unknown>;
  if (typeof g.beforeAll === 'function' && typeof g.afterAll === 'function') {
    return { beforeAll: g.beforeAll as Hook, afterAll: g.afterAll as Hook, beforeEach: g.beforeEach as Hook | undefined };
  }
  // node:test is only loaded when it is the runner: requiring it elsewhere starts a test run.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nt = require('node:test') as { before: Hook; after: Hook; beforeEach: Hook };
  return { beforeAll: nt.before, afterAll: nt.after, beforeEach: nt.beforeEach };
}

export function useRespite(options: UseRespiteOptions = {}): RespiteFixture {
  const { reset = 'never', hooks, ...serverOptions } = options;
  const h = runnerHooks(hooks);
  let server: RespiteServer | null = null;
  let starting: Promise<RespiteServer> | null = null;
  const started = (): RespiteServer => {
    if (server === null) {
      throw new Error('respite: the server starts in the before-all hook; use it inside tests (or await ready() in a hook)');
    }
    return server;
  };
  const ready = async (): Promise<RespiteServer> => server ?? (starting !== null ? starting : started());
  h.beforeAll(async () => {
    try {
      starting = startServer(serverOptions);
      server = await starting;
    } catch (e) {
      // jest's module sandbox refuses the dynamic import() that loads the Lua engine.
      if (e instanceof Error && /dynamic import callback/.test(e.message)) {
        throw new Error(
          'respite: jest needs NODE_OPTIONS=--experimental-vm-modules to load the Lua engine inside a test file ' +
            '(or start the servers with respite/testing/global-setup, outside the sandbox)',
        );
      }
      throw e;
    }
  });
  h.afterAll(async () => {
    await server?.close();
    server = null;
    starting = null;
  });
  if (reset === 'each') {
    if (h.beforeEach === undefined) throw new Error("respite: reset: 'each' needs the runner's beforeEach hook");
    h.beforeEach(async () => {
      const s = started();
      s.clock.unfreeze();
      await s.call('FLUSHALL');
    });
  }
  return {
    get server() {
      return started();
    },
    get port() {
      return started().port;
    },
    get host() {
      return started().host;
    },
    get url() {
      return started().url;
    },
    call: async (...args) => (await ready()).call(...args),
    ready,
    flush: async () => {
      await (await ready()).call('FLUSHALL');
    },
  };
}
