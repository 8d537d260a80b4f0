// INFO: Redis 7.0.15's sections and fields, in its order and format. Each subsystem reports its
// own section (InfoState.provide, wired by the composition root): the server's own in
// engine/info-server.ts, memory in engine/info-memory.ts, persistence, replication, keyspace and
// the command statistics by their owners; this file prints them. Values are respite's own
// where it has the concept; fields about machinery respite does not have (forks, AOF, jemalloc,
// replication links, io threads...) carry the values an idle Redis reports (0, -1, "ok", "").
//
// Memory figures come from the V8 process: used_memory = heapUsed + external (JS objects plus
// Buffers), used_memory_rss = rss, allocator_allocated/active/resident = used / heapTotal +
// external / rss, used_memory_startup = used_memory when the server was created (the dataset
// figures are relative to it). They describe the whole Node process, which may host other code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InfoFields, ServerContext } from './context';
import { replicationOf } from '../replication/replication';

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
/** Every section, in the order Redis prints them, with its title. */
const ALL_SECTIONS: [string, string][] = [
  ['server', 'Server'],
  ['clients', 'Clients'],
  ['memory', 'Memory'],
  ['persistence', 'Persistence'],
  ['stats', 'Stats'],
  ['replication', 'Replication'],
  ['cpu', 'CPU'],
  ['modules', 'Modules'],
  ['commandstats', 'Commandstats'],
  ['errorstats', 'Errorstats'],
  ['latencystats', 'Latencystats'],
  ['cluster', 'Cluster'],
  ['keyspace', 'Keyspace'],
];

function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Per-server state that only INFO uses (Server.info): the memory baseline and peak, and the
 * instantaneous_* metrics, sampled by the cron every 100 ms.
 */
export class InfoState {
  readonly startupMemory: number;
  peakMemory: number;
  readonly samples: { t: number; ops: number; inBytes: number; outBytes: number }[] = [];
  /** Lua heap size last measured (kept for INFO run while a script runs). */
  luaHeap = 0;
  /** Who reports each section (the composition root wires them; see provide()). */
  private readonly sections = new Map<string, () => InfoFields>();

  constructor(srv: ServerContext) {
    const used = usedMemory();
    this.startupMemory = this.peakMemory = used;
    srv.events.on('cron', () => {
      const now = performance.now();
      const s = this.samples;
      const last = s[s.length - 1];
      if (last && now - last.t < 100) return;
      s.push({ t: now, ops: srv.stats.totalCommands, inBytes: srv.stats.netInputBytes, outBytes: srv.stats.netOutputBytes });
      if (s.length > 17) s.shift();
      const u = usedMemory();
      if (u > this.peakMemory) this.peakMemory = u;
    });
  }

  /** Makes `fields` the reporter of INFO section `name` (each subsystem reports its own). */
  provide(name: string, fields: () => InfoFields): void {
    this.sections.set(name, fields);
  }

  /** One section's text: its title line and its fields, CRLF-terminated; '' for no reporter. */
  sectionText(name: string, title: string): string {
    const fields = this.sections.get(name);
    if (fields === undefined) return '';
    let text = `# ${title}\r\n`;
    for (const [k, v] of fields()) text += `${k}:${v}\r\n`;
    return text;
  }
}

/** The server's INFO bookkeeping (Server.info). */
export function infoState(srv: ServerContext): InfoState {
  return srv.info;
}

/** DEBUG CHANGE-REPL-ID */
export function changeReplId(srv: ServerContext): void {
  replicationOf(srv).changeReplId();
}

/** Per-second rate of a counter over the sampled window (Redis's getInstantaneousMetric). */
export function instantaneousRate(st: InfoState, pick: (s: InfoState['samples'][0]) => number): number {
  const s = st.samples;
  if (s.length < 2) return 0;
  const a = s[0];
  const b = s[s.length - 1];
  const dt = (b.t - a.t) / 1000;
  return dt > 0 ? (pick(b) - pick(a)) / dt : 0;
}

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  let i = 0;
  while (d >= 1024 && i < units.length - 1) {
    d /= 1024;
    i++;
  }
  return `${d.toFixed(2)}${units[i]}`;
}

let packageVersion: string | null = null;

/** respite's version, from its package.json. */
export function respiteVersion(): string {
  if (packageVersion !== null) return packageVersion;
  packageVersion = '0.0.0';
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'respite') {
        packageVersion = String(pkg.version);
        break;
      }
    } catch {
      // not here; look further up
    }
  }
  return packageVersion;
}

/**
 * The INFO text for the requested sections (Redis's genInfoSectionDict + genRedisInfoString):
 * none = default; `all` = every section but modules'; `everything` = all of them; unknown
 * names are ignored; sections always come out in Redis's order.
 */
export function infoText(srv: ServerContext, args: string[]): string {
  const wanted = new Set<string>();
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) wanted.add(s);
  for (const a of args) {
    const name = a.toLowerCase();
    if (name === 'all' || name === 'everything') for (const [s] of ALL_SECTIONS) wanted.add(s);
    else if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const [name, title] of ALL_SECTIONS) if (wanted.has(name)) parts.push(srv.info.sectionText(name, title));
  return parts.join('\r\n');
}
