/**
 * The Source port: a producer of events for the log. The webhook and EventBridge receivers
 * (push), the reconciler (REST) and the Notification API stream (WebSocket) each implement it;
 * the gateway builds them into one list, starts them after the log and the projector, and stops
 * them first at shutdown, while the log can still take their last appends. `runSourceSuite` in
 * test/sources holds every source to the guarantees below.
 *
 * Guarantees
 * - Lifecycle: a source does nothing with the log before `start` and nothing after `stop`
 *   resolves. `start` is idempotent (concurrent or repeated calls share one start) and resolves
 *   once the source is running, or degraded and retrying in the background (an unreachable
 *   remote never fails the gateway's start); it rejects only for what retrying cannot fix.
 *   `stop` is idempotent and final (a later `start` rejects with SB_SHUTTING_DOWN); it refuses
 *   new deliveries at once and resolves only after every append already handed to the
 *   `Appender` has settled. A delivery refused by lifecycle is answered SB_NOT_READY before
 *   `start` and SB_SHUTTING_DOWN after `stop` (an HTTP 503 for push sources, a rejected call
 *   for on-demand ones), so the sender retries elsewhere or later.
 * - Persist-then-respond: a source acknowledges a delivery (2xx to a push sender, a resolved
 *   call, a stream's ack) only after `append` resolved for every event in it; a body that
 *   cannot become events is `quarantine`d, durably, before it is acknowledged. When the
 *   appender rejects, the delivery is not acknowledged (the sender keeps it).
 * - Gaps: a source that knows it may have missed events (a stream disconnected, a sender refused
 *   because the log could not append) reports the time window through `reportGap` instead of
 *   staying silent, once the window has closed (it receives again, or it stops); an open window
 *   shows as `degraded` in `health()` meanwhile. The reconciler receives every gap.
 * - Health: `health()` is cheap and synchronous (/readyz calls it on every probe). `lastEventAt`
 *   is when the source last handed events to the log and the log took them (duplicates count:
 *   they prove the sender alive), never a payload's `occurredAt`.
 *
 * Out of scope: dedupe (the log does it by event id, so a source may append the same event
 * twice), ordering across sources (each source's appends are ordered only as it awaits them),
 * interpreting events (that is the projector's), and retrying a failed append (the sender, or
 * the next reconcile, does).
 */

import type { Logger } from 'pino';
import type {
  AppendResult,
  EventInput,
  EventLog,
  EventSource,
  QuarantineEntry,
} from '../log/event-log.js';

/**
 * What a source may do with the log: append, quarantine, and read the back-pressure figure for
 * admission control. Never read or subscribe: nothing reads from a source but the log's
 * consumers.
 */
export interface Appender {
  /** `EventLog.append`: resolves once durable, duplicates reported; rejects when unwritable. */
  append(events: readonly EventInput[]): Promise<AppendResult[]>;
  /** `EventLog.quarantine.put`: stores an unparseable body as durably as `append`. */
  quarantine(entry: QuarantineEntry): Promise<number>;
  /** `EventLog.pendingEvents`: events handed to the log and not yet durable (synchronous). */
  pendingEvents(): number;
}

/** A time window in which a source may have missed events. */
export interface Gap {
  source: EventSource;
  /** ISO 8601 start; undefined when the source cannot tell (e.g. before this process started). */
  from: string | undefined;
  /** ISO 8601 end: when the source was receiving (or stopped) again. */
  to: string;
  /** Why, for logs and the reconciler (`append-failed`, `disconnected`, `channel-expired`, …). */
  reason: string;
  /**
   * The topics that were not followed during the gap (a stream's channel that dropped while the
   * others stayed up); absent means all of the source's topics.
   */
  topics?: readonly string[];
}

export type GapReporter = (gap: Gap) => void;

/**
 * The gap reason of a stored `v2.system.token_revoked.{id}`: Genesys revoked the org's OAuth
 * tokens, so events may have stopped, and the REST client's cached token is dead.
 */
export const TOKEN_REVOKED = 'token-revoked';

/**
 * The gap reason of a stream whose re-planned topics no longer follow some users (deleted, or
 * removed from every followed queue): Genesys announces neither, so live state still shows them
 * until a reconcile run's roster drops them. No event was missed; the run starts at once.
 */
export const ROSTER_CHANGED = 'roster-changed';

/** What the gateway hands a source at start. */
export interface SourceContext {
  readonly append: Appender;
  readonly reportGap: GapReporter;
  /** Already bound to the source's name. */
  readonly logger: Logger;
}

export type SourceState = 'starting' | 'running' | 'degraded' | 'stopped';

export interface SourceHealth {
  /** `starting` until `start` resolves; `degraded` while running but possibly missing events. */
  state: SourceState;
  /** ISO 8601: when the log last took events from this source; null before the first. */
  lastEventAt: string | null;
  /** Why the state is what it is (the last error), when there is something to say. */
  detail?: string;
  /** Source-specific counts for operators (e.g. the reconciler's `gapsReceived`, `runs`). */
  counts?: Record<string, number>;
}

export interface Source {
  /** Unique among the gateway's sources; the key in /readyz's `sources`. */
  readonly name: string;
  /** The `source` of every event it appends. */
  readonly kind: EventSource;
  start(ctx: SourceContext): Promise<void>;
  stop(): Promise<void>;
  health(): SourceHealth;
}

/**
 * The log narrowed to an `Appender`: a new object rather than the log under a narrower type, so
 * no source can reach `read` or `subscribe` by a cast.
 */
export function appenderFor(log: EventLog): Appender {
  return {
    append: (events) => log.append(events),
    quarantine: (entry) => log.quarantine.put(entry),
    pendingEvents: () => log.pendingEvents(),
  };
}
