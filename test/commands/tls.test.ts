// TLS through the embedded API and node:tls clients: both ports at once, tls-auth-clients,
// certificate reload on CONFIG SET, the errors for unusable files, protocols, ciphers, session
// resumption, moving the TLS port, and the TLS options respite uses when it connects out.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { RespiteServer, startServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';
import { RespClient } from '../helpers/resp-client';
import { KEY_PASSPHRASE, NO_OPENSSL, OPENSSL, TestCerts, makeCerts, removeCerts } from '../helpers/tls-certs';
import { clientOptions, connectTls, tlsPing } from '../helpers/tls-client';

let certs: TestCerts | null = null;

/** A server with a TLS port configured from the certificate files (as redis.conf would). */
async function fileServer(extra: Record<string, unknown> = {}, logs?: string[]): Promise<RespiteServer> {
  const c = certs!;
  return startServer({
    tls: {},
    tlsCertFile: c.file('redis.crt'),
    tlsKeyFile: c.file('redis.key'),
    tlsCaCertFile: c.file('ca.crt'),
    ...(logs ? { log: (line: string) => logs.push(line) } : {}),
    ...extra,
  });
}

function text(r: Reply): string {
  return r instanceof SimpleString ? r.value : String(r);
}

function peerCn(socket: tls.TLSSocket): string {
  return socket.getPeerCertificate().subject.CN as string;
}

async function configSet(s: RespiteServer, ...args: string[]): Promise<string> {
  const c = s.connect();
  try {
    const r = await c.send(['CONFIG', 'SET', ...args]);
    return r instanceof ReplyError ? r.message : String((r as { value?: string }).value ?? r);
  } finally {
    c.close();
  }
}

