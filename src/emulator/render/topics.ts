import { WRAPUP_CODES } from '../model/org.js';
import {
  liveConsult,
  type AgentState,
  type Conversation,
  type DomainEvent,
} from '../model/simulation.js';

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

/** The member queues the agent is joined to, on queue or not. */
export function joinedQueueIds(a: AgentState): string[] {
  return a.agent.queueIds.filter((q) => !a.unjoined.has(q));
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
    activeQueueIds: joinedQueueIds(a),
    dateActiveQueuesChanged: iso(a.joinedSince),
  };
}

const MEDIA_ARRAY: Record<Conversation['media'], string> = {
  voice: 'calls',
  callback: 'callbacks',
  message: 'messages',
  email: 'emails',
};

/** One participant as the model sees it, before either topic family's shape is applied. */
interface Part {
  id: string;
  purpose: string;
  name?: string | undefined;
  address?: string | undefined;
  userId?: string;
  queueId?: string;
  queueName?: string;
  state: string;
  initialState: string;
  direction: string;
  held: boolean;
  disconnectType?: string | undefined;
  consultParticipantId?: string;
  times: Record<string, string>;
  extra: Record<string, unknown>;
}

/**
 * What a callback's legs carry: the number to call and who asked (QueueConversationEventTopicCallback
 * items, and the participants of `…CallbackEventTopicCallbackMediaParticipant`).
 */
function callbackFields(conv: Conversation): Record<string, unknown> {
  return conv.media === 'callback'
    ? { callbackNumbers: [conv.ani], callbackUserName: conv.customerName }
    : {};
}

function participantsOf(
  conv: Conversation,
  agentName: (id: string) => string | undefined,
  agentId: string | undefined,
  at: number,
  disconnectType: string | undefined,
): Part[] {
  const ended = conv.state === 'ended' || conv.state === 'abandoned';
  const outbound = conv.direction === 'outbound';
  const customer: Part = {
    id: `${conv.id}-c`,
    purpose: outbound ? 'external' : 'customer',
    name: conv.customerName,
    // A callback names its customer by the numbers to call back, not by an address.
    address: conv.media === 'callback' ? undefined : conv.ani,
    state: ended ? 'disconnected' : 'connected',
    initialState: outbound ? 'contacting' : 'connected',
    direction: conv.direction,
    held: conv.held,
    times: {
      connectedTime: iso(conv.arrivedAt),
      ...(ended ? { endTime: iso(conv.endedAt ?? at) } : {}),
    },
    extra: {},
  };
  const parts: Part[] = [customer];
  // An agent-initiated outbound call never passes through a queue: no acd participant.
  if (!outbound) {
    parts.push({
      id: `${conv.id}-a`,
      purpose: 'acd',
      name: conv.queue.name,
      queueId: conv.queue.id,
      queueName: conv.queue.name,
      state: conv.state === 'waiting' ? 'connected' : 'disconnected',
      initialState: 'connected',
      direction: 'inbound',
      held: false,
      times: {
        connectedTime: iso(conv.queuedAt),
        ...(conv.state !== 'waiting' ? { endTime: iso(conv.alertingSince ?? at) } : {}),
      },
      extra: {},
    });
  }
  const consult = conv.consult;
  const userId = agentId ?? conv.agentId;
  if (userId !== undefined) {
    // The agent who handed the call on in a consult transfer has left it.
    const handedOn = consult?.state === 'transferred' && consult.from === userId;
    const state = handedOn
      ? 'disconnected'
      : conv.state === 'alerting'
        ? 'alerting'
        : conv.state === 'connected' || conv.state === 'held'
          ? 'connected'
          : 'disconnected';
    const consulting = consult !== undefined && liveConsult(conv) === consult;
    parts.push({
      id: participantId(conv, userId),
      // Genesys names an agent routed by ACD `agent`, and one who placed the call `user`.
      purpose: outbound ? 'user' : 'agent',
      name: agentName(userId),
      userId,
      ...(outbound ? {} : { queueId: conv.queue.id, queueName: conv.queue.name }),
      state,
      initialState: outbound ? 'dialing' : 'alerting',
      direction: conv.direction,
      held: conv.state === 'held' && !handedOn,
      disconnectType: handedOn ? 'transfer.consult' : disconnectType,
      ...(consulting && consult.from === userId
        ? { consultParticipantId: participantId(conv, consult.to) }
        : {}),
      times: {
        ...(conv.answeredAt !== undefined && state !== 'alerting'
          ? { connectedTime: iso(conv.answeredAt) }
          : {}),
        ...(state === 'disconnected' ? { endTime: iso(at) } : {}),
        ...(conv.acwSince !== undefined ? { startAcwTime: iso(conv.acwSince) } : {}),
        ...(conv.state === 'ended' ? { endAcwTime: iso(at) } : {}),
      },
      extra: {
        wrapupRequired: true,
        alertingTimeoutMs: 12_000,
        // Wrap-up submitted (`…EventTopicWrapup`): the code by its id, as Genesys sends it.
        ...(conv.state === 'ended' && conv.acwSince !== undefined
          ? {
              wrapup: {
                code: WRAPUP_CODE_ID,
                durationSeconds: Math.round((at - conv.acwSince) / 1000),
                endTime: iso(at),
              },
            }
          : {}),
      },
    });
  }
  // Only while the event is about one of the consult's two agents: once the call has gone on to
  // a third (a blind transfer after the consult), both are history and neither is on it.
  const other =
    consult &&
    (consult.to === userId ? consult.from : consult.from === userId ? consult.to : undefined);
  if (consult && other !== undefined) parts.push(consultLeg(conv, other, at));
  return parts;
}

