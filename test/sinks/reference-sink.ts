/**
 * A small, honest sink for the conformance suite until real adapters exist: one POST per event
 * to an HTTP target over keep-alive connections, the event id in `webhook-id`, the body sent
 * as received. Status codes are classified the way the HTTP adapter will: 2xx delivered (a
 * replay reported as a duplicate), 408 / 429 / 5xx and network failures retryable, other 4xx
 * final.
 */
import { Agent, request } from 'node:http';
import type { StoredEvent } from '../../src/log/event-log.js';
import {
  DeliveryTracker,
  FinalSinkError,
  RetryableSinkError,
  assertValidLimits,
  checkBatch,
  type DeliveryOutcome,
  type Sink,
  type SinkLimits,
} from '../../src/sinks/index.js';

export interface ReferenceSinkOptions {
  name?: string;
  url: string;
  limits?: Partial<SinkLimits>;
  timeoutMs?: number;
  /** The key handed to the target; the default is the event id (as the contract requires). */
  idempotencyKey?: (event: StoredEvent) => string | undefined;
  /** Off only to prove the suite catches a sink that ignores its own limits. */
  checkLimits?: boolean;
}

const DEFAULT_LIMITS: SinkLimits = {
  maxBatchEvents: 50,
  maxBatchBytes: 256 * 1024,
  maxEventBytes: 64 * 1024,
  maxConcurrency: 4,
};

export class ReferenceHttpSink implements Sink {
  readonly name: string;
  readonly type = 'http' as const;
  readonly limits: SinkLimits;
  readonly #url: URL;
  readonly #timeoutMs: number;
  readonly #key: (event: StoredEvent) => string | undefined;
  readonly #checkLimits: boolean;
  readonly #tracker = new DeliveryTracker();
  #agent: Agent | undefined;

  constructor(options: ReferenceSinkOptions) {
    this.name = options.name ?? 'reference';
    this.#url = new URL(options.url);
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#key = options.idempotencyKey ?? ((event) => event.id);
    this.#checkLimits = options.checkLimits ?? true;
    this.limits = assertValidLimits({ ...DEFAULT_LIMITS, ...options.limits });
  }

  async start(): Promise<void> {
    this.#agent ??= new Agent({ keepAlive: true, maxSockets: 16 });
    this.#tracker.started();
  }

  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    return this.#tracker.track(async () => {
      const tooLarge = this.#checkLimits ? checkBatch(batch, this.limits) : [];
      return Promise.all(
        batch.map((event, i): Promise<DeliveryOutcome> => {
          const error = tooLarge[i];
          return error ? Promise.resolve({ status: 'failed', error }) : this.#post(event);
        }),
      );
    });
  }

  health() {
    return this.#tracker.health();
  }

  async close(): Promise<void> {
    await this.#tracker.close();
    this.#agent?.destroy();
  }

  #post(event: StoredEvent): Promise<DeliveryOutcome> {
    const key = this.#key(event);
    return new Promise((resolve) => {
      const fail = (error: RetryableSinkError | FinalSinkError) =>
        resolve({ status: 'failed', error });
      const req = request(this.#url, {
        method: 'POST',
        agent: this.#agent,
        timeout: this.#timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': event.body.byteLength,
          'x-switchboard-offset': event.offset,
          ...(key === undefined ? {} : { 'webhook-id': key }),
        },
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on('error', (cause) =>
        fail(new RetryableSinkError(`POST ${this.#url.host}: ${cause.message}`, { cause })),
      );
      req.on('response', (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          const replay = res.headers['idempotent-replayed'] === 'true';
          resolve({ status: replay ? 'duplicate' : 'delivered' });
        } else if (status === 408 || status === 429 || status >= 500) {
          const header = res.headers['retry-after'];
          const seconds = header === undefined || header === '' ? NaN : Number(header);
          fail(
            new RetryableSinkError(`target answered ${status}`, {
              ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
            }),
          );
        } else {
          fail(new FinalSinkError(`target rejected event ${event.id} with ${status}`));
        }
      });
      req.end(event.body);
    });
  }
}
