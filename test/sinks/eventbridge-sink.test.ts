/**
 * The EventBridge sink against a local PutEvents endpoint (test/support/fake-eventbridge.ts):
 * AWS is not reachable from tests, so the SDK's `endpoint` option points at the fake, which
 * checks the wire protocol (awsJson1_1, SigV4 header shape) and the PutEvents limits.
 *
 * Sizes follow the AWS doc "Calculating Amazon EventBridge PutEvents event entry size"
 * (docs.aws.amazon.com/eventbridge/latest/userguide/calculate-putevents-entry-size.html): an
 * entry counts 14 bytes for Time when present, plus the UTF-8 bytes of Source, DetailType,
 * Detail and each Resource; the entries of one request total less than 256 KB, 10 at most.
 * Entry error codes and which are retryable: the PutEventsResultEntry API reference.
 *
 * About the suite's "byte-exact" check: EventBridge stores no raw payload, but the sink embeds
 * a JSON body's own text in `Detail` (never re-serialized), so the PutEvents request carries
 * the exact bytes and `bodyOfDetail` recovers them; that is what `records()` reports. EventBridge
 * does not dedupe either: `records()` is a consumer's view, deduping on
 * `detail.switchboard.id` (and failing if two copies of one id differ); a test below shows the
 * raw puts a redelivery makes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SwitchboardError } from '../../src/errors.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import {
  EventBridgeSink,
  bodyOfDetail,
  createEventBridgeSink,
  putEventsEntrySize,
  type EventBridgeSinkOptions,
} from '../../src/sinks/eventbridge-sink.js';
import { FinalSinkError, RetryableSinkError, type DeliveryOutcome } from '../../src/sinks/index.js';
import {
  FakeEventBridge,
  MAX_REQUEST_BYTES,
  entrySize,
  type StoredEntry,
} from '../support/fake-eventbridge.js';
import { makeStoredEvent, runSinkSuite, type SinkHarness } from './sink-suite.js';

// Fake credentials: the fake only checks the SigV4 shape and the key id.
const KEY_ID = 'AKIAFAKEFAKEFAKE0001';
const SECRET_KEY = 'fake-secret-key-do-not-leak-0123456789abcd';
const REGION = 'eu-west-1';
const BUS = 'switchboard-test-bus';

interface Detail {
  switchboard: Record<string, unknown> & { id: string };
  body?: unknown;
  text?: string;
  base64?: string;
  claimCheck?: { location?: unknown; size: number; sha256: string };
}

function detailOf(entry: { Detail?: unknown }): Detail {
  return JSON.parse(String(entry.Detail)) as Detail;
}

/** A consumer's view: one record per `detail.switchboard.id`, its body as the request had it. */
function recordsOf(entries: readonly StoredEntry[]) {
  const byId = new Map<string, StoredEntry>();
  for (const entry of entries) {
    const id = detailOf(entry).switchboard.id;
    const first = byId.get(id);
    if (first)
      assert.equal(entry.Detail, first.Detail, `two puts of ${id} carry different Details`);
    else byId.set(id, entry);
  }
  return [...byId].map(([key, entry]) => ({
    key,
    body: bodyOfDetail(entry.Detail) ?? new Uint8Array(),
  }));
}

