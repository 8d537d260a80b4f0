// A small HTTP client for the dashboard tests: fetch with a cookie jar of one cookie.
import type { RespiteServer } from '../../src/index';

export class DashboardClient {
  cookie: string | null = null;
  readonly base: string;

  constructor(s: RespiteServer) {
    if (s.http === null) throw new Error('server has no HTTP endpoint');
    this.base = s.http.url.replace(/\/$/, '');
  }

  async login(user: string, password: string): Promise<number> {
    const r = await fetch(this.base + '/login', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user, password }).toString(),
    });
    const set = r.headers.get('set-cookie');
    if (set !== null) this.cookie = set.split(';')[0];
    return set === null ? 401 : 200;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
    const r = await fetch(this.base + path, { headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...headers } });
    const text = await r.text();
    return { status: r.status, text, body: safeJson(text), headers: r.headers };
  }

  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const r = await fetch(this.base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: safeJson(text) };
  }
}

function safeJson(t: string): any {
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}
