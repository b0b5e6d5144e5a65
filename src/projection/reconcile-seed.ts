import { getPath, isPlainObject } from '../util/objects.js';
import { timeOf } from '../util/time.js';
import { applyPresence, applyRouting, count, joinedTo, relabel } from './agent-state.js';
import { LIMITS, boundedCode, boundedId, boundedName } from './limits.js';
import { definitionLabel, systemPresenceOf } from './presence-definitions.js';
import {
  mediaSettingsOf,
  recordAbandon,
  recordAnswer,
  recordHandled,
  setMediaSettings,
  setMembers,
} from './queue-state.js';
import { newConversation, type ConversationRecord, type StateModel } from './state-model.js';
import type { LegState, ParsedConversation } from './conversation-parse.js';
import { applyConversation, dropConversation } from './conversation-state.js';

/**
 * Reconciliation: REST snapshots appended as `reconcile.*` events seed agents, teams, secondary
 * presence labels and queue memberships, and drop what the org no longer has. A snapshot is
 * folded like any other event, so it never undoes a newer event.
 */

export function reconcileDefinitions(
  m: StateModel,
  body: Record<string, unknown>,
  offset: number,
): void {
  const entities = Array.isArray(body.entities) ? (body.entities as unknown[]) : [];
  for (const d of entities) {
    if (!isPlainObject(d)) continue;
    const id = boundedId(d.id);
    if (id === undefined) continue;
    if (!m.definitions.has(id) && m.definitions.size >= LIMITS.presenceDefinitions) continue;
    const label = boundedName(definitionLabel(d));
    if (label !== undefined && label !== '') m.definitions.set(id, label);
  }
  for (const a of m.agents.values()) {
    if (a.presenceDefinitionId !== undefined) relabel(m, a, offset);
  }
}

/**
 * Wrap-up code names (`WrapupCode` `{id, name}`): detail events and participants name a code by
 * its id only. Agents whose legs carry a code are re-sent, so a name read after the code shows.
 */
export function reconcileWrapupCodes(
  m: StateModel,
  body: Record<string, unknown>,
  offset: number,
): void {
  const entities = Array.isArray(body.entities) ? (body.entities as unknown[]) : [];
  for (const c of entities) {
    if (!isPlainObject(c)) continue;
    const id = boundedId(c.id);
    const name = boundedName(c.name);
    if (id === undefined || name === undefined || name === '') continue;
    if (!m.wrapupCodes.has(id) && m.wrapupCodes.size >= LIMITS.wrapupCodes) continue;
    m.wrapupCodes.set(id, name);
  }
  for (const a of m.agents.values()) {
    for (const l of a.legs.values()) {
      if (l.wrapupCode === undefined) continue;
      a.offset = offset;
      m.dirty.agents.add(a.id);
      break;
    }
  }
}

/**
 * A queue and its members (QueueMember: `joined`, `memberBy` `user` or `group`). Members via a
 * group are members like any other; `joined` says whether each counts in the queue's figures.
 */
export function reconcileQueue(
  m: StateModel,
  body: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  const queue = isPlainObject(body.queue) ? body.queue : undefined;
  const queueId = boundedId(queue?.id);
  if (!queue || queueId === undefined) return;
  const q = m.queue(queueId, offset);
  q.name = boundedName(queue.name) ?? q.name;
  q.divisionId = boundedId(getPath(queue, 'division.id')) ?? q.divisionId;
  setMediaSettings(q, isPlainObject(queue.mediaSettings) ? queue.mediaSettings : {});
  const members = Array.isArray(body.members) ? (body.members as unknown[]) : [];
  // Joins are compared on the org's clock (`asOf`), as the activity topic dates them.
  const joinedAt = timeOf(body.asOf) ?? at;
  setMembers(
    m,
    q,
    members.flatMap((x) => {
      if (!isPlainObject(x)) return [];
      const id = boundedId(x.id ?? getPath(x, 'user.id'));
      const joined = typeof x.joined === 'boolean' ? x.joined : undefined;
      return id === undefined ? [] : [{ id, joined }];
    }),
    joinedAt,
    offset,
  );
}