const participantId = (conv: Conversation, userId: string) => `${conv.id}-u-${userId.slice(0, 8)}`;

/**
 * The other agent of a consult, beside the one the event is about: the consulted agent (its
 * leg rings, talks, then hangs up) or, once the call was handed to them, the first agent, gone
 * with `transfer.consult`. Reached directly, not through the queue: no queue on its leg.
 */
function consultLeg(conv: Conversation, userId: string, at: number): Part {
  const consult = conv.consult!;
  const consulted = userId === consult.to;
  const state =
    consulted && consult.state === 'alerting'
      ? 'alerting'
      : consulted && consult.state !== 'ended'
        ? 'connected'
        : 'disconnected';
  return {
    id: participantId(conv, userId),
    purpose: 'agent',
    userId,
    state,
    initialState: consulted ? 'alerting' : 'connected',
    direction: 'inbound',
    held: false,
    disconnectType:
      state !== 'disconnected' ? undefined : consulted ? 'client' : 'transfer.consult',
    times: state === 'disconnected' ? { endTime: iso(consult.endedAt ?? at) } : {},
    extra: {},
  };
}

/**
 * `divisions` of both conversation families (`…ConversationDivisionMembership`): a conversation
 * sits in its queue's division, and `entities` names what of it does (the conversation itself).
 */
function divisionsOf(conv: Conversation): Record<string, unknown>[] {
  const id = conv.queue.divisionId;
  return [
    {
      division: { id, selfUri: `/api/v2/authorization/divisions/${id}` },
      entities: [{ id: conv.id }],
    },
  ];
}

