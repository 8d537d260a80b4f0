// Test certificates made at test time with the openssl command (as Redis's
// utils/gen-test-certs.sh does): a CA, a general-purpose certificate, one restricted to client
// use, one restricted to server use, a second general certificate (to swap to), and the first
// one's key encrypted with a passphrase. Without openssl the TLS tests skip, except under
// CI=true where its absence fails the run.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const KEY_PASSPHRASE = 'secret-pass';

export interface TestCerts {
  dir: string;
  /** Absolute path of a file in dir. */
  file(name: string): string;
  /** Its PEM text. */
  pem(name: string): string;
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const OPENSSL = hasOpenssl();
export const NO_OPENSSL = 'openssl not found on PATH: TLS tests skipped (apt-get install openssl)';

if (!OPENSSL && process.env.CI === 'true') {
  throw new Error('CI=true but openssl is not installed: the TLS tests cannot make their certificates');
}

function openssl(dir: string, args: string[], input?: string): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'], input });
}

/** Makes the certificates in a fresh temporary directory. */
export function makeCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-tls-'));
  fs.writeFileSync(
    path.join(dir, 'openssl.cnf'),
    [
      '[ server_cert ]',
      'keyUsage = digitalSignature, keyEncipherment',
      'nsCertType = server',
      '[ client_cert ]',
      'keyUsage = digitalSignature, keyEncipherment',
      'nsCertType = client',
      '',
    ].join('\n'),
  );
  // EC keys are made in no time; the general certificate is RSA, for the RSA key exchange
  // ciphers (AES128-SHA256...) that the cipher tests use, as Redis's tests do.
  const ecKey = (file: string) => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  ecKey('ca.key');
  openssl(dir, ['req', '-x509', '-new', '-nodes', '-sha256', '-key', 'ca.key', '-days', '2', '-subj', '/O=respite test/CN=Test CA', '-out', 'ca.crt']);
  const cert = (name: string, cn: string, ext: string[], rsa = false) => {
    if (rsa) openssl(dir, ['genrsa', '-out', `${name}.key`, '2048']);
    else ecKey(`${name}.key`);
    openssl(dir, ['req', '-new', '-sha256', '-subj', `/O=respite test/CN=${cn}`, '-key', `${name}.key`, '-out', `${name}.csr`]);
    openssl(dir, [
      'x509', '-req', '-sha256', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', ...ext, '-out', `${name}.crt`,
    ]);
  };
  cert('redis', 'Generic-cert', [], true);
  cert('second', 'Second-cert', []);
  cert('client', 'Client-only', ['-extfile', 'openssl.cnf', '-extensions', 'client_cert']);
  cert('server', 'Server-only', ['-extfile', 'openssl.cnf', '-extensions', 'server_cert']);
  openssl(dir, ['rsa', '-in', 'redis.key', '-out', 'redis-enc.key', '-aes256', '-passout', `pass:${KEY_PASSPHRASE}`]);
  return {
    dir,
    file: (name) => path.join(dir, name),
    pem: (name) => fs.readFileSync(path.join(dir, name), 'latin1'),
  };
}

export function removeCerts(c: TestCerts | null): void {
  if (c !== null) fs.rmSync(c.dir, { recursive: true, force: true });
}
