/**
 * One target's consumer: reads the log as its own named consumer (`target:<name>`), keeps the
 * events its routes select, delivers them through the target's `Sink` in batches cut within the
 * sink's limits, at most `maxConcurrency` at once, and commits the log offset only once every
 * selected event of a log batch is delivered or dead-lettered. A crash therefore re-delivers
 * (the target absorbs it by event id) and never skips.
 *
 * Per event: a retryable failure is retried with full-jitter backoff (never sooner than the
 * target's `Retry-After`) behind the target's circuit breaker, up to `maxAttempts` tries, then
 * dead-lettered; a final failure is dead-lettered at once (a batch the sink rejected whole is
 * bisected first, so only the culprit goes). A slow or failing target holds up only itself.
 */
import type { Logger } from 'pino';
import type { EventLog, StoredEvent, Subscription } from '../log/event-log.js';
import { fullJitterDelay } from '../protocol/backoff.js';
import { FinalSinkError, RetryableSinkError, type Sink, type SinkError } from '../sinks/sink.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import type { DeadLetterStore } from './dead-letters.js';

export interface TargetOptions {
  /** Tries per event before it is dead-lettered (the first included). */
  maxAttempts: number;
  backoff: { initialMs: number; maxMs: number };
  circuit: { failureThreshold: number; cooldownMs: number };
  /** Where a target that has never committed starts: the oldest retained event, or the end. */
  startAt: 'earliest' | 'latest';
  /** Events read from the log at once. */
  readBatch: number;
}

export interface TargetStats {
  name: string;
  type: string;
  /** The last log offset committed (every selected event up to it delivered or dead-lettered). */
  offset: number;
  delivered: number;
  /** Deliveries of an event that failed (each try counts). */
  failed: number;
  /** Tries after the first. */
  retried: number;
  deadLettered: number;
  circuit: CircuitState;
  circuitOpened: number;
  inFlight: number;
  lastError: { code: string; message: string; at: string } | undefined;
}

export interface TargetConsumerOptions {
  log: EventLog;
  sink: Sink;
  /** Whether a route sends `event` to this target. */
  selects: (event: StoredEvent) => boolean;
  deadLetters: DeadLetterStore;
  options: TargetOptions;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

/** The consumer name of a target in the log. */
export const consumerName = (target: string) => `target:${target}`;

export class TargetConsumer {
  readonly #o: TargetConsumerOptions;
  readonly #circuit: CircuitBreaker;
  readonly #abort = new AbortController();
  readonly #now: () => number;
  #subscription: Subscription | undefined;
  #loop: Promise<void> | undefined;
  #inFlight = 0;
  readonly #stats: Omit<TargetStats, 'circuit' | 'circuitOpened' | 'inFlight'>;

  constructor(options: TargetConsumerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#circuit = new CircuitBreaker(options.options.circuit, this.#now);
    this.#stats = {
      name: options.sink.name,
      type: options.sink.type,
      offset: 0,
      delivered: 0,
      failed: 0,
      retried: 0,
      deadLettered: 0,
      lastError: undefined,
    };
  }

  get name(): string {
    return this.#o.sink.name;
  }

  get sink(): Sink {
    return this.#o.sink;
  }

  stats(): TargetStats {
    return {
      ...this.#stats,
      circuit: this.#circuit.state,
      circuitOpened: this.#circuit.opened,
      inFlight: this.#inFlight,
    };
  }

  async start(): Promise<void> {
    const { log, options } = this.#o;
    const consumer = consumerName(this.name);
    this.#stats.offset =
      (await log.consumers()).find((c) => c.name === consumer)?.committedOffset ?? 0;
    const sub = await log.subscribe(consumer, {
      startAt: options.startAt,
      batchSize: options.readBatch,
    });
    this.#subscription = sub;
    this.#loop = this.#run(sub);
  }

