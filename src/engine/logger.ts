// Log lines in redis-server's format: "pid:M 26 Nov 2026 07:12:03.123 * message".
import * as fs from 'node:fs';

const LEVELS = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const;
const MARK = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  level: keyof typeof LEVELS = 'notice';
  /** '' = stdout; a path appends to that file; null = silent (embedded default). */
  file: string | null = '';
  /** Extra sink, e.g. tests capturing the log. */
  sink: ((line: string) => void) | null = null;

  debug(msg: string): void {
    this.write(0, msg);
  }
  verbose(msg: string): void {
    this.write(1, msg);
  }
  notice(msg: string): void {
    this.write(2, msg);
  }
  warning(msg: string): void {
    this.write(3, msg);
  }

  /** Text written as is, without the pid/time prefix (the startup banner), at notice level. */
  raw(text: string): void {
    if (LEVELS.notice < LEVELS[this.level]) return;
    this.emit(text);
  }

  private write(level: number, msg: string): void {
    if (level < LEVELS[this.level]) return;
    if (this.file === null && this.sink === null) return;
    const d = new Date();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const ts = `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    this.emit(`${process.pid}:M ${ts} ${MARK[level]} ${msg}\n`);
  }

  private emit(line: string): void {
    if (this.file === null && this.sink === null) return;
    this.sink?.(line);
    if (this.file === '') process.stdout.write(line);
    else if (this.file) fs.appendFileSync(this.file, line);
  }
}
