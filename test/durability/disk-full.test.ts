// A full disk under the AOF: writes are refused with MISCONF (never acknowledged and dropped),
// reads go on. Needs a small tmpfs, so it runs as root (CI) and skips where mount is refused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';

function mountTinyTmpfs(): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const dir = mountTinyTmpfs();

test('AOF on a full disk: writes get MISCONF, reads still work', { skip: dir === null ? 'cannot mount a tmpfs here (needs root)' : false }, async () => {
  const cwd = process.cwd();
  const s = await startServer({ port: 0, dir: dir!, appendonly: 'yes', appendfsync: 'always' });
  const c = await RespClient.connect(s.port);
  try {
    const acked: string[] = [];
    let refused = '';
    for (let i = 0; i < 200 && refused === ''; i++) {
      const r = await c.callRaw('SET', `k${i}`, 'x'.repeat(20000));
      if (r.raw[0] === 45) refused = r.raw.toString();
      else acked.push(`k${i}`);
    }
    assert.equal(refused, '-MISCONF Errors writing to the AOF file: No space left on device\r\n');
    assert.ok(acked.length > 0);
    // Every acknowledged write is still readable; further writes keep being refused.
    for (const k of acked) assert.equal(((await c.call('GET', k)) as string).length, 20000);
    assert.match((await c.callRaw('SET', 'more', '1')).raw.toString(), /^-MISCONF/);
    const info = String(await c.call('INFO', 'persistence'));
    assert.match(info, /aof_last_write_status:err/);
  } finally {
    c.close();
    await s.close();
    // `dir` makes the process chdir into it, as redis-server does: step out before unmounting.
    process.chdir(os.tmpdir());
    execFileSync('umount', [dir!]);
    fs.rmSync(dir!, { recursive: true, force: true });
    process.chdir(cwd);
  }
});
