import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Secret } from '../../src/config/index.js';
import { SignatureVerifier, decodeDigest } from '../../src/sources/webhook/signature-verifier.js';

describe('SignatureVerifier', () => {
  test('Standard Webhooks reference vector (libraries/javascript webhook.test.ts)', () => {
    const verifier = new SignatureVerifier({
      schemes: ['standard-webhooks'],
      secrets: [new Secret('sw', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')],
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
      secrets: [new Secret('a', 'k')],
      timestampToleranceSec: 300,
    });
    const r = verifier.verify({ 'x-hub-signature-256': 'sha256=abc' }, Buffer.from('{}'));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'SB_SIGNATURE_MISSING');
  });

  test('decodeDigest explains what is wrong', () => {
    assert.equal((decodeDigest('ab'.repeat(32)) as Buffer).length, 32);
    assert.match(decodeDigest('ab'.repeat(31)) as string, /62 characters; .* 64/);
    assert.match(decodeDigest('QUJD') as string, /base64 signature has 4/);
    assert.match(decodeDigest('not a digest!') as string, /neither hex nor base64/);
  });
});
