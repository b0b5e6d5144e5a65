import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHmac } from 'node:crypto';
import { WebhookSecret, loadConfig } from '../../src/config/index.js';
import { SignatureVerifier, decodeDigest } from '../../src/sources/webhook/signature-verifier.js';

describe('SignatureVerifier', () => {
  test('Standard Webhooks reference vector (libraries/javascript webhook.test.ts)', () => {
    const verifier = new SignatureVerifier({
      schemes: ['standard-webhooks'],
      secrets: [new WebhookSecret('sw', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')],
      timestampToleranceSec: 300,
      now: () => 1614265330 * 1000,
    });
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const body = Buffer.from('{"test": 2432232314}');
    const ok = verifier.verify(headers, body);
    assert.deepEqual(ok, {
      ok: true,
      scheme: 'standard-webhooks',
      secret: 'sw',
      webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    });
    // Decoys around the real signature still verify; a bare "v1," or truncated one does not.
    assert.equal(
      verifier.verify(
        { ...headers, 'webhook-signature': `v2,abc v1,Zm9v ${headers['webhook-signature']}` },
        body,
      ).ok,
      true,
    );
    assert.equal(verifier.verify({ ...headers, 'webhook-signature': 'v1,' }, body).ok, false);
    assert.equal(
      verifier.verify(
        { ...headers, 'webhook-signature': headers['webhook-signature'].slice(0, -4) },
        body,
      ).ok,
      false,
    );
    assert.equal(verifier.verify({ ...headers, 'webhook-timestamp': 'abc' }, body).ok, false);
    assert.equal(verifier.verify(headers, Buffer.from('{"test": 2432232315}')).ok, false);
  });

  test('only enabled schemes are considered', () => {
    const verifier = new SignatureVerifier({
      schemes: ['genesys'],
      secrets: [new WebhookSecret('a', 'k')],
      timestampToleranceSec: 300,
    });
    const r = verifier.verify({ 'x-hub-signature-256': 'sha256=abc' }, Buffer.from('{}'));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'SB_SIGNATURE_MISSING');
  });

  test('a secret verifies only its own scheme (whsec_: Standard Webhooks, else genesys)', () => {
    const now = 1_800_000_000;
    const body = Buffer.from('{"id":"e-1"}');
    const plain = new WebhookSecret('g', 'plain-secret');
    const raw = Buffer.from('0123456789abcdef0123456789abcdef');
    const sw = new WebhookSecret('sw', `whsec_${raw.toString('base64')}`);
    const hub = new WebhookSecret('h', 'hub-secret', false, 'hub-signature');
    assert.deepEqual(
      [plain.scheme, sw.scheme, hub.scheme],
      ['genesys', 'standard-webhooks', 'hub-signature'],
    );
    const verifier = new SignatureVerifier({
      schemes: ['genesys', 'hub-signature', 'standard-webhooks'],
      secrets: [plain, sw, hub],
      timestampToleranceSec: 300,
      now: () => now * 1000,
    });
    const mac = (key: string | Buffer, data: string | Buffer) =>
      createHmac('sha256', key).update(data).digest();
    const swHeaders = (sig: Buffer) => ({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(now),
      'webhook-signature': `v1,${sig.toString('base64')}`,
    });
    const signed = `msg_1.${now}.${body.toString()}`;
    // Each scheme with its own secret.
    const ok = (r: ReturnType<SignatureVerifier['verify']>) => (r.ok ? r.secret : r.code);
    assert.equal(
      ok(
        verifier.verify(
          { 'x-genesys-webhook-signature': mac('plain-secret', body).toString('hex') },
          body,
        ),
      ),
      'g',
    );
    assert.equal(ok(verifier.verify(swHeaders(mac(raw, signed)), body)), 'sw');
    assert.equal(
      ok(
        verifier.verify(
          { 'x-hub-signature-256': `sha256=${mac('hub-secret', body).toString('hex')}` },
          body,
        ),
      ),
      'h',
    );
    // Another scheme's secret never verifies: the same HMAC construction is refused under the
    // other header, whichever way round.
    assert.equal(
      ok(verifier.verify(swHeaders(mac('plain-secret', signed)), body)),
      'SB_SIGNATURE_INVALID',
    );
    assert.equal(
      ok(verifier.verify(swHeaders(mac('hub-secret', signed)), body)),
      'SB_SIGNATURE_INVALID',
    );
    assert.equal(
      ok(
        verifier.verify(
          { 'x-genesys-webhook-signature': mac('hub-secret', body).toString('hex') },
          body,
        ),
      ),
      'SB_SIGNATURE_INVALID',
    );
    assert.equal(
      ok(
        verifier.verify(
          { 'x-hub-signature-256': `sha256=${mac('plain-secret', body).toString('hex')}` },
          body,
        ),
      ),
      'SB_SIGNATURE_INVALID',
    );
    assert.equal(
      ok(verifier.verify({ 'x-genesys-webhook-signature': mac(raw, body).toString('hex') }, body)),
      'SB_SIGNATURE_INVALID',
    );
    assert.deepEqual(verifier.activeSecretNames.sort(), ['g', 'h', 'sw']);
  });

  test("config: a secret's scheme is named, or follows from a whsec_ prefix; env secrets are genesys", () => {
    const config = loadConfig({
      env: { SWITCHBOARD_WEBHOOK_SECRETS: 'plain,whsec_QUJD' },
      overrides: { dataDir: '/tmp/unused' },
    });
    assert.deepEqual(
      config.ingest.webhook.secrets.map((s) => s.scheme),
      ['genesys', 'standard-webhooks'],
    );
    const named = loadConfig({
      env: {},
      overrides: {
        ingest: {
          webhook: {
            secrets: [
              { name: 'om', secret: 'x', scheme: 'hub-signature' },
              { name: 'sw', secret: 'y', scheme: 'standard-webhooks' },
            ],
          },
        },
      },
    });
    assert.deepEqual(
      named.ingest.webhook.secrets.map((s) => [s.name, s.scheme]),
      [
        ['om', 'hub-signature'],
        ['sw', 'standard-webhooks'],
      ],
    );
    assert.throws(
      () =>
        loadConfig({
          env: {},
          overrides: { ingest: { webhook: { secrets: [{ secret: 'x', scheme: 'hmac' }] } } },
        }),
      /ingest\.webhook\.secrets\.0/,
    );
  });

  test('decodeDigest explains what is wrong', () => {
    assert.equal((decodeDigest('ab'.repeat(32)) as Buffer).length, 32);
    assert.match(decodeDigest('ab'.repeat(31)) as string, /62 characters; .* 64/);
    assert.match(decodeDigest('QUJD') as string, /base64 signature has 4/);
    assert.match(decodeDigest('not a digest!') as string, /neither hex nor base64/);
  });
});
