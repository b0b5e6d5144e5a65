import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { EventLog } from '../log/event-log.js';
import { sinkFromConfig } from '../sinks/from-config.js';
import { compilePattern } from './event-pattern.js';
import { Router } from './router.js';

/**
 * The router of `sinks` (undefined when no target is configured): a sink per target, a
 * compiled pattern per route, the DLQ at `<dataDir>/dlq.db`.
 */
export function routerFromConfig(
  config: Config,
  log: EventLog,
  logger: Logger,
): Router | undefined {
  const { targets, routes } = config.sinks;
  if (targets.length === 0) return undefined;
  return new Router({
    log,
    logger: logger.child({ component: 'router' }),
    deadLetterPath: join(config.dataDir, 'dlq.db'),
    targets: targets.map((t) => ({
      sink: sinkFromConfig(t, targets),
      options: {
        maxAttempts: t.maxAttempts,
        startAt: t.startAt,
        backoff: { initialMs: t.retry.initialMs, maxMs: t.retry.maxMs },
        circuit: t.circuit,
        readBatch: 500,
      },
    })),
    routes: routes.map((r) => {
      const compiled = compilePattern(r.pattern);
      return {
        name: r.name,
        targets: r.targets,
        matches: (doc) => compiled.matches(doc),
        matchesEverything: compiled.matchesEverything,
      };
    }),
  });
}
