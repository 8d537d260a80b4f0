// REPLCONF rdb-filter-only (Redis 7.0): the RDB a full sync sends keeps only what the include
// filters name ("functions", or nothing at all). redis-cli --functions-rdb uses it; the reply
// texts are compared with redis-server's, the file redis-cli writes is loaded back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REDIS_CLI, differential, redisCli } from '../helpers/differential';
import { startServer } from '../../src/index';

differential('REPLCONF rdb-filter-only', (ctx) => {
  test('filters are checked as redis-server checks them, and a filtered SYNC needs the EOF capability', async () => {
    const p = await ctx.pair();
    await p.run('REPLCONF', 'rdb-filter-only', 'keys');
    await p.run('REPLCONF', 'rdb-filter-only', 'functions "unbalanced');
    await p.run('REPLCONF', 'rdb-filter-only', 'functions extra');
    await p.run('REPLCONF', 'rdb-filter-only', 'FUNCTIONS');
    await p.run('SYNC');
    await p.run('REPLCONF', 'rdb-filter-only', '');
    await p.run('SYNC');
  });
});

test('redis-cli --functions-rdb saves the functions without the keys; --rdb saves both', { skip: REDIS_CLI === null ? 'redis-cli not found' : false }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-rdb-filter-'));
  const s = await startServer({ port: 0, save: '' });
  try {
    await s.call('SET', 'k', 'v');
    await s.call('FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('func1', function() return 123 end)");
    for (const [flag, file] of [['--functions-rdb', 'functions.rdb'], ['--rdb', 'all.rdb']]) {
      const out = await redisCli(['-p', String(s.port), flag, path.join(dir, file)]);
      assert.match(out, /Transfer finished with success/);
    }
    for (const [file, keys] of [['functions.rdb', 0], ['all.rdb', 1]] as const) {
      const loaded = await startServer({ port: null, dir, dbfilename: file, save: '' });
      try {
        assert.equal(await loaded.call('DBSIZE'), keys, file);
        assert.equal(await loaded.call('FCALL', 'func1', '0'), 123, file);
      } finally {
        await loaded.close();
      }
    }
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
