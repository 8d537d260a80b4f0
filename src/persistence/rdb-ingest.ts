// Runs an RdbLoader in slices across event-loop turns, so clients are served while a large image
// loads (Redis processes events every loading-process-events-interval-bytes while it loads). The
// image is either whole (a file at startup) or arrives piece by piece from a master's socket
// (a diskless full sync): then a slice runs whenever the loader has bytes it can parse.
import type { RdbLoader } from './rdb-file';

export interface IngestOptions {
  /** Milliseconds of work per slice. */
  budgetMs: number;
  /** Bytes of image per slice at most (loading-process-events-interval-bytes). */
  intervalBytes: number;
  /** key-load-delay (microseconds per record, a test hook as in Redis): 0 for none. */
  keyDelayUs: number;
}

export class RdbIngest {
  private scheduled = false;
  private over = false;

  constructor(
    readonly loader: RdbLoader,
    private readonly opts: IngestOptions,
    /** Called once: null when the image loaded completely, else the error that stopped it. */
    private readonly finished: (err: unknown) => void,
    /** Called after each slice that did not finish (progress lines, keep-alives). */
    private readonly afterSlice: (() => void) | null = null,
  ) {}

  /** Whether the load still runs (not finished, failed or aborted). */
  get running(): boolean {
    return !this.over;
  }

  /** More bytes of a partial image. */
  feed(chunk: Buffer): void {
    this.loader.feed(chunk);
    this.kick();
  }

  /** The image is complete (no more bytes will come). */
  end(): void {
    this.loader.end();
    this.kick();
  }

  /** Stops without calling back (the caller discards what was loaded). */
  abort(): void {
    this.over = true;
  }

  /** Schedules a slice if there is work it can do. */
  kick(): void {
    if (this.scheduled || this.over || !this.loader.ready) return;
    this.scheduled = true;
    setImmediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    if (this.over) return;
    const loader = this.loader;
    let done: boolean;
    try {
      done = this.opts.keyDelayUs !== 0 ? this.delayedStep() : loader.step(this.opts.budgetMs, Infinity, this.opts.intervalBytes);
    } catch (e) {
      this.over = true;
      this.finished(e);
      return;
    }
    if (done) {
      this.over = true;
      this.finished(null);
      return;
    }
    this.afterSlice?.();
    this.kick();
  }

  /** key-load-delay: each record takes at least that long (negative: 1 µs once in |n| records). */
  private delayedStep(): boolean {
    const d = this.opts.keyDelayUs;
    const t0 = performance.now();
    for (;;) {
      const done = this.loader.step(Infinity, 1);
      const us = d > 0 ? d : Math.floor(Math.random() * -d) === 0 ? 1 : 0;
      const until = performance.now() + us / 1000;
      while (performance.now() < until) {
        /* spin: simulates slow loading */
      }
      if (done || this.loader.starved || performance.now() - t0 >= this.opts.budgetMs) return done;
    }
  }
}
