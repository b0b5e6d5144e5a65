-- The raw table: one row per event id, the body as the exact bytes received.
-- {{schema}} is replaced by the configured schema, validated and quoted, before this runs.

CREATE TABLE {{schema}}.events (
  event_id    text        NOT NULL UNIQUE,
  log_offset  bigint      NOT NULL,
  source      text        NOT NULL,
  topic       text        NOT NULL,
  kind        text        NOT NULL,
  subject     jsonb,
  occurred_at timestamptz,
  received_at timestamptz NOT NULL,
  body        bytea       NOT NULL,
  body_json   jsonb,
  inserted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_kind_occurred_at_idx ON {{schema}}.events (kind, occurred_at);
CREATE INDEX events_received_at_idx ON {{schema}}.events (received_at);

-- jsonb refuses some valid JSON (a \u0000 escape, numbers beyond numeric's range). Such a body
-- still lands, byte-exact in `body`, with a NULL parsed copy rather than failing the event.
CREATE FUNCTION {{schema}}.try_jsonb(value text) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  RETURN value::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;
