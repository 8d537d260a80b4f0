// Slow log (SLOWLOG GET), latency monitor events (LATENCY LATEST) and per-command latency
// percentiles (INFO latencystats), refreshed on demand.
import { useEffect, useState } from 'preact/hooks';
import { JsonReply, Me, get, post } from '../api';
import { show } from '../view';

interface Data {
  slowlog: JsonReply;
  latency: JsonReply;
  info: string | null;
  allowWrites: boolean;
}

function items(r: JsonReply): JsonReply[] {
  return r.t === 'array' ? r.v : [];
}

function val(r: JsonReply): string {
  return 'v' in r ? String(r.v) : '';
}

export function SlowlogPage({ me }: { me: Me }) {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    get<Data>('/api/slowlog').then(
      (d) => (setData(d), setError(null)),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(), []);
  const reset = (what: 'slowlog' | 'latency') => post(`/api/${what}/reset`, {}).then(load, (e: Error) => setError(e.message));
  if (data === null) return <p>{error ?? 'Loading…'}</p>;
  const percentiles = (data.info ?? '')
    .split('\n')
    .filter((l) => l.startsWith('latency_percentiles_usec_'))
    .map((l) => {
      const [k, v] = l.trim().split(':');
      return [k.slice('latency_percentiles_usec_'.length), v.split(',').join('  ')];
    });
  return (
    <section>
      {error && <p class="error">{error}</p>}
      <div class="row">
        <button onClick={() => void load()}>Refresh</button>
        {me.allowWrites && <button onClick={() => void reset('slowlog')}>Reset slow log</button>}
        {me.allowWrites && <button onClick={() => void reset('latency')}>Reset latency events</button>}
      </div>
      <h3>Slow log</h3>
      {data.slowlog.t === 'error' ? (
        <p class="error">{data.slowlog.v}</p>
      ) : (
        <table class="grid" data-testid="slowlog">
          <thead>
            <tr>
              <th>id</th>
              <th>time</th>
              <th>µs</th>
              <th>command</th>
              <th>client</th>
            </tr>
          </thead>
          <tbody>
            {items(data.slowlog).map((e) => {
              const f = items(e);
              return (
                <tr>
                  <td>{val(f[0])}</td>
                  <td>{new Date(Number(val(f[1])) * 1000).toLocaleTimeString()}</td>
                  <td>{val(f[2])}</td>
                  <td class="mono">{items(f[3]).map((a) => show(val(a))).join(' ')}</td>
                  <td class="small">
                    {show(val(f[4]))} {show(val(f[5]))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h3>Latency events</h3>
      {items(data.latency).length === 0 ? (
        <p class="small">No latency spikes recorded (latency-monitor-threshold sets the threshold, 0 = off).</p>
      ) : (
        <table class="grid">
          <thead>
            <tr>
              <th>event</th>
              <th>last</th>
              <th>latest ms</th>
              <th>max ms</th>
            </tr>
          </thead>
          <tbody>
            {items(data.latency).map((e) => {
              const f = items(e);
              return (
                <tr>
                  <td>{val(f[0])}</td>
                  <td>{new Date(Number(val(f[1])) * 1000).toLocaleTimeString()}</td>
                  <td>{val(f[2])}</td>
                  <td>{val(f[3])}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h3>Latency percentiles per command (µs)</h3>
      <table class="grid">
        <tbody>
          {percentiles.map(([cmd, v]) => (
            <tr>
              <td class="mono">{cmd}</td>
              <td class="mono">{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