export function reconcileUser(
  m: StateModel,
  body: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  const id = boundedId(body.id);
  if (id === undefined) return;
  const a = m.agent(id);
  a.name = boundedName(body.name) ?? a.name;
  const team = isPlainObject(body.team) ? body.team : undefined;
  a.teamId = boundedId(team?.id);
  a.teamName = boundedName(team?.name);
  a.divisionId = boundedId(getPath(body, 'division.id')) ?? a.divisionId;
  a.offset = offset;
  m.dirty.agents.add(a.id);
  applyPresence(
    m,
    a.id,
    getPath(body, 'presence.presenceDefinition'),
    timeOf(getPath(body, 'presence.modifiedDate')) ?? at,
    offset,
  );
  applyRouting(
    m,
    a.id,
    getPath(body, 'routingStatus.status'),
    timeOf(getPath(body, 'routingStatus.startTime')) ?? at,
    offset,
  );
}

type Bucket = 'waiting' | 'alerting' | 'interacting';
const METRIC_BUCKET: Record<string, Bucket> = {
  oWaiting: 'waiting',
  oAlerting: 'alerting',
  oInteracting: 'interacting',
};

/**
 * One queue's conversations in progress as a reconcile run read them (queue observations with
 * `detailMetrics`: `ObservationValue {conversationId, userId, observationDate, …}`), as of the
 * run's start `at`. Live state is brought to agree where no event since the run began says
 * otherwise: a conversation the queue held and the org no longer shows is dropped (its end fell
 * in a gap; not counted, the outcome is unknown), one it shows that live state lacks or shows
 * otherwise (a ring that was answered in the gap) is set as shown. An agent's leg already
 * connected, held or in wrap-up keeps its state: observations do not say which of those it is.
 */
export function reconcileQueueConversations(
  m: StateModel,
  body: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  const plan = planQueueConversations(m, body, at);
  // Not listed here may mean moved to another queue in the gap: the run's other snapshots
  // decide, and its `reconcile.complete` drops what none of them listed.
  for (const rec of plan.drop) m.pendingDrops.set(rec.id, at);
  applyPlan(m, { drop: [], set: plan.set, count: [] }, at, offset);
}

