import type { SystemPresence } from './org.js';
import { liveConsult, type AgentState, type RoutingStatus, type Simulation } from './simulation.js';

export interface AgentTruth {
  id: string;
  name: string;
  teamId: string;
  queueIds: string[];
  loggedIn: boolean;
  /** System presence, upper case (FACTS §2.1), as `/api/v1/agents` reports it. */
  presence: SystemPresence;
  presenceDefinitionId: string;
  /** The label agents and supervisors see (the org's secondary presence where one is set). */
  presenceLabel: string;
  presenceSince: string;
  routingStatus: RoutingStatus;
  routingStatusSince: string;
  conversations: { id: string; media: string; state: string; queueId: string }[];
}

export interface QueueTruth {
  id: string;
  name: string;
  mediaType: string;
  waiting: number;
  longestWaitMs: number;
  alerting: number;
  interacting: number;
  onQueue: number;
  idle: number;
  interactingAgents: number;
  notResponding: number;
  /** Every member, joined or not. */
  members: number;
  /** Members joined to the queue: only they count as on queue, idle or interacting there. */
  joined: number;
}

export interface Truth {
  at: string;
  agents: AgentTruth[];
  queues: QueueTruth[];
}

/** What a correct dashboard shows at the simulation's current instant. */
export function truthOf(sim: Simulation): Truth {
  const agents = [...sim.agents.values()].filter((a) => !a.removed).map(agentTruth);
  return { at: new Date(sim.now).toISOString(), agents, queues: queueTruths(sim) };
}

/** The queue half of the truth alone (queue observations need no per-agent objects). */
export function queueTruths(sim: Simulation): QueueTruth[] {
  const now = sim.now;
  const counts = new Map<string, { alerting: number; interacting: number }>();
  for (const c of sim.conversations.values()) {
    // An agent's own outbound call is in no queue's figures.
    if (c.direction === 'outbound') continue;
    const n = counts.get(c.queue.id) ?? { alerting: 0, interacting: 0 };
    // A consult ringing is no offer from the queue: the call is still its first agent's work.
    if (c.state === 'alerting') n.alerting++;
    else if (c.state === 'connected' || c.state === 'held' || c.state === 'acw') n.interacting++;
    counts.set(c.queue.id, n);
  }
  return sim.org.queues.map((q): QueueTruth => {
    const waiting = sim.waiting(q.id);
    let onQueue = 0;
    let idle = 0;
    let interactingAgents = 0;
    let notResponding = 0;
    let members = 0;
    let joined = 0;
    for (const id of q.memberIds) {
      const a = sim.agents.get(id)!;
      if (a.removed) continue;
      members++;
      if (a.unjoined.has(q.id)) continue;
      joined++;
      if (!a.loggedIn || !a.onQueue) continue;
      onQueue++;
      if (a.routing === 'IDLE') idle++;
      else if (a.routing === 'INTERACTING') interactingAgents++;
      else if (a.routing === 'NOT_RESPONDING') notResponding++;
    }
    const oldest = waiting.reduce((min, c) => Math.min(min, c.queuedAt), Infinity);
    return {
      id: q.id,
      name: q.name,
      mediaType: q.media,
      waiting: waiting.length,
      longestWaitMs: waiting.length === 0 ? 0 : now - oldest,
      alerting: counts.get(q.id)?.alerting ?? 0,
      interacting: counts.get(q.id)?.interacting ?? 0,
      onQueue,
      idle,
      interactingAgents,
      notResponding,
      members,
      joined,
    };
  });
}

function agentTruth(a: AgentState): AgentTruth {
  return {
    id: a.agent.id,
    name: a.agent.name,
    teamId: a.agent.teamId,
    queueIds: a.agent.queueIds,
    loggedIn: a.loggedIn,
    presence: a.presence.systemPresence,
    presenceDefinitionId: a.presence.id,
    presenceLabel: a.presence.label,
    presenceSince: new Date(a.presenceSince).toISOString(),
    routingStatus: a.routing,
    routingStatusSince: new Date(a.routingSince).toISOString(),
    conversations: [...a.conversations].map((c) => ({
      id: c.id,
      media: c.media,
      // The consulted agent's own leg rings, then talks, while the first agent holds the call.
      state: liveConsult(c)?.to === a.agent.id ? c.consult!.state : c.state,
      queueId: c.queue.id,
    })),
  };
}
