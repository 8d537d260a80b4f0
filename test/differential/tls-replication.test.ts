// Replication over TLS (tls-replication yes): the replica connects to its master's TLS port with
// its own certificate (the master checks it against its CA). respite from respite, respite from
// redis-server and redis-server from respite (Debian's redis-server is built with TLS); a replica
// whose certificate the master's CA did not sign never gets the link up. The redis-server cases
// skip when it is missing (failing under CI=true); everything skips without openssl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_SERVER, freePort, startReference } from '../helpers/differential';
import { NO_OPENSSL, OPENSSL, TestCerts, makeCerts, removeCerts } from '../helpers/tls-certs';
import { RespClient } from '../helpers/resp-client';
import { fillEveryType, info, picture, until } from '../helpers/replication';
import { startServer } from '../../src/index';

let certs: TestCerts | null = null;
if (OPENSSL) {
  certs = makeCerts();
  process.on('exit', () => removeCerts(certs));
}
const skip = certs === null ? NO_OPENSSL : false;
const skipRedis = skip || (REDIS_SERVER ? false : 'redis-server not found on PATH: TLS replication interop skipped (apt-get install redis-server)');

function material(c: TestCerts, name = 'redis') {
  return { cert: c.pem(`${name}.crt`), key: c.pem(`${name}.key`), ca: c.pem('ca.crt') };
}

async function linkUp(c: RespClient): Promise<void> {
  await until('the TLS link to come up', async () => info(await c.call('INFO', 'replication')).master_link_status === 'up');
}

test('a respite replica follows a respite master over TLS', { skip }, async () => {
  const c = certs!;
  // The master accepts only TLS clients with a certificate from the CA.
  const master = await startServer({ port: 0, tls: { port: 0, ...material(c) } });
  const m = await RespClient.connect(master.port);
  await fillEveryType(m, 'before');
  const replica = await startServer({ port: 0, tls: material(c, 'client'), tlsReplication: 'yes', replicaof: ['127.0.0.1', master.tlsPort] });
  const r = await RespClient.connect(replica.port);
  try {
    await linkUp(r);
    await fillEveryType(m, 'after');
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    assert.deepEqual(await picture(r), await picture(m));
    // Killing the link: it comes back over TLS and continues partially.
    await r.call('CLIENT', 'KILL', 'TYPE', 'master');
    await m.call('SET', 'while-away', '1');
    await until('the partial resync', async () => (await r.call('EXISTS', 'while-away')) === 1);
    assert.equal(info(await m.call('INFO', 'stats')).sync_partial_ok, '1');
  } finally {
    r.close();
    m.close();
    await replica.close();
    await master.close();
  }
});

test('a replica whose certificate the master does not trust never gets the link up', { skip }, async () => {
  const c = certs!;
  const master = await startServer({ port: 0, tls: { port: 0, ...material(c) } });
  // Its own self-signed CA: the master's CA did not sign its certificate, nor does it trust the master's.
  const other = makeCerts();
  const replica = await startServer({ port: 0, tls: material(other), tlsReplication: 'yes', replicaof: ['127.0.0.1', master.tlsPort] });
  const r = await RespClient.connect(replica.port);
  try {
    await new Promise((res) => setTimeout(res, 1500));
    const ri = info(await r.call('INFO', 'replication'));
    assert.equal(ri.master_link_status, 'down');
    assert.equal(info(await RespClient.connect(master.port).then(async (m) => {
      const v = await m.call('INFO', 'replication');
      m.close();
      return v;
    })).connected_slaves, '0');
  } finally {
    r.close();
    await replica.close();
    await master.close();
    removeCerts(other);
  }
});

test('respite replicates from redis-server over TLS, and redis-server from respite', { skip: skipRedis }, async () => {
  const c = certs!;
  const tlsArgs = ['--tls-cert-file', c.file('redis.crt'), '--tls-key-file', c.file('redis.key'), '--tls-ca-cert-file', c.file('ca.crt'), '--tls-replication', 'yes'];
  // redis-server as the master, on a TLS port.
  const refTlsPort = await freePort();
  const ref = await startReference(['--tls-port', String(refTlsPort), ...tlsArgs, '--repl-diskless-sync-delay', '0']);
  const rm = await RespClient.connect(ref.port);
  await fillEveryType(rm, 'ref');
  const replica = await startServer({ port: 0, tls: material(c, 'client'), tlsReplication: 'yes', replicaof: ['127.0.0.1', refTlsPort] });
  const r = await RespClient.connect(replica.port);
  // respite as the master of another redis-server, which connects to respite's TLS port.
  const master = await startServer({ port: 0, tls: { port: 0, ...material(c) } });
  const m = await RespClient.connect(master.port);
  await fillEveryType(m, 'respite');
  const ref2 = await startReference([...tlsArgs, '--replicaof', '127.0.0.1', String(master.tlsPort)]);
  const r2 = await RespClient.connect(ref2.port);
  try {
    await linkUp(r);
    assert.equal(await rm.call('WAIT', 1, 5000), 1);
    assert.deepEqual(await picture(r), await picture(rm));
    await linkUp(r2);
    await m.call('SET', 'after', '1');
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    assert.deepEqual(await picture(r2), await picture(m));
  } finally {
    for (const x of [r, rm, m, r2]) x.close();
    await replica.close();
    await master.close();
    await ref.stop();
    await ref2.stop();
  }
});
