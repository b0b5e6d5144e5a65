import assert, { AssertionError } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { RetryableSinkError, assertValidLimits } from '../../src/sinks/index.js';
import { ReferenceHttpSink, type ReferenceSinkOptions } from './reference-sink.js';
import { ReferenceTarget } from './reference-target.js';
import { checks, makeStoredEvent, runSinkSuite, type SinkHarness } from './sink-suite.js';

/** A real HTTP target on a free port and a reference sink pointed at it. */
async function openReference(
  t: TestContext,
  options: Omit<ReferenceSinkOptions, 'url'> = {},
): Promise<SinkHarness & { target: ReferenceTarget }> {
  const target = new ReferenceTarget();
  const url = await target.listen();
  const sink = new ReferenceHttpSink({
    url,
    limits: { maxBatchEvents: 20, maxBatchBytes: 16 * 1024, maxEventBytes: 4096 },
    ...options,
  });
  t.after(async () => {
    await sink.close();
    await target.close();
  });
  return {
    sink,
    target,
    records: async () => target.records(),
    breakTarget: (mode, ids) => target.breakTarget(mode, ids),
    holdTarget: () => target.holdTarget(),
  };
}

runSinkSuite('reference HTTP sink', { open: (t) => openReference(t) });

/** The failure the redelivery check must report: the target holds copies of the same events. */
const duplicated = (err: unknown) =>
  err instanceof AssertionError && /^\d+ events, \d+ records\n/.test(err.message);

describe('the Sink suite catches broken sinks', () => {
  test('a sink that hands the target no idempotency key fails the redelivery check', async (t) => {
    const h = await openReference(t, { idempotencyKey: () => undefined });
    await h.sink.start();
    await assert.rejects(checks.idempotentRedelivery(h), duplicated);
  });

  test('a sink that makes up a key per attempt fails the redelivery check', async (t) => {
    const h = await openReference(t, { idempotencyKey: () => randomUUID() });
    await h.sink.start();
    await assert.rejects(checks.idempotentRedelivery(h), duplicated);
  });

  test('a sink that ignores its declared limits fails the limit checks', async (t) => {
    const h = await openReference(t, { checkLimits: false });
    await h.sink.start();
    await assert.rejects(checks.oversizedEventIsFinal(h), {
      name: 'AssertionError',
      message: /the oversized event is a FinalSinkError/,
    });
    await assert.rejects(checks.oversizedBatchIsRefused(h), {
      name: 'AssertionError',
      message: /Missing expected rejection \(RangeError\): maxBatchEvents \+ 1 events/,
    });
  });

  test('the same checks pass for the honest sink (the harness is not what fails)', async (t) => {
    const h = await openReference(t);
    await h.sink.start();
    await checks.idempotentRedelivery(h);
  });
});

describe('reference HTTP sink', () => {
  test("the target's Retry-After becomes retryAfterMs", async (t) => {
    const h = await openReference(t);
    h.target.retryAfterSec = 7;
    await h.sink.start();
    h.breakTarget('transient');
    const [outcome] = await h.sink.deliver([makeStoredEvent()]);
    assert.ok(outcome?.status === 'failed' && outcome.error instanceof RetryableSinkError);
    assert.equal(outcome.error.retryAfterMs, 7000);
  });

  test('an unreachable target is retryable, not a crash', async (t) => {
    const h = await openReference(t);
    await h.target.close();
    await h.sink.start();
    const outcomes = await h.sink.deliver([makeStoredEvent(), makeStoredEvent()]);
    for (const o of outcomes) {
      assert.ok(o.status === 'failed' && o.error instanceof RetryableSinkError, o.status);
      assert.match(o.error.message, /ECONNREFUSED/);
    }
  });

  test('limits must be positive integers', () => {
    const ok = { maxBatchEvents: 1, maxBatchBytes: 1, maxEventBytes: 1, maxConcurrency: 1 };
    assert.deepEqual(assertValidLimits(ok), ok);
    for (const bad of [0, -1, 1.5, Number.POSITIVE_INFINITY, Number.NaN])
      assert.throws(() => assertValidLimits({ ...ok, maxBatchBytes: bad }), RangeError);
  });
});