describe('TLS', { skip: OPENSSL ? false : NO_OPENSSL }, () => {
  before(() => {
    certs = makeCerts();
  });
  after(() => removeCerts(certs));

  test('startServer({ tls }) opens a TLS port beside the plain one; both serve the same data', async () => {
    const c = certs!;
    const s = await startServer({ tls: { cert: c.pem('redis.crt'), key: c.pem('redis.key'), ca: c.pem('ca.crt') } });
    try {
      assert.ok(s.tlsPort > 0 && s.port > 0 && s.tlsPort !== s.port);
      const { client, socket } = await connectTls(s.tlsPort, clientOptions(c, 'client'));
      assert.equal(socket.encrypted, true);
      assert.equal(text(await client.call('SET', 'k', 'over tls')), 'OK');
      const plain = await RespClient.connect(s.port);
      assert.equal(await plain.call('GET', 'k'), 'over tls');
      // CLIENT LIST shows both, each with its own local address (laddr) and a descriptor.
      const list = String(await plain.call('CLIENT', 'LIST'));
      assert.match(list, new RegExp(`laddr=127\\.0\\.0\\.1:${s.tlsPort} fd=\\d+ `));
      assert.match(list, new RegExp(`laddr=127\\.0\\.0\\.1:${s.port} fd=\\d+ `));
      assert.deepEqual(await s.call('CONFIG', 'GET', 'tls-port'), ['tls-port', String(s.tlsPort)]);
      socket.destroy();
      plain.close();
    } finally {
      await s.close();
    }
  });

  test('the cron checks each client\'s soft output limit once per pass, with a TLS port beside the plain one', async () => {
    const c = certs!;
    const s = await startServer({ tls: { cert: c.pem('redis.crt'), key: c.pem('redis.key'), ca: c.pem('ca.crt') } });
    try {
      const plain = await RespClient.connect(s.port);
      await plain.call('PING');
      const client = [...s.server.clients.values()].find((cl) => cl.kind === 'tcp');
      assert.ok(client !== undefined && client.checkOutputLimits !== null);
      const check = client.checkOutputLimits;
      let calls = 0;
      client.checkOutputLimits = () => {
        calls++;
        check();
      };
      s.server.runCron(3);
      assert.equal(calls, 3);
      plain.close();
    } finally {
      await s.close();
    }
  });

  test('a plain client on the TLS port is dropped', async () => {
    const s = await fileServer();
    try {
      const plain = await RespClient.connect(s.tlsPort);
      await assert.rejects(plain.call('PING'), /connection closed/);
    } finally {
      await s.close();
    }
  });

  test('tls-auth-clients: yes needs a client certificate, optional takes none but refuses a bad one, no asks for none', async () => {
    const c = certs!;
    const s = await fileServer();
    try {
      // Default yes.
      assert.deepEqual(await s.call('CONFIG', 'GET', 'tls-auth-clients'), ['tls-auth-clients', 'yes']);
      assert.match(await tlsPing(s.tlsPort, clientOptions(c, null)), /^refused/);
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, 'client')), 'PONG');
      // A certificate restricted to server use does not verify as a client's.
      assert.match(await tlsPing(s.tlsPort, clientOptions(c, 'server')), /^refused/);
      // Read for each new connection: no reload needed.
      assert.equal(await configSet(s, 'tls-auth-clients', 'optional'), 'OK');
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, null)), 'PONG');
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, 'client')), 'PONG');
      assert.match(await tlsPing(s.tlsPort, clientOptions(c, 'server')), /^refused/);
      assert.equal(await configSet(s, 'tls-auth-clients', 'no'), 'OK');
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, null)), 'PONG');
      assert.equal(await configSet(s, 'tls-auth-clients', 'yes'), 'OK');
      assert.match(await tlsPing(s.tlsPort, clientOptions(c, null)), /^refused/);
    } finally {
      await s.close();
    }
  });

  test('embedded tls without ca defaults to tls-auth-clients no; authClients sets it', async () => {
    const c = certs!;
    const s = await startServer({ port: null, tls: { cert: c.pem('redis.crt'), key: c.pem('redis.key') } });
    try {
      assert.equal(s.port, 0);
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, null)), 'PONG');
      // No plain port: INFO reports the TLS one, as redis-server does with port 0.
      assert.match(String(await s.call('INFO', 'server')), new RegExp(`tcp_port:${s.tlsPort}\\r\\n`));
    } finally {
      await s.close();
    }
    const o = await startServer({ tls: { cert: c.pem('redis.crt'), key: c.pem('redis.key'), ca: c.pem('ca.crt'), authClients: 'optional' } });
    try {
      assert.equal(await tlsPing(o.tlsPort, clientOptions(c, null)), 'PONG');
      assert.match(await tlsPing(o.tlsPort, clientOptions(c, 'server')), /^refused/);
    } finally {
      await o.close();
    }
    await assert.rejects(
      startServer({ tls: { cert: c.pem('redis.crt'), key: c.pem('redis.key'), authClients: 'yes' } }),
      /Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!/,
    );
  });

  test('CONFIG SET tls-cert-file / tls-key-file: new connections get the new certificate, open ones go on', async () => {
    const c = certs!;
    const s = await fileServer();
    try {
      const first = await connectTls(s.tlsPort, clientOptions(c, 'client'));
      assert.equal(peerCn(first.socket), 'Generic-cert');
      assert.equal(await configSet(s, 'tls-cert-file', c.file('second.crt'), 'tls-key-file', c.file('second.key')), 'OK');
      const second = await connectTls(s.tlsPort, clientOptions(c, 'client'));
      assert.equal(peerCn(second.socket), 'Second-cert');
      assert.equal(text(await second.client.call('PING')), 'PONG');
      assert.equal(text(await first.client.call('PING')), 'PONG');
      first.socket.destroy();
      second.socket.destroy();
    } finally {
      await s.close();
    }
  });

  test('CONFIG SET with an unusable file is refused with the old settings kept, and the reason logged', async () => {
    const c = certs!;
    const logs: string[] = [];
    const s = await fileServer({}, logs);
    try {
      const refused = 'ERR CONFIG SET failed (possibly related to argument';
      const text = (param: string) => `${refused} '${param}') - Unable to update TLS configuration. Check server logs.`;
      assert.equal(await configSet(s, 'tls-cert-file', '/nonexistent/redis.crt'), text('tls-cert-file'));
      assert.ok(logs.some((l) => l.includes('# Failed to load certificate: /nonexistent/redis.crt: error:80000002:system library::No such file or directory')), logs.join('\n'));
      // A key that does not match the certificate (both EC; the first parameter is named).
      assert.equal(await configSet(s, 'tls-cert-file', c.file('second.crt'), 'tls-key-file', c.file('client.key')), text('tls-cert-file'));
      assert.ok(logs.some((l) => /Failed to load private key: .*client\.key: error:05800074:x509 certificate routines::key values mismatch\n/.test(l)));
      // A CA file without certificates.
      assert.equal(await configSet(s, 'tls-ca-cert-file', c.file('ca.key')), text('tls-ca-cert-file'));
      assert.ok(logs.some((l) => l.includes('Failed to configure CA certificate(s) file/directory: error:05800088:x509 certificate routines::no certificate or crl found')));
      assert.equal(await configSet(s, 'tls-protocols', 'TLSv1.2 SSLv3'), text('tls-protocols'));
      assert.ok(logs.some((l) => l.includes("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")));
      assert.equal(await configSet(s, 'tls-ciphers', 'NO-SUCH-CIPHER'), text('tls-ciphers'));
      assert.ok(logs.some((l) => l.includes('Failed to configure ciphers: NO-SUCH-CIPHER')));
      assert.equal(await configSet(s, 'tls-ciphersuites', 'TLS_NO_SUCH_SUITE'), text('tls-ciphersuites'));
      assert.ok(logs.some((l) => l.includes('Failed to configure ciphersuites: TLS_NO_SUCH_SUITE')));
      assert.equal(await configSet(s, 'tls-dh-params-file', '/nonexistent/dh'), text('tls-dh-params-file'));
      assert.ok(logs.some((l) => l.includes('Failed to load /nonexistent/dh: No such file or directory')));
      assert.equal(await configSet(s, 'tls-dh-params-file', c.file('ca.crt')), text('tls-dh-params-file'));
      assert.ok(logs.some((l) => l.includes(`${c.file('ca.crt')}: failed to read DH params.`)));
      // Turning client authentication on for replication needs a CA like the rest.
      assert.equal(await configSet(s, 'tls-ca-cert-file', ''), text('tls-ca-cert-file'));
      // Nothing changed: the old values and certificate are in use.
      assert.deepEqual(await s.call('CONFIG', 'GET', 'tls-cert-file'), ['tls-cert-file', c.file('redis.crt')]);
      assert.deepEqual(await s.call('CONFIG', 'GET', 'tls-protocols'), ['tls-protocols', '']);
      const conn = await connectTls(s.tlsPort, clientOptions(c, 'client'));
      assert.equal(peerCn(conn.socket), 'Generic-cert');
      conn.socket.destroy();
    } finally {
      await s.close();
    }
  });

  test('without a TLS port nothing is rebuilt; CONFIG SET tls-port then needs usable settings', async () => {
    const c = certs!;
    const s = await startServer({});
    try {
      assert.equal(s.tlsPort, 0);
      // Stored only, as redis-server does while TLS is not in use.
      assert.equal(await configSet(s, 'tls-cert-file', '/nonexistent/redis.crt'), 'OK');
      assert.equal(
        await configSet(s, 'tls-port', '0'),
        'OK', // unchanged value: nothing applied
      );
      const port = await freeTcpPort();
      assert.equal(
        await configSet(s, 'tls-port', String(port)),
        "ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS configuration. Check server logs.",
      );
      assert.deepEqual(await s.call('CONFIG', 'GET', 'tls-port'), ['tls-port', '0']);
      assert.equal(
        await configSet(s, 'tls-port', String(port), 'tls-cert-file', c.file('redis.crt'), 'tls-key-file', c.file('redis.key'), 'tls-ca-cert-file', c.file('ca.crt')),
        'OK',
      );
      assert.equal(await tlsPing(port, clientOptions(c, 'client')), 'PONG');
      // Moving it, then closing it: the plain port is untouched.
      const other = await freeTcpPort();
      assert.equal(await configSet(s, 'tls-port', String(other)), 'OK');
      assert.equal(await tlsPing(other, clientOptions(c, 'client')), 'PONG');
      assert.match(await tlsPing(port, clientOptions(c, 'client')), /^refused/);
      assert.equal(await configSet(s, 'tls-port', '0'), 'OK');
      assert.match(await tlsPing(other, clientOptions(c, 'client')), /^refused/);
      const plain = await RespClient.connect(s.port);
      assert.equal(text(await plain.call('PING')), 'PONG');
      plain.close();
    } finally {
      await s.close();
    }
  });

  test('CONFIG SET tls-port to a port in use is refused and the TLS port stays', async () => {
    const c = certs!;
    const s = await fileServer();
    try {
      const busy = await RespClient.connect(s.port);
      assert.equal(
        await configSet(s, 'tls-port', String(s.port)),
        "ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.",
      );
      assert.deepEqual(await s.call('CONFIG', 'GET', 'tls-port'), ['tls-port', String(s.tlsPort)]);
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, 'client')), 'PONG');
      busy.close();
    } finally {
      await s.close();
    }
  });

  test('tls-protocols limits the versions offered', async () => {
    const c = certs!;
    const s = await fileServer({ tlsProtocols: 'TLSv1.2' });
    try {
      assert.match(await tlsPing(s.tlsPort, clientOptions(c, 'client', { minVersion: 'TLSv1.3' })), /^refused/);
      const conn = await connectTls(s.tlsPort, clientOptions(c, 'client'));
      assert.equal(conn.socket.getProtocol(), 'TLSv1.2');
      conn.socket.destroy();
      assert.equal(await configSet(s, 'tls-protocols', 'TLSv1.3'), 'OK');
      assert.match(await tlsPing(s.tlsPort, clientOptions(c, 'client', { maxVersion: 'TLSv1.2' })), /^refused/);
      const v13 = await connectTls(s.tlsPort, clientOptions(c, 'client'));
      assert.equal(v13.socket.getProtocol(), 'TLSv1.3');
      v13.socket.destroy();
      // Unset: TLSv1.2 and TLSv1.3.
      assert.equal(await configSet(s, 'tls-protocols', ''), 'OK');
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, 'client', { maxVersion: 'TLSv1.2' })), 'PONG');
    } finally {
      await s.close();
    }
  });

  test('tls-ciphers and tls-prefer-server-ciphers (TLSv1.2), tls-ciphersuites (TLSv1.3)', async () => {
    const c = certs!;
    const s = await fileServer({ tlsProtocols: 'TLSv1.2', tlsCiphers: 'DEFAULT:-AES128-SHA256' });
    try {
      const v12 = (ciphers: string) => clientOptions(c, 'client', { ciphers, maxVersion: 'TLSv1.2' });
      assert.match(await tlsPing(s.tlsPort, v12('AES128-SHA256')), /^refused/);
      assert.equal(await tlsPing(s.tlsPort, v12('AES256-SHA256')), 'PONG');
      assert.equal(await configSet(s, 'tls-ciphers', 'AES128-SHA256:AES256-SHA256'), 'OK');
      // The client's order wins by default, the server's with tls-prefer-server-ciphers yes.
      let conn = await connectTls(s.tlsPort, v12('AES256-SHA256:AES128-SHA256'));
      assert.equal(conn.socket.getCipher().standardName, 'TLS_RSA_WITH_AES_256_CBC_SHA256');
      conn.socket.destroy();
      assert.equal(await configSet(s, 'tls-prefer-server-ciphers', 'yes'), 'OK');
      conn = await connectTls(s.tlsPort, v12('AES256-SHA256:AES128-SHA256'));
      assert.equal(conn.socket.getCipher().standardName, 'TLS_RSA_WITH_AES_128_CBC_SHA256');
      conn.socket.destroy();
      assert.equal(await configSet(s, 'tls-protocols', 'TLSv1.3', 'tls-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'), 'OK');
      conn = await connectTls(s.tlsPort, clientOptions(c, 'client'));
      assert.equal(conn.socket.getCipher().name, 'TLS_CHACHA20_POLY1305_SHA256');
      conn.socket.destroy();
    } finally {
      await s.close();
    }
  });

  test('an encrypted key needs tls-key-file-pass', async () => {
    const c = certs!;
    const s = await fileServer();
    try {
      assert.match(await configSet(s, 'tls-key-file', c.file('redis-enc.key')), /Unable to update TLS configuration/);
      assert.equal(await configSet(s, 'tls-key-file-pass', KEY_PASSPHRASE), 'OK');
      assert.equal(await configSet(s, 'tls-key-file', c.file('redis-enc.key')), 'OK');
      assert.equal(await tlsPing(s.tlsPort, clientOptions(c, 'client')), 'PONG');
      // Sensitive like requirepass: CONFIG GET shows it, but it is redacted from SLOWLOG/MONITOR.
      assert.deepEqual(await s.call('CONFIG', 'GET', 'tls-key-file-pass'), ['tls-key-file-pass', KEY_PASSPHRASE]);
    } finally {
      await s.close();
    }
    const e = await startServer({ tls: { cert: c.pem('redis.crt'), key: c.pem('redis-enc.key'), passphrase: KEY_PASSPHRASE } });
    assert.equal(await tlsPing(e.tlsPort, clientOptions(c, null)), 'PONG');
    await e.close();
  });

  test('tls-session-caching: a session is resumed when caching is on, not when it is off', async () => {
    const c = certs!;
    // Connects twice, the second time offering the session the first one received.
    const resumed = async (port: number, opts: tls.ConnectionOptions): Promise<boolean> => {
      const session = await new Promise<Buffer>((resolve, reject) => {
        const socket = tls.connect({ ...opts, port }, () => {
          // TLSv1.3 sends its ticket after the handshake: a reply makes sure it arrived.
          socket.write('PING\r\n');
        });
        socket.once('session', (s: Buffer) => {
          resolve(s);
          socket.destroy();
        });
        socket.once('error', reject);
      });
      const again = await connectTls(port, { ...opts, session });
      const reused = again.socket.isSessionReused();
      again.socket.destroy();
      return reused;
    };
    const s = await fileServer();
    try {
      for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
        const opts = clientOptions(c, 'client', { maxVersion });
        assert.equal(await resumed(s.tlsPort, opts), true, `${maxVersion} with caching`);
      }
      assert.equal(await configSet(s, 'tls-session-caching', 'no'), 'OK');
      for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
        const opts = clientOptions(c, 'client', { maxVersion });
        assert.equal(await resumed(s.tlsPort, opts), false, `${maxVersion} without caching`);
      }
    } finally {
      await s.close();
    }
  });

  test('outgoing connections: tls-client-cert-file, else tls-cert-file, is the certificate shown', async () => {
    const c = certs!;
    // The peer requires client certificates and tells which one it saw.
    const peer = await fileServer();
    const s = await fileServer({ tlsAuthClients: 'no' });
    try {
      const connectOut = async (): Promise<string> => {
        const opts = s.server.tls!.clientOptions()!;
        const conn = await connectTls(peer.tlsPort, { ...opts, host: '127.0.0.1' });
        const pong = text(await conn.client.call('PING'));
        conn.socket.destroy();
        return pong;
      };
      assert.equal(await connectOut(), 'PONG');
      assert.equal(await configSet(s, 'tls-client-cert-file', c.file('client.crt'), 'tls-client-key-file', c.file('client.key')), 'OK');
      assert.equal(await connectOut(), 'PONG');
      // A client certificate restricted to server use is refused by the peer: proof it is used.
      assert.equal(await configSet(s, 'tls-client-cert-file', c.file('server.crt'), 'tls-client-key-file', c.file('server.key')), 'OK');
      await assert.rejects(connectOut());
      // A bad client key is reported like the server's.
      assert.match(await configSet(s, 'tls-client-key-file', '/nonexistent/client.key'), /Unable to update TLS configuration/);
    } finally {
      await s.close();
      await peer.close();
    }
  });

  test('MIGRATE goes over TLS with tls-cluster yes, presenting the client certificate', async () => {
    const c = certs!;
    // MIGRATE waits for the target synchronously (as redis-server does): the target is a process.
    const tlsPort = await freeTcpPort();
    const cli = path.join(__dirname, '..', '..', 'src', 'cli.js');
    const args = ['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', c.file('redis.crt'), '--tls-key-file', c.file('redis.key')];
    const proc = spawn(process.execPath, [cli, ...args, '--tls-ca-cert-file', c.file('ca.crt'), '--save', ''], { stdio: 'ignore' });
    const source = await fileServer({ tlsCluster: 'yes', tlsClientCertFile: c.file('client.crt'), tlsClientKeyFile: c.file('client.key') });
    try {
      for (let i = 0; (await tlsPing(tlsPort, clientOptions(c, 'client'))) !== 'PONG'; i++) {
        assert.ok(i < 200, 'target did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      await source.call('SET', 'moving', 'over tls');
      assert.equal(await source.call('MIGRATE', '127.0.0.1', tlsPort, 'moving', 0, 5000), 'OK');
      assert.equal(await source.call('EXISTS', 'moving'), 0);
      const check = await connectTls(tlsPort, clientOptions(c, 'client'));
      assert.equal(await check.client.call('GET', 'moving'), 'over tls');
      check.socket.destroy();
      // Without tls-cluster the plain protocol does not get through the TLS port.
      await source.call('SET', 'stays', 'here');
      await source.call('CONFIG', 'SET', 'tls-cluster', 'no');
      await assert.rejects(source.call('MIGRATE', '127.0.0.1', tlsPort, 'stays', 0, 1000), /IOERR/);
      assert.equal(await source.call('GET', 'stays'), 'here');
    } finally {
      await source.close();
      proc.kill('SIGKILL');
    }
  });

  test('startup with unusable TLS settings fails with the reason', async () => {
    const c = certs!;
    await assert.rejects(fileServer({ tlsCertFile: '/nonexistent/x.crt' }), {
      message: 'Failed to load certificate: /nonexistent/x.crt: error:80000002:system library::No such file or directory',
    });
    await assert.rejects(fileServer({ tlsKeyFile: '' }), { message: 'No tls-key-file configured!' });
    await assert.rejects(fileServer({ tlsCaCertFile: '', tlsAuthClients: 'yes' }), /^Error: Either tls-ca-cert-file/);
    // tls-replication alone puts TLS in use too.
    await assert.rejects(startServer({ tlsReplication: 'yes', tlsCertFile: c.file('redis.crt'), tlsKeyFile: c.file('redis.key') }), /Either tls-ca-cert-file/);
    // A CA directory is read for certificates.
    const d = await startServer({ tls: {}, tlsCertFile: c.file('redis.crt'), tlsKeyFile: c.file('redis.key'), tlsCaCertDir: c.dir });
    assert.equal(await tlsPing(d.tlsPort, clientOptions(c, 'client')), 'PONG');
    await d.close();
  });
});

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
