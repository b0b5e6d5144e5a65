import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SwitchboardError } from '../errors.js';
import type { TokenScope } from '../config/index.js';
import type { EventLog, StoredEvent } from '../log/event-log.js';
import type { Principal } from './api-auth.js';

export interface EventsRouteDeps {
  log: EventLog;
  authorize: (request: FastifyRequest) => Principal;
  /** An agent's current team, division and queues (the projection's), for scoped tokens. */
  membership: (
    userId: string,
  ) =>
    | { teamId: string | undefined; divisionId?: string | undefined; queueIds: ReadonlySet<string> }
    | undefined;
  /** A queue's current division (the projection's), for division-scoped tokens. */
  queueDivision?: (queueId: string) => string | undefined;
  /** A live conversation's divisions (the projection's), for division-scoped tokens. */
  conversationDivisions?: (conversationId: string) => readonly string[] | undefined;
  maxPageSize: number;
  /** Encoded size a page stops before (`api.maxPageBytes`); one event always fits. */
  maxPageBytes: number;
  /** The largest body an event can have (`ingest.bodyLimitBytes`): sizes each read from the log. */
  maxEventBytes: number;
}

/**
 * `GET /api/v1/events?after=OFFSET&limit=N`: the log in offset order, bodies as received. A
 * scoped token sees only events about its queues, or about agents now in its queues or teams;
 * `next` still moves past what it may not see, so paging ends. A page also ends before the event
 * that would take its encoded size past `maxPageBytes` (at least one event is always sent), and
 * `next` is where it ended: a thousand 1 MiB bodies are a gigabyte, which no client wants in one
 * answer and no JavaScript string can hold.
 */
export function registerEventsRoute(app: FastifyInstance, deps: EventsRouteDeps): void {
  const query = z.object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(deps.maxPageSize).default(100),
  });
  app.get(
    '/api/v1/events',
    { onRequest: async (request) => deps.authorize(request) },
    async (request, reply) => {
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
      const visible = scope ? visibleTo(scope, deps) : () => true;
      const page = await readPage(deps, after, limit, visible);
      reply.type('application/json; charset=utf-8');
      return `{"events":[${page.events.join(',')}],"next":${page.next}}`;
    },
  );
}

/**
 * Most events one read may ask for on the strength of what the page has seen so far: small events
 * then cost one query per 16, not one per event or two, and if huge ones follow after all, a read
 * holds at most 16 of them.
 */
const GUESSED_READ = 16;

/**
 * Reads events after `after` until `limit` are read or the next visible one would pass the byte
 * budget. A read asks for what the remaining budget holds at the largest possible body, or, when
 * the events seen so far are small, up to GUESSED_READ: memory stays bounded whatever the bodies
 * weigh, and a page of small events takes few queries.
 */
async function readPage(
  deps: EventsRouteDeps,
  after: number,
  limit: number,
  visible: (e: StoredEvent) => boolean,
): Promise<{ events: string[]; next: number }> {
  const events: string[] = [];
  let bytes = 0;
  let next = after;
  let read = 0;
  let largest = 1;
  while (read < limit) {
    const room = deps.maxPageBytes - bytes;
    const safe = Math.max(1, Math.floor(room / deps.maxEventBytes));
    const likely = read === 0 ? safe : Math.min(GUESSED_READ, Math.floor(room / largest));
    const want = Math.min(limit - read, Math.max(safe, likely));
    const batch = await deps.log.read(next, want);
    for (const e of batch) {
      largest = Math.max(largest, e.body.byteLength);
      if (visible(e)) {
        const json = JSON.stringify(eventView(e));
        const size = Buffer.byteLength(json) + 1;
        if (events.length > 0 && bytes + size > deps.maxPageBytes) return { events, next };
        events.push(json);
        bytes += size;
      }
      next = e.offset;
      read++;
    }
    if (batch.length < want) break;
  }
  return { events, next };
}

const eventView = (e: StoredEvent) => ({
  offset: e.offset,
  id: e.id,
  source: e.source,
  topic: e.topic,
  kind: e.kind,
  subject: e.subject,
  occurredAt: e.occurredAt,
  receivedAt: e.receivedAt,
  body: Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength).toString('utf8'),
});

/**
 * Whether a scoped token may see an event: by its queue or its queue's division, by its
 * conversation's divisions while live state still holds the conversation, or by its agent's
 * team, division and queues.
 */
function visibleTo(
  scope: TokenScope,
  {
    membership,
    queueDivision,
    conversationDivisions,
  }: Pick<EventsRouteDeps, 'membership' | 'queueDivision' | 'conversationDivisions'>,
): (e: StoredEvent) => boolean {
  const queues = new Set(scope.queues);
  const teams = new Set(scope.teams);
  const divisions = new Set(scope.divisions ?? []);
  const inDivision = (id: string | undefined) => id !== undefined && divisions.has(id);
  return ({ subject: { queueId, userId, conversationId } }) => {
    if (queueId !== undefined && queues.has(queueId)) return true;
    if (queueId !== undefined && divisions.size > 0 && inDivision(queueDivision?.(queueId))) {
      return true;
    }
    if (conversationId !== undefined && divisions.size > 0) {
      if (conversationDivisions?.(conversationId)?.some(inDivision)) return true;
    }
    const agent = userId === undefined ? undefined : membership(userId);
    if (!agent) return false;
    if (agent.teamId !== undefined && teams.has(agent.teamId)) return true;
    if (inDivision(agent.divisionId)) return true;
    for (const q of agent.queueIds) if (queues.has(q)) return true;
    return false;
  };
}
