import type { QueueMediaFigures, QueueView, QueueWindowView } from '../protocol/live-messages.js';
import { getPath, isPlainObject } from '../util/objects.js';
import { count, joinedTo } from './agent-state.js';
import { LIMITS, boundedId } from './limits.js';
import { QueueWindow } from './queue-window.js';
import {
  iso,
  type AgentRecord,
  type MediaServiceLevel,
  type QueueRecord,
  type StateModel,
} from './state-model.js';
import { observationsView } from './queue-observations.js';

/**
 * Queues: membership (kept on both sides, with each joined member's standing in the queue's
 * tally), the media and their service-level targets, and the view: waiting / alerting /
 * interacting, the longest wait as of a given time, and answers and abandons over the window
 * of event time (rolling, or since midnight in the org's zone), for the queue and per media,
 * with the summed answer waits and the handlings that ended (count and summed handle times).
 */

/** A member as a REST snapshot lists it; `joined` undefined when the source does not say. */
export interface MemberEntry {
  id: string;
  joined: boolean | undefined;
}

/** Replaces the queue's members with a snapshot's, each joined or not as of `at`. */
export function setMembers(
  m: StateModel,
  q: QueueRecord,
  entries: Iterable<MemberEntry>,
  at: number,
  offset: number,
): void {
  const next = new Map<string, boolean | undefined>();
  for (const e of entries) {
    if (next.size >= LIMITS.membersPerQueue) break;
    next.set(e.id, e.joined);
  }
  for (const id of q.members) {
    if (next.has(id)) continue;
    const a = m.agents.get(id);
    if (a && joinedTo(a, q.id)) weigh(q, a, -1);
    a?.joins.delete(q.id);
    if (a?.queueIds.delete(q.id)) {
      a.offset = offset;
      m.dirty.agents.add(id);
    }
  }
  const members = new Set<string>();
  for (const [id, joined] of next) {
    if (!q.members.has(id) && !join(m, q, id, offset)) continue;
    members.add(id);
    if (joined !== undefined) setJoined(m, q, m.agent(id), joined, at, offset);
  }
  q.members = members;
  m.markQueue(q.id, offset);
}

/** Makes `id` a (joined) member of `q` on the agent's side; false when it has too many queues. */
function join(m: StateModel, q: QueueRecord, id: string, offset: number): boolean {
  const known = m.agents.get(id);
  if (known !== undefined && known.queueIds.size >= LIMITS.queuesPerAgent) return false;
  const a = known ?? m.agent(id);
  a.joins.delete(q.id);
  weigh(q, a, 1);
  a.queueIds.add(q.id);
  a.routed = true;
  a.offset = offset;
  m.dirty.agents.add(id);
  return true;
}

/** Adds (1) or takes away (-1) a joined member's part in the queue's tally. */
function weigh(q: QueueRecord, a: AgentRecord, by: 1 | -1): void {
  q.tally.joined += by;
  count(q.tally, a.standing, by);
}

/** Joins or unjoins a member, unless what we know of it is newer than `at`. */
function setJoined(
  m: StateModel,
  q: QueueRecord,
  a: AgentRecord,
  joined: boolean,
  at: number,
  offset: number,
): void {
  const known = a.joins.get(q.id);
  if (known !== undefined && at < known.at) return;
  const was = joinedTo(a, q.id);
  a.joins.set(q.id, { joined, at });
  if (was === joined) return;
  weigh(q, a, joined ? 1 : -1);
  m.markQueue(q.id, offset);
}

/**
 * A queue-users topic event (QueueUserEventTopicQueueMember): the member joined or unjoined.
 * `joined:false` keeps the member; only a REST snapshot removes one (docs/genesys-topics.md).
 */
