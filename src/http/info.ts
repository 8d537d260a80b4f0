// INFO text to fields, the way monitoring tools read it: "# Section" headers, "name:value" lines.
// The dashboard and /metrics read the server through INFO like any client (redis_exporter does
// the same), so they see exactly what redis-cli would and depend on no engine internals.

export interface InfoFields {
  /** Section name (as printed, e.g. "Commandstats") -> field -> value. */
  sections: Map<string, Map<string, string>>;
  /** Every field, whatever its section. */
  all: Map<string, string>;
}

export function parseInfo(text: string): InfoFields {
  const sections = new Map<string, Map<string, string>>();
  const all = new Map<string, string>();
  let cur = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('# ')) {
      cur = new Map();
      sections.set(line.slice(2), cur);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const k = line.slice(0, colon);
    const v = line.slice(colon + 1);
    cur.set(k, v);
    all.set(k, v);
  }
  return { sections, all };
}

/** "keys=1,expires=0,avg_ttl=0" -> { keys: "1", ... }. */
export function parseInfoPairs(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}
