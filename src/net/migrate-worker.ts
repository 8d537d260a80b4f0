// The worker thread behind MIGRATE (see migrate-link.ts): it owns the connections to target
// instances and keeps them open for reuse, as Redis caches MIGRATE's sockets (up to 64, each
// closed after 10 s unused). The server thread waits on a shared flag while this thread talks to
// the target, so MIGRATE stays synchronous for the server. Results go back through shared
// memory: the server thread is blocked and cannot receive messages meanwhile.
import * as net from 'net';
import * as tls from 'tls';
import { parentPort, workerData } from 'worker_threads';


import type { MigrateJob } from './migrate-layout';
import { RESULT_AT, SLOT_CACHED, SLOT_DONE, SLOT_ID, SLOT_LEN } from './migrate-layout';

const CACHE_MAX = 64;
const CACHE_TTL_MS = 10_000;

interface Cached {
  sock: net.Socket;
  lastUse: number;
  /** Bytes read and not yet consumed, and who waits for them. */
  buf: string;
  onData: (() => void) | null;
  onDown: (() => void) | null;
  dead: boolean;
}

type Stage = 'connect' | 'write' | 'read';
interface Outcome {
  lines: string[];
  error: Stage | null;
}

function start(shared: SharedArrayBuffer): void {
  const i32 = new Int32Array(shared);
  const bytes = new Uint8Array(shared);
  const cache = new Map<string, Cached>();
  const count = () => Atomics.store(i32, SLOT_CACHED, cache.size);

  const drop = (key: string, c: Cached) => {
    c.dead = true;
    c.sock.destroy();
    if (cache.get(key) === c) cache.delete(key);
    count();
  };

  const connect = (job: MigrateJob, key: string): Promise<Cached | null> =>
    new Promise((resolve) => {
      // Over TLS the handshake is part of connecting; the target's certificate is checked
      // against the CA, not its host name, as Redis does.
      const sock =
        job.tls === null
          ? net.connect({ host: job.host, port: job.port })
          : tls.connect({ ...job.tls, host: job.host, port: job.port, checkServerIdentity: () => undefined });
      sock.setNoDelay(true);
      const c: Cached = { sock, lastUse: Date.now(), buf: '', onData: null, onDown: null, dead: false };
      const timer = setTimeout(() => fail(), job.timeout);
      let settled = false;
      const fail = () => {
        c.dead = true;
        sock.destroy();
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(null);
        }
        if (cache.get(key) === c) cache.delete(key);
        count();
        c.onDown?.();
      };
      sock.on('error', fail);
      sock.on('close', fail);
      sock.on('data', (d) => {
        c.buf += d.toString('latin1');
        c.onData?.();
      });
      sock.on(job.tls === null ? 'connect' : 'secureConnect', () => {
        settled = true;
        clearTimeout(timer);
        // A full cache loses one socket at random to make room.
        if (cache.size >= CACHE_MAX) {
          const keys = [...cache.keys()];
          const victim = keys[Math.floor(Math.random() * keys.length)];
          drop(victim, cache.get(victim)!);
        }
        cache.set(key, c);
        count();
        resolve(c);
      });
    });

  const exchange = (job: MigrateJob, c: Cached): Promise<Outcome> =>
    new Promise((resolve) => {
      const lines: string[] = [];
      let stage: Stage = 'write';
      let done = false;
      let timer = setTimeout(() => finish(stage), job.timeout);
      const finish = (error: Stage | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        c.onData = null;
        c.onDown = null;
        resolve({ lines, error });
      };
      const take = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(stage), job.timeout);
        let nl: number;
        while (lines.length < job.expect && (nl = c.buf.indexOf('\r\n')) >= 0) {
          lines.push(c.buf.slice(0, nl));
          c.buf = c.buf.slice(nl + 2);
        }
        if (lines.length >= job.expect) finish(null);
      };
      c.onDown = () => finish(stage);
      c.onData = () => {
        if (stage === 'read') take();
      };
      c.buf = '';
      c.sock.write(job.payload, (err) => {
        if (err) return finish('write');
        stage = 'read';
        take();
      });
    });

  const run = async (job: MigrateJob): Promise<Outcome> => {
    const key = `${job.tls === null ? '' : 'tls:'}${job.host}:${job.port}`;
    let c = cache.get(key);
    const reused = c !== undefined && !c.dead;
    if (c === undefined || c.dead) {
      const fresh = await connect(job, key);
      if (fresh === null) return { lines: [], error: 'connect' };
      c = fresh;
    }
    c.lastUse = Date.now();
    let out = await exchange(job, c);
    if (out.error !== null) {
      drop(key, c);
      // A cached socket may have been closed by the target meanwhile: one retry on a new one.
      if (reused && out.lines.length === 0) {
        const fresh = await connect(job, key);
        if (fresh === null) return { lines: [], error: 'connect' };
        out = await exchange(job, fresh);
        if (out.error !== null) drop(key, fresh);
      }
    }
    return out;
  };

  parentPort!.on('message', (job: MigrateJob) => {
    void run(job).then((out) => {
      const text = Buffer.from(JSON.stringify(out), 'latin1');
      const room = bytes.length - RESULT_AT;
      const body = text.length <= room ? text : Buffer.from(JSON.stringify({ lines: [], error: 'read' }), 'latin1');
      bytes.set(body, RESULT_AT);
      Atomics.store(i32, SLOT_LEN, body.length);
      Atomics.store(i32, SLOT_ID, job.id);
      Atomics.store(i32, SLOT_DONE, 1);
      Atomics.notify(i32, SLOT_DONE);
    });
  });

  // Sockets unused for 10 s are closed (Redis's migrateCloseTimedoutSockets).
  setInterval(() => {
    const now = Date.now();
    for (const [key, c] of cache) if (now - c.lastUse > CACHE_TTL_MS) drop(key, c);
  }, 1000).unref();
}

if (parentPort !== null && workerData instanceof SharedArrayBuffer) start(workerData);
