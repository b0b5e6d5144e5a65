// Row 3: "2^24 ids inside the dedupe horizon | the in-memory Map overflows after the commit: 503
// although the events are stored, so sender retries store them again (300 ids → 468 rows);
// /readyz stays ready; restart fails ("Map maximum size exceeded"). Memory is ~200 bytes per id
// (docs say ~100): 5 M ids = 1.1 GB and 12 s to start. The cap is 194 events/s sustained over
// 24 h — a mid-size center"
//
// The log is filled to 100 ids short of 2^24 directly in SQLite (an HTTP fill would take an
// hour), then 300 new ids cross the old Map's limit the way a sender would: retrying on 503.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { DedupeIndex } from '../../src/log/dedupe-index.js';
import type { AppendResult, EventLog } from '../../src/log/event-log.js';
import { IdFingerprint } from '../../src/log/id-fingerprint.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { makeEvent } from '../log/event-log-suite.js';
import { tempDir } from '../support/helpers.js';

const MAP_LIMIT = 2 ** 24;
const BLOCK = 65_536;
const SAMPLE = 1000;

/**
 * Stores ids old-1 … old-n, with keys and offsets 1 … n, as seen at `seenMs`, in whatever the
 * log keeps for dedupe: the rows, and (when the log has the table) the fingerprint blocks.
 * Fingerprints are random except for the last SAMPLE ids, which get their real ones: those are
 * the old ids the test asks about again, the rest only has to be there.
 */
function fill(path: string, n: number, seenMs: number): void {
  const db = new Database(path);
  db.pragma('synchronous = OFF');
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < ?)
       INSERT INTO dedupe_log (seq, id, offset, seen_ms) SELECT x, 'old-' || x, x, ? FROM k`,
    ).run(n, seenMs);
    db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(n);
    db.prepare(
      "INSERT INTO sqlite_sequence (name, seq) SELECT 'events', ? WHERE changes() = 0",
    ).run(n);
    const hasBlocks = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dedupe_blocks'")
      .get();
    if (!hasBlocks) return;
    db.prepare(
      `WITH RECURSIVE b(first) AS (SELECT 1 UNION ALL SELECT first + ? FROM b WHERE first + ? <= ?)
       INSERT INTO dedupe_blocks (first_key, fingerprints)
       SELECT first, randomblob(4 * min(?, ? - first + 1)) FROM b`,
    ).run(BLOCK, BLOCK, n, BLOCK, n);
    const key = db
      .prepare("SELECT value FROM meta WHERE name = 'dedupe_fingerprint_key'")
      .pluck()
      .get() as Buffer;
    const fingerprint = new IdFingerprint(key);
    const lastFirst = Math.floor((n - 1) / BLOCK) * BLOCK + 1;
    const blob = db
      .prepare('SELECT fingerprints FROM dedupe_blocks WHERE first_key = ?')
      .pluck()
      .get(lastFirst) as Buffer;
    for (let k = n - SAMPLE + 1; k <= n; k++) {
      blob.writeUInt32LE(fingerprint.of(`old-${k}`), (k - lastFirst) * 4);
    }
    db.prepare('UPDATE dedupe_blocks SET fingerprints = ? WHERE first_key = ?').run(
      blob,
      lastFirst,
    );
  })();
  db.close();
}

/** What a sender does: retry on 503 (up to 3 attempts); the attempts' outcomes. */
async function sendWithRetries(log: EventLog, ids: string[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const results: AppendResult[] = await log.append(ids.map((id) => makeEvent({ id })));
      outcomes.push(`ok: ${results.filter((r) => !r.duplicate).length} stored`);
      return outcomes;
    } catch (err) {
      outcomes.push(`refused: ${(err as { code?: string }).code}`);
    }
  }
  return outcomes;
}

describe('row 3: the dedupe index has no 2^24 cap and never answers a stored event as failed', () => {
  test('300 ids across 2^24 stored once each, first try; a restart past 2^24 still dedupes', async (t) => {
    const dir = tempDir(t, 'sb-row03-');
    const path = join(dir, 'switchboard.db');
    let now = Date.parse('2026-11-23T10:00:00Z');
    const open = () =>
      SqliteEventLog.open({ path, now: () => now, retention: { intervalMs: 3_600_000 } });
    await (await open()).close(); // creates the schema
    const n = MAP_LIMIT - 100;
    fill(path, n, now);
    now += 1000;

    let log = await open();
    t.after(() => log.close());
    assert.equal((await log.stats()).dedupeEntries, n);
    const fresh = Array.from({ length: 300 }, (_, i) => `new-${i}`);
    assert.deepEqual(
      await sendWithRetries(log, fresh),
      ['ok: 300 stored'],
      'no 503 for stored events',
    );
    const rows = await log.read(n, 1000);
    assert.deepEqual(
      rows.map((e) => e.id),
      fresh,
      'each id stored exactly once',
    );
    assert.equal((await log.stats()).dedupeEntries, n + 300);
    assert.ok(log.isWritable());

    await log.close();
    log = await open(); // more than 2^24 ids inside the horizon
    assert.equal((await log.stats()).dedupeEntries, n + 300);
    const sample = Array.from({ length: SAMPLE }, (_, i) => `old-${n - i}`);
    const again = await log.append(
      [...fresh, ...sample, 'brand-new'].map((id) => makeEvent({ id })),
    );
    assert.deepEqual(
      again.slice(0, 300),
      rows.map((e) => ({ offset: e.offset, duplicate: true })),
    );
    assert.deepEqual(
      again.slice(300, 300 + SAMPLE),
      sample.map((id) => ({ offset: Number(id.slice(4)), duplicate: true })),
    );
    assert.equal(again[300 + SAMPLE]!.duplicate, false);
  });

  test('the index itself holds more than 2^24 ids, exactly, at 16 bytes an id', () => {
    const count = MAP_LIMIT + 1000;
    // Distinct pseudo-random fingerprints by key (a 32-bit odd-multiplier permutation).
    const fp = (key: number) => Math.imul(key, 0x9e3779b1) >>> 0;
    const fingerprints = Uint32Array.from({ length: count }, (_, i) => fp(i + 1));
    const index = DedupeIndex.load({ fingerprints, runs: Float64Array.of(1, count) }, 1);
    assert.equal(index.size, count);
    for (const key of [1, 2, MAP_LIMIT, MAP_LIMIT + 1, count]) {
      assert.equal(
        index.find(fp(key), (k) => k === key),
        key,
      );
    }
    index.reserve(1);
    index.insert(12345, count + 1);
    assert.equal(index.size, count + 1);
    assert.ok(index.bytes / index.size <= 24, `${index.bytes / index.size} bytes an id`);
  });
});
