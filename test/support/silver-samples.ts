/**
 * Events of every silver table's kinds in the shapes Genesys and the guides send (the schemas in
 * src/router/schemas/ cite the SDK models: UserActivity for v2.users.{id}.activity,
 * StatEventQueueTopicStatsNotification for v2.analytics.queues.{id}.observations; GuideInteraction
 * and GuideRoutingConversationEvent for the pushed guide events), plus bodies silver must leave
 * out, and the rows both silvers (the lake's Parquet, PostgreSQL's tables) must hold for them.
 */
import type { EventKind } from '../../src/log/event-kinds.js';
import type { StoredEvent } from '../../src/log/event-log.js';

let offset = 0;
export function stored(
  kind: EventKind,
  body: unknown,
  over: Partial<StoredEvent> = {},
): StoredEvent {
  offset++;
  return {
    offset,
    id: `e-${offset}`,
    source: 'webhook',
    topic: kind,
    kind,
    subject: {},
    occurredAt: '2026-11-30T10:00:00.000Z',
    receivedAt: '2026-11-30T10:00:01.000Z',
    body: Buffer.from(JSON.stringify(body)),
    ...over,
  };
}

export const QUEUE = '58f4676f-a71f-4774-8e5e-2cd360b5440d';
export const AGENT = '659edbd2-754c-438f-8dfb-2b3f985278f5';

export const interaction = (id: string, talk: number, acw = 26) =>
  stored('interaction', {
    notificationId: `n-${id}`,
    eventType: 'interaction',
    timestamp: '2026-11-30T10:05:00.000Z',
    data: {
      interactionId: id,
      type: 'voice',
      queueId: QUEUE,
      metrics: { talkTime: talk, holdTime: 4, waitTime: 6.4, acw, totalTime: 150 },
      participants: [
        { id: `${id}-c`, role: 'customer', name: 'Customer 1' },
        { id: AGENT, role: 'agent', name: 'Lena Chen' },
      ],
    },
  });

const activity = (status: string, presence: string) =>
  stored(
    'user.activity',
    {
      topicName: `v2.users.${AGENT}.activity`,
      version: '2',
      eventBody: {
        id: AGENT,
        routingStatus: { status, startTime: '2026-11-30T10:00:00.000Z' },
        presence: { presenceDefinition: { id: 'pd-1', systemPresence: presence } },
      },
      metadata: { CorrelationId: `c-${offset}` },
    },
    { source: 'stream', subject: { userId: AGENT } },
  );

const observation = () =>
  stored(
    'queue.observation',
    {
      topicName: `v2.analytics.queues.${QUEUE}.observations`,
      version: '2',
      eventBody: {
        group: { queueId: QUEUE, mediaType: 'voice' },
        data: [
          {
            interval: '2026-11-30T10:00:00.000Z/2026-11-30T10:00:00.000Z',
            metrics: [
              { metric: 'oWaiting', stats: { count: 3 } },
              { metric: 'oOnQueueUsers', qualifier: 'IDLE', stats: { count: 7 } },
            ],
          },
        ],
      },
    },
    { source: 'stream', subject: { queueId: QUEUE } },
  );

/** The samples, fresh ids and offsets each call. */
export function silverSamples(): StoredEvent[] {
  return [
    interaction('i-1', 116.7),
    interaction('i-neg', -5),
    activity('INTERACTING', 'ON_QUEUE'),
    observation(),
    stored('routing.conversation', {
      eventType: 'routing.conversation.event',
      timestamp: '2026-11-30T10:01:00.000Z',
      conversation: { id: 'conv-1', state: 'abandoned', mediaType: 'voice', queueId: QUEUE },
      participants: [{ role: 'customer', name: 'Customer 1' }],
    }),
    stored('interaction', 'a JSON string, not an object'),
    stored('interaction', null, { body: Buffer.from('{"data": not json') }),
  ];
}

/** One query per silver table, the same SQL for DuckDB and PostgreSQL. */
export const SILVER_QUERIES = {
  interactions: `SELECT interaction_id, media_type, queue_id, agent_id, talk_seconds, hold_seconds,
      acw_seconds, handle_seconds FROM interactions ORDER BY interaction_id`,
  agent_state_changes: `SELECT user_id, presence, routing_status, presence_definition_id
      FROM agent_state_changes`,
  queue_observations: `SELECT queue_id, media_type, metric, qualifier, value
      FROM queue_observations ORDER BY metric`,
  conversation_events: `SELECT conversation_id, state, queue_id FROM conversation_events`,
};

/** What they return for `silverSamples()` (a negative metric is NULL; non-objects give no row). */
export const SILVER_EXPECTED = {
  interactions: [
    ['i-1', 'voice', QUEUE, AGENT, 116.7, 4, 26, 146.7],
    ['i-neg', 'voice', QUEUE, AGENT, null, 4, 26, null],
  ],
  agent_state_changes: [[AGENT, 'ON_QUEUE', 'INTERACTING', 'pd-1']],
  queue_observations: [
    [QUEUE, 'voice', 'oOnQueueUsers', 'IDLE', 7],
    [QUEUE, 'voice', 'oWaiting', null, 3],
  ],
  conversation_events: [['conv-1', 'abandoned', QUEUE]],
};
