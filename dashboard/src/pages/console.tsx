// A command console: lines split like redis-cli (quotes, \xNN escapes), run as the logged-in
// user in the selected database; read-only commands only unless http-allow-writes is yes.
import { useState } from 'preact/hooks';
import { JsonReply, Me, post } from '../api';
import { replyText } from '../view';

interface Entry {
  line: string;
  out: string;
  error: boolean;
}

export function ConsolePage({ me, db }: { me: Me; db: number }) {
  const [line, setLine] = useState('');
  const [log, setLog] = useState<Entry[]>([]);
  const [history, setHistory] = useState<string[]>([]);
  const [pos, setPos] = useState(-1);
  const run = async () => {
    const l = line.trim();
    if (l === '') return;
    setLine('');
    setHistory((h) => [l, ...h.slice(0, 99)]);
    setPos(-1);
    let entry: Entry;
    try {
      const r = await post<{ reply: JsonReply }>('/api/command', { db, line: l });
      entry = { line: l, out: replyText(r.reply), error: r.reply.t === 'error' };
    } catch (e) {
      entry = { line: l, out: `(refused) ${(e as Error).message}`, error: true };
    }
    setLog((g) => [...g, entry]);
  };
  return (
    <section>
      <p class="small">
        Running as <strong>{me.user}</strong> in db{db}. {me.allowWrites ? 'Writes are allowed.' : 'Read-only: commands that may change data or the server are refused.'}
      </p>
      <div class="console" data-testid="console-output">
        {log.map((e) => (
          <div>
            <div class="prompt">
              db{db}&gt; {e.line}
            </div>
            <pre class={e.error ? 'error' : ''}>{e.out}</pre>
          </div>
        ))}
      </div>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <input
          class="mono wide"
          data-testid="console-input"
          placeholder="GET key"
          value={line}
          onInput={(e) => setLine((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
              e.preventDefault();
              const p = Math.max(-1, Math.min(history.length - 1, pos + (e.key === 'ArrowUp' ? 1 : -1)));
              setPos(p);
              setLine(p < 0 ? '' : history[p]);
            }
          }}
        />
        <button type="submit">Run</button>
      </form>
    </section>
  );
}
