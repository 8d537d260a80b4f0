// Calls to the dashboard's JSON API (same origin, session cookie). Byte strings travel as latin1
// JS strings in JSON (see src/http/reply-json.ts).

export type JsonReply =
  | { t: 'bulk'; v: string }
  | { t: 'status'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: string }
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'array'; v: JsonReply[] }
  | { t: 'map'; v: [JsonReply, JsonReply][] };

export interface Me {
  user: string;
  loggedIn: boolean;
  allowWrites: boolean;
  databases: number;
}

export class ApiError extends Error {}

async function parse<T>(r: Response): Promise<T> {
  if (r.status === 401) {
    location.href = '/';
    throw new ApiError('login required');
  }
  const body = await r.json();
  if (body !== null && typeof body === 'object' && 'error' in body && typeof body.error === 'string') throw new ApiError(body.error);
  return body as T;
}

export async function get<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: 'same-origin' }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return parse<T>(
    await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  );
}

/** Error replies inside a write's reply become exceptions too. */
export async function write(body: Record<string, unknown>): Promise<JsonReply> {
  const r = await post<{ reply: JsonReply }>('/api/edit', body);
  if (r.reply.t === 'error') throw new ApiError(r.reply.v);
  return r.reply;
}
