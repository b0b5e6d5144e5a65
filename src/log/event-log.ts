/**
 * The EventLog port: the one durable, deduplicating, ordered record every source writes to and
 * every consumer reads from. Core code imports only this file; backends live beside it
 * (`sqlite-event-log.ts`; the JetStream backend for cluster mode implements the same contract)
 * and are chosen by `createEventLog(config)`. `runEventLogSuite` in test/log holds every
 * backend to the guarantees below.
 *
 * Guarantees
 * - Durability: `append` resolves only after every event in the call is durable (committed and
 *   fsynced when `fsync` is on). A crash after resolve loses nothing; a crash before resolve
 *   may keep some, all or none of the call's events, never a partial event.
 * - Dedupe: an event whose `id` was appended within the dedupe horizon (default 24 h, measured
 *   on the log's clock at append) is not stored again; its result is `{duplicate: true}` with the
 *   offset of the first copy. Duplicates inside one call are deduped against each other.
 *   Outside the horizon the same id is a new event with a new offset.
 * - Order: offsets are integers, strictly increasing in commit order and never reused (not even
 *   after retention deletes the newest events). Within one `append` call, events get offsets in
 *   array order. Offset 0 means "before the first event".
 * - Consumers: a named consumer's committed offset survives restarts; `subscribe` resumes after
 *   it. Delivery is at-least-once: after a crash, events after the last commit come again.
 * - Retention: events older than `maxAge`, or beyond `maxBytes`, are deleted, except events
 *   that some registered consumer has not yet committed. A retention pass that fails is
 *   reported to the owner (`onRetentionError`), never swallowed, and retried on the next pass.
 * - Quarantine: `quarantine.put` is as durable on resolve as `append`; quarantined items never
 *   enter the log's offsets and are never deleted by retention.
 * - Back-pressure: `pendingEvents()` answers synchronously (admission control reads it on every
 *   request) with the events handed to `append` and not yet durable.
 * - Failure: an append refused by a failed write (full disk, dedupe pressure, I/O error) stored
 *   none of its events, so the sender's retry cannot store them twice (a crash of the writer is
 *   the Durability case above); `problem()` says why until a write succeeds again.
 *
 * Out of scope: ordering across different logs, exactly-once side effects in consumers (they
 * make their own writes idempotent with the event id), and payload validation (the log stores
 * bytes).
 */

import type { EventKind } from './event-kinds.js';

export type { EventKind } from './event-kinds.js';
export type EventSource = 'webhook' | 'stream' | 'eventbridge' | 'reconcile';

/** Ids pulled out of the payload for routing and filtering. */
export interface EventSubject {
  userId?: string;
  queueId?: string;
  conversationId?: string;
}

/** The canonical record every source produces. */
export interface EventInput {
  /** Dedupe key (see ARCHITECTURE.md "The event"). */
  id: string;
  source: EventSource;
  /** Concrete Genesys topic (`v2.users.<id>.presence`) or the pushed event type. */
  topic: string;
  /** Normalized family, from the one registry (`event-kinds.ts`). */
  kind: EventKind;
  subject: EventSubject;
  /** When it happened, from the payload (ISO 8601); null when the payload has no time. */
  occurredAt: string | null;
  /** When the gateway received it (ISO 8601). */
  receivedAt: string;
  /** The exact bytes received for this event. */
  body: Uint8Array;
}

export interface StoredEvent extends EventInput {
  offset: number;
}

export interface AppendResult {
  offset: number;
  duplicate: boolean;
}

export interface LogStats {
  /** Highest offset ever assigned (0 when empty). */
  lastOffset: number;
  /** Lowest offset still stored (0 when empty). */
  firstOffset: number;
  eventCount: number;
  sizeBytes: number;
  /** Events handed to `append` and not yet durable. */
  pendingEvents: number;
  /** Ids the dedupe horizon currently holds (memory a backend spends on dedupe). */
  dedupeEntries: number;
}

/** Why appends cannot be made durable now (`/readyz` reports it). */
export type LogProblemReason =
  /** The last write failed for lack of disk space. */
  | 'disk-full'
  /** The dedupe index could not grow: appends are refused before anything is stored. */
  | 'dedupe-pressure'
  /** The last write failed otherwise (an I/O error). */
  | 'write-failed'
  /** The writer stopped; only a restart brings it back. */
  | 'writer-failed'
  | 'closing';

export interface LogProblem {
  reason: LogProblemReason;
  /** For operators: what failed, with the driver's code. */
  message: string;
  /** When this reason began (ISO 8601, wall clock). */
  since?: string;
}

export interface ConsumerInfo {
  name: string;
  committedOffset: number;
}

export interface SubscribeOptions {
  /** Largest batch yielded at once. */
  batchSize?: number;
  /** Where a consumer that has never committed starts: the first event (default) or the end. */
  startAt?: 'earliest' | 'latest';
}

/**
 * A named consumer's view of the log: an async iterator of batches in offset order, starting
 * after the committed offset. The iterator waits for new events; `close()` ends it.
 */
export interface Subscription extends AsyncIterable<StoredEvent[]> {
  readonly consumer: string;
  /** Records that every event up to and including `offset` is processed; durable on resolve. */
  commit(offset: number): Promise<void>;
  /** Ends the iteration (a pending `next()` resolves done). */
  close(): void;
}

export interface EventLog {
  /** Appends events in order; resolves after they are durable. Rejects with LogUnavailableError. */
  append(events: readonly EventInput[]): Promise<AppendResult[]>;
  /** Up to `limit` events with offset greater than `after`, in offset order. */
  read(after: number, limit: number): Promise<StoredEvent[]>;
  subscribe(consumer: string, options?: SubscribeOptions): Promise<Subscription>;
  /** Removes a consumer so that it no longer holds back retention. */
  unregister(consumer: string): Promise<void>;
  consumers(): Promise<ConsumerInfo[]>;
  stats(): Promise<LogStats>;
  /** Applies retention now (it also runs on a timer); resolves with the number of events deleted. */
  runRetention(): Promise<number>;
  /** True while appends can be made durable: `problem()` is undefined. */
  isWritable(): boolean;
  /**
   * Why appends cannot be made durable now, or undefined. A failed write sets it; the next
   * write that succeeds clears it (the backend checks by itself too, so it clears without
   * traffic).
   */
  problem(): LogProblem | undefined;
  /** Events handed to `append` and not yet durable; cheap and synchronous. */
  pendingEvents(): number;
  /** Bodies kept aside because they could not be parsed into events (same durability). */
  readonly quarantine: Quarantine;
  /** Stops accepting appends, waits for in-flight ones, then releases resources. Idempotent. */
  close(): Promise<void>;
}

/** Items kept aside because they could not be parsed into events: never dropped, never in the log. */
export interface QuarantineEntry {
  source: EventSource;
  reason: string;
  receivedAt: string;
  contentType: string | undefined;
  body: Uint8Array;
}

export interface QuarantinedItem extends QuarantineEntry {
  id: number;
}

export interface Quarantine {
  /** Stores the entry durably; resolves with its id. */
  put(entry: QuarantineEntry): Promise<number>;
  list(after: number, limit: number): Promise<QuarantinedItem[]>;
  count(): Promise<number>;
}
