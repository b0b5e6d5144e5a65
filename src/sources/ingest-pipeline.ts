import { isUtf8 } from 'node:buffer';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import { normalizeEvent } from './normalize/normalize.js';
import { scanJson } from './normalize/json-scan.js';
import type { EventInput, EventSource } from '../log/event-log.js';
import { labelled, type Metrics } from '../ops/metrics.js';
import { isPlainObject } from '../util/objects.js';
import { TOKEN_REVOKED, type Appender, type GapReporter } from './source.js';

export interface IngestDeps {
  /** The source's appender (never the log itself: see source.ts). */
  appender: Appender;
  metrics: Metrics;
  logger: Logger;
  config: Pick<Config, 'ingest'>;
  /** Where a stored `system.token-revoked` event is reported, so the reconciler re-signs in. */
  reportGap?: GapReporter;
  now?: () => number;
}

export type IngestReply =
  | { status: 200; body: { accepted: number; duplicates: number } }
  | {
      status: 202;
      body: {
        accepted: 0;
        duplicates: 0;
        quarantined: 1;
        quarantineId: number;
        code: 'SB_QUARANTINED';
        reason: QuarantineReason;
      };
    };

export type QuarantineReason = 'invalid-utf8' | 'not-json' | 'too-deep' | 'not-an-object';

/**
 * What every push source does after authentication: parse defensively, normalize, admit or
 * shed, append, and answer only once the events are durable. An authentic body that cannot
 * become events is quarantined byte-exact (202) rather than refused, so nothing is lost.
 */
export class IngestPipeline {
  readonly #deps: IngestDeps;
  readonly #lowPriority: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #events;
  #lastMs = 0;
  #lastIso = '';

  constructor(deps: IngestDeps) {
    this.#deps = deps;
    this.#events = labelled((source, outcome) =>
      deps.metrics.ingestEvents.labels({ source, outcome }),
    );
    this.#lowPriority = new Set(deps.config.ingest.overload.lowPriorityKinds);
    this.#now = deps.now ?? Date.now;
  }

  async ingest(
    source: EventSource,
    body: Buffer,
    contentType: string | undefined,
    fallbackId?: string,
  ): Promise<IngestReply> {
    const { ingest } = this.#deps.config;
    if (body.length === 0) throw new SwitchboardError('SB_EMPTY_BODY');
    if (!isUtf8(body)) return this.#quarantine(source, body, contentType, 'invalid-utf8');
    const scan = scanJson(body, ingest.maxDepth);
    if (!scan.ok) return this.#quarantine(source, body, contentType, scan.reason);

    const receivedAt = this.#isoNow();
    const ctx = { source, receivedAt, idKeys: ingest.idKeys };
    let events: EventInput[];
    if (scan.array) {
      if (scan.elements.length > ingest.maxEventsPerRequest) {
        throw new SwitchboardError(
          'SB_TOO_MANY_EVENTS',
          `${scan.elements.length} events in one request; the limit is ${ingest.maxEventsPerRequest}`,
        );
      }
      events = [];
      for (const [start, end] of scan.elements) {
        const raw = body.subarray(start, end);
        const parsed = parseObject(raw);
        if (typeof parsed === 'string') return this.#quarantine(source, body, contentType, parsed);
        events.push(normalizeEvent(raw, parsed, ctx));
      }
    } else {
      const parsed = parseObject(body);
      if (typeof parsed === 'string') return this.#quarantine(source, body, contentType, parsed);
      events = [normalizeEvent(body, parsed, { ...ctx, fallbackId })];
    }

    this.#admit(source, events);
    const results = await this.#deps.appender.append(events);
    let duplicates = 0;
    for (const r of results) if (r.duplicate) duplicates++;
    const accepted = results.length - duplicates;
    this.#events(source, 'stored').inc(accepted);
    if (duplicates > 0) {
      this.#events(source, 'duplicate').inc(duplicates);
      this.#deps.metrics.duplicates.inc({ source }, duplicates);
    }
    let unknown = 0;
    let revoked: EventInput | undefined;
    for (const [i, e] of events.entries()) {
      if (e.kind === 'unknown') unknown++;
      // A retried delivery of the same revocation is not a second one.
      else if (e.kind === 'system.token-revoked' && !results[i]?.duplicate) revoked ??= e;
    }
    if (revoked) {
      this.#deps.reportGap?.({
        source,
        from: revoked.occurredAt ?? undefined,
        to: receivedAt,
        reason: TOKEN_REVOKED,
      });
    }
    if (unknown > 0) this.#deps.metrics.unknownEvents.inc({ source }, unknown);
    return { status: 200, body: { accepted, duplicates } };
  }

  /** The receipt time as ISO 8601; formatting a Date is measurable per request, so once per ms. */
  #isoNow(): string {
    const ms = this.#now();
    if (ms !== this.#lastMs) {
      this.#lastMs = ms;
      this.#lastIso = new Date(ms).toISOString();
    }
    return this.#lastIso;
  }

  /** Sheds low-priority requests first, then everything, while the log is behind. */
  #admit(source: EventSource, events: EventInput[]): void {
    const { overload } = this.#deps.config.ingest;
    const pending = this.#deps.appender.pendingEvents();
    if (
      pending + events.length > overload.maxPendingEvents ||
      (pending > overload.shedLowPriorityAt && events.every((e) => this.#lowPriority.has(e.kind)))
    ) {
      throw new SwitchboardError(
        'SB_OVERLOADED',
        `${pending} events are waiting for the log; retry after ${overload.retryAfterSec} s`,
        { details: { retryAfterSec: overload.retryAfterSec } },
      );
    }
  }

  async #quarantine(
    source: EventSource,
    body: Buffer,
    contentType: string | undefined,
    reason: QuarantineReason,
  ): Promise<IngestReply> {
    const id = await this.#deps.appender.quarantine({
      source,
      reason,
      contentType,
      receivedAt: this.#isoNow(),
      body,
    });
    this.#deps.metrics.quarantined.inc({ source, reason });
    this.#deps.logger.warn(
      { source, reason, quarantineId: id, bytes: body.length },
      'body quarantined',
    );
    return {
      status: 202,
      body: {
        accepted: 0,
        duplicates: 0,
        quarantined: 1,
        quarantineId: id,
        code: 'SB_QUARANTINED',
        reason,
      },
    };
  }
}

function parseObject(raw: Buffer): Record<string, unknown> | QuarantineReason {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'not-json';
  }
  return isPlainObject(parsed) ? parsed : 'not-an-object';
}
