import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SwitchboardError } from '../errors.js';
import type { EventLog } from '../log/event-log.js';

export interface EventsRouteDeps {
  log: EventLog;
  authorize: (request: FastifyRequest) => void;
  maxPageSize: number;
}

/** `GET /api/v1/events?after=OFFSET&limit=N`: the log in offset order, bodies as received. */
export function registerEventsRoute(app: FastifyInstance, deps: EventsRouteDeps): void {
  const query = z.object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(deps.maxPageSize).default(100),
  });
  app.get(
    '/api/v1/events',
    { onRequest: async (request) => deps.authorize(request) },
    async (request) => {
      const parsed = query.safeParse(request.query);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new SwitchboardError(
          'SB_BAD_REQUEST',
          `${issue?.path.join('.') ?? 'query'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const { after, limit } = parsed.data;
      const events = await deps.log.read(after, limit);
      const last = events[events.length - 1];
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
