import type { Conversation, DomainEvent, AgentState } from '../model/simulation.js';

/** One Notification API message: a concrete topic and its eventBody (FACTS §1.4, §2). */
export interface TopicMessage {
  topicName: string;
  eventBody: Record<string, unknown>;
  /** Epoch ms the change happened (for envelopes that carry a timestamp). */
  at: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function presenceBody(a: AgentState): Record<string, unknown> {
  return {
    source: 'PURECLOUD',
    presenceDefinition: { id: a.presence.id, systemPresence: a.presence.systemPresence },
    primary: true,
    message: '',
    modifiedDate: iso(a.presenceSince),
  };
}

export function routingBody(a: AgentState): Record<string, unknown> {
  return { id: a.agent.id, routingStatus: { status: a.routing, startTime: iso(a.routingSince) } };
}

export function activityBody(a: AgentState): Record<string, unknown> {
  return {
    id: a.agent.id,
    routingStatus: { status: a.routing, startTime: iso(a.routingSince) },
    presence: {
      presenceDefinition: { id: a.presence.id, systemPresence: a.presence.systemPresence },
      presenceMessage: '',
      modifiedDate: iso(a.presenceSince),
    },
    outOfOffice: { active: false, modifiedDate: iso(a.presenceSince) },
    activeQueueIds: a.loggedIn && a.onQueue ? a.agent.queueIds : [],
    dateActiveQueuesChanged: iso(a.presenceSince),
  };
}

const MEDIA_ARRAY: Record<Conversation['media'], string> = {
  voice: 'calls',
  message: 'messages',
  email: 'emails',
};

/**
 * The conversation as the conversation topics carry it (FACTS §2.4): participants with media
 * items whose `state` says alerting / connected / disconnected; no top-level media type.
 */
export function conversationBody(
  conv: Conversation,
  agentName: (id: string) => string | undefined,
  agentId: string | undefined,
  at: number,
  /** Why the agent's leg ended, when it just did (`timeout` for a miss, `transfer`). */
  disconnectType?: string,
): Record<string, unknown> {
  const media = MEDIA_ARRAY[conv.media];
  const ended = conv.state === 'ended' || conv.state === 'abandoned';
  const item = (state: string, extra: Record<string, unknown> = {}) => ({
    id: `${conv.id.slice(0, 8)}-${state}`,
    state,
    direction: 'inbound',
    held: conv.held,
    ...extra,
  });
  const customer = {
    id: `${conv.id}-c`,
    purpose: 'customer',
    name: conv.customerName,
    address: conv.ani,
    connectedTime: iso(conv.arrivedAt),
    ...(ended ? { endTime: iso(conv.endedAt ?? at) } : {}),
    [media]: [item(ended ? 'disconnected' : 'connected')],
  };
  const acd = {
    id: `${conv.id}-a`,
    purpose: 'acd',
    name: conv.queue.name,
    queueId: conv.queue.id,
    connectedTime: iso(conv.queuedAt),
    ...(conv.state !== 'waiting' ? { endTime: iso(conv.alertingSince ?? at) } : {}),
    [media]: [item(conv.state === 'waiting' ? 'connected' : 'disconnected')],
  };
  const participants: Record<string, unknown>[] = [customer, acd];
  const userId = agentId ?? conv.agentId;
  if (userId !== undefined) {
    const agentState =
      conv.state === 'alerting'
        ? 'alerting'
        : conv.state === 'connected' || conv.state === 'held'
          ? 'connected'
          : 'disconnected';
    participants.push({
      id: `${conv.id}-u-${userId.slice(0, 8)}`,
      purpose: 'agent',
      userId,
      name: agentName(userId),
      queueId: conv.queue.id,
      ...(conv.answeredAt !== undefined && agentState !== 'alerting'
        ? { connectedTime: iso(conv.answeredAt) }
        : {}),
      ...(agentState === 'disconnected' ? { endTime: iso(at) } : {}),
      wrapupRequired: true,
      ...(conv.acwSince !== undefined ? { startAcwTime: iso(conv.acwSince) } : {}),
      ...(conv.state === 'ended' ? { endAcwTime: iso(at) } : {}),
      alertingTimeoutMs: 12_000,
      [media]: [
        item(agentState, {
          held: conv.state === 'held',
          ...(disconnectType !== undefined ? { disconnectType } : {}),
        }),
      ],
    });
  }
  return { id: conv.id, participants };
}

/** Queue observation body (FACTS §2.5): counts per metric for one queue and media type. */
export function observationBody(
  queueId: string,
  mediaType: string,
  counts: { waiting: number; alerting: number; interacting: number; onQueue: number },
  at: number,
): Record<string, unknown> {
  const interval = `${iso(at)}/${iso(at)}`;
  const metric = (name: string, count: number) => ({ metric: name, stats: { count } });
  return {
    group: { queueId, mediaType },
    data: [
      {
        interval,
        metrics: [
          metric('oWaiting', counts.waiting),
          metric('oAlerting', counts.alerting),
          metric('oInteracting', counts.interacting),
          metric('oOnQueueUsers', counts.onQueue),
        ],
      },
    ],
  };
}

/** The Genesys topics a domain event appears on (queue observations are rendered by the caller). */
export function topicsFor(
  event: DomainEvent,
  agentName: (id: string) => string | undefined,
): TopicMessage[] {
  switch (event.type) {
    case 'presence': {
      const id = event.agent.agent.id;
      // Joining or leaving the queues (going on or off queue) is what the queue users topic carries.
      const membership: TopicMessage[] = event.onQueueChanged
        ? event.agent.agent.queueIds.map((queueId) => ({
            topicName: `v2.routing.queues.${queueId}.users`,
            eventBody: { id, user: { id }, queueId, joined: event.agent.onQueue },
            at: event.at,
          }))
        : [];
      return [
        ...membership,
        ...userTopics(event.agent, 'presence', presenceBody(event.agent), event.at),
      ];
    }
    case 'routing':
      return userTopics(event.agent, 'routingStatus', routingBody(event.agent), event.at);
    case 'conversation': {
      const { conversation: conv, agentId } = event;
      const disconnect =
        event.change === 'missed'
          ? 'timeout'
          : event.change === 'transferred'
            ? 'transfer'
            : undefined;
      const body = conversationBody(conv, agentName, agentId, event.at, disconnect);
      const media = MEDIA_ARRAY[conv.media];
      const out: TopicMessage[] = [
        {
          topicName: `v2.routing.queues.${conv.queue.id}.conversations`,
          eventBody: body,
          at: event.at,
        },
        {
          topicName: `v2.routing.queues.${conv.queue.id}.conversations.${media}`,
          eventBody: body,
          at: event.at,
        },
      ];
      if (agentId !== undefined) {
        out.push(
          { topicName: `v2.users.${agentId}.conversations`, eventBody: body, at: event.at },
          {
            topicName: `v2.users.${agentId}.conversations.${media}`,
            eventBody: body,
            at: event.at,
          },
        );
      }
      out.push(...detailEvents(event.change, conv, agentId, event.at));
      return out;
    }
    case 'queue':
      return [];
  }
}

/** A user's own topic, and the activity topic that combines presence and routing status. */
function userTopics(
  a: AgentState,
  topic: string,
  body: Record<string, unknown>,
  at: number,
): TopicMessage[] {
  const id = a.agent.id;
  return [
    { topicName: `v2.users.${id}.${topic}`, eventBody: body, at },
    { topicName: `v2.users.${id}.activity`, eventBody: activityBody(a), at },
  ];
}

const DETAIL_MEDIA: Record<Conversation['media'], string> = {
  voice: 'VOICE',
  message: 'MESSAGE',
  email: 'EMAIL',
};

/**
 * Conversation detail events (FACTS §2.7): `eventTime` in epoch ms, upper-case enums. Emitted
 * as the conversation passes each milestone: customer and ACD start on queueing, ACD end on
 * answer or abandon, user start/end around the agent's part, ACW with the wrap-up.
 */
function detailEvents(
  change: string,
  conv: Conversation,
  agentId: string | undefined,
  at: number,
): TopicMessage[] {
  const common = {
    eventTime: at,
    conversationId: conv.id,
    participantId: `${conv.id}-${agentId ? `u-${agentId.slice(0, 8)}` : 'a'}`,
    sessionId: `${conv.id.slice(0, 8)}-s`,
    mediaType: DETAIL_MEDIA[conv.media],
    provider: 'Edge',
    direction: 'INBOUND',
    ani: conv.ani,
    dnis: 'tel:+18005550100',
    queueId: conv.queue.id,
    divisionId: 'home',
  };
  const topic = (suffix: string, body: Record<string, unknown>): TopicMessage => ({
    topicName: `v2.detail.events.conversation.${conv.id}.${suffix}`,
    eventBody: { ...common, ...body },
    at,
  });
  switch (change) {
    case 'queued':
      return conv.transfers === 0
        ? [topic('customer.start', { participantId: `${conv.id}-c` }), topic('acd.start', {})]
        : [topic('acd.start', {})];
    case 'connected':
      return [
        topic('acd.end', {
          acdOutcome: 'ANSWERED',
          answeredUserId: agentId,
          connectedDurationMs: at - conv.queuedAt,
        }),
        topic('user.start', { userId: agentId }),
      ];
    case 'acw':
    case 'transferred':
      return [
        topic('user.end', {
          userId: agentId,
          disconnectType: change === 'transferred' ? 'TRANSFER' : 'ENDPOINT',
          interactingDurationMs: at - (conv.answeredAt ?? at),
        }),
      ];
    case 'ended':
      return [
        topic('acw', {
          userId: agentId,
          wrapupCode: 'resolved',
          wrapupDurationMs: at - (conv.acwSince ?? at),
        }),
        topic('customer.end', {
          participantId: `${conv.id}-c`,
          disconnectType: 'PEER',
          interactingDurationMs: at - conv.arrivedAt,
        }),
      ];
    case 'abandoned':
      return [
        topic('acd.end', { acdOutcome: 'ABANDON', disconnectType: 'PEER' }),
        topic('customer.end', {
          participantId: `${conv.id}-c`,
          disconnectType: 'ENDPOINT',
          interactingDurationMs: at - conv.arrivedAt,
        }),
      ];
    default:
      return [];
  }
}