/** What folding `reconcile.queue-conversations` would change; nothing is changed here. */
function planQueueConversations(
  m: StateModel,
  body: Record<string, unknown>,
  at: number,
): ConversationPlan {
  const plan: ConversationPlan = { drop: [], set: [], count: [] };
  const queueId = boundedId(body.queueId);
  const results = Array.isArray(body.results) ? (body.results as unknown[]) : undefined;
  if (queueId === undefined || results === undefined) return plan;
  const listed = new Map<
    string,
    {
      bucket: Bucket;
      since: number | undefined;
      userId: string | undefined;
      media: string | undefined;
      caller: string | undefined;
      address: string | undefined;
    }
  >();
  for (const r of results) {
    if (!isPlainObject(r) || !Array.isArray(r.data)) continue;
    const media = boundedName(getPath(r, 'group.mediaType'));
    for (const d of r.data as unknown[]) {
      if (!isPlainObject(d) || typeof d.metric !== 'string') continue;
      const bucket = METRIC_BUCKET[d.metric];
      if (bucket === undefined || !Array.isArray(d.observations)) continue;
      for (const o of d.observations as unknown[]) {
        if (listed.size >= LIMITS.conversationsPerQueueSnapshot) break;
        if (!isPlainObject(o)) continue;
        const id = boundedId(o.conversationId);
        if (id === undefined) continue;
        listed.set(id, {
          bucket,
          since: timeOf(o.observationDate),
          userId: boundedId(o.userId),
          media: mediaName(media),
          caller: boundedName(o.participantName),
          address: boundedName(o.ani) ?? boundedName(o.addressFrom),
        });
      }
    }
  }
  const segments = isPlainObject(body.segments) ? body.segments : {};
  const q = m.queues.get(queueId);
  if (q) {
    for (const id of [...q.waiting.keys(), ...q.alerting, ...q.interacting]) {
      if (listed.has(id)) continue;
      const rec = m.conversations.get(id);
      if (rec && rec.at < at) plan.drop.push(rec);
    }
  }
  for (const [id, o] of listed) {
    const rec = m.conversations.get(id);
    if (rec && rec.at >= at) continue;
    const held = o.userId === undefined ? undefined : m.agents.get(o.userId)?.legs.get(id)?.state;
    const kept = held === 'connected' || held === 'held' || held === 'acw' ? held : undefined;
    // The agent's open analytics segment, when the run read the conversation's details.
    const ofConversation = Object.hasOwn(segments, id) ? segments[id] : undefined;
    const segment =
      o.userId !== undefined &&
      isPlainObject(ofConversation) &&
      Object.hasOwn(ofConversation, o.userId)
        ? ofConversation[o.userId]
        : undefined;
    const talking = typeof segment === 'string' ? SEGMENT_LEG[segment] : undefined;
    // Observations name one agent; the details name every agent on it (a consult in the gap).
    const others: { userId: string; state: LegState }[] = [];
    if (o.bucket === 'interacting' && isPlainObject(ofConversation)) {
      for (const [user, type] of Object.entries(ofConversation)) {
        const userId = boundedId(user);
        if (userId === undefined || userId === o.userId || typeof type !== 'string') continue;
        const state = type === 'alert' ? 'alerting' : SEGMENT_LEG[type];
        if (state === undefined || others.length >= LIMITS.agentsPerConversation - 1) continue;
        others.push({ userId, state });
      }
    }
    const agrees =
      rec !== undefined &&
      rec.bucket === o.bucket &&
      rec.queueId === queueId &&
      (o.userId === undefined || rec.userIds.has(o.userId)) &&
      (talking === undefined || talking === held) &&
      others.every((l) => m.agents.get(l.userId)?.legs.get(id)?.state === l.state);
    if (agrees) continue;
    plan.set.push({
      id,
      media: rec?.media ?? o.media ?? 'unknown',
      queueId,
      queueName: undefined,
      waitingSince: o.bucket === 'waiting' ? o.since : undefined,
      queuedAt: rec?.queuedAt ?? (o.bucket === 'waiting' ? o.since : undefined),
      customerName: o.caller,
      customerAddress: o.address,
      customerEnded: false,
      outbound: false,
      active: true,
      agents:
        o.bucket === 'waiting' || o.userId === undefined
          ? []
          : [
              {
                userId: o.userId,
                state: o.bucket === 'alerting' ? 'alerting' : (talking ?? kept ?? 'connected'),
                queueId,
                connectedAt: o.bucket === 'interacting' ? o.since : undefined,
              },
              ...others.map((l) => ({ ...l, queueId, connectedAt: undefined })),
            ],
    });
  }
  return plan;
}

/**
 * Agents' own calls (in no queue) that a gap touched, as conversation details name them, as of
 * the run's start `at`: one over that live state still shows is dropped (uncounted: it was no
 * queue's), one in progress that live state lacks or shows otherwise gets its legs from each
 * agent's open segment. Any event since the run began wins.
 */
export function reconcileGapConversations(
  m: StateModel,
  body: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  applyPlan(m, planGapConversations(m, body, at), at, offset);
}

/** What folding `reconcile.gap-conversations` would change; nothing is changed here. */
function planGapConversations(
  m: StateModel,
  body: Record<string, unknown>,
  at: number,
): ConversationPlan {
  const plan: ConversationPlan = { drop: [], set: [], count: [] };
  const list = Array.isArray(body.conversations) ? (body.conversations as unknown[]) : [];
  for (const c of list.slice(0, LIMITS.conversationsPerQueueSnapshot)) {
    if (!isPlainObject(c)) continue;
    const id = boundedId(c.conversationId);
    if (id === undefined) continue;
    const rec = m.conversations.get(id);
    if (Array.isArray(c.queues)) {
      // A queue's conversation over by now: counted unless live state saw it end.
      const outcomes = queueOutcomes(c.queues as unknown[]);
      if (outcomes.length > 0 && c.ended === true && rec?.bucket !== 'ended')
        plan.count.push({ id, media: boundedName(c.media), outcomes });
      continue;
    }
    if (rec && rec.at >= at) continue;
    if (c.ended === true) {
      if (rec && rec.bucket !== 'ended') plan.drop.push(rec);
      continue;
    }
    const legs = isPlainObject(c.legs) ? c.legs : {};
    const agents: {
      userId: string;
      state: LegState;
      queueId: undefined;
      connectedAt: undefined;
    }[] = [];
    for (const [user, segment] of Object.entries(legs)) {
      const userId = boundedId(user);
      if (userId === undefined || typeof segment !== 'string') continue;
      if (agents.length >= LIMITS.agentsPerConversation) break;
      const state = segment === 'alert' ? 'alerting' : (SEGMENT_LEG[segment] ?? 'connected');
      agents.push({ userId, state, queueId: undefined, connectedAt: undefined });
    }
    if (agents.length === 0) continue;
    const agrees =
      rec !== undefined &&
      agents.every((l) => m.agents.get(l.userId)?.legs.get(id)?.state === l.state);
    if (agrees) continue;
    const media = boundedName(c.media);
    plan.set.push({
      id,
      media: rec?.media ?? mediaName(media) ?? 'unknown',
      queueId: undefined,
      queueName: undefined,
      waitingSince: undefined,
      queuedAt: undefined,
      customerName: undefined,
      customerAddress: undefined,
      customerEnded: false,
      outbound: c.outbound === true,
      active: true,
      agents,
    });
  }
  return plan;
}

