import { randomBytes } from 'node:crypto';
import type { EventInput, EventKind } from '../../log/event-log.js';
import type { QueueConversations } from './queue-conversations.js';
import type { GapConversations } from './gap-conversations.js';

/** The `reconcile.*` events one run appends (shapes: docs/reconcile.md). */
export const RECONCILE_KINDS = {
  presenceDefinitions: 'reconcile.presence-definitions',
  wrapupCodes: 'reconcile.wrapup-codes',
  queue: 'reconcile.queue',
  user: 'reconcile.user',
  queueConversations: 'reconcile.queue-conversations',
  gapConversations: 'reconcile.gap-conversations',
  complete: 'reconcile.complete',
} as const satisfies Record<string, EventKind>;

/** Body of `reconcile.complete`. */
export interface ReconcileComplete {
  runId: string;
  /** When fetching began, on this machine's clock. */
  startedAt: string;
  /**
   * The same instant on the org's clock, when it runs ahead of ours (an emulator's virtual
   * time): users are dated by their presence's own times, on that clock, so the roster's "an
   * event since the run began proves the user" compares like with like. Conversation topics
   * carry no time and are dated when received, so the run's events keep ours (`occurredAt`).
   */
  asOf?: string;
  /** When fetching ended: the snapshot lies between the two. */
  finishedAt: string;
  userIds: string[];
  queueIds: string[];
}

/** What one run read, before it becomes events. */
export interface ReconcileSnapshot {
  presenceDefinitions: unknown[];
  /** `WrapupCode` entities: detail events and participants name a wrap-up by its id only. */
  wrapupCodes?: unknown[];
  queues: { id: string; entity: Record<string, unknown>; members: unknown[] }[];
  users: { id: string; entity: Record<string, unknown> }[];
  /** Each queue's conversations in progress (absent when they could not be read). */
  queueConversations?: QueueConversations[];
  /** Agents' own calls that the gaps this run repairs touched. */
  gapConversations?: GapConversations;
}

/**
 * Whether an event of the run (its kind and body) is worth appending: false when live state
 * already agrees with it. `reconcile.complete` is never asked about: every run appends it.
 */
export type KeepEvent = (kind: EventKind, body: Record<string, unknown>) => boolean;

/**
 * The run's events in append order: definitions, wrap-up codes, queues, queues' conversations,
 * gap conversations, users, complete; only those `keep` accepts (default: all), and `complete`.
 */
export function buildEvents(
  runId: string,
  startedAt: string,
  finishedAt: string,
  snapshot: ReconcileSnapshot,
  keep?: KeepEvent,
  asOf = startedAt,
): { events: EventInput[]; unchanged: number } {
  const receivedAt = finishedAt;
  let unchanged = 0;
  /** Each event's body as built, by position: `keep` judges these, not the bytes. */
  const bodies: Record<string, unknown>[] = [];
  const event = (
    key: string,
    kind: EventKind,
    topic: string,
    subject: EventInput['subject'],
    body: Record<string, unknown>,
    /** The whole id, when it must not depend on the run (something counted once, ever). */
    id = `reconcile:${runId}:${key}`,
  ): EventInput => {
    bodies.push(body);
    return {
      id,
      source: 'reconcile',
      topic,
      kind,
      subject,
      occurredAt: startedAt,
      receivedAt,
      body: Buffer.from(JSON.stringify(body), 'utf8'),
    };
  };
  const all: EventInput[] = [
    event(
      'presence-definitions',
      RECONCILE_KINDS.presenceDefinitions,
      'v2.presencedefinitions',
      {},
      { entities: snapshot.presenceDefinitions },
    ),
    event(
      'wrapup-codes',
      RECONCILE_KINDS.wrapupCodes,
      'v2.routing.wrapupcodes',
      {},
      { entities: snapshot.wrapupCodes ?? [] },
    ),
  ];
  for (const q of snapshot.queues) {
    all.push(
      event(
        `queue:${q.id}`,
        RECONCILE_KINDS.queue,
        `v2.routing.queues.${q.id}`,
        { queueId: q.id },
        // Members' `joined` has no time of its own: it is as of the run's start on the org's
        // clock, like the joins the activity topic dates (`dateActiveQueuesChanged`).
        { queue: q.entity, members: q.members, ...(asOf !== startedAt ? { asOf } : {}) },
      ),
    );
  }
  for (const c of snapshot.queueConversations ?? []) {
    all.push(
      event(
        `queue-conversations:${c.queueId}`,
        RECONCILE_KINDS.queueConversations,
        `v2.analytics.queues.${c.queueId}.observations`,
        { queueId: c.queueId },
        { queueId: c.queueId, results: c.results, ...(c.segments ? { segments: c.segments } : {}) },
      ),
    );
  }
  if (snapshot.gapConversations) {
    const { from, to, conversations, truncated } = snapshot.gapConversations;
    const own = conversations.filter((c) => c.queues === undefined);
    all.push(
      event(
        'gap-conversations',
        RECONCILE_KINDS.gapConversations,
        'v2.analytics.conversations.details',
        {},
        { from, to, conversations: own, ...(truncated ? { truncated } : {}) },
      ),
    );
    // A queue conversation over by now is counted (answered, abandoned, handled): one event
    // each, its id the conversation's alone, so a later run that reads it again (an overlapping
    // gap, a retried run) appends nothing the log's dedupe keeps.
    for (const c of conversations) {
      if (c.queues === undefined) continue;
      all.push(
        event(
          `gap-conversation:${c.conversationId}`,
          RECONCILE_KINDS.gapConversations,
          'v2.analytics.conversations.details',
          { conversationId: c.conversationId },
          { from, to, conversations: [c] },
          gapConversationEventId(c.conversationId),
        ),
      );
    }
  }
  for (const u of snapshot.users) {
    all.push(
      event(`user:${u.id}`, RECONCILE_KINDS.user, `v2.users.${u.id}`, { userId: u.id }, u.entity),
    );
  }
  const events =
    keep === undefined
      ? all
      : all.filter((e, i) => {
          if (keep(e.kind, bodies[i]!)) return true;
          unchanged++;
          return false;
        });
  const complete: ReconcileComplete = {
    runId,
    startedAt,
    ...(asOf !== startedAt ? { asOf } : {}),
    finishedAt,
    userIds: snapshot.users.map((u) => u.id),
    queueIds: snapshot.queues.map((q) => q.id),
  };
  events.push(
    event('complete', RECONCILE_KINDS.complete, 'reconcile.complete', {}, { ...complete }),
  );
  return { events, unchanged };
}

/** The id of the event that counts a queue conversation a gap backfill found over: one per conversation, whatever the run. */
export function gapConversationEventId(conversationId: string): string {
  return `reconcile:gap-conversation:${conversationId}`;
}

/** `20261123T100000123Z-1f2e3d4c`: sortable by start time, unique across runs. */
export function defaultRunId(startedAtMs: number): string {
  const stamp = new Date(startedAtMs).toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}
