// Pub/sub: SUBSCRIBE family, PUBLISH, SPUBLISH, PUBSUB introspection.
import type { Client } from '../engine/client';
import { propagatePublish } from '../cluster/bus';
import { globMatch } from '../datatypes/glob';
import type { PubSubHub } from '../pubsub/hub';
import { NO_REPLY, PushReply, Reply, SimpleString } from '../resp/reply';
import { resetClientHooks } from './client-hooks';
import { CommandDef } from './registry';

type Kind = 'channels' | 'patterns' | 'shardChannels';
const VERBS: Record<Kind, [string, string]> = {
  channels: ['subscribe', 'unsubscribe'],
  patterns: ['psubscribe', 'punsubscribe'],
  shardChannels: ['ssubscribe', 'sunsubscribe'],
};

function hub(c: Client): PubSubHub {
  return c.server.pubsub;
}

/** Redis counts channels + patterns together; shard channels on their own. */
function count(c: Client, kind: Kind): number {
  return kind === 'shardChannels' ? c.shardChannels.size : c.channels.size + c.patterns.size;
}

/** Confirmations are pushes, in RESP2 too: they go out even under CLIENT REPLY OFF/SKIP (as in Redis). */
function subscribeTo(kind: Kind) {
  return (c: Client, argv: string[]): Reply => {
    const h = hub(c);
    const mine = c[kind];
    for (let i = 1; i < argv.length; i++) {
      const name = argv[i];
      if (!mine.has(name)) {
        mine.add(name);
        h.add(h[kind], name, c);
      }
      c.push(new PushReply([VERBS[kind][0], name, count(c, kind)]));
    }
    return NO_REPLY;
  };
}

function unsubscribeFrom(kind: Kind) {
  return (c: Client, argv: string[]): Reply => {
    const h = hub(c);
    const mine = c[kind];
    const names = argv.length > 1 ? argv.slice(1) : [...mine];
    if (names.length === 0) {
      c.push(new PushReply([VERBS[kind][1], null, count(c, kind)]));
      return NO_REPLY;
    }
    for (const name of names) {
      if (mine.delete(name)) h.remove(h[kind], name, c);
      c.push(new PushReply([VERBS[kind][1], name, count(c, kind)]));
    }
    return NO_REPLY;
  };
}

function publish(c: Client, argv: string[]): Reply {
  const n = hub(c).publish(argv[1], argv[2]);
  // Cluster mode: every other node delivers it too (over the cluster bus); otherwise replicas
  // get it in the replication stream, as from Redis.
  if (c.server.cluster !== null) propagatePublish(c.server.cluster, argv[1], argv[2], false);
  else c.server.propagator.replicate(c.db.id, argv);
  return n;
}

function spublish(c: Client, argv: string[]): Reply {
  const n = hub(c).publishShard(argv[1], argv[2]);
  if (c.server.cluster !== null) propagatePublish(c.server.cluster, argv[1], argv[2], true);
  else c.server.propagator.replicate(c.db.id, argv);
  return n;
}

function listChannels(map: Map<string, Set<Client>>, argv: string[]): Reply {
  const pattern = argv.length > 2 ? argv[2] : null;
  const out: string[] = [];
  for (const name of map.keys()) if (pattern === null || globMatch(pattern, name)) out.push(name);
  return out;
}

function numsub(map: Map<string, Set<Client>>, argv: string[]): Reply {
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) out.push(argv[i], map.get(argv[i])?.size ?? 0);
  return out;
}

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  '    List the channels that have subscribers, optionally only those matching <pattern>.',
  'NUMPAT',
  '    Count the pattern subscriptions of all clients.',
  'NUMSUB [<channel> ...]',
  '    For each channel, the number of clients subscribed to it by name (patterns not counted).',
  'SHARDCHANNELS [<pattern>]',
  '    List the shard channels that have subscribers, optionally only those matching <pattern>.',
  'SHARDNUMSUB [<shardchannel> ...]',
  '    For each shard channel, the number of clients subscribed to it.',
  'HELP',
  '    Print this help.',
];

resetClientHooks.push((c) => c.server.pubsub.forget(c));

const SUBSCRIBER = 'pubsub noscript loading stale';

export const pubsubCommands: CommandDef[] = [
  { name: 'psubscribe', summary: 'Listens for messages on every channel matching the glob patterns.', arity: -2, flags: SUBSCRIBER, handler: subscribeTo('patterns'), subscriberMode: true },
  { name: 'publish', summary: 'Sends a message to the subscribers of a channel; replies how many received it.', arity: 3, flags: 'pubsub loading stale fast may_replicate', handler: publish },
  {
    name: 'pubsub',
    summary: 'Introspects the pub/sub state: active channels, subscriber counts.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'help', summary: 'Lists the PUBSUB subcommands.', arity: 2, flags: 'loading stale', handler: () => HELP.map((l) => new SimpleString(l)) },
      { name: 'channels', summary: 'Lists channels with at least one subscriber.', arity: -2, flags: 'pubsub loading stale', handler: (c, a) => listChannels(hub(c).channels, a) },
      { name: 'numsub', summary: 'Counts the subscribers of the given channels.', arity: -2, flags: 'pubsub loading stale', handler: (c, a) => numsub(hub(c).channels, a) },
      { name: 'numpat', summary: 'Counts pattern subscriptions.', arity: 2, flags: 'pubsub loading stale', handler: (c) => countPatternSubscriptions(hub(c)) },
      { name: 'shardchannels', summary: 'Lists shard channels with at least one subscriber.', arity: -2, flags: 'pubsub loading stale', handler: (c, a) => listChannels(hub(c).shardChannels, a) },
      { name: 'shardnumsub', summary: 'Counts the subscribers of the given shard channels.', arity: -2, flags: 'pubsub loading stale', handler: (c, a) => numsub(hub(c).shardChannels, a) },
    ],
  },
  { name: 'punsubscribe', summary: 'Stops listening on the given patterns (all when none given).', arity: -1, flags: SUBSCRIBER, handler: unsubscribeFrom('patterns'), subscriberMode: true },
  { name: 'spublish', summary: 'Sends a message to the subscribers of a shard channel.', arity: 3, flags: 'pubsub loading stale fast may_replicate', keys: [1, 1, 1], handler: spublish },
  { name: 'ssubscribe', summary: 'Listens for messages on shard channels.', arity: -2, flags: SUBSCRIBER, keys: [1, -1, 1], handler: subscribeTo('shardChannels'), subscriberMode: true },
  { name: 'subscribe', summary: 'Listens for messages on the given channels.', arity: -2, flags: SUBSCRIBER, handler: subscribeTo('channels'), subscriberMode: true },
  { name: 'sunsubscribe', summary: 'Stops listening on shard channels (all when none given).', arity: -1, flags: SUBSCRIBER, keys: [1, -1, 1], handler: unsubscribeFrom('shardChannels'), subscriberMode: true },
  { name: 'unsubscribe', summary: 'Stops listening on the given channels (all when none given).', arity: -1, flags: SUBSCRIBER, handler: unsubscribeFrom('channels'), subscriberMode: true },
];

/** PUBSUB NUMPAT: Redis 7.0 counts distinct patterns with subscribers. */
function countPatternSubscriptions(h: PubSubHub): number {
  return h.patterns.size;
}
