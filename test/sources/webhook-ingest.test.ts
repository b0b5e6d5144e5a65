import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import {
  TEST_SECRET,
  hmacBase64,
  hmacHex,
  postSigned,
  postWebhook,
  seedEvent,
  startTestGateway,
  waitFor,
} from '../support/helpers.js';

async function readEvents(gw: Gateway) {
  const res = await fetch(`${gw.url}/api/v1/events?after=0&limit=1000`);
  return (await res.json()) as {
    events: { offset: number; id: string; kind: string; body: string; occurredAt: string | null }[];
    next: number;
  };
}

/** After a bad request, a good one still goes through (other traffic unaffected). */
async function assertStillServes(gw: Gateway) {
  const body = JSON.stringify(seedEvent());
  const res = await postSigned(gw.url, body);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { accepted: 1, duplicates: 0 });
}

function assertError(
  res: { status: number; body: Record<string, unknown> },
  status: number,
  code: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const error = res.body.error as { code: string; message: string };
  assert.equal(error.code, code);
  assert.ok(error.message.length > 0);
}

describe('POST /ingest/webhook', () => {
  test('a signed event is stored byte-exact and answered 200 {accepted, duplicates}', async (t) => {
    const gw = await startTestGateway(t);
    const event = seedEvent();
    // Odd spacing and key order must survive: the log keeps bytes, not a re-serialization.
    const body = `{ "notificationId":"${String(event.notificationId)}",  "eventType":"interaction", "timestamp":"2026-11-23T10:00:00.000Z","data":{"interactionId":"i-1"} }`;
    const res = await postSigned(gw.url, body);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { accepted: 1, duplicates: 0 });
    const { events } = await readEvents(gw);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.body, body);
    assert.equal(events[0]!.id, event.notificationId);
    assert.equal(events[0]!.kind, 'interaction');
    assert.equal(events[0]!.occurredAt, '2026-11-23T10:00:00.000Z');
  });

  test('hex and base64 signatures both verify; the sha256= prefix is tolerated', async (t) => {
    const gw = await startTestGateway(t);
    for (const sign of [hmacHex, hmacBase64, (b: string) => `sha256=${hmacHex(b)}`]) {
      const body = JSON.stringify(seedEvent());
      const res = await postWebhook(gw.url, body, { 'x-genesys-webhook-signature': sign(body) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });

  test('an array keeps each element byte-exact as its own event', async (t) => {
    const gw = await startTestGateway(t);
    const a = JSON.stringify(seedEvent());
    const b = JSON.stringify(seedEvent({ note: 'with, commas ] and [ brackets "quoted \\" too"' }));
    const body = `[ ${a} ,\n ${b} ]`;
    const res = await postSigned(gw.url, body);
    assert.deepEqual(res.body, { accepted: 2, duplicates: 0 });
    const { events } = await readEvents(gw);
    assert.deepEqual(
      events.map((e) => e.body),
      [a, b],
    );
  });

  describe('signatures', () => {
    const cases: [string, (body: string) => Record<string, string>, string][] = [
      ['missing', () => ({}), 'SB_SIGNATURE_MISSING'],
      ['empty', () => ({ 'x-genesys-webhook-signature': '' }), 'SB_SIGNATURE_MALFORMED'],
      [
        'truncated hex',
        (b) => ({ 'x-genesys-webhook-signature': hmacHex(b).slice(0, 63) }),
        'SB_SIGNATURE_MALFORMED',
      ],
      [
        'truncated base64',
        (b) => ({ 'x-genesys-webhook-signature': hmacBase64(b).slice(0, 30) }),
        'SB_SIGNATURE_MALFORMED',
      ],
      [
        'over-long',
        (b) => ({ 'x-genesys-webhook-signature': hmacHex(b) + 'ab' }),
        'SB_SIGNATURE_MALFORMED',
      ],
      [
        'very long',
        () => ({ 'x-genesys-webhook-signature': 'a'.repeat(8000) }),
        'SB_SIGNATURE_MALFORMED',
      ],
      [
        'neither hex nor base64',
        () => ({ 'x-genesys-webhook-signature': 'zz!!not~a~digest%%' }),
        'SB_SIGNATURE_MALFORMED',
      ],
      [
        'wrong secret',
        (b) => ({ 'x-genesys-webhook-signature': hmacHex(b, 'some-other-secret') }),
        'SB_SIGNATURE_INVALID',
      ],
      [
        'retired secret',
        (b) => ({ 'x-genesys-webhook-signature': hmacHex(b, 'old-secret-retired') }),
        'SB_SIGNATURE_RETIRED_SECRET',
      ],
    ];
    for (const [name, headers, code] of cases) {
      test(`${name} signature → 401 ${code}, nothing stored`, async (t) => {
        const gw = await startTestGateway(t, {
          ingest: {
            webhook: {
              secrets: [
                { name: 'primary', secret: TEST_SECRET },
                { name: 'old', secret: 'old-secret-retired', retired: true },
              ],
            },
          },
        });
        const body = JSON.stringify(seedEvent());
        assertError(await postWebhook(gw.url, body, headers(body)), 401, code);
        assert.equal((await readEvents(gw)).events.length, 0);
        await assertStillServes(gw);
      });
    }

    test('a body changed by one byte after signing → 401 SB_SIGNATURE_INVALID', async (t) => {
      const gw = await startTestGateway(t);
      const body = JSON.stringify(seedEvent());
      const signature = hmacHex(body);
      const tampered = body.replace('"interaction"', '"interactioN"');
      assert.equal(tampered.length, body.length);
      assertError(
        await postWebhook(gw.url, tampered, { 'x-genesys-webhook-signature': signature }),
        401,
        'SB_SIGNATURE_INVALID',
      );
    });

    test('several active secrets verify (rotation) and each success is counted per secret', async (t) => {
      const gw = await startTestGateway(t, {
        ingest: {
          webhook: {
            secrets: [
              { name: 'new', secret: 'new-secret-abc' },
              { name: 'old', secret: TEST_SECRET },
            ],
          },
        },
      });
      const b1 = JSON.stringify(seedEvent());
      assert.equal((await postSigned(gw.url, b1, 'new-secret-abc')).status, 200);
      const b2 = JSON.stringify(seedEvent());
      assert.equal((await postSigned(gw.url, b2, TEST_SECRET)).status, 200);
      const b3 = JSON.stringify(seedEvent());
      assert.equal((await postSigned(gw.url, b3, TEST_SECRET)).status, 200);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(
        metrics,
        /switchboard_signature_verified_total\{source="webhook",scheme="genesys",secret="new"\} 1/,
      );
      assert.match(
        metrics,
        /switchboard_signature_verified_total\{source="webhook",scheme="genesys",secret="old"\} 2/,
      );
    });

    test('Open Messaging X-Hub-Signature-256: sha256=<base64>, with a hub-signature secret', async (t) => {
      const hubSecret = 'open-messaging-secret';
      const gw = await startTestGateway(t, {
        ingest: {
          webhook: {
            secrets: [
              { name: 'primary', secret: TEST_SECRET },
              { name: 'om', secret: hubSecret, scheme: 'hub-signature' },
            ],
          },
        },
      });
      const body = JSON.stringify(seedEvent());
      const ok = await postWebhook(gw.url, body, {
        'x-hub-signature-256': `sha256=${hmacBase64(body, hubSecret)}`,
      });
      assert.equal(ok.status, 200);
      const bad = await postWebhook(gw.url, body, {
        'x-hub-signature-256': hmacBase64(body, hubSecret),
      });
      assertError(bad, 401, 'SB_SIGNATURE_MALFORMED');
      // The genesys secret does not verify the hub scheme.
      const other = JSON.stringify(seedEvent());
      assertError(
        await postWebhook(gw.url, other, { 'x-hub-signature-256': `sha256=${hmacBase64(other)}` }),
        401,
        'SB_SIGNATURE_INVALID',
      );
    });

    test('Standard Webhooks: id, timestamp tolerance, multi-signature header, whsec_ key', async (t) => {
      const key = Buffer.from('0123456789abcdef0123456789abcdef');
      const secret = `whsec_${key.toString('base64')}`;
      let now = Date.parse('2026-11-23T12:00:00Z');
      const gw = await startTestGateway(
        t,
        { ingest: { webhook: { secrets: [{ name: 'sw', secret }], timestampToleranceSec: 300 } } },
        { now: () => now },
      );
      const sign = (id: string, ts: number, body: string) =>
        createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
      const ts = Math.floor(now / 1000);
      const body = JSON.stringify({
        type: 'queue.updated',
        timestamp: '2026-11-23T12:00:00Z',
        data: {},
      });
      const headers = (id: string, t0: number, sig: string) => ({
        'webhook-id': id,
        'webhook-timestamp': String(t0),
        'webhook-signature': sig,
      });
      const ok = await postWebhook(
        gw.url,
        body,
        headers('msg_1', ts, `v1,decoyAAAA v1,${sign('msg_1', ts, body)}`),
      );
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      // The webhook-id is the dedupe key when the body has none.
      const again = await postWebhook(
        gw.url,
        body,
        headers('msg_1', ts + 5, `v1,${sign('msg_1', ts + 5, body)}`),
      );
      assert.deepEqual(again.body, { accepted: 0, duplicates: 1 });
      now += 301_000;
      assertError(
        await postWebhook(gw.url, body, headers('msg_2', ts, `v1,${sign('msg_2', ts, body)}`)),
        401,
        'SB_TIMESTAMP_OUT_OF_TOLERANCE',
      );
      assertError(
        await postWebhook(gw.url, body, { 'webhook-signature': `v1,${sign('x', ts, body)}` }),
        401,
        'SB_TIMESTAMP_MISSING',
      );
      const future = Math.floor(now / 1000) + 400;
      assertError(
        await postWebhook(
          gw.url,
          body,
          headers('msg_3', future, `v1,${sign('msg_3', future, body)}`),
        ),
        401,
        'SB_TIMESTAMP_OUT_OF_TOLERANCE',
      );
    });

    test('signature failures are counted by reason', async (t) => {
      const gw = await startTestGateway(t);
      const body = JSON.stringify(seedEvent());
      await postWebhook(gw.url, body, {});
      await postWebhook(gw.url, body, { 'x-genesys-webhook-signature': hmacHex(body, 'nope') });
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(
        metrics,
        /switchboard_signature_failures_total\{source="webhook",scheme="none",reason="missing"\} 1/,
      );
      assert.match(
        metrics,
        /switchboard_signature_failures_total\{source="webhook",scheme="genesys",reason="mismatch"\} 1/,
      );
    });
  });

  describe('bad bodies', () => {
    test('empty body → 400 SB_EMPTY_BODY', async (t) => {
      const gw = await startTestGateway(t);
      assertError(await postSigned(gw.url, ''), 400, 'SB_EMPTY_BODY');
      await assertStillServes(gw);
    });

    test('2 MiB body → 413 SB_BODY_TOO_LARGE (declared length and chunked)', async (t) => {
      const gw = await startTestGateway(t);
      const big = JSON.stringify({ notificationId: 'big', pad: 'x'.repeat(2 * 1024 * 1024) });
      assertError(await postSigned(gw.url, big), 413, 'SB_BODY_TOO_LARGE');
      // Without a content-length (chunked), the limit is enforced while reading.
      const chunked = await fetch(`${gw.url}/ingest/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-genesys-webhook-signature': hmacHex(big),
        },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 32; i++)
              controller.enqueue(new TextEncoder().encode(big.slice(i * 65536, (i + 1) * 65536)));
            controller.close();
          },
        }),
        duplex: 'half',
      });
      assert.equal(chunked.status, 413);
      await assertStillServes(gw);
    });

    test('invalid UTF-8 → quarantined byte-exact, 202', async (t) => {
      const gw = await startTestGateway(t);
      const body = Buffer.concat([
        Buffer.from('{"notificationId":"x","name":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]);
      const res = await postSigned(gw.url, body);
      assert.equal(res.status, 202);
      assert.equal(res.body.code, 'SB_QUARANTINED');
      assert.equal(res.body.reason, 'invalid-utf8');
      const items = await gw.log.quarantine.list(0, 10);
      assert.equal(items.length, 1);
      assert.deepEqual(Buffer.from(items[0]!.body), body);
      assert.equal((await readEvents(gw)).events.length, 0);
      await assertStillServes(gw);
    });

    test('malformed JSON that is authentic → quarantined, 202; unsigned malformed JSON → 401', async (t) => {
      const gw = await startTestGateway(t);
      const body = '{"notificationId": "abc", "eventType": ';
      const res = await postSigned(gw.url, body);
      assert.equal(res.status, 202);
      assert.equal(res.body.reason, 'not-json');
      assert.equal(await gw.log.quarantine.count(), 1);
      assertError(await postWebhook(gw.url, body), 401, 'SB_SIGNATURE_MISSING');
      assert.equal(await gw.log.quarantine.count(), 1);
    });

    for (const [name, body] of [
      ['a number', '42'],
      ['a string', '"hello"'],
      ['null', 'null'],
      ['an array holding a number', '[{"notificationId":"ok"}, 7]'],
    ] as const) {
      test(`JSON that is ${name} → quarantined as not-an-object, 202`, async (t) => {
        const gw = await startTestGateway(t);
        const res = await postSigned(gw.url, body);
        assert.equal(res.status, 202);
        assert.equal(res.body.reason, 'not-an-object');
        assert.equal((await readEvents(gw)).events.length, 0, 'nothing of it reaches the log');
      });
    }

    test('nesting 100,000 levels deep → quarantined as too-deep without a stack overflow', async (t) => {
      const gw = await startTestGateway(t);
      const body = '['.repeat(100_000) + ']'.repeat(100_000);
      const res = await postSigned(gw.url, body);
      assert.equal(res.status, 202);
      assert.equal(res.body.reason, 'too-deep');
      const deepObject = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
      const res2 = await postSigned(gw.url, deepObject);
      assert.equal(res2.body.reason, 'too-deep');
      await assertStillServes(gw);
    });

    test('10,000 events in one array are all stored; 10,001 → 413 SB_TOO_MANY_EVENTS', async (t) => {
      const gw = await startTestGateway(t);
      const events = Array.from({ length: 10_000 }, (_, i) => ({
        notificationId: `n-${i}`,
        eventType: 'interaction',
      }));
      const res = await postSigned(gw.url, JSON.stringify(events));
      assert.deepEqual(res.body, { accepted: 10_000, duplicates: 0 });
      const stats = await gw.log.stats();
      assert.equal(stats.eventCount, 10_000);
      const tooMany = [...events, { notificationId: 'n-extra' }];
      assertError(await postSigned(gw.url, JSON.stringify(tooMany)), 413, 'SB_TOO_MANY_EVENTS');
      assert.equal((await gw.log.stats()).eventCount, 10_000);
    });

    test('the same event sent 1,000 times concurrently is stored once, 999 reported duplicate', async (t) => {
      const gw = await startTestGateway(t);
      const body = JSON.stringify(seedEvent());
      const results = await Promise.all(
        Array.from({ length: 1000 }, () => postSigned(gw.url, body)),
      );
      assert.ok(results.every((r) => r.status === 200));
      const accepted = results.reduce((n, r) => n + (r.body.accepted as number), 0);
      const duplicates = results.reduce((n, r) => n + (r.body.duplicates as number), 0);
      assert.equal(accepted, 1);
      assert.equal(duplicates, 999);
      assert.equal((await gw.log.stats()).eventCount, 1);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(metrics, /switchboard_duplicates_total\{source="webhook"\} 999/);
    });

    test('a body that trickles in slower than the timeout → 408 SB_BODY_TIMEOUT and the socket closes', async (t) => {
      const gw = await startTestGateway(t, { server: { bodyTimeoutMs: 300 } });
      const { port } = new URL(gw.url);
      const body = JSON.stringify(seedEvent());
      const socket = connect(Number(port), '127.0.0.1');
      t.after(() => socket.destroy());
      let response = '';
      socket.on('data', (d: Buffer) => (response += d.toString()));
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      socket.write(
        `POST /ingest/webhook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          `content-length: ${body.length}\r\nx-genesys-webhook-signature: ${hmacHex(body)}\r\n\r\n`,
      );
      let i = 0;
      const drip = setInterval(() => {
        if (i < body.length && !socket.destroyed) socket.write(body[i++]!);
      }, 50);
      t.after(() => clearInterval(drip));
      await closed;
      clearInterval(drip);
      assert.match(response, /^HTTP\/1\.1 408/);
      assert.match(response, /SB_BODY_TIMEOUT/);
      assert.equal((await gw.log.stats()).eventCount, 0);
      await assertStillServes(gw);
    });

    test('a wrong content type → 415 SB_UNSUPPORTED_MEDIA_TYPE before the body is read', async (t) => {
      const gw = await startTestGateway(t);
      const body = JSON.stringify(seedEvent());
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const res = await postWebhook(gw.url, body, {
          'content-type': type,
          'x-genesys-webhook-signature': hmacHex(body),
        });
        assertError(res, 415, 'SB_UNSUPPORTED_MEDIA_TYPE');
      }
      const vendor = await postWebhook(gw.url, body, {
        'content-type': 'application/vnd.genesys+json; charset=utf-8',
        'x-genesys-webhook-signature': hmacHex(body),
      });
      assert.equal(vendor.status, 200);
    });

    test('a flood of bad requests interleaved with good ones loses none of the good ones', async (t) => {
      const gw = await startTestGateway(t);
      const good: string[] = [];
      const requests: Promise<unknown>[] = [];
      for (let i = 0; i < 300; i++) {
        const event = seedEvent();
        const body = JSON.stringify(event);
        if (i % 3 === 0) {
          good.push(String(event.notificationId));
          requests.push(postSigned(gw.url, body));
        } else if (i % 3 === 1) {
          requests.push(
            postWebhook(gw.url, body, { 'x-genesys-webhook-signature': hmacHex(body, 'bad') }),
          );
        } else {
          requests.push(postSigned(gw.url, body.slice(0, 20)));
        }
      }
      await Promise.all(requests);
      const { events } = await readEvents(gw);
      assert.deepEqual(new Set(events.map((e) => e.id)), new Set(good));
    });
  });

  describe('overload', () => {
    test('sheds low-priority kinds first, then everything, with 429 and Retry-After', async (t) => {
      let pending = 0;
      const gw = await startTestGateway(t, {
        ingest: { overload: { maxPendingEvents: 100, shedLowPriorityAt: 10, retryAfterSec: 2 } },
      });
      // Hold the log's pending count where the test wants it.
      gw.log.pendingEvents = () => pending;
      const low = JSON.stringify(seedEvent({ eventType: 'something.new' })); // kind unknown: low priority
      const high = () => JSON.stringify(seedEvent());
      pending = 50;
      const shed = await postSigned(gw.url, low);
      assertError(shed, 429, 'SB_OVERLOADED');
      assert.equal(shed.headers.get('retry-after'), '2');
      assert.equal((await postSigned(gw.url, high())).status, 200);
      pending = 100;
      assertError(await postSigned(gw.url, high()), 429, 'SB_OVERLOADED');
      pending = 0;
      assert.equal((await postSigned(gw.url, low)).status, 200);
    });
  });

  test('a real flood over the pending threshold gets 429 + Retry-After; every 200 is stored', async (t) => {
    const gw = await startTestGateway(t, {
      ingest: { overload: { maxPendingEvents: 5, shedLowPriorityAt: 2 } },
    });
    const sent = Array.from({ length: 300 }, () => seedEvent());
    const results = await Promise.all(sent.map((e) => postSigned(gw.url, JSON.stringify(e))));
    const statuses = new Set(results.map((r) => r.status));
    assert.ok(
      [...statuses].every((s) => s === 200 || s === 429),
      [...statuses].join(),
    );
    const shed = results.filter((r) => r.status === 429);
    assert.ok(shed.length > 0, 'the flood must trip admission control');
    assert.ok(shed.every((r) => r.headers.get('retry-after') === '1'));
    const acked = sent.filter((_, i) => results[i]!.status === 200).map((e) => e.notificationId);
    const { events } = await readEvents(gw);
    assert.deepEqual(new Set(events.map((e) => e.id)), new Set(acked));
  });

  test('unknown shapes are stored with kind unknown and counted', async (t) => {
    const gw = await startTestGateway(t);
    const body = JSON.stringify({ id: 'mystery-1', something: { new: true } });
    assert.equal((await postSigned(gw.url, body)).status, 200);
    const { events } = await readEvents(gw);
    assert.equal(events[0]!.kind, 'unknown');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /switchboard_events_unknown_total\{source="webhook"\} 1/);
  });

  test('a wrong route → 404 SB_NOT_FOUND in the error format', async (t) => {
    const gw = await startTestGateway(t);
    const res = await fetch(`${gw.url}/ingest/nope`, { method: 'POST' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SB_NOT_FOUND');
  });

  test('ack latency and batch sizes are exported', async (t) => {
    const gw = await startTestGateway(t);
    await Promise.all(
      Array.from({ length: 20 }, () => postSigned(gw.url, JSON.stringify(seedEvent()))),
    );
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const done = /switchboard_ack_latency_seconds_count\{source="webhook",status="200"\} 20/;
      return done.test(text) ? text : undefined;
    });
    assert.match(metrics, /switchboard_append_batch_events_count \d+/);
    assert.match(
      metrics,
      /switchboard_ingest_events_total\{source="webhook",outcome="stored"\} 20/,
    );
    assert.match(metrics, /switchboard_log_size_bytes \d+/);
  });
});
