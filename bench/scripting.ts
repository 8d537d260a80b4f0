// Scripting benchmark, redis-server and respite-server side by side in the same run:
// EVALSHA of a small fixed-window rate limiter (INCR + PEXPIRE on first hit + PTTL), and the same
// script sent as EVAL each time. redis-benchmark drives both, with and without pipelining.
// Usage: node dist/bench/scripting.js [--requests N]
import { execFileSync } from 'node:child_process';
import { runBenchmark } from './redis-benchmark';
import { BenchServer, machineInfo, startRedis, startRespite } from './servers';

const LIMITER = [
  "local n = redis.call('INCR', KEYS[1])",
  "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end",
  "local left = tonumber(ARGV[1]) - n",
  "return {n, left >= 0 and 1 or 0, redis.call('PTTL', KEYS[1])}",
].join(' ');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function measure(server: BenchServer, requests: number): Promise<Record<string, number>> {
  const sha = execFileSync('redis-cli', ['-p', String(server.port), 'SCRIPT', 'LOAD', LIMITER], { encoding: 'utf8' }).trim();
  const evalsha = ['EVALSHA', sha, '1', 'rl:__rand_int__', '100', '60000'];
  const evalCmd = ['EVAL', LIMITER, '1', 'rl:__rand_int__', '100', '60000'];
  const r: Record<string, number> = {};
  for (const [label, command] of [['EVALSHA', evalsha], ['EVAL', evalCmd]] as const) {
    for (const pipeline of [1, 16]) {
      r[`${label} P${pipeline}`] = await runBenchmark(
        { name: label, command: [...command] },
        { port: server.port, clients: 50, requests, pipeline, keyspace: 10_000 },
      );
    }
  }
  return r;
}

async function main(): Promise<void> {
  const requests = arg('--requests', 100_000);
  const redis = await startRedis();
  const respite = await startRespite();
  try {
    const a = await measure(redis, requests);
    const b = await measure(respite, requests);
    const info = machineInfo();
    console.log(`# scripting benchmark (${requests} requests, 50 clients, keyspace 10k) on ${info.cpu ?? ''}`);
    console.log('| test | redis-server | respite | ratio |');
    console.log('|---|---:|---:|---:|');
    for (const k of Object.keys(a)) console.log(`| ${k} | ${fmt(a[k])}/s | ${fmt(b[k])}/s | ${(b[k] / a[k]).toFixed(2)} |`);
  } finally {
    await respite.stop();
    await redis.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
