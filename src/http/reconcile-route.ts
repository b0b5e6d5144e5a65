import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../errors.js';
import { ReconcileError, type Reconciler } from '../sources/reconcile/reconciler.js';

export interface ReconcileRouteDeps {
  /** Read on every request, so a reconciler created after the app started can be set later. */
  reconciler: Reconciler | undefined;
  /** An unscoped token off loopback: a run spends the org's API quota and changes all state. */
  authorize: (request: FastifyRequest) => void;
}

/**
 * `POST /api/v1/reconcile`: runs a reconcile (or joins the one in flight) and answers 200 with
 * its result. 503 `SB_RECONCILE_UNAVAILABLE` without a reconciler or its REST client; 502
 * `SB_RECONCILE_FAILED` when the run fails (the message says which request); a log that cannot
 * take the events, or a reconcile source not started or stopped, answers as everywhere else
 * (503 `SB_LOG_UNAVAILABLE`, `SB_NOT_READY`, `SB_SHUTTING_DOWN`).
 */
export function registerReconcileRoute(app: FastifyInstance, deps: ReconcileRouteDeps): void {
  app.post(
    '/api/v1/reconcile',
    { onRequest: async (request) => deps.authorize(request) },
    async () => {
      const reconciler = deps.reconciler;
      if (reconciler === undefined || !reconciler.available) {
        throw new SwitchboardError('SB_RECONCILE_UNAVAILABLE');
      }
      try {
        return await reconciler.run();
      } catch (err) {
        if (err instanceof SwitchboardError) throw err;
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