export function applyQueueMember(
  m: StateModel,
  queueId: string,
  member: string,
  joined: boolean | undefined,
  at: number,
  offset: number,
): void {
  const q = m.queue(queueId, offset);
  if (!q.members.has(member)) {
    if (q.members.size >= LIMITS.membersPerQueue) return;
    // One join rather than setMembers over the whole list: that would be quadratic in members.
    if (!join(m, q, member, offset)) return;
    q.members.add(member);
  }
  if (joined !== undefined) setJoined(m, q, m.agent(member), joined, at, offset);
  m.markQueue(q.id, offset);
}

/**
 * An activity event's `activeQueueIds` (as of `dateActiveQueuesChanged`): the queues the agent
 * is joined to. Its member queues not listed are unjoined; a listed queue makes it a member.
 */
export function applyActiveQueues(
  m: StateModel,
  userId: string,
  active: unknown,
  at: number,
  offset: number,
): void {
  if (!Array.isArray(active)) return;
  const ids = new Set<string>();
  for (const x of active as unknown[]) {
    if (ids.size >= LIMITS.queuesPerAgent) break;
    const id = boundedId(x);
    if (id !== undefined) ids.add(id);
  }
  const a = m.agent(userId);
  for (const id of ids) if (!a.queueIds.has(id)) applyQueueMember(m, id, userId, true, at, offset);
  for (const id of a.queueIds) {
    const q = m.queues.get(id);
    if (q) setJoined(m, q, a, ids.has(id), at, offset);
  }
}

/**
 * The media a queue's `mediaSettings` (QueueMediaSettings) names, by the name conversations use:
 * REST says `call` where topics say `calls` and the live state says `voice`. Only these keep a
 * window of their own, so a hostile media name cannot grow a queue.
 */
const SETTING_MEDIA: Record<string, string> = {
  call: 'voice',
  callback: 'callback',
  chat: 'chat',
  email: 'email',
  message: 'message',
};
const MEDIA_ORDER = Object.values(SETTING_MEDIA);

/** Seeds the queue's media and their targets from its `mediaSettings` (a REST snapshot). */
export function setMediaSettings(q: QueueRecord, settings: Record<string, unknown>): void {
  q.mediaSettings = mediaSettingsOf(settings);
  // One media, or the first in a fixed order: never whichever key the body happened to list first.
  const first = MEDIA_ORDER.find((x) => q.mediaSettings.has(x));
  if (first !== undefined) q.mediaType = first;
  q.thresholdSec = first === undefined ? undefined : q.mediaSettings.get(first)?.thresholdSec;
}

/** A queue's `mediaSettings` (per media: `serviceLevel.durationMs`, `.percentage`) as folded. */
export function mediaSettingsOf(settings: Record<string, unknown>): Map<string, MediaServiceLevel> {
  const out = new Map<string, MediaServiceLevel>();
  for (const [key, media] of Object.entries(SETTING_MEDIA)) {
    const setting = settings[key];
    if (!isPlainObject(setting)) continue;
    const ms = getPath(setting, 'serviceLevel.durationMs');
    const pct = getPath(setting, 'serviceLevel.percentage');
    out.set(media, {
      thresholdSec: typeof ms === 'number' && ms > 0 && ms < 2 ** 40 ? ms / 1000 : undefined,
      target: typeof pct === 'number' && pct >= 0 && pct <= 1 ? pct : undefined,
    });
  }
  return out;
}

/** The service-level threshold of `media` in `q` (ms): its own, else the configured default. */
function thresholdMs(m: StateModel, q: QueueRecord, media: string): number {
  return (q.mediaSettings.get(media)?.thresholdSec ?? m.thresholdSec) * 1000;
}

function mediaWindow(m: StateModel, q: QueueRecord, media: string): QueueWindow | undefined {
  if (!MEDIA_ORDER.includes(media)) return undefined;
  let w = q.mediaWindows.get(media);
  if (!w) q.mediaWindows.set(media, (w = new QueueWindow()));
  return w;
}

