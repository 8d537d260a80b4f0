// Live overview: one INFO snapshot per second over server-sent events; charts of the last two
// minutes are kept in the page.
import { useEffect, useState } from 'preact/hooks';
import { Chart } from '../chart';
import { fmtBytes } from '../view';

interface Overview {
  time: number;
  version: string;
  uptime: number;
  opsPerSec: number;
  totalCommands: number;
  hits: number;
  misses: number;
  usedMemory: number;
  maxmemory: number;
  maxmemoryPolicy: string;
  clients: number;
  blockedClients: number;
  evictedKeys: number;
  expiredKeys: number;
  inputKbps: number;
  outputKbps: number;
  keyspace: { db: number; keys: number; expires: number }[];
  persistence: {
    loading: boolean;
    changesSinceSave: number;
    lastSave: number;
    bgsaveInProgress: boolean;
    lastBgsaveStatus: string;
    aofEnabled: boolean;
    aofRewriteInProgress: boolean;
    aofLastWriteStatus: string;
  };
  replication: { role: string; connectedReplicas: number; replOffset: number; replicas: string[]; masterHost: string | null; masterLinkStatus: string | null };
}

const KEEP = 120;

function hitRatio(a: Overview | undefined, b: Overview): number {
  // Over the last interval when there were lookups, else since the start.
  const dh = a ? b.hits - a.hits : b.hits;
  const dm = a ? b.misses - a.misses : b.misses;
  if (dh + dm > 0) return dh / (dh + dm);
  return b.hits + b.misses > 0 ? b.hits / (b.hits + b.misses) : 0;
}

export function OverviewPage() {
  const [history, setHistory] = useState<Overview[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const es = new EventSource('/api/events');
    es.addEventListener('overview', (e) => {
      const o = JSON.parse((e as MessageEvent).data) as Overview;
      setError(null);
      setHistory((h) => [...h.slice(-(KEEP - 1)), o]);
    });
    es.addEventListener('failure', (e) => setError(JSON.parse((e as MessageEvent).data).error));
    return () => es.close();
  }, []);
  const cur = history[history.length - 1];
  if (cur === undefined) return <p>{error ?? 'Connecting…'}</p>;
  const ratios = history.map((o, i) => hitRatio(history[i - 1], o));
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  const memShare = cur.maxmemory > 0 ? cur.usedMemory / cur.maxmemory : null;
  const p = cur.persistence;
  const r = cur.replication;
  return (
    <section>
      {error && <p class="error">{error}</p>}
      <div class="cards">
        <div class="card">
          <h3>Throughput</h3>
          <div class="big" data-testid="ops">
            {cur.opsPerSec} ops/s
          </div>
          <div>{cur.totalCommands} commands since start</div>
          <div data-testid="total-commands" hidden>
            {cur.totalCommands}
          </div>
        </div>
        <div class="card">
          <h3>Hit ratio</h3>
          <div class="big">{pct(ratios[ratios.length - 1])}</div>
          <div>
            {cur.hits} hits, {cur.misses} misses
          </div>
        </div>
        <div class="card">
          <h3>Memory</h3>
          <div class="big">{fmtBytes(cur.usedMemory)}</div>
          <div>{cur.maxmemory > 0 ? `of ${fmtBytes(cur.maxmemory)} maxmemory (${cur.maxmemoryPolicy})` : 'no maxmemory'}</div>
          {memShare !== null && (
            <div class="bar">
              <span style={{ width: pct(Math.min(1, memShare)) }} />
            </div>
          )}
        </div>
        <div class="card">
          <h3>Clients</h3>
          <div class="big" data-testid="clients">
            {cur.clients}
          </div>
          <div>{cur.blockedClients} blocked</div>
        </div>
        <div class="card">
          <h3>Keys removed</h3>
          <div>
            <strong>{cur.evictedKeys}</strong> evicted
          </div>
          <div>
            <strong>{cur.expiredKeys}</strong> expired
          </div>
        </div>
        <div class="card">
          <h3>Persistence</h3>
          <div>{p.loading ? 'loading the dataset…' : `${p.changesSinceSave} changes since last save`}</div>
          <div>last save {p.lastSave ? new Date(p.lastSave * 1000).toLocaleString() : 'never'}</div>
          <div>
            RDB {p.bgsaveInProgress ? 'saving…' : `last ${p.lastBgsaveStatus}`}, AOF {p.aofEnabled ? `on (${p.aofLastWriteStatus}${p.aofRewriteInProgress ? ', rewriting' : ''})` : 'off'}
          </div>
        </div>
        <div class="card">
          <h3>Replication</h3>
          <div data-testid="role">role {r.role}</div>
          {r.masterHost && (
            <div>
              master {r.masterHost}, link {r.masterLinkStatus}
            </div>
          )}
          <div>
            {r.connectedReplicas} replicas, offset {r.replOffset}
          </div>
          {r.replicas.map((x) => (
            <div class="mono small">{x}</div>
          ))}
        </div>
      </div>
      <div class="charts">
        <Chart label="ops/s" values={history.map((o) => o.opsPerSec)} format={(n) => String(Math.round(n))} />
        <Chart label="hit ratio" values={ratios} format={pct} />
        <Chart label="memory" values={history.map((o) => o.usedMemory)} format={fmtBytes} />
        <Chart label="clients" values={history.map((o) => o.clients)} format={(n) => String(n)} />
      </div>
      <h3>Keys per database</h3>
      <table class="grid" data-testid="keyspace">
        <thead>
          <tr>
            <th>db</th>
            <th>keys</th>
            <th>with TTL</th>
          </tr>
        </thead>
        <tbody>
          {cur.keyspace.length === 0 && (
            <tr>
              <td colSpan={3}>no keys</td>
            </tr>
          )}
          {cur.keyspace.map((k) => (
            <tr>
              <td>db{k.db}</td>
              <td>{k.keys}</td>
              <td>{k.expires}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="small">
        Redis {cur.version} compatible, up {Math.floor(cur.uptime / 3600)} h {Math.floor((cur.uptime % 3600) / 60)} min · in {cur.inputKbps} KB/s, out {cur.outputKbps} KB/s
      </p>
    </section>
  );
}
