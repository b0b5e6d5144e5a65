/**
 * The lake's silver layer: Parquet tables (silver-tables.ts) under
 * `<lake>/silver/<table>/date=<YYYY-MM-DD>/`, written with DuckDB from the bronze files.
 *
 * - **Incremental runs** read the bronze events after the watermark (`silver/_watermark.json`)
 *   up to what bronze has durably written, and add one part per table and date,
 *   `part-<from>-<to>-<n>.parquet`. Files are written to `silver/.tmp/` and renamed into place,
 *   so a reader never sees half a file; the watermark moves only after.
 * - **Compaction** rebuilds one table's date from all of that date's bronze files, keeping one
 *   row per event (per event and metric for observations), into `compact-<to>.parquet`, then
 *   removes the parts and older compactions it covers. A crash between the two leaves rows
 *   twice on disk; the views `lake query` reads keep one per key, and the next compaction
 *   removes them.
 * Silver is derived: deleting `silver/` rebuilds it from bronze on the next runs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { fsyncPath } from './fsync.js';
import { bronzeReadSql } from './query.js';
import { SILVER_TABLES, SILVER_TABLE_NAMES, type SilverTableName } from './silver-tables.js';

export interface SilverOptions {
  lakePath: string;
  /** A date with at least this many parts is compacted (older dates: from one part). */
  compactAfterParts: number;
  now?: () => number;
}

interface Watermark {
  /** Every bronze event up to this offset is in silver. */
  offset: number;
  /** The earliest bronze date an incremental run still reads. */
  fromDate: string;
}

const sql = (s: string) => `'${s.replaceAll("'", "''")}'`;
const DAY_MS = 86_400_000;

export class SilverWriter {
  readonly #o: SilverOptions;
  readonly #root: string;
  #connection: DuckDBConnection | undefined;
  #instance: DuckDBInstance | undefined;
  runs = 0;
  compactions = 0;

  constructor(options: SilverOptions) {
    this.#o = options;
    this.#root = join(options.lakePath, 'silver');
  }

