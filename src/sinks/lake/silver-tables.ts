/**
 * The silver tables: each a SQL `SELECT` over bronze rows (a relation named `src` with the
 * bronze columns), so the same definition builds the incremental parts, the compacted files and
 * the empty views of a new lake. Every row carries `event_id` (one row per event, or one per
 * metric of an observation: then `event_id` + `metric` + `qualifier`), `log_offset` and `date`
 * (the UTC day the gateway received the event, as bronze is partitioned).
 *
 * Shapes (with their sources): the guide pushes (`interaction`, `agentStateChange`,
 * `routing.conversation.event`) as src/router/schemas/*.v1.json describe them; the Notification
 * API topic bodies (`eventBody` of a notification, `detail.eventBody` of an EventBridge event)
 * from the SDK models named there (UserActivity, UserRoutingStatus, PresenceEventUserPresence,
 * StatEventQueueTopicStatsNotification).
 */

/** The topic body of a Notification API message or an EventBridge event. */
const TOPIC_BODY = `coalesce(json_extract(body, '$.eventBody'), json_extract(body, '$.detail.eventBody'))`;

/** A duration or count: a number, never negative (a negative or non-numeric value is NULL). */
const metric = (json: string, path: string) =>
  `(CASE WHEN TRY_CAST(json_extract(${json}, '${path}') AS DOUBLE) >= 0 ` +
  `THEN TRY_CAST(json_extract(${json}, '${path}') AS DOUBLE) END)`;

/** Silver reads bodies that are JSON objects; anything else stays in bronze alone. */
const OBJECT = `json_valid(body) AND json_type(body) = 'OBJECT'`;

const COMMON = `id AS event_id, "offset" AS log_offset, CAST(receivedAt AS DATE) AS "date"`;

export interface SilverTable {
  /** Bronze kinds it reads: compaction and the incremental run scan only their partitions. */
  kinds: readonly string[];
  /** Over a relation `src` with the bronze columns. */
  select: string;
  /** What a row is, for docs/lake.md and `lake query`. */
  grain: string;
  /** The columns that identify a row: compaction and the views keep one row per key. */
  key: string;
}

