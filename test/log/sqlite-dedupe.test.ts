/**
 * What only the SQLite backend's dedupe storage can get wrong: databases from before the
 * fingerprint blocks, keys that must never come back, and small blocks merged for start-up.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { tempDir } from '../support/helpers.js';
import { makeEvent } from './event-log-suite.js';

const INIT_SQL = new URL('../../src/log/migrations/001-init.sql', import.meta.url);

function openLog(path: string, now: () => number) {
  return SqliteEventLog.open({
    path,
    now,
    dedupeHorizonMs: 60_000,
    retention: { intervalMs: 3_600_000 },
  });
}

/** Reads the database beside the log (WAL: a second connection sees what is committed). */
function query<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('SQLite dedupe storage', () => {
  test('a database from before the fingerprint blocks keeps its dedupe after the upgrade', async (t) => {
    const path = join(tempDir(t, 'sb-dedupe-'), 'switchboard.db');
    const now = Date.parse('2026-11-23T10:00:00Z');
    // Version 1: dedupe_log's own counter (seq) behind the event offsets, as after the table
    // had emptied once; one row already outside the horizon.
    const v1 = new Database(path);
    v1.exec(readFileSync(INIT_SQL, 'utf8'));
    v1.pragma('user_version = 1');
    const insert = v1.prepare(
      'INSERT INTO dedupe_log (seq, id, offset, seen_ms) VALUES (?, ?, ?, ?)',
    );
    insert.run(1, 'expired', 40, now - 120_000);
    for (let i = 0; i < 50; i++) insert.run(2 + i, `kept-${i}`, 41 + i, now - 1000);
    v1.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', 90)").run();
    v1.close();

    let log = await openLog(path, () => now);
    t.after(() => log.close());
    assert.equal((await log.stats()).dedupeEntries, 50);
    const results = await log.append(
      ['kept-0', 'kept-49', 'expired', 'new'].map((id) => makeEvent({ id })),
    );
    assert.deepEqual(results.slice(0, 2), [
      { offset: 41, duplicate: true },
      { offset: 90, duplicate: true },
    ]);
    assert.deepEqual(
      results.slice(2).map((r) => r.duplicate),
      [false, false],
    );
    await log.close();
    log = await openLog(path, () => now);
    assert.deepEqual(
      await log.append(['kept-10', 'expired', 'new'].map((id) => makeEvent({ id }))),
      [
        { offset: 51, duplicate: true },
        { offset: results[2]!.offset, duplicate: true },
        { offset: results[3]!.offset, duplicate: true },
      ],
    );
  });

  test('dedupe rows are keyed by the event offset, so a key never comes back', async (t) => {
    const path = join(tempDir(t, 'sb-dedupe-'), 'switchboard.db');
    let now = Date.parse('2026-11-23T10:00:00Z');
    let log = await openLog(path, () => now);
    t.after(() => log.close());
    const [a] = await log.append([makeEvent({ id: 'a' })]);
    now += 61_000;
    await log.runRetention(); // dedupe_log is empty now
    assert.equal(query(path, 'SELECT seq FROM dedupe_log').length, 0);
    const [b] = await log.append([makeEvent({ id: 'b' })]);
    assert.deepEqual(query(path, 'SELECT seq, offset FROM dedupe_log'), [
      { seq: b!.offset, offset: b!.offset },
    ]);
    await log.close();
    log = await openLog(path, () => now);
    const again = await log.append(['a', 'b'].map((id) => makeEvent({ id })));
    assert.equal(again[0]!.duplicate, false, 'a expired long ago');
    assert.ok(again[0]!.offset > a!.offset);
    assert.deepEqual(again[1], { offset: b!.offset, duplicate: true });
  });

  test('one small fingerprint block per commit is merged, and dedupe stays exact across it', async (t) => {
    const path = join(tempDir(t, 'sb-dedupe-'), 'switchboard.db');
    const now = Date.parse('2026-11-23T10:00:00Z');
    let log = await openLog(path, () => now);
    t.after(() => log.close());
    const stored = [];
    for (let i = 0; i < 600; i++) stored.push(...(await log.append([makeEvent({ id: `c-${i}` })])));
    const blocks = () =>
      query<{ n: number }>(path, 'SELECT COUNT(*) AS n FROM dedupe_blocks')[0]!.n;
    assert.equal(blocks(), 600);
    await log.runRetention();
    assert.equal(blocks(), 1, 'merged into one');
    await log.close();
    log = await openLog(path, () => now);
    const again = await log.append(
      Array.from({ length: 600 }, (_, i) => makeEvent({ id: `c-${i}` })),
    );
    assert.deepEqual(
      again,
      stored.map((r) => ({ offset: r.offset, duplicate: true })),
    );
    assert.equal((await log.stats()).dedupeEntries, 600);
  });
});