/**
 * The conversation as the generic topics carry it (`QueueConversationEventTopicConversation`,
 * `ConversationEventTopicConversation`): participants name agent and queue by `userId` /
 * `queueId` and hold media items whose `state` says alerting / connected / disconnected.
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
  const participants = participantsOf(conv, agentName, agentId, at, disconnectType).map((p) => ({
    id: p.id,
    purpose: p.purpose,
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(p.address !== undefined ? { address: p.address } : {}),
    ...(p.userId !== undefined ? { userId: p.userId } : {}),
    ...(p.queueId !== undefined ? { queueId: p.queueId } : {}),
    ...(p.consultParticipantId !== undefined
      ? { consultParticipantId: p.consultParticipantId }
      : {}),
    ...p.times,
    ...p.extra,
    [media]: [
      {
        id: `${conv.id.slice(0, 8)}-${p.state}`,
        state: p.state,
        initialState: p.initialState,
        direction: p.direction,
        held: p.held,
        ...(p.disconnectType !== undefined ? { disconnectType: p.disconnectType } : {}),
        ...callbackFields(conv),
      },
    ],
  }));
  return { id: conv.id, participants, divisions: divisionsOf(conv) };
}

/**
 * The conversation as the media-specific topics carry it (`…conversations.calls` and the rest:
 * `QueueConversationCallEventTopicCallConversation` and its siblings): each participant holds
 * `state` / `direction` / `held` itself and names agent and queue as `user{id}` / `queue{id}`;
 * no media arrays, and nothing in the body names the media.
 */
export function mediaConversationBody(
  conv: Conversation,
  agentName: (id: string) => string | undefined,
  agentId: string | undefined,
  at: number,
  disconnectType?: string,
): Record<string, unknown> {
  const participants = participantsOf(conv, agentName, agentId, at, disconnectType).map((p) => ({
    id: p.id,
    purpose: p.purpose,
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(p.address !== undefined ? { address: p.address } : {}),
    state: p.state,
    initialState: p.initialState,
    direction: p.direction,
    held: p.held,
    ...(p.disconnectType !== undefined ? { disconnectType: p.disconnectType } : {}),
    ...(p.consultParticipantId !== undefined
      ? { consultParticipantId: p.consultParticipantId }
      : {}),
    ...(p.userId !== undefined ? { user: { id: p.userId, name: p.name } } : {}),
    ...(p.queueId !== undefined ? { queue: { id: p.queueId, name: p.queueName } } : {}),
    ...(conv.media === 'voice' && p.purpose !== 'acd' ? { ani: conv.ani } : {}),
    ...callbackFields(conv),
    ...p.times,
    ...p.extra,
  }));
  return { id: conv.id, participants, divisions: divisionsOf(conv) };
}

/** The Genesys topics a domain event appears on (queue observations: render/observations.ts). */
export function topicsFor(
  event: DomainEvent,
  agentName: (id: string) => string | undefined,
): TopicMessage[] {
  switch (event.type) {
    case 'presence':
      return userTopics(event.agent, 'presence', presenceBody(event.agent), event.at);
    case 'membership': {
      // Joining or unjoining (not going on or off queue) is what the queue users topic carries,
      // as QueueUserEventTopicQueueMember; the activity topic's activeQueueIds change with it.
      const id = event.agent.agent.id;
      const queueId = event.queue.id;
      return [
        {
          topicName: `v2.routing.queues.${queueId}.users`,
          eventBody: { id, user: { id }, queueId, joined: event.joined },
          at: event.at,
        },
        {
          topicName: `v2.users.${id}.activity`,
          eventBody: activityBody(event.agent),
          at: event.at,
        },
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
      const mediaBody = mediaConversationBody(conv, agentName, agentId, event.at, disconnect);
      const media = MEDIA_ARRAY[conv.media];
      const both = (prefix: string): TopicMessage[] => [
        { topicName: prefix, eventBody: body, at: event.at },
        { topicName: `${prefix}.${media}`, eventBody: mediaBody, at: event.at },
      ];
      // An agent-initiated outbound call is in no queue, so on no queue's topics.
      const out: TopicMessage[] =
        conv.direction === 'outbound'
          ? []
          : both(`v2.routing.queues.${conv.queue.id}.conversations`);
      if (agentId !== undefined) out.push(...both(`v2.users.${agentId}.conversations`));
      // A consult's other agent sees the change on their own topics too.
      const consult = conv.consult;
      const other = consult && (consult.to === agentId ? consult.from : consult.to);
      if (other !== undefined && other !== agentId && consultEvent(event.change))
        out.push(...both(`v2.users.${other}.conversations`));
      out.push(...detailEvents(event.change, conv, agentId, event.at));
      return out;
    }
    case 'queue':
      return [];
  }
}

const consultEvent = (change: string) => change.startsWith('consult');

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
  callback: 'CALLBACK',
  message: 'MESSAGE',
  email: 'EMAIL',
};

