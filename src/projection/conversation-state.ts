import type { LegState, ParsedAgentLeg, ParsedConversation } from './conversation-parse.js';
import { detailConversation, foldDetail, newDetailView } from './detail-events.js';
import { relabel } from './agent-state.js';
import { LIMITS } from './limits.js';
import { recordAbandon, recordAnswer, recordHandled } from './queue-state.js';
import {
  BUCKET_RANK,
  iso,
  newConversation,
  type AgentRecord,
  type Bucket,
  type ConversationRecord,
  type StateModel,
} from './state-model.js';

/**
 * Conversations and toasts: a conversation body moves the conversation between its queue's
 * buckets (waiting, alerting, interacting), counts its answer or abandon once per queue and its
 * handling once per queue when that ends, gives each agent on it a leg, and makes a toast for
 * each agent leg that rings.
 */

/** Finished conversations are remembered this long so late events cannot revive them. */
const TOMBSTONE_MS = 15 * 60_000;

export function applyConversation(
  m: StateModel,
  conv: ParsedConversation,
  at: number,
  offset: number,
  /** The body is the whole history so far (a detail view), not one snapshot that may be stale. */
  cumulative = false,
): void {
  // Ringing is the queue's offer only while nobody has the customer: a consulted colleague's
  // phone rings while the first agent holds the call, and that call is being handled.
  const handled = conv.agents.some((l) => l.state === 'connected' || l.state === 'held');
  const bucket: Bucket =
    !handled && conv.agents.some((l) => l.state === 'alerting')
      ? 'alerting'
      : conv.agents.some((l) => l.state !== 'done')
        ? 'interacting'
        : conv.waitingSince !== undefined
          ? 'waiting'
          : conv.active
            ? 'flow'
            : 'ended';
  // An outbound conversation is no queue's arrival, even when a campaign routes it via one.
  const queueId = conv.outbound ? undefined : conv.queueId;
  let rec = m.conversations.get(conv.id);
  const isNew = rec === undefined;
  if (rec) {
    // Older than what we know, or the same instant but behind it (reordered): ignore. An
    // ended conversation stays ended. A detail view folds every milestone in whatever order it
    // came, so its latest reading is never behind: a blind transfer's agent end, next queue's
    // start and next agent's offer share one instant and move the buckets back (interacting,
    // waiting, alerting).
    if (at < rec.at) return;
    if (!cumulative && at === rec.at && BUCKET_RANK[bucket] < BUCKET_RANK[rec.bucket]) return;
    if (rec.bucket === 'ended') return;
  } else {
    rec = newConversation(conv.id, at, bucket, conv.media);
    m.conversations.set(conv.id, rec);
  }
  const previous = isNew
    ? { bucket: undefined, queueId: undefined }
    : { bucket: rec.bucket, queueId: rec.queueId };
  rec.at = at;
  rec.media = conv.media;
  rec.queueId = queueId ?? rec.queueId;
  rec.queueName = conv.queueName ?? rec.queueName;
  rec.caller = conv.customerName ?? rec.caller;
  rec.address = conv.customerAddress ?? rec.address;
  rec.queuedAt = conv.queuedAt ?? rec.queuedAt;
  rec.divisionIds = conv.divisionIds ?? rec.divisionIds;
  rec.bucket = bucket;

  // Queue figures: move the conversation between the queue's buckets.
  if (previous.queueId !== undefined) {
    const q = m.queues.get(previous.queueId);
    if (q) {
      q.waiting.delete(rec.id);
      q.alerting.delete(rec.id);
      q.interacting.delete(rec.id);
      m.markQueue(q.id, offset);
    }
  }
  const q = rec.queueId !== undefined ? m.queue(rec.queueId, offset) : undefined;
  if (q) {
    if (q.name === undefined && rec.queueName !== undefined) q.name = rec.queueName;
    if (bucket === 'waiting') q.waiting.set(rec.id, conv.waitingSince ?? at);
    else if (bucket === 'alerting') q.alerting.add(rec.id);
    else if (bucket === 'interacting') q.interacting.add(rec.id);
    m.markQueue(q.id, offset);
    // Answered: an agent leg connected for the first time in this queue.
    const answered = conv.agents.find((l) => l.state === 'connected' || l.state === 'held');
    const countable = !rec.counted.has(q.id) && rec.counted.size < LIMITS.queuesPerConversation;
    if (answered && countable) {
      rec.counted.add(q.id);
      const answeredAt = answered.connectedAt ?? at;
      const waitMs = Math.max(0, answeredAt - (rec.queuedAt ?? answeredAt));
      recordAnswer(m, q, rec.media, at, waitMs);
    } else if (
      bucket === 'ended' &&
      (previous.bucket === 'waiting' || previous.bucket === 'alerting') &&
      countable
    ) {
      rec.counted.add(q.id);
      recordAbandon(m, q, rec.media, at);
    }
  }

  trackHandling(m, rec, conv, bucket === 'ended', at, offset);

  // Agents: each agent leg in the body; agents no longer on it lose it.
  const seen = new Set<string>();
  for (const leg of conv.agents) {
    seen.add(leg.userId);
    setLeg(m, rec, leg.userId, bucket === 'ended' ? 'done' : leg.state, at, offset, leg.wrapupCode);
  }
  for (const userId of rec.userIds) {
    if (!seen.has(userId)) setLeg(m, rec, userId, 'done', at, offset);
  }
}

