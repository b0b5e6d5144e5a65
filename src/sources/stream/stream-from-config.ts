import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { GenesysRestClient } from '../../genesys/rest-client.js';
import type { Metrics } from '../../ops/metrics.js';
import { fetchDirectory } from '../reconcile/reconcile-fetch.js';
import { StreamSource } from './stream-source.js';
import { planTopics, type PrunedId } from './stream-topics.js';

/**
 * The stream source of `source.mode: stream`, over the gateway's shared Genesys client: the
 * topics are planned from the org's directory (queues, members, users) at each start and
 * reconnect of the plan. What the config names that the org lacks is pruned: in the source's
 * health (`/readyz`, the health page, `switchboard_stream_pruned`), and logged once when it is
 * first pruned, not at every re-plan.
 */
export function streamFromConfig(
  config: Pick<Config, 'source' | 'ingest'>,
  genesys: { get: () => GenesysRestClient | undefined; never: boolean },
  metrics: Metrics,
  logger: Logger,
): StreamSource | undefined {
  if (config.source.mode !== 'stream' || genesys.never) return undefined;
  const s = config.source.stream;
  const log = logger.child({ source: 'stream' });
  let pruned: readonly PrunedId[] = [];
  const key = (p: PrunedId) => `${p.kind}:${p.id}`;
  const prune = (now: readonly PrunedId[]) => {
    const before = new Set(pruned.map(key));
    const fresh = now.filter((p) => !before.has(key(p)));
    for (const p of fresh.slice(0, 50))
      log.warn(p, `stream: not followed: ${p.kind} ${p.id} (${p.reason})`);
    if (fresh.length > 50)
      log.warn({ more: fresh.length - 50 }, `stream: ${fresh.length - 50} more ids not followed`);
    const still = new Set(now.map(key));
    const back = pruned.filter((p) => !still.has(key(p)));
    if (back.length > 0)
      log.info(
        { ids: back.slice(0, 50).map(key) },
        `stream: ${back.length} ids no longer pruned (the org has them again)`,
      );
    pruned = now;
  };
  return new StreamSource({
    pruned: () => pruned,
    client: genesys.get,
    metrics,
    config,
    heartbeatTimeoutMs: s.heartbeatTimeoutMs,
    pingIntervalMs: s.pingIntervalMs,
    pongTimeoutMs: s.pongTimeoutMs,
    refreshIntervalMs: s.refreshIntervalMs,
    renewAheadMs: s.renewAheadMs,
    topics: async () => {
      const client = genesys.get();
      if (client === undefined) throw new Error('no Genesys client yet');
      // The directory only: the plan needs no labels and no conversations.
      const snapshot = await fetchDirectory(client, log, 4);
      const plan = planTopics(snapshot, {
        queues: s.queues,
        queueMembers: s.queueMembers,
        teams: s.teams,
        divisions: s.divisions,
        users: s.users,
        userTopics: s.userTopics,
        queueTopics: s.queueTopics,
      });
      prune(plan.pruned);
      log.info(
        { queues: plan.queueIds.length, users: plan.userIds.length, topics: plan.topics.length },
        'stream: topics planned',
      );
      return plan.topics;
    },
  });
}
