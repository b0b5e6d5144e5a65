import type { StoredEvent } from '../log/event-log.js';

/** An event's canonical fields: what every target carries beside the body as received. */
export interface EventMetadata {
  id: string;
  source: string;
  topic: string;
  kind: string;
  subject: StoredEvent['subject'];
  occurredAt: string | null;
  receivedAt: string;
}

/** What a route's pattern sees of an event (docs/rules.md): the metadata and the parsed body. */
export interface EventDocument extends EventMetadata {
  /** The body parsed as JSON; its text when it is not JSON. */
  body: unknown;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function eventMetadata(event: StoredEvent): EventMetadata {
  return {
    id: event.id,
    source: event.source,
    topic: event.topic,
    kind: event.kind,
    subject: event.subject,
    occurredAt: event.occurredAt,
    receivedAt: event.receivedAt,
  };
}

export function eventDocument(event: StoredEvent): EventDocument {
  const text = decoder.decode(event.body);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { ...eventMetadata(event), body };
}