/**
 * A conversation topic body. Once one names a conversation, its detail events are ignored: the
 * body is the whole conversation (with the alerting the detail events lack), and mixing deltas
 * into snapshots could move it back and forth. Answers and abandons are counted once per queue
 * (`counted`) whichever family counted first.
 */
export function applyConversationBody(
  m: StateModel,
  conv: ParsedConversation,
  at: number,
  offset: number,
): void {
  m.details.set(conv.id, null);
  applyConversation(m, conv, at, offset);
}

/** A detail event (`v2.detail.events.conversation.{id}.{milestone}`) of a conversation. */
export function applyDetail(
  m: StateModel,
  conversationId: string,
  milestone: string,
  body: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  let view = m.details.get(conversationId);
  if (view === null) return;
  const known = view !== undefined;
  view ??= newDetailView();
  if (!foldDetail(view, milestone, body, at)) return;
  if (!known) m.details.set(conversationId, view);
  // The latest milestone's time: a late (reordered) older one still updates the view.
  const rec = m.conversations.get(conversationId);
  applyConversation(
    m,
    detailConversation(conversationId, view),
    Math.max(at, rec?.at ?? at),
    offset,
    true,
  );
}

/**
 * A conversation a reconcile run no longer finds where live state has it (its end fell in a
 * gap): out of its queue's buckets and off its agents, without counting an answer, an abandon
 * or a handling, since how it ended is unknown.
 */
export function dropConversation(
  m: StateModel,
  rec: ConversationRecord,
  at: number,
  offset: number,
): void {
  const q = rec.queueId !== undefined ? m.queues.get(rec.queueId) : undefined;
  if (q) {
    q.waiting.delete(rec.id);
    q.alerting.delete(rec.id);
    q.interacting.delete(rec.id);
    m.markQueue(q.id, offset);
  }
  for (const userId of [...rec.userIds]) setLeg(m, rec, userId, 'done', at, offset);
  // Handlings still open end uncounted: when and how they ended is unknown.
  for (const queueId of rec.handling.keys()) rec.handling.set(queueId, null);
  rec.bucket = 'ended';
  rec.at = at;
}

/**
 * A ring older than any alerting timeout whose end was lost: Genesys takes an unanswered offer
 * back from the agent and the conversation waits in its queue again (unless someone else has
 * it), which is what live state shows until an event or a reconcile run says more.
 */
export function timeOutRing(
  m: StateModel,
  rec: ConversationRecord,
  userId: string,
  at: number,
  offset: number,
): void {
  setLeg(m, rec, userId, 'done', at, offset);
  if (rec.bucket !== 'alerting') return;
  const legs = [...rec.userIds].map((u) => m.agents.get(u)?.legs.get(rec.id)?.state);
  if (legs.includes('alerting')) return;
  // No ring left: whoever still has a leg is working it.
  const working = legs.some((state) => state !== undefined);
  const q = rec.queueId !== undefined ? m.queues.get(rec.queueId) : undefined;
  rec.bucket = working ? 'interacting' : 'waiting';
  if (q) {
    q.alerting.delete(rec.id);
    if (working) q.interacting.add(rec.id);
    else q.waiting.set(rec.id, rec.queuedAt ?? at);
    m.markQueue(q.id, offset);
  }
}

/** An agent leg still working the conversation (wrap-up included); a ringing one is not yet. */
const working = (l: ParsedAgentLeg) =>
  l.state === 'connected' || l.state === 'held' || l.state === 'acw';

