import type { EventKind, EventSubject } from '../../log/event-log.js';

/** A Genesys topic family: its normalized kind and which ids its name carries. */
interface TopicRule {
  pattern: RegExp;
  kind: EventKind;
  /** Which capture group holds which subject id. */
  ids: (keyof EventSubject)[];
}

// Concrete topic names (FACTS §1.7). Placeholders are real ids, so they match `[^.]+`.
const TOPIC_RULES: TopicRule[] = [
  { pattern: /^v2\.users\.([^.]+)\.presence$/i, kind: 'user.presence', ids: ['userId'] },
  { pattern: /^v2\.users\.([^.]+)\.routingstatus$/i, kind: 'user.routing', ids: ['userId'] },
  { pattern: /^v2\.users\.([^.]+)\.activity$/i, kind: 'user.activity', ids: ['userId'] },
  {
    pattern: /^v2\.users\.([^.]+)\.conversations(?:\.[a-z]+)?$/i,
    kind: 'user.conversation',
    ids: ['userId'],
  },
  {
    pattern: /^v2\.routing\.queues\.([^.]+)\.conversations(?:\.[a-z]+)?$/i,
    kind: 'queue.conversation',
    ids: ['queueId'],
  },
  { pattern: /^v2\.routing\.queues\.([^.]+)\.users$/i, kind: 'queue.member', ids: ['queueId'] },
  {
    pattern: /^v2\.analytics\.queues\.([^.]+)\.(?:observations|activity)$/i,
    kind: 'queue.observation',
    ids: ['queueId'],
  },
  {
    pattern: /^v2\.detail\.events\.conversation\.([^.]+)\.[a-z.]+$/i,
    kind: 'conversation.detail',
    ids: ['conversationId'],
  },
  {
    pattern: /^v2\.conversations\.([^.]+)\.transcription$/i,
    kind: 'conversation.transcription',
    ids: ['conversationId'],
  },
  { pattern: /^v2\.audits\./i, kind: 'audit', ids: [] },
  // SystemMessageSystemMessage (systemTopicType token_revoked): its own kind, because the
  // channel it names stops delivering, unlike the other system messages (notificationMappings.json).
  { pattern: /^v2\.system\.token_revoked\.[^.]+$/i, kind: 'system.token-revoked', ids: [] },
  { pattern: /^v2\.system\./i, kind: 'system', ids: [] },
  { pattern: /^channel\.metadata$/i, kind: 'system', ids: [] },
];

export function classifyTopic(
  topic: string,
): { kind: EventKind; subject: EventSubject } | undefined {
  for (const rule of TOPIC_RULES) {
    const m = rule.pattern.exec(topic);
    if (!m) continue;
    const subject: EventSubject = {};
    rule.ids.forEach((key, i) => {
      const value = m[i + 1];
      if (value) subject[key] = value;
    });
    return { kind: rule.kind, subject };
  }
  return undefined;
}