  /** Stops reading and delivering; an unfinished log batch is left uncommitted (redelivered). */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('target consumer stopped'));
    this.#subscription?.close();
    await this.#loop;
  }

  async #run(sub: Subscription): Promise<void> {
    try {
      for await (const batch of sub) {
        const selected = batch.filter((e) => this.#selects(e));
        if (selected.length > 0) await this.#deliverAll(selected);
        const last = batch[batch.length - 1]!.offset;
        await sub.commit(last);
        this.#stats.offset = last;
      }
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      this.#o.logger.error({ err, target: this.name }, 'target consumer stopped');
    }
  }

  #selects(event: StoredEvent): boolean {
    try {
      return this.#o.selects(event);
    } catch (err) {
      this.#o.logger.warn({ err, id: event.id, target: this.name }, 'route matching failed');
      return false;
    }
  }

  /** Delivers every event (or dead-letters it), `maxConcurrency` batches at once. */
  async #deliverAll(events: readonly StoredEvent[]): Promise<void> {
    const chunks = cut(events, this.#o.sink.limits);
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        await this.#deliverChunk(chunk, new Map());
      }
    };
    const workers = Math.min(this.#o.sink.limits.maxConcurrency, chunks.length);
    await Promise.all(Array.from({ length: workers }, worker));
  }

  async #deliverChunk(chunk: readonly StoredEvent[], tries: Map<string, number>): Promise<void> {
    let pending = chunk;
    while (pending.length > 0) {
      const signal = this.#abort.signal;
      // A probe of a target believed down costs the events no try if it fails: while the
      // circuit is open events wait, however long the outage, rather than spend their attempts.
      const probe = (await this.#circuit.admit(signal)) === 'probe';
      let outcomes;
      this.#inFlight++;
      try {
        for (const e of pending) {
          const n = tries.get(e.id) ?? 0;
          if (n > 0) this.#stats.retried++;
          tries.set(e.id, n + 1);
        }
        outcomes = await this.#o.sink.deliver(pending);
      } catch (err) {
        const error = asSinkError(err);
        this.#noteError(error);
        this.#stats.failed += pending.length;
        if (error instanceof FinalSinkError) {
          // Rejected whole: some event is at fault. Halves find it; only it is dead-lettered.
          this.#circuit.success();
          if (pending.length === 1) {
            this.#deadLetter(pending[0]!, tries, error);
            return;
          }
          const half = Math.ceil(pending.length / 2);
          await this.#deliverChunk(pending.slice(0, half), tries);
          await this.#deliverChunk(pending.slice(half), tries);
          return;
        }
        this.#circuit.failure();
        if (probe) this.#giveBack(pending, tries);
        pending = this.#keepRetrying(pending, tries, error);
        if (pending.length > 0) await this.#pause(pending, tries, error);
        continue;
      } finally {
        this.#inFlight--;
      }
      // Every event failed retryably: the target is as good as down (an adapter may report an
      // unreachable target per event rather than throw).
      const down = outcomes.every(
        (o) => o?.status === 'failed' && o.error instanceof RetryableSinkError,
      );
      if (down) {
        this.#circuit.failure();
        if (probe) this.#giveBack(pending, tries);
      } else this.#circuit.success();
      const retry: StoredEvent[] = [];
      let lastRetryable: RetryableSinkError | undefined;
      pending.forEach((event, i) => {
        const outcome = outcomes[i];
        if (outcome && outcome.status !== 'failed') {
          this.#stats.delivered++;
          return;
        }
        const error =
          outcome?.error ??
          new RetryableSinkError(`the sink gave no outcome for event ${event.id}`);
        this.#stats.failed++;
        this.#noteError(error);
        if (error instanceof FinalSinkError) this.#deadLetter(event, tries, error);
        else {
          retry.push(event);
          lastRetryable = error;
        }
      });
      if (lastRetryable === undefined) return;
      pending = this.#keepRetrying(retry, tries, lastRetryable);
      if (pending.length > 0) await this.#pause(pending, tries, lastRetryable);
    }
  }

  #giveBack(events: readonly StoredEvent[], tries: Map<string, number>): void {
    for (const e of events) tries.set(e.id, Math.max(0, (tries.get(e.id) ?? 1) - 1));
  }

  /** Dead-letters the events out of tries; the rest go again. */
  #keepRetrying(
    events: readonly StoredEvent[],
    tries: Map<string, number>,
    error: SinkError,
  ): StoredEvent[] {
    return events.filter((e) => {
      if ((tries.get(e.id) ?? 0) < this.#o.options.maxAttempts) return true;
      this.#deadLetter(e, tries, error);
      return false;
    });
  }

  /** Waits the backoff of the most-tried event, and at least the target's Retry-After. */
  async #pause(
    events: readonly StoredEvent[],
    tries: Map<string, number>,
    error: SinkError,
  ): Promise<void> {
    const attempt = Math.max(...events.map((e) => tries.get(e.id) ?? 1)) - 1;
    const jitter = fullJitterDelay(attempt, {
      ...this.#o.options.backoff,
      ...(this.#o.random ? { random: this.#o.random } : {}),
    });
    const floor = error instanceof RetryableSinkError ? (error.retryAfterMs ?? 0) : 0;
    await sleep(Math.max(jitter, floor), this.#abort.signal);
  }

  #deadLetter(event: StoredEvent, tries: Map<string, number>, error: SinkError): void {
    this.#o.deadLetters.put(this.name, event, {
      attempts: tries.get(event.id) ?? 1,
      code: error.code,
      message: error.message,
    });
    this.#stats.deadLettered++;
    this.#o.logger.warn(
      { target: this.name, id: event.id, offset: event.offset, code: error.code },
      'event dead-lettered',
    );
  }

  #noteError(error: SinkError): void {
    this.#stats.lastError = {
      code: error.code,
      message: error.message,
      at: new Date(this.#now()).toISOString(),
    };
  }
}

/**
 * Cuts events into batches within the sink's limits, in order. A body over `maxEventBytes` goes
 * alone (the sink fails it with SB_SINK_EVENT_TOO_LARGE without I/O).
 */
export function cut(events: readonly StoredEvent[], limits: Sink['limits']): StoredEvent[][] {
  const out: StoredEvent[][] = [];
  let current: StoredEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = e.body.byteLength;
    if (size > limits.maxEventBytes) {
      if (current.length > 0) out.push(current);
      out.push([e]);
      current = [];
      bytes = 0;
      continue;
    }
    if (
      current.length > 0 &&
      (current.length >= limits.maxBatchEvents || bytes + size > limits.maxBatchBytes)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function asSinkError(err: unknown): SinkError {
  if (err instanceof RetryableSinkError || err instanceof FinalSinkError) return err;
  // Not a SinkError: a bug or an unexpected failure in the adapter; retry rather than lose it.
  return new RetryableSinkError(err instanceof Error ? err.message : String(err), { cause: err });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
