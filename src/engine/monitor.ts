// MONITOR feed: every command, as Redis prints it: +<unix time.micros> [<db> <addr>] "arg" ...
import { SimpleString } from '../resp/reply';
import type { Client } from './client';

/** Redis's sdscatrepr: a quoted string with C escapes for non-printable bytes. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += ch >= 0x20 && ch < 0x7f ? s[i] : `\\x${ch.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}

/** Parameters whose values CONFIG SET keeps out of logs (Redis's SENSITIVE_CONFIG). */
const SENSITIVE_CONFIG = new Set(['masteruser', 'masterauth', 'requirepass']);

/**
 * The arguments as MONITOR and SLOWLOG show them: credentials replaced by "(redacted)", as
 * Redis's redactClientCommandArgument does for AUTH, HELLO ... AUTH, ACL SETUSER (everything after
 * the subcommand), MIGRATE's AUTH/AUTH2 and CONFIG SET of sensitive parameters.
 */
export function redacted(argv: string[]): string[] {
  const name = argv[0].toLowerCase();
  if (name === 'auth') return argv.map((a, i) => (i === 0 ? a : '(redacted)'));
  if (name === 'acl' && argv.length >= 3 && argv[1].toLowerCase() === 'setuser') return argv.map((a, i) => (i < 2 ? a : '(redacted)'));
  if (name === 'migrate') {
    const out = argv.slice();
    for (let i = 6; i < out.length; i++) {
      const kw = out[i].toLowerCase();
      if (kw === 'auth' && i + 1 < out.length) out[++i] = '(redacted)';
      else if (kw === 'auth2' && i + 2 < out.length) {
        out[++i] = '(redacted)';
        out[++i] = '(redacted)';
      } else if (kw === 'keys') break;
    }
    return out;
  }
  if (name === 'config' && argv.length >= 4 && argv[1].toLowerCase() === 'set') {
    const out = argv.slice();
    for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE_CONFIG.has(out[i].toLowerCase())) out[i + 1] = '(redacted)';
    return out;
  }
  if (name === 'hello') {
    const out = argv.slice();
    for (let i = 2; i < out.length; i++) {
      if (out[i].toLowerCase() === 'auth' && i + 2 < out.length) {
        out[i + 1] = out[i + 2] = '(redacted)';
        i += 2;
      }
    }
    return out;
  }
  return argv;
}

export function feedMonitors(c: Client, argv: string[], origin?: string): void {
  const srv = c.server;
  const now = srv.clock.now();
  const micros = Math.floor((now % 1000) * 1000 + ((performance.now() * 1000) % 1000));
  const ts = `${Math.floor(now / 1000)}.${String(Math.min(999999, micros)).padStart(6, '0')}`;
  const where = origin ?? (c.addr ? c.addr : 'embedded');
  let line = `${ts} [${c.db.id} ${where}]`;
  for (const a of redacted(argv)) line += ' ' + repr(a);
  const msg = new SimpleString(line);
  for (const m of srv.monitors) m.push(msg);
}