async function open(
  t: TestContext,
  options: Partial<EventBridgeSinkOptions> = {},
): Promise<SinkHarness & { fake: FakeEventBridge; sink: EventBridgeSink; endpoint: string }> {
  const fake = new FakeEventBridge({ accessKeyId: KEY_ID, region: REGION, eventBusName: BUS });
  const endpoint = await fake.listen();
  const sink = new EventBridgeSink({
    name: 'bus',
    region: REGION,
    eventBusName: BUS,
    endpoint,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY },
    timeoutMs: 3000,
    ...options,
  });
  t.after(async () => {
    await sink.close();
    await fake.close();
  });
  const idOf = (entry: Record<string, unknown>) => detailOf(entry).switchboard.id;
  return {
    sink,
    fake,
    endpoint,
    records: async () => recordsOf(fake.entries),
    breakTarget: (mode, ids) => {
      const hit = (entry: Record<string, unknown>) => !ids || ids.includes(idOf(entry));
      fake.failCall = undefined;
      fake.failEntry = undefined;
      if (mode === 'transient' && !ids)
        fake.failCall = () => ({ status: 500, type: 'InternalException', message: 'try later' });
      else if (mode === 'transient')
        fake.failEntry = (e) => (hit(e) ? { ErrorCode: 'InternalFailure' } : undefined);
      else if (mode === 'permanent')
        fake.failEntry = (e) =>
          hit(e)
            ? { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter is not valid.' }
            : undefined;
    },
    holdTarget: () => fake.hold(),
  };
}

async function started(t: TestContext, options: Partial<EventBridgeSinkOptions> = {}) {
  const h = await open(t, options);
  await h.sink.start();
  return h;
}

function failure(outcome: DeliveryOutcome | undefined) {
  assert.ok(outcome?.status === 'failed', `expected a failure, got ${outcome?.status}`);
  return outcome.error;
}

function events(n: number, options: Parameters<typeof makeStoredEvent>[0] = {}): StoredEvent[] {
  return Array.from({ length: n }, () => makeStoredEvent(options));
}

runSinkSuite('EventBridge sink (default limits)', { open: (t) => open(t) });
runSinkSuite('EventBridge sink (small limits: calls cut by entry size, claim checks)', {
  open: (t) =>
    open(t, {
      maxConcurrency: 2,
      maxEntryBytes: 2048,
      limits: { maxBatchEvents: 6, maxBatchBytes: 8192, maxEventBytes: 2048 },
    }),
});

