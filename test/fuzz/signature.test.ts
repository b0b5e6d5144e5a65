// Properties of the webhook signature verifier (src/sources/webhook/signature-verifier.ts) for
// its three schemes: a correct signature in any accepted encoding verifies (nothing lost); any
// hostile headers give either a correct signature's success or a typed 401 refusal, never an
// exception; and a signature made with another scheme's key never passes (issue 10, row 18).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/errors.js';
import { SignatureVerifier } from '../../src/sources/webhook/signature-verifier.js';
import { tempDir, testConfig } from '../support/helpers.js';
import { corpus } from './support/corpus.js';
import { fuzz } from './support/fuzz-run.js';
import { applyByteOps, byteOp, shown } from './support/mutations.js';

const NOW_MS = Date.UTC(2026, 10, 23, 10, 0, 0);
const TOLERANCE_SEC = 300;
const KEYS = {
  genesys: Buffer.from('genesys-secret-0123456789'),
  'hub-signature': Buffer.from('hub-secret-0123456789'),
  'standard-webhooks': Buffer.from('standard-webhooks-key-0123456789'),
} as const;
type Scheme = keyof typeof KEYS;
const SCHEMES = Object.keys(KEYS) as Scheme[];

function verifier(dir: string): SignatureVerifier {
  const { webhook } = testConfig(dir, {
    ingest: {
      webhook: {
        secrets: [
          { name: 'genesys', secret: KEYS.genesys.toString() },
          { name: 'hub', secret: KEYS['hub-signature'].toString(), scheme: 'hub-signature' },
          {
            name: 'standard',
            secret: `whsec_${KEYS['standard-webhooks'].toString('base64')}`,
            scheme: 'standard-webhooks',
          },
        ],
      },
    },
  }).ingest;
  return new SignatureVerifier({
    schemes: webhook.schemes,
    secrets: webhook.secrets,
    timestampToleranceSec: TOLERANCE_SEC,
    now: () => NOW_MS,
  });
}

