// Properties of the raw body reader (src/sources/raw-body.ts), the first parser a request meets:
// however the bytes are chunked, whatever Content-Length claims, it resolves with exactly the
// bytes sent or rejects with a typed error (413, 408, 400), and it always settles.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SwitchboardError } from '../../src/errors.js';
import { readRawBody } from '../../src/sources/raw-body.js';
import { fuzz } from './support/fuzz-run.js';

/** A request stream as the HTTP server hands it over: chunks, then end, error or nothing. */
function request(headers: Record<string, string>): PassThrough & IncomingMessage {
  const req = Object.assign(new PassThrough(), { headers });
  // The server's own listener: an error after the reader let go must not go unhandled.
  req.on('error', () => undefined);
  return req as unknown as PassThrough & IncomingMessage;
}

const delivery = fc.record({
  body: fc.uint8Array({ maxLength: 4096 }),
  /** Where the body is cut into chunks. */
  cuts: fc.uniqueArray(fc.nat({ max: 4096 }), { maxLength: 8 }),
  limit: fc.integer({ min: 1, max: 5000 }),
  declared: fc.oneof(
    fc.constant('exact' as const),
    fc.constant(undefined),
    fc.nat({ max: 10_000 }).map(String),
    fc.constantFrom('', 'abc', '-1', '1e9', ' 12', '0x10', 'Infinity'),
  ),
  ending: fc.constantFrom('end', 'end', 'error', 'aborted', 'stall'),
});

describe('fuzz: raw body', () => {
  test('exactly the bytes sent, or a typed refusal; always settles', async () => {
    await fuzz(
      'raw-body: chunks, lengths, endings',
      fc.asyncProperty(delivery, async (d) => {
        const body = Buffer.from(d.body);
        const length = d.declared === 'exact' ? String(body.length) : d.declared;
        const req = request(length === undefined ? {} : { 'content-length': length });
        const pending = readRawBody(req, { limitBytes: d.limit, timeoutMs: 20 }).then(
          (bytes) => ({ bytes }),
          (err: unknown) => ({ err }),
        );
        const cuts = [
          0,
          ...d.cuts.filter((c) => c < body.length).sort((a, b) => a - b),
          body.length,
        ];
        for (let i = 1; i < cuts.length; i++) req.write(body.subarray(cuts[i - 1], cuts[i]));
        if (d.ending === 'end') req.end();
        else if (d.ending === 'error') req.emit('error', new Error('connection reset'));
        else if (d.ending === 'aborted') req.emit('aborted');

        const declared = Number(length);
        const outcome = await pending;
        if ('bytes' in outcome) {
          assert.equal(d.ending, 'end', 'resolved without the body ending');
          assert.ok(outcome.bytes.equals(body), 'not the bytes sent');
          assert.ok(body.length <= d.limit);
          return;
        }
        const { err } = outcome;
        assert.ok(err instanceof SwitchboardError, `escaped: ${String(err)}`);
        if (Number.isFinite(declared) && declared > d.limit) {
          assert.equal(err.code, 'SB_BODY_TOO_LARGE', 'a declared length over the limit');
        } else if (body.length > d.limit) {
          assert.equal(err.code, 'SB_BODY_TOO_LARGE');
        } else {
          const expected = {
            end: '',
            error: 'SB_BAD_REQUEST',
            aborted: 'SB_BAD_REQUEST',
            stall: 'SB_BODY_TIMEOUT',
          };
          assert.equal(err.code, expected[d.ending], `${d.ending}: ${err.code}`);
        }
        assert.ok(err.status >= 400 && err.status < 500);
      }),
      { quick: 300, cost: 4, timeoutMs: 10_000 },
    );
  });
});
