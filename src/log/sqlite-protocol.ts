/** Messages between `SqliteEventLog` (main thread) and its writer worker. */

export interface WriterOptions {
  path: string;
  fsync: boolean;
  dedupeHorizonMs: number;
  retention: { maxAgeMs: number; maxBytes: number };
  /** The log's clock at open: which stored ids are still inside the horizon. */
  startMs: number;
  limits?: WriterLimits;
}

/**
 * Ceilings that let tests reach real failure paths without filling a disk or the memory:
 * `maxPageCount` (PRAGMA max_page_count: appends past it fail with SQLITE_FULL, as on a full
 * disk), `dedupeMaxSlots` (index growth past it fails as a failed allocation does),
 * `dedupeFingerprintBits` (fewer bits force fingerprint collisions).
 */
export interface WriterLimits {
  maxPageCount?: number;
  dedupeMaxSlots?: number;
  dedupeFingerprintBits?: number;
}

/** The error code of an append refused because the dedupe index could not grow. */
export const DEDUPE_PRESSURE = 'DEDUPE_PRESSURE';

/**
 * A batch of events as it crosses to the writer, in columns: structured clone costs per value,
 * so flat arrays of strings and one buffer of all bodies cross far cheaper than objects.
 */
export interface WireBatch {
  count: number;
  /** WIRE_FIELDS values per event, event after event. */
  fields: (string | null)[];
  /** Every body, concatenated; event i spans [ends[i - 1] ?? 0, ends[i]). Transferred, not copied. */
  bodies: Uint8Array;
  ends: number[];
}

/** The order of the per-event values in `WireBatch.fields`. */
export const WIRE_FIELDS = [
  'id',
  'source',
  'topic',
  'kind',
  'userId',
  'queueId',
  'conversationId',
  'occurredAt',
  'receivedAt',
] as const;

export interface WireQuarantine {
  source: string;
  reason: string;
  contentType: string | null;
  receivedAt: string;
  body: Uint8Array;
}

export type WriterRequest =
  | { seq: number; op: 'append'; nowMs: number; batch: WireBatch }
  | { seq: number; op: 'quarantine'; entry: WireQuarantine }
  | { seq: number; op: 'commit'; consumer: string; offset: number; nowMs: number }
  | { seq: number; op: 'register'; consumer: string; startAt: 'earliest' | 'latest'; nowMs: number }
  | { seq: number; op: 'unregister'; consumer: string }
  | { seq: number; op: 'retention'; nowMs: number }
  /** Room for `batch` more ids and a committed write of about one event; nothing is kept. */
  | { seq: number; op: 'probe'; batch: number }
  | { seq: number; op: 'close' };

export interface WriterStats {
  lastOffset: number;
  sizeBytes: number;
  /** Ids inside the dedupe horizon held by the writer's index. */
  dedupeEntries: number;
  /** Memory the dedupe index holds. */
  dedupeBytes: number;
}

export type WriterResponse =
  | { seq: number; ok: true; result: unknown; stats: WriterStats }
  | { seq: number; ok: false; error: { code: string; message: string } };

/** Sent once the database is open and migrated, or when opening failed. */
export type WriterReady =
  { ready: true; stats: WriterStats } | { ready: false; error: { code: string; message: string } };
