// The server's clock. Real time by default; the embedded API can freeze, set or advance it so
// that TTLs and timeouts are tested without waiting.

export class Clock {
  private frozenAt: number | null = null;
  private offset = 0;
  private listeners: (() => void)[] = [];

  /** Milliseconds since the Unix epoch, as the server sees it. */
  now(): number {
    return this.frozenAt ?? Date.now() + this.offset;
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Stops time at its current value (or at `at`). */
  freeze(at?: number): void {
    this.frozenAt = at ?? this.now();
    this.changed();
  }

  /** Lets time run again from where it stands. */
  unfreeze(): void {
    if (this.frozenAt === null) return;
    this.offset = this.frozenAt - Date.now();
    this.frozenAt = null;
  }

  /** Moves time forward (or backward with a negative value). */
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offset += ms;
    this.changed();
  }

  /** Jumps to an absolute time in ms. */
  set(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt = ms;
    else this.offset = ms - Date.now();
    this.changed();
  }

  /** Called after every manual change of time (the server runs expiry and timeouts then). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}