/**
 * Handle times, per queue. A queue's handling begins at the first connect of an agent leg it
 * routed (the leg's `queueId`; a leg that names none, the conversation's queue then), in a
 * queue where the conversation's answer was counted; it ends, and is counted once, when no leg
 * that may be its own still works the conversation (wrap-up included) or the conversation
 * ends. A leg naming no queue (a direct transfer; a source that does not say) may be any
 * handling queue's, so it keeps them all going. A blind transfer's first queue thus ends with
 * its agent's wrap-up while the next queue's begins with its own agent's connect.
 */
function trackHandling(
  m: StateModel,
  rec: ConversationRecord,
  conv: ParsedConversation,
  ended: boolean,
  at: number,
  offset: number,
): void {
  if (!ended && !conv.outbound) {
    for (const leg of conv.agents) {
      if (leg.state !== 'connected' && leg.state !== 'held') continue;
      const queueId = leg.queueId ?? rec.queueId;
      if (queueId === undefined || !rec.counted.has(queueId)) continue;
      const since = leg.connectedAt ?? at;
      const known = rec.handling.get(queueId);
      if (known === undefined || (known !== null && since < known))
        rec.handling.set(queueId, since);
    }
  }
  for (const [queueId, since] of rec.handling) {
    if (since === null) continue;
    if (
      !ended &&
      conv.agents.some((l) => working(l) && (l.queueId === undefined || l.queueId === queueId))
    )
      continue;
    rec.handling.set(queueId, null);
    const q = m.queues.get(queueId);
    if (q) {
      recordHandled(m, q, at, at - since);
      m.markQueue(q.id, offset);
    }
  }
}

function setLeg(
  m: StateModel,
  rec: ConversationRecord,
  userId: string,
  state: LegState,
  at: number,
  offset: number,
  wrapupCode?: string,
): void {
  const a = m.agent(userId);
  const before = a.legs.get(rec.id);
  if (state === 'done') {
    rec.userIds.delete(userId);
    if (before) a.legs.delete(rec.id);
  } else {
    rec.userIds.add(userId);
    if (before === undefined && a.legs.size >= LIMITS.legsPerAgent) dropOldestLeg(m, a.id, a.legs);
    if (before?.state !== state)
      a.legs.set(rec.id, { media: rec.media, state, queueId: rec.queueId, at, wrapupCode });
    else if (before.wrapupCode !== wrapupCode && wrapupCode !== undefined) {
      // Picked during wrap-up: the state stays `acw`, only the code is new.
      before.wrapupCode = wrapupCode;
      a.offset = offset;
      m.dirty.agents.add(a.id);
    }
  }
  const toastId = `${rec.id}:${userId}`;
  if (state === 'alerting') {
    if (!m.toasts.has(toastId)) {
      m.toasts.set(toastId, {
        id: toastId,
        conversationId: rec.id,
        userId,
        queueId: rec.queueId,
        queueName:
          rec.queueName ??
          (rec.queueId !== undefined ? m.queues.get(rec.queueId)?.name : undefined),
        media: rec.media,
        caller: rec.caller,
        address: rec.address,
        since: iso(at),
        offset,
        ...(rec.divisionIds ? { divisionIds: rec.divisionIds } : {}),
      });
      m.dirty.toasts.add(toastId);
    }
  } else if (m.toasts.delete(toastId)) {
    m.dirty.toasts.add(toastId);
  }
  if (before?.state !== (state === 'done' ? undefined : state)) relabel(m, a, offset);
}

/**
 * Makes room for a new leg: legs whose end never arrived would otherwise pile up on an agent (and
 * in every snapshot of it); the oldest is the one most likely stale.
 */
function dropOldestLeg(m: StateModel, userId: string, legs: AgentRecord['legs']): void {
  const oldest = legs.keys().next();
  if (oldest.done) return;
  const conversationId = oldest.value;
  legs.delete(conversationId);
  m.conversations.get(conversationId)?.userIds.delete(userId);
  const toastId = `${conversationId}:${userId}`;
  if (m.toasts.delete(toastId)) m.dirty.toasts.add(toastId);
}

/** Forgets finished conversations long past (their late events are then ignored by time). */
export function sweepConversations(m: StateModel): void {
  const horizon = m.clock - TOMBSTONE_MS;
  for (const [id, c] of m.conversations) {
    if (c.bucket === 'ended' && c.at < horizon) {
      m.conversations.delete(id);
      m.details.delete(id);
    }
  }
}