const digest = (key: Buffer, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The digest a scheme signs for this request. */
function expected(scheme: Scheme, body: Buffer, id = '', ts = ''): Buffer {
  return scheme === 'standard-webhooks'
    ? digest(KEYS[scheme], `${id}.${ts}.`, body)
    : digest(KEYS[scheme], body);
}

const encodings = ['hex', 'HEX', 'base64', 'base64-unpadded', 'base64url'] as const;
function encode(d: Buffer, how: (typeof encodings)[number]): string {
  switch (how) {
    case 'hex':
      return d.toString('hex');
    case 'HEX':
      return d.toString('hex').toUpperCase();
    case 'base64':
      return d.toString('base64');
    case 'base64-unpadded':
      return d.toString('base64').replace(/=+$/, '');
    case 'base64url':
      return d.toString('base64url');
  }
}

/** Whether `value` carries `d` in an encoding a verifier may accept. */
function carries(value: string, d: Buffer): boolean {
  const lower = value.toLowerCase();
  return (
    lower.includes(d.toString('hex')) ||
    value.includes(d.toString('base64').replace(/=+$/, '')) ||
    value.includes(d.toString('base64url'))
  );
}

const bodies = corpus('webhook');
/** A webhook body, shown as text in a counterexample (the verifier reads its bytes). */
const body = fc
  .tuple(fc.nat({ max: bodies.length - 1 }), fc.array(byteOp, { maxLength: 2 }))
  .map(([i, ops]) => shown(bodies[i]!.name, ops, applyByteOps(bodies[i]!.bytes, ops)));
const webhookId = fc.stringMatching(/^[\x21-\x7e]{1,40}$/);
const timestamp = fc
  .integer({ min: -TOLERANCE_SEC, max: TOLERANCE_SEC })
  .map((skew) => String(Math.round(NOW_MS / 1000) + skew));

function headersFor(scheme: Scheme, value: string, id: string, ts: string): IncomingHttpHeaders {
  switch (scheme) {
    case 'genesys':
      return { 'x-genesys-webhook-signature': value };
    case 'hub-signature':
      return { 'x-hub-signature-256': value };
    case 'standard-webhooks':
      return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': value };
  }
}

describe('fuzz: webhook signatures', () => {
  test('a correct signature verifies, in every accepted encoding', async (t) => {
    const v = verifier(tempDir(t));
    await fuzz(
      'signature: correct ones verify',
      fc.property(
        fc.constantFrom(...SCHEMES),
        body,
        fc.constantFrom(...encodings),
        webhookId,
        timestamp,
        fc.constantFrom('', ' ', '\t'),
        (scheme, { bytes: payload }, how, id, ts, pad) => {
          const sig = encode(expected(scheme, payload, id, ts), how);
          // Standard Webhooks: space-separated `v1,<base64>` candidates, other versions skipped.
          const value =
            scheme === 'standard-webhooks'
              ? `v1a,${sig} v1,${encode(Buffer.alloc(32), 'base64')} v1,${encode(expected(scheme, payload, id, ts), 'base64')}`
              : `${pad}${scheme === 'hub-signature' ? 'sha256=' : ''}${sig}${pad}`;
          const result = v.verify(headersFor(scheme, value, id, ts), payload);
          assert.ok(result.ok, `${scheme} ${how}: ${result.ok ? '' : result.message}`);
          assert.equal(result.scheme, scheme);
        },
      ),
      { quick: 300 },
    );
  });

  test('hostile headers: success only with the right key for the scheme; else a 401 code', async (t) => {
    const v = verifier(tempDir(t));
    /** A signature: correct for some scheme (over the body or over id.ts.body), or junk. */
    const sig = fc.oneof(
      fc.record({
        scheme: fc.constantFrom(...SCHEMES),
        wrapped: fc.boolean(),
        how: fc.constantFrom(...encodings),
      }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.stringMatching(/^[0-9a-fA-F]{60,68}$/),
      fc.constantFrom('', ' ', 'sha256=', 'v1,', 'v1, ', ',,,', 'x'.repeat(5000)),
    );
    type Sig = typeof sig extends fc.Arbitrary<infer T> ? T : never;
    const hostile = fc.record({
      payload: body,
      id: webhookId,
      ts: fc.oneof(timestamp, fc.constantFrom('', 'abc', '-1', '1e3', '99999999999999')),
      genesys: fc.option(sig, { nil: undefined }),
      hub: fc.option(fc.tuple(fc.constantFrom('sha256=', 'SHA256=', '', 'sha1='), sig), {
        nil: undefined,
      }),
      standard: fc.option(
        fc.array(fc.tuple(fc.constantFrom('v1', 'v1a', 'v2', ''), sig), { maxLength: 3 }),
        {
          nil: undefined,
        },
      ),
      asArray: fc.boolean(),
    });
    await fuzz(
      'signature: hostile headers',
      fc.property(hostile, (h) => {
        const payload = h.payload.bytes;
        const text = (s: Sig) =>
          typeof s === 'string'
            ? s
            : encode(
                s.wrapped
                  ? digest(KEYS[s.scheme], `${h.id}.${h.ts}.`, payload)
                  : digest(KEYS[s.scheme], payload),
                s.how,
              );
        const values = {
          genesys: h.genesys === undefined ? undefined : text(h.genesys),
          'hub-signature': h.hub && h.hub[0] + text(h.hub[1]),
          'standard-webhooks': h.standard?.map(([version, s]) => `${version},${text(s)}`).join(' '),
        };
        const headers: IncomingHttpHeaders = { 'webhook-id': h.id, 'webhook-timestamp': h.ts };
        const set = (name: string, value: string | undefined) => {
          if (value !== undefined) headers[name] = h.asArray ? [value, 'x'] : value;
        };
        set('x-genesys-webhook-signature', values.genesys);
        set('x-hub-signature-256', values['hub-signature']);
        set('webhook-signature', values['standard-webhooks']);
        const result = v.verify(headers, payload);
        if (!result.ok) {
          const spec: { http?: number; message: string } = ERROR_CODES[result.code];
          assert.equal(spec.http, 401, result.code);
          return;
        }
        // Nothing invented: the header of the scheme that passed carries that scheme's digest.
        const scheme = result.scheme;
        const value = values[scheme];
        assert.ok(value !== undefined, `${scheme} passed without its header`);
        assert.ok(
          carries(value, expected(scheme, payload, h.id.trim(), h.ts.trim())),
          `${scheme} passed on ${value}`,
        );
        if (scheme === 'standard-webhooks') {
          assert.ok(Math.abs(Number(h.ts) - NOW_MS / 1000) <= TOLERANCE_SEC, 'stale timestamp');
        }
      }),
      { quick: 400 },
    );
  });
});
