/**
 * Dedupe by id inside the horizon, for the SQLite writer: the in-memory `DedupeIndex` (a
 * fingerprint and a row key per id) over two tables, `dedupe_log` (one row per stored event: its
 * id, offset and time, keyed by a key that is never reused) and `dedupe_blocks` (the
 * fingerprints, so a start reads blobs instead of hashing every id). See migrations/002.
 *
 * One append is `reserve` (before the transaction: the only step that can allocate, so the only
 * one that can fail for memory) → `begin` → `duplicateOf` / `record` per event → `end` (all
 * inside the transaction) → `commit` (after COMMIT: writes into reserved typed arrays only, so a
 * stored event can never be answered as a failure, nor its retry stored again).
 */
import { endianness } from 'node:os';
import type Database from 'better-sqlite3';
import { DedupeIndex, type DedupeIndexOptions } from './dedupe-index.js';
import { IdFingerprint } from './id-fingerprint.js';
import { lastOlderThan } from './sqlite-time-search.js';

/** Fingerprints per dedupe_blocks row once compacted (256 KiB). */
const BLOCK_MAX = 65_536;
/** Blocks looked at per compaction step. */
const COMPACT_ROWS = 512;
/** dedupe_log rows deleted per pruning step, so appends are never held up for long. */
const PRUNE_CHUNK = 5_000;
const LITTLE_ENDIAN = endianness() === 'LE';

export interface SqliteDedupeOptions extends DedupeIndexOptions {
  horizonMs: number;
}

export class SqliteDedupe {
  readonly #horizonMs: number;
  readonly #index: DedupeIndex;
  readonly #fingerprint: IdFingerprint;
  readonly #stmt;
  // The batch inside the current transaction.
  readonly #batchIds = new Map<string, number>();
  #batchFps = new Uint32Array(64);
  #batchKeys = new Float64Array(64);
  #batchCount = 0;
  #batchLastKey = 0;
  #horizonStart = 0;
  /** The fingerprint computed by the last `duplicateOf`, for the `record` that follows it. */
  #lastFp = 0;
  /** Where the next compaction step starts: blocks before it are as large as they get. */
  #compactFrom = 0;
  /** The highest key given (keys only rise; see `record`). */
  #lastKey: number;
  /** Replaces the blocks with first keys in [first, lastFirst] by one of `size` fingerprints. */
  readonly #merge: (first: number, lastFirst: number, size: number) => void;

