import type { EventInput } from '../log/event-log.js';
import { timeOf } from '../util/time.js';
import { dropConversation, timeOutRing } from './conversation-state.js';
import { boundedId } from './limits.js';
import { iso, type StateModel } from './state-model.js';

/**
 * States live state holds that cannot be true, and the `reconcile.sweep` events that end them.
 *
 * A ring older than any alerting timeout, or a conversation with no event for longer than the
 * org keeps one idle, means its end fell in a gap nobody noticed (a push sender that gave up
 * quietly, a stream gap the reconciler could not repair). The gateway finds them on the events'
 * own clock, appends one sweep per state to the log (so a replay ends them at the same point)
 * and asks the reconciler, when there is one, to read what is true. A sweep names the last time
 * the conversation changed when it was found: anything heard about it since (an event, a
 * reconcile run) makes the sweep stale, and it changes nothing.
 */
export type SweepReason = 'ring-timeout' | 'silent-conversation';

export interface ImpossibleState {
  reason: SweepReason;
  conversationId: string;
  /** The agent whose ring is too old (`ring-timeout`). */
  userId?: string;
  /** When live state last heard of the conversation (ISO 8601, the events' clock). */
  lastAt: string;
  /** The limit it is past (`reconcile.maxRingMs`, `reconcile.maxSilentConversationMs`). */
  limitMs: number;
}

/** The states of `m` impossible at `now` (the events' clock). */
export function findImpossible(
  m: StateModel,
  now: number,
  maxRingMs: number,
  maxSilentMs: number,
): ImpossibleState[] {
  const found: ImpossibleState[] = [];
  for (const t of m.toasts.values()) {
    if (!(now - Date.parse(t.since) > maxRingMs)) continue;
    const rec = m.conversations.get(t.conversationId);
    found.push({
      reason: 'ring-timeout',
      conversationId: t.conversationId,
      userId: t.userId,
      lastAt: rec ? iso(rec.at) : t.since,
      limitMs: maxRingMs,
    });
  }
  for (const c of m.conversations.values())
    if (c.bucket !== 'ended' && now - c.at > maxSilentMs)
      found.push({
        reason: 'silent-conversation',
        conversationId: c.id,
        lastAt: iso(c.at),
        limitMs: maxSilentMs,
      });
  return found;
}

/** A stable key per state: the same state found twice is one sweep (and one log id). */
export function impossibleKey(s: ImpossibleState): string {
  return `${s.reason}:${s.conversationId}:${s.userId ?? ''}:${s.lastAt}`;
}

/** The event that ends `s`, dated `at` on the events' clock (so it does not move that clock). */
export function sweepEvent(s: ImpossibleState, at: number, receivedAt: string): EventInput {
  return {
    id: `sweep:${impossibleKey(s)}`,
    source: 'reconcile',
    topic: 'reconcile.sweep',
    kind: 'reconcile.sweep',
    subject: {
      conversationId: s.conversationId,
      ...(s.userId !== undefined ? { userId: s.userId } : {}),
    },
    occurredAt: iso(at),
    receivedAt,
    body: Buffer.from(JSON.stringify({ ...s, sweptAt: iso(at) }), 'utf8'),
  };
}

/** Folds a `reconcile.sweep` body: ends the state it names, unless it has moved on since. */
export function applySweep(
  m: StateModel,
  body: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  const conversationId = boundedId(body.conversationId);
  const lastAt = timeOf(body.lastAt);
  if (conversationId === undefined || lastAt === undefined) return;
  const rec = m.conversations.get(conversationId);
  if (!rec || rec.bucket === 'ended' || rec.at > lastAt) return;
  if (body.reason === 'ring-timeout') {
    const userId = boundedId(body.userId);
    if (userId === undefined) return;
    if (m.agents.get(userId)?.legs.get(rec.id)?.state !== 'alerting') return;
    timeOutRing(m, rec, userId, Math.max(at, rec.at), offset);
  } else if (body.reason === 'silent-conversation') {
    dropConversation(m, rec, Math.max(at, rec.at), offset);
  }
}
