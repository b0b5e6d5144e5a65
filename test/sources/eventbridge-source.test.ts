import { randomUUID } from 'node:crypto';
import { createEventBridgeSource } from '../../src/sources/eventbridge/eventbridge-source.js';
import { presenceEnvelope } from '../support/eventbridge.js';
import { injectDelivery, pushRig } from './push-harness.js';
import { runSourceSuite } from './source-suite.js';

/** A Genesys partner envelope; its event id is the detail's topic and CorrelationId. */
function envelope() {
  const body = presenceEnvelope({ correlationId: randomUUID() });
  return { id: `${body.detail.topicName}:${body.detail.metadata.CorrelationId}`, body };
}

runSourceSuite('eventbridge', {
  gapOnAppendFailure: true,
  async create(t) {
    const { app, config, metrics, ingestMetrics } = pushRig(t);
    const source = createEventBridgeSource(app, {
      metrics,
      ingestMetrics,
      config,
      guard: undefined,
    });
    await app.ready();
    const { apiKeyHeader, apiKeys } = config.ingest.eventbridge;
    return {
      source,
      deliver: () => {
        const { body, id } = envelope();
        return injectDelivery(
          app,
          '/ingest/eventbridge',
          { [apiKeyHeader]: apiKeys[0]!.reveal() },
          JSON.stringify(body),
          [id],
        );
      },
    };
  },
});
