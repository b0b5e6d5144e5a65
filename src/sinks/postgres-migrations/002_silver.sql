-- Silver tables: the same tables as the lake's silver layer (src/sinks/lake/silver-tables.ts),
-- filled from each statement's newly inserted raw events by a statement trigger, so a raw row
-- and its silver rows commit together and a redelivered event (no new raw row) adds nothing.
-- Each row carries its event id, UNIQUE (per metric for observations).
-- Shapes: the guide pushes (interaction, agentStateChange, routing.conversation.event) and the
-- Notification API topic bodies (`eventBody`, or `detail.eventBody` from EventBridge).

-- A duration or count: a JSON number that is not negative, else NULL.
CREATE FUNCTION {{schema}}.metric(value jsonb) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN jsonb_typeof(value) = 'number' AND (value #>> '{}')::numeric >= 0
              THEN (value #>> '{}')::double precision END
$$;

-- A JSON array, or an empty one for anything else (so a malformed body cannot fail the insert).
CREATE FUNCTION {{schema}}.array_or_empty(value jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE '[]'::jsonb END
$$;

CREATE FUNCTION {{schema}}.try_timestamptz(value text) RETURNS timestamptz
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  RETURN value::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;

CREATE TABLE {{schema}}.interactions (
  event_id       text NOT NULL UNIQUE,
  log_offset     bigint NOT NULL,
  ended_at       timestamptz,
  interaction_id text,
  media_type     text,
  queue_id       text,
  agent_id       text,
  wrapup_code    text,
  wait_seconds   double precision,
  talk_seconds   double precision,
  hold_seconds   double precision,
  acw_seconds    double precision,
  total_seconds  double precision,
  handle_seconds double precision
);
CREATE INDEX interactions_queue_ended_idx ON {{schema}}.interactions (queue_id, ended_at);

CREATE TABLE {{schema}}.agent_state_changes (
  event_id               text NOT NULL UNIQUE,
  log_offset             bigint NOT NULL,
  kind                   text NOT NULL,
  source                 text NOT NULL,
  changed_at             timestamptz,
  user_id                text,
  user_name              text,
  presence               text,
  presence_definition_id text,
  routing_status         text,
  relay_state            text,
  on_queue               boolean,
  logged_in              boolean
);
CREATE INDEX agent_state_changes_user_idx ON {{schema}}.agent_state_changes (user_id, changed_at);

CREATE TABLE {{schema}}.queue_observations (
  event_id    text NOT NULL,
  log_offset  bigint NOT NULL,
  observed_at timestamptz,
  queue_id    text,
  media_type  text,
  metric      text,
  qualifier   text,
  value       double precision
);
CREATE UNIQUE INDEX queue_observations_key ON {{schema}}.queue_observations
  (event_id, coalesce(metric, ''), coalesce(qualifier, ''));
CREATE INDEX queue_observations_queue_idx ON {{schema}}.queue_observations (queue_id, observed_at);

CREATE TABLE {{schema}}.conversation_events (
  event_id        text NOT NULL UNIQUE,
  log_offset      bigint NOT NULL,
  at              timestamptz,
  conversation_id text,
  state           text,
  media_type      text,
  queue_id        text,
  direction       text,
  agent_id        text
);
CREATE INDEX conversation_events_queue_idx ON {{schema}}.conversation_events (queue_id, at);

CREATE FUNCTION {{schema}}.silver_from_new_events() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO {{schema}}.interactions
  SELECT n.event_id, n.log_offset,
         coalesce({{schema}}.try_timestamptz(n.body_json ->> 'timestamp'), n.occurred_at, n.received_at),
         n.body_json #>> '{data,interactionId}',
         n.body_json #>> '{data,type}',
         n.body_json #>> '{data,queueId}',
         (SELECT p ->> 'id' FROM jsonb_array_elements({{schema}}.array_or_empty(n.body_json #> '{data,participants}')) p
           WHERE p ->> 'role' = 'agent' LIMIT 1),
         n.body_json #>> '{data,wrapUpCode}',
         {{schema}}.metric(n.body_json #> '{data,metrics,waitTime}'),
         {{schema}}.metric(n.body_json #> '{data,metrics,talkTime}'),
         {{schema}}.metric(n.body_json #> '{data,metrics,holdTime}'),
         {{schema}}.metric(n.body_json #> '{data,metrics,acw}'),
         {{schema}}.metric(n.body_json #> '{data,metrics,totalTime}'),
         {{schema}}.metric(n.body_json #> '{data,metrics,talkTime}')
           + coalesce({{schema}}.metric(n.body_json #> '{data,metrics,holdTime}'), 0)
           + coalesce({{schema}}.metric(n.body_json #> '{data,metrics,acw}'), 0)
    FROM new_events n
   WHERE n.kind = 'interaction' AND jsonb_typeof(n.body_json) = 'object'
  ON CONFLICT DO NOTHING;

  INSERT INTO {{schema}}.agent_state_changes
  SELECT n.event_id, n.log_offset, n.kind, n.source,
         coalesce(CASE WHEN n.kind = 'agent.state' THEN {{schema}}.try_timestamptz(n.body_json ->> 'timestamp') END,
                  n.occurred_at, n.received_at),
         coalesce(n.subject ->> 'userId', n.body_json #>> '{user,id}'),
         n.body_json #>> '{user,name}',
         upper(CASE n.kind WHEN 'user.presence' THEN tb #>> '{presenceDefinition,systemPresence}'
                           WHEN 'user.activity' THEN tb #>> '{presence,presenceDefinition,systemPresence}' END),
         CASE n.kind WHEN 'user.presence' THEN tb #>> '{presenceDefinition,id}'
                     WHEN 'user.activity' THEN tb #>> '{presence,presenceDefinition,id}' END,
         CASE n.kind WHEN 'user.routing' THEN tb #>> '{routingStatus,status}'
                     WHEN 'user.activity' THEN tb #>> '{routingStatus,status}'
                     WHEN 'agent.state' THEN n.body_json #>> '{user,routingStatus}' END,
         CASE WHEN n.kind = 'agent.state' THEN n.body_json #>> '{user,state}' END,
         CASE WHEN n.kind = 'agent.state' AND jsonb_typeof(n.body_json #> '{user,onQueue}') = 'boolean'
              THEN (n.body_json #>> '{user,onQueue}')::boolean END,
         CASE WHEN n.kind = 'agent.state' THEN n.body_json #>> '{user,login,status}' = 'LOGGED_IN' END
    FROM new_events n,
         LATERAL (SELECT coalesce(n.body_json -> 'eventBody', n.body_json #> '{detail,eventBody}') AS tb) t
   WHERE n.kind IN ('user.activity', 'user.presence', 'user.routing', 'agent.state')
     AND jsonb_typeof(n.body_json) = 'object'
  ON CONFLICT DO NOTHING;

  INSERT INTO {{schema}}.queue_observations
  SELECT n.event_id, n.log_offset, coalesce(n.occurred_at, n.received_at),
         coalesce(tb #>> '{group,queueId}', n.subject ->> 'queueId'),
         tb #>> '{group,mediaType}',
         m ->> 'metric', m ->> 'qualifier',
         {{schema}}.metric(m #> '{stats,count}')
    FROM new_events n,
         LATERAL (SELECT coalesce(n.body_json -> 'eventBody', n.body_json #> '{detail,eventBody}') AS tb) t,
         LATERAL jsonb_array_elements({{schema}}.array_or_empty(tb -> 'data')) d,
         LATERAL jsonb_array_elements({{schema}}.array_or_empty(d -> 'metrics')) m
   WHERE n.kind = 'queue.observation' AND jsonb_typeof(n.body_json) = 'object'
  ON CONFLICT DO NOTHING;

  INSERT INTO {{schema}}.conversation_events
  SELECT n.event_id, n.log_offset,
         coalesce({{schema}}.try_timestamptz(n.body_json ->> 'timestamp'), n.occurred_at, n.received_at),
         n.body_json #>> '{conversation,id}',
         n.body_json #>> '{conversation,state}',
         n.body_json #>> '{conversation,mediaType}',
         n.body_json #>> '{conversation,queueId}',
         n.body_json #>> '{conversation,direction}',
         (SELECT p ->> 'id' FROM jsonb_array_elements({{schema}}.array_or_empty(n.body_json -> 'participants')) p
           WHERE p ->> 'role' = 'agent' LIMIT 1)
    FROM new_events n
   WHERE n.kind = 'routing.conversation' AND jsonb_typeof(n.body_json) = 'object'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER events_to_silver AFTER INSERT ON {{schema}}.events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.silver_from_new_events();
