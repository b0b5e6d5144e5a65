/**
 * `switchboard lake query "SQL"`: DuckDB over the lake's files, in memory, with a view `bronze`
 * (every event, the fields of `GET /api/v1/events` plus `subject`) and one per silver table. The files are plain NDJSON,
 * so DuckDB, Spark or Athena read them the same way (docs/lake.md).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SILVER_TABLES, SILVER_TABLE_NAMES, type SilverTableName } from './silver-tables.js';

/** The bronze columns and their DuckDB types, in file order. */
export const BRONZE_COLUMNS = {
  offset: 'BIGINT',
  id: 'VARCHAR',
  source: 'VARCHAR',
  topic: 'VARCHAR',
  kind: 'VARCHAR',
  subject: 'JSON',
  occurredAt: 'TIMESTAMPTZ',
  receivedAt: 'TIMESTAMPTZ',
  body: 'VARCHAR',
  bodyEncoding: 'VARCHAR',
} as const;

export interface QueryResult {
  columns: string[];
  /** Values as DuckDB renders them to JSON (numbers beyond 2^53 as strings). */
  rows: unknown[][];
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

function hasBronzeFiles(bronze: string): boolean {
  if (!existsSync(bronze)) return false;
  for (const kind of readdirSync(bronze)) {
    const kindDir = join(bronze, kind);
    for (const date of safeList(kindDir))
      if (safeList(join(kindDir, date)).some((f) => f.endsWith('.ndjson'))) return true;
  }
  return false;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Bronze lines as rows: `from` is a glob or a list of files. Half-written lines are skipped. */
export function bronzeReadSql(from: string | readonly string[]): string {
  const spec = Object.entries(BRONZE_COLUMNS)
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(', ');
  const files = typeof from === 'string' ? sqlString(from) : `[${from.map(sqlString).join(', ')}]`;
  // A line being appended as the query reads comes out all NULL (ignore_errors): left out.
  return (
    `SELECT * FROM read_ndjson(${files}, columns = {${spec}}, ` +
    `ignore_errors = true, hive_partitioning = false) WHERE id IS NOT NULL`
  );
}

const EMPTY_BRONZE = `SELECT ${Object.entries(BRONZE_COLUMNS)
  .map(([name, type]) => `NULL::${type} AS "${name}"`)
  .join(', ')} WHERE false`;

/** The SQL that defines the `bronze` view over `<lake>/bronze`. */
export function bronzeViewSql(lakePath: string): string {
  const bronze = join(lakePath, 'bronze');
  return `CREATE OR REPLACE VIEW bronze AS ${
    hasBronzeFiles(bronze) ? bronzeReadSql(join(bronze, '*', '*', '*.ndjson')) : EMPTY_BRONZE
  }`;
}

/**
 * The view of one silver table: its Parquet files, one row per key (a crash during compaction
 * may leave a row in a part and in the compacted file); a table with no files yet is empty,
 * with the same columns.
 */
export function silverViewSql(lakePath: string, name: SilverTableName): string {
  const dir = join(lakePath, 'silver', name);
  const hasFiles = safeList(dir).some((d) =>
    safeList(join(dir, d)).some((f) => f.endsWith('.parquet')),
  );
  if (!hasFiles)
    return `CREATE OR REPLACE VIEW ${name} AS SELECT * FROM (${SILVER_TABLES[
      name
    ].select.replaceAll('FROM src', `FROM (${EMPTY_BRONZE})`)})`;
  const key = SILVER_TABLES[name].key;
  return (
    `CREATE OR REPLACE VIEW ${name} AS SELECT * EXCLUDE (sb_row) FROM (SELECT *, ` +
    `row_number() OVER (PARTITION BY ${key} ORDER BY log_offset) AS sb_row FROM read_parquet(` +
    `${sqlString(join(dir, '*', '*.parquet'))}, hive_partitioning = true, union_by_name = true)) ` +
    `WHERE sb_row = 1`
  );
}

/** Runs `sql` over the lake at `lakePath` in a fresh in-memory DuckDB. */
export async function queryLake(lakePath: string, sql: string): Promise<QueryResult> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(bronzeViewSql(lakePath));
    for (const name of SILVER_TABLE_NAMES) await connection.run(silverViewSql(lakePath, name));
    const reader = await connection.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowsJson() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A plain text table: a header, a rule, one line per row; numbers right-aligned. */
export function formatTable({ columns, rows }: QueryResult): string {
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  const text = rows.map((r) => r.map(cell));
  const numeric = columns.map((_, i) =>
    rows.every((r) => r[i] === null || /^-?\d+(\.\d+)?$/.test(cell(r[i]))),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map(line),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}
