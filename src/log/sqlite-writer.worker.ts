/**
 * The single SQLite writer, on its own thread so that inserts and fsyncs never stall the HTTP
 * event loop. Each `append` message is one transaction and one fsync however many events it
 * carries: the main thread batches concurrent appends into one message (group commit).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DedupePressureError } from './dedupe-index.js';
import { SqliteDedupe } from './sqlite-dedupe.js';
import { migrate } from './sqlite-migrations.js';
import type {
  WireBatch,
  WriterOptions,
  WriterReady,
  WriterRequest,
  WriterResponse,
  WriterStats,
} from './sqlite-protocol.js';
import { DEDUPE_PRESSURE, WIRE_FIELDS } from './sqlite-protocol.js';
import { lastOlderThan } from './sqlite-time-search.js';

const RETENTION_CHUNK = 5_000;
const RETENTION_CHUNKS_PER_CALL = 20;
/** Bytes a readiness probe writes: about what one event needs, more than a page. */
const PROBE_BYTES = 16 * 1024;

const options = workerData as WriterOptions;
const port = parentPort;
if (!port) throw new Error('sqlite writer must run in a worker thread');

let db: Database.Database;
let dedupe: SqliteDedupe;
try {
  db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.fsync ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  migrate(db);
  if (options.limits?.maxPageCount !== undefined) {
    db.pragma(`max_page_count = ${Math.floor(options.limits.maxPageCount)}`);
  }
  dedupe = new SqliteDedupe(
    db,
    {
      horizonMs: options.dedupeHorizonMs,
      ...(options.limits?.dedupeMaxSlots !== undefined
        ? { maxSlots: options.limits.dedupeMaxSlots }
        : {}),
      ...(options.limits?.dedupeFingerprintBits !== undefined
        ? { fingerprintBits: options.limits.dedupeFingerprintBits }
        : {}),
    },
    options.startMs,
  );
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
  // A committed write that needs free pages, undone in the same transaction (see `probe`).
  probeWrite: db.prepare(
    "INSERT INTO meta (name, value) VALUES ('write_probe', zeroblob(?)) ON CONFLICT (name) DO NOTHING",
  ),
  probeClear: db.prepare("DELETE FROM meta WHERE name = 'write_probe'"),
};

let lastOffset = stmt.lastOffset.get()?.seq ?? 0;

function stats(): WriterStats {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  return {
    lastOffset,
    sizeBytes: (pages - free) * pageSize,
    dedupeEntries: dedupe.entries,
    dedupeBytes: dedupe.bytes,
  };
}

const N_FIELDS = WIRE_FIELDS.length;

const appendTx = db.transaction((batch: WireBatch, nowMs: number) => {
  const results: [offset: number, duplicate: 0 | 1][] = [];
  const { fields, bodies, ends } = batch;
  dedupe.begin(nowMs);
  for (let i = 0; i < batch.count; i++) {
    const f = i * N_FIELDS;
    const id = fields[f] as string;
    const firstCopy = dedupe.duplicateOf(id);
    if (firstCopy !== undefined) {
      results.push([firstCopy, 1]);
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
    dedupe.record(id, offset, nowMs);
    results.push([offset, 0]);
  }
  dedupe.end();
  return results;
});

/**
 * One durable batch. The index makes room before the transaction (the one step that can fail
 * for memory, refusing the batch with nothing stored) and learns the new ids after COMMIT with
 * writes that cannot fail: an answer never says "failed" for events that are stored.
 */
function append(batch: WireBatch, nowMs: number): [number, 0 | 1][] {
  dedupe.reserve(batch.count);
  const results = appendTx.immediate(batch, nowMs);
  dedupe.commit();
  return results;
}

/** A committed write of about one event, undone in the same transaction: can appends go on? */
const probeTx = db.transaction(() => {
  stmt.probeWrite.run(PROBE_BYTES);
  stmt.probeClear.run();
});

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
  return { deleted, more: dedupe.prune(nowMs) };
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
    case 'probe':
      dedupe.reserve(msg.batch);
      probeTx.immediate();
      return null;
    case 'close': {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return null;
    }
  }
}

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Driver errors become a code the main thread maps to a reason (see WriterError). */
function translate(err: unknown): { code: string; message: string } {
  if (err instanceof DedupePressureError) return { code: DEDUPE_PRESSURE, message: err.message };
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
