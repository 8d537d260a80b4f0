// Progress lines in the log while a large RDB or AOF loads (Redis says nothing until it is done;
// an operator watching a multi-gigabyte load wants to know it moves): at most one line a second,
// with the share done, the rate and the keys loaded so far.
import type { Logger } from '../engine/logger';

const INTERVAL_MS = 1000;
const MB = 1024 * 1024;

export class LoadProgress {
  private readonly started = Date.now();
  private next = this.started + INTERVAL_MS;

  constructor(
    private readonly log: Logger,
    private readonly what: 'RDB' | 'AOF',
    private readonly totalBytes: number,
  ) {}

  /** Called between load slices; cheap when no line is due. */
  tick(bytesDone: number, keys: number): void {
    const now = Date.now();
    if (now < this.next) return;
    this.next = now + INTERVAL_MS;
    const pct = this.totalBytes > 0 ? Math.floor((bytesDone * 100) / this.totalBytes) : 100;
    const rate = bytesDone / MB / Math.max((now - this.started) / 1000, 0.001);
    this.log.notice(
      `Loading ${this.what}: ${pct}% (${(bytesDone / MB).toFixed(1)} MB of ${(this.totalBytes / MB).toFixed(1)} MB, ${rate.toFixed(1)} MB/s), ${keys} keys loaded`,
    );
  }
}
