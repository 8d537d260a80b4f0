// Small shared pieces: byte strings shown safely, replies shown like redis-cli, a confirmation.
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { escapeBytes, toHex, utf8Text } from '../../src/http/bytes';
import type { JsonReply } from './api';

export type Mode = 'escaped' | 'utf8' | 'hex';

/** A byte string as text: escaped (default), as UTF-8 only when it is valid UTF-8, or hex. */
export function show(s: string, mode: Mode = 'escaped'): string {
  if (mode === 'hex') return toHex(s).replace(/(..)/g, '$1 ').trim();
  if (mode === 'utf8') {
    const t = utf8Text(s);
    if (t !== null) return t;
  }
  return escapeBytes(s);
}

export function Bytes({ value, mode }: { value: string; mode?: Mode }) {
  return <span class="bytes">{show(value, mode)}</span>;
}

/** A reply as redis-cli prints it. */
export function replyText(r: JsonReply, indent = ''): string {
  switch (r.t) {
    case 'bulk':
      return '"' + escapeBytes(r.v).replace(/"/g, '\\"') + '"';
    case 'status':
      return r.v;
    case 'error':
      return '(error) ' + r.v;
    case 'int':
      return '(integer) ' + r.v;
    case 'double':
      return '(double) ' + r.v;
    case 'bool':
      return r.v ? '(true)' : '(false)';
    case 'nil':
      return '(nil)';
    case 'array': {
      if (r.v.length === 0) return '(empty array)';
      const w = String(r.v.length).length;
      return r.v
        .map((x, i) => {
          const head = `${String(i + 1).padStart(w)}) `;
          const body = replyText(x, indent + ' '.repeat(head.length));
          return (i === 0 ? '' : indent) + head + body;
        })
        .join('\n');
    }
    case 'map':
      return r.v.map(([k, v], i) => `${i === 0 ? '' : indent}${i + 1}# ${replyText(k)} => ${replyText(v, indent + '    ')}`).join('\n');
  }
}

export function Confirm(props: { text: string; onYes: () => void; onNo: () => void }) {
  return (
    <div class="modal" role="dialog" aria-modal="true">
      <div class="modal-box">
        <p>{props.text}</p>
        <div class="row">
          <button class="danger" data-testid="confirm-yes" onClick={props.onYes}>
            Confirm
          </button>
          <button onClick={props.onNo}>Cancel</button>
        </div>
      </div>
    </div>
  );
}

/** Asks before running an action; shows its error if it fails. */
export function useConfirm(): [ComponentChildren, (text: string, action: () => Promise<void>) => void, string | null] {
  const [pending, setPending] = useState<{ text: string; action: () => Promise<void> } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const node = pending && (
    <Confirm
      text={pending.text}
      onNo={() => setPending(null)}
      onYes={() => {
        const a = pending.action;
        setPending(null);
        setError(null);
        a().catch((e: Error) => setError(e.message));
      }}
    />
  );
  return [
    node,
    (text, action) => {
      setError(null);
      setPending({ text, action });
    },
    error,
  ];
}

export function fmtBytes(n: number): string {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

export function fmtTtl(ms: number): string {
  if (ms < 0) return ms === -1 ? 'no expiry' : 'gone';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
