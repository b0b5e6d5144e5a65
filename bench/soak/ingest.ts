/**
 * Steady signed ingest: the floor's envelopes POSTed to /ingest/webhook at a fixed rate (open
 * loop, paced every 10 ms) over a small keep-alive pool, signed as the integration guides sign
 * (`X-Genesys-Webhook-Signature`: hex HMAC-SHA256 of the exact body). Each event gets the soak's
 * own id (its topic and a fresh CorrelationId), so the end check knows exactly what was acked.
 *
 * As a sender should: a 429 is sent again after its Retry-After; a small share of acked events
 * is sent again a few seconds later, as a sender whose ack was lost would, and must come back
 * as a duplicate. Anything else that is not a 200 is counted and never retried.
 */
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';

export interface IngestOptions {
  url: string;
  secret: string;
  rate: number;
  runId: string;
  next: () => string;
  /** Share of acked events sent a second time (0–1). */
  resendRatio: number;
  /** The gateway's dedupe horizon: a resend answered later than this may be stored again. */
  dedupeHorizonMs: number;
  /** Requests in flight above which sending pauses (the gateway is stalled; it shows as a lag). */
  maxInFlight: number;
}

interface Pending {
  id: string;
  body: string;
  signature: string;
  resend: boolean;
  /** When the first copy was sent: it was stored no earlier than that. */
  firstSentAt: number;
}

export interface IngestCounters {
  sent: number;
  acked: number;
  /** Resends answered as duplicates (what they must be). */
  duplicateAcks: number;
  /** Resends stored a second time within the horizon: a broken dedupe. */
  storedTwice: number;
  /**
   * Resends stored again whose answer came after the horizon (the gateway was that slow): the
   * dedupe owed nothing; their ids are legitimately in the log twice.
   */
  storedAgainPastHorizon: number;
  /** First sends answered as a duplicate of something else: an id collision. */
  falseDuplicates: number;
  retried429: number;
  networkErrors: number;
  /** Status → count for every answer that was not a 200. */
  statuses: Record<number, number>;
}

export class Ingest {
  readonly counters: IngestCounters = {
    sent: 0,
    acked: 0,
    duplicateAcks: 0,
    storedTwice: 0,
    storedAgainPastHorizon: 0,
    falseDuplicates: 0,
    retried429: 0,
    networkErrors: 0,
    statuses: {},
  };
  /** Every id the gateway acked as stored. */
  readonly ackedIds = new Set<string>();
  /** Ids stored a second time after the dedupe horizon (see `storedAgainPastHorizon`). */
  readonly reStoredIds = new Set<string>();
  readonly #options: IngestOptions;
  readonly #pool: Pool;
  readonly #timers = new Set<NodeJS.Timeout>();
  #ackMs: number[] = [];
  #inFlight = 0;
  #seq = 0;
  #scheduled = 0;
  #startedAt = 0;
  #pacer: NodeJS.Timeout | undefined;

  constructor(options: IngestOptions) {
    this.#options = options;
    this.#pool = new Pool(options.url, { connections: 16, pipelining: 1 });
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#pacer = setInterval(() => this.#pace(), 10);
  }

  /** Ack latencies (ms) since the last call. */
  takeAckLatencies(): number[] {
    const out = this.#ackMs;
    this.#ackMs = [];
    return out;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Stops sending new events; resolves when every request, retry and resend has an answer. */
  async stop(): Promise<void> {
    clearInterval(this.#pacer);
    const deadline = Date.now() + 60_000;
    while ((this.#inFlight > 0 || this.#timers.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const t of this.#timers) clearTimeout(t);
    await this.#pool.close();
  }

  #pace(): void {
    const due = Math.floor(((performance.now() - this.#startedAt) / 1000) * this.#options.rate);
    while (this.#scheduled < due && this.#inFlight < this.#options.maxInFlight) {
      this.#scheduled++;
      const correlationId = `soak-${this.#options.runId}-${++this.#seq}`;
      const body = this.#options
        .next()
        .replace(/"CorrelationId":"[^"]*"/, `"CorrelationId":"${correlationId}"`);
      // The gateway's id for a notification is its topic and CorrelationId (neither holds a
      // ':' or '\\' to escape here).
      const topic = /"topicName":"([^"]*)"/.exec(body)?.[1];
      const id = topic === undefined ? correlationId : `${topic}:${correlationId}`;
      const signature = createHmac('sha256', this.#options.secret).update(body).digest('hex');
      this.#send({ id, body, signature, resend: false, firstSentAt: performance.now() });
    }
    // Behind (the gateway is not answering): the backlog is not sent later in a burst.
    if (this.#scheduled < due) this.#scheduled = due;
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #send(p: Pending): void {
    this.#inFlight++;
    this.counters.sent++;
    const t0 = performance.now();
    this.#pool
      .request({
        method: 'POST',
        path: '/ingest/webhook',
        headers: {
          'content-type': 'application/json',
          'x-genesys-webhook-signature': p.signature,
        },
        body: p.body,
      })
      .then(async (res) => {
        const text = await res.body.text();
        this.#answered(p, res.statusCode, text, res.headers['retry-after'], t0);
      })
      .catch(() => this.counters.networkErrors++)
      .finally(() => this.#inFlight--);
  }

  #answered(
    p: Pending,
    status: number,
    text: string,
    retryAfter: string | string[] | undefined,
    t0: number,
  ): void {
    if (status === 429) {
      this.counters.retried429++;
      const sec = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) || 1;
      this.#later(sec * 1000, () => this.#send(p));
      return;
    }
    if (status !== 200) {
      this.counters.statuses[status] = (this.counters.statuses[status] ?? 0) + 1;
      return;
    }
    const { accepted, duplicates } = JSON.parse(text) as { accepted: number; duplicates: number };
    if (p.resend) {
      if (duplicates === 1) {
        this.counters.duplicateAcks++;
      } else if (performance.now() - p.firstSentAt > this.#options.dedupeHorizonMs) {
        this.counters.storedAgainPastHorizon++;
        this.reStoredIds.add(p.id);
      } else {
        this.counters.storedTwice++;
      }
      return;
    }
    if (accepted !== 1) {
      this.counters.falseDuplicates++;
      return;
    }
    this.#ackMs.push(performance.now() - t0);
    this.counters.acked++;
    this.ackedIds.add(p.id);
    if (Math.random() < this.#options.resendRatio) {
      this.#later(1000 + Math.random() * 4000, () => this.#send({ ...p, resend: true }));
    }
  }
}