/** What folding a conversations snapshot would do: drop these records, set those, count those. */
interface ConversationPlan {
  drop: ConversationRecord[];
  set: ParsedConversation[];
  /** Queue conversations over whose end live state never saw: their outcomes, to count. */
  count: FinishedConversation[];
}

/** A queue conversation that began and ended in a gap (`reconcile.gap-conversations`). */
interface FinishedConversation {
  id: string;
  media: string | undefined;
  outcomes: QueueOutcome[];
}

/** One queue's part of a finished conversation (`GapQueueOutcome`), times in epoch ms. */
interface QueueOutcome {
  queueId: string;
  queuedAt: number;
  answeredAt: number | undefined;
  abandonedAt: number | undefined;
  handledAt: number | undefined;
}

function queueOutcomes(list: readonly unknown[]): QueueOutcome[] {
  const out: QueueOutcome[] = [];
  for (const o of list) {
    if (out.length >= LIMITS.queuesPerConversation) break;
    if (!isPlainObject(o)) continue;
    const queueId = boundedId(o.queueId);
    const queuedAt = timeOf(o.queuedAt);
    if (queueId === undefined || queuedAt === undefined) continue;
    const answeredAt = timeOf(o.answeredAt);
    out.push({
      queueId,
      queuedAt,
      answeredAt,
      abandonedAt: answeredAt === undefined ? timeOf(o.abandonedAt) : undefined,
      handledAt: answeredAt === undefined ? undefined : timeOf(o.handledAt),
    });
  }
  return out;
}

function applyPlan(m: StateModel, plan: ConversationPlan, at: number, offset: number): void {
  for (const rec of plan.drop) dropConversation(m, rec, at, offset);
  for (const conv of plan.set) applyConversation(m, conv, at, offset, true);
  for (const done of plan.count) countFinished(m, done, at, offset);
}

/**
 * A queue conversation that ended where live state could not see it: each queue's answer (with
 * its wait) or abandon, unless live state already counted one there, and its handling, unless
 * live state already counted that; each at the conversation's own time. The record then stays as
 * an ended one, so the same conversation told again (a retried run, its own late events) counts
 * nothing more.
 */
function countFinished(
  m: StateModel,
  done: FinishedConversation,
  at: number,
  offset: number,
): void {
  let rec = m.conversations.get(done.id);
  if (rec?.bucket === 'ended') return;
  const media = rec?.media ?? mediaName(done.media) ?? 'unknown';
  if (rec === undefined) {
    rec = newConversation(done.id, at, 'ended', media);
    m.conversations.set(done.id, rec);
  }
  for (const o of done.outcomes) {
    const q = m.queue(o.queueId, offset);
    if (!rec.counted.has(q.id) && rec.counted.size < LIMITS.queuesPerConversation) {
      if (o.answeredAt !== undefined) {
        rec.counted.add(q.id);
        recordAnswer(m, q, media, o.answeredAt, o.answeredAt - o.queuedAt);
      } else if (o.abandonedAt !== undefined) {
        rec.counted.add(q.id);
        recordAbandon(m, q, media, o.abandonedAt);
      }
    }
    const since = rec.handling.get(q.id);
    if (
      o.answeredAt !== undefined &&
      o.handledAt !== undefined &&
      since !== null &&
      rec.counted.has(q.id)
    ) {
      // Live state saw the handling begin: it runs from that connect, as live.
      recordHandled(m, q, o.handledAt, o.handledAt - (since ?? o.answeredAt));
      rec.handling.set(q.id, null);
    }
    m.markQueue(q.id, offset);
  }
  // Out of its queue's buckets and off its agents (the handlings are settled above).
  dropConversation(m, rec, Math.max(at, rec.at), offset);
}

