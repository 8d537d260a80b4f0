// respite-server --http-port: the dashboard and /metrics from the command line; a port that is
// taken stops the startup with an error.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort } from '../helpers/differential';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');

function start(args: string[]): { out: () => string; exited: Promise<number | null>; kill: () => void } {
  const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  return { out: () => out, exited: new Promise((r) => p.on('exit', (code) => r(code))), kill: () => p.kill('SIGTERM') };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cond(), what);
}

test('respite-server --http-port serves /metrics and the dashboard, and logs where', async () => {
  const [port, httpPort] = [await freePort(), await freePort()];
  const p = start(['--port', String(port), '--http-port', String(httpPort), '--save', '']);
  try {
    await until(() => p.out().includes('Dashboard and /metrics listening'), `log line in ${p.out()}`);
    assert.match(p.out(), new RegExp(`http://127\\.0\\.0\\.1:${httpPort}/`));
    const m = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
    assert.equal(m.status, 200);
    assert.match(await m.text(), new RegExp(`^redis_instance_info\\{.*tcp_port="${port}".*\\} 1$`, 'm'));
    const page = await fetch(`http://127.0.0.1:${httpPort}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="\/assets\/app\.js">/);
  } finally {
    p.kill();
    await p.exited;
  }
});

test('respite-server refuses to start when the HTTP port is taken', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const taken = (blocker.address() as net.AddressInfo).port;
  try {
    const p = start(['--port', String(await freePort()), '--http-port', String(taken), '--save', '']);
    const code = await p.exited;
    assert.notEqual(code, 0);
    assert.match(p.out(), new RegExp(`Could not create the dashboard's HTTP listening socket 127\\.0\\.0\\.1:${taken}: .*EADDRINUSE`));
    assert.doesNotMatch(p.out(), /TCP/);
  } finally {
    blocker.close();
  }
});
