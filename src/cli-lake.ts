import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from './config/index.js';
import { UsageError } from './errors.js';
import { formatTable, queryLake } from './sinks/lake/query.js';

export interface LakeCommand {
  sub: string | undefined;
  sql: string | undefined;
  /** The lake's directory; default: the config's first lake target, else `<dataDir>/lake`. */
  path?: string | undefined;
  config?: string | undefined;
  json?: boolean | undefined;
  out: (line: string) => void;
}

/** `lake query "SQL"`: DuckDB over the lake's files (docs/lake.md); exit 2 for SQL it refuses. */
export async function lakeCommand(c: LakeCommand): Promise<number> {
  if (c.sub !== 'query')
    throw new UsageError(
      c.sub === undefined
        ? 'missing subcommand: lake query "SQL"'
        : `unknown subcommand "lake ${c.sub}" (try: switchboard lake query "SELECT count(*) FROM bronze")`,
    );
  if (c.sql === undefined || c.sql.trim() === '')
    throw new UsageError('lake query needs the SQL as one argument');
  const path = c.path === undefined ? lakePath(c.config) : resolve(c.path);
  if (!existsSync(path))
    throw new UsageError(`no lake at ${path} (it appears once the gateway has stored events)`);
  let result;
  try {
    result = await queryLake(path, c.sql);
  } catch (err) {
    // DuckDB's own message names the problem (a parser or binder error, an unknown column).
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (c.json) {
    for (const row of result.rows)
      c.out(JSON.stringify(Object.fromEntries(result.columns.map((k, i) => [k, row[i]]))));
  } else c.out(formatTable(result));
  return 0;
}

function lakePath(configFile: string | undefined): string {
  const config = loadConfig(configFile === undefined ? {} : { file: configFile });
  const lake = config.sinks.targets.find((t) => t.type === 'lake');
  return lake?.type === 'lake' ? lake.path : resolve(join(config.dataDir, 'lake'));
}
