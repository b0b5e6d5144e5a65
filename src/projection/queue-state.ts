import type { QueueView } from '../protocol/live-messages.js';
import { getPath } from '../util/objects.js';
import { count } from './agent-state.js';
import { LIMITS, boundedCode } from './limits.js';
import { iso, type QueueRecord, type StateModel } from './state-model.js';

/**
 * Queues: membership (kept on both sides, with each member's standing in the queue's tally),
 * the media type, and the view: waiting / alerting / interacting, the longest wait as of a given
 * time, and answers and abandons over the rolling window of event time.
 */

export function setMembers(
  m: StateModel,
  q: QueueRecord,
  ids: Iterable<string>,
  offset: number,
): void {
  const next = new Set<string>();
  for (const id of ids) {
    if (next.size >= LIMITS.membersPerQueue) break;
    next.add(id);
  }
  for (const id of q.members) {
    if (next.has(id)) continue;
    const a = m.agents.get(id);
    if (a) count(q.tally, a.standing, -1);
    if (a?.queueIds.delete(q.id)) {
      a.offset = offset;
      m.dirty.agents.add(id);
    }
  }
  for (const id of next) {
    if (!q.members.has(id) && !join(m, q, id, offset)) next.delete(id);
  }
  q.members = next;
  m.markQueue(q.id, offset);
}

/** Makes `id` a member of `q` on the agent's side; false when the agent has too many queues. */
function join(m: StateModel, q: QueueRecord, id: string, offset: number): boolean {
  const known = m.agents.get(id);
  if (known !== undefined && known.queueIds.size >= LIMITS.queuesPerAgent) return false;
  const a = known ?? m.agent(id);
  count(q.tally, a.standing, 1);
  a.queueIds.add(q.id);
  a.offset = offset;
  m.dirty.agents.add(id);
  return true;
}

/** A queue-users topic event names a member of the queue. */
export function applyQueueMember(
  m: StateModel,
  queueId: string,
  member: string,
  offset: number,
): void {
  const q = m.queue(queueId, offset);
  if (q.members.has(member) || q.members.size >= LIMITS.membersPerQueue) return;
  // One join rather than setMembers over the whole list: that would be quadratic in members.
  if (join(m, q, member, offset)) q.members.add(member);
  m.markQueue(q.id, offset);
}

/** Observations name the media type of a queue known only from them. */
export function applyQueueObservation(
  m: StateModel,
  queueId: string,
  body: Record<string, unknown>,
  offset: number,
): void {
  const q = m.queue(queueId, offset);
  const media = boundedCode(getPath(body, 'group.mediaType'));
  if (q.mediaType === undefined && media !== undefined) q.mediaType = media;
}

/** The queue's view; `now` is the time its longest wait is measured to (a view-time value). */
export function queueView(m: StateModel, q: QueueRecord, now: number): QueueView {
  let oldest = Infinity;
  for (const since of q.waiting.values()) if (since < oldest) oldest = since;
  const w = q.window.figures(m.clock);
  const offered = w.answered + w.abandoned;
  return {
    id: q.id,
    name: q.name,
    mediaType: q.mediaType,
    waiting: q.waiting.size,
    oldestWaitingSince: q.waiting.size === 0 ? null : iso(oldest),
    longestWaitMs: q.waiting.size === 0 ? 0 : Math.max(0, now - oldest),
    alerting: q.alerting.size,
    interacting: q.interacting.size,
    members: q.members.size,
    onQueue: q.tally.onQueue,
    idle: q.tally.idle,
    interactingAgents: q.tally.interacting,
    notResponding: q.tally.notResponding,
    answered: w.answered,
    answeredWithinThreshold: w.within,
    abandoned: w.abandoned,
    serviceLevel: offered === 0 ? null : w.within / offered,
    serviceLevelThresholdSec: q.thresholdSec ?? m.thresholdSec,
    windowMinutes: m.windowMs / 60_000,
    offset: q.offset,
  };
}
