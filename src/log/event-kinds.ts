/**
 * The one registry of event kinds: the normalized family every event in the log carries. The
 * normalizer assigns them, the projection switches on them, the reconciler emits its own, the
 * config validates kind lists against them and routing rules will match them. A kind is never
 * renamed: stored events keep theirs, and a string this build does not know reads as `unknown`.
 */
export const EVENT_KINDS = {
  // Notification API / EventBridge topics (FACTS §1.7), from the topic name.
  'user.presence': 'v2.users.{id}.presence',
  'user.routing': 'v2.users.{id}.routingStatus',
  'user.activity': 'v2.users.{id}.activity',
  'user.conversation': 'v2.users.{id}.conversations[.media]',
  'queue.conversation': 'v2.routing.queues.{id}.conversations[.media]',
  'queue.member': 'v2.routing.queues.{id}.users, or a pushed routing.queue.* event',
  'queue.observation': 'v2.analytics.queues.{id}.observations|activity',
  'conversation.detail': 'v2.detail.events.conversation.{id}.*',
  'conversation.transcription': 'v2.conversations.{id}.transcription',
  audit: 'v2.audits.*',
  'system.token-revoked':
    'v2.system.token_revoked.{id}: the OAuth token behind a notification channel was revoked',
  system: 'v2.system.*, channel.metadata',
  // Pushed by relays and workflows (SEED-FORMATS), from the event type.
  'agent.state': 'a pushed agent login / state change',
  interaction: 'a pushed interaction summary',
  'routing.conversation': 'a pushed routing.conversation.* event',
  call: 'a pushed telephony call event',
  'queue.event': 'a pushed queue event',
  // Written by the reconciler from the REST API (docs/reconcile.md).
  'reconcile.presence-definitions': 'the org presence definitions',
  'reconcile.wrapup-codes': 'the org wrap-up codes (id and name)',
  'reconcile.queue': 'one queue with its members',
  'reconcile.user': 'one user with presence, routing status and team',
  'reconcile.gap-conversations':
    "conversations a gap touched, from conversation details: agents' own calls, and queue calls begun and over in it",
  'reconcile.queue-conversations':
    "one queue's conversations in progress (waiting, alerting, interacting), from its observations",
  'reconcile.complete': 'the end of a reconcile run',
  'reconcile.sweep':
    'a state that cannot be true (a ring past any alerting timeout, a conversation silent too long) ended by the gateway, with the reason',
  unknown: 'a shape this build does not recognise (stored as received)',
} as const satisfies Record<string, string>;

export type EventKind = keyof typeof EVENT_KINDS;

export const EVENT_KIND_NAMES = Object.keys(EVENT_KINDS) as [EventKind, ...EventKind[]];

const known: ReadonlySet<string> = new Set(EVENT_KIND_NAMES);

export function isEventKind(value: string): value is EventKind {
  return known.has(value);
}

/** A kind read back from storage: one this build does not know is `unknown`. */
export function toEventKind(value: string): EventKind {
  return isEventKind(value) ? value : 'unknown';
}
