/**
 * The Sink port: delivers batches of stored events to one target (the lake, PostgreSQL,
 * EventBridge, RabbitMQ, an HTTP endpoint: CONTRACT.md "Sinks"). The router is the only caller:
 * it reads the log as one consumer per target, batches within the sink's `limits`, calls
 * `deliver`, and commits the offset once every event in the batch is delivered or dead-lettered.
 * Adapters live beside this file, one per target type, each owning its connections.
 * `runSinkSuite` in test/sinks holds every adapter to the guarantees below.
 *
 * Guarantees
 * - At-least-once: an event is only reported `delivered` (or `duplicate`) once the target has
 *   durably accepted it (committed, confirmed by the broker, answered 2xx): a crash after that
 *   loses nothing. Before the router commits, the same event may be delivered again (a retry,
 *   a restart, a DLQ replay).
 * - Idempotency by event id: the sink hands the event's `id` to the target as the idempotency
 *   key (a UNIQUE column, the AMQP message-id, the Standard Webhooks `webhook-id`, a file name
 *   derived from offsets...), so a redelivery is absorbed by the target and every event is
 *   observable there once per id. A sink never invents a per-attempt key.
 * - Bytes: the event's `body` reaches the target byte-exact wherever the target stores the raw
 *   payload (never re-serialized); parsed copies (silver tables) are in addition.
 * - Outcomes: `deliver` resolves with one outcome per event, in batch order, after every event
 *   it reports delivered is durable. It rejects only with a `SinkError`, meaning the same error
 *   for every event of the batch (the target was unreachable, say); some events may still have
 *   landed, which the target absorbs on redelivery. A `FinalSinkError` rejection says at least
 *   one event is at fault and the sink could not tell which: the router bisects the batch
 *   before dead-lettering.
 * - Limits: `limits` is declared before `start` and never changes. An event whose body exceeds
 *   `maxEventBytes` fails alone with `FinalSinkError` (SB_SINK_EVENT_TOO_LARGE), before any I/O,
 *   and never crashes the sink. A batch over `maxBatchEvents` or `maxBatchBytes` is the caller's
 *   bug: refused whole with a RangeError, before any I/O.
 * - Bounded: every I/O a sink does has a timeout (a timeout is retryable), so `deliver` always
 *   settles and `close` is bounded.
 * - Lifecycle: `start` opens connections and prepares the target (tables, directories);
 *   `close` stops taking deliveries (later calls reject with SB_SINK_CLOSED), waits for the
 *   in-flight ones to settle, then releases resources. `close` is idempotent.
 *
 * Out of scope: choosing which events go where (the router's patterns), offsets and commits,
 * retries, backoff, circuit breaking and the DLQ (the router does them from the error class),
 * ordering across targets or across concurrent `deliver` calls (each record carries its
 * offset so readers of the target can order), and dedupe beyond what the target's key gives.
 */

import { SwitchboardError, type CodeWith } from '../errors.js';
import type { StoredEvent } from '../log/event-log.js';

/** Target types (CONTRACT.md `sinks.targets[].type`). */
export type SinkType = 'lake' | 'postgres' | 'eventbridge' | 'amqp' | 'http';

/**
 * What the router must respect when it batches for this sink. Sizes count body bytes
 * (`body.byteLength`); a sink reserves its own envelope overhead when it declares them.
 */
export interface SinkLimits {
  /** Most events in one `deliver` call (EventBridge PutEvents: 10). */
  readonly maxBatchEvents: number;
  /** Most body bytes in one `deliver` call. */
  readonly maxBatchBytes: number;
  /** Largest body the target takes (EventBridge: 256 KB less the envelope). */
  readonly maxEventBytes: number;
  /** Most `deliver` calls the router may have in flight at once. */
  readonly maxConcurrency: number;
}

/** One per event of a batch, in batch order. */
export type DeliveryOutcome =
  /** The target durably accepted the event in this call. */
  | { readonly status: 'delivered' }
  /** The target already held this id (a redelivery it absorbed); as good as delivered. */
  | { readonly status: 'duplicate' }
  | { readonly status: 'failed'; readonly error: SinkError };

export interface SinkHealth {
  /** `idle` before start; `failing` while the last delivery failed retryably. */
  readonly state: 'idle' | 'ready' | 'failing' | 'closed';
  /** `deliver` calls in progress. */
  readonly inFlight: number;
  /** The last failure seen, for GET /api/v1/targets. */
  readonly lastError?: {
    readonly code: SinkErrorCode;
    readonly message: string;
    readonly at: string;
  };
}

export interface Sink {
  /** The target's name in config (`sinks.targets[].name`). */
  readonly name: string;
  readonly type: SinkType;
  readonly limits: SinkLimits;
  /** Opens connections and prepares the target; rejects with a SinkError. */
  start(): Promise<void>;
  /** Delivers `batch` (see the guarantees above); one outcome per event, in batch order. */
  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]>;
  /** What the sink last saw; cheap, synchronous, no I/O. */
  health(): SinkHealth;
  /** What this kind of target adds to its stats (the lake: its silver layer); cheap, no I/O. */
  details?(): Record<string, unknown>;
  /** Stops taking deliveries, waits for in-flight ones, releases resources. Idempotent. */
  close(): Promise<void>;
}

export type RetryableSinkCode = CodeWith<'sink', 'retry'>;
export type FinalSinkCode = CodeWith<'sink', 'dead-letter'>;
export type SinkErrorCode = RetryableSinkCode | FinalSinkCode;

/**
 * The target may take the same delivery later (unreachable, timed out, throttled, 5xx, a lost
 * connection): the router retries with backoff, no sooner than `retryAfterMs` when given.
 */
export class RetryableSinkError extends SwitchboardError {
  declare readonly code: RetryableSinkCode;
  /** The target's own hint (Retry-After, a throttling response), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { code?: RetryableSinkCode; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(options.code ?? 'SB_SINK_RETRYABLE', message, { cause: options.cause });
    this.name = 'RetryableSinkError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The target will never take this event as it is (rejected, invalid, too large): the router
 * dead-letters it rather than retrying.
 */
export class FinalSinkError extends SwitchboardError {
  declare readonly code: FinalSinkCode;

  constructor(message: string, options: { code?: FinalSinkCode; cause?: unknown } = {}) {
    super(options.code ?? 'SB_SINK_REJECTED', message, { cause: options.cause });
    this.name = 'FinalSinkError';
  }
}

export type SinkError = RetryableSinkError | FinalSinkError;
