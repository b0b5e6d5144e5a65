import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { inspect } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { Secret, WebhookSecret } from '../../src/config/index.js';
import { SwitchboardError } from '../../src/errors.js';
import {
  FinalSinkError,
  RetryableSinkError,
  createHttpSink,
  type DeliveryOutcome,
  type HttpSinkOptions,
} from '../../src/sinks/index.js';
import {
  HttpSink,
  MAX_RETRY_AFTER_MS,
  headerSafe,
  parseRetryAfter,
} from '../../src/sinks/http-sink.js';
import { SignatureVerifier } from '../../src/sources/webhook/signature-verifier.js';
import { waitFor } from '../support/helpers.js';
import { ReferenceTarget } from './reference-target.js';
import { makeStoredEvent, runSinkSuite, type SinkHarness } from './sink-suite.js';

const SECRET = `whsec_${Buffer.from('switchboard-http-sink-test-key-32b').toString('base64')}`;

/**
 * A receiver as the docs tell one to be written: it verifies the signature with the
 * standardwebhooks library over the raw body (401 when it does not verify), stores the raw body
 * under `webhook-id`, and answers a repeated id 200 with `Idempotent-Replayed: true`.
 */
class Receiver extends ReferenceTarget {
  constructor(secret: string | null = SECRET) {
    const webhook = secret === null ? undefined : new Webhook(secret);
    super(
      webhook && {
        verify: (seen) => {
          try {
            webhook.verify(seen.body, flat(seen.headers));
            return true;
          } catch {
            return false;
          }
        },
      },
    );
  }

  override listen(path = '/hooks/crm?tenant=a'): Promise<string> {
    return super.listen(path);
  }
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out[k] = v;
  return out;
}

async function open(
  t: TestContext,
  options: Partial<HttpSinkOptions> = {},
  receiver = new Receiver(),
): Promise<SinkHarness & { receiver: Receiver; sink: HttpSink; url: string }> {
  const url = await receiver.listen();
  const sink = new HttpSink({ name: 'crm', url, secret: SECRET, ...options });
  t.after(async () => {
    await sink.close();
    await receiver.close();
  });
  return {
    sink,
    receiver,
    url,
    records: async () => receiver.records(),
    breakTarget: (mode, ids) => receiver.breakTarget(mode, ids),
    holdTarget: () => receiver.holdTarget(),
  };
}

async function started(t: TestContext, options: Partial<HttpSinkOptions> = {}, r?: Receiver) {
  const h = await open(t, options, r);
  await h.sink.start();
  return h;
}

function failure(outcome: DeliveryOutcome | undefined) {
  assert.ok(outcome?.status === 'failed', `expected a failure, got ${outcome?.status}`);
  return outcome.error;
}

runSinkSuite('HTTP sink (default limits)', { open: (t) => open(t) });
runSinkSuite('HTTP sink (small limits, one connection)', {
  open: (t) =>
    open(t, {
      maxConcurrency: 1,
      limits: { maxBatchEvents: 6, maxBatchBytes: 8192, maxEventBytes: 2048 },
    }),
});

