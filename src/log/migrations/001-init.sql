-- The embedded event log. Offsets come from AUTOINCREMENT so they are never reused, even after
-- retention deletes the newest rows.
CREATE TABLE events (
  offset          INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT    NOT NULL,
  source          TEXT    NOT NULL,
  topic           TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  user_id         TEXT,
  queue_id        TEXT,
  conversation_id TEXT,
  occurred_at     TEXT,
  received_at     TEXT    NOT NULL,
  received_ms     INTEGER NOT NULL,
  body            BLOB    NOT NULL
);

-- The durable record behind the writer's in-memory dedupe index: one row per stored event, in
-- append order, so a commit writes sequential pages instead of one random B-tree page per event.
-- At start the writer loads the rows inside the horizon; pruning deletes from the head. Kept
-- apart from events so retention and the dedupe horizon are independent.
CREATE TABLE dedupe_log (
  seq     INTEGER PRIMARY KEY,
  id      TEXT    NOT NULL,
  offset  INTEGER NOT NULL,
  seen_ms INTEGER NOT NULL
);

CREATE TABLE consumers (
  name       TEXT    PRIMARY KEY,
  offset     INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);

-- Authentic bodies that could not be parsed into events, kept byte-exact.
CREATE TABLE quarantine (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  source       TEXT    NOT NULL,
  reason       TEXT    NOT NULL,
  content_type TEXT,
  received_at  TEXT    NOT NULL,
  body         BLOB    NOT NULL
);