  // One DuckDB per run or compaction, closed after it: a long-lived instance keeps its buffer
  // pool (up to most of the machine's memory by default) between runs every 30 s.
  async #db(): Promise<DuckDBConnection> {
    if (!this.#connection) {
      this.#instance = await DuckDBInstance.create(':memory:', {
        threads: '1',
        memory_limit: '256MB',
      });
      this.#connection = await this.#instance.connect();
    }
    return this.#connection;
  }

  async watermark(): Promise<Watermark> {
    try {
      return JSON.parse(await readFile(join(this.#root, '_watermark.json'), 'utf8')) as Watermark;
    } catch {
      return { offset: 0, fromDate: '0000-00-00' };
    }
  }

  /** Adds the bronze events in (watermark, upTo] to the silver tables. */
  async run(upTo: number): Promise<void> {
    const mark = await this.watermark();
    if (upTo <= mark.offset) return;
    const files = await this.#bronzeFiles(mark);
    const db = await this.#db();
    let lastDate = mark.fromDate;
    if (files.length > 0) {
      await db.run(
        `CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM (${bronzeReadSql(files)}) ` +
          `WHERE "offset" > ${mark.offset} AND "offset" <= ${upTo}`,
      );
      const reader = await db.runAndReadAll(
        `SELECT max(CAST(receivedAt AS DATE))::VARCHAR FROM src`,
      );
      lastDate = (reader.getRowsJson()[0]?.[0] as string | null) ?? lastDate;
      const pattern = `part-${mark.offset + 1}-${upTo}-{i}`;
      for (const name of SILVER_TABLE_NAMES) {
        await this.#copy(db, name, `SELECT * FROM (${SILVER_TABLES[name].select})`, pattern);
      }
    }
    // Dates before the last one reached are not read again (a day's late arrivals: compaction).
    const fromDate = new Date(Date.parse(lastDate) - DAY_MS).toISOString().slice(0, 10);
    this.close();
    await this.#writeWatermark({
      offset: upTo,
      fromDate: Number.isNaN(Date.parse(lastDate)) ? mark.fromDate : fromDate,
    });
    this.runs++;
  }

  /** Compacts every table's dates that have enough parts (or any part, for past dates). */
  async compact(): Promise<void> {
    const mark = await this.watermark();
    const today = new Date(this.#o.now?.() ?? Date.now()).toISOString().slice(0, 10);
    for (const name of SILVER_TABLE_NAMES) {
      const dir = join(this.#root, name);
      for (const partition of await list(dir)) {
        const date = /^date=(\d{4}-\d{2}-\d{2})$/.exec(partition)?.[1];
        if (!date) continue;
        const files = await list(join(dir, partition));
        const parts = files.filter((f) => f.startsWith('part-'));
        const due = parts.length >= this.#o.compactAfterParts || (date < today && parts.length > 0);
        if (due) await this.#compactDate(name, date, mark.offset, files);
      }
    }
  }

  async #compactDate(name: SilverTableName, date: string, upTo: number, existing: string[]) {
    const table = SILVER_TABLES[name];
    const bronzeFiles = (
      await Promise.all(
        table.kinds.map(async (kind) => {
          const dir = join(this.#o.lakePath, 'bronze', `kind=${kind}`, `date=${date}`);
          return (await list(dir)).filter((f) => f.endsWith('.ndjson')).map((f) => join(dir, f));
        }),
      )
    ).flat();
    const db = await this.#db();
    if (bronzeFiles.length === 0) return;
    await db.run(
      `CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM (${bronzeReadSql(bronzeFiles)}) ` +
        `WHERE "offset" <= ${upTo}`,
    );
    const key = SILVER_TABLES[name].key;
    await this.#copy(
      db,
      name,
      `SELECT * FROM (${table.select}) ` +
        `QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY log_offset) = 1 ORDER BY log_offset`,
      `compact-${upTo}-{i}`,
    );
    // Everything up to the watermark is now in the compacted file: the rest goes.
    const dir = join(this.#root, name, `date=${date}`);
    for (const f of existing) {
      const to = /^(?:part-\d+-(\d+)|compact-(\d+))-\d+\.parquet$/.exec(f);
      const covered = Number(to?.[1] ?? to?.[2] ?? Infinity);
      if (covered <= upTo && !f.startsWith(`compact-${upTo}-`)) await rm(join(dir, f));
    }
    await fsyncPath(dir);
    this.close();
    this.compactions++;
  }

  /** Writes `select` (over `src`) into the table, partitioned by date. */
  async #copy(
    db: DuckDBConnection,
    name: SilverTableName,
    select: string,
    pattern: string,
  ): Promise<void> {
    const tmp = join(this.#root, '.tmp', name);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await db.run(
      `COPY (${select}) TO ${sql(tmp)} (FORMAT PARQUET, PARTITION_BY ("date"), ` +
        `FILENAME_PATTERN ${sql(pattern)}, OVERWRITE_OR_IGNORE)`,
    );
    for (const partition of await list(tmp)) {
      const target = join(this.#root, name, partition);
      await mkdir(target, { recursive: true });
      for (const file of await list(join(tmp, partition))) {
        await fsyncPath(join(tmp, partition, file));
        await rename(join(tmp, partition, file), join(target, file));
      }
      await fsyncPath(target);
    }
    await rm(tmp, { recursive: true, force: true });
  }

  /** Bronze files that may hold events after the watermark, of the kinds silver reads. */
  async #bronzeFiles(mark: Watermark): Promise<string[]> {
    const kinds = new Set(SILVER_TABLE_NAMES.flatMap((n) => SILVER_TABLES[n].kinds));
    const out: string[] = [];
    for (const kind of kinds) {
      const kindDir = join(this.#o.lakePath, 'bronze', `kind=${kind}`);
      for (const partition of await list(kindDir)) {
        const date = /^date=(.*)$/.exec(partition)?.[1];
        if (!date || date < mark.fromDate) continue;
        const dir = join(kindDir, partition);
        const names = await list(dir);
        const regular = names.filter((f) => /^\d+\.ndjson$/.test(f)).sort();
        regular.forEach((f, i) => {
          const next = regular[i + 1];
          // A file holds offsets up to the next file's first, less one.
          if (next === undefined || Number(next.slice(0, 16)) - 1 > mark.offset)
            out.push(join(dir, f));
        });
        for (const f of names)
          if (/^\d+-late\.ndjson$/.test(f) && Number(f.slice(0, 16)) > mark.offset)
            out.push(join(dir, f));
      }
    }
    return out;
  }

  async #writeWatermark(mark: Watermark): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    const tmp = join(this.#root, '_watermark.json.tmp');
    await writeFile(tmp, JSON.stringify(mark));
    await fsyncPath(tmp);
    await rename(tmp, join(this.#root, '_watermark.json'));
    await fsyncPath(this.#root);
  }

  close(): void {
    this.#connection?.closeSync();
    this.#instance?.closeSync();
    this.#connection = undefined;
    this.#instance = undefined;
  }
}

async function list(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).sort();
}
