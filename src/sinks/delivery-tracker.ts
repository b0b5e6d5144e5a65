import {
  RetryableSinkError,
  type DeliveryOutcome,
  type SinkError,
  type SinkHealth,
} from './sink.js';

/**
 * The lifecycle bookkeeping every sink needs, so adapters only do I/O: refuses deliveries once
 * closing (SB_SINK_CLOSED), counts the ones in flight so `close` can wait for them, and keeps
 * what `health()` reports.
 */
export class DeliveryTracker {
  #state: SinkHealth['state'] = 'idle';
  #inFlight = new Set<Promise<unknown>>();
  #lastError: SinkHealth['lastError'];
  #closing = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  started(): void {
    if (!this.#closing) this.#state = 'ready';
  }

  /** Runs one delivery; records its failures for health. */
  async track(deliver: () => Promise<DeliveryOutcome[]>): Promise<DeliveryOutcome[]> {
    if (this.#closing)
      throw new RetryableSinkError('the sink is closed', { code: 'SB_SINK_CLOSED' });
    const run = deliver();
    this.#inFlight.add(run);
    try {
      const outcomes = await run;
      const failures = outcomes.flatMap((o) => (o.status === 'failed' ? [o.error] : []));
      const retryable = failures.find((e) => e instanceof RetryableSinkError);
      if (retryable) this.failed(retryable);
      else {
        if (failures[0]) this.#record(failures[0]);
        if (this.#state === 'failing') this.#state = 'ready';
      }
      return outcomes;
    } catch (err) {
      if (err instanceof RetryableSinkError) this.failed(err);
      throw err;
    } finally {
      this.#inFlight.delete(run);
    }
  }

  /** A retryable failure marks the sink failing until a delivery succeeds. */
  failed(error: SinkError): void {
    this.#record(error);
    if (error instanceof RetryableSinkError && this.#state === 'ready') this.#state = 'failing';
  }

  /** Refuses new deliveries and resolves once the in-flight ones have settled. */
  async close(): Promise<void> {
    this.#closing = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    this.#state = 'closed';
  }

  get closing(): boolean {
    return this.#closing;
  }

  health(): SinkHealth {
    return {
      state: this.#state,
      inFlight: this.#inFlight.size,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  #record(error: SinkError): void {
    this.#lastError = { code: error.code, message: error.message, at: this.now().toISOString() };
  }
}
