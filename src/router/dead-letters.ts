/**
 * The dead-letter queue: events a target will not take (a final error) or did not take within
 * its attempts, kept per target in `<dataDir>/dlq.db` (SQLite, WAL, synchronous FULL), so they
 * survive restarts and log retention, until a replay delivers them. One row per target and event
 * id: an event dead-lettered again (a replay that failed, a redelivery after a crash) updates its
 * row, never adds one. Rows hold the whole stored event, so a replay needs nothing from the log.
 *
 * Guarantees: `put` resolves once the row is durable (the router commits the log offset only
 * after); `remove` after a replay delivered the event; everything else is read-only.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { StoredEvent } from '../log/event-log.js';

export interface DeadLetter {
  target: string;
  id: string;
  offset: number;
  /** Deliveries tried, over every dead-lettering of the event. */
  attempts: number;
  /** The last error: `SB_…: message`. */
  lastError: string;
  code: string;
  firstFailedAt: string;
  lastFailedAt: string;
  event: StoredEvent;
}

/** What a listing shows of a dead letter (its event without the body). */
export type DeadLetterSummary = Omit<DeadLetter, 'event'> & {
  kind: string;
  topic: string;
  bodyBytes: number;
};

interface Row {
  target: string;
  event_id: string;
  offset: number;
  attempts: number;
  last_error: string;
  code: string;
  first_failed_at: string;
  last_failed_at: string;
  meta: string;
  body: Buffer;
}

export class DeadLetterStore {
  readonly #db: Database.Database;
  readonly #put: Database.Statement;
  readonly #remove: Database.Statement;
  readonly #depth: Database.Statement<[string], { n: number }>;
  readonly #depths: Database.Statement<[], { target: string; n: number }>;

  private constructor(db: Database.Database) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS dead_letters (
        target TEXT NOT NULL,
        event_id TEXT NOT NULL,
        offset INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        last_error TEXT NOT NULL,
        code TEXT NOT NULL,
        first_failed_at TEXT NOT NULL,
        last_failed_at TEXT NOT NULL,
        meta TEXT NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (target, event_id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS dead_letters_by_offset ON dead_letters (target, offset);
    `);
    this.#put = db.prepare(`
      INSERT INTO dead_letters
        (target, event_id, offset, attempts, last_error, code, first_failed_at, last_failed_at, meta, body)
      VALUES (@target, @id, @offset, @attempts, @lastError, @code, @at, @at, @meta, @body)
      ON CONFLICT (target, event_id) DO UPDATE SET
        attempts = attempts + excluded.attempts,
        last_error = excluded.last_error,
        code = excluded.code,
        last_failed_at = excluded.last_failed_at
    `);
    this.#remove = db.prepare('DELETE FROM dead_letters WHERE target = ? AND event_id = ?');
    this.#depth = db.prepare('SELECT count(*) AS n FROM dead_letters WHERE target = ?');
    this.#depths = db.prepare('SELECT target, count(*) AS n FROM dead_letters GROUP BY target');
  }

  static open(path: string): DeadLetterStore {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return new DeadLetterStore(db);
  }

  /** Dead-letters `event` for `target` after `attempts` tries; durable when it returns. */
  put(
    target: string,
    event: StoredEvent,
    failure: { attempts: number; code: string; message: string },
    at = new Date(),
  ): void {
    const { body, ...meta } = event;
    this.#put.run({
      target,
      id: event.id,
      offset: event.offset,
      attempts: failure.attempts,
      lastError: `${failure.code}: ${failure.message}`.slice(0, 2000),
      code: failure.code,
      at: at.toISOString(),
      meta: JSON.stringify(meta),
      body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    });
  }

  remove(target: string, id: string): boolean {
    return this.#remove.run(target, id).changes > 0;
  }

  depth(target: string): number {
    return this.#depth.get(target)?.n ?? 0;
  }

  /** Depth per target that has any. */
  depths(): Map<string, number> {
    return new Map(this.#depths.all().map((r) => [r.target, r.n]));
  }

  /**
   * Dead letters in offset order (per target), `limit` at most, after `after` (a `target`/
   * `offset` cursor), optionally of one target or one id.
   */
  list(
    filter: { target?: string; id?: string; after?: { target: string; offset: number } },
    limit: number,
  ): DeadLetter[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.target !== undefined) {
      where.push('target = ?');
      args.push(filter.target);
    }
    if (filter.id !== undefined) {
      where.push('event_id = ?');
      args.push(filter.id);
    }
    if (filter.after) {
      where.push('(target > ? OR (target = ? AND offset > ?))');
      args.push(filter.after.target, filter.after.target, filter.after.offset);
    }
    const sql =
      'SELECT * FROM dead_letters' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY target, offset LIMIT ?';
    const rows = this.#db.prepare<unknown[], Row>(sql).all(...args, Math.max(0, limit));
    return rows.map(toDeadLetter);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function toDeadLetter(r: Row): DeadLetter {
  const meta = JSON.parse(r.meta) as Omit<StoredEvent, 'body'>;
  return {
    target: r.target,
    id: r.event_id,
    offset: r.offset,
    attempts: r.attempts,
    lastError: r.last_error,
    code: r.code,
    firstFailedAt: r.first_failed_at,
    lastFailedAt: r.last_failed_at,
    event: { ...meta, body: new Uint8Array(r.body) },
  };
}

/** A dead letter as listings show it: no body. */
export function summarize(d: DeadLetter): DeadLetterSummary {
  const { event, ...rest } = d;
  return { ...rest, kind: event.kind, topic: event.topic, bodyBytes: event.body.byteLength };
}
