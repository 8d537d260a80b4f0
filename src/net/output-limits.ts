// client-output-buffer-limit (Redis's checkClientOutputBufferLimits): a client whose unsent
// output passes its class's hard limit, or stays above the soft limit for the soft seconds, is
// disconnected, so a subscriber that stops reading cannot make the server's memory grow without
// bound, and publishers are never slowed down by it.
import type { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { clientInfoString } from '../commands/client';

export interface ClassLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Limits per class, parsed from the canonical config value (cached by string identity). */
export interface OutputLimits {
  normal: ClassLimit;
  replica: ClassLimit;
  pubsub: ClassLimit;
}

let cachedValue = '';
let cachedLimits: OutputLimits | null = null;

/** Parses "normal h s sec slave h s sec pubsub h s sec" (the stored canonical form). */
export function parseOutputLimits(value: string): OutputLimits {
  if (value === cachedValue && cachedLimits !== null) return cachedLimits;
  const w = value.split(' ');
  const at = (name: string): ClassLimit => {
    const i = w.indexOf(name);
    return { hard: Number(w[i + 1]), soft: Number(w[i + 2]), softSeconds: Number(w[i + 3]) };
  };
  cachedLimits = { normal: at('normal'), replica: at('slave'), pubsub: at('pubsub') };
  cachedValue = value;
  return cachedLimits;
}

/** Per-connection state: when the soft limit was first exceeded (0 = not over it). */
export interface SoftLimitState {
  softSince: number;
}

/** The limit class of a client: replicas, subscribers (RESP2 or RESP3) "pubsub", others "normal". */
export function limitClass(server: ServerContext, c: Client): ClassLimit {
  const limits = parseOutputLimits(server.config.get('client-output-buffer-limit'));
  return c.isReplica ? limits.replica : c.inPubSubMode ? limits.pubsub : limits.normal;
}

/** True when a client with `used` bytes of pending output must be disconnected. */
export function overOutputLimits(c: Client, used: number, st: SoftLimitState): boolean {
  const srv = c.server;
  const lim = limitClass(srv, c);
  if (lim.hard !== 0 && used >= lim.hard) return true;
  if (lim.soft !== 0 && used >= lim.soft) {
    const now = srv.clock.now();
    if (st.softSince === 0) {
      st.softSince = now;
      return false;
    }
    return now - st.softSince >= lim.softSeconds * 1000;
  }
  st.softSince = 0;
  return false;
}

/** Logs like Redis and closes the client at once (its pending output is dropped). */
export function closeForOutputLimits(c: Client): void {
  c.server.log.warning(`Client ${clientInfoString(c, null, null)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  c.close();
}
