#!/usr/bin/env node
// respite-server [/path/to/redis.conf] [--option value ...], like redis-server.
import { startServer } from './index';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith('--')) continue;
    opts[args[i].slice(2)] = args[i + 1];
    i++;
  }
  const port = opts.port !== undefined ? Number(opts.port) : 6379;
  delete opts.port;
  const s = await startServer({ ...opts, port, log: true });
  s.server.log.notice('Ready to accept connections');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
