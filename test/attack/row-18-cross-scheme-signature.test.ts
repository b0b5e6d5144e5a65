// Row 18: a Genesys-scheme HMAC over id.ts.body presented as a Standard Webhooks signature |
// accepted: the three schemes share one raw key
//
// Each webhook secret now verifies exactly one scheme (`scheme`, or by default: `whsec_…` is
// Standard Webhooks, anything else X-Genesys-Webhook-Signature).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { TEST_SECRET, postWebhook, startTestGateway } from '../support/helpers.js';

const mac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest('base64');

function code(res: { body: Record<string, unknown> }): unknown {
  return (res.body.error as { code?: string } | undefined)?.code;
}

const body = JSON.stringify({
  notificationId: 'n-forged',
  eventType: 'interaction',
  timestamp: '2026-11-23T10:00:00.000Z',
  data: { interactionId: 'i-1' },
});

describe('row 18: one secret, one scheme', () => {
  test("a genesys secret's HMAC over id.ts.body is refused as a Standard Webhooks signature", async (t) => {
    const gw = await startTestGateway(t); // one secret, TEST_SECRET: the genesys scheme
    const id = 'msg_forged';
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await postWebhook(gw.url, body, {
      'webhook-id': id,
      'webhook-timestamp': ts,
      'webhook-signature': `v1,${mac(TEST_SECRET, `${id}.${ts}.${body}`)}`,
    });
    assert.equal(res.status, 401);
    assert.equal(code(res), 'SB_SIGNATURE_INVALID');
    assert.equal((await gw.log.stats()).eventCount, 0);
    assert.equal((await gw.log.quarantine.list(0, 10)).length, 0);
  });

  test('a Standard Webhooks signature is refused as X-Genesys-Webhook-Signature over "id.ts.body"', async (t) => {
    const swSecret = 'plain-standard-webhooks-secret';
    const gw = await startTestGateway(t, {
      ingest: {
        webhook: {
          secrets: [
            { name: 'primary', secret: TEST_SECRET },
            { name: 'sw', secret: swSecret, scheme: 'standard-webhooks' },
          ],
        },
      },
    });
    const id = 'msg_1';
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = mac(swSecret, `${id}.${ts}.${body}`);
    const delivered = await postWebhook(gw.url, body, {
      'webhook-id': id,
      'webhook-timestamp': ts,
      'webhook-signature': `v1,${signature}`,
    });
    assert.equal(delivered.status, 200);
    // Replayed under the genesys scheme (no timestamp to check), the digest covers these bytes.
    const replay = await postWebhook(gw.url, `${id}.${ts}.${body}`, {
      'x-genesys-webhook-signature': signature,
    });
    assert.equal(replay.status, 401);
    assert.equal(code(replay), 'SB_SIGNATURE_INVALID');
    assert.equal((await gw.log.quarantine.list(0, 10)).length, 0);
  });

  test('each scheme still verifies with its own secret', async (t) => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const gw = await startTestGateway(t, {
      ingest: {
        webhook: {
          secrets: [
            { name: 'primary', secret: TEST_SECRET },
            { name: 'sw', secret: `whsec_${key.toString('base64')}` },
            { name: 'om', secret: 'hub-secret', scheme: 'hub-signature' },
          ],
        },
      },
    });
    const event = (n: number) => body.replace('n-forged', `n-${n}`);
    const genesys = await postWebhook(gw.url, event(1), {
      'x-genesys-webhook-signature': mac(TEST_SECRET, event(1)),
    });
    assert.equal(genesys.status, 200);
    const ts = String(Math.floor(Date.now() / 1000));
    const sw = await postWebhook(gw.url, event(2), {
      'webhook-id': 'msg_2',
      'webhook-timestamp': ts,
      'webhook-signature': `v1,${mac(key, `msg_2.${ts}.${event(2)}`)}`,
    });
    assert.equal(sw.status, 200);
    const hub = await postWebhook(gw.url, event(3), {
      'x-hub-signature-256': `sha256=${mac('hub-secret', event(3))}`,
    });
    assert.equal(hub.status, 200);
    assert.equal((await gw.log.stats()).eventCount, 3);
  });
});
