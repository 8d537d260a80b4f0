// respite-server as installed: the package's bin (dist/bundle/cli.js, also `npm start`) runs the
// one-file bundle rather than dist/src. The rest of the CLI tests run dist/src; this one checks
// what only the bundle could break: files found next to the modules they came from (the Lua
// worker for a long script, the dashboard's assets), config and data files, DEBUG RESTART.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './helpers/differential';
import { RespClient } from './helpers/resp-client';
import { until } from './helpers/replication';
import { Reply, SimpleString } from '../src/resp/reply';
import { ReplyError } from '../src/errors';

const text = (r: Reply | Error): string => (r instanceof SimpleString ? r.value : r instanceof ReplyError || r instanceof Error ? r.message : String(r));

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
const BIN = path.join(root, pkg.bin['respite-server']);

function start(args: string[], cwd: string) {
  const proc = spawn(BIN, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, exited };
}

test('the package bin and npm start run the bundled respite-server', () => {
  assert.equal(pkg.bin['respite-server'], 'dist/bundle/cli.js');
  assert.equal(pkg.scripts.start, 'node dist/bundle/cli.js');
  const st = fs.statSync(BIN);
  assert.ok(st.mode & 0o100, 'the bin is executable');
  assert.match(fs.readFileSync(BIN, 'latin1'), /^#!\/usr\/bin\/env node\n/);
});

test('bundled respite-server: config file, a long script on the worker VM, the dashboard, a save, DEBUG RESTART', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-bin-'));
  const [port, httpPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'respite.conf');
  fs.writeFileSync(conf, `port ${port}\nbusy-reply-threshold 100\nsave 3600 1\nenable-debug-command yes\n`);
  const s = start([conf, '--http-port', String(httpPort)], dir);
  try {
    await until('the server to start', async () => s.out().includes('Ready to accept connections'));
    const [a, b] = await Promise.all([RespClient.connect(port), RespClient.connect(port)]);
    try {
      assert.equal(text(await a.call('SET', 'k', 'v')), 'OK');
      assert.deepEqual(await a.call('CONFIG', 'GET', 'busy-reply-threshold'), ['busy-reply-threshold', '100']);
      // A read-only script past busy-reply-threshold moves to the worker VM (a file of dist/src):
      // others get -BUSY, and SCRIPT KILL stops it.
      const looping = a.call('EVAL', 'local i = 0 while true do i = i + 1 end', 0).catch((e: Error) => e);
      await until('the script to be reported busy', async () => text(await b.call('PING')).startsWith('BUSY'));
      assert.equal(text(await b.call('SCRIPT', 'KILL')), 'OK');
      assert.match(text(await looping), /Script killed by user/);
      assert.equal(text(await a.call('EVAL', "return redis.call('GET', KEYS[1])", 1, 'k')), 'v');
      const page = await fetch(`http://127.0.0.1:${httpPort}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script src="\/assets\/app\.js">/);
      const pid = text(await a.call('INFO', 'server'));
      // DEBUG RESTART saves, then starts again from the same command line, in the same process.
      a.write('*2\r\n$5\r\nDEBUG\r\n$7\r\nRESTART\r\n');
      await a.waitClose(5000);
      await until('the restarted server with the saved key', async () => {
        try {
          const c = await RespClient.connect(port);
          const v = text(await c.call('GET', 'k'));
          const info = text(await c.call('INFO', 'server'));
          c.close();
          return v === 'v' && /process_id:(\d+)/.exec(info)?.[1] === /process_id:(\d+)/.exec(pid)?.[1];
        } catch {
          return false;
        }
      });
      assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
    } finally {
      a.close();
      b.close();
    }
  } finally {
    s.proc.kill('SIGTERM');
    await s.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
