// A server with persistence (respite-server, or an embedded server given a dir) loads the Lua
// engine on first use only: one that runs no script never holds it (~4 MB). Each case runs in a
// child process, because the engine is loaded once per process.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const dist = path.join(__dirname, '..', '..', 'src');

/** Runs `body` (an async function body with startServer, inlineVm and dir in scope); returns its JSON. */
function inChild(dir: string, body: string): unknown {
  const src = `
    const { startServer } = require(${JSON.stringify(path.join(dist, 'index.js'))});
    const { inlineVm } = require(${JSON.stringify(path.join(dist, 'scripting', 'vm', 'inline-vm.js'))});
    const dir = ${JSON.stringify(dir)};
    (async () => { ${body} })().then((r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); }, (e) => { console.error(e); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', src], { encoding: 'utf8' }));
}

test('a server with persistence loads the Lua engine only when a script needs it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-lua-lazy-'));
  try {
    const r = inChild(
      dir,
      `const s = await startServer({ port: null, dir });
       const before = [await s.call('PING'), await s.call('SET', 'k', '1')];
       await new Promise((res) => setTimeout(res, 200));
       const idle = inlineVm() === null;
       const ev = await s.call('EVAL', "return redis.call('INCR', KEYS[1])", 1, 'k');
       const fn = await s.call('FUNCTION', 'LOAD', "#!lua name=lib\\nredis.register_function('f', function(k) return redis.call('GET', k[1]) end)");
       await s.call('SAVE');
       await s.close();
       return { before, idle, ev, fn, loaded: inlineVm() !== null };`,
    );
    assert.deepEqual(r, { before: ['PONG', 'OK'], idle: true, ev: 2, fn: 'lib', loaded: true });
    // A new process loads that RDB: its library is compiled at once (the engine made on the
    // spot), and FCALL runs it.
    const again = inChild(
      dir,
      `const s = await startServer({ port: null, dir });
       const loadedAtStart = inlineVm() !== null;
       const out = [await s.call('FCALL', 'f', 1, 'k'), await s.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'lib').then((l) => l.length)];
       await s.close();
       return { loadedAtStart, out };`,
    );
    assert.deepEqual(again, { loadedAtStart: true, out: ['2', 1] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