export const SILVER_TABLES = {
  interactions: {
    key: 'event_id',
    kinds: ['interaction'],
    grain: 'one handled interaction (a pushed interaction summary)',
    select: `SELECT ${COMMON},
      coalesce(TRY_CAST(json_extract_string(body, '$.timestamp') AS TIMESTAMPTZ), occurredAt, receivedAt) AS ended_at,
      json_extract_string(body, '$.data.interactionId') AS interaction_id,
      json_extract_string(body, '$.data.type') AS media_type,
      json_extract_string(body, '$.data.queueId') AS queue_id,
      json_extract_string(list_filter(json_extract(body, '$.data.participants[*]'),
        p -> json_extract_string(p, '$.role') = 'agent')[1], '$.id') AS agent_id,
      json_extract_string(body, '$.data.wrapUpCode') AS wrapup_code,
      ${metric('body', '$.data.metrics.waitTime')} AS wait_seconds,
      ${metric('body', '$.data.metrics.talkTime')} AS talk_seconds,
      ${metric('body', '$.data.metrics.holdTime')} AS hold_seconds,
      ${metric('body', '$.data.metrics.acw')} AS acw_seconds,
      ${metric('body', '$.data.metrics.totalTime')} AS total_seconds,
      ${metric('body', '$.data.metrics.talkTime')} + coalesce(${metric('body', '$.data.metrics.holdTime')}, 0)
        + coalesce(${metric('body', '$.data.metrics.acw')}, 0) AS handle_seconds
    FROM src WHERE kind = 'interaction' AND ${OBJECT}`,
  },
  agent_state_changes: {
    key: 'event_id',
    kinds: ['user.activity', 'user.presence', 'user.routing', 'agent.state'],
    grain: "one change of an agent's presence or routing status",
    select: `SELECT ${COMMON}, kind, source,
      coalesce(CASE WHEN kind = 'agent.state' THEN TRY_CAST(json_extract_string(body, '$.timestamp') AS TIMESTAMPTZ) END,
        occurredAt, receivedAt) AS changed_at,
      coalesce(json_extract_string(subject, '$.userId'), json_extract_string(body, '$.user.id')) AS user_id,
      json_extract_string(body, '$.user.name') AS user_name,
      upper(CASE kind
        WHEN 'user.presence' THEN json_extract_string(tb, '$.presenceDefinition.systemPresence')
        WHEN 'user.activity' THEN json_extract_string(tb, '$.presence.presenceDefinition.systemPresence')
      END) AS presence,
      CASE kind
        WHEN 'user.presence' THEN json_extract_string(tb, '$.presenceDefinition.id')
        WHEN 'user.activity' THEN json_extract_string(tb, '$.presence.presenceDefinition.id')
      END AS presence_definition_id,
      CASE kind
        WHEN 'user.routing' THEN json_extract_string(tb, '$.routingStatus.status')
        WHEN 'user.activity' THEN json_extract_string(tb, '$.routingStatus.status')
        WHEN 'agent.state' THEN json_extract_string(body, '$.user.routingStatus')
      END AS routing_status,
      CASE WHEN kind = 'agent.state' THEN json_extract_string(body, '$.user.state') END AS relay_state,
      CASE WHEN kind = 'agent.state' THEN TRY_CAST(json_extract(body, '$.user.onQueue') AS BOOLEAN) END AS on_queue,
      CASE WHEN kind = 'agent.state' THEN json_extract_string(body, '$.user.login.status') = 'LOGGED_IN' END AS logged_in
    FROM (SELECT *, ${TOPIC_BODY} AS tb FROM src WHERE ${OBJECT})
    WHERE kind IN ('user.activity', 'user.presence', 'user.routing', 'agent.state')`,
  },
  queue_observations: {
    key: 'event_id, metric, qualifier',
    kinds: ['queue.observation'],
    grain:
      'one metric of one queue observation (oWaiting, oInteracting, oOnQueueUsers per status…)',
    select: `SELECT ${COMMON},
      coalesce(occurredAt, receivedAt) AS observed_at,
      coalesce(json_extract_string(tb, '$.group.queueId'), json_extract_string(subject, '$.queueId')) AS queue_id,
      json_extract_string(tb, '$.group.mediaType') AS media_type,
      json_extract_string(m, '$.metric') AS metric,
      json_extract_string(m, '$.qualifier') AS qualifier,
      ${metric('m', '$.stats.count')} AS value
    FROM (SELECT *, unnest(json_extract(tb, '$.data[*].metrics[*]')) AS m
          FROM (SELECT *, ${TOPIC_BODY} AS tb FROM src WHERE kind = 'queue.observation' AND ${OBJECT}))`,
  },
  conversation_events: {
    key: 'event_id',
    kinds: ['routing.conversation'],
    grain:
      'one pushed routing.conversation event (queued, alerting, connected, abandoned, disconnected)',
    select: `SELECT ${COMMON},
      coalesce(TRY_CAST(json_extract_string(body, '$.timestamp') AS TIMESTAMPTZ), occurredAt, receivedAt) AS at,
      json_extract_string(body, '$.conversation.id') AS conversation_id,
      json_extract_string(body, '$.conversation.state') AS state,
      json_extract_string(body, '$.conversation.mediaType') AS media_type,
      json_extract_string(body, '$.conversation.queueId') AS queue_id,
      json_extract_string(body, '$.conversation.direction') AS direction,
      json_extract_string(list_filter(json_extract(body, '$.participants[*]'),
        p -> json_extract_string(p, '$.role') = 'agent')[1], '$.id') AS agent_id
    FROM src WHERE kind = 'routing.conversation' AND ${OBJECT}`,
  },
} as const satisfies Record<string, SilverTable>;

export type SilverTableName = keyof typeof SILVER_TABLES;
export const SILVER_TABLE_NAMES = Object.keys(SILVER_TABLES) as SilverTableName[];
