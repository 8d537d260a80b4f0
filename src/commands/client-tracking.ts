// CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO: client-side caching (src/tracking/),
// with Redis 7.0's replies and error texts. Spread into the CLIENT subcommand list.
import type { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { ReplyError, SYNTAX, errorf } from '../errors';
import { MapReply, OK, Reply, SetReply } from '../resp/reply';
import { int64Arg, is } from './args';
import { resetClientHooks } from './client-hooks';
import { countError } from '../engine/dispatcher';
import { CommandDef } from './registry';
import type { TrackingOptions } from '../tracking/tracking';

const REDIRECT_MISSING = errorf('ERR The client ID you want redirect to does not exist');

function tracking(c: Client, argv: string[]): Reply {
  const o: TrackingOptions = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const a = argv[j];
    if (is(a, 'REDIRECT') && more) {
      j++;
      if (o.redirect !== 0) return errorf('ERR A client can only redirect to a single other client');
      const id = int64Arg(argv[j]);
      // The client must exist now (it may still go away later: a "broken" redirect).
      if (typeof id !== 'number' || !c.server.clients.has(id)) return REDIRECT_MISSING;
      o.redirect = id;
    } else if (is(a, 'BCAST')) o.bcast = true;
    else if (is(a, 'OPTIN')) o.optin = true;
    else if (is(a, 'OPTOUT')) o.optout = true;
    else if (is(a, 'NOLOOP')) o.noloop = true;
    else if (is(a, 'PREFIX') && more) o.prefixes.push(argv[++j]);
    else return SYNTAX;
  }
  if (is(argv[2], 'OFF')) {
    c.server.tracking.disable(c);
    return OK;
  }
  if (!is(argv[2], 'ON')) return SYNTAX;
  const st = c.tracking;
  if (!o.bcast && o.prefixes.length) return errorf('ERR PREFIX option requires BCAST mode to be enabled');
  if (st !== null && st.bcast !== o.bcast) {
    return errorf(
      "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (o.bcast && (o.optin || o.optout)) return errorf('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (o.optin && o.optout) return errorf("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if (st !== null && ((o.optin && st.optout) || (o.optout && st.optin))) {
    return errorf(
      "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (o.bcast) {
    const e = prefixCollision(c, o.prefixes);
    if (e !== null) {
      // Redis 7.0 quirk (checkPrefixCollisionsOrReply returns the index of the offending prefix):
      // a collision found for any prefix but the first replies the error and then goes on to
      // enable tracking and reply OK as well.
      if (e.index === 0) return e.error;
      countError(c, e.error);
      c.reply(e.error);
    }
  }
  c.server.tracking.enable(c, o);
  return OK;
}

function overlaps(a: string, b: string): boolean {
  // Redis's stringCheckPrefix: the empty prefix overlaps with everything.
  return a.length === 0 || b.length === 0 || (a.length <= b.length ? b.startsWith(a) : a.startsWith(b));
}

function prefixCollision(c: Client, prefixes: string[]): { index: number; error: ReplyError } | null {
  const existing = c.tracking ? [...c.tracking.prefixes].sort(byteOrder) : [];
  for (let i = 0; i < prefixes.length; i++) {
    for (const p of existing) {
      if (overlaps(p, prefixes[i])) {
        return {
          index: 0,
          error: errorf(`ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${p}'. Prefixes for a single client must not overlap.`),
        };
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(prefixes[i], prefixes[j])) {
        return {
          index: i,
          error: errorf(`ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`),
        };
      }
    }
  }
  return null;
}

function caching(c: Client, argv: string[]): Reply {
  const st = c.tracking;
  if (st === null) {
    return errorf('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  if (is(argv[2], 'YES')) {
    if (!st.optin) return errorf('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (is(argv[2], 'NO')) {
    if (!st.optout) return errorf('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    return SYNTAX;
  }
  st.caching = true;
  return OK;
}

function getredir(c: Client): Reply {
  return clientRedirect(c);
}

function trackinginfo(c: Client): Reply {
  const st = c.tracking;
  const flags: string[] = [st ? 'on' : 'off'];
  if (st) {
    if (st.bcast) flags.push('bcast');
    if (st.optin) flags.push('optin');
    if (st.optin && st.caching) flags.push('caching-yes');
    if (st.optout) flags.push('optout');
    if (st.optout && st.caching) flags.push('caching-no');
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedirect) flags.push('broken_redirect');
  }
  const prefixes = st ? [...st.prefixes].sort(byteOrder) : [];
  return new MapReply(['flags', new SetReply(flags), 'redirect', clientRedirect(c), 'prefixes', prefixes]);
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

resetClientHooks.push((c) => c.server.tracking.disable(c));

// ---- for CLIENT LIST and INFO ------------------------------------------------------------------

/** INFO clients tracking_clients. */
export function trackingClientCount(server: ServerContext): number {
  return server.tracking.clients;
}

/** INFO stats tracking_total_keys / tracking_total_items / tracking_total_prefixes. */
export function trackingStats(server: ServerContext): { keys: number; items: number; prefixes: number } {
  const t = server.tracking;
  return { keys: t.table.size, items: t.totalItems, prefixes: t.prefixTable.size };
}

/** CLIENT LIST flag letters, in Redis's order: t (tracking), R (broken redirect), B (BCAST). */
export function clientTrackingFlags(c: Client): string {
  const st = c.tracking;
  if (st === null) return '';
  return 't' + (st.brokenRedirect ? 'R' : '') + (st.bcast ? 'B' : '');
}

/** CLIENT LIST redir= and CLIENT GETREDIR: -1 when not tracking, 0 when not redirecting. */
export function clientRedirect(c: Client): number {
  return c.tracking === null ? -1 : c.tracking.redirect;
}

const CONN = 'noscript loading stale';

export const clientTrackingCommands: CommandDef[] = [
  { name: 'caching', summary: 'Opts the next command in or out of key tracking (OPTIN / OPTOUT modes).', arity: 3, flags: CONN, acl: '@connection', handler: caching },
  { name: 'getredir', summary: 'The client id tracking invalidations are redirected to (0 none, -1 tracking off).', arity: 2, flags: CONN, acl: '@connection', handler: getredir },
  { name: 'tracking', summary: 'Turns client-side caching invalidation messages on or off for this connection.', arity: -3, flags: CONN, acl: '@connection', handler: tracking },
  { name: 'trackinginfo', summary: 'Describes the tracking mode of this connection: flags, redirect, prefixes.', arity: 2, flags: CONN, acl: '@connection', handler: trackinginfo },
];

