/**
 * The single SQLite writer, on its own thread so that inserts and fsyncs never stall the HTTP
 * event loop. Each `append` message is one transaction and one fsync however many events it
 * carries: the main thread batches concurrent appends into one message (group commit).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { migrate } from './sqlite-migrations.js';
import type {
  WireBatch,
  WriterOptions,
  WriterReady,
  WriterRequest,
  WriterResponse,
  WriterStats,
} from './sqlite-protocol.js';
import { WIRE_FIELDS } from './sqlite-protocol.js';

const RETENTION_CHUNK = 5_000;
const RETENTION_CHUNKS_PER_CALL = 20;

const options = workerData as WriterOptions;
const port = parentPort;
if (!port) throw new Error('sqlite writer must run in a worker thread');

let db: Database.Database;
try {
  db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.fsync ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  migrate(db);
} catch (err) {
  port.postMessage({ ready: false, error: translate(err) } satisfies WriterReady);
  throw err;
}

const stmt = {
  insertEvent: db.prepare(
    `INSERT INTO events (id, source, topic, kind, user_id, queue_id, conversation_id,
       occurred_at, received_at, received_ms, body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  appendDedupe: db.prepare('INSERT INTO dedupe_log (id, offset, seen_ms) VALUES (?, ?, ?)'),
  dedupeAtOrAfter: db.prepare<[number], { offset: number; received_ms: number }>(
    'SELECT seq AS offset, seen_ms AS received_ms FROM dedupe_log WHERE seq >= ? ORDER BY seq LIMIT 1',
  ),
  firstDedupe: db.prepare<[], { offset: number }>(
    'SELECT seq AS offset FROM dedupe_log ORDER BY seq LIMIT 1',
  ),
  lastDedupe: db.prepare<[], { offset: number }>(
    'SELECT seq AS offset FROM dedupe_log ORDER BY seq DESC LIMIT 1',
  ),
  deleteDedupeUpTo: db.prepare('DELETE FROM dedupe_log WHERE seq <= ?'),
  insertQuarantine: db.prepare(
    'INSERT INTO quarantine (source, reason, content_type, received_at, body) VALUES (?, ?, ?, ?, ?)',
  ),
  commitConsumer: db.prepare(
    `INSERT INTO consumers (name, offset, updated_ms) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET offset = MAX(consumers.offset, excluded.offset),
       updated_ms = excluded.updated_ms`,
  ),
  registerConsumer: db.prepare(
    'INSERT INTO consumers (name, offset, updated_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
  ),
  unregisterConsumer: db.prepare('DELETE FROM consumers WHERE name = ?'),
  minConsumer: db.prepare<[], { m: number | null }>('SELECT MIN(offset) AS m FROM consumers'),
  lastOffset: db.prepare<[], { seq: number }>(
    "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
  ),
  firstEvent: db.prepare<[], { offset: number }>(
    'SELECT offset FROM events ORDER BY offset LIMIT 1',
  ),
  eventAtOrAfter: db.prepare<[number], { offset: number; received_ms: number }>(
    'SELECT offset, received_ms FROM events WHERE offset >= ? ORDER BY offset LIMIT 1',
  ),
  deleteUpTo: db.prepare('DELETE FROM events WHERE offset <= ?'),
};

let lastOffset = stmt.lastOffset.get()?.seq ?? 0;

/**
 * The dedupe index: id → first offset and when it was stored, in storage order (an update is
 * re-inserted at the end), so expiry walks from the front. Rebuilt from dedupe_log at start.
 */
interface Seen {
  offset: number;
  seenMs: number;
}
const dedupe = new Map<string, Seen>();
for (const row of db
  .prepare<[], { id: string; offset: number; seen_ms: number }>(
    'SELECT id, offset, seen_ms FROM dedupe_log ORDER BY seq',
  )
  .iterate()) {
  dedupe.delete(row.id);
  dedupe.set(row.id, { offset: row.offset, seenMs: row.seen_ms });
}

function stats(): WriterStats {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  return { lastOffset, sizeBytes: (pages - free) * pageSize, dedupeEntries: dedupe.size };
}

const N_FIELDS = WIRE_FIELDS.length;

const appendTx = db.transaction((batch: WireBatch, nowMs: number, added: Map<string, Seen>) => {
  const horizonStart = nowMs - options.dedupeHorizonMs;
  const results: [offset: number, duplicate: 0 | 1][] = [];
  const { fields, bodies, ends } = batch;
  for (let i = 0; i < batch.count; i++) {
    const f = i * N_FIELDS;
    const id = fields[f] as string;
    const seen = added.get(id) ?? dedupe.get(id);
    if (seen && seen.seenMs >= horizonStart) {
      results.push([seen.offset, 1]);
      continue;
    }
    const start = i === 0 ? 0 : (ends[i - 1] as number);
    const info = stmt.insertEvent.run(
      id,
      fields[f + 1],
      fields[f + 2],
      fields[f + 3],
      fields[f + 4],
      fields[f + 5],
      fields[f + 6],
      fields[f + 7],
      fields[f + 8],
      nowMs,
      Buffer.from(bodies.buffer, bodies.byteOffset + start, (ends[i] as number) - start),
    );
    const offset = Number(info.lastInsertRowid);
    stmt.appendDedupe.run(id, offset, nowMs);
    added.set(id, { offset, seenMs: nowMs });
    results.push([offset, 0]);
  }
  return results;
});

