// Run as a child process by migrate-link.ts: sends MIGRATE's prepared commands to the target
// instance and reads one reply line per command, each step bounded by the timeout, then prints
// the outcome as JSON. A separate process lets the server wait for it synchronously, as Redis's
// MIGRATE blocks the server while it talks to the target.
import * as net from 'net';
import * as tls from 'tls';

interface Job {
  host: string;
  port: number;
  timeout: number;
  /** The RESP commands, latin1. */
  payload: string;
  /** How many reply lines to read. */
  expect: number;
  /** TLS options (tls-cluster), or null for plain TCP. */
  tls: tls.ConnectionOptions | null;
}

function finish(out: { lines: string[]; error: 'connect' | 'write' | 'read' | null }): void {
  process.stdout.write(JSON.stringify(out), () => process.exit(0));
}

function main(job: Job): void {
  const lines: string[] = [];
  let stage: 'connect' | 'write' | 'read' = 'connect';
  let buf = '';
  // Over TLS the handshake is part of connecting (a refused certificate is a connect error);
  // the target's certificate is checked against the CA, not its host name, as Redis does.
  const sock =
    job.tls === null
      ? net.connect({ host: job.host, port: job.port })
      : tls.connect({ ...job.tls, host: job.host, port: job.port, checkServerIdentity: () => undefined });
  let timer = setTimeout(() => fail(), job.timeout);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(), job.timeout);
  };
  let done = false;
  const fail = () => {
    if (done) return;
    done = true;
    sock.destroy();
    finish({ lines, error: stage });
  };
  sock.on('error', fail);
  sock.on('close', () => {
    if (!done) fail();
  });
  sock.on(job.tls === null ? 'connect' : 'secureConnect', () => {
    stage = 'write';
    rearm();
    sock.write(Buffer.from(job.payload, 'latin1'), () => {
      stage = 'read';
      rearm();
      if (job.expect === 0) {
        done = true;
        sock.destroy();
        finish({ lines, error: null });
      }
    });
  });
  sock.on('data', (d) => {
    rearm();
    buf += d.toString('latin1');
    let nl: number;
    while ((nl = buf.indexOf('\r\n')) >= 0 && lines.length < job.expect) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 2);
    }
    if (lines.length >= job.expect && !done) {
      done = true;
      clearTimeout(timer);
      sock.destroy();
      finish({ lines, error: null });
    }
  });
}

let input = '';
process.stdin.setEncoding('utf8'); // the JSON job (its payload string is latin1 inside)
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => main(JSON.parse(input) as Job));
