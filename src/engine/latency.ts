// Latency statistics, as Redis 7.0 keeps them:
// - per-command histograms of call durations (INFO latencystats, LATENCY HISTOGRAM), bucketed
//   like the HdrHistogram Redis uses (1 ns .. 1 s, 2 significant digits), so percentiles and
//   bucket bounds come out as the same numbers Redis prints;
// - the latency monitor (LATENCY LATEST/HISTORY/RESET/DOCTOR/GRAPH): events slower than
//   latency-monitor-threshold, one sample per second, 160 samples per event.

import { SparkSample, renderSparkline } from './sparkline';

const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 7; // 2 significant digits -> 256 sub-buckets
const SUB_BUCKET_MASK = 0xff;
const MAX_NS = 1_000_000_000;

/** The bucket index of a value (HdrHistogram counts_index_for). */
function indexOf(v: number): number {
  const bucket = Math.max(0, 31 - Math.clz32(v | SUB_BUCKET_MASK) - SUB_BUCKET_HALF_COUNT_MAGNITUDE);
  const sub = Math.floor(v / 2 ** bucket);
  return ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub - 128;
}

/** The largest value that lands in the same bucket as the value at this index. */
function highestAt(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
  let sub = (index & 127) + 128;
  if (bucket < 0) {
    sub -= 128;
    bucket = 0;
  }
  return sub * 2 ** bucket + 2 ** bucket - 1;
}

/** highest_equivalent_value(v) */
function highestEquivalent(v: number): number {
  return highestAt(indexOf(v));
}

export class LatencyHistogram {
  /** bucket index -> count; a flat array keeps record() to one indexed add on the hot path. */
  private counts = new Float64Array(indexOf(MAX_NS) + 1);
  total = 0;

  /** Records a duration in microseconds (Redis records whole microseconds, as nanoseconds). */
  record(micros: number): void {
    let ns = Math.floor(micros) * 1000;
    if (ns < 1) ns = 1;
    else if (ns > MAX_NS) ns = MAX_NS;
    const i = indexOf(ns);
    this.counts[i]++;
    this.total++;
  }

  private sorted(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] !== 0) out.push([i, this.counts[i]]);
    return out;
  }

  /** hdr_value_at_percentile, in nanoseconds. */
  valueAtPercentile(p: number): number {
    const want = Math.max(1, Math.floor((Math.min(p, 100) / 100) * this.total + 0.5));
    let seen = 0;
    for (const [i, n] of this.sorted()) {
      seen += n;
      if (seen >= want) return highestAt(i);
    }
    return 0;
  }

  /** Cumulative counts at power-of-two bucket bounds from 1024 ns (LATENCY HISTOGRAM). */
  cumulative(): [number, number][] {
    const out: [number, number][] = [];
    const entries = this.sorted();
    let k = 0;
    let cum = 0;
    let prev = 0;
    for (let level = 1024; cum < this.total; level *= 2) {
      const upto = highestEquivalent(level);
      while (k < entries.length && highestAt(entries[k][0]) <= upto) cum += entries[k++][1];
      if (cum > prev) {
        out.push([Math.floor(upto / 1000), cum]);
        prev = cum;
      }
    }
    return out;
  }
}

// ---- latency monitor --------------------------------------------------------------------------

const TS_LEN = 160;

export interface LatencySample {
  time: number; // unix seconds
  latency: number; // ms
}

export class LatencySeries {
  samples: LatencySample[] = [];
  max = 0;
}

export class LatencyMonitor {
  /** latency-monitor-threshold in ms; 0 disables the monitor. */
  threshold = 0;
  readonly events = new Map<string, LatencySeries>();

  /** Records an event if it reached the threshold (latencyAddSampleIfNeeded). */
  addIfNeeded(event: string, ms: number, nowMs: number): void {
    if (this.threshold > 0 && ms >= this.threshold) this.add(event, Math.floor(ms), Math.floor(nowMs / 1000));
  }

  add(event: string, latency: number, now: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) this.events.set(event, (ts = new LatencySeries()));
    if (latency > ts.max) ts.max = latency;
    const last = ts.samples[ts.samples.length - 1];
    // One sample per second: a second event in the same second keeps the worst.
    if (last && last.time === now) {
      if (latency > last.latency) last.latency = latency;
      return;
    }
    ts.samples.push({ time: now, latency });
    if (ts.samples.length > TS_LEN) ts.samples.shift();
  }

  /** Forgets one event (or all); returns how many were reset. */
  reset(event?: string): number {
    if (event === undefined) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    return this.events.delete(event) ? 1 : 0;
  }
}

const GRAPH_COLS = 80;

/** LATENCY GRAPH's text: a header line, a rule, and the sparkline of the samples. */
export function latencyGraphText(event: string, ts: LatencySeries, nowSecs: number): string {
  let min = 0;
  let max = 0;
  const samples: SparkSample[] = ts.samples.map((s, i) => {
    if (i === 0) min = max = s.latency;
    else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
    const ago = nowSecs - s.time;
    const label = ago < 60 ? `${ago}s` : ago < 3600 ? `${Math.floor(ago / 60)}m` : ago < 86400 ? `${Math.floor(ago / 3600)}h` : `${Math.floor(ago / 86400)}d`;
    return { value: s.latency, label };
  });
  return `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n${renderSparkline(samples, GRAPH_COLS, 4)}`;
}
