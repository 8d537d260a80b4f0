// Channel and pattern subscriptions and message fan-out. One PushReply per published message is
// shared by every receiver; each client's writer encodes it for its own protocol (RESP2 array or
// RESP3 push).
import type { Client } from '../engine/client';
import { globMatch } from '../datatypes/glob';
import { PushReply } from '../resp/reply';

export class PubSubHub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  /** Delivers to channel subscribers and matching pattern subscribers; returns receivers. */
  publish(channel: string, message: string): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      const msg = new PushReply(['message', channel, message]);
      // Counted first: a receiver may be closed by its output buffer limit while we deliver.
      n += subs.size;
      for (const c of subs) c.push(msg);
    }
    if (this.patterns.size !== 0) {
      for (const [pattern, clients] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        const msg = new PushReply(['pmessage', pattern, channel, message]);
        n += clients.size;
        for (const c of clients) c.push(msg);
      }
    }
    return n;
  }

  publishShard(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined) return 0;
    const msg = new PushReply(['smessage', channel, message]);
    const n = subs.size;
    for (const c of subs) c.push(msg);
    return n;
  }

  add(map: Map<string, Set<Client>>, name: string, c: Client): void {
    let set = map.get(name);
    if (set === undefined) map.set(name, (set = new Set()));
    set.add(c);
  }

  remove(map: Map<string, Set<Client>>, name: string, c: Client): void {
    const set = map.get(name);
    if (set === undefined) return;
    set.delete(c);
    if (set.size === 0) map.delete(name);
  }

  /** Drops every subscription of a disconnecting client. */
  forget(c: Client): void {
    for (const ch of c.channels) this.remove(this.channels, ch, c);
    for (const p of c.patterns) this.remove(this.patterns, p, c);
    for (const s of c.shardChannels) this.remove(this.shardChannels, s, c);
    c.channels.clear();
    c.patterns.clear();
    c.shardChannels.clear();
  }
}
