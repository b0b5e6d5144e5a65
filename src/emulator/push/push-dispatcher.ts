import { Pool } from 'undici';

export interface PushTarget {
  url: string;
  /** Headers for one body (signature, API key). */
  headers: (body: string) => Record<string, string>;
  /** Most requests in flight at once (the sender's per-target concurrency limit). */
  concurrency: number;
  /** How long a failing delivery keeps being retried, seconds. */
  retryHorizonSec: number;
  timeoutMs: number;
}

export interface PushStats {
  sent: number;
  delivered: number;
  retried: number;
  failedPermanently: number;
  expired: number;
  /** Refused because the queue was full (target down for long). */
  dropped: number;
  queued: number;
}

const MAX_QUEUED = 200_000;

interface Delivery {
  body: string;
  firstAttempt: number;
  attempts: number;
}

/**
 * Delivers bodies to one HTTP target the way the guides describe a webhook sender (SEED-FORMATS
 * §C): 2xx is done, 4xx is never retried, 5xx / timeouts / network errors are retried with
 * exponential backoff 1, 2, 4 … 60 s until the retry horizon passes; at most `concurrency`
 * requests in flight over keep-alive connections.
 */
export class PushDispatcher {
  readonly stats: PushStats = {
    sent: 0,
    delivered: 0,
    retried: 0,
    failedPermanently: 0,
    expired: 0,
    dropped: 0,
    queued: 0,
  };
  readonly #target: PushTarget;
  // A FIFO with a moving head: Array#shift is linear on long queues (bursts queue tens of thousands).
  #queue: Delivery[] = [];
  #head = 0;
  readonly #pool: Pool;
  readonly #path: string;
  #inFlight = 0;
  #closed = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  #idleWaiters: (() => void)[] = [];

  constructor(target: PushTarget) {
    this.#target = target;
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
    this.#queue.push({ body, firstAttempt: Date.now(), attempts: 0 });
    this.stats.queued = this.#queued();
    this.#pump();
  }

  /** Resolves when nothing is queued or in flight (retries waiting on a timer do not count). */
  idle(): Promise<void> {
    if (this.#queued() === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
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
          return res.statusCode;
        },
        () => undefined, // network error or timeout: retried
      )
      .then(
        (status) => {
          this.#inFlight--;
          if (status !== undefined && status >= 200 && status < 300) this.stats.delivered++;
          else if (status !== undefined && status >= 400 && status < 500)
            this.stats.failedPermanently++;
          else this.#retry(delivery);
          this.#pump();
        },
        () => undefined,
      );
  }

  #queued(): number {
    return this.#queue.length - this.#head;
  }

  #retry(delivery: Delivery, retryAfterSec?: number): void {
    const backoffSec = Math.max(retryAfterSec ?? 0, Math.min(60, 2 ** (delivery.attempts - 1)));
    if (
      Date.now() + backoffSec * 1000 - delivery.firstAttempt >
      this.#target.retryHorizonSec * 1000
    ) {
      this.stats.expired++;
      return;
    }
    this.stats.retried++;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) return;
      this.#queue.push(delivery);
      this.#pump();
    }, backoffSec * 1000);
    timer.unref();
    this.#timers.add(timer);
  }

  #notifyIdle(): void {
    if (this.#queued() > 0 || this.#inFlight > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
