import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../../errors.js';
import type { Metrics } from '../../ops/metrics.js';
import type { IngestPipeline } from '../ingest-pipeline.js';
import { requireBody } from '../ingest-body.js';
import type { SignatureVerifier } from './signature-verifier.js';

export interface WebhookRouteDeps {
  pipeline: IngestPipeline;
  verifier: SignatureVerifier;
  metrics: Metrics;
  guard: (request: FastifyRequest) => void;
}

/** `POST /ingest/webhook`: verify the signature over the raw bytes, then persist-then-respond. */
export function registerWebhookRoute(app: FastifyInstance, deps: WebhookRouteDeps): void {
  app.post(
    '/ingest/webhook',
    { onRequest: async (request) => deps.guard(request) },
    async (request, reply) => {
      const body = requireBody(request);
      const verified = deps.verifier.verify(request.headers, body);
      if (!verified.ok) {
        deps.metrics.signatureFailures.inc({
          source: 'webhook',
          scheme: verified.scheme,
          reason: verified.reason,
        });
        throw new SwitchboardError(verified.code, verified.message);
      }
      deps.metrics.signatureVerified.inc({
        source: 'webhook',
        scheme: verified.scheme,
        secret: verified.secret,
      });
      const result = await deps.pipeline.ingest(
        'webhook',
        body,
        request.headers['content-type'],
        verified.webhookId,
      );
      return reply.code(result.status).send(result.body);
    },
  );
}
