import type { AgentState, DomainEvent } from '../model/simulation.js';

/**
 * The integration guides' push payloads (SEED-FORMATS §D), which no real Genesys org sends but
 * relays and the guides' readers do. `name` is the guide's event name used by subscription filters.
 */
export interface GuideEvent {
  name: 'agentStateChange' | 'routing.conversation.event' | 'interaction';
  payload: Record<string, unknown>;
}

const GUIDE_STATE: Record<string, string> = {
  AVAILABLE: 'AVAIL',
  ON_QUEUE: 'AVAIL',
  IDLE: 'AVAIL',
  BREAK: 'AVAIL',
  MEAL: 'AVAIL',
  TRAINING: 'AVAIL',
  MEETING: 'AVAIL',
  BUSY: 'BUSY',
  AWAY: 'AWAY',
  OFFLINE: 'OFFLINE',
};
const SUBSTATE: Record<string, string> = {
  BREAK: 'BREAK',
  MEAL: 'MEAL',
  TRAINING: 'TRAINING',
  MEETING: 'MEETING',
};
const MEDIA: Record<string, string> = {
  voice: 'voice',
  callback: 'callback',
  message: 'chat',
  email: 'email',
};

export function agentStatePayload(a: AgentState, at: number): Record<string, unknown> {
  const sp = a.presence.systemPresence;
  return {
    eventType: 'agentStateChange',
    timestamp: new Date(at).toISOString(),
    user: {
      id: a.agent.id,
      name: a.agent.name,
      login: { status: a.loggedIn ? 'LOGGED_IN' : 'LOGGED_OUT' },
      state: GUIDE_STATE[sp] ?? 'AVAIL',
      substate: SUBSTATE[sp] ?? null,
      onQueue: a.onQueue,
      routingStatus: a.routing,
    },
  };
}

export function guideEventsFor(
  event: DomainEvent,
  agentName: (id: string) => string | undefined,
): GuideEvent[] {
  const timestamp = new Date(event.at).toISOString();
  switch (event.type) {
    case 'presence':
    case 'routing':
      return [{ name: 'agentStateChange', payload: agentStatePayload(event.agent, event.at) }];
    case 'conversation': {
      const { conversation: c, agentId, change } = event;
      const state =
        change === 'queued' || change === 'missed' || change === 'transferred'
          ? 'queued'
          : change === 'alerting'
            ? 'alerting'
            : change === 'abandoned'
              ? 'abandoned'
              : change === 'ended'
                ? 'disconnected'
                : 'connected';
      const participants: Record<string, unknown>[] = [{ role: 'customer', name: c.customerName }];
      if (agentId !== undefined)
        participants.push({ role: 'agent', id: agentId, name: agentName(agentId) });
      const out: GuideEvent[] = [
        {
          name: 'routing.conversation.event',
          payload: {
            eventType: 'routing.conversation.event',
            timestamp,
            conversation: {
              id: c.id,
              state,
              mediaType: MEDIA[c.media],
              queueId: c.queue.id,
              direction: 'INBOUND',
            },
            participants,
          },
        },
      ];
      if (change === 'ended' && c.answeredAt !== undefined && agentId !== undefined) {
        const sec = (ms: number) => Math.round(ms / 100) / 10;
        const talk = (c.acwSince ?? event.at) - c.answeredAt;
        const acw = c.acwSince === undefined ? 0 : event.at - c.acwSince;
        out.push({
          name: 'interaction',
          payload: {
            eventType: 'interaction',
            timestamp,
            data: {
              interactionId: c.id,
              type: c.media === 'voice' ? 'call' : MEDIA[c.media],
              queueId: c.queue.id,
              metrics: {
                talkTime: sec(talk),
                holdTime: 0,
                waitTime: sec(c.answeredAt - c.arrivedAt),
                acw: sec(acw),
                totalTime: sec(event.at - c.arrivedAt),
              },
              participants: [
                { id: agentId, role: 'agent', name: agentName(agentId) },
                { id: `${c.id}-c`, role: 'customer', name: c.customerName },
              ],
            },
          },
        });
      }
      return out;
    }
    case 'queue':
    case 'membership':
      return [];
  }
}
