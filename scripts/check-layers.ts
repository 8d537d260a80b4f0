// The import-direction check run by `npm test` (test/unit/layers.test.ts) against layers.json.
//
// Runtime imports are read from the compiled JavaScript (dist/src): what tsc emits as require()
// is exactly what loads at run time, lazy require() calls included, and type-only imports are
// gone. Two rules hold for them: no cycle between files, and no file imports a file of a higher
// layer. Type-only imports are read from the TypeScript sources: they do not load anything, but an
// upward one still couples a lower layer to the shape of a higher one, so the layers that must
// stay self-contained (layers.json "strictTypes") may not have any.
//
// Known violations listed in layers.json are tolerated (and reported when they disappear, so the
// list only shrinks); anything else fails.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LayerRules {
  /** Lowest first: a file may import files of its own layer or of the layers before it. */
  layers: { name: string; files: string[] }[];
  /** Layers whose files may not import upward even for types. */
  strictTypes: string[];
  /** "from -> to" edges (paths relative to the repository root, .ts) tolerated for now. */
  knownUpward: string[];
  /** Files of runtime cycles tolerated for now, each cycle as a sorted list of paths. */
  knownCycles: string[][];
}

export interface LayerReport {
  unplaced: string[];
  upward: string[];
  typeUpward: string[];
  cycles: string[][];
  /** Known violations that no longer occur (remove them from layers.json). */
  stale: string[];
}

function walk(dir: string, ext: string, out: string[] = []): string[] {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) walk(p, ext, out);
    else if (p.endsWith(ext) && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Glob with `*` (within a path segment) and `**` (any depth). */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else re += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Resolves a relative specifier the way Node does for our emitted files. */
function resolve(fromFile: string, spec: string, ext: string): string | null {
  const base = path.join(path.dirname(fromFile), spec);
  for (const cand of [base + ext, path.join(base, 'index' + ext), base]) {
    if (cand.endsWith(ext) && fs.existsSync(cand)) return cand;
  }
  return null;
}

const REQUIRE = /\brequire\(\s*["'](\.[^"']+)["']\s*\)/g;
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?[^'";]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

/** Checks the repository at `root` (which holds src/, dist/src/ and layers.json). */
export function checkLayers(root: string, rules: LayerRules): LayerReport {
  const layerOf = new Map<string, number>();
  const matchers = rules.layers.map((l) => l.files.map(globToRegExp));
  const srcFiles = walk(path.join(root, 'src'), '.ts').map((f) => path.relative(root, f).split(path.sep).join('/'));
  const unplaced: string[] = [];
  // A file named exactly wins over a glob (keyspace/eviction.ts is a subsystem, keyspace/** is not).
  const exact = rules.layers.map((l) => new Set(l.files.filter((g) => !g.includes('*'))));
  for (const f of srcFiles) {
    let i = exact.findIndex((s) => s.has(f));
    if (i < 0) i = matchers.findIndex((ms) => ms.some((m) => m.test(f)));
    if (i < 0) unplaced.push(f);
    else layerOf.set(f, i);
  }
  const strict = new Set(rules.strictTypes.map((n) => rules.layers.findIndex((l) => l.name === n)));
  const describe = (f: string) => `${f} (${rules.layers[layerOf.get(f)!]?.name})`;

  // Runtime graph, from dist/src, named by the .ts source.
  const dist = path.join(root, 'dist');
  const graph = new Map<string, string[]>();
  for (const js of walk(path.join(dist, 'src'), '.js')) {
    const from = path.relative(dist, js).replace(/\.js$/, '.ts').split(path.sep).join('/');
    if (!layerOf.has(from)) continue; // a stale build output whose source is gone
    const deps: string[] = [];
    for (const m of fs.readFileSync(js, 'utf8').matchAll(REQUIRE)) {
      const target = resolve(js, m[1], '.js');
      if (target === null) continue;
      const to = path.relative(dist, target).replace(/\.js$/, '.ts').split(path.sep).join('/');
      if (layerOf.has(to)) deps.push(to);
    }
    graph.set(from, deps);
  }

  const known = new Set(rules.knownUpward);
  const seen = new Set<string>();
  const upward: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      if (layerOf.get(to)! <= layerOf.get(from)!) continue;
      const edge = `${from} -> ${to}`;
      seen.add(edge);
      if (!known.has(edge)) upward.push(`${describe(from)} imports ${describe(to)}`);
    }
  }

  // Type-only upward imports of the strict layers, from the sources.
  const typeUpward: string[] = [];
  for (const f of srcFiles) {
    const li = layerOf.get(f);
    if (li === undefined || !strict.has(li)) continue;
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      const target = resolve(path.join(root, f), spec, '.ts');
      if (target === null) continue;
      const to = path.relative(root, target).split(path.sep).join('/');
      const lt = layerOf.get(to);
      if (lt !== undefined && lt > li) typeUpward.push(`${describe(f)} imports ${describe(to)}`);
    }
  }

  // Runtime cycles: strongly connected components of more than one file (Tarjan).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  const knownCycles = new Set(rules.knownCycles.map((c) => [...c].sort().join(' ')));
  const newCycles = cycles.filter((c) => !knownCycles.has(c.join(' ')));
  const cycleKeys = new Set(cycles.map((c) => c.join(' ')));

  const stale = [...rules.knownUpward.filter((e) => !seen.has(e)), ...[...knownCycles].filter((c) => !cycleKeys.has(c))];
  return { unplaced, upward, typeUpward, cycles: newCycles, stale };
}

/** The report as lines of text; empty when everything holds. */
export function formatReport(r: LayerReport): string[] {
  const out: string[] = [];
  for (const f of r.unplaced) out.push(`not in any layer (add it to layers.json): ${f}`);
  for (const e of r.upward) out.push(`upward runtime import: ${e}`);
  for (const e of r.typeUpward) out.push(`upward type import from a strict layer: ${e}`);
  for (const c of r.cycles) out.push(`runtime import cycle: ${c.join(' ')}`);
  for (const s of r.stale) out.push(`known violation no longer occurs (remove it from layers.json): ${s}`);
  return out;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  const rules = JSON.parse(fs.readFileSync(path.join(root, 'layers.json'), 'utf8')) as LayerRules;
  const lines = formatReport(checkLayers(root, rules));
  for (const l of lines) console.log(l);
  process.exitCode = lines.length === 0 ? 0 : 1;
}
