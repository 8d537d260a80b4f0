// Feature flags with per-user rollout, stored in Redis (see flags.mjs): a kill switch, a
// percentage, and allow/deny lists per flag, read by every app process in one round trip.
//
//   node examples/feature-flags/app.mjs            # an embedded respite, a short demo
//   REDIS_URL=redis://127.0.0.1:6379 node examples/feature-flags/app.mjs
import Redis from 'ioredis';
import { pathToFileURL } from 'node:url';
import { startServer } from 'respite';
import { FlagStore } from './flags.mjs';

export { FlagStore, bucketOf } from './flags.mjs';

/** The demo: `node examples/feature-flags/app.mjs`. Tests call it with their own `log`. */
export async function main(log = console.log) {
  const server = process.env.REDIS_URL ? null : await startServer({ port: 0 });
  const redis = new Redis(process.env.REDIS_URL ?? `redis://127.0.0.1:${server.port}`);
  try {
    const flags = new FlagStore(redis, 'demo:flag:', 'demo:flags');
    await flags.define('new-checkout', { rollout: 10, description: 'the one-page checkout', allow: ['staff-1'] });
    const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    const count = async () => (await flags.enabledFor('new-checkout', users)).filter(Boolean).length;
    log('rollout 10%:', await count(), 'of 1000 users; staff-1:', await flags.isEnabled('new-checkout', 'staff-1'));
    await flags.setRollout('new-checkout', 50);
    log('rollout 50%:', await count(), 'of 1000 users');
    await flags.setEnabled('new-checkout', false);
    log('kill switch:', await count(), 'of 1000 users; staff-1:', await flags.isEnabled('new-checkout', 'staff-1'));
    await flags.remove('new-checkout');
  } finally {
    redis.disconnect();
    await server?.close();
  }
}

// Run only as a program, not when imported (no top-level await: tests require() this module).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
