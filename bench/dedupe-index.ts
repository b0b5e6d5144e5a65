/**
 * The dedupe index at scale: how long a log with N ids inside the horizon takes from close to
 * ready, and the memory each id costs. Not part of `npm run bench` (the 50 M run writes a 3 GB
 * database and takes minutes):
 *
 *   node --import tsx bench/dedupe-index.ts 5000000 50000000
 *
 * Each N gets a fresh database filled directly in SQLite (an HTTP fill of 50 M events would take
 * hours): N dedupe rows with 40-character ids and the fingerprint blocks the writer would have
 * written for them (same key, same hash). Then the log is opened (the writer thread starts,
 * reads the blocks, builds the index), checked with a sample of old ids and a new one, closed,
 * and opened again; both opens are timed. A crash restart takes the same path: the blocks are
 * written in each append's transaction, so there is no snapshot to be stale. Prints Markdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IdFingerprint } from '../src/log/id-fingerprint.js';
import { SqliteEventLog } from '../src/log/sqlite-event-log.js';
import { eventInput } from '../test/support/events.js';

const BLOCK = 65_536;
const SAMPLE = 1000;

const idOf = (k: number) => `evt-${k.toString(16).padStart(12, '0')}-4a1b-9c8d-0242ac120002`;
const ID_SQL = "printf('evt-%012x-4a1b-9c8d-0242ac120002', x)";

function log(message: string): void {
  process.stderr.write(`dedupe-bench: ${message}\n`);
}

function fill(path: string, n: number, seenMs: number): void {
  const db = new Database(path);
  db.pragma('synchronous = OFF');
  const started = performance.now();
  for (let first = 1; first <= n; first += 10 * BLOCK) {
    const last = Math.min(n, first + 10 * BLOCK - 1);
    db.prepare(
      `WITH RECURSIVE k(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM k WHERE x < ?)
       INSERT INTO dedupe_log (seq, id, offset, seen_ms) SELECT x, ${ID_SQL}, x, ? FROM k`,
    ).run(first, last, seenMs);
  }
  db.prepare("INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(n);
  log(`${n} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const key = db
    .prepare("SELECT value FROM meta WHERE name = 'dedupe_fingerprint_key'")
    .pluck()
    .get() as Buffer;
  const fingerprint = new IdFingerprint(key);
  const insert = db.prepare('INSERT INTO dedupe_blocks (first_key, fingerprints) VALUES (?, ?)');
  const fps = new Uint32Array(BLOCK);
  db.transaction(() => {
    for (let first = 1; first <= n; first += BLOCK) {
      const count = Math.min(BLOCK, n - first + 1);
      for (let i = 0; i < count; i++) fps[i] = fingerprint.of(idOf(first + i));
      insert.run(first, Buffer.from(fps.buffer, 0, count * 4));
    }
  })();
  log(`${n} fingerprints in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  db.close();
}

async function openTimed(path: string, now: number): Promise<{ log: SqliteEventLog; ms: number }> {
  const started = performance.now();
  const opened = await SqliteEventLog.open({
    path,
    now: () => now,
    retention: { intervalMs: 3_600_000 },
  });
  return { log: opened, ms: performance.now() - started };
}

/** RSS an empty log's open adds (the writer thread, SQLite caches): not the index's. */
async function emptyOpenRss(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-dedupe-bench-'));
  try {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const opened = await SqliteEventLog.open({ path: join(dir, 'switchboard.db') });
    const grown = process.memoryUsage().rss - before;
    await opened.close();
    return grown;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-dedupe-bench-'));
  const path = join(dir, 'switchboard.db');
  try {
    const now = Date.now();
    await (await SqliteEventLog.open({ path })).close(); // the schema
    fill(path, n, now);
    const baseline = await emptyOpenRss();
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const first = await openTimed(path, now);
    const rssAfter = process.memoryUsage().rss;
    const { entries, bytes } = first.log.dedupeFootprint();
    const sample = Array.from({ length: SAMPLE }, (_, i) => idOf(1 + Math.floor((i * n) / SAMPLE)));
    const started = performance.now();
    const results = await first.log.append(
      [...sample, 'never-seen'].map((id) => eventInput('interaction', { id, source: 'webhook' })),
    );
    const appendMs = performance.now() - started;
    const duplicates = results.filter((r) => r.duplicate).length;
    if (duplicates !== SAMPLE || results[SAMPLE]!.duplicate) {
      throw new Error(`sample: ${duplicates} duplicates of ${SAMPLE}; the new id must be new`);
    }
    await first.log.close();
    const second = await openTimed(path, now);
    await second.log.close();
    log(`N=${n}: open ${first.ms.toFixed(0)} ms, again ${second.ms.toFixed(0)} ms`);
    return [
      n.toLocaleString('en-US'),
      `${(first.ms / 1000).toFixed(2)} s`,
      `${(second.ms / 1000).toFixed(2)} s`,
      (bytes / entries).toFixed(1),
      ((rssAfter - rssBefore - baseline) / entries).toFixed(1),
      `${appendMs.toFixed(0)} ms`,
    ].join(' | ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
const rows: string[] = [];
for (const n of sizes.length > 0 ? sizes : [5_000_000]) rows.push(await run(n));
process.stdout.write(
  [
    '| ids in the horizon | close → ready | again | index bytes / id | RSS / id (beyond an empty log) | 1,001-event append after open |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n') + '\n',
);
