// What the cluster logic needs from a bus connection; src/net/cluster-bus.ts implements it over
// TCP. Messages are whole frames (the transport reassembles them from the stream).

export interface BusLink {
  /** The node at the other end once known (always known for outbound links). */
  node: import('./node').ClusterNode | null;
  readonly inbound: boolean;
  /** ms timestamp of creation (CLUSTER LINKS create-time). */
  readonly ctime: number;
  send(frame: Buffer): void;
  close(): void;
  /** Bytes queued and not yet written (CLUSTER LINKS send-buffer-used). */
  pendingBytes(): number;
  /** Our own address on this connection (learned IP), and the peer's. */
  localAddress(): string;
  remoteAddress(): string;
}

export interface BusTransport {
  /** Opens a link to ip:port; frames arrive through the cluster's onFrame. */
  connect(ip: string, port: number): BusLink;
  close(): Promise<void>;
}
