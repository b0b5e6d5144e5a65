// Properties of what the live hub reads from clients (WebSocket frames; docs/live-protocol.md:
// `{"type":"ping"}` is answered with `pong`, anything else is ignored), through a real gateway:
// any frames, mutated from the corpus, never stop the gateway or break the connection; every
// ping is answered once and nothing else is; text that is not UTF-8 closes the connection (1007).
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Gateway } from '../../src/gateway.js';
import { startTestGateway, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';
import { corpus } from './support/corpus.js';
import { fuzz } from './support/fuzz-run.js';
import { isPlainObject } from './support/json-facts.js';
import { applyByteOps, byteOp, shown } from './support/mutations.js';

/** Clients send only pings; the hub refuses messages past about 1 KiB (maxPayload). */
const MAX_FRAME_BYTES = 900;

interface Frame {
  bytes: Buffer;
  binary: boolean;
}

const seeds = corpus('live-frames');
const frameParts = fc.record({
  bytes: fc
    .oneof(
      fc
        .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(byteOp, { maxLength: 3 }))
        .map(([i, ops]) => shown(seeds[i]!.name, ops, applyByteOps(seeds[i]!.bytes, ops))),
      fc.jsonValue({ maxDepth: 2 }).map((v) => shown('json', [], Buffer.from(JSON.stringify(v)))),
      fc.string({ maxLength: 80 }).map((s) => shown('string', [], Buffer.from(s))),
      fc
        .constantFrom(
          '{"type":"ping"}',
          '{ "type" : "ping" }',
          '{"type":"ping","n":1}',
          '{"type":"pong"}',
          '{"a":{"type":"ping"}}',
          '"type":"ping"',
          `{"type":"ping","pad":"${'x'.repeat(60)}"}`,
        )
        .map((s) => shown('constant', [], Buffer.from(s))),
    )
    .map((m) => m.bytes.subarray(0, MAX_FRAME_BYTES)),
  binary: fc.boolean(),
});
const frame: fc.Arbitrary<Frame> = frameParts.map((f) => ({
  ...f,
  [fc.toStringMethod]: () =>
    `${f.binary ? 'binary' : 'text'} ${JSON.stringify(f.bytes.toString('latin1'))}`,
}));

/** A ping as the protocol defines it: a small JSON object whose `type` is "ping". */
function isPing(f: Frame): boolean {
  if (f.binary || f.bytes.length >= 64 || !isUtf8(f.bytes)) return false;
  try {
    const value: unknown = JSON.parse(f.bytes.toString('utf8'));
    return isPlainObject(value) && value.type === 'ping';
  } catch {
    return false;
  }
}

async function exchange(gw: Gateway, frames: Frame[]) {
  const client = LiveTestClient.open(gw.url);
  try {
    await client.opened;
    assert.equal(client.closed, undefined, `refused: ${JSON.stringify(client.closed)}`);
    for (const f of frames) client.ws.send(f.bytes, { binary: f.binary });
    const broken = frames.findIndex((f) => !f.binary && !isUtf8(f.bytes));
    const pings = frames.slice(0, broken < 0 ? frames.length : broken).filter(isPing).length;
    if (broken < 0) {
      await waitFor(() => client.of('pong').length >= pings || client.closed, {
        timeoutMs: 10_000,
        what: `${pings} pongs (${client.of('pong').length} so far)`,
      });
      client.ws.close(1000);
    }
    const closed = await client.waitForClose();
    return { client, closed, pings, broken, pongs: client.of('pong').length };
  } finally {
    client.close();
  }
}

describe('fuzz: live client frames', () => {
  test('any frames: each ping answered once, nothing else answered, invalid text closes 1007', async (t) => {
    const gw = await startTestGateway(t);
    await fuzz(
      'live-frames: pings answered, connection kept',
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 6 }), async (frames) => {
        const { closed, pings, broken, pongs } = await exchange(gw, frames);
        if (broken >= 0) {
          assert.equal(closed.code, 1007, 'invalid UTF-8 text is a protocol error');
        } else {
          assert.equal(closed.code, 1000, `closed by the server: ${JSON.stringify(closed)}`);
          // Exactly: this once found `{"a":{"type":"ping"}}` answered, when pings were matched by
          // a regular expression rather than parsed (corpus/live-frames/regressions).
          assert.equal(pongs, pings, `${pings} pings answered with ${pongs} pongs`);
        }
        const health = await gw.app.inject({ method: 'GET', url: '/healthz' });
        assert.equal(health.statusCode, 200);
      }),
      { quick: 40, cost: 10, timeoutMs: 30_000 },
    );
  });
});
