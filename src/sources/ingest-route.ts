import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SwitchboardError } from '../errors.js';
import type { EventSource } from '../log/event-log.js';
import type { IngestMetrics } from '../ops/ingest-metrics.js';
import { requireBody } from './ingest-body.js';
import type { IngestReply } from './ingest-pipeline.js';

export interface IngestRouteOptions {
  path: string;
  source: EventSource;
  metrics: IngestMetrics;
  /** Address and client-certificate checks, run before the body is read; omitted when none apply. */
  guard: ((request: FastifyRequest) => void) | undefined;
  /** Verifies the request (signature, API key); throws a 401 error or returns a fallback event id. */
  authenticate: (request: FastifyRequest, body: Buffer) => { fallbackId?: string | undefined };
  /** Why the source refuses deliveries now (not started, stopped), or undefined while running. */
  refusal: () => SwitchboardError | undefined;
  /** The source's persist step (the ingest pipeline); resolves once the events are durable. */
  ingest: (
    body: Buffer,
    contentType: string | undefined,
    fallbackId: string | undefined,
  ) => Promise<IngestReply>;
}

/**
 * One push-ingest route: guard → raw body → authenticate → pipeline (persist) → answer.
 * Deliberately free of per-request hooks: on this path each one is measurable throughput.
 */
export function registerIngestRoute(app: FastifyInstance, o: IngestRouteOptions): void {
  const { guard } = o;
  app.post(
    o.path,
    guard ? { onRequest: (request, _reply, done) => done(tryGuard(guard, request)) } : {},
    async (request, reply) => {
      const refused = o.refusal();
      if (refused !== undefined) {
        // A stopped source will not take this sender's traffic again: free the connection.
        if (refused.code === 'SB_SHUTTING_DOWN') reply.header('connection', 'close');
        throw refused;
      }
      const body = requireBody(request);
      const { fallbackId } = o.authenticate(request, body);
      const result = await o.ingest(body, request.headers['content-type'], fallbackId);
      o.metrics.answered(o.source, result.status, request.startedAt);
      return reply.code(result.status).send(result.body);
    },
  );
}

function tryGuard(
  guard: (request: FastifyRequest) => void,
  request: FastifyRequest,
): Error | undefined {
  try {
    guard(request);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}