  constructor(db: Database.Database, options: SqliteDedupeOptions, nowMs: number) {
    this.#horizonMs = options.horizonMs;
    this.#stmt = {
      key: db.prepare<[], Buffer>("SELECT value FROM meta WHERE name = 'dedupe_fingerprint_key'"),
      insertRow: db.prepare(
        'INSERT INTO dedupe_log (seq, id, offset, seen_ms) VALUES (?, ?, ?, ?)',
      ),
      row: db.prepare<[number], [string, number, number]>(
        'SELECT id, offset, seen_ms FROM dedupe_log WHERE seq = ?',
      ),
      atOrAfter: db.prepare<[number], { offset: number; received_ms: number }>(
        'SELECT seq AS offset, seen_ms AS received_ms FROM dedupe_log WHERE seq >= ? ORDER BY seq LIMIT 1',
      ),
      firstRow: db.prepare<[], number>('SELECT seq FROM dedupe_log ORDER BY seq LIMIT 1'),
      lastRow: db.prepare<[], number>('SELECT seq FROM dedupe_log ORDER BY seq DESC LIMIT 1'),
      rowsAfter: db.prepare<[number, number], [number, string]>(
        'SELECT seq, id FROM dedupe_log WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      deleteRowsUpTo: db.prepare('DELETE FROM dedupe_log WHERE seq <= ?'),
      insertBlock: db.prepare('INSERT INTO dedupe_blocks (first_key, fingerprints) VALUES (?, ?)'),
      lastBlock: db.prepare<[], [number, number]>(
        'SELECT first_key, length(fingerprints) FROM dedupe_blocks ORDER BY first_key DESC LIMIT 1',
      ),
      blockAtOrBefore: db.prepare<[number], number>(
        'SELECT first_key FROM dedupe_blocks WHERE first_key <= ? ORDER BY first_key DESC LIMIT 1',
      ),
      blockSizesFrom: db.prepare<[number, number], [number, number]>(
        `SELECT first_key, length(fingerprints) FROM dedupe_blocks WHERE first_key >= ?
         ORDER BY first_key LIMIT ?`,
      ),
      blocksFrom: db.prepare<[number, number], [number, Buffer]>(
        `SELECT first_key, fingerprints FROM dedupe_blocks WHERE first_key >= ? AND first_key <= ?
         ORDER BY first_key`,
      ),
      deleteBlocks: db.prepare('DELETE FROM dedupe_blocks WHERE first_key >= ? AND first_key <= ?'),
    };
    for (const s of [
      this.#stmt.row,
      this.#stmt.rowsAfter,
      this.#stmt.lastBlock,
      this.#stmt.blockSizesFrom,
      this.#stmt.blocksFrom,
    ]) {
      s.raw();
    }
    for (const s of [
      this.#stmt.key,
      this.#stmt.firstRow,
      this.#stmt.lastRow,
      this.#stmt.blockAtOrBefore,
    ]) {
      s.pluck();
    }
    const key = this.#stmt.key.get();
    if (!key) throw new Error('dedupe_fingerprint_key is missing from meta');
    this.#fingerprint = new IdFingerprint(key);
    this.#merge = db.transaction((first: number, lastFirst: number, size: number) => {
      const merged = new Uint32Array(size);
      let at = 0;
      for (const [, blob] of this.#stmt.blocksFrom.iterate(first, lastFirst)) {
        merged.set(fromBlob(blob), at);
        at += blob.byteLength / 4;
      }
      this.#stmt.deleteBlocks.run(first, lastFirst);
      this.#stmt.insertBlock.run(first, toBlob(merged));
    });
    this.#lastKey = this.#coverRows(db);
    this.#index = this.#load(this.#floorAt(nowMs), options);
  }

  /** Unexpired ids held. */
  get entries(): number {
    return this.#index.size;
  }

  /** Memory the index holds. */
  get bytes(): number {
    return this.#index.bytes + this.#batchFps.byteLength + this.#batchKeys.byteLength;
  }

  /**
   * Room for `count` more ids, before the transaction. Throws DedupePressureError when the
   * index cannot grow; nothing is stored then, so a retry is safe.
   */
  reserve(count: number): void {
    if (this.#batchFps.length < count) {
      this.#batchFps = new Uint32Array(count);
      this.#batchKeys = new Float64Array(count);
    }
    this.#index.reserve(count);
  }

  /** Inside the transaction, before the batch's first event. */
  begin(nowMs: number): void {
    this.#batchIds.clear();
    this.#batchCount = 0;
    this.#batchLastKey = this.#lastKey;
    this.#horizonStart = nowMs - this.#horizonMs;
  }

  /** The offset of the copy of `id` stored inside the horizon (this batch's too), if any. */
  duplicateOf(id: string): number | undefined {
    const inBatch = this.#batchIds.get(id);
    if (inBatch !== undefined) return inBatch;
    const fp = this.#fingerprint.of(id);
    this.#lastFp = fp;
    let offset = 0;
    this.#index.find(fp, (key) => {
      const row = this.#stmt.row.get(key);
      if (!row || row[0] !== id || row[2] < this.#horizonStart) return false;
      offset = row[1];
      return true;
    });
    return offset === 0 ? undefined : offset;
  }

  /** `id` (just checked with `duplicateOf`) was stored at `offset` in this transaction. */
  record(id: string, offset: number, nowMs: number): void {
    // The event's offset is never reused; the max guards keys against rows from before 002.
    const key = Math.max(offset, this.#batchLastKey + 1);
    this.#stmt.insertRow.run(key, id, offset, nowMs);
    this.#batchIds.set(id, offset);
    this.#batchFps[this.#batchCount] = this.#lastFp;
    this.#batchKeys[this.#batchCount] = key;
    this.#batchCount++;
    this.#batchLastKey = key;
  }

  /** Inside the transaction, after the batch: its fingerprints, durable with its events. */
  end(): void {
    let start = 0;
    for (let i = 1; i <= this.#batchCount; i++) {
      if (i < this.#batchCount && this.#batchKeys[i] === this.#batchKeys[i - 1]! + 1) continue;
      this.#stmt.insertBlock.run(
        this.#batchKeys[start]!,
        toBlob(this.#batchFps.subarray(start, i)),
      );
      start = i;
    }
  }

  /** After COMMIT: the index learns the batch. Only writes into reserved typed arrays. */
  commit(): void {
    for (let i = 0; i < this.#batchCount; i++) {
      this.#index.insert(this.#batchFps[i]!, this.#batchKeys[i]!);
    }
    this.#lastKey = this.#batchLastKey;
    this.#batchCount = 0;
  }

  /**
   * Forgets ids stored before the horizon (in memory, then boundedly on disk) and merges small
   * fingerprint blocks; true while more work remains.
   */
  prune(nowMs: number): boolean {
    const first = this.#stmt.firstRow.get();
    const last = this.#stmt.lastRow.get();
    let more = false;
    if (first !== undefined && last !== undefined) {
      const upTo = lastOlderThan(this.#stmt.atOrAfter, first, last, nowMs - this.#horizonMs);
      this.#index.expireBefore(upTo + 1);
      const bound = first + PRUNE_CHUNK - 1;
      if (upTo >= first) this.#stmt.deleteRowsUpTo.run(Math.min(upTo, bound));
      const keep = this.#stmt.blockAtOrBefore.get(upTo + 1);
      if (keep !== undefined) this.#stmt.deleteBlocks.run(0, keep - 1);
      more = upTo > bound;
    }
    return this.#compact() || more;
  }

  /** The first key still inside the horizon at `nowMs`. */
  #floorAt(nowMs: number): number {
    const first = this.#stmt.firstRow.get();
    const last = this.#stmt.lastRow.get();
    if (first === undefined || last === undefined) return 0;
    return lastOlderThan(this.#stmt.atOrAfter, first, last, nowMs - this.#horizonMs) + 1;
  }

  /** Reads the fingerprints from `floor` on into one array, then builds the index from it. */
  #load(floor: number, options: DedupeIndexOptions): DedupeIndex {
    const from = this.#stmt.blockAtOrBefore.get(floor) ?? 0;
    const sizes = this.#stmt.blockSizesFrom.all(from, Number.MAX_SAFE_INTEGER);
    let total = 0;
    for (const [, bytes] of sizes) total += bytes / 4;
    const fingerprints = new Uint32Array(total);
    const runs = new Float64Array(2 * sizes.length);
    let b = 0;
    let at = 0;
    for (const [firstKey, blob] of this.#stmt.blocksFrom.iterate(from, Number.MAX_SAFE_INTEGER)) {
      runs[2 * b] = firstKey;
      runs[2 * b + 1] = blob.byteLength / 4;
      fingerprints.set(fromBlob(blob), at);
      at += blob.byteLength / 4;
      b++;
    }
    return DedupeIndex.load({ fingerprints, runs }, floor, options);
  }

  /**
   * Gives fingerprint blocks to dedupe_log rows that have none (stored before migration 002);
   * returns the highest key.
   */
  #coverRows(db: Database.Database): number {
    const last = this.#stmt.lastBlock.get();
    let covered = last ? last[0] + last[1] / 4 - 1 : 0;
    const write = db.transaction((rows: [number, string][]) => {
      const fps = new Uint32Array(rows.length);
      let start = 0;
      for (let i = 0; i <= rows.length; i++) {
        if (i > 0 && (i === rows.length || rows[i]![0] !== rows[i - 1]![0] + 1)) {
          this.#stmt.insertBlock.run(rows[start]![0], toBlob(fps.subarray(start, i)));
          start = i;
        }
        if (i < rows.length) fps[i] = this.#fingerprint.of(rows[i]![1]);
      }
    });
    for (;;) {
      const rows = this.#stmt.rowsAfter.all(covered, BLOCK_MAX);
      if (rows.length === 0) return Math.max(covered, this.#stmt.lastRow.get() ?? 0);
      write(rows);
      covered = rows[rows.length - 1]![0];
    }
  }

  /** One bounded step of merging adjacent small blocks; true if it moved and more may remain. */
  #compact(): boolean {
    const rows = this.#stmt.blockSizesFrom.all(this.#compactFrom, COMPACT_ROWS);
    if (rows.length === 0) return false;
    let groupStart = 0;
    let groupSize = rows[0]![1] / 4;
    let lastGroupKey = rows[0]![0];
    for (let i = 1; i <= rows.length; i++) {
      const prev = rows[i - 1]!;
      const row = rows[i];
      const size = row ? row[1] / 4 : 0;
      if (row && row[0] === prev[0] + prev[1] / 4 && groupSize + size <= BLOCK_MAX) {
        groupSize += size;
        continue;
      }
      lastGroupKey = rows[groupStart]![0];
      if (i - groupStart > 1) this.#merge(lastGroupKey, prev[0], groupSize);
      groupStart = i;
      groupSize = size;
    }
    // The last group may still grow with later blocks: the next step starts there.
    const moved = lastGroupKey > this.#compactFrom;
    this.#compactFrom = lastGroupKey;
    return moved && rows.length === COMPACT_ROWS;
  }
}

/** Fingerprints as stored: 32-bit little-endian. */
function toBlob(fps: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(fps.buffer, fps.byteOffset, fps.byteLength);
  const out = Buffer.allocUnsafe(fps.byteLength);
  for (let i = 0; i < fps.length; i++) out.writeUInt32LE(fps[i]!, i * 4);
  return out;
}

function fromBlob(blob: Buffer): Uint32Array {
  const n = blob.byteLength / 4;
  if (LITTLE_ENDIAN && blob.byteOffset % 4 === 0) {
    return new Uint32Array(blob.buffer, blob.byteOffset, n);
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = blob.readUInt32LE(i * 4);
  return out;
}
