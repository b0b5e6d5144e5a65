/**
 * Notification API messages as the log holds them, for tests that fold real-shaped bodies into
 * live state directly: the kind and subject come from the gateway's own topic classifier, so a
 * test sees what ingest would have stored.
 */
import type { StoredEvent } from '../../src/log/event-log.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { storedEvent } from './events.js';

let offset = 0;

/** The next offset of this test process: events a test builds itself take theirs from here too. */
export const nextOffset = (): number => ++offset;

/** `{topicName, version, eventBody, metadata}` at the next offset of this test process. */
export function notificationEvent(
  topicName: string,
  eventBody: unknown,
  occurredAt: string,
): StoredEvent {
  const c = classifyTopic(topicName);
  const at = nextOffset();
  return storedEvent(at, c?.kind ?? 'unknown', {
    topic: topicName,
    subject: c?.subject ?? {},
    occurredAt,
    body: { topicName, version: '2', eventBody, metadata: { CorrelationId: `c-${at}` } },
  });
}