const WRAPUP_CODE_ID = WRAPUP_CODES[0]!.id;

/** When the agent's last offer of the conversation began. */
function lastAlerting(conv: Conversation, agentId: string | undefined, at: number): number {
  for (let i = conv.history.length - 1; i >= 0; i--) {
    const h = conv.history[i]!;
    if (h.change === 'alerting' && h.agentId === agentId) return h.at;
  }
  return at;
}

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
    direction: conv.direction.toUpperCase(),
    ani: conv.ani,
    dnis: 'tel:+18005550100',
  };
  // Each model's own fields: the customer's events name no queue, and
  // `AcwDetailEventTopicAfterCallWorkEvent` and `WrapupDetailEventTopicWrapupEvent` are the ones
  // without `divisionId`.
  // The consulted agent was reached directly, not through the queue: their segments name none.
  const topic = (suffix: string, body: Record<string, unknown>): TopicMessage => ({
    topicName: `v2.detail.events.conversation.${conv.id}.${suffix}`,
    eventBody: {
      ...common,
      ...(conv.direction === 'inbound' &&
      !suffix.startsWith('customer.') &&
      (conv.consult === undefined || body.userId !== conv.consult.to)
        ? { queueId: conv.queue.id }
        : {}),
      ...(suffix === 'acw' || suffix === 'wrapup' ? {} : { divisionId: conv.queue.divisionId }),
      ...body,
    },
    at,
  });
  const consult = conv.consult;
  // A segment that ends with no wrap-up to do (the consulted agent hanging up, the first agent
  // handing the call on): its wrap-up ends at once.
  const leaves = (userId: string, disconnectType: string) => {
    const who = { participantId: participantId(conv, userId), userId };
    return [
      topic('user.end', { ...who, disconnectType }),
      topic('acw', { ...who, wrapupCode: WRAPUP_CODE_ID, wrapupDurationMs: 0 }),
    ];
  };
  switch (change) {
    case 'consult':
      return [
        topic('user.start', {
          participantId: participantId(conv, consult!.to),
          userId: consult!.to,
        }),
      ];
    case 'consultEnded':
      return leaves(consult!.to, 'CLIENT');
    case 'consultTransferred':
      return leaves(consult!.from, 'TRANSFER');
    // The agent's segment starts when the conversation is offered to them (there is no
    // "alerting" detail event); one they let ring out ends unanswered.
    case 'alerting':
      return [topic('user.start', { userId: agentId })];
    case 'missed':
      return [
        topic('user.end', {
          userId: agentId,
          disconnectType: 'TIMEOUT',
          alertingDurationMs: at - lastAlerting(conv, agentId, at),
        }),
      ];
    case 'queued':
      return conv.transfers === 0
        ? [topic('customer.start', { participantId: `${conv.id}-c` }), topic('acd.start', {})]
        : [topic('acd.start', {})];
    case 'connected':
      // Placed by the agent: it starts connected to them, with no queue to leave.
      if (conv.direction === 'outbound')
        return [
          topic('customer.start', { participantId: `${conv.id}-c` }),
          topic('user.start', { userId: agentId }),
        ];
      return [
        topic('acd.end', {
          acdOutcome: 'ANSWERED',
          answeredUserId: agentId,
          connectedDurationMs: at - conv.queuedAt,
        }),
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
          // An id, as Genesys sends it (`GET /api/v2/routing/wrapupcodes` names it).
          wrapupCode: WRAPUP_CODE_ID,
          wrapupDurationMs: at - (conv.acwSince ?? at),
        }),
        // The same submission as its own event, naming the agent by participant only.
        topic('wrapup', {
          wrapupCode: WRAPUP_CODE_ID,
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
