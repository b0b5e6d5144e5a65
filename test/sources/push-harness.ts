import type { FastifyInstance } from 'fastify';
import type { TestContext } from 'node:test';
import type { Config } from '../../src/config/index.js';
import { buildHttpApp } from '../../src/http/http-app.js';
import { createIngestMetrics, type IngestMetrics } from '../../src/ops/ingest-metrics.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import type { Delivery } from './source-suite.js';
import { tempDir, testConfig } from '../support/helpers.js';

export interface PushRig {
  app: FastifyInstance;
  config: Config;
  metrics: Metrics;
  ingestMetrics: IngestMetrics;
}

/** The gateway's HTTP app (raw-body parser, error format) with nothing registered yet. */
export function pushRig(t: TestContext): PushRig {
  const config = testConfig(tempDir(t));
  const metrics = createMetrics({ defaultMetrics: false });
  const ingestMetrics = createIngestMetrics(metrics);
  const app = buildHttpApp({ config, logger: createLogger('silent'), ingestMetrics });
  t.after(() => app.close());
  return { app, config, metrics, ingestMetrics };
}

/** Posts through fastify's inject; 200 is an ack of `ids`, anything else a refusal. */
export async function injectDelivery(
  app: FastifyInstance,
  url: string,
  headers: Record<string, string>,
  body: string,
  ids: string[],
): Promise<Delivery> {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
  if (res.statusCode === 200) return { acked: true, ids };
  const error = (res.json<{ error?: { code?: string } }>().error ?? {}).code;
  return { acked: false, code: error };
}
