// Turns the tls-* parameters into Node TLS context options, checking them in the order
// redis-server does (certificate, key, CA, ciphers, ciphersuites, DH parameters, then the
// client-side certificate) and failing with the line redis-server logs for the first problem.
// The result is all-or-nothing: a failure leaves the caller's previous settings in place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import type { Config } from '../config/config';
import { strerror } from '../config/special';
import { nodeCrypto, nodeTls } from '../util/builtins';

/** PEM material given directly (the embedded API): stands in for an unset file parameter. */
export interface TlsMaterial {
  cert?: string | Buffer;
  key?: string | Buffer;
  ca?: string | Buffer | (string | Buffer)[];
  passphrase?: string;
}

export interface TlsSettings {
  /** Options for the listening side (tls.Server / setSecureContext). */
  server: tls.SecureContextOptions;
  /** Options for connections respite opens: tls-client-cert-file/key-file, else tls-cert-file. */
  client: tls.SecureContextOptions;
  sessionCaching: boolean;
  sessionCacheSize: number;
  sessionCacheTimeout: number;
}

/** One line for the log, as redis-server words it. */
export class TlsConfigError extends Error {}

/** The protocol names with the OpenSSL option that turns each off (a function: node:crypto loads on first use). */
function protocols(): [string, string, number][] {
  const c = nodeCrypto().constants;
  return [
    ['tlsv1', 'TLSv1', c.SSL_OP_NO_TLSv1],
    ['tlsv1.1', 'TLSv1.1', c.SSL_OP_NO_TLSv1_1],
    ['tlsv1.2', 'TLSv1.2', c.SSL_OP_NO_TLSv1_2],
    ['tlsv1.3', 'TLSv1.3', c.SSL_OP_NO_TLSv1_3],
  ];
}

/** The text OpenSSL 3 gives a failed system call (ERR_LIB_SYS packs the errno). */
function systemError(e: unknown): string {
  const errno = Math.abs((e as NodeJS.ErrnoException).errno ?? 0);
  const code = ((0x80000000 | errno) >>> 0).toString(16).toUpperCase();
  return `error:${code}:system library::${strerror(e)}`;
}

function readFile(file: string, what: (reason: string) => string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    // A directory reads as nothing, which the PEM decoder then refuses, as OpenSSL does.
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') return Buffer.alloc(0);
    throw new TlsConfigError(what(systemError(e)));
  }
}

/** Runs a Node context build, turning its OpenSSL error into the log line. */
function check(options: tls.SecureContextOptions, what: (reason: string) => string): void {
  try {
    nodeTls().createSecureContext(options);
  } catch (e) {
    throw new TlsConfigError(what(e instanceof Error ? e.message : String(e)));
  }
}

/** tls-protocols: words separated by single spaces; unset means TLSv1.2 and TLSv1.3. */
function protocolOptions(value: string): Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion'> & { secureOptions: number } {
  if (value === '') return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', secureOptions: 0 };
  const wanted = new Set<string>();
  for (const word of value.split(' ')) {
    const p = protocols().find(([lower]) => lower === word.toLowerCase());
    if (p === undefined) {
      throw new TlsConfigError("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    }
    wanted.add(p[1]);
  }
  // The whole range is open and the versions left out are switched off, so a set with gaps
  // ("TLSv1 TLSv1.2") means exactly what it says.
  let secureOptions = 0;
  for (const [, name, off] of protocols()) if (!wanted.has(name)) secureOptions |= off;
  return { minVersion: 'TLSv1', maxVersion: 'TLSv1.3', secureOptions };
}

/** PEM blocks of a CA bundle: certificates go to `ca`, revocation lists to `crl`. */
function splitPem(text: string): { certs: string[]; crls: string[] } {
  const certs: string[] = [];
  const crls: string[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1] === 'CERTIFICATE' || m[1] === 'TRUSTED CERTIFICATE' || m[1] === 'X509 CERTIFICATE') certs.push(m[0]);
    else if (m[1] === 'X509 CRL') crls.push(m[0]);
  }
  return { certs, crls };
}

