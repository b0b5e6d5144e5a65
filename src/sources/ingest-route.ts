import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../errors.js';
import type { EventSource } from '../log/event-log.js';
import type { IngestMetrics } from '../ops/ingest-metrics.js';
import { requireBody } from './ingest-body.js';
import type { IngestPipeline } from './ingest-pipeline.js';

export interface IngestRouteOptions {
  path: string;
  source: EventSource;
  pipeline: IngestPipeline;
  metrics: IngestMetrics;
  /** Address and client-certificate checks, run before the body is read; omitted when none apply. */
  guard: ((request: FastifyRequest) => void) | undefined;
  /** Verifies the request (signature, API key); throws a 401 error or returns a fallback event id. */
  authenticate: (request: FastifyRequest, body: Buffer) => { fallbackId?: string | undefined };
  isShuttingDown: () => boolean;
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
      if (o.isShuttingDown()) {
        reply.header('connection', 'close');
        throw new SwitchboardError('SB_SHUTTING_DOWN');
      }
      const body = requireBody(request);
      const { fallbackId } = o.authenticate(request, body);
      const result = await o.pipeline.ingest(
        o.source,
        body,
        request.headers['content-type'],
        fallbackId,
      );
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