describe('HTTP sink: what the receiver gets', () => {
  test("the request verifies with the standardwebhooks library's own Webhook.verify", async (t) => {
    const h = await started(t);
    const event = makeStoredEvent({ body: '{"b":1,"a":  1.0e2, "s":"ünï ✓"}' });
    assert.deepEqual(await h.sink.deliver([event]), [{ status: 'delivered' }]);
    const [seen] = h.receiver.seen;
    assert.ok(seen);
    assert.equal(h.receiver.verifyFailures, 0);
    const verified = new Webhook(SECRET).verify(seen.body, flat(seen.headers));
    assert.deepEqual(verified, JSON.parse(Buffer.from(event.body).toString()));
    assert.ok(seen.body.equals(Buffer.from(event.body)), 'the body is the raw body, byte-exact');
    assert.equal(seen.headers['webhook-id'], event.id);
    assert.match(String(seen.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
    const ts = Number(seen.headers['webhook-timestamp']);
    assert.ok(Math.abs(ts - Date.now() / 1000) < 5, 'webhook-timestamp is now, in seconds');
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(seen.headers['x-switchboard-offset'], String(event.offset));
    assert.equal(seen.headers['x-switchboard-kind'], event.kind);
    const meta: unknown = JSON.parse(String(seen.headers['x-switchboard-event']));
    const { body: _body, ...rest } = event;
    assert.deepEqual(meta, rest);
  });

  test('a tampered body or another key does not verify', async (t) => {
    const h = await started(t);
    await h.sink.deliver([makeStoredEvent()]);
    const [seen] = h.receiver.seen;
    assert.ok(seen);
    const headers = flat(seen.headers);
    const tampered = Buffer.concat([seen.body, Buffer.from(' ')]);
    assert.throws(() => new Webhook(SECRET).verify(tampered, headers), /No matching signature/);
    const other = `whsec_${Buffer.from('another-key').toString('base64')}`;
    assert.throws(() => new Webhook(other).verify(seen.body, headers), /No matching signature/);
  });

  test("a plain secret's UTF-8 bytes are the key (whsec_ + its base64 is the same key)", async (t) => {
    const plain = 'crm-shared-sëcret';
    const asWhsec = `whsec_${Buffer.from(plain, 'utf8').toString('base64')}`;
    const h = await started(t, { secret: new Secret('crm', plain) }, new Receiver(asWhsec));
    const event = makeStoredEvent();
    assert.deepEqual(await h.sink.deliver([event]), [{ status: 'delivered' }]);
    const [seen] = h.receiver.seen;
    assert.ok(seen);
    const raw = new Webhook(Buffer.from(plain, 'utf8'), { format: 'raw' });
    assert.doesNotThrow(() => raw.verify(seen.body, flat(seen.headers)));
    // Switchboard's own ingest verifies it with the plain secret as configured.
    const ingest = new SignatureVerifier({
      schemes: ['standard-webhooks'],
      secrets: [new WebhookSecret('crm', plain, false, 'standard-webhooks')],
      timestampToleranceSec: 300,
    });
    assert.equal(ingest.verify(seen.headers, seen.body).ok, true);
  });

  test('a redelivery carries the same webhook-id, signed afresh; the receiver answers duplicate', async (t) => {
    const h = await started(t);
    const event = makeStoredEvent();
    assert.deepEqual(await h.sink.deliver([event]), [{ status: 'delivered' }]);
    assert.deepEqual(await h.sink.deliver([event]), [{ status: 'duplicate' }]);
    const [first, second] = h.receiver.seen;
    assert.equal(first?.headers['webhook-id'], event.id);
    assert.equal(second?.headers['webhook-id'], event.id);
    assert.equal(h.receiver.verifyFailures, 0);
    assert.equal(h.receiver.records().length, 1);
  });

  test('an id that is not printable ASCII is percent-encoded, the same way every time', async (t) => {
    const h = await started(t);
    const event = { ...makeStoredEvent(), id: 'topic:ünï cødé 100%\u0001' };
    await h.sink.deliver([event]);
    await h.sink.deliver([event]);
    const ids = h.receiver.seen.map((s) => s.headers['webhook-id']);
    assert.deepEqual(ids, [
      'topic:%C3%BCn%C3%AF%20c%C3%B8d%C3%A9%20100%25%01',
      'topic:%C3%BCn%C3%AF%20c%C3%B8d%C3%A9%20100%25%01',
    ]);
    assert.equal(decodeURIComponent(ids[0]!), event.id);
    assert.equal(h.receiver.verifyFailures, 0);
    const meta = JSON.parse(String(h.receiver.seen[0]?.headers['x-switchboard-event'])) as {
      id: string;
    };
    assert.equal(meta.id, event.id, 'x-switchboard-event carries the exact id');
    assert.equal(headerSafe('abc-123:x'), 'abc-123:x');
    assert.notEqual(headerSafe('a b'), headerSafe('a%20b'));
  });

  test('a body that is not JSON goes as text; one not UTF-8 as bytes, signed over its bytes', async (t) => {
    const h = await started(t, {}, new Receiver(null));
    const text = makeStoredEvent({ body: 'not json, ✓' });
    const bytes = makeStoredEvent({ body: Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]) });
    assert.deepEqual(await h.sink.deliver([text, bytes]), [
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
    const [a, b] = h.receiver.seen.sort((x, y) =>
      String(x.headers['x-switchboard-offset']).localeCompare(
        String(y.headers['x-switchboard-offset']),
      ),
    );
    assert.equal(a?.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(b?.headers['content-type'], 'application/octet-stream');
    assert.ok(b?.body.equals(Buffer.from(bytes.body)));
    const ingest = new SignatureVerifier({
      schemes: ['standard-webhooks'],
      secrets: [new WebhookSecret('crm', SECRET)],
      timestampToleranceSec: 300,
    });
    assert.ok(a && b);
    for (const seen of [a, b]) assert.equal(ingest.verify(seen.headers, seen.body).ok, true);
    const key = Buffer.from(SECRET.slice(6), 'base64');
    const mac = createHmac('sha256', key)
      .update(`${bytes.id}.${String(b?.headers['webhook-timestamp'])}.`)
      .update(b.body)
      .digest('base64');
    assert.equal(b?.headers['webhook-signature'], `v1,${mac}`);
  });

  test('without a secret, requests carry webhook-id and webhook-timestamp but no signature', async (t) => {
    const h = await started(t, { secret: undefined }, new Receiver(null));
    const event = makeStoredEvent();
    await h.sink.deliver([event]);
    const [seen] = h.receiver.seen;
    assert.equal(seen?.headers['webhook-id'], event.id);
    assert.ok(seen?.headers['webhook-timestamp']);
    assert.equal(seen?.headers['webhook-signature'], undefined);
  });

  test("the URL's path and query are kept; its user info is sent as Basic auth", async (t) => {
    const receiver = new Receiver();
    const url = await receiver.listen('/in/hook?token=s3cr3t-query');
    const sink = createHttpSink({
      name: 'crm',
      url: url.replace('http://', 'http://user:p%40ss@'),
      secret: SECRET,
    });
    t.after(async () => {
      await sink.close();
      await receiver.close();
    });
    await sink.start();
    receiver.script = () => ({ status: 500 });
    const [outcome] = await sink.deliver([makeStoredEvent()]);
    const seen = receiver.seen[0];
    assert.equal(
      seen?.headers.authorization,
      `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
    );
    const error = failure(outcome);
    assert.doesNotMatch(error.message, /s3cr3t|p%40ss|p@ss|\/in\/hook/);
  });
});

describe('HTTP sink: outcomes by status', () => {
  test('500 now and then is retryable; the retry lands', async (t) => {
    const h = await started(t);
    h.receiver.script = (_seen, n) => (n % 2 === 1 ? { status: 500, body: 'boom' } : undefined);
    const event = makeStoredEvent();
    const error = failure((await h.sink.deliver([event]))[0]);
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_RETRYABLE');
    assert.match(error.message, /answered 500: boom/);
    assert.equal(h.sink.health().state, 'failing');
    assert.deepEqual(await h.sink.deliver([event]), [{ status: 'delivered' }]);
    assert.equal(h.sink.health().state, 'ready');
  });

  test('400 is final at once, with the cause quoted (capped)', async (t) => {
    const h = await started(t);
    h.receiver.script = () => ({ status: 400, body: `{"error":"bad field"}\n${'x'.repeat(9000)}` });
    const event = makeStoredEvent();
    const error = failure((await h.sink.deliver([event]))[0]);
    assert.ok(error instanceof FinalSinkError);
    assert.equal(error.code, 'SB_SINK_REJECTED');
    assert.match(error.message, new RegExp(`event ${event.id}: POST http://127\\.0\\.0\\.1:\\d+`));
    assert.match(error.message, /answered 400: \{"error":"bad field"\} x+…$/);
    assert.ok(error.message.length < 400, 'the quoted body is capped');
    assert.equal(h.receiver.seen.length, 1, 'sent once');
    assert.equal(h.sink.health().state, 'ready');
  });

  test('401, 403, 404, 409, 413 and 3xx are final too; 2xx other than 200 are delivered', async (t) => {
    const h = await started(t);
    for (const status of [401, 403, 404, 409, 413, 302]) {
      h.receiver.script = () => ({ status, headers: { location: 'http://elsewhere/' } });
      const error = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
      assert.ok(error instanceof FinalSinkError, `${status}`);
      assert.equal(error.code, 'SB_SINK_REJECTED', `${status}`);
    }
    for (const status of [200, 201, 202, 204]) {
      h.receiver.script = () => ({
        status,
        body: status === 204 ? undefined : 'x'.repeat(100_000),
      });
      assert.deepEqual(await h.sink.deliver([makeStoredEvent()]), [{ status: 'delivered' }]);
    }
  });

  test('429 with Retry-After seconds, 503 with an HTTP-date: retryAfterMs', async (t) => {
    const h = await started(t);
    h.receiver.script = () => ({ status: 429, headers: { 'retry-after': '7' } });
    const throttled = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
    assert.ok(throttled instanceof RetryableSinkError);
    assert.equal(throttled.code, 'SB_SINK_THROTTLED');
    assert.equal(throttled.retryAfterMs, 7000);
    assert.equal(h.sink.health().lastError?.code, 'SB_SINK_THROTTLED');
    h.receiver.script = () => ({ status: 429 });
    const bareThrottle = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
    assert.ok(bareThrottle instanceof RetryableSinkError);
    assert.equal(bareThrottle.code, 'SB_SINK_THROTTLED');
    assert.equal(bareThrottle.retryAfterMs, undefined);
    const at = new Date(Date.now() + 30_000).toUTCString();
    h.receiver.script = () => ({ status: 503, headers: { 'retry-after': at } });
    const down = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
    assert.ok(down instanceof RetryableSinkError);
    assert.equal(down.code, 'SB_SINK_RETRYABLE', '503 is not throttling');
    assert.ok(
      down.retryAfterMs !== undefined && down.retryAfterMs > 25_000 && down.retryAfterMs <= 30_000,
      String(down.retryAfterMs),
    );
    h.receiver.script = () => ({ status: 503 });
    const bare = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
    assert.ok(bare instanceof RetryableSinkError);
    assert.equal(bare.retryAfterMs, undefined);
  });

  test('408 is retryable', async (t) => {
    const h = await started(t);
    h.receiver.script = () => ({ status: 408 });
    const error = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_RETRYABLE');
  });

  test('Retry-After parsing', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter(' 120 ', now), 120_000);
    assert.equal(parseRetryAfter('Mon, 23 Nov 2026 10:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Monday, 23-Nov-26 10:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now), 0, 'a past date');
    assert.equal(parseRetryAfter('99999999999', now), MAX_RETRY_AFTER_MS);
    for (const bad of [
      undefined,
      '',
      '-1',
      '1.5',
      'soon',
      '2026-11-24',
      'Sun Nov  6 08:49:37 1994',
    ])
      assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
  });
});

describe('HTTP sink: failures of the connection', () => {
  test('a receiver that does not answer within timeoutMs is retryable (SB_SINK_TIMEOUT)', async (t) => {
    const h = await started(t, { timeoutMs: 200 });
    h.receiver.script = () => 'hang';
    const began = Date.now();
    const error = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
    const took = Date.now() - began;
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_TIMEOUT');
    assert.match(error.message, /no answer within 200 ms/);
    assert.ok(took >= 190 && took < 2000, `took ${took} ms`);
    assert.equal(h.sink.health().lastError?.code, 'SB_SINK_TIMEOUT');
  });

  test('a hanging receiver costs one timeout per batch: the rest is not sent', async (t) => {
    const h = await started(t, { timeoutMs: 200, maxConcurrency: 1 });
    h.receiver.script = () => 'hang';
    const began = Date.now();
    const outcomes = await h.sink.deliver(Array.from({ length: 5 }, () => makeStoredEvent()));
    assert.ok(Date.now() - began < 1000, 'about one timeout');
    for (const o of outcomes) {
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError);
      assert.equal(error.code, 'SB_SINK_TIMEOUT');
    }
    assert.equal(h.receiver.seen.length, 1);
  });

  test('a receiver that is down (connection refused) is retryable (SB_SINK_UNREACHABLE)', async (t) => {
    const h = await started(t);
    await h.receiver.close();
    const outcomes = await h.sink.deliver([makeStoredEvent(), makeStoredEvent()]);
    for (const o of outcomes) {
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError);
      assert.equal(error.code, 'SB_SINK_UNREACHABLE');
      assert.match(error.message, /ECONNREFUSED/);
    }
    assert.equal(h.sink.health().state, 'failing');
  });

  test('a connection dropped before the answer is retryable', async (t) => {
    const h = await started(t);
    h.receiver.script = () => {
      setImmediate(() => void h.receiver.close());
      return 'hang';
    };
    const error = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_UNREACHABLE');
  });

  test('close() is bounded while a request hangs, then refuses deliveries', async (t) => {
    const h = await started(t, { timeoutMs: 300 });
    h.receiver.script = () => 'hang';
    const delivering = h.sink.deliver([makeStoredEvent(), makeStoredEvent()]);
    await waitFor(() => h.receiver.seen.length > 0, { what: 'the request to arrive' });
    const began = Date.now();
    await h.sink.close();
    const took = Date.now() - began;
    assert.ok(took < 1500, `close took ${took} ms`);
    for (const o of await delivering) {
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError);
      assert.equal(error.code, 'SB_SINK_TIMEOUT');
    }
    assert.equal(h.sink.health().state, 'closed');
    await assert.rejects(
      h.sink.deliver([makeStoredEvent()]),
      (err: unknown) => err instanceof RetryableSinkError && err.code === 'SB_SINK_CLOSED',
    );
    await h.sink.close();
  });

  test('never more than maxConcurrency requests at the receiver at once', async (t) => {
    const h = await started(t, { maxConcurrency: 2 });
    const hold = h.holdTarget();
    const batches = [0, 1, 2].map(() => Array.from({ length: 4 }, () => makeStoredEvent()));
    const delivering = Promise.all(batches.map((b) => h.sink.deliver(b)));
    await waitFor(() => hold.arrived() === 2, { what: 'two requests' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(hold.arrived(), 2);
    hold.release();
    for (const outcomes of await delivering)
      for (const o of outcomes) assert.equal(o.status, 'delivered');
    assert.equal(h.receiver.records().length, 12);
  });
});

describe('HTTP sink: config and secrecy', () => {
  test('createHttpSink checks its input (SB_CONFIG_INVALID), never quoting the secret', () => {
    const base = { name: 'crm', url: 'http://127.0.0.1:9000/hook' };
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ url: 'not a url' }, /url is not a valid URL/],
      [{ url: 'ftp://x/y' }, /must be http: or https:/],
      [{ secret: 'whsec_%%not-base64%%' }, /secret starts with whsec_ but the rest is not base64/],
      [{ secret: 'whsec_' }, /secret starts with whsec_ but holds no key bytes/],
      [{ secret: '' }, /secret is empty/],
      [{ timeoutMs: 0 }, /timeoutMs must be a positive integer/],
      [{ maxConcurrency: 1.5 }, /maxConcurrency must be a positive integer/],
      [{ name: '' }, /name must be a non-empty string/],
    ];
    for (const [override, message] of bad) {
      assert.throws(
        () => createHttpSink({ ...base, ...override }),
        (err: unknown) =>
          err instanceof SwitchboardError &&
          err.code === 'SB_CONFIG_INVALID' &&
          message.test(err.message) &&
          !err.message.includes('not-base64'),
        JSON.stringify(override),
      );
    }
    const sink = createHttpSink({ ...base, secret: SECRET, maxConcurrency: 3, timeoutMs: 500 });
    assert.equal(sink.type, 'http');
    assert.equal(sink.limits.maxConcurrency, 3);
    assert.deepEqual(sink.health(), { state: 'idle', inFlight: 0 });
    return sink.close();
  });

  test('the secret appears in no error, health, JSON or inspection of the sink', async (t) => {
    const plain = 'plain-secret-value-xyz';
    const h = await started(t, { secret: plain }, new Receiver(null));
    const texts: string[] = [];
    for (const script of [
      () => ({ status: 401, body: 'unauthorized' }),
      () => ({ status: 503 }),
    ] as const) {
      h.receiver.script = script;
      const error = failure((await h.sink.deliver([makeStoredEvent()]))[0]);
      texts.push(error.message, inspect(error, { depth: 5 }), JSON.stringify(error.toBody()));
    }
    texts.push(JSON.stringify(h.sink), inspect(h.sink, { depth: 5, showHidden: true }));
    texts.push(JSON.stringify(h.sink.health()));
    const b64 = Buffer.from(plain).toString('base64');
    for (const text of texts) {
      assert.ok(!text.includes(plain), text);
      assert.ok(!text.includes(b64), text);
    }
  });
});
