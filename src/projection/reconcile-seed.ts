import { getPath, isPlainObject } from '../util/objects.js';
import { timeOf } from '../util/time.js';
import { applyPresence, applyRouting, count, joinedTo, relabel } from './agent-state.js';
import { LIMITS, boundedId, boundedName } from './limits.js';
import { definitionLabel } from './presence-definitions.js';
import { setMediaSettings, setMembers } from './queue-state.js';
import type { StateModel } from './state-model.js';
import type { LegState } from './conversation-parse.js';
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
  setMembers(
    m,
    q,
    members.flatMap((x) => {
      if (!isPlainObject(x)) return [];
      const id = boundedId(x.id ?? getPath(x, 'user.id'));
      const joined = typeof x.joined === 'boolean' ? x.joined : undefined;
      return id === undefined ? [] : [{ id, joined }];
    }),
    at,
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
  const queueId = boundedId(body.queueId);
  const results = Array.isArray(body.results) ? (body.results as unknown[]) : undefined;
  if (queueId === undefined || results === undefined) return;
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
          media: media === undefined ? undefined : (MEDIA_OF[media] ?? media),
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
      if (rec && rec.at < at) dropConversation(m, rec, at, offset);
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
    const agrees =
      rec !== undefined &&
      rec.bucket === o.bucket &&
      rec.queueId === queueId &&
      (o.userId === undefined || rec.userIds.has(o.userId)) &&
      (talking === undefined || talking === held);
    if (agrees) continue;
    applyConversation(
      m,
      {
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
              ],
      },
      at,
      offset,
      true,
    );
  }
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
  const list = Array.isArray(body.conversations) ? (body.conversations as unknown[]) : [];
  for (const c of list.slice(0, LIMITS.conversationsPerQueueSnapshot)) {
    if (!isPlainObject(c)) continue;
    const id = boundedId(c.conversationId);
    if (id === undefined) continue;
    const rec = m.conversations.get(id);
    if (rec && rec.at >= at) continue;
    if (c.ended === true) {
      if (rec && rec.bucket !== 'ended') dropConversation(m, rec, at, offset);
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
    applyConversation(
      m,
      {
        id,
        media: rec?.media ?? (media === undefined ? 'unknown' : (MEDIA_OF[media] ?? media)),
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
      },
      at,
      offset,
      true,
    );
  }
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

/** Users and queues the org no longer has are dropped, unless an event since proves them. */
export function reconcileComplete(
  m: StateModel,
  body: Record<string, unknown>,
  offset: number,
): void {
  const startedAt = timeOf(body.startedAt);
  if (startedAt === undefined) return;
  const users = new Set(stringList(body.userIds));
  const queues = new Set(stringList(body.queueIds));
  if (Array.isArray(body.userIds)) {
    for (const a of [...m.agents.values()]) {
      if (users.has(a.id) || Math.max(a.presenceAt, a.routingAt) >= startedAt) continue;
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
