// The fuzzers, briefly and with a fixed seed (npm run fuzz runs them longer): random and mutated
// RESP frames against a live server, RESTORE of corrupted payloads of every type, corrupted and
// truncated RDB/AOF files at startup. Any failure prints the seed and the input that caused it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { fuzzRestore } from './restore-fuzz';
import { fuzzResp } from './resp-fuzz';
import { fuzzStartup } from './startup-fuzz';

const SEED = 20261204;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

test('fuzz: RESTORE of corrupted, re-signed payloads of every type', async () => {
  // A fixed number of inputs (the time limit is only a guard): the same inputs on every run.
  const r = await fuzzRestore({ seed: SEED, ms: 30_000, maxInputs: 150 });
  assert.ok(r.inputs === 150 && r.accepted > 0 && r.rejected > 0, JSON.stringify(r));
  assert.deepEqual(r.failures, []);
});

test('fuzz: truncated and corrupted RDB and AOF files at startup', async () => {
  const r = await fuzzStartup({ seed: SEED, ms: 30_000, maxInputs: 10, port: await freePort(), cliEvery: 5 });
  assert.ok(r.inputs === 10 && r.accepted > 0 && r.rejected > 0, JSON.stringify(r));
  assert.deepEqual(r.failures, []);
});

test('fuzz: random and mutated RESP frames against a live server', async () => {
  const r = await fuzzResp({ seed: SEED, ms: 2000, port: await freePort() });
  assert.ok(r.inputs > 100, JSON.stringify(r));
  assert.deepEqual(r.failures, []);
});
