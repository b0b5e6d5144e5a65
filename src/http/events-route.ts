import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SwitchboardError } from '../errors.js';
import type { TokenScope } from '../config/index.js';
import type { EventLog, StoredEvent } from '../log/event-log.js';
import type { Principal } from './api-auth.js';

export interface EventsRouteDeps {
  log: EventLog;
  authorize: (request: FastifyRequest) => Principal;
  /** An agent's current team and queues (the projection's), for scoped tokens. */
  membership: (
    userId: string,
  ) => { teamId: string | undefined; queueIds: ReadonlySet<string> } | undefined;
  maxPageSize: number;
}

/**
 * `GET /api/v1/events?after=OFFSET&limit=N`: the log in offset order, bodies as received. A
 * scoped token sees only events about its queues, or about agents now in its queues or teams;
 * `next` still moves past what it may not see, so paging ends.
 */
export function registerEventsRoute(app: FastifyInstance, deps: EventsRouteDeps): void {
  const query = z.object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(deps.maxPageSize).default(100),
  });
  app.get(
    '/api/v1/events',
    { onRequest: async (request) => deps.authorize(request) },
    async (request) => {
      const { scope } = deps.authorize(request);
      const parsed = query.safeParse(request.query);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new SwitchboardError(
          'SB_BAD_REQUEST',
          `${issue?.path.join('.') ?? 'query'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const { after, limit } = parsed.data;
      const read = await deps.log.read(after, limit);
      const last = read[read.length - 1];
      const events = scope ? read.filter(visibleTo(scope, deps.membership)) : read;
      return {
        events: events.map((e) => ({
          offset: e.offset,
          id: e.id,
          source: e.source,
          topic: e.topic,
          kind: e.kind,
          subject: e.subject,
          occurredAt: e.occurredAt,
          receivedAt: e.receivedAt,
          body: Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength).toString('utf8'),
        })),
        next: last ? last.offset : after,
      };
    },
  );
}

/** Whether a scoped token may see an event: by its queue, or by its agent's team and queues. */
function visibleTo(
  scope: TokenScope,
  membership: EventsRouteDeps['membership'],
): (e: StoredEvent) => boolean {
  const queues = new Set(scope.queues);
  const teams = new Set(scope.teams);
  return ({ subject: { queueId, userId } }) => {
    if (queueId !== undefined && queues.has(queueId)) return true;
    const agent = userId === undefined ? undefined : membership(userId);
    if (!agent) return false;
    if (agent.teamId !== undefined && teams.has(agent.teamId)) return true;
    for (const q of agent.queueIds) if (queues.has(q)) return true;
    return false;
  };
}