describe('EventBridge sink: what the bus gets', () => {
  test('an entry: templates, bus, Time, and Detail = {switchboard, body} with the body text embedded', async (t) => {
    const h = await started(t, { source: 'genesys.{source}', detailType: '{topic}.{kind}' });
    const raw = '{"b":1,"a":  1.0e2,"big":12345678901234567890123456789,"s":"ünï ✓"}';
    const event = makeStoredEvent({ body: raw });
    assert.deepEqual(await h.sink.deliver([event]), [{ status: 'delivered' }]);
    const [entry] = h.fake.entries;
    assert.ok(entry);
    assert.equal(entry.Source, 'genesys.webhook');
    assert.equal(entry.DetailType, 'interaction.interaction');
    assert.equal(entry.EventBusName, BUS);
    assert.equal(entry.Time, Date.parse(event.occurredAt!) / 1000);
    assert.equal(entry.Resources, undefined);
    const detail = detailOf(entry);
    assert.deepEqual(detail.switchboard, {
      id: event.id,
      offset: event.offset,
      kind: event.kind,
      topic: event.topic,
      source: event.source,
      subject: event.subject,
      occurredAt: event.occurredAt,
      receivedAt: event.receivedAt,
    });
    assert.deepEqual(Object.keys(detail), ['switchboard', 'body']);
    assert.ok(entry.Detail.includes(raw), 'the body text is in Detail verbatim');
    assert.ok(Buffer.from(bodyOfDetail(entry.Detail)!).equals(Buffer.from(raw)));
  });

  test('arrays and scalars stay under body; other text under text; non-UTF-8 under base64', async (t) => {
    const h = await started(t);
    const bodies = [
      '[1,2,{"x":null}]',
      '"hi"',
      '42',
      'plain text, not JSON',
      Buffer.from([0xff, 0xfe, 0x00, 0x41]),
    ];
    const batch = bodies.map((body) => makeStoredEvent({ body }));
    for (const o of await h.sink.deliver(batch)) assert.equal(o.status, 'delivered');
    const details = h.fake.entries.map((e) => detailOf(e));
    assert.deepEqual(details[0]!.body, [1, 2, { x: null }]);
    assert.equal(details[1]!.body, 'hi');
    assert.equal(details[2]!.body, 42);
    assert.equal(details[3]!.text, 'plain text, not JSON');
    assert.ok(!('body' in details[3]!));
    assert.equal(details[4]!.base64, Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64'));
    h.fake.entries.forEach((e, i) =>
      assert.ok(
        Buffer.from(bodyOfDetail(e.Detail)!).equals(Buffer.from(batch[i]!.body)),
        `body ${i}`,
      ),
    );
  });

  test('a redelivery is a second put (EventBridge does not dedupe) with the same switchboard.id', async (t) => {
    const h = await started(t);
    const batch = events(3);
    await h.sink.deliver(batch);
    await h.sink.deliver(batch);
    assert.equal(h.fake.entries.length, 6);
    const first = h.fake.entries.slice(0, 3);
    const again = h.fake.entries.slice(3);
    again.forEach((e, i) => {
      assert.equal(e.Detail, first[i]!.Detail, 'the same Detail, byte for byte');
      assert.notEqual(e.EventId, first[i]!.EventId, 'EventBridge ids differ per put');
    });
    assert.equal((await h.records()).length, 3, 'consumers deduping on switchboard.id see 3');
  });

  test('putEventsEntrySize counts as the AWS doc does', () => {
    const entry = { Source: 'ab', DetailType: 'é', Detail: '{"x":"✓"}', Resources: ['r1', 'ü'] };
    assert.equal(putEventsEntrySize(entry), 2 + 2 + 11 + 2 + 2);
    assert.equal(putEventsEntrySize({ ...entry, Time: new Date() }), 14 + 19);
    assert.equal(entrySize({ ...entry, Time: 1 }), 14 + 19, 'the fake counts the same');
  });
});

describe('EventBridge sink: limits and batching', () => {
  test('declares 10 events per batch; 11 are refused before any I/O', async (t) => {
    const h = await started(t);
    assert.equal(h.sink.limits.maxBatchEvents, 10);
    await assert.rejects(h.sink.deliver(events(11)), RangeError);
    assert.equal(h.fake.calls.length, 0);
  });

  test('a batch larger than 10 (a limits override) is cut into calls of 10: 25 events, 3 calls', async (t) => {
    const h = await started(t, { limits: { maxBatchEvents: 25 } });
    const batch = events(25);
    const outcomes = await h.sink.deliver(batch);
    assert.ok(outcomes.every((o) => o.status === 'delivered'));
    assert.deepEqual(
      h.fake.calls.map((c) => [c.status, c.entries]),
      [
        [200, 10],
        [200, 10],
        [200, 5],
      ],
    );
    assert.deepEqual(
      h.fake.entries.map((e) => detailOf(e).switchboard.id),
      batch.map((e) => e.id),
      'in batch order',
    );
  });

  test('calls are cut by entry size: five 100 KB events go in 3 calls, each under 256 KB', async (t) => {
    const h = await started(t);
    const batch = events(5, { size: 100 * 1024 });
    const outcomes = await h.sink.deliver(batch);
    assert.ok(outcomes.every((o) => o.status === 'delivered'));
    assert.deepEqual(
      h.fake.calls.map((c) => c.entries),
      [2, 2, 1],
    );
    for (const c of h.fake.calls) assert.ok(c.size <= MAX_REQUEST_BYTES, `call of ${c.size} bytes`);
    assert.equal(h.fake.entries.length, 5);
    assert.ok(
      h.fake.entries.every((e) => detailOf(e).body !== undefined),
      'all inline',
    );
  });

  test('the fake refuses what AWS refuses: 11 entries, over 256 KB (ValidationException)', async (t) => {
    const h = await open(t);
    const client = new EventBridgeClient({
      region: REGION,
      endpoint: h.endpoint,
      credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY },
      maxAttempts: 1,
    });
    t.after(() => client.destroy());
    const entry = (detail = '{}') => ({
      Source: 's',
      DetailType: 'd',
      Detail: detail,
      EventBusName: BUS,
    });
    await assert.rejects(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
      (err: unknown) => err instanceof Error && err.name === 'ValidationException',
    );
    const half = `{"p":"${'x'.repeat(130 * 1024)}"}`;
    await assert.rejects(
      client.send(new PutEventsCommand({ Entries: [entry(half), entry(half)] })),
      (err: unknown) =>
        err instanceof Error &&
        err.name === 'ValidationException' &&
        /Total size of the entries/.test(err.message),
    );
    const ok = await client.send(new PutEventsCommand({ Entries: [entry(), entry('[1]')] }));
    assert.equal(ok.FailedEntryCount, 1, 'a Detail that is not an object fails its entry');
    assert.equal(ok.Entries?.[1]?.ErrorCode, 'MalformedDetail');
    assert.equal(h.fake.entries.length, 1);
  });

  test('a call AWS refuses as invalid blames the events: final alone, bisected together', async (t) => {
    // The internal cut is disabled by a huge maxEntryBytes, so the fake sees oversized calls.
    const h = await started(t, { maxEntryBytes: 10 * MAX_REQUEST_BYTES });
    const outcomes = await h.sink.deliver([makeStoredEvent({ size: 300 * 1024 })]);
    const error = failure(outcomes[0]);
    assert.ok(error instanceof FinalSinkError);
    assert.equal(error.code, 'SB_SINK_REJECTED');
    assert.match(error.message, /ValidationException: Total size of the entries/);
    await assert.rejects(
      h.sink.deliver(events(2, { size: 200 * 1024 })),
      (err: unknown) => err instanceof FinalSinkError,
      'several events in a refused call: deliver rejects so the router bisects',
    );
    assert.equal(h.sink.health().state, 'ready');
  });
});

