import type { Metrics } from './metrics.js';
import type { StatsSample } from '../protocol/stats.js';

export type { StatsSample } from '../protocol/stats.js';

export interface StatsHistoryOptions {
  /** Told when a timed sample fails (the next one runs as usual). */
  onError?: (err: unknown) => void;
  metrics: Metrics;
  /** Lag per consumer, events behind the log end. */
  consumerLag: () => Promise<Record<string, number>>;
  liveClients: () => number;
  intervalMs?: number;
  /** Samples kept (default 450: 15 minutes at 2 s). */
  keep?: number;
}

interface Totals {
  at: number;
  stored: number;
  duplicates: number;
  signatureFailures: number;
  /** Cumulative ack-latency bucket counts, by upper bound in seconds. */
  buckets: Map<number, number>;
}

/**
 * Samples the gateway's own metrics every few seconds and keeps the last minutes, so the
 * dashboard's health page can chart them without a Prometheus server.
 */
export class StatsHistory {
  readonly intervalMs: number;
  readonly #o: StatsHistoryOptions;
  readonly #keep: number;
  readonly #samples: StatsSample[] = [];
  #last: Totals | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sampling = false;

  constructor(options: StatsHistoryOptions) {
    this.#o = options;
    this.intervalMs = options.intervalMs ?? 2000;
    this.#keep = options.keep ?? 450;
  }

  start(): void {
    // A failed sample (the log closing under it) is a gap in a chart, never a process failure.
    const tick = () => void this.sample().catch((err: unknown) => this.#o.onError?.(err));
    tick();
    this.#timer = setInterval(tick, this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  samples(): StatsSample[] {
    return [...this.#samples];
  }

  async sample(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      const totals = await this.#totals();
      const prev = this.#last;
      this.#last = totals;
      if (!prev) return;
      const secs = Math.max(0.001, (totals.at - prev.at) / 1000);
      const deltaBuckets = new Map<number, number>();
      for (const [le, n] of totals.buckets) deltaBuckets.set(le, n - (prev.buckets.get(le) ?? 0));
      this.#samples.push({
        at: new Date(totals.at).toISOString(),
        ingestPerSec: round((totals.stored - prev.stored) / secs),
        ackP50Ms: quantileMs(deltaBuckets, 0.5),
        ackP99Ms: quantileMs(deltaBuckets, 0.99),
        signatureFailuresPerSec: round((totals.signatureFailures - prev.signatureFailures) / secs),
        duplicatesPerSec: round((totals.duplicates - prev.duplicates) / secs),
        consumerLag: await this.#o.consumerLag(),
        liveClients: this.#o.liveClients(),
      });
      if (this.#samples.length > this.#keep)
        this.#samples.splice(0, this.#samples.length - this.#keep);
    } finally {
      this.#sampling = false;
    }
  }

  async #totals(): Promise<Totals> {
    const m = this.#o.metrics;
    const sum = (values: { value: number; labels: Record<string, unknown> }[], where = {}) =>
      values
        .filter((v) => Object.entries(where).every(([k, want]) => v.labels[k] === want))
        .reduce((acc, v) => acc + v.value, 0);
    const events = await m.ingestEvents.get();
    const dups = await m.duplicates.get();
    const sigs = await m.signatureFailures.get();
    const ack = await m.ackLatency.get();
    const buckets = new Map<number, number>();
    for (const v of ack.values) {
      if (!v.metricName?.endsWith('_bucket')) continue;
      const raw = (v.labels as Record<string, unknown>).le;
      const le = raw === '+Inf' ? Infinity : Number(raw);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    }
    return {
      at: Date.now(),
      stored: sum(events.values, { outcome: 'stored' }),
      duplicates: sum(dups.values),
      signatureFailures: sum(sigs.values),
      buckets,
    };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** A quantile from cumulative histogram buckets, interpolated linearly inside the bucket. */
export function quantileMs(cumulative: Map<number, number>, q: number): number | null {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const total = cumulative.get(Infinity) ?? (bounds.length ? cumulative.get(bounds.at(-1)!)! : 0);
  if (!total) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const count = cumulative.get(le)!;
    if (count >= rank) {
      if (le === Infinity) return round(prevBound * 1000);
      const inBucket = count - prevCount;
      const frac = inBucket === 0 ? 1 : (rank - prevCount) / inBucket;
      return round((prevBound + (le - prevBound) * frac) * 1000);
    }
    prevBound = le;
    prevCount = count;
  }
  return round(prevBound * 1000);
}
