// respite-server with TLS, as redis-server is run: TLS only (port 0) and switching between the
// plain and TLS ports with CONFIG SET (Redis's unit/tls "switch between tcp and tls ports"), and
// the startup failures with redis-server's log lines and exit code.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort } from './helpers/differential';
import { RespClient } from './helpers/resp-client';
import { NO_OPENSSL, OPENSSL, TestCerts, makeCerts, removeCerts } from './helpers/tls-certs';
import { clientOptions, connectTls, tlsPing } from './helpers/tls-client';
import { Reply, SimpleString } from '../src/resp/reply';

const CLI = path.join(__dirname, '..', 'src', 'cli.js');

interface Proc {
  log(): string;
  exited: Promise<number | null>;
  kill(): void;
}

function launch(args: string[]): Proc {
  const proc = spawn(process.execPath, [CLI, '--save', '', '--bind', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { log: () => out, exited, kill: () => proc.kill('SIGTERM') };
}

async function until(what: string, cond: () => boolean, p: Proc): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`${what} did not happen; log:\n${p.log()}`);
}

function text(r: Reply): string {
  return r instanceof SimpleString ? r.value : String(r);
}

describe('respite-server with TLS', { skip: OPENSSL ? false : NO_OPENSSL }, () => {
  let certs: TestCerts | null = null;
  before(() => {
    certs = makeCerts();
  });
  after(() => removeCerts(certs));

  const files = () => [
    '--tls-cert-file', certs!.file('redis.crt'),
    '--tls-key-file', certs!.file('redis.key'),
    '--tls-ca-cert-file', certs!.file('ca.crt'),
  ];

  test('port 0 with a tls-port: TLS only; CONFIG SET moves between the TLS and plain ports', async () => {
    const c = certs!;
    const port = await freePort();
    const p = launch(['--port', '0', '--tls-port', String(port), ...files()]);
    try {
      await until('ready', () => p.log().includes('Ready to accept connections'), p);
      assert.match(p.log(), new RegExp(`Running mode=standalone, port=${port}\\.`));
      const tlsConn = await connectTls(port, clientOptions(c, 'client'));
      assert.match(String(await tlsConn.client.call('INFO', 'server')), new RegExp(`\\r\\ntcp_port:${port}\\r\\n`));
      // TLS off, plain on, on the same port number.
      assert.equal(text(await tlsConn.client.call('CONFIG', 'SET', 'tls-port', '0')), 'OK');
      assert.equal(text(await tlsConn.client.call('CONFIG', 'SET', 'port', String(port))), 'OK');
      tlsConn.socket.destroy();
      const plain = await RespClient.connect(port);
      assert.equal(text(await plain.call('PING')), 'PONG');
      // And back.
      assert.equal(text(await plain.call('CONFIG', 'SET', 'port', '0')), 'OK');
      assert.equal(text(await plain.call('CONFIG', 'SET', 'tls-port', String(port))), 'OK');
      plain.close();
      assert.equal(await tlsPing(port, clientOptions(c, 'client')), 'PONG');
    } finally {
      p.kill();
      await p.exited;
    }
  });

  test('unusable TLS settings stop the startup with the reason, as redis-server', async () => {
    const port = await freePort();
    const tlsPort = await freePort();
    const p = launch(['--port', String(port), '--tls-port', String(tlsPort), ...files(), '--tls-cert-file', '/nonexistent/redis.crt']);
    assert.equal(await p.exited, 1);
    assert.match(p.log(), /# Failed to load certificate: \/nonexistent\/redis\.crt: error:80000002:system library::No such file or directory\n.*# Failed to configure TLS\. Check logs for more info\.\n/);
    // tls-replication puts TLS in use without a TLS port.
    const q = launch(['--port', String(port), '--tls-replication', 'yes']);
    assert.equal(await q.exited, 1);
    assert.match(q.log(), /# No tls-cert-file configured!\n.*# Failed to configure TLS\. Check logs for more info\.\n/);
  });

  test('a TLS port in use stops the startup: Failed listening on port N (TLS)', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const p = launch(['--port', String(await freePort()), '--tls-port', String(port), ...files()]);
      assert.equal(await p.exited, 1);
      assert.match(p.log(), new RegExp(`# Failed listening on port ${port} \\(TLS\\), aborting\\.\\n`));
    } finally {
      busy.close();
    }
  });
});
