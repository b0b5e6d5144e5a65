/**
 * The router: one `TargetConsumer` per configured target, each selecting the events of the
 * routes that name it (EventBridge patterns over the event document), plus the dead-letter
 * queue they share and its replay. It consumes only the `Sink` contract; the gateway builds the
 * sinks from `sinks.targets` and hands them over.
 */
import type { Logger } from 'pino';
import type { EventLog, StoredEvent } from '../log/event-log.js';
import { SwitchboardError } from '../errors.js';
import { fullJitterDelay } from '../protocol/backoff.js';
import type { Sink } from '../sinks/sink.js';
import { DeadLetterStore, summarize, type DeadLetterSummary } from './dead-letters.js';
import { eventDocument } from '../sinks/event-document.js';
import {
  TargetConsumer,
  consumerName,
  cut,
  type TargetOptions,
  type TargetStats,
} from './target-consumer.js';

/** How often a target that could not start is tried again. */
const START_RETRY = { initialMs: 1000, maxMs: 60_000 };

export interface RouteSpec {
  name: string;
  /** A compiled pattern: whether the event document matches. */
  matches: (document: unknown) => boolean;
  /** The pattern is `{}`: the event's body need not be parsed to know. */
  matchesEverything?: boolean;
  targets: readonly string[];
}

export interface TargetSpec {
  sink: Sink;
  options: TargetOptions;
}

export interface RouterOptions {
  log: EventLog;
  targets: readonly TargetSpec[];
  routes: readonly RouteSpec[];
  /** `<dataDir>/dlq.db`. */
  deadLetterPath: string;
  logger: Logger;
}

export interface ReplayResult {
  /** Dead letters tried. */
  tried: number;
  delivered: number;
  /** Failed again: still in the DLQ, with their attempts and last error updated. */
  failed: number;
}

export class Router {
  readonly #o: RouterOptions;
  readonly #consumers = new Map<string, TargetConsumer>();
  readonly deadLetters: DeadLetterStore;
  #started = false;
  #stopping = false;
  readonly #retries = new Set<NodeJS.Timeout>();
  readonly #startErrors = new Map<string, NonNullable<TargetStats['lastError']>>();

  constructor(options: RouterOptions) {
    this.#o = options;
    this.deadLetters = DeadLetterStore.open(options.deadLetterPath);
    for (const { sink, options: targetOptions } of options.targets) {
      const routes = options.routes.filter((r) => r.targets.includes(sink.name));
      this.#consumers.set(
        sink.name,
        new TargetConsumer({
          log: options.log,
          sink,
          selects: selector(routes),
          deadLetters: this.deadLetters,
          options: targetOptions,
          logger: options.logger,
        }),
      );
    }
  }

  get targets(): string[] {
    return [...this.#consumers.keys()];
  }

  /**
   * Starts every sink, then its consumer. A target that cannot start (its database is down) is
   * not fatal: it is tried again with backoff until it starts, its error shown in its stats.
   */
  async start(): Promise<void> {
    this.#started = true;
    await Promise.all([...this.#consumers.values()].map((c) => this.#startTarget(c, 0)));
  }

  async #startTarget(c: TargetConsumer, attempt: number): Promise<void> {
    if (this.#stopping) return;
    try {
      await c.sink.start();
      await c.start();
      this.#startErrors.delete(c.name);
    } catch (err) {
      if (this.#stopping) return;
      const delayMs = fullJitterDelay(attempt, START_RETRY);
      this.#startErrors.set(c.name, {
        code: err instanceof SwitchboardError ? err.code : 'SB_SINK_RETRYABLE',
        message: `could not start: ${err instanceof Error ? err.message : String(err)}`,
        at: new Date().toISOString(),
      });
      this.#o.logger.error(
        { err, target: c.name, retryInMs: Math.round(delayMs) },
        'target could not start; trying again',
      );
      const timer = setTimeout(() => {
        this.#retries.delete(timer);
        void this.#startTarget(c, attempt + 1);
      }, delayMs);
      this.#retries.add(timer);
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
    await Promise.all([...this.#consumers.values()].map((c) => c.stop()));
    await Promise.all([...this.#consumers.values()].map((c) => c.sink.close()));
    this.deadLetters.close();
  }

  /** Per target: its stats, lag (events behind the log head) and DLQ depth. */
  async stats(): Promise<
    (TargetStats & { lag: number; dlqDepth: number; details?: Record<string, unknown> })[]
  > {
    const { lastOffset } = await this.#o.log.stats();
    const depths = this.deadLetters.depths();
    return [...this.#consumers.values()].map((c) => {
      const s = c.stats();
      return {
        ...s,
        lag: Math.max(0, lastOffset - s.offset),
        dlqDepth: depths.get(c.name) ?? 0,
        lastError: this.#startErrors.get(c.name) ?? s.lastError ?? c.sink.health().lastError,
        ...(c.sink.details ? { details: c.sink.details() } : {}),
      };
    });
  }

  listDeadLetters(
    filter: { target?: string; id?: string; after?: { target: string; offset: number } },
    limit: number,
  ): DeadLetterSummary[] {
    return this.deadLetters.list(filter, limit).map(summarize);
  }

  /**
   * Re-drives dead letters (of one target, or one id) through their target's sink: each
   * delivered one leaves the DLQ; each that fails again stays, its attempts and error updated.
   * One try per dead letter: a replay is an operator's request, answered now.
   */
  async replay(filter: { target?: string; id?: string }): Promise<ReplayResult> {
    if (!this.#started) throw new Error('the router is not started');
    const result: ReplayResult = { tried: 0, delivered: 0, failed: 0 };
    let after: { target: string; offset: number } | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = this.deadLetters.list({ ...filter, ...(after ? { after } : {}) }, 200);
      if (page.length === 0) break;
      after = { target: page[page.length - 1]!.target, offset: page[page.length - 1]!.offset };
      const byTarget = new Map<string, StoredEvent[]>();
      for (const d of page) {
        const key = `${d.target}\u0000${d.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const list = byTarget.get(d.target) ?? [];
        list.push(d.event);
        byTarget.set(d.target, list);
      }
      for (const [target, events] of byTarget) {
        const consumer = this.#consumers.get(target);
        if (!consumer) continue; // a target no longer configured: kept for when it is again
        for (const chunk of cut(events, consumer.sink.limits)) {
          result.tried += chunk.length;
          let outcomes;
          try {
            outcomes = await consumer.sink.deliver(chunk);
          } catch (err) {
            const e = err as { code?: string; message?: string };
            for (const event of chunk) this.#failedAgain(target, event, e);
            result.failed += chunk.length;
            continue;
          }
          chunk.forEach((event, i) => {
            const o = outcomes[i];
            if (o && o.status !== 'failed') {
              this.deadLetters.remove(target, event.id);
              result.delivered++;
            } else {
              this.#failedAgain(target, event, o?.error ?? {});
              result.failed++;
            }
          });
        }
      }
    }
    return result;
  }

  #failedAgain(target: string, event: StoredEvent, e: { code?: string; message?: string }): void {
    this.deadLetters.put(target, event, {
      attempts: 1,
      code: e.code ?? 'SB_SINK_RETRYABLE',
      message: e.message ?? 'the target gave no outcome',
    });
  }
}

/** Whether any of `routes` sends an event: its document is built once, only when asked. */
function selector(routes: readonly RouteSpec[]): (event: StoredEvent) => boolean {
  if (routes.length === 0) return () => false;
  if (routes.some((r) => r.matchesEverything)) return () => true;
  return (event) => {
    const doc = eventDocument(event);
    return routes.some((r) => r.matches(doc));
  };
}

export { consumerName };
