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

-- Dedupe by event id over the horizon; kept apart from events so retention and dedupe horizons
-- are independent.
CREATE TABLE dedupe (
  id      TEXT    PRIMARY KEY,
  offset  INTEGER NOT NULL,
  seen_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX dedupe_seen ON dedupe (seen_ms);

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
