// SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first.
import type { Client } from './client';
import { redacted } from './monitor';

export interface SlowLogEntry {
  id: number;
  time: number; // unix seconds
  micros: number;
  argv: string[];
  peer: string;
  name: string;
}

const MAX_ARGS = 32; // SLOWLOG_ENTRY_MAX_ARGC
const MAX_STRING = 128; // SLOWLOG_ENTRY_MAX_STRING

export class SlowLog {
  entries: SlowLogEntry[] = [];
  nextId = 0;
  maxLen = 128;
  slowerThan = 10000;

  record(c: Client, argv: string[], micros: number, nowMs: number): void {
    if (this.slowerThan < 0 || micros < this.slowerThan) return;
    argv = redacted(argv);
    const args: string[] = [];
    const n = Math.min(argv.length, MAX_ARGS);
    for (let i = 0; i < n; i++) {
      if (i === MAX_ARGS - 1 && argv.length > MAX_ARGS) {
        args.push(`... (${argv.length - MAX_ARGS + 1} more arguments)`);
        break;
      }
      const a = argv[i];
      args.push(a.length > MAX_STRING ? `${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)` : a);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(nowMs / 1000), micros: Math.floor(micros), argv: args, peer: c.addr, name: c.name });
    this.trim();
  }

  trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
