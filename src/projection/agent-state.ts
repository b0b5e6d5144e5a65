import type { AgentView } from '../protocol/live-messages.js';
import { getPath } from '../util/objects.js';
import { agentLabel, dominantLeg, normalizePresence } from './agent-label.js';
import { boundedCode, boundedId, boundedName } from './limits.js';
import { systemPresenceOf } from './presence-definitions.js';
import {
  iso,
  type AgentRecord,
  type Standing,
  type StateModel,
  type Tally,
} from './state-model.js';

/**
 * Agents: presence, routing status and the guides' agent-state events fold into one label with
 * the time the state began, and into what the agent counts as in its queues' tallies. Each
 * change ignores events older than the state it would change.
 */

export function standingOf(a: AgentRecord): Standing {
  if (!a.loggedIn || a.presence !== 'ON_QUEUE') return 'off';
  if (a.routingStatus === 'IDLE') return 'idle';
  if (a.routingStatus === 'INTERACTING') return 'interacting';
  if (a.routingStatus === 'NOT_RESPONDING') return 'notResponding';
  return 'onQueue';
}

/**
 * Whether the agent is joined to a queue it is a member of. A member that is not joined stays a
 * member (REST keeps the two apart: PATCH …/members joins or unjoins, DELETE removes) but takes
 * no work from that queue, so it counts as none of on queue, idle or interacting there.
 */
export function joinedTo(a: AgentRecord, queueId: string): boolean {
  return a.joins.get(queueId)?.joined !== false;
}

export function count(t: Tally, standing: Standing, by: 1 | -1): void {
  if (standing === 'off') return;
  t.onQueue += by;
  if (standing !== 'onQueue') t[standing] += by;
}

export function applyPresence(
  m: StateModel,
  id: string,
  definition: unknown,
  at: number,
  offset: number,
): void {
  const presence = systemPresenceOf(
    boundedCode(getPath(definition, 'systemPresence')),
    getPath(definition, 'id'),
  );
  if (presence === undefined) return;
  const a = m.agent(id);
  if (at < a.presenceAt) return;
  a.presenceAt = at;
  a.presenceRank = FINAL;
  a.presence = presence;
  a.presenceDefinitionId = boundedId(getPath(definition, 'id'));
  a.loggedIn = presence !== 'OFFLINE';
  relabel(m, a, offset);
}

export function applyRouting(
  m: StateModel,
  id: string,
  status: unknown,
  at: number,
  offset: number,
): void {
  const code = boundedCode(status);
  if (code === undefined || code === '') return;
  const a = m.agent(id);
  if (at < a.routingAt) return;
  a.routingAt = at;
  a.routingRank = FINAL;
  a.routingStatus = code.toUpperCase();
  relabel(m, a, offset);
}

/** The tie rank of a topic event (or a REST snapshot): nothing at its instant comes after it. */
const FINAL = 3;

/**
 * How far along its instant a guide agentStateChange is. A sender renders one snapshot of the
 * whole user per change and a change can be several at one instant (going on queue: presence,
 * then routing status, then the first offer), delivered concurrently and so stored in any order.
 * A snapshot whose routing status contradicts its own `onQueue` was taken halfway (on queue but
 * OFF_QUEUE, or off queue but IDLE / NOT_RESPONDING): 0. IDLE at an instant that also has another
 * status is the moment between two (a conversation ended and the next was offered; the agent
 * went idle, then on break or off shift): 1. Any other: 2. At one instant the higher rank wins;
 * the topics (3) win over any guide snapshot.
 */
export function snapshotRank(onQueue: unknown, routing: string | undefined): number {
  if (
    (onQueue === false && (routing === 'IDLE' || routing === 'NOT_RESPONDING')) ||
    (onQueue === true && routing === 'OFF_QUEUE')
  )
    return 0;
  return routing === 'IDLE' || routing === undefined ? 1 : 2;
}

/**
 * The guides' agentStateChange (SEED-FORMATS §D, schema src/router/schemas/agent.state.v1.json):
 * login status, state, substate, and (as the emulator and relays render it) onQueue and
 * routingStatus, standing for the real `v2.users.{id}.presence` / `.routingStatus` / `.activity`.
 * Approximated: the guide's state is coarse (`AVAIL` covers Available, On Queue and Idle, told
 * apart only by `onQueue`), it names no presence definition (so no org label) and no joined
 * queues (membership needs the queue topics or a reconcile), and its one time stands for both
 * presence and routing status. An older snapshot, or one behind what is known at its instant
 * (`snapshotRank`), changes nothing.
 */
