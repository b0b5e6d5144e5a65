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
  /**
   * For conversations with an agent: each agent's current (open) analytics segment type
   * (`interact`, `hold`, `wrapup`, …) by conversation and user, from the conversations' details.
   * Observations say an agent is on a conversation, not whether it is on hold or wrapping up.
   */
  segments?: Record<string, Record<string, string>>;
}

/** AnalyticsApi `getAnalyticsConversationsDetails` (FACTS §3.5, "by id"). */
export const DETAILS_PATH = '/api/v2/analytics/conversations/details';

/**
 * Every queue's conversations in progress, as queue observations with `detailMetrics` name
 * them (conversation, agent, since when): what repairs the conversations whose events were lost
 * in a gap, and shows a gateway started mid-day the callers already waiting. It needs
 * `analytics:queueObservation:view`; without it (403) or without the endpoint (404) a run goes
 * on without conversations (undefined), as before.
 */
export async function fetchQueueConversations(
  client: Partial<Pick<GenesysRestClient, 'post' | 'get'>>,
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
  const segments = await fetchSegments(client, [...byQueue.values()].flat(), logger);
  // A queue with nothing in it has no result at all in some answers: it is empty, not unknown.
  return queueIds.map((queueId) => {
    const results = byQueue.get(queueId) ?? [];
    const mine: Record<string, Record<string, string>> = {};
    for (const id of conversationIds(results, 'oInteracting')) {
      const s = segments.get(id);
      if (s) mine[id] = s;
    }
    return { queueId, results, ...(Object.keys(mine).length > 0 ? { segments: mine } : {}) };
  });
}

function conversationIds(results: readonly unknown[], metric: string): string[] {
  const ids: string[] = [];
  for (const r of results) {
    if (!isPlainObject(r) || !Array.isArray(r.data)) continue;
    for (const d of r.data as unknown[]) {
      if (!isPlainObject(d) || d.metric !== metric || !Array.isArray(d.observations)) continue;
      for (const o of d.observations as unknown[])
        if (isPlainObject(o) && typeof o.conversationId === 'string') ids.push(o.conversationId);
    }
  }
  return ids;
}

/**
 * Each talking conversation's agents' open segment, fifty conversations a request. It needs
 * `analytics:conversationDetail:view`; without it (403, 404) holds and wrap-ups in a gap stay
 * as live state last saw them.
 */
async function fetchSegments(
  client: Partial<Pick<GenesysRestClient, 'get'>>,
  results: readonly unknown[],
  logger: Logger,
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  const ids = [...new Set(conversationIds(results, 'oInteracting'))];
  if (!client.get || ids.length === 0) return out;
  try {
    for (let i = 0; i < ids.length; i += BATCH) {
      const answer = await client.get<Record<string, unknown>>(DETAILS_PATH, {
        id: ids.slice(i, i + BATCH),
      });
      const conversations = Array.isArray(answer?.conversations) ? answer.conversations : [];
      for (const c of conversations as unknown[]) {
        if (!isPlainObject(c) || typeof c.conversationId !== 'string') continue;
        if (typeof c.conversationEnd === 'string') continue; // over: observations will say
        const byUser: Record<string, string> = {};
        for (const p of Array.isArray(c.participants) ? (c.participants as unknown[]) : []) {
          if (!isPlainObject(p) || typeof p.userId !== 'string') continue;
          for (const session of Array.isArray(p.sessions) ? (p.sessions as unknown[]) : []) {
            if (!isPlainObject(session) || !Array.isArray(session.segments)) continue;
            for (const seg of session.segments as unknown[]) {
              if (!isPlainObject(seg) || typeof seg.segmentType !== 'string') continue;
              if (seg.segmentEnd === undefined) byUser[p.userId] = seg.segmentType;
            }
          }
        }
        if (Object.keys(byUser).length > 0) out.set(c.conversationId, byUser);
      }
    }
  } catch (err) {
    if (!(err instanceof GenesysApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    logger.warn(
      { status: err.status, code: err.code },
      `reconcile: ${DETAILS_PATH} refused; holds and wrap-ups lost in a gap are not repaired`,
    );
  }
  return out;
}
