import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../errors.js';
import { ReconcileError, type Reconciler } from '../sources/reconcile/reconciler.js';

export interface ReconcileRouteDeps {
  /** Read on every request, so a reconciler created after the app started can be set later. */
  reconciler: Reconciler | undefined;
  /** An unscoped token off loopback: a run spends the org's API quota and changes all state. */
  authorize: (request: FastifyRequest) => void;
  /**
   * Least time between two runs this route starts (`api.reconcileMinIntervalMs`); none when
   * absent. `now` is the clock it is measured on (tests drive it).
   */
  rateLimit?: { minIntervalMs: number; now?: () => number };
}

/**
 * `POST /api/v1/reconcile`: runs a reconcile (or joins the one in flight) and answers 200 with
 * its result. One token in a loop would otherwise spend the org's API quota and fill the log, so
 * a new run starts at most once per `minIntervalMs`: sooner, 429 `SB_RECONCILE_TOO_SOON` with
 * `Retry-After`. A request while a run is in flight joins it (same result, no new run).
 * 503 `SB_RECONCILE_UNAVAILABLE` without a reconciler or its REST client; 502
 * `SB_RECONCILE_FAILED` when the run fails (the message says which request); a log that cannot
 * take the events, or a reconcile source not started or stopped, answers as everywhere else
 * (503 `SB_LOG_UNAVAILABLE`, `SB_NOT_READY`, `SB_SHUTTING_DOWN`).
 */
export function registerReconcileRoute(app: FastifyInstance, deps: ReconcileRouteDeps): void {
  const now = deps.rateLimit?.now ?? Date.now;
  const minIntervalMs = deps.rateLimit?.minIntervalMs ?? 0;
  let lastStartedAt: number | undefined;

  app.post(
    '/api/v1/reconcile',
    { onRequest: async (request) => deps.authorize(request) },
    async () => {
      const reconciler = deps.reconciler;
      if (reconciler === undefined || !reconciler.available) {
        throw new SwitchboardError('SB_RECONCILE_UNAVAILABLE');
      }
      const previous = lastStartedAt;
      if (!reconciler.running) {
        const at = now();
        const waitMs = previous === undefined ? 0 : previous + minIntervalMs - at;
        if (waitMs > 0) {
          throw new SwitchboardError('SB_RECONCILE_TOO_SOON', undefined, {
            details: { retryAfterSec: Math.ceil(waitMs / 1000) },
          });
        }
        lastStartedAt = at;
      }
      try {
        return await reconciler.run();
      } catch (err) {
        // Refused before it started (not ready, shutting down): no quota spent, no run to count.
        if (err instanceof SwitchboardError) {
          lastStartedAt = previous;
          throw err;
        }
        if (err instanceof ReconcileError && err.cause instanceof SwitchboardError) throw err.cause;
        throw new SwitchboardError(
          'SB_RECONCILE_FAILED',
          err instanceof Error ? err.message : undefined,
          { cause: err },
        );
      }
    },
  );
}
