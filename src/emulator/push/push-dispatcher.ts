import { Agent, request } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

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
  queued: number;
}

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
    queued: 0,
  };
  readonly #target: PushTarget;
  readonly #queue: Delivery[] = [];
  readonly #agent: Agent;
  readonly #url: URL;
  #inFlight = 0;
  #closed = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  #idleWaiters: (() => void)[] = [];

  constructor(target: PushTarget) {
    this.#target = target;
    this.#url = new URL(target.url);
    const options = { keepAlive: true, maxSockets: target.concurrency };
    this.#agent = this.#url.protocol === 'https:' ? new HttpsAgent(options) : new Agent(options);
  }

  push(body: string): void {
    if (this.#closed) return;
    this.#queue.push({ body, firstAttempt: Date.now(), attempts: 0 });
    this.stats.queued = this.#queue.length;
    this.#pump();
  }

  /** Resolves when nothing is queued or in flight (retries waiting on a timer do not count). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#agent.destroy();
    this.#notifyIdle();
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight < this.#target.concurrency && this.#queue.length > 0) {
      const delivery = this.#queue.shift()!;
      this.stats.queued = this.#queue.length;
      this.#inFlight++;
      this.#send(delivery);
    }
    this.#notifyIdle();
  }

  #send(delivery: Delivery): void {
    delivery.attempts++;
    this.stats.sent++;
    const body = delivery.body;
    const send = this.#url.protocol === 'https:' ? httpsRequest : request;
    let settled = false;
    const done = (status: number | undefined) => {
      if (settled) return;
      settled = true;
      this.#inFlight--;
      if (status !== undefined && status >= 200 && status < 300) this.stats.delivered++;
      else if (status !== undefined && status >= 400 && status < 500)
        this.stats.failedPermanently++;
      else this.#retry(delivery);
      this.#pump();
    };
    const req = send(
      this.#url,
      {
        method: 'POST',
        agent: this.#agent,
        timeout: this.#target.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...this.#target.headers(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode));
        res.on('error', () => done(undefined));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(undefined));
    req.end(body);
  }

  #retry(delivery: Delivery): void {
    const backoffSec = Math.min(60, 2 ** (delivery.attempts - 1));
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
    if (this.#queue.length > 0 || this.#inFlight > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
