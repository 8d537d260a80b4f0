// cluster-link-sendbuf-limit: the cron drops a bus link whose unsent bytes exceed the limit (its
// peer stopped reading), counts it in total_cluster_links_buffer_limit_exceeded and opens a new
// outbound link at once, as Redis 7.0's clusterCron does. Links are fakes with a settable backlog.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ClusterState } from '../../src/cluster/cluster';
import { ClusterNode, NodeFlag } from '../../src/cluster/node';
import type { BusLink } from '../../src/cluster/link';
import { clusterCron } from '../../src/cluster/bus';
import { fakeClusterHost } from '../helpers/cluster-host';
import { startCluster } from '../../src/index';

class FakeLink implements BusLink {
  node: ClusterNode | null = null;
  closed = false;
  sent = 0;
  constructor(
    readonly inbound: boolean,
    readonly ctime: number,
    public pending = 0,
  ) {}
  send(): void {
    this.sent++;
  }
  close(): void {
    this.closed = true;
  }
  pendingBytes(): number {
    return this.pending;
  }
  localAddress(): string {
    return '127.0.0.1';
  }
  remoteAddress(): string {
    return '127.0.0.1';
  }
}

function setup(limit: string) {
  const f = fakeClusterHost({ 'cluster-link-sendbuf-limit': limit });
  const cs = new ClusterState(f.host);
  const opened: FakeLink[] = [];
  cs.transport = {
    connect: () => {
      const l = new FakeLink(false, f.host.now());
      opened.push(l);
      return l;
    },
    close: async () => {},
  };
  const peer = new ClusterNode('b'.repeat(40), NodeFlag.MASTER, f.host.now());
  peer.ip = '127.0.0.1';
  peer.port = 7001;
  peer.cport = 17001;
  cs.addNode(peer);
  const out = new FakeLink(false, f.host.now(), 300 * 1024);
  const inb = new FakeLink(true, f.host.now(), 10);
  out.node = inb.node = peer;
  peer.link = out;
  peer.inboundLink = inb;
  peer.pongReceived = f.host.now();
  return { f, cs, peer, out, inb, opened };
}

test('a link over cluster-link-sendbuf-limit is freed, counted and reopened; the other is kept', () => {
  const { f, cs, peer, out, inb, opened } = setup(String(256 * 1024));
  f.advance(100);
  clusterCron(cs);
  assert.equal(out.closed, true);
  assert.equal(inb.closed, false);
  assert.equal(cs.linksBufferLimitExceeded, 1);
  assert.equal(opened.length, 1, 'a new outbound link at once');
  assert.equal(peer.link, opened[0]);
  assert.ok(opened[0].ctime > out.ctime);
  assert.equal(peer.inboundLink, inb);
  assert.ok(f.logged.some((l) => l.includes('due to exceeding send buffer memory limit')));
});

test('no limit (0, the default): a large backlog is left alone', () => {
  const { f, cs, out } = setup('0');
  f.advance(100);
  clusterCron(cs);
  assert.equal(out.closed, false);
  assert.equal(cs.linksBufferLimitExceeded, 0);
});

test('CLUSTER INFO reports total_cluster_links_buffer_limit_exceeded', async () => {
  const cluster = await startCluster({ masters: 1 });
  try {
    const n = cluster.nodes[0];
    assert.match(String(await n.call('CLUSTER', 'INFO')), /total_cluster_links_buffer_limit_exceeded:0\r\n/);
    n.server.cluster!.linksBufferLimitExceeded = 3;
    assert.match(String(await n.call('CLUSTER', 'INFO')), /total_cluster_links_buffer_limit_exceeded:3\r\n/);
  } finally {
    await cluster.close();
  }
});
