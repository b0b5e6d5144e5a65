import { Pool } from 'undici';
import { fullJitterDelay } from '../../protocol/backoff.js';
import { realClock, type Clock } from '../clock.js';
import { retryAfterMs } from '../../util/retry-after.js';

export interface PushTarget {
  url: string;
  /** Headers for one body (signature, API key). */
  headers: (body: string) => Record<string, string>;
  /** Most requests in flight at once (the sender's per-target concurrency limit). */
  concurrency: number;
  /** How long a failing delivery keeps being retried, seconds. */
  retryHorizonSec: number;
  timeoutMs: number;
  /** Time and retry timers (default: the real clock; tests drive a manual one). */
  clock?: Clock;
  /** Uniform in [0, 1) for the backoff's jitter (tests pass a fixed one). */
  random?: () => number;
}

export interface PushStats {
  sent: number;
  delivered: number;
  retried: number;
  /** Answered 429 (each one also counts as retried, or as expired past the horizon). */
  throttled: number;
  failedPermanently: number;
  expired: number;
  /** Refused because the queue was full (target down for long). */
  dropped: number;
  queued: number;
}

const MAX_QUEUED = 200_000;
/** The backoff's first ceiling and its cap: retries after up to 1, 2, 4 … 60 s. */
const BACKOFF_INITIAL_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

interface Delivery {
  body: string;
  firstAttempt: number;
  attempts: number;
}

/**
 * Delivers bodies to one HTTP target the way a Genesys push sender does: 2xx is done; 429 waits
 * for `Retry-After` and is retried, as Genesys's one real signed outbound webhook retries 429
 * and 5xx (FACTS §5.3, Open Messaging); other 4xx are never retried; 5xx, timeouts and network
 * errors are retried with the project's backoff (full jitter under a ceiling of 1, 2, 4 … 60 s,
 * the guides' schedule, SEED-FORMATS §C) until the retry horizon passes (EventBridge keeps
 * retrying for days, FACTS §5.1, so the horizon is configurable). At most `concurrency` requests
 * in flight over keep-alive connections.
 */
export class PushDispatcher {
  readonly stats: PushStats = {
    sent: 0,
    delivered: 0,
    retried: 0,
    throttled: 0,
    failedPermanently: 0,
    expired: 0,
    dropped: 0,
    queued: 0,
  };
  readonly #target: PushTarget;
  readonly #clock: Clock;
  // A FIFO with a moving head: Array#shift is linear on long queues (bursts queue tens of thousands).
  #queue: Delivery[] = [];
  #head = 0;
  readonly #pool: Pool;
  readonly #path: string;
  #inFlight = 0;
  #closed = false;
  readonly #timers = new Set<() => void>();
  #idleWaiters: (() => void)[] = [];

  constructor(target: PushTarget) {
    this.#target = target;
    this.#clock = target.clock ?? realClock;
    const url = new URL(target.url);
    this.#path = `${url.pathname}${url.search}`;
    // undici's pool: about three times node:http's request rate for small keep-alive POSTs.
    this.#pool = new Pool(url.origin, {
      connections: target.concurrency,
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
  }

  push(body: string): void {
    if (this.#closed) return;
    if (this.#queued() >= MAX_QUEUED) {
      // A target down for long: keep memory bounded, as a real sender's outbox would.
      this.stats.dropped++;
      return;
    }
    this.#queue.push({ body, firstAttempt: this.#clock.now(), attempts: 0 });
    this.stats.queued = this.#queued();
    this.#pump();
  }

  /** Resolves when nothing is queued or in flight (retries waiting on a timer do not count). */
  idle(): Promise<void> {
    if (this.#queued() === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Retries waiting on their timer. */
  get waitingRetries(): number {
    return this.#timers.size;
  }

  close(): void {
    this.#closed = true;
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#queue = [];
    this.#head = 0;
    void this.#pool.destroy();
    this.#notifyIdle();
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight < this.#target.concurrency && this.#queued() > 0) {
      const delivery = this.#queue[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.stats.queued = this.#queued();
      this.#inFlight++;
      this.#send(delivery);
    }
    this.#notifyIdle();
  }

  #send(delivery: Delivery): void {
    delivery.attempts++;
    this.stats.sent++;
    const body = delivery.body;
    this.#pool
      .request({
        path: this.#path,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...this.#target.headers(body) },
      })
      .then(
        async (res) => {
          await res.body.dump();
          return { status: res.statusCode, retryAfter: res.headers['retry-after'] };
        },
        () => undefined, // network error or timeout: retried
      )
      .then(
        (answer) => {
          this.#inFlight--;
          this.#settle(delivery, answer);
          this.#pump();
        },
        () => undefined,
      );
  }

  #settle(
    delivery: Delivery,
    answer: { status: number; retryAfter: string | string[] | undefined } | undefined,
  ): void {
    const status = answer?.status;
    if (status !== undefined && status >= 200 && status < 300) {
      this.stats.delivered++;
      return;
    }
    if (status === 429) this.stats.throttled++;
    else if (status !== undefined && status >= 400 && status < 500) {
      this.stats.failedPermanently++;
      return;
    }
    // The target's own `Retry-After` (429, or a 503 that sends one) wins over the backoff.
    const asked = retryAfterMs(answer?.retryAfter, this.#clock.now());
    this.#retry(
      delivery,
      asked ??
        fullJitterDelay(delivery.attempts - 1, {
          initialMs: BACKOFF_INITIAL_MS,
          maxMs: BACKOFF_MAX_MS,
          random: this.#target.random,
        }),
    );
  }

  #queued(): number {
    return this.#queue.length - this.#head;
  }

  #retry(delivery: Delivery, delayMs: number): void {
    if (this.#closed) return;
    const horizonMs = this.#target.retryHorizonSec * 1000;
    if (this.#clock.now() + delayMs - delivery.firstAttempt > horizonMs) {
      this.stats.expired++;
      return;
    }
    this.stats.retried++;
    const cancel = this.#clock.after(delayMs, () => {
      this.#timers.delete(cancel);
      if (this.#closed) return;
      this.#queue.push(delivery);
      this.#pump();
    });
    this.#timers.add(cancel);
  }

  #notifyIdle(): void {
    if (this.#queued() > 0 || this.#inFlight > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