describe('EventBridge sink: claim checks', () => {
  test('a body whose entry exceeds 256 KB travels as a claim check: location, size, sha256', async (t) => {
    const seen: string[] = [];
    const h = await started(t, {
      claimCheck: (event) => {
        seen.push(event.id);
        return { uri: `file:///lake/interaction/${event.offset}.json`, offset: event.offset };
      },
    });
    const big = makeStoredEvent({ size: 300 * 1024 });
    const small = makeStoredEvent();
    const outcomes = await h.sink.deliver([small, big]);
    assert.deepEqual(outcomes, [{ status: 'delivered' }, { status: 'delivered' }]);
    assert.deepEqual(seen, [big.id], 'the callback is asked only for the big event');
    const detail = detailOf(h.fake.entries.find((e) => detailOf(e).switchboard.id === big.id)!);
    assert.deepEqual(Object.keys(detail), ['switchboard', 'claimCheck']);
    assert.deepEqual(detail.claimCheck, {
      location: { uri: `file:///lake/interaction/${big.offset}.json`, offset: big.offset },
      size: 300 * 1024,
      sha256: createHash('sha256').update(big.body).digest('hex'),
    });
    assert.equal(detail.switchboard.id, big.id);
    assert.ok(h.fake.calls.every((c) => c.size <= MAX_REQUEST_BYTES));
  });

  test('without a claimCheck callback the claim check has no location', async (t) => {
    const h = await started(t);
    const big = makeStoredEvent({ size: 256 * 1024 });
    assert.deepEqual(await h.sink.deliver([big]), [{ status: 'delivered' }]);
    const detail = detailOf(h.fake.entries[0]!);
    assert.deepEqual(Object.keys(detail.claimCheck!), ['size', 'sha256']);
  });
});

