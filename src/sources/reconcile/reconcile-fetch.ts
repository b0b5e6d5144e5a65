import type { Logger } from 'pino';
import type { GenesysRestClient } from '../../genesys/rest-client.js';
import { isPlainObject } from '../../util/objects.js';
import { fetchPresenceDefinitions } from './presence-definitions.js';
import type { ReconcileSnapshot } from './reconcile-events.js';
import { fetchWrapupCodes } from './wrapup-codes.js';
import { fetchQueueConversations } from './queue-conversations.js';
import { fetchGapConversations } from './gap-conversations.js';

/** Users are read with these expands (FACTS §3.1). */
export const USER_EXPAND = ['presence', 'routingStatus', 'team'] as const;

/** What the reconciler needs from the REST client. */
export type ReconcileClient = Pick<GenesysRestClient, 'pages' | 'get'> &
  Partial<Pick<GenesysRestClient, 'invalidateToken' | 'post'>>;

/** The org's directory: queues with their members, and users (what the stream's topic plan needs). */
export interface Directory {
  queues: ReconcileSnapshot['queues'];
  users: ReconcileSnapshot['users'];
}

/**
 * Reads one snapshot: presence definitions, wrap-up codes, the directory, each queue's
 * conversations in progress and, after a gap, the agents' own calls in it. `at` is told each
 * step, so a failure can say where it happened.
 */
export async function fetchSnapshot(
  client: ReconcileClient,
  logger: Logger,
  memberConcurrency: number,
  at: (step: string) => void,
  /**
   * The interval (org clock, epoch ms) of the gaps this run repairs: agents' own calls in it,
   * and with `countFrom` (when the earliest gap began) the queue conversations begun since then
   * that are over.
   */
  backfill?: { from: number; to: number; countFrom?: number },
): Promise<ReconcileSnapshot> {
  const definitions = await fetchPresenceDefinitions(client, logger);

  at('fetching wrap-up codes');
  const wrapupCodes = await fetchWrapupCodes(client, logger);

  const queues = await fetchQueues(client, logger, memberConcurrency, at);

  at('fetching queue conversations');
  const queueConversations = await fetchQueueConversations(
    client,
    queues.map((q) => q.id),
    logger,
  );

  const gapConversations =
    backfill === undefined
      ? undefined
      : (at('fetching the conversations of the gap'),
        await fetchGapConversations(
          client,
          backfill.from,
          backfill.to,
          logger,
          backfill.countFrom,
        ));

  const users = await fetchUsers(client, logger, at);
  return {
    presenceDefinitions: definitions,
    wrapupCodes,
    queues,
    users,
    ...(queueConversations ? { queueConversations } : {}),
    ...(gapConversations ? { gapConversations } : {}),
  };
}

/** Queues with their members, and users: no conversations, no labels. */
export async function fetchDirectory(
  client: ReconcileClient,
  logger: Logger,
  memberConcurrency: number,
): Promise<Directory> {
  const at = () => {};
  const queues = await fetchQueues(client, logger, memberConcurrency, at);
  return { queues, users: await fetchUsers(client, logger, at) };
}

async function fetchQueues(
  client: ReconcileClient,
  logger: Logger,
  memberConcurrency: number,
  at: (step: string) => void,
): Promise<ReconcileSnapshot['queues']> {
  at('fetching queues');
  const queueEntities = await collect(
    client.pages<Record<string, unknown>>('/api/v2/routing/queues'),
  );
  const queues = withIds(queueEntities, 'queue', logger).map(({ id, entity }) => ({
    id,
    entity,
    members: [] as unknown[],
  }));

  at('fetching queue members');
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < queues.length && !failed) {
      const queue = queues[next++]!;
      try {
        queue.members = await collect(
          client.pages<unknown>(`/api/v2/routing/queues/${encodeURIComponent(queue.id)}/members`),
        );
      } catch (err) {
        failed = true;
        at(`fetching members of queue ${queue.id}`);
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(memberConcurrency, queues.length) }, worker));
  return queues;
}

async function fetchUsers(
  client: ReconcileClient,
  logger: Logger,
  at: (step: string) => void,
): Promise<ReconcileSnapshot['users']> {
  at('fetching users');
  const userEntities = await collect(
    client.pages<Record<string, unknown>>('/api/v2/users', { expand: USER_EXPAND }),
  );
  return withIds(userEntities, 'user', logger);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Entities with a string id, first copy of each id; others are logged and skipped. */
function withIds(
  entities: readonly Record<string, unknown>[],
  what: string,
  logger: Logger,
): { id: string; entity: Record<string, unknown> }[] {
  const seen = new Set<string>();
  const out: { id: string; entity: Record<string, unknown> }[] = [];
  for (const entity of entities) {
    const id = isPlainObject(entity) ? entity.id : undefined;
    if (typeof id !== 'string' || id === '') {
      logger.warn({ what }, `reconcile: skipped a ${what} without an id`);
      continue;
    }
    // Paging over a list that changes while it is read can repeat an entity.
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, entity });
  }
  return out;
}
