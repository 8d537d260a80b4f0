// Pub/sub monitor: subscribes (as the logged-in user, so channel ACLs apply) to channels and
// patterns over a server-sent event stream; publishing needs http-allow-writes.
import { useEffect, useState } from 'preact/hooks';
import { toHex, unescapeBytes } from '../../../src/http/bytes';
import { Me, post } from '../api';
import { show } from '../view';

interface Msg {
  channel: string;
  pattern?: string;
  message: string;
  time: number;
}

const KEEP = 500;

function bytesList(text: string): string[] | null {
  const out: string[] = [];
  for (const w of text.split(/\s+/).filter(Boolean)) {
    const b = unescapeBytes(w);
    if (b === null) return null;
    out.push(b);
  }
  return out;
}

export function PubsubPage({ me }: { me: Me }) {
  const [channels, setChannels] = useState('');
  const [patterns, setPatterns] = useState('*');
  const [active, setActive] = useState<{ channels: string[]; patterns: string[] } | null>(null);
  const [messages, setMessages] = useState<Msg[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [pubChannel, setPubChannel] = useState('');
  const [pubMessage, setPubMessage] = useState('');

  useEffect(() => {
    if (active === null) return;
    const q = new URLSearchParams({ channels: active.channels.map(toHex).join(','), patterns: active.patterns.map(toHex).join(',') });
    const es = new EventSource('/api/pubsub?' + q.toString());
    es.addEventListener('message', (e) => setMessages((m) => [JSON.parse((e as MessageEvent).data) as Msg, ...m].slice(0, KEEP)));
    es.addEventListener('subscribed', () => setStatus('listening'));
    es.addEventListener('failure', (e) => setStatus(JSON.parse((e as MessageEvent).data).error));
    return () => es.close();
  }, [active]);

  return (
    <section>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const c = bytesList(channels);
          const p = bytesList(patterns);
          if (c === null || p === null) return setStatus('malformed escape');
          if (c.length + p.length === 0) return setStatus('name a channel or a pattern');
          setMessages([]);
          setStatus('subscribing…');
          setActive({ channels: c, patterns: p });
        }}
      >
        <input aria-label="channels" placeholder="channels (space separated)" value={channels} onInput={(e) => setChannels((e.target as HTMLInputElement).value)} />
        <input aria-label="patterns" placeholder="patterns" value={patterns} onInput={(e) => setPatterns((e.target as HTMLInputElement).value)} />
        <button type="submit" data-testid="subscribe">
          Listen
        </button>
        {active && (
          <button type="button" onClick={() => (setActive(null), setStatus(null))}>
            Stop
          </button>
        )}
        <span class="small" data-testid="pubsub-status">
          {status}
        </span>
      </form>
      {me.allowWrites && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const c = unescapeBytes(pubChannel);
            const m = unescapeBytes(pubMessage);
            if (c === null || m === null) return setStatus('malformed escape');
            post('/api/publish', { channel: c, message: m }).catch((err: Error) => setStatus(err.message));
          }}
        >
          <input placeholder="channel" value={pubChannel} onInput={(e) => setPubChannel((e.target as HTMLInputElement).value)} />
          <input placeholder="message" value={pubMessage} onInput={(e) => setPubMessage((e.target as HTMLInputElement).value)} />
          <button type="submit">Publish</button>
        </form>
      )}
      <table class="grid" data-testid="messages">
        <tbody>
          {messages.map((m) => (
            <tr>
              <td class="small">{new Date(m.time).toLocaleTimeString()}</td>
              <td class="mono">{show(m.channel)}</td>
              <td class="mono">{show(m.message, 'utf8')}</td>
              <td class="small">{m.pattern !== undefined ? show(m.pattern) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
