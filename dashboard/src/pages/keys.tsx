// Key browser: SCAN with a pattern and a type filter (pages of keys, never KEYS), a type-aware
// view of one key, and edits with confirmation when the dashboard allows writes. Keys are kept
// as the byte strings the server sent and sent back unchanged, so any key round-trips exactly.
import { useEffect, useState } from 'preact/hooks';
import { unescapeBytes } from '../../../src/http/bytes';
import { ApiError, Me, post, write } from '../api';
import { Bytes, Mode, fmtTtl, show, useConfirm } from '../view';

interface KeyRow {
  key: string;
  type: string;
  ttl: number;
}

interface KeyView {
  key: string;
  type: string;
  ttl: number;
  encoding: string | null;
  length: number;
  value: unknown;
  next: string | null;
}

const TYPES = ['', 'string', 'hash', 'list', 'set', 'zset', 'stream'];

/** Text typed in a field (escapes allowed) as bytes, or an error. */
function typed(text: string, what: string): string {
  const b = unescapeBytes(text);
  if (b === null) throw new ApiError(`${what}: malformed escape (use \\xNN, \\n, \\t, \\r or \\\\)`);
  return b;
}

export function KeysPage({ me, db, setDb }: { me: Me; db: number; setDb: (n: number) => void }) {
  const [pattern, setPattern] = useState('*');
  const [type, setType] = useState('');
  const [rows, setRows] = useState<KeyRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const scan = async (from: string, append: boolean) => {
    setError(null);
    try {
      const r = await post<{ cursor: string; keys: KeyRow[] }>('/api/scan', { db, cursor: from, match: typed(pattern, 'pattern'), type, count: 50 });
      setRows((old) => (append ? [...old, ...r.keys] : r.keys));
      setCursor(r.cursor === '0' ? null : r.cursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section class="split">
      <div class="pane">
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            void scan('0', false);
          }}
        >
          <select aria-label="database" value={db} onChange={(e) => setDb(Number((e.target as HTMLSelectElement).value))}>
            {Array.from({ length: me.databases }, (_, i) => (
              <option value={i}>db{i}</option>
            ))}
          </select>
          <input aria-label="pattern" data-testid="pattern" value={pattern} onInput={(e) => setPattern((e.target as HTMLInputElement).value)} />
          <select aria-label="type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
            {TYPES.map((t) => (
              <option value={t}>{t === '' ? 'any type' : t}</option>
            ))}
          </select>
          <button type="submit" data-testid="scan">
            Scan
          </button>
        </form>
        {error && <p class="error">{error}</p>}
        <table class="grid keys" data-testid="key-list">
          <tbody>
            {rows.map((r) => (
              <tr class={r.key === selected ? 'sel' : ''} onClick={() => setSelected(r.key)}>
                <td class="mono">
                  <Bytes value={r.key} />
                </td>
                <td>
                  <span class={`type t-${r.type}`}>{r.type}</span>
                </td>
                <td class="small">{r.ttl === -1 ? '' : fmtTtl(r.ttl)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p class="small">No keys shown yet: scan with a pattern (glob-style, \xNN for any byte).</p>}
        {cursor !== null && (
          <button onClick={() => void scan(cursor, true)} data-testid="more-keys">
            More
          </button>
        )}
        {me.allowWrites ? (
          <button class="link" onClick={() => setCreating(!creating)}>
            New key…
          </button>
        ) : (
          <p class="small badge" data-testid="read-only">
            read-only: http-allow-writes yes (CONFIG SET or redis.conf) allows edits
          </p>
        )}
        {creating && <NewKey db={db} onDone={(k) => (setCreating(false), k !== null && setSelected(k))} />}
      </div>
      <div class="pane">{selected !== null && <KeyDetail key={`${db}:${selected}`} me={me} db={db} name={selected} onGone={() => (setSelected(null), setRows((rs) => rs.filter((r) => r.key !== selected)))} />}</div>
    </section>
  );
}

function NewKey({ db, onDone }: { db: number; onDone: (key: string | null) => void }) {
  const [type, setType] = useState('string');
  const [key, setKey] = useState('');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    const k = typed(key, 'key');
    const x = typed(a, 'value');
    const y = typed(b, 'value');
    const ops: Record<string, Record<string, unknown>> = {
      string: { op: 'set', value: x },
      hash: { op: 'hset', field: x, value: y },
      list: { op: 'rpush', value: x },
      set: { op: 'sadd', member: x },
      zset: { op: 'zadd', member: x, score: b || '0' },
      stream: { op: 'xadd', fields: [x, y] },
    };
    await write({ db, key: k, ...ops[type] });
    onDone(k);
  };
  const second = type === 'hash' || type === 'stream' ? 'value' : type === 'zset' ? 'score' : null;
  return (
    <form
      class="box"
      onSubmit={(e) => {
        e.preventDefault();
        create().catch((err: Error) => setError(err.message));
      }}
    >
      <div class="row">
        <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
          {TYPES.slice(1).map((t) => (
            <option>{t}</option>
          ))}
        </select>
        <input placeholder="key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
      </div>
      <div class="row">
        <input placeholder={type === 'hash' || type === 'stream' ? 'field' : type === 'string' || type === 'list' ? 'value' : 'member'} value={a} onInput={(e) => setA((e.target as HTMLInputElement).value)} />
        {second && <input placeholder={second} value={b} onInput={(e) => setB((e.target as HTMLInputElement).value)} />}
        <button type="submit">Create</button>
      </div>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

function KeyDetail({ me, db, name, onGone }: { me: Me; db: number; name: string; onGone: () => void }) {
  const [view, setView] = useState<KeyView | null | undefined>(undefined);
  const [more, setMore] = useState<unknown[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>('escaped');
  const [confirmNode, ask, actionError] = useConfirm();
  const load = async () => {
    try {
      setError(null);
      setMore([]);
      setView(await post<KeyView | null>('/api/key', { db, key: name }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), []);
  const loadMore = async () => {
    if (!view?.next) return;
    const r = await post<KeyView | null>('/api/key', { db, key: name, page: view.next });
    if (r === null) return;
    setMore((m) => [...m, ...(r.value as unknown[])]);
    setView({ ...view, next: r.next });
  };
  /** Confirm, run the edit, reload. */
  const edit = (text: string, body: Record<string, unknown>) =>
    ask(text, async () => {
      await write({ db, key: name, ...body });
      if (body.op === 'del') onGone();
      else await load();
    });
  if (error) return <p class="error">{error}</p>;
  if (view === undefined) return <p>Loading…</p>;
  if (view === null) return <p>The key no longer exists.</p>;
  const w = me.allowWrites;
  const items = [...((view.value as unknown[]) ?? []), ...more];
  return (
    <div data-testid="key-detail">
      {confirmNode}
      <h2 class="mono">
        <Bytes value={view.key} />
      </h2>
      <div class="row small">
        <span class={`type t-${view.type}`}>{view.type}</span>
        <span>encoding {view.encoding ?? '?'}</span>
        <span>length {view.length}</span>
        <span data-testid="ttl">TTL {fmtTtl(view.ttl)}</span>
        <select aria-label="show as" value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as Mode)}>
          <option value="escaped">escaped bytes</option>
          <option value="utf8">UTF-8 where valid</option>
          <option value="hex">hex</option>
        </select>
      </div>
      {actionError && <p class="error" data-testid="edit-error">{actionError}</p>}
      {w && <KeyActions view={view} edit={edit} />}
      {view.type === 'string' && <StringValue value={view.value as string} length={view.length} mode={mode} writable={w} onSave={(v) => edit('Replace the value of this key?', { op: 'set', value: v })} />}
      {view.type === 'hash' && (
        <Pairs
          rows={items as [string, string][]}
          head={['field', 'value']}
          mode={mode}
          writable={w}
          onDelete={(f) => edit('Delete this field?', { op: 'hdel', field: f })}
          onEdit={(f, v) => edit('Change this field?', { op: 'hset', field: f, value: v })}
        />
      )}
      {view.type === 'zset' && (
        <Pairs
          rows={items as [string, string][]}
          head={['member', 'score']}
          mode={mode}
          writable={w}
          onDelete={(m) => edit('Remove this member?', { op: 'zrem', member: m })}
          onEdit={(m, s) => edit('Change the score?', { op: 'zadd', member: m, score: s })}
        />
      )}
      {(view.type === 'list' || view.type === 'set') && (
        <table class="grid">
          <tbody>
            {(items as string[]).map((v, i) => (
              <tr>
                {view.type === 'list' && <td class="small">{i}</td>}
                <td class="mono">{show(v, mode)}</td>
                {w && (
                  <td>
                    <button class="link" onClick={() => edit(view.type === 'list' ? 'Remove the first element equal to this one?' : 'Remove this member?', view.type === 'list' ? { op: 'lrem', value: v } : { op: 'srem', member: v })}>
                      remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.type === 'stream' && (
        <table class="grid">
          <tbody>
            {(items as [string, string[]][]).map(([id, fields]) => (
              <tr>
                <td class="mono small">{id}</td>
                <td class="mono">
                  {fields.map((f, i) => (i % 2 === 0 ? `${show(f, mode)}=` : `${show(f, mode)}  `))}
                </td>
                {w && (
                  <td>
                    <button class="link" onClick={() => edit('Delete this entry?', { op: 'xdel', id })}>
                      delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.next !== null && <button onClick={() => void loadMore()}>More</button>}
    </div>
  );
}

function StringValue(props: { value: string; length: number; mode: Mode; writable: boolean; onSave: (v: string) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const truncated = props.value.length < props.length;
  if (draft !== null)
    return (
      <div>
        <p class="small">Edit as escaped bytes: \xNN for any byte, \n \r \t \\; other characters are stored as UTF-8.</p>
        <textarea data-testid="value-editor" rows={6} value={draft} onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)} />
        {error && <p class="error">{error}</p>}
        <div class="row">
          <button
            data-testid="save-value"
            onClick={() => {
              const b = unescapeBytes(draft);
              if (b === null) return setError('malformed escape');
              setDraft(null);
              props.onSave(b);
            }}
          >
            Save…
          </button>
          <button onClick={() => setDraft(null)}>Cancel</button>
        </div>
      </div>
    );
  return (
    <div>
      <pre class="value" data-testid="string-value">
        {show(props.value, props.mode)}
      </pre>
      {truncated && <p class="small">Showing the first {props.value.length} of {props.length} bytes.</p>}
      {props.writable && !truncated && (
        <button data-testid="edit-value" onClick={() => setDraft(show(props.value, 'escaped'))}>
          Edit
        </button>
      )}
    </div>
  );
}

function Pairs(props: { rows: [string, string][]; head: [string, string]; mode: Mode; writable: boolean; onDelete: (a: string) => void; onEdit: (a: string, b: string) => void }) {
  const [editing, setEditing] = useState<{ a: string; text: string } | null>(null);
  return (
    <table class="grid">
      <thead>
        <tr>
          <th>{props.head[0]}</th>
          <th>{props.head[1]}</th>
          {props.writable && <th />}
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([a, b]) => (
          <tr>
            <td class="mono">{show(a, props.mode)}</td>
            <td class="mono">
              {editing?.a === a ? (
                <input value={editing.text} onInput={(e) => setEditing({ a, text: (e.target as HTMLInputElement).value })} />
              ) : props.head[1] === 'score' ? (
                b
              ) : (
                show(b, props.mode)
              )}
            </td>
            {props.writable && (
              <td>
                {editing?.a === a ? (
                  <button
                    class="link"
                    onClick={() => {
                      const v = unescapeBytes(editing.text);
                      setEditing(null);
                      if (v !== null) props.onEdit(a, v);
                    }}
                  >
                    save
                  </button>
                ) : (
                  <button class="link" onClick={() => setEditing({ a, text: props.head[1] === 'score' ? b : show(b, 'escaped') })}>
                    edit
                  </button>
                )}
                <button class="link" onClick={() => props.onDelete(a)}>
                  delete
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function KeyActions({ view, edit }: { view: KeyView; edit: (text: string, body: Record<string, unknown>) => void }) {
  const [ttl, setTtl] = useState('');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const add: Record<string, [string, string | null, (x: string, y: string) => Record<string, unknown>]> = {
    hash: ['field', 'value', (x, y) => ({ op: 'hset', field: x, value: y })],
    list: ['value', null, (x) => ({ op: 'rpush', value: x })],
    set: ['member', null, (x) => ({ op: 'sadd', member: x })],
    zset: ['member', 'score', (x, y) => ({ op: 'zadd', member: x, score: y })],
    stream: ['field', 'value', (x, y) => ({ op: 'xadd', fields: [x, y] })],
  };
  const spec = add[view.type];
  const bytes = (t: string) => unescapeBytes(t) ?? t;
  return (
    <div class="box">
      <div class="row">
        <input placeholder="TTL in seconds" value={ttl} onInput={(e) => setTtl((e.target as HTMLInputElement).value)} size={12} />
        <button disabled={!/^\d+$/.test(ttl)} onClick={() => edit(`Expire this key in ${ttl} s?`, { op: 'pexpire', ms: String(Number(ttl) * 1000) })}>
          Set TTL
        </button>
        {view.ttl >= 0 && <button onClick={() => edit('Remove the TTL of this key?', { op: 'persist' })}>Persist</button>}
        <button class="danger" data-testid="delete-key" onClick={() => edit('Delete this key?', { op: 'del' })}>
          Delete key
        </button>
      </div>
      {spec && (
        <div class="row">
          <input placeholder={spec[0]} value={a} onInput={(e) => setA((e.target as HTMLInputElement).value)} />
          {spec[1] && <input placeholder={spec[1]} value={b} onInput={(e) => setB((e.target as HTMLInputElement).value)} />}
          <button onClick={() => edit(`Add to this ${view.type}?`, spec[2](bytes(a), spec[1] === 'score' ? b : bytes(b)))}>Add</button>
        </div>
      )}
    </div>
  );
}
