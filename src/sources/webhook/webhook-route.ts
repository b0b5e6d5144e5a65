import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../../errors.js';
import { labelled, type Metrics } from '../../ops/metrics.js';
import type { IngestMetrics } from '../../ops/ingest-metrics.js';
import type { IngestPipeline } from '../ingest-pipeline.js';
import { registerIngestRoute } from '../ingest-route.js';
import type { SignatureVerifier } from './signature-verifier.js';

export interface WebhookRouteDeps {
  pipeline: IngestPipeline;
  verifier: SignatureVerifier;
  metrics: Metrics;
  ingestMetrics: IngestMetrics;
  guard: ((request: FastifyRequest) => void) | undefined;
  isShuttingDown: () => boolean;
}

/** `POST /ingest/webhook`: verify the signature over the raw bytes, then persist-then-respond. */
export function registerWebhookRoute(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const failures = deps.metrics.signatureFailures;
  const verified = labelled((scheme, secret) =>
    deps.metrics.signatureVerified.labels({ source: 'webhook', scheme, secret }),
  );
  registerIngestRoute(app, {
    path: '/ingest/webhook',
    source: 'webhook',
    pipeline: deps.pipeline,
    metrics: deps.ingestMetrics,
    guard: deps.guard,
    isShuttingDown: deps.isShuttingDown,
    authenticate: (request, body) => {
      const result = deps.verifier.verify(request.headers, body);
      if (!result.ok) {
        failures.inc({ source: 'webhook', scheme: result.scheme, reason: result.reason });
        throw new SwitchboardError(result.code, result.message);
      }
      verified(result.scheme, result.secret).inc();
      return { fallbackId: result.webhookId };
    },
  });
}