/** A conversation of `media` was answered in `q` after waiting `waitMs`. */
export function recordAnswer(
  m: StateModel,
  q: QueueRecord,
  media: string,
  at: number,
  waitMs: number,
): void {
  const key = media.toLowerCase();
  const outcome = waitMs <= thresholdMs(m, q, key) ? 'within' : 'late';
  q.window.add(at, outcome, waitMs);
  mediaWindow(m, q, key)?.add(at, outcome);
}

/**
 * A conversation's handling in `q` ended at `at` (its agent legs there all done, wrap-up
 * included), `handleMs` after an agent first connected; the caller counts it once per queue.
 */
export function recordHandled(m: StateModel, q: QueueRecord, at: number, handleMs: number): void {
  q.window.add(at, 'handled', handleMs);
}

/** A conversation of `media` was abandoned in `q`. */
export function recordAbandon(m: StateModel, q: QueueRecord, media: string, at: number): void {
  q.window.add(at, 'abandoned');
  mediaWindow(m, q, media.toLowerCase())?.add(at, 'abandoned');
}

/** Service level per media: the queue's media, and any other with outcomes in the window. */
function byMedia(m: StateModel, q: QueueRecord, start: number): QueueMediaFigures[] {
  const out: QueueMediaFigures[] = [];
  for (const media of MEDIA_ORDER) {
    const setting = q.mediaSettings.get(media);
    const w = q.mediaWindows.get(media)?.figures(start);
    if (setting === undefined && (w === undefined || w.answered + w.abandoned === 0)) continue;
    const offered = w === undefined ? 0 : w.answered + w.abandoned;
    out.push({
      media,
      answered: w?.answered ?? 0,
      answeredWithinThreshold: w?.within ?? 0,
      abandoned: w?.abandoned ?? 0,
      serviceLevel: offered === 0 ? null : w!.within / offered,
      serviceLevelThresholdSec: setting?.thresholdSec ?? m.thresholdSec,
      serviceLevelTarget: setting?.target ?? null,
    });
  }
  return out;
}

/** The queue's view; `now` is the time its longest wait is measured to (a view-time value). */
export function queueView(m: StateModel, q: QueueRecord, now: number): QueueView {
  let oldest = Infinity;
  for (const since of q.waiting.values()) if (since < oldest) oldest = since;
  const start = m.windowStart();
  const w = q.window.figures(start);
  const offered = w.answered + w.abandoned;
  return {
    id: q.id,
    name: q.name,
    divisionId: q.divisionId,
    mediaType: q.mediaType,
    waiting: q.waiting.size,
    oldestWaitingSince: q.waiting.size === 0 ? null : iso(oldest),
    longestWaitMs: q.waiting.size === 0 ? 0 : Math.max(0, now - oldest),
    alerting: q.alerting.size,
    interacting: q.interacting.size,
    members: q.members.size,
    joined: q.tally.joined,
    onQueue: q.tally.onQueue,
    idle: q.tally.idle,
    interactingAgents: q.tally.interacting,
    notResponding: q.tally.notResponding,
    answered: w.answered,
    answeredWithinThreshold: w.within,
    abandoned: w.abandoned,
    serviceLevel: offered === 0 ? null : w.within / offered,
    serviceLevelThresholdSec: q.thresholdSec ?? m.thresholdSec,
    answerWaitMsTotal: w.answerWaitMs,
    handled: w.handled,
    handleMsTotal: w.handleMs,
    byMedia: byMedia(m, q, start),
    windowMinutes:
      m.window.kind === 'rolling'
        ? m.window.minutes
        : Math.max(0, Math.floor((m.clock - start) / 60_000)),
    window: windowView(m, start),
    offset: q.offset,
    ...(q.observations.size > 0 ? { observations: observationsView(q) } : {}),
  };
}

/** The window as the view names it, with its start as of the event clock. */
function windowView(m: StateModel, start: number): QueueWindowView {
  const since = iso(start);
  return m.window.kind === 'rolling'
    ? { kind: 'rolling', minutes: m.window.minutes, since }
    : { kind: 'today', timeZone: m.window.timeZone, since };
}
