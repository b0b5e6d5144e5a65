/**
 * A sink whose answers a test scripts (`script`: outcomes per batch, or a thrown SinkError),
 * recording what it delivered: the router's behaviour is tested against it, the real adapters
 * against the Sink conformance suite.
 */
import type { StoredEvent } from '../../src/log/event-log.js';
import {
  assertValidLimits,
  type DeliveryOutcome,
  type Sink,
  type SinkHealth,
  type SinkLimits,
} from '../../src/sinks/index.js';

export class ScriptSink implements Sink {
  readonly type = 'http' as const;
  readonly limits: SinkLimits;
  /** Deliveries reported delivered, by event id. */
  readonly received = new Map<string, number>();
  calls = 0;
  script: (batch: readonly StoredEvent[]) => DeliveryOutcome[] | Promise<DeliveryOutcome[]> = (
    batch,
  ) => batch.map(() => ({ status: 'delivered' }));
  #closed = false;

  constructor(
    readonly name: string,
    limits: Partial<SinkLimits> = {},
  ) {
    this.limits = assertValidLimits({
      maxBatchEvents: 10,
      maxBatchBytes: 1 << 20,
      maxEventBytes: 1 << 18,
      maxConcurrency: 2,
      ...limits,
    });
  }

  /** Runs on each `start()`; throwing makes the start fail. */
  onStart: () => void = () => undefined;
  starts = 0;

  async start(): Promise<void> {
    this.starts++;
    this.onStart();
  }

  async deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    if (this.#closed) throw new Error('closed');
    this.calls++;
    const outcomes = await this.script(batch);
    batch.forEach((e, i) => {
      if (outcomes[i]?.status !== 'failed')
        this.received.set(e.id, (this.received.get(e.id) ?? 0) + 1);
    });
    return outcomes;
  }

  health(): SinkHealth {
    return { state: this.#closed ? 'closed' : 'ready', inFlight: 0 };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
