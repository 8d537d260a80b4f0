// TLS clients for tests: a RespClient over node:tls, and a PING that reports how it ended.
import * as tls from 'node:tls';
import { RespClient } from './resp-client';
import type { TestCerts } from './tls-certs';
import { ReplyError } from '../../src/errors';
import { SimpleString } from '../../src/resp/reply';

/** Client options trusting the test CA, optionally presenting one of the test certificates. */
export function clientOptions(certs: TestCerts, identity: string | null, extra: tls.ConnectionOptions = {}): tls.ConnectionOptions {
  return {
    host: '127.0.0.1',
    ca: certs.pem('ca.crt'),
    // The test certificates name no host; redis-cli does not check host names either.
    checkServerIdentity: () => undefined,
    ...(identity !== null ? { cert: certs.pem(`${identity}.crt`), key: certs.pem(`${identity}.key`) } : {}),
    ...extra,
  };
}

export function connectTls(port: number, options: tls.ConnectionOptions): Promise<{ client: RespClient; socket: tls.TLSSocket }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, port }, () => resolve({ client: new RespClient(socket), socket }));
    socket.once('error', reject);
  });
}

/**
 * Connects and sends PING: 'PONG', or 'refused: <reason>' when the handshake fails or the server
 * closes the connection (with TLSv1.3 a refused client certificate shows only after the client's
 * side of the handshake is done).
 */
export async function tlsPing(port: number, options: tls.ConnectionOptions): Promise<string> {
  let conn: { client: RespClient; socket: tls.TLSSocket };
  try {
    conn = await connectTls(port, options);
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
  try {
    const r = await Promise.race([
      conn.client.call('PING'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000)),
    ]);
    if (r instanceof SimpleString) return r.value;
    if (r instanceof ReplyError) return `error: ${r.message}`;
    return String(r);
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  } finally {
    conn.socket.destroy();
  }
}
