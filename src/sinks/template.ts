import { SwitchboardError } from '../errors.js';
import type { StoredEvent } from '../log/event-log.js';

/**
 * Names built from an event for a target (an AMQP routing key, EventBridge `source` and
 * `detail-type`): literal text with `{field}` placeholders over the event's canonical fields.
 * Compiled once when the config loads, so an unknown field fails the start, not a delivery.
 */
const FIELDS = {
  id: (e: StoredEvent) => e.id,
  source: (e: StoredEvent) => e.source,
  topic: (e: StoredEvent) => e.topic,
  kind: (e: StoredEvent) => e.kind,
  'subject.userId': (e: StoredEvent) => e.subject.userId ?? '',
  'subject.queueId': (e: StoredEvent) => e.subject.queueId ?? '',
  'subject.conversationId': (e: StoredEvent) => e.subject.conversationId ?? '',
} as const satisfies Record<string, (e: StoredEvent) => string>;

export const TEMPLATE_FIELDS = Object.keys(FIELDS) as (keyof typeof FIELDS)[];

export type EventTemplate = (event: StoredEvent) => string;

/** Compiles `text`; `where` names the config field in the error (SB_CONFIG_INVALID). */
export function compileTemplate(text: string, where: string): EventTemplate {
  const parts: (string | ((e: StoredEvent) => string))[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    const name = m[1]!;
    if (!Object.hasOwn(FIELDS, name))
      throw new SwitchboardError(
        'SB_CONFIG_INVALID',
        `${where}: unknown placeholder {${name}} (known: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')})`,
      );
    parts.push(FIELDS[name as keyof typeof FIELDS]);
    last = re.lastIndex;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.some((p) => typeof p === 'string' && /[{}]/.test(p)))
    throw new SwitchboardError('SB_CONFIG_INVALID', `${where}: unbalanced { or } in "${text}"`);
  return (event) => parts.map((p) => (typeof p === 'string' ? p : p(event))).join('');
}
