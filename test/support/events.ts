/**
 * The one builder of log events for tests: an `EventInput` to append, or a `StoredEvent` (with
 * its offset) to fold directly. Only the fields a test cares about are given; the rest get
 * plausible defaults. Kept free of source imports beyond types: the log suite's hard-kill child
 * process loads it too.
 */
import { randomUUID } from 'node:crypto';
import type { EventKind } from '../../src/log/event-kinds.js';
import type {
  EventInput,
  EventLog,
  EventSource,
  EventSubject,
  StoredEvent,
} from '../../src/log/event-log.js';

/** The instant events happen at when a test does not say. */
export const DEFAULT_EVENT_TIME = '2026-11-23T10:00:00.000Z';

export interface EventFields {
  /** Serialized as JSON, unless already bytes (taken as they are). Default `{}`. */
  body?: unknown;
  subject?: EventSubject;
  /** Default: `DEFAULT_EVENT_TIME`. */
  occurredAt?: string | null;
  /** Default: `occurredAt` (or `DEFAULT_EVENT_TIME` when that is null). */
  receivedAt?: string;
  /** Default: a random UUID (a stored event's: `e-<offset>`). */
  id?: string;
  /** Default: `reconcile` for `reconcile.*` kinds, `eventbridge` for the rest. */
  source?: EventSource;
  /** Default: the kind. */
  topic?: string;
}

export function eventInput(kind: EventKind, fields: EventFields = {}): EventInput {
  const occurredAt = fields.occurredAt === undefined ? DEFAULT_EVENT_TIME : fields.occurredAt;
  const body = fields.body ?? {};
  return {
    id: fields.id ?? randomUUID(),
    source: fields.source ?? (kind.startsWith('reconcile.') ? 'reconcile' : 'eventbridge'),
    topic: fields.topic ?? kind,
    kind,
    subject: fields.subject ?? {},
    occurredAt,
    receivedAt: fields.receivedAt ?? occurredAt ?? DEFAULT_EVENT_TIME,
    body: body instanceof Uint8Array ? body : Buffer.from(JSON.stringify(body)),
  };
}

export function storedEvent(
  offset: number,
  kind: EventKind,
  fields: EventFields = {},
): StoredEvent {
  return { ...eventInput(kind, { id: `e-${offset}`, ...fields }), offset };
}

/** Every id in the log, read through the log's own read path. */
export async function logIds(log: Pick<EventLog, 'read'>): Promise<Set<string>> {
  const have = new Set<string>();
  for (let after = 0; ;) {
    const page = await log.read(after, 1000);
    if (page.length === 0) break;
    for (const e of page) have.add(e.id);
    after = page[page.length - 1]!.offset;
  }
  return have;
}
