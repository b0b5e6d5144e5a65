/** Messages between `SqliteEventLog` (main thread) and its writer worker. */

export interface WriterOptions {
  path: string;
  fsync: boolean;
  dedupeHorizonMs: number;
  retention: { maxAgeMs: number; maxBytes: number };
}

/** An event as it crosses to the writer: flat, with the subject split into columns. */
export interface WireEvent {
  id: string;
  source: string;
  topic: string;
  kind: string;
  userId: string | null;
  queueId: string | null;
  conversationId: string | null;
  occurredAt: string | null;
  receivedAt: string;
  body: Uint8Array;
}

export interface WireQuarantine {
  source: string;
  reason: string;
  contentType: string | null;
  receivedAt: string;
  body: Uint8Array;
}

export type WriterRequest =
  | { seq: number; op: 'append'; nowMs: number; events: WireEvent[] }
  | { seq: number; op: 'quarantine'; entry: WireQuarantine }
  | { seq: number; op: 'commit'; consumer: string; offset: number; nowMs: number }
  | { seq: number; op: 'register'; consumer: string; startAt: 'earliest' | 'latest'; nowMs: number }
  | { seq: number; op: 'unregister'; consumer: string }
  | { seq: number; op: 'retention'; nowMs: number }
  | { seq: number; op: 'close' };

export interface WriterStats {
  lastOffset: number;
  sizeBytes: number;
  /** Ids inside the dedupe horizon held by the writer's index. */
  dedupeEntries: number;
}

export type WriterResponse =
  | { seq: number; ok: true; result: unknown; stats: WriterStats }
  | { seq: number; ok: false; error: { code: string; message: string } };

/** Sent once the database is open and migrated, or when opening failed. */
export type WriterReady =
  { ready: true; stats: WriterStats } | { ready: false; error: { code: string; message: string } };
