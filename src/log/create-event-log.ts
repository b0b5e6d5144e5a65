import { join } from 'node:path';
import { ConfigError, type Config } from '../config/index.js';
import { JETSTREAM_NOT_IMPLEMENTED } from '../config/schema.js';
import type { EventLog } from './event-log.js';
import { SqliteEventLog, type SqliteEventLogOptions } from './sqlite-event-log.js';

export type CreateEventLogOptions = Pick<
  SqliteEventLogOptions,
  'now' | 'onBatch' | 'onRetentionError' | 'limits' | 'probeIntervalMs'
>;

/** Picks the backend named by `log.backend`; the core sees only the `EventLog` port. */
export async function createEventLog(
  config: Pick<Config, 'dataDir' | 'log'>,
  options: CreateEventLogOptions = {},
): Promise<EventLog> {
  switch (config.log.backend) {
    case 'sqlite': {
      return SqliteEventLog.open({
        path: join(config.dataDir, 'switchboard.db'),
        fsync: config.log.fsync,
        dedupeHorizonMs: config.log.dedupeHorizonMs,
        groupCommit: config.log.groupCommit,
        retention: config.log.retention,
        ...options,
      });
    }
    case 'jetstream':
      // loadConfig refuses it (config/schema.ts); only a hand-built Config gets here.
      throw new ConfigError(`invalid config: log.backend: ${JETSTREAM_NOT_IMPLEMENTED}`);
  }
}
