import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import { SwitchboardError } from '../../errors.js';
import type { IngestMetrics } from '../../ops/ingest-metrics.js';
import type { Metrics } from '../../ops/metrics.js';
import { PushSource } from '../push-source.js';

export interface EventBridgeSourceDeps {
  metrics: Metrics;
  ingestMetrics: IngestMetrics;
  /** `ingest.eventbridge` holds the API-key header and keys. */
  config: Pick<Config, 'ingest'>;
  guard: ((request: FastifyRequest) => void) | undefined;
  now?: () => number;
}

/**
 * The EventBridge Source: `POST /ingest/eventbridge` takes the Genesys partner envelope, one or
 * an array, as an EventBridge API destination sends it. EventBridge signs nothing; the API
 * destination's connection adds a static API-key header, which is checked here in constant time.
 */
export function createEventBridgeSource(
  app: FastifyInstance,
  deps: EventBridgeSourceDeps,
): PushSource {
  const { apiKeyHeader, apiKeys } = deps.config.ingest.eventbridge;
  const header = apiKeyHeader.toLowerCase();
  // Compare digests, not the keys, so lengths are always equal and nothing about a key leaks.
  const keys = apiKeys.map((k) => ({ name: k.name, digest: sha256(k.reveal()) }));
  return new PushSource(app, {
    name: 'eventbridge',
    kind: 'eventbridge',
    path: '/ingest/eventbridge',
    metrics: deps.metrics,
    ingestMetrics: deps.ingestMetrics,
    config: deps.config,
    guard: deps.guard,
    ...(deps.now ? { now: deps.now } : {}),
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
          digest === undefined ? `missing ${apiKeyHeader} header` : 'API key does not match',
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
