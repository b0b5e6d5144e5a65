import { join } from 'node:path';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { tempDir } from '../support/helpers.js';
import { runEventLogSuite, type EventLogFactory } from './event-log-suite.js';

export const factory: EventLogFactory = {
  location: async (t) => tempDir(t, 'sb-sqlite-'),
  open: (dir, { collideFingerprints, ...options } = {}) =>
    SqliteEventLog.open({
      path: join(dir, 'switchboard.db'),
      retention: { intervalMs: 3_600_000 },
      ...options,
      ...(collideFingerprints ? { limits: { dedupeFingerprintBits: 0 } } : {}),
    }),
  moduleUrl: import.meta.url,
};

runEventLogSuite('sqlite', factory);
