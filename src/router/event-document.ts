import type { StoredEvent } from '../log/event-log.js';

/** What a route's pattern sees of an event (CONTRACT.md "Sinks"). */
export interface EventDocument {
  id: string;
  source: string;
  topic: string;
  kind: string;
  subject: StoredEvent['subject'];
  occurredAt: string | null;
  receivedAt: string;
  /** The body parsed as JSON; its text when it is not JSON. */
  body: unknown;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function eventDocument(event: StoredEvent): EventDocument {
  const text = decoder.decode(event.body);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return {
    id: event.id,
    source: event.source,
    topic: event.topic,
    kind: event.kind,
    subject: event.subject,
    occurredAt: event.occurredAt,
    receivedAt: event.receivedAt,
    body,
  };
}