const NO_CERT_OR_CRL = 'error:05800088:x509 certificate routines::no certificate or crl found';

/**
 * tls-ca-cert-file and tls-ca-cert-dir. A file must hold at least one certificate or CRL. A
 * directory is read whole (OpenSSL looks certificates up there by hashed names; every file that
 * holds certificates is taken here); one that does not exist gives no certificates, which is
 * accepted as redis-server accepts it (clients then fail verification).
 */
function loadCa(cfg: Config, material: TlsMaterial | null): { ca: string[]; crl: string[] } | null {
  const file = cfg.get('tls-ca-cert-file');
  const dir = cfg.get('tls-ca-cert-dir');
  const ca: string[] = [];
  const crl: string[] = [];
  const fail = (reason: string) => `Failed to configure CA certificate(s) file/directory: ${reason}`;
  if (file !== '') {
    const found = splitPem(readFile(file, fail).toString('latin1'));
    if (found.certs.length === 0 && found.crls.length === 0) throw new TlsConfigError(fail(NO_CERT_OR_CRL));
    ca.push(...found.certs);
    crl.push(...found.crls);
  }
  if (dir !== '') {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      names = [];
    }
    for (const name of names) {
      let text: string;
      try {
        text = fs.readFileSync(path.join(dir, name), 'latin1');
      } catch {
        continue; // subdirectories, unreadable entries: skipped as OpenSSL's lookup would
      }
      const found = splitPem(text);
      ca.push(...found.certs);
      crl.push(...found.crls);
    }
  }
  if (file === '' && dir === '') {
    if (material?.ca === undefined) return null;
    const list = Array.isArray(material.ca) ? material.ca : [material.ca];
    for (const pem of list) ca.push(...splitPem(Buffer.isBuffer(pem) ? pem.toString('latin1') : pem).certs);
    if (ca.length === 0) throw new TlsConfigError(fail(NO_CERT_OR_CRL));
  }
  return { ca, crl };
}

function pem(v: string | Buffer | undefined): Buffer | undefined {
  return v === undefined ? undefined : Buffer.isBuffer(v) ? v : Buffer.from(v, 'latin1');
}

/** Certificate and key of one side (server or client), checked like redis-server loads them. */
function loadIdentity(certFile: string, keyFile: string, pass: string, material: TlsMaterial | null): { cert: Buffer; key: Buffer; passphrase?: string } {
  const certName = certFile !== '' ? certFile : '(embedded certificate)';
  const keyName = keyFile !== '' ? keyFile : '(embedded key)';
  const certFail = (reason: string) => `Failed to load certificate: ${certName}: ${reason}`;
  const keyFail = (reason: string) => `Failed to load private key: ${keyName}: ${reason}`;
  const cert = certFile !== '' ? readFile(certFile, certFail) : pem(material?.cert)!;
  check({ cert }, certFail);
  const key = keyFile !== '' ? readFile(keyFile, keyFail) : pem(material?.key)!;
  const passphrase = pass !== '' ? pass : keyFile === '' ? material?.passphrase : undefined;
  check({ cert, key, passphrase }, keyFail);
  return passphrase === undefined ? { cert, key } : { cert, key, passphrase };
}

/**
 * Reads and checks every tls-* parameter. Throws TlsConfigError with redis-server's log line for
 * the first problem.
 */
