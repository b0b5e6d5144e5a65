import { createWebhookSource } from '../../src/sources/webhook/webhook-source.js';
import { SignatureVerifier } from '../../src/sources/webhook/signature-verifier.js';
import { hmacHex, seedEvent } from '../support/helpers.js';
import { injectDelivery, pushRig } from './push-harness.js';
import { runSourceSuite } from './source-suite.js';

runSourceSuite('webhook', {
  gapOnAppendFailure: true,
  async create(t) {
    const { app, config, metrics, ingestMetrics } = pushRig(t);
    const { schemes, secrets, timestampToleranceSec } = config.ingest.webhook;
    const verifier = new SignatureVerifier({ schemes, secrets, timestampToleranceSec });
    const source = createWebhookSource(app, {
      verifier,
      metrics,
      ingestMetrics,
      config,
      guard: undefined,
    });
    await app.ready();
    return {
      source,
      deliver: () => {
        const event = seedEvent();
        const body = JSON.stringify(event);
        return injectDelivery(
          app,
          '/ingest/webhook',
          { 'x-genesys-webhook-signature': hmacHex(body) },
          body,
          [String(event.notificationId)],
        );
      },
    };
  },
});