export function applyGuideState(
  m: StateModel,
  id: string,
  payload: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  const a = m.agent(id);
  // The guides' agentStateChange speaks of agents only.
  a.routed = true;
  const name = boundedName(getPath(payload, 'user.name'));
  if (name !== undefined) a.name = name;
  const login = getPath(payload, 'user.login.status') ?? getPath(payload, 'login.status');
  const rawState = boundedCode(getPath(payload, 'user.state') ?? getPath(payload, 'state'));
  const state = rawState?.toUpperCase() ?? '';
  const substate = boundedCode(getPath(payload, 'user.substate') ?? getPath(payload, 'substate'));
  const onQueue = getPath(payload, 'user.onQueue');
  const routingCode = boundedCode(getPath(payload, 'user.routingStatus'));
  const routing =
    routingCode === undefined || routingCode === '' ? undefined : routingCode.toUpperCase();
  const rank = snapshotRank(onQueue, routing);
  const behind = (known: number, knownRank: number) =>
    at < known || (at === known && rank < knownRank);
  let changed = false;
  if (!behind(a.presenceAt, a.presenceRank)) {
    let presence: string;
    if (login === 'LOGGED_OUT') presence = 'OFFLINE';
    else if (typeof substate === 'string' && substate !== '')
      presence = normalizePresence(substate) ?? 'AVAILABLE';
    else if (state === 'AVAIL') presence = onQueue === true ? 'ON_QUEUE' : 'AVAILABLE';
    else presence = normalizePresence(state) ?? 'AVAILABLE';
    a.presenceAt = at;
    a.presenceRank = rank;
    a.presence = presence;
    a.presenceDefinitionId = undefined;
    a.loggedIn = presence !== 'OFFLINE';
    changed = true;
  }
  if (routing !== undefined && !behind(a.routingAt, a.routingRank)) {
    a.routingAt = at;
    a.routingRank = rank;
    a.routingStatus = routing;
    changed = true;
  }
  if (changed) relabel(m, a, offset);
  else if (name !== undefined) {
    a.offset = offset;
    m.dirty.agents.add(a.id);
  }
}

const routedStatus = (status: string | undefined) =>
  status !== undefined && status !== '' && status !== 'OFF_QUEUE';

/** Recomputes the agent's label, standing (its queues' tallies) and time in state. */
export function relabel(m: StateModel, a: AgentRecord, offset: number): void {
  if (a.legs.size > 0 || a.presence === 'ON_QUEUE' || routedStatus(a.routingStatus)) {
    a.routed = true;
  }
  const leg = dominantLeg([...a.legs.values()].map((l) => l.state));
  const label = agentLabel({
    loggedIn: a.loggedIn,
    presence: a.presence ?? 'OFFLINE',
    presenceLabel: a.presenceDefinitionId ? m.definitions.get(a.presenceDefinitionId) : undefined,
    routingStatus: a.routingStatus ?? 'OFF_QUEUE',
    conversation: leg,
  });
  a.offset = offset;
  m.dirty.agents.add(a.id);
  const standing = standingOf(a);
  for (const id of a.queueIds) {
    const q = m.queues.get(id);
    if (q && standing !== a.standing && joinedTo(a, id)) {
      count(q.tally, a.standing, -1);
      count(q.tally, standing, 1);
    }
    m.markQueue(id, offset);
  }
  a.standing = standing;
  if (label === a.label && a.since !== undefined) return;
  a.label = label;
  // The state began when the last of the things that make it up did.
  let since = a.presenceAt;
  if (a.presence === 'ON_QUEUE') {
    since = Math.max(since, a.routingAt);
    if (leg !== undefined && a.routingStatus === 'INTERACTING') {
      for (const l of a.legs.values()) if (l.state === leg) since = Math.max(since, l.at);
    }
  }
  a.since = Number.isFinite(since) ? since : undefined;
}

/**
 * Whether a user is an agent. Genesys's `User` has no such flag (MyPureCloud/
 * platform-client-sdk-javascript build/index.d.ts `User`), and every user of the org gets
 * presence events, so admins and supervisors in no queue would fill the wall. A user is an
 * agent once it has been a member of a queue, held a conversation leg as `purpose: agent`,
 * gone On Queue or had a routing status other than OFF_QUEUE (only agents are routed), or been
 * named by a guide agentStateChange, and stays one (an agent between queues is still on the
 * floor). Others keep their record (a later membership shows them with their state) but are
 * left out of the views unless `live.showNonAgents`.
 */
export function isAgent(a: AgentRecord): boolean {
  return a.routed;
}

export function agentView(m: StateModel, a: AgentRecord): AgentView {
  return {
    id: a.id,
    name: a.name,
    teamId: a.teamId,
    teamName: a.teamName,
    divisionId: a.divisionId,
    queueIds: [...a.queueIds],
    loggedIn: a.loggedIn,
    presence: a.presence,
    presenceDefinitionId: a.presenceDefinitionId,
    presenceLabel: a.presenceDefinitionId ? m.definitions.get(a.presenceDefinitionId) : undefined,
    routingStatus: a.routingStatus,
    label: a.label,
    since: a.since === undefined ? undefined : iso(a.since),
    presenceSince: Number.isFinite(a.presenceAt) ? iso(a.presenceAt) : undefined,
    routingSince: Number.isFinite(a.routingAt) ? iso(a.routingAt) : undefined,
    conversations: [...a.legs].map(([id, l]) => ({
      id,
      media: l.media,
      state: l.state,
      queueId: l.queueId,
      ...(l.wrapupCode === undefined
        ? {}
        : { wrapupCode: m.wrapupCodes.get(l.wrapupCode) ?? l.wrapupCode }),
    })),
    offset: a.offset,
  };
}