/** One durable batch; the in-memory index learns the new ids only once the commit succeeded. */
function append(batch: WireBatch, nowMs: number): [number, 0 | 1][] {
  const added = new Map<string, Seen>();
  const results = appendTx.immediate(batch, nowMs, added);
  for (const [id, seen] of added) {
    dedupe.delete(id);
    dedupe.set(id, seen);
  }
  return results;
}

/** Forgets ids stored before the horizon, in memory and (boundedly) in dedupe_log; true if more. */
function pruneDedupe(nowMs: number): boolean {
  const cutoff = nowMs - options.dedupeHorizonMs;
  for (const [id, seen] of dedupe) {
    if (seen.seenMs >= cutoff) break;
    dedupe.delete(id);
  }
  const first = stmt.firstDedupe.get()?.offset;
  const last = stmt.lastDedupe.get()?.offset;
  if (first === undefined || last === undefined) return false;
  const upTo = lastOlderThan(stmt.dedupeAtOrAfter, first, last, cutoff);
  const bound = first + RETENTION_CHUNK - 1;
  if (upTo >= first) stmt.deleteDedupeUpTo.run(Math.min(upTo, bound));
  return upTo > bound;
}

/** Deletes at most a bounded amount per call so appends are never held up for long. */
function retention(nowMs: number): { deleted: number; more: boolean } {
  const first = stmt.firstEvent.get()?.offset;
  let deleted = 0;
  if (first !== undefined) {
    const held = stmt.minConsumer.get()?.m;
    const safe = held ?? lastOffset; // events <= safe are committed by every consumer
    let cutoff = Math.min(
      safe,
      lastOlderThan(stmt.eventAtOrAfter, first, safe, nowMs - options.retention.maxAgeMs),
    );
    const { sizeBytes } = stats();
    if (sizeBytes > options.retention.maxBytes) {
      const count = lastOffset - first + 1;
      const excess = Math.ceil(((sizeBytes - options.retention.maxBytes) / sizeBytes) * count);
      cutoff = Math.max(cutoff, Math.min(safe, first + excess - 1));
    }
    for (let i = 0; i < RETENTION_CHUNKS_PER_CALL && first + deleted <= cutoff; i++) {
      const upTo = Math.min(cutoff, first + deleted + RETENTION_CHUNK - 1);
      deleted += stmt.deleteUpTo.run(upTo).changes;
      if (upTo >= cutoff) break;
    }
    if (first + deleted <= cutoff && deleted > 0) return { deleted, more: true };
  }
  return { deleted, more: pruneDedupe(nowMs) };
}

/**
 * Largest key in [first, limit] whose time is before `beforeMs`, by binary search over a table
 * whose times rise with its key (one writer stamps both), so no index on time is needed.
 */
function lastOlderThan(
  atOrAfter: Database.Statement<[number], { offset: number; received_ms: number }>,
  first: number,
  limit: number,
  beforeMs: number,
): number {
  let lo = first;
  let hi = limit;
  let found = first - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = atOrAfter.get(mid);
    if (!row || row.offset > hi) {
      hi = mid - 1;
    } else if (row.received_ms < beforeMs) {
      found = row.offset;
      lo = row.offset + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

function handle(msg: WriterRequest): unknown {
  switch (msg.op) {
    case 'append': {
      const results = append(msg.batch, msg.nowMs);
      lastOffset = stmt.lastOffset.get()?.seq ?? lastOffset;
      return results;
    }
    case 'quarantine': {
      const e = msg.entry;
      return Number(
        stmt.insertQuarantine.run(e.source, e.reason, e.contentType, e.receivedAt, asBuffer(e.body))
          .lastInsertRowid,
      );
    }
    case 'commit':
      stmt.commitConsumer.run(msg.consumer, msg.offset, msg.nowMs);
      return null;
    case 'register':
      stmt.registerConsumer.run(msg.consumer, msg.startAt === 'latest' ? lastOffset : 0, msg.nowMs);
      return null;
    case 'unregister':
      stmt.unregisterConsumer.run(msg.consumer);
      return null;
    case 'retention':
      return retention(msg.nowMs);
    case 'close': {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return null;
    }
  }
}

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function translate(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : 'SQLITE_ERROR',
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}

port.on('message', (msg: WriterRequest) => {
  let response: WriterResponse;
  try {
    const result = handle(msg);
    response = { seq: msg.seq, ok: true, result, stats: stats() };
    if (msg.op === 'close') db.close();
  } catch (err) {
    response = { seq: msg.seq, ok: false, error: translate(err) };
  }
  port.postMessage(response);
  if (msg.op === 'close') port.close();
});

port.postMessage({ ready: true, stats: stats() } satisfies WriterReady);
