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

/**
 * The arguments as MONITOR and SLOWLOG show them: credentials replaced by "(redacted)", as
 * Redis's redactClientCommandArgument does for AUTH and HELLO ... AUTH.
 */
export function redacted(argv: string[]): string[] {
  const name = argv[0].toLowerCase();
  if (name === 'auth') return argv.map((a, i) => (i === 0 ? a : '(redacted)'));
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
