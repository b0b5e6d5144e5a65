import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Secret } from '../../config/index.js';
import { SwitchboardError } from '../../errors.js';
import type { IngestMetrics } from '../../ops/ingest-metrics.js';
import type { Metrics } from '../../ops/metrics.js';
import type { IngestPipeline } from '../ingest-pipeline.js';
import { registerIngestRoute } from '../ingest-route.js';

export interface EventBridgeRouteDeps {
  pipeline: IngestPipeline;
  metrics: Metrics;
  ingestMetrics: IngestMetrics;
  guard: ((request: FastifyRequest) => void) | undefined;
  isShuttingDown: () => boolean;
  apiKeyHeader: string;
  apiKeys: readonly Secret[];
}

/**
 * `POST /ingest/eventbridge`: the Genesys partner envelope, one or an array, as an EventBridge
 * API destination sends it. EventBridge signs nothing; the API destination's connection adds a
 * static API-key header, which is checked here in constant time.
 */
export function registerEventBridgeRoute(app: FastifyInstance, deps: EventBridgeRouteDeps): void {
  const header = deps.apiKeyHeader.toLowerCase();
  // Compare digests, not the keys, so lengths are always equal and nothing about a key leaks.
  const keys = deps.apiKeys.map((k) => ({ name: k.name, digest: sha256(k.reveal()) }));
  registerIngestRoute(app, {
    path: '/ingest/eventbridge',
    source: 'eventbridge',
    pipeline: deps.pipeline,
    metrics: deps.ingestMetrics,
    guard: deps.guard,
    isShuttingDown: deps.isShuttingDown,
    authenticate: (request) => {
      const raw = request.headers[header];
      const presented = Array.isArray(raw) ? raw[0] : raw;
      const digest = presented === undefined || presented === '' ? undefined : sha256(presented);
      let match: string | undefined;
      for (const key of keys) {
        if (digest !== undefined && timingSafeEqual(key.digest, digest)) match = key.name;
      }
      if (match === undefined) {
        deps.metrics.signatureFailures.inc({
          source: 'eventbridge',
          scheme: 'api-key',
          reason: digest === undefined ? 'missing' : 'mismatch',
        });
        throw new SwitchboardError(
          'SB_API_KEY_INVALID',
          digest === undefined ? `missing ${deps.apiKeyHeader} header` : 'API key does not match',
        );
      }
      deps.metrics.signatureVerified.inc({
        source: 'eventbridge',
        scheme: 'api-key',
        secret: match,
      });
      return {};
    },
  });
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
