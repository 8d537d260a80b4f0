// The size of a client's reply buffer, as Redis 7.0 manages it and reports it (CLIENT LIST rbs=
// and rbp=, INFO reply_buffer_shrinks/expands). Redis gives each client a reply buffer that
// starts at 16 KB; the clients cron shrinks it towards the peak usage seen since the last peak
// reset (never below 1 KB), or doubles it (up to 16 KB) when a reply filled it. respite writes
// replies into its encoder's own chunks, so this is the bookkeeping alone: every flush records
// how much of the buffer the replies would have used, and the cron resizes as Redis would.
import type { Client } from './client';
import type { ServerContext } from './context';

const CHUNK_BYTES = 16 * 1024;
const MIN_BYTES = 1024;
/** Redis's default peak reset time (ms). */
export const DEFAULT_PEAK_RESET_MS = 5000;

export class ReplyBufferSettings {
  /** DEBUG REPLYBUFFER PEAK-RESET-TIME (ms); -1: never. */
  peakResetMs = DEFAULT_PEAK_RESET_MS;
  /** DEBUG REPLYBUFFER RESIZING */
  resizing = true;
  shrinks = 0;
  expands = 0;

  /** The clients cron resizes every client's buffer. */
  constructor(srv: ServerContext) {
    srv.events.on('cron', () => {
      const now = srv.clock.now();
      for (const c of srv.clients.values()) resize(c, this, now);
    });
  }
}

export class ReplyBuffer {
  size = CHUNK_BYTES;
  /** A new client counts as having filled its buffer, so it does not shrink at once. */
  peak = CHUNK_BYTES;
  /**
   * Redis stamps a new client's last peak reset in seconds and compares it with milliseconds, so
   * the first cron pass always resets the peak; 0 here has the same effect.
   */
  lastPeakReset = 0;

  /** A flush of `bytes` reply bytes: the buffer would have held up to its size of them. */
  record(bytes: number): void {
    const used = bytes < this.size ? bytes : this.size;
    if (used > this.peak) this.peak = used;
  }
}

/** The server's reply buffer settings (Server.replyBuffers). */
export function replyBufferSettings(srv: ServerContext): ReplyBufferSettings {
  return srv.replyBuffers;
}

/** clientsCronResizeOutputBuffer: the buffer is empty between events, so it can always move. */
function resize(c: Client, st: ReplyBufferSettings, now: number): void {
  const rb = c.replyBuffer;
  if (rb === null || !st.resizing) return;
  const half = rb.size / 2;
  const twice = rb.size * 2;
  let next = 0;
  if (half >= MIN_BYTES && rb.peak < half) {
    next = Math.max(MIN_BYTES, rb.peak + 1);
    st.shrinks++;
  } else if (twice < CHUNK_BYTES * 2 && rb.peak === rb.size) {
    next = Math.min(CHUNK_BYTES, twice);
    st.expands++;
  }
  if (st.peakResetMs >= 0 && now - rb.lastPeakReset >= st.peakResetMs) {
    rb.peak = 0;
    rb.lastPeakReset = now;
  }
  if (next !== 0) rb.size = next;
}
