import type { Logger } from 'pino';
import { GenesysApiError, type GenesysRestClient } from '../../genesys/rest-client.js';
import { isPlainObject } from '../../util/objects.js';

/** AnalyticsApi `postAnalyticsQueuesObservationsQuery` (FACTS §3.3). */
export const OBSERVATIONS_PATH = '/api/v2/analytics/queues/observations/query';

/** The conversations a queue holds now: waiting, ringing an agent, with an agent. */
const METRICS = ['oWaiting', 'oAlerting', 'oInteracting'];

/** Queues per query: the filter is one predicate per queue. */
const BATCH = 50;

export interface QueueConversations {
  queueId: string;
  /**
   * The queue's `QueueObservationDataContainer`s (one per media group): `group` and `data`
   * (`ObservationMetricData` with `observations`, each an `ObservationValue`).
   */
  results: unknown[];
}

/**
 * Every queue's conversations in progress, as queue observations with `detailMetrics` name
 * them (conversation, agent, since when): what repairs the conversations whose events were lost
 * in a gap, and shows a gateway started mid-day the callers already waiting. It needs
 * `analytics:queueObservation:view`; without it (403) or without the endpoint (404) a run goes
 * on without conversations (undefined), as before.
 */
export async function fetchQueueConversations(
  client: Partial<Pick<GenesysRestClient, 'post'>>,
  queueIds: readonly string[],
  logger: Logger,
): Promise<QueueConversations[] | undefined> {
  if (!client.post || queueIds.length === 0) return undefined;
  const byQueue = new Map<string, unknown[]>();
  try {
    for (let i = 0; i < queueIds.length; i += BATCH) {
      const ids = queueIds.slice(i, i + BATCH);
      const answer = await client.post<Record<string, unknown>>(
        OBSERVATIONS_PATH,
        {
          filter: {
            type: 'or',
            predicates: ids.map((id) => ({
              type: 'dimension',
              dimension: 'queueId',
              operator: 'matches',
              value: id,
            })),
          },
          metrics: METRICS,
          detailMetrics: METRICS,
        },
        { idempotent: true },
      );
      const results = Array.isArray(answer?.results) ? (answer.results as unknown[]) : [];
      for (const r of results) {
        if (!isPlainObject(r) || !isPlainObject(r.group) || !Array.isArray(r.data)) continue;
        const queueId = r.group.queueId;
        if (typeof queueId !== 'string' || !ids.includes(queueId)) continue;
        // One result per (queue, media) group: a queue's conversations are all of them.
        byQueue.set(queueId, [...(byQueue.get(queueId) ?? []), r]);
      }
    }
  } catch (err) {
    if (!(err instanceof GenesysApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    logger.warn(
      { status: err.status, code: err.code },
      `reconcile: ${OBSERVATIONS_PATH} refused; conversations are not reconciled`,
    );
    return undefined;
  }
  // A queue with nothing in it has no result at all in some answers: it is empty, not unknown.
  return queueIds.map((queueId) => ({ queueId, results: byQueue.get(queueId) ?? [] }));
}