export function buildTlsSettings(cfg: Config, material: TlsMaterial | null): TlsSettings {
  const certFile = cfg.get('tls-cert-file');
  const keyFile = cfg.get('tls-key-file');
  if (certFile === '' && material?.cert === undefined) throw new TlsConfigError('No tls-cert-file configured!');
  if (keyFile === '' && material?.key === undefined) throw new TlsConfigError('No tls-key-file configured!');
  const needCa = cfg.get('tls-auth-clients') !== 'no' || cfg.bool('tls-cluster') || cfg.bool('tls-replication');
  const noCa = cfg.get('tls-ca-cert-file') === '' && cfg.get('tls-ca-cert-dir') === '' && material?.ca === undefined;
  if (needCa && noCa) {
    throw new TlsConfigError(
      'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
    );
  }
  const protocols = protocolOptions(cfg.get('tls-protocols'));

  const identity = loadIdentity(certFile, keyFile, cfg.get('tls-key-file-pass'), material);
  const trust = loadCa(cfg, material);

  // Unset tls-ciphers means OpenSSL's own default list, as redis-server leaves it; unset
  // tls-ciphersuites leaves OpenSSL's TLSv1.3 defaults (Node passes TLS_* names to that list).
  const ciphers = cfg.get('tls-ciphers');
  const suites = cfg.get('tls-ciphersuites');
  const cipherList = ciphers !== '' ? ciphers : 'DEFAULT';
  check({ ciphers: cipherList }, () => `Failed to configure ciphers: ${ciphers}`);
  if (suites !== '') {
    const notSuite = suites.split(':').some((s) => s !== '' && !s.startsWith('TLS_'));
    if (notSuite) throw new TlsConfigError(`Failed to configure ciphersuites: ${suites}`);
    check({ ciphers: `DEFAULT:${suites}` }, () => `Failed to configure ciphersuites: ${suites}`);
  }

  const caching = cfg.bool('tls-session-caching');
  const timeout = cfg.int('tls-session-cache-timeout');
  const common: tls.SecureContextOptions = {
    ...protocols,
    ...(trust !== null ? { ca: trust.ca, ...(trust.crl.length ? { crl: trust.crl } : {}) } : {}),
    ciphers: suites !== '' ? `${cipherList}:${suites}` : cipherList,
    // Without session caching there are no tickets either (stateless resumption).
    secureOptions: protocols.secureOptions | (caching ? 0 : nodeCrypto().constants.SSL_OP_NO_TICKET),
  };

  const server: tls.SecureContextOptions = {
    ...common,
    ...identity,
    honorCipherOrder: cfg.bool('tls-prefer-server-ciphers'),
    sessionIdContext: 'redis',
    ...(timeout > 0 ? { sessionTimeout: timeout } : {}),
    dhparam: loadDhParams(cfg.get('tls-dh-params-file')),
  };
  check(server, (reason) => `Failed to configure TLS: ${reason}`);

  // The certificate shown when respite connects out: the client pair when both are set.
  const clientCert = cfg.get('tls-client-cert-file');
  const clientKey = cfg.get('tls-client-key-file');
  let client: tls.SecureContextOptions = { ...common, ...identity };
  if (clientCert !== '' && clientKey !== '') {
    client = { ...common, ...loadIdentity(clientCert, clientKey, cfg.get('tls-client-key-file-pass'), null) };
  }
  return {
    server,
    client,
    sessionCaching: caching,
    sessionCacheSize: cfg.int('tls-session-cache-size'),
    sessionCacheTimeout: timeout,
  };
}

/** tls-dh-params-file: PEM DH parameters; unset lets OpenSSL pick them ('auto'). */
function loadDhParams(file: string): Buffer | 'auto' {
  if (file === '') return 'auto';
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EISDIR') throw new TlsConfigError(`Failed to load ${file}: ${strerror(e)}`);
    data = Buffer.alloc(0);
  }
  // Node drops parameters it cannot read without a word: check for them first.
  if (!/-----BEGIN (X9\.42 )?DH PARAMETERS-----/.test(data.toString('latin1'))) {
    throw new TlsConfigError(`${file}: failed to read DH params.`);
  }
  check({ dhparam: data }, (reason) => `Failed to load DH params file: ${file}: ${reason}`);
  return data;
}