describe('EventBridge sink: failures', () => {
  test('per-entry failures fail those events only; the retry of those lands', async (t) => {
    const h = await started(t);
    const batch = events(5);
    const codes = new Map([
      [batch[1]!.id, 'ThrottlingException'],
      [batch[2]!.id, 'MalformedDetail'],
      [batch[3]!.id, 'InternalFailure'],
    ]);
    h.fake.failEntry = (e) => {
      const code = codes.get(detailOf(e).switchboard.id);
      return code ? { ErrorCode: code, ErrorMessage: `said ${code}` } : undefined;
    };
    const outcomes = await h.sink.deliver(batch);
    assert.equal(outcomes[0]!.status, 'delivered');
    assert.equal(outcomes[4]!.status, 'delivered');
    const throttled = failure(outcomes[1]);
    assert.ok(throttled instanceof RetryableSinkError);
    assert.equal(throttled.code, 'SB_SINK_THROTTLED');
    assert.match(throttled.message, /ThrottlingException/);
    const malformed = failure(outcomes[2]);
    assert.ok(malformed instanceof FinalSinkError);
    assert.equal(malformed.code, 'SB_SINK_REJECTED');
    assert.match(malformed.message, new RegExp(batch[2]!.id));
    const internal = failure(outcomes[3]);
    assert.ok(internal instanceof RetryableSinkError);
    assert.equal(internal.code, 'SB_SINK_RETRYABLE');
    assert.equal(h.sink.health().state, 'failing');
    h.fake.failEntry = undefined;
    const retry = [batch[1]!, batch[3]!];
    assert.deepEqual(await h.sink.deliver(retry), [
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
    const records = await h.records();
    assert.deepEqual(
      records.map((r) => r.key).sort(),
      [batch[0]!, batch[1]!, batch[3]!, batch[4]!].map((e) => e.id).sort(),
    );
    assert.equal(h.fake.entries.length, 4, 'only the failed entries were sent again');
  });

  test('NotAuthorizedForSourceException is final; AccessDeniedException (misconfigured) and unknown codes retry', async (t) => {
    const h = await started(t);
    const batch = events(3);
    const codes = ['NotAuthorizedForSourceException', 'AccessDeniedException', 'SomethingNew'];
    h.fake.failEntry = (e) => ({
      ErrorCode: codes[batch.findIndex((b) => b.id === detailOf(e).switchboard.id)]!,
    });
    const outcomes = await h.sink.deliver(batch);
    const notAuthorized = failure(outcomes[0]);
    assert.ok(notAuthorized instanceof FinalSinkError);
    assert.equal(notAuthorized.code, 'SB_SINK_REJECTED');
    const denied = failure(outcomes[1]);
    assert.ok(denied instanceof RetryableSinkError);
    assert.equal(denied.code, 'SB_SINK_MISCONFIGURED');
    assert.match(denied.message, /AccessDeniedException/);
    const unknown = failure(outcomes[2]);
    assert.ok(unknown instanceof RetryableSinkError);
    assert.equal(unknown.code, 'SB_SINK_RETRYABLE');
  });

  test('a throttled call is retryable for every event, and the SDK does not retry it', async (t) => {
    const h = await started(t);
    h.fake.failCall = () => ({
      status: 400,
      type: 'ThrottlingException',
      message: 'Rate exceeded',
      headers: { 'retry-after': '2' },
    });
    const batch = events(4);
    const outcomes = await h.sink.deliver(batch);
    for (const o of outcomes) {
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError);
      assert.equal(error.code, 'SB_SINK_THROTTLED');
      assert.match(error.message, /ThrottlingException: Rate exceeded/);
      assert.equal(error.retryAfterMs, 2000, 'the Retry-After the throttled answer gave');
    }
    assert.equal(h.fake.calls.length, 1, 'one attempt: maxAttempts 1');
    assert.equal(h.sink.health().state, 'failing');
    assert.equal(h.fake.entries.length, 0);
  });

  test('5xx, throttling, a missing bus and refused credentials are retryable (the target, not the event)', async (t) => {
    const h = await started(t);
    for (const [status, type, code] of [
      [503, 'ServiceUnavailable', 'SB_SINK_RETRYABLE'],
      [500, 'InternalException', 'SB_SINK_RETRYABLE'],
      [429, 'TooManyRequestsException', 'SB_SINK_THROTTLED'],
      [400, 'ResourceNotFoundException', 'SB_SINK_MISCONFIGURED'],
      [400, 'AccessDeniedException', 'SB_SINK_MISCONFIGURED'],
      [403, 'InvalidSignatureException', 'SB_SINK_MISCONFIGURED'],
      [400, 'ExpiredTokenException', 'SB_SINK_MISCONFIGURED'],
    ] as const) {
      h.fake.failCall = () => ({ status, type });
      const [o] = await h.sink.deliver([makeStoredEvent()]);
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError, `${type}: ${error.name}`);
      assert.equal(error.code, code, type);
      assert.match(error.message, new RegExp(type));
    }
  });

  test('a misconfigured call stops the batch: the calls not sent carry the same code', async (t) => {
    const h = await started(t, { limits: { maxBatchEvents: 25 } });
    h.fake.failCall = () => ({ status: 400, type: 'ResourceNotFoundException' });
    const outcomes = await h.sink.deliver(events(25));
    for (const o of outcomes) assert.equal(failure(o).code, 'SB_SINK_MISCONFIGURED');
    assert.match(failure(outcomes[24]).message, /not sent/);
    assert.equal(h.fake.calls.length, 1);
    assert.equal(h.sink.health().lastError?.code, 'SB_SINK_MISCONFIGURED');
  });

  test('no credentials anywhere (CredentialsProviderError) is SB_SINK_MISCONFIGURED, not sent', async (t) => {
    const h = await open(t);
    // The SDK's default chain, with every source it reads emptied or disabled.
    const saved = { ...process.env };
    t.after(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });
    for (const key of Object.keys(process.env))
      if (key.startsWith('AWS_') && key !== 'AWS_NODEJS_CONNECTION_REUSE_ENABLED')
        delete process.env[key];
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/switchboard-test/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/switchboard-test/config';
    const sink = createEventBridgeSink({
      name: 'nocreds',
      region: REGION,
      eventBusName: BUS,
      endpoint: h.endpoint,
      timeoutMs: 3000,
    });
    t.after(() => sink.close());
    await sink.start();
    const [o] = await sink.deliver([makeStoredEvent()]);
    const error = failure(o);
    assert.ok(error instanceof RetryableSinkError, error.message);
    assert.equal(error.code, 'SB_SINK_MISCONFIGURED');
    assert.match(error.message, /CredentialsProviderError/);
    assert.equal(h.fake.calls.length, 0, 'nothing was sent');
  });

  test('once a call fails retryably the later calls of the batch are not sent', async (t) => {
    const h = await started(t, { limits: { maxBatchEvents: 25 } });
    h.fake.failCall = (n) => (n === 2 ? { status: 500, type: 'InternalException' } : undefined);
    const outcomes = await h.sink.deliver(events(25));
    assert.ok(outcomes.slice(0, 10).every((o) => o.status === 'delivered'));
    for (const o of outcomes.slice(10)) assert.ok(failure(o) instanceof RetryableSinkError);
    assert.match(failure(outcomes[24]).message, /not sent/);
    assert.equal(h.fake.calls.length, 2);
  });

  test('a target that hangs is a timeout (SB_SINK_TIMEOUT) within timeoutMs', async (t) => {
    const h = await started(t, { timeoutMs: 300 });
    h.fake.failCall = () => 'hang';
    const t0 = Date.now();
    const outcomes = await h.sink.deliver(events(2));
    const elapsed = Date.now() - t0;
    for (const o of outcomes) assert.equal(failure(o).code, 'SB_SINK_TIMEOUT');
    assert.ok(elapsed < 2000, `settled in ${elapsed} ms`);
    await h.sink.close();
  });

  test('an endpoint nobody listens on is SB_SINK_UNREACHABLE', async (t) => {
    const h = await open(t);
    const port = new URL(h.endpoint).port;
    await h.fake.close();
    const sink = createEventBridgeSink({
      name: 'gone',
      region: REGION,
      eventBusName: BUS,
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY },
      timeoutMs: 2000,
    });
    t.after(() => sink.close());
    await sink.start();
    const [o] = await sink.deliver([makeStoredEvent()]);
    const error = failure(o);
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_UNREACHABLE');
  });
});

