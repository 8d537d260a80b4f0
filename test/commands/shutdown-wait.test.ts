// SHUTDOWN waits for replicas that are behind (Redis 7.0's shutdown-timeout): writes pause, the
// SHUTDOWN client waits, INFO shows shutdown_in_milliseconds, SHUTDOWN ABORT cancels it (the
// waiting client gets Redis's error), and an ACK of the whole stream lets the shutdown finish.
// The replica here is a bare socket that acknowledges only when told to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { startServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';
import { info, until } from '../helpers/replication';
import { Reply, SimpleString } from '../../src/resp/reply';
import { ReplyError } from '../../src/errors';

const str = (r: Reply) => (r instanceof SimpleString ? r.value : String(r));

test('SHUTDOWN waits for a replica behind, ABORT cancels, a full ACK lets it finish', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-shutdown-wait-'));
  const logfile = path.join(dir, 'log');
  const s = await startServer({ port: 0, save: '', logfile, 'shutdown-timeout': '300' });
  const replica = net.connect(s.port, '127.0.0.1');
  const connected = new Promise<void>((r) => replica.once('connect', () => r()));
  replica.on('data', () => {});
  const a = await RespClient.connect(s.port);
  const b = await RespClient.connect(s.port);
  try {
    await connected;
    replica.write('SYNC\r\n');
    const offset = async () => Number(info(await b.call('INFO', 'replication')).master_repl_offset);
    await until('the replica to be attached', async () => info(await b.call('INFO', 'replication')).connected_slaves === '1');
    await b.call('SET', 'k', 'v');
    // Behind: SHUTDOWN waits, and says so.
    const first = a.call('SHUTDOWN', 'NOSAVE');
    await until('the shutdown to wait', async () => Number(info(await b.call('INFO', 'server')).shutdown_in_milliseconds ?? 0) > 0);
    const clients = info(await b.call('INFO', 'clients'));
    assert.equal(clients.blocked_clients, '1');
    // a and b: the replica is not a client here, as in Redis (connected_slaves counts it).
    assert.equal(clients.connected_clients, '2');
    assert.match(fs.readFileSync(logfile, 'latin1'), /Waiting for replicas before shutting down\./);
    assert.equal(str(await b.call('SHUTDOWN', 'ABORT')), 'OK');
    const answer = await first;
    assert.ok(answer instanceof ReplyError && answer.message === 'ERR Errors trying to SHUTDOWN. Check logs.', String(answer));
    assert.match(fs.readFileSync(logfile, 'latin1'), /Shutdown manually aborted\./);
    assert.equal(info(await b.call('INFO', 'server')).shutdown_in_milliseconds, undefined);
    assert.equal(str(await b.call('SET', 'k2', 'v')), 'OK', 'writes resume');
    // Again; the replica acknowledges everything and the server goes.
    void a.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    await until('the shutdown to wait again', async () => Number(info(await b.call('INFO', 'server')).shutdown_in_milliseconds ?? 0) > 0);
    replica.write(`REPLCONF ACK ${await offset()}\r\n`);
    await until('the server to stop', async () => b.closed);
    assert.match(fs.readFileSync(logfile, 'latin1'), /1 of 1 replicas are in sync when shutting down\./);
  } finally {
    replica.destroy();
    a.close();
    b.close();
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
