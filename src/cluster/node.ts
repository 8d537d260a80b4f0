// One node of the cluster as this node sees it: identity, address, role, slots, liveness.
// Flag bits are the ones Redis sends on the bus and prints in CLUSTER NODES.
import { CLUSTER_SLOTS } from './slots';
import type { BusLink } from './link';

export const enum NodeFlag {
  MASTER = 1,
  SLAVE = 2,
  PFAIL = 4,
  FAIL = 8,
  MYSELF = 16,
  HANDSHAKE = 32,
  NOADDR = 64,
  MEET = 128,
  MIGRATE_TO = 256,
  NOFAILOVER = 512,
}

/** Names in CLUSTER NODES order (the rest are not printed). */
const FLAG_NAMES: [number, string][] = [
  [NodeFlag.MYSELF, 'myself'],
  [NodeFlag.MASTER, 'master'],
  [NodeFlag.SLAVE, 'slave'],
  [NodeFlag.PFAIL, 'fail?'],
  [NodeFlag.FAIL, 'fail'],
  [NodeFlag.HANDSHAKE, 'handshake'],
  [NodeFlag.NOADDR, 'noaddr'],
  [NodeFlag.NOFAILOVER, 'nofailover'],
];

export function flagsText(flags: number): string {
  const out: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) out.push(name);
  return out.length === 0 ? 'noflags' : out.join(',');
}

export function flagsFromText(text: string): number | null {
  let flags = 0;
  for (const part of text.split(',')) {
    if (part === 'noflags') continue;
    const e = FLAG_NAMES.find(([, n]) => n === part.toLowerCase());
    if (e === undefined) return null;
    flags |= e[0];
  }
  return flags;
}

export function randomNodeName(): string {
  let s = '';
  while (s.length < 40) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, 40);
}

export function validNodeName(name: string): boolean {
  return name.length === 40 && /^[0-9a-f]{40}$/.test(name);
}

export class ClusterNode {
  /** Slot bitmap, the bus's byte layout (bit j%8 of byte j/8). */
  readonly slots = new Uint8Array(CLUSTER_SLOTS / 8);
  numSlots = 0;
  configEpoch = 0;
  ip = '';
  hostname = '';
  port = 0;
  /** Plaintext client port when `port` is the TLS one (0 otherwise). */
  pport = 0;
  cport = 0;
  replicaOf: ClusterNode | null = null;
  readonly replicas: ClusterNode[] = [];
  /** ms timestamps; 0: none pending / never. */
  pingSent = 0;
  pongReceived = 0;
  dataReceived = 0;
  failTime = 0;
  /** Since when this master has had no working replica (0: it has one), for replica migration. */
  orphanedTime = 0;
  votedTime = 0;
  replOffset = 0;
  /** node -> when it last reported this one as failing (from masters only). */
  readonly failReports = new Map<ClusterNode, number>();
  /** Our outbound link to it, and the link it opened to us. */
  link: BusLink | null = null;
  inboundLink: BusLink | null = null;
  /** Gossip round in which it was last included (one entry per PING). */
  lastInGossip = 0;

  constructor(
    public name: string,
    public flags: number,
    readonly ctime: number,
  ) {}

  hasSlot(slot: number): boolean {
    return (this.slots[slot >> 3] & (1 << (slot & 7))) !== 0;
  }

  /** Sets the bit; false when it was set already. */
  setSlot(slot: number): boolean {
    if (this.hasSlot(slot)) return false;
    this.slots[slot >> 3] |= 1 << (slot & 7);
    this.numSlots++;
    return true;
  }

  clearSlot(slot: number): boolean {
    if (!this.hasSlot(slot)) return false;
    this.slots[slot >> 3] &= ~(1 << (slot & 7));
    this.numSlots--;
    return true;
  }

  get isMaster(): boolean {
    return (this.flags & NodeFlag.MASTER) !== 0;
  }
  get isReplica(): boolean {
    return (this.flags & NodeFlag.SLAVE) !== 0;
  }
  get failed(): boolean {
    return (this.flags & NodeFlag.FAIL) !== 0;
  }
  get timedOut(): boolean {
    return (this.flags & NodeFlag.PFAIL) !== 0;
  }
  get inHandshake(): boolean {
    return (this.flags & NodeFlag.HANDSHAKE) !== 0;
  }
  get hasAddr(): boolean {
    return (this.flags & NodeFlag.NOADDR) === 0;
  }

  addReplica(r: ClusterNode): void {
    if (!this.replicas.includes(r)) this.replicas.push(r);
    this.flags |= NodeFlag.MIGRATE_TO;
  }

  removeReplica(r: ClusterNode): void {
    const i = this.replicas.indexOf(r);
    if (i >= 0) this.replicas.splice(i, 1);
    if (this.replicas.length === 0) this.flags &= ~NodeFlag.MIGRATE_TO;
  }
}