describe('EventBridge sink: signing and secrets', () => {
  test('requests carry a SigV4 Authorization for the key, date, region and events', async (t) => {
    const h = await started(t);
    await h.sink.deliver([makeStoredEvent()]);
    const [call] = h.fake.calls;
    assert.equal(call?.status, 200);
    assert.equal(call.headers['x-amz-target'], 'AWSEvents.PutEvents');
    assert.equal(call.headers['content-type'], 'application/x-amz-json-1.1');
    const date = String(call.headers['x-amz-date']);
    assert.match(
      String(call.headers.authorization),
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${KEY_ID}/${date.slice(0, 8)}/${REGION}/events/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$`,
      ),
    );
  });

  test('the fake refuses an unsigned request, and a request signed with an unknown key', async (t) => {
    const h = await open(t);
    const res = await fetch(`${h.endpoint}/`, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSEvents.PutEvents',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-date': '20261123T100000Z',
      },
      body: JSON.stringify({
        Entries: [{ Source: 's', DetailType: 'd', Detail: '{}', EventBusName: BUS }],
      }),
    });
    assert.equal(res.status, 400);
    assert.equal(
      ((await res.json()) as { __type: string }).__type,
      'MissingAuthenticationTokenException',
    );
    assert.equal(h.fake.entries.length, 0);

    const other = await started(t, {
      credentials: { accessKeyId: 'AKIAOTHERKEY00000000', secretAccessKey: SECRET_KEY },
    });
    const [o] = await other.sink.deliver([makeStoredEvent()]);
    const error = failure(o);
    assert.ok(error instanceof RetryableSinkError, 'bad credentials are retryable');
    assert.equal(error.code, 'SB_SINK_MISCONFIGURED');
    assert.match(error.message, /UnrecognizedClientException/);
    assert.ok(!error.message.includes(SECRET_KEY));
    assert.ok(!JSON.stringify(other.sink.health()).includes(SECRET_KEY));
    assert.ok(!JSON.stringify(other.sink).includes(SECRET_KEY));
    assert.equal(other.fake.entries.length, 0);
  });
});

describe('EventBridge sink: configuration', () => {
  const base = {
    name: 'bus',
    region: REGION,
    eventBusName: BUS,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY },
  };
  const configError = (pattern: RegExp) => (err: unknown) =>
    err instanceof SwitchboardError &&
    err.code === 'SB_CONFIG_INVALID' &&
    pattern.test(err.message);

  test('template errors fail at construction, naming the field', () => {
    assert.throws(
      () => createEventBridgeSink({ ...base, source: 'genesys.{nope}' }),
      configError(/sinks\.targets\[bus\]\.source: unknown placeholder \{nope\}/),
    );
    assert.throws(
      () => createEventBridgeSink({ ...base, detailType: '{kind' }),
      configError(/sinks\.targets\[bus\]\.detailType: unbalanced/),
    );
  });

  test('bad region, bus, endpoint or timeout fail at construction', () => {
    assert.throws(
      () => createEventBridgeSink({ ...base, region: 'EU WEST' }),
      configError(/region/),
    );
    assert.throws(
      () => createEventBridgeSink({ ...base, eventBusName: 'a bus' }),
      configError(/eventBusName/),
    );
    assert.throws(
      () => createEventBridgeSink({ ...base, endpoint: 'ftp://x' }),
      configError(/endpoint/),
    );
    assert.throws(() => createEventBridgeSink({ ...base, timeoutMs: 0 }), configError(/timeoutMs/));
    const arn = `arn:aws:events:${REGION}:123456789012:event-bus/${BUS}`;
    assert.equal(createEventBridgeSink({ ...base, eventBusName: arn }).type, 'eventbridge');
  });
});
