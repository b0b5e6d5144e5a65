import { join } from 'node:path';
import { ConfigError, type Config } from '../config/index.js';
import type { EventLog, Quarantine } from './event-log.js';
import { SqliteEventLog } from './sqlite-event-log.js';

export interface LogBackend {
  log: EventLog;
  quarantine: Quarantine;
  /** Events handed to append and not yet durable; admission control reads it per request. */
  pendingEvents: () => number;
}

export interface CreateEventLogOptions {
  now?: () => number;
  onBatch?: (events: number, durationMs: number) => void;
}

/** Picks the backend named by `log.backend`; the core sees only the `EventLog` port. */
export async function createEventLog(
  config: Pick<Config, 'dataDir' | 'log'>,
  options: CreateEventLogOptions = {},
): Promise<LogBackend> {
  switch (config.log.backend) {
    case 'sqlite': {
      const log = await SqliteEventLog.open({
        path: join(config.dataDir, 'switchboard.db'),
        fsync: config.log.fsync,
        dedupeHorizonMs: config.log.dedupeHorizonMs,
        groupCommit: config.log.groupCommit,
        retention: config.log.retention,
        ...options,
      });
      return { log, quarantine: log.quarantine, pendingEvents: () => log.pendingEvents };
    }
    case 'jetstream':
      throw new ConfigError(
        'invalid config: log.backend: "jetstream" (cluster mode) is not available in this build; use "sqlite"',
      );
  }
}
