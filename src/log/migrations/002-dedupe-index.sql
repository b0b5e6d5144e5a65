-- The dedupe index keeps no ids in memory: per id a 32-bit fingerprint and the key of its
-- dedupe_log row, confirmed against that row on a hit (src/log/dedupe-index.ts).
--
-- dedupe_log.seq is that key. From now on the writer sets it to the event's offset
-- (AUTOINCREMENT, never reused); before, it was a counter of its own that started again at 1
-- whenever the table emptied, so a key could come back. Existing rows keep their seq: each is
-- at most its event's offset (the counter never ran ahead of the events), so keys keep rising,
-- and the writer never gives a key at or below one it gave before.
--
-- dedupe_blocks: the fingerprints (32-bit little-endian, in key order) of the rows with keys
-- [first_key, first_key + length(fingerprints) / 4), written in the append's transaction, so
-- start-up reads a few large blobs instead of reading and hashing every id. Rows stored before
-- this migration get theirs when the writer next starts.
CREATE TABLE dedupe_blocks (
  first_key    INTEGER PRIMARY KEY,
  fingerprints BLOB    NOT NULL
);

-- Values that belong to this database: the random key of the fingerprint hash.
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
INSERT INTO meta (name, value) VALUES ('dedupe_fingerprint_key', randomblob(8));
