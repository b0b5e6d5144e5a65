import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { GenesysRestClient } from '../../genesys/rest-client.js';
import type { Metrics } from '../../ops/metrics.js';
import { fetchDirectory } from '../reconcile/reconcile-fetch.js';
import { StreamSource } from './stream-source.js';
import { planTopics } from './stream-topics.js';

/**
 * The stream source of `source.mode: stream`, over the gateway's shared Genesys client: the
 * topics are planned from the org's directory (queues, members, users) at each start and
 * reconnect of the plan, and what the config names that the org lacks is logged as pruned.
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
  return new StreamSource({
    client: genesys.get,
    metrics,
    config,
    heartbeatTimeoutMs: s.heartbeatTimeoutMs,
    pingIntervalMs: s.pingIntervalMs,
    pongTimeoutMs: s.pongTimeoutMs,
    refreshIntervalMs: s.refreshIntervalMs,
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
      for (const p of plan.pruned.slice(0, 50)) {
        log.warn(p, `stream: not followed: ${p.kind} ${p.id} (${p.reason})`);
      }
      log.info(
        { queues: plan.queueIds.length, users: plan.userIds.length, topics: plan.topics.length },
        'stream: topics planned',
      );
      return plan.topics;
    },
  });
}
