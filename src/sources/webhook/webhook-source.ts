import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import { SwitchboardError } from '../../errors.js';
import { labelled, type Metrics } from '../../ops/metrics.js';
import type { IngestMetrics } from '../../ops/ingest-metrics.js';
import { PushSource } from '../push-source.js';
import type { SignatureVerifier } from './signature-verifier.js';

export interface WebhookSourceDeps {
  verifier: SignatureVerifier;
  metrics: Metrics;
  ingestMetrics: IngestMetrics;
  config: Pick<Config, 'ingest'>;
  guard: ((request: FastifyRequest) => void) | undefined;
  now?: () => number;
}

/**
 * The webhook Source: `POST /ingest/webhook` verifies the signature over the raw bytes, then
 * persist-then-respond. The route is registered now; it takes deliveries once started.
 */
export function createWebhookSource(app: FastifyInstance, deps: WebhookSourceDeps): PushSource {
  const failures = deps.metrics.signatureFailures;
  const verified = labelled((scheme, secret) =>
    deps.metrics.signatureVerified.labels({ source: 'webhook', scheme, secret }),
  );
  return new PushSource(app, {
    name: 'webhook',
    kind: 'webhook',
    path: '/ingest/webhook',
    metrics: deps.metrics,
    ingestMetrics: deps.ingestMetrics,
    config: deps.config,
    guard: deps.guard,
    ...(deps.now ? { now: deps.now } : {}),
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
