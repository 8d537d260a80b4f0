// INFO memory's scripting fields: the same names in the same order as Redis 7.0, exact counts.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../../src/index';

const FIELDS = [
  'used_memory_lua',
  'used_memory_vm_eval',
  'used_memory_lua_human',
  'used_memory_scripts_eval',
  'number_of_cached_scripts',
  'number_of_functions',
  'number_of_libraries',
  'used_memory_vm_functions',
  'used_memory_vm_total',
  'used_memory_vm_total_human',
  'used_memory_functions',
  'used_memory_scripts',
  'used_memory_scripts_human',
];

function fields(info: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

test('INFO memory lists the scripting fields in Redis order, with exact counts', async () => {
  const s = await startServer({ port: null });
  try {
    const before = fields((await s.call('INFO', 'memory')) as string);
    const names = [...before.keys()];
    const at = names.indexOf('used_memory_lua');
    assert.deepEqual(names.slice(at, at + FIELDS.length), FIELDS);
    assert.equal(names[at - 1], 'total_system_memory_human');
    assert.equal(names[at + FIELDS.length], 'maxmemory');
    assert.equal(before.get('number_of_cached_scripts'), '0');
    assert.equal(before.get('used_memory_scripts'), '0');

    await s.call('EVAL', 'return 1', 0);
    await s.call('SCRIPT', 'LOAD', 'return 2');
    await s.call('FUNCTION', 'LOAD', "#!lua name=l1\nredis.register_function('f1', function() return 1 end)\nredis.register_function('f2', function() return 2 end)");
    await s.call('FUNCTION', 'LOAD', "#!lua name=l2\nredis.register_function('f3', function() return 3 end)");
    const after = fields((await s.call('INFO', 'memory')) as string);
    assert.equal(after.get('number_of_cached_scripts'), '2');
    assert.equal(after.get('number_of_functions'), '3');
    assert.equal(after.get('number_of_libraries'), '2');
    // Sources: two 8-byte scripts + their SHA1s.
    assert.equal(after.get('used_memory_scripts_eval'), String(2 * (40 + 8)));
    const fnBytes = Number(after.get('used_memory_functions'));
    assert.ok(fnBytes > 100, `used_memory_functions ${fnBytes}`);
    assert.equal(Number(after.get('used_memory_scripts')), 96 + fnBytes);
    const vm = Number(after.get('used_memory_vm_eval'));
    assert.ok(vm > 1024, `the Lua heap is measured (${vm})`);
    assert.equal(after.get('used_memory_lua'), String(vm));
    assert.equal(after.get('used_memory_vm_total'), String(vm + Number(after.get('used_memory_vm_functions'))));
    assert.match(after.get('used_memory_lua_human')!, /^\d+(\.\d+)?[BKMG]$/);

    // INFO from inside a script still answers (the VM is busy: last measured heap).
    const inner = (await s.call('EVAL', "return redis.call('INFO', 'memory')", 0)) as string;
    assert.equal(fields(inner).get('number_of_cached_scripts'), '3');

    await s.call('SCRIPT', 'FLUSH');
    await s.call('FUNCTION', 'FLUSH');
    const flushed = fields((await s.call('INFO', 'memory')) as string);
    for (const f of ['number_of_cached_scripts', 'number_of_functions', 'number_of_libraries', 'used_memory_scripts_eval', 'used_memory_functions', 'used_memory_scripts']) {
      assert.equal(flushed.get(f), '0', f);
    }
  } finally {
    await s.close();
  }
});
