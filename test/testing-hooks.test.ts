// useRespite() with the user's own before-all hook after it: node:test on Node 20 starts root
// hooks without waiting for the previous one, so the fixture's calls wait for the server.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { useRespite } from '../src/testing';

const redis = useRespite();
let portSeenInHook = 0;

before(async () => {
  await redis.call('SET', 'seed', 'from-hook');
  portSeenInHook = (await redis.ready()).port;
});

test("a before-all hook registered after useRespite() can use the server", async () => {
  assert.equal(await redis.call('GET', 'seed'), 'from-hook');
  assert.equal(portSeenInHook, redis.port);
});