/** An agent's open analytics segment (`AnalyticsConversationSegment.segmentType`) → its leg. */
const SEGMENT_LEG: Record<string, 'connected' | 'held' | 'acw'> = {
  interact: 'connected',
  hold: 'held',
  wrapup: 'acw',
};

/** Observation `group.mediaType` → the media names of the conversation topics. */
const MEDIA_OF: Record<string, string> = {
  voice: 'voice',
  callback: 'callback',
  chat: 'chat',
  email: 'email',
  message: 'message',
};

/** Analytics' media type (`mediaType`) by the name conversations use, as given when unknown. */
function mediaName(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : (MEDIA_OF[raw] ?? raw);
}

/**
 * Users and queues the org no longer has are dropped, unless an event after the run began
 * proves them (one at the very instant is taken as before it: the emulator's frozen clock stamps
 * a deleted user's log-out and the run's start alike).
 */
export function reconcileComplete(
  m: StateModel,
  body: Record<string, unknown>,
  offset: number,
): void {
  const startedAt = timeOf(body.asOf) ?? timeOf(body.startedAt);
  if (startedAt === undefined) return;
  for (const [id, at] of m.pendingDrops) {
    const rec = m.conversations.get(id);
    if (rec && rec.at < at && rec.bucket !== 'ended') dropConversation(m, rec, at, offset);
  }
  m.pendingDrops.clear();
  const users = new Set(stringList(body.userIds));
  const queues = new Set(stringList(body.queueIds));
  if (Array.isArray(body.userIds)) {
    for (const a of [...m.agents.values()]) {
      if (users.has(a.id) || Math.max(a.presenceAt, a.routingAt) > startedAt) continue;
      m.agents.delete(a.id);
      m.dirty.agents.add(a.id);
      for (const qid of a.queueIds) {
        const q = m.queues.get(qid);
        if (q?.members.delete(a.id) && joinedTo(a, qid)) {
          q.tally.joined--;
          count(q.tally, a.standing, -1);
        }
        m.markQueue(qid, offset);
      }
    }
  }
  if (Array.isArray(body.queueIds)) {
    for (const q of [...m.queues.values()]) {
      if (queues.has(q.id) || q.waiting.size + q.alerting.size + q.interacting.size > 0) continue;
      m.queues.delete(q.id);
      m.dirty.queues.add(q.id);
      for (const id of q.members) {
        const a = m.agents.get(id);
        a?.joins.delete(q.id);
        if (a?.queueIds.delete(q.id)) m.dirty.agents.add(id);
      }
    }
  }
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Whether folding a reconcile event of `kind` (body as parsed, run started at `at`) would change
 * live state: a run appends only these, so the log holds the corrections, not the org's whole
 * directory every run. Read-only. `reconcile.complete` always changes (it is the run's roster).
 * Kept beside the folds so the two cannot drift: each test is what its fold would act on.
 */
export function reconcileChanges(
  m: StateModel,
  kind: string,
  body: Record<string, unknown>,
  at: number,
): boolean {
  switch (kind) {
    case 'reconcile.presence-definitions':
      return entitiesDiffer(body, m.definitions, LIMITS.presenceDefinitions, definitionLabel);
    case 'reconcile.wrapup-codes':
      return entitiesDiffer(body, m.wrapupCodes, LIMITS.wrapupCodes, (c) => c.name);
    case 'reconcile.queue':
      return queueDiffers(m, body, at);
    case 'reconcile.user':
      return userDiffers(m, body, at);
    case 'reconcile.queue-conversations':
      return !planEmpty(planQueueConversations(m, body, at));
    case 'reconcile.gap-conversations':
      return !planEmpty(planGapConversations(m, body, at));
    default:
      return true;
  }
}

function planEmpty(plan: ConversationPlan): boolean {
  return plan.drop.length === 0 && plan.set.length === 0 && plan.count.length === 0;
}

/** An entity listing (`{entities: [{id, …}]}`) names something `known` lacks or names otherwise. */
function entitiesDiffer(
  body: Record<string, unknown>,
  known: ReadonlyMap<string, string>,
  limit: number,
  nameOf: (entity: Record<string, unknown>) => unknown,
): boolean {
  const entities = Array.isArray(body.entities) ? (body.entities as unknown[]) : [];
  return entities.some((e) => {
    if (!isPlainObject(e)) return false;
    const id = boundedId(e.id);
    const name = boundedName(nameOf(e));
    if (id === undefined || name === undefined || name === '') return false;
    if (!known.has(id)) return known.size < limit;
    return known.get(id) !== name;
  });
}

function queueDiffers(m: StateModel, body: Record<string, unknown>, at: number): boolean {
  const queue = isPlainObject(body.queue) ? body.queue : undefined;
  const queueId = boundedId(queue?.id);
  if (!queue || queueId === undefined) return false;
  const q = m.queues.get(queueId);
  if (q === undefined) return true;
  const name = boundedName(queue.name);
  const division = boundedId(getPath(queue, 'division.id'));
  if (
    (name !== undefined && name !== q.name) ||
    (division !== undefined && division !== q.divisionId)
  )
    return true;
  const settings = mediaSettingsOf(isPlainObject(queue.mediaSettings) ? queue.mediaSettings : {});
  if (settings.size !== q.mediaSettings.size) return true;
  for (const [media, level] of settings) {
    const now = q.mediaSettings.get(media);
    if (now?.thresholdSec !== level.thresholdSec || now?.target !== level.target) return true;
  }
  const members = new Map<string, boolean | undefined>();
  for (const x of Array.isArray(body.members) ? (body.members as unknown[]) : []) {
    if (members.size >= LIMITS.membersPerQueue) break;
    if (!isPlainObject(x)) continue;
    const id = boundedId(x.id ?? getPath(x, 'user.id'));
    if (id !== undefined) members.set(id, typeof x.joined === 'boolean' ? x.joined : undefined);
  }
  if (members.size !== q.members.size) return true;
  const joinedAt = timeOf(body.asOf) ?? at;
  for (const [id, joined] of members) {
    if (!q.members.has(id)) return true;
    const a = m.agents.get(id);
    if (joined === undefined || a === undefined) continue;
    const known = a.joins.get(q.id);
    if ((known === undefined || joinedAt >= known.at) && joinedTo(a, q.id) !== joined) return true;
  }
  return false;
}

function userDiffers(m: StateModel, body: Record<string, unknown>, at: number): boolean {
  const id = boundedId(body.id);
  if (id === undefined) return false;
  const a = m.agents.get(id);
  if (a === undefined) return true;
  const team = isPlainObject(body.team) ? body.team : undefined;
  const name = boundedName(body.name);
  const division = boundedId(getPath(body, 'division.id'));
  if (
    (name !== undefined && name !== a.name) ||
    boundedId(team?.id) !== a.teamId ||
    boundedName(team?.name) !== a.teamName ||
    (division !== undefined && division !== a.divisionId)
  )
    return true;
  const definition = getPath(body, 'presence.presenceDefinition');
  const presence = systemPresenceOf(
    boundedCode(getPath(definition, 'systemPresence')),
    getPath(definition, 'id'),
  );
  const presenceAt = timeOf(getPath(body, 'presence.modifiedDate')) ?? at;
  if (
    presence !== undefined &&
    presenceAt >= a.presenceAt &&
    (presence !== a.presence ||
      boundedId(getPath(definition, 'id')) !== a.presenceDefinitionId ||
      presenceAt !== a.presenceAt)
  )
    return true;
  const routing = boundedCode(getPath(body, 'routingStatus.status'));
  const routingAt = timeOf(getPath(body, 'routingStatus.startTime')) ?? at;
  return (
    routing !== undefined &&
    routing !== '' &&
    routingAt >= a.routingAt &&
    (routing.toUpperCase() !== a.routingStatus || routingAt !== a.routingAt)
  );
}
