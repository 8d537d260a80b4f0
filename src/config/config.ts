// Configuration parameters: one table of definitions (config/table.ts), values kept in their
// canonical string form (what CONFIG GET prints), typed accessors, validation like Redis's, and
// apply hooks so a CONFIG SET takes effect at once.
import type { Server } from '../engine/server';
import { CONFIG_TABLE } from './table';

export type ConfigType = 'bool' | 'int' | 'memory' | 'enum' | 'string' | 'special';

export interface ConfigDef {
  name: string;
  aliases?: string[];
  type: ConfigType;
  /** Default in canonical form. */
  default: string;
  min?: number;
  max?: number;
  /** Allowed values for enums (and flag lists when `multi`). */
  values?: string[];
  /** An enum that accepts several space-separated values (e.g. oom-score-adj). */
  multi?: boolean;
  /** Cannot be changed with CONFIG SET. */
  immutable?: boolean;
  /** Hidden from CONFIG GET * (deprecated or debug-only). */
  hidden?: boolean;
  /** Sensitive: redacted in logs. */
  sensitive?: boolean;
  /**
   * For 'special' types (and extra checks): turns input into canonical form or returns an error
   * text (the part after "argument ... - ") .
   */
  parse?: (input: string, server: Server | null) => string | { error: string };
  /** Applies a new value to the running server; returns an error text to refuse it. */
  apply?: (server: Server, value: string) => string | void;
}

export class ConfigError {
  constructor(readonly message: string) {}
}

const defsByName = new Map<string, ConfigDef>();
for (const d of CONFIG_TABLE) {
  defsByName.set(d.name, d);
  for (const a of d.aliases ?? []) defsByName.set(a, d);
}

export function configDef(name: string): ConfigDef | undefined {
  return defsByName.get(name.toLowerCase());
}

export function allConfigDefs(): readonly ConfigDef[] {
  return CONFIG_TABLE;
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 * 1000,
  mb: 1024 * 1024,
  g: 1000 * 1000 * 1000,
  gb: 1024 * 1024 * 1024,
};

/** Redis's memtoull: "100mb", "1gb", "42". Null when invalid. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)([a-zA-Z]*)$/.exec(s);
  if (!m) return null;
  const unit = MEMORY_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  return Number(m[1]) * unit;
}

/** Normalises a value for `def`, or returns the reason it is invalid. */
export function normalize(def: ConfigDef, input: string, server: Server | null): string | { error: string } {
  switch (def.type) {
    case 'bool': {
      const v = input.toLowerCase();
      if (v === 'yes' || v === 'no') return v;
      return { error: "argument must be 'yes' or 'no'" };
    }
    case 'int':
    case 'memory': {
      let n: number | null;
      if (def.type === 'memory') n = parseMemory(input);
      else n = /^-?\d+$/.test(input) ? Number(input) : null;
      if (n === null || !Number.isFinite(n)) {
        return { error: def.type === 'memory' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer" };
      }
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        return { error: `argument must be between ${def.min} and ${def.max} inclusive` };
      }
      if (def.parse) return def.parse(String(n), server);
      return String(n);
    }
    case 'enum': {
      const words = def.multi ? input.split(/\s+/).filter(Boolean) : [input];
      const out: string[] = [];
      for (const w of words) {
        const v = w.toLowerCase();
        if (!def.values!.includes(v)) return { error: `argument(s) must be one of the following: ${def.values!.join(', ')}` };
        out.push(v);
      }
      return out.join(' ');
    }
    case 'string':
    case 'special':
      return def.parse ? def.parse(input, server) : input;
  }
}

export class Config {
  private values = new Map<string, string>();

  constructor() {
    for (const d of CONFIG_TABLE) this.values.set(d.name, d.default);
  }

  get(name: string): string {
    const d = configDef(name);
    if (!d) throw new Error(`unknown config ${name}`);
    return this.values.get(d.name)!;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** Sets an already normalised value (no validation, no apply hook). */
  setRaw(name: string, value: string): void {
    const d = configDef(name);
    if (!d) throw new Error(`unknown config ${name}`);
    this.values.set(d.name, value);
  }

  /** Names (canonical) matching a glob, for CONFIG GET. */
  entries(): [ConfigDef, string][] {
    return CONFIG_TABLE.map((d) => [d, this.values.get(d.name)!]);
  }
}
