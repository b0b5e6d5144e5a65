import { SwitchboardError } from '../errors.js';
import type { AppendResult, EventInput, EventSource, QuarantineEntry } from '../log/event-log.js';
import type { Appender, SourceContext, SourceHealth } from './source.js';

export interface SourceLifecycleOptions {
  kind: EventSource;
  /**
   * Whether a failed append opens a gap (push senders may give up retrying; a stream has no
   * retry at all). False for the reconciler: it receives gaps, and its next run repairs its own.
   */
  gapOnAppendFailure: boolean;
  now?: () => number;
}

/**
 * The part of the Source contract every source shares: the start/stop state machine, the count
 * of in-flight deliveries that `stop` waits for, `lastEventAt`, and the gap window opened by a
 * failed append and reported when an append succeeds again (or at stop).
 */
export class SourceLifecycle {
  readonly #options: SourceLifecycleOptions;
  readonly #now: () => number;
  #phase: 'idle' | 'running' | 'stopped' = 'idle';
  #ctx: SourceContext | undefined;
  #appender: Appender | undefined;
  #inflight = 0;
  #drained: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  /** Epoch ms, formatted only when asked: formatting a Date per append is measurable. */
  #lastEventMs: number | undefined;
  /** Open gap: when appends began failing (epoch ms), and why. */
  #failingSince: number | undefined;
  #failure: string | undefined;

  constructor(options: SourceLifecycleOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get running(): boolean {
    return this.#phase === 'running';
  }

  get lastEventAt(): string | null {
    return this.#lastEventMs === undefined ? null : iso(this.#lastEventMs);
  }

  /**
   * Idle → running with `ctx`; a no-op when running (the first context stays); rejected once
   * stopped (stop is final). Returns the context's appender, watched (see `#watch`).
   */
  start(ctx: SourceContext): Appender {
    if (this.#phase === 'stopped') {
      throw new SwitchboardError('SB_SHUTTING_DOWN', `the ${this.#options.kind} source is stopped`);
    }
    if (this.#phase === 'idle') {
      this.#ctx = ctx;
      this.#appender = this.#watch(ctx.append);
      this.#phase = 'running';
    }
    return this.#appender as Appender;
  }

  /** Refuses new deliveries at once; resolves when the in-flight ones have settled. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#phase = 'stopped';
      if (this.#inflight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#closeGap(this.#now());
    })();
    return this.#stopping;
  }

  /**
   * Begins a delivery: the context (with the watched appender) while running, else the refusal
   * the contract names. Every `enter` must be paired with one `leave`.
   */
  enter(): SourceContext & { append: Appender } {
    const ctx = this.#ctx;
    const append = this.#appender;
    if (this.#phase !== 'running' || ctx === undefined || append === undefined) {
      throw this.refusal() ?? new SwitchboardError('SB_NOT_READY');
    }
    this.#inflight++;
    return { ...ctx, append };
  }

  leave(): void {
    this.#inflight--;
    if (this.#inflight === 0 && this.#drained) {
      this.#drained();
      this.#drained = undefined;
    }
  }

  /** Runs `fn` as one delivery (counted for `stop`). */
  async run<T>(fn: (ctx: SourceContext & { append: Appender }) => Promise<T>): Promise<T> {
    const ctx = this.enter();
    try {
      return await fn(ctx);
    } finally {
      this.leave();
    }
  }

  /** Why a delivery would be refused now, or undefined while running. */
  refusal(): SwitchboardError | undefined {
    if (this.#phase === 'running') return undefined;
    const kind = this.#options.kind;
    return this.#phase === 'idle'
      ? new SwitchboardError('SB_NOT_READY', `the ${kind} source has not started`)
      : new SwitchboardError('SB_SHUTTING_DOWN', `the ${kind} source is stopped`);
  }

  /** `degraded` while a gap is open, or when the owner says so (`degradedBy`). */
  health(extra: { degradedBy?: string; counts?: Record<string, number> } = {}): SourceHealth {
    const degradedBy =
      this.#failingSince !== undefined
        ? `appends failing since ${iso(this.#failingSince)}: ${this.#failure ?? 'unknown error'}`
        : extra.degradedBy;
    const state =
      this.#phase === 'idle'
        ? 'starting'
        : this.#phase === 'stopped'
          ? 'stopped'
          : degradedBy !== undefined
            ? 'degraded'
            : 'running';
    return {
      state,
      lastEventAt: this.lastEventAt,
      ...(degradedBy !== undefined && state !== 'stopped' ? { detail: degradedBy } : {}),
      ...(extra.counts ? { counts: extra.counts } : {}),
    };
  }

  /** The context's appender, observed: successes move `lastEventAt` and close a gap. */
  #watch(inner: Appender): Appender {
    return {
      append: async (events: readonly EventInput[]): Promise<AppendResult[]> => {
        let results: AppendResult[];
        try {
          results = await inner.append(events);
        } catch (err) {
          this.#failed(err);
          throw err;
        }
        const at = this.#now();
        if (events.length > 0) this.#lastEventMs = at;
        this.#closeGap(at);
        return results;
      },
      quarantine: async (entry: QuarantineEntry): Promise<number> => {
        let id: number;
        try {
          id = await inner.quarantine(entry);
        } catch (err) {
          this.#failed(err);
          throw err;
        }
        this.#closeGap(this.#now());
        return id;
      },
      pendingEvents: () => inner.pendingEvents(),
    };
  }

  #failed(err: unknown): void {
    if (!this.#options.gapOnAppendFailure) return;
    this.#failure = err instanceof Error ? err.message : String(err);
    this.#failingSince ??= this.#now();
  }

  #closeGap(to: number): void {
    const from = this.#failingSince;
    if (from === undefined) return;
    this.#failingSince = undefined;
    this.#failure = undefined;
    this.#ctx?.reportGap({
      source: this.#options.kind,
      from: iso(from),
      to: iso(to),
      reason: 'append-failed',
    });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
