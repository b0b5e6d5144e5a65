/**
 * The Sink conformance suite (src/sinks/sink.ts). Every adapter runs it through a tiny spec
 * (`reference-sink.test.ts`, later `http-sink.test.ts`, `postgres-sink.test.ts`, …) that passes
 * a factory opening a fresh target and a sink pointed at it; nothing here knows which target it
 * has. The checks are exported so a test can prove they fail for a broken sink.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import type { StoredEvent } from '../../src/log/event-log.js';
import {
  FinalSinkError,
  RetryableSinkError,
  type DeliveryOutcome,
  type FinalSinkCode,
  type Sink,
} from '../../src/sinks/index.js';
import { waitFor } from '../support/helpers.js';

/** `transient`: fails as a target that will recover; `permanent`: refuses; `none`: healthy. */
export type BreakMode = 'none' | 'transient' | 'permanent';

/** One record as a reader of the target sees it. */
export interface TargetRecord {
  /** The idempotency key the target stored it under (undefined: the sink handed none). */
  key: string | undefined;
  body: Uint8Array;
}

export interface SinkHarness {
  /** A sink pointed at a fresh, empty target; not started. */
  sink: Sink;
  /** Everything the target holds now. */
  records(): Promise<TargetRecord[]>;
  /** Makes the target fail (for the events in `ids` only, when given) until called with `none`. */
  breakTarget(mode: BreakMode, ids?: readonly string[]): void;
  /** Holds every delivery at the target, before it is accepted, until `release()`. */
  holdTarget(): { arrived(): number; release(): void };
}

export interface SinkFactory {
  /** Opens a fresh target and a sink for it; both are closed when the test ends. */
  open(t: TestContext): Promise<SinkHarness>;
  /**
   * Checks that cannot apply to this target, each with the reason (the lake refuses no event:
   * it has no permanent rejection). The check is reported skipped with the reason.
   */
  cannot?: { permanentRejection?: string };
  /** The code of the target's permanent refusal (default SB_SINK_REJECTED; RabbitMQ: unroutable). */
  permanentCode?: FinalSinkCode;
}

// Larger limits are not worth allocating in a test: those checks skip.
const MAX_TEST_BYTES = 64 * 1024 * 1024;
let nextOffset = 1;

/** A stored event whose body names its id; `body` or `size` (exact bytes) may be given. */
export function makeStoredEvent(options: { body?: string | Uint8Array; size?: number } = {}) {
  const id = randomUUID();
  let body: Uint8Array;
  if (options.body !== undefined) body = Buffer.from(options.body);
  else {
    const base = `{"id":"${id}","pad":""}`;
    const pad = Math.max(0, (options.size ?? base.length + 16) - base.length);
    body = Buffer.from(`{"id":"${id}","pad":"${'x'.repeat(pad)}"}`);
  }
  const event: StoredEvent = {
    offset: nextOffset++,
    id,
    source: 'webhook',
    topic: 'interaction',
    kind: 'interaction',
    subject: { conversationId: `c-${id.slice(0, 8)}` },
    occurredAt: '2026-11-23T10:00:00.000Z',
    receivedAt: new Date().toISOString(),
    body,
  };
  return event;
}

function batchOf(h: SinkHarness, n: number): StoredEvent[] {
  return Array.from({ length: Math.min(n, h.sink.limits.maxBatchEvents) }, () => makeStoredEvent());
}

/** The outcome of each event; a whole-batch rejection counts as that error for every event. */
async function outcomesOf(sink: Sink, batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
  try {
    const outcomes = await sink.deliver(batch);
    assert.equal(outcomes.length, batch.length, 'one outcome per event');
    return outcomes;
  } catch (err) {
    assert.ok(
      err instanceof RetryableSinkError || err instanceof FinalSinkError,
      `deliver rejected with something other than a SinkError: ${String(err)}`,
    );
    return batch.map(() => ({ status: 'failed', error: err }));
  }
}

function assertDelivered(outcomes: DeliveryOutcome[], what: string): void {
  outcomes.forEach((o, i) =>
    assert.ok(
      o.status === 'delivered' || o.status === 'duplicate',
      `${what}: event ${i} ${o.status === 'failed' ? `failed: ${o.error.message}` : o.status}`,
    ),
  );
}

/** Every event of `events` is at the target exactly once under its id, byte-exact. */
async function assertHeldOnce(h: SinkHarness, events: readonly StoredEvent[]): Promise<void> {
  const records = await h.records();
  for (const event of events) {
    const copies = records.filter((r) => r.key === event.id);
    assert.equal(copies.length, 1, `event ${event.id} is held ${copies.length} times`);
    assert.ok(
      Buffer.from(copies[0]!.body).equals(Buffer.from(event.body)),
      `event ${event.id}: body differs at the target`,
    );
  }
}

/** Bodies that any re-serialization would change. */
const TRICKY_BODIES = [
  '{"b":1,"a":  1.0e2, "z":-0}',
  '{"big":12345678901234567890123456789,"f":0.1000000000000000055511151231257827}',
  '{"s":"ünïcødé ✓ 🎉","esc":"\\u00e9\\n","dup":1,"dup":2}',
  '{\n\t"deep": {"x": [1, 2, {"y": null}]}\n}\r\n',
  '{}',
];

export const checks = {
  /** Every event of a batch reaches the target once, byte-exact. */
  async deliversByteExact(h: SinkHarness) {
    const batch = TRICKY_BODIES.map((body) => makeStoredEvent({ body })).slice(
      0,
      h.sink.limits.maxBatchEvents,
    );
    assertDelivered(await outcomesOf(h.sink, batch), 'first delivery');
    await assertHeldOnce(h, batch);
    assert.equal((await h.records()).length, batch.length, 'nothing else at the target');
  },

  /** Delivering the same events again (a retry, a restart) is absorbed by the target by id. */
  async idempotentRedelivery(h: SinkHarness) {
    const first = batchOf(h, 6);
    assertDelivered(await outcomesOf(h.sink, first), 'first delivery');
    assertDelivered(await outcomesOf(h.sink, first), 'same batch again');
    // A retry after a partial commit overlaps the previous batch.
    const half = Math.ceil(first.length / 2);
    const overlap = [...first.slice(half), ...batchOf(h, half)].slice(
      0,
      h.sink.limits.maxBatchEvents,
    );
    assertDelivered(await outcomesOf(h.sink, overlap), 'overlapping batch');
    const all = [...new Map([...first, ...overlap].map((e) => [e.id, e])).values()];
    const records = await h.records();
    assert.equal(records.length, all.length, `${all.length} events, ${records.length} records`);
    await assertHeldOnce(h, all);
  },

  /** An event over maxEventBytes fails alone, as final, without reaching the target. */
  async oversizedEventIsFinal(h: SinkHarness, t?: TestContext) {
    const { maxEventBytes, maxBatchEvents } = h.sink.limits;
    if (maxEventBytes + 1 > MAX_TEST_BYTES) return t?.skip(`maxEventBytes ${maxEventBytes}`);
    const big = makeStoredEvent({ size: maxEventBytes + 1 });
    assert.equal(big.body.byteLength, maxEventBytes + 1);
    const batch = maxBatchEvents >= 3 ? [makeStoredEvent(), big, makeStoredEvent()] : [big];
    const outcomes = await outcomesOf(h.sink, batch);
    const bigOutcome = outcomes[batch.indexOf(big)]!;
    assert.ok(
      bigOutcome.status === 'failed' && bigOutcome.error instanceof FinalSinkError,
      'the oversized event is a FinalSinkError',
    );
    assert.equal(bigOutcome.error.code, 'SB_SINK_EVENT_TOO_LARGE');
    const others = batch.filter((e) => e !== big);
    assertDelivered(
      outcomes.filter((_, i) => batch[i] !== big),
      'the other events of the batch',
    );
    await assertHeldOnce(h, others);
    assert.ok(!(await h.records()).some((r) => r.key === big.id), 'the big event was not sent');
  },

  /** A batch over the declared batch limits is refused whole, before any I/O. */
  async oversizedBatchIsRefused(h: SinkHarness) {
    const { maxBatchEvents, maxBatchBytes, maxEventBytes } = h.sink.limits;
    if (maxBatchEvents < 10_000) {
      const tooMany = Array.from({ length: maxBatchEvents + 1 }, () => makeStoredEvent());
      await assert.rejects(h.sink.deliver(tooMany), RangeError, 'maxBatchEvents + 1 events');
    }
    const perEvent = Math.min(maxEventBytes, maxBatchBytes);
    const count = Math.floor(maxBatchBytes / perEvent) + 1;
    if (count <= maxBatchEvents && count * perEvent <= MAX_TEST_BYTES) {
      const tooBig = Array.from({ length: count }, () => makeStoredEvent({ size: perEvent }));
      await assert.rejects(h.sink.deliver(tooBig), RangeError, 'over maxBatchBytes');
    }
    assert.equal((await h.records()).length, 0, 'nothing reached the target');
  },

  /** A target that fails transiently yields RetryableSinkError; once healed, the retry lands. */
  async transientFailureIsRetryable(h: SinkHarness) {
    const batch = batchOf(h, 3);
    h.breakTarget('transient');
    const outcomes = await outcomesOf(h.sink, batch);
    for (const o of outcomes) {
      assert.ok(
        o.status === 'failed' && o.error instanceof RetryableSinkError,
        `expected RetryableSinkError, got ${o.status === 'failed' ? o.error.name : o.status}`,
      );
      assert.equal(o.error.code, 'SB_SINK_RETRYABLE');
      const after = o.error.retryAfterMs;
      assert.ok(after === undefined || (Number.isFinite(after) && after >= 0), 'retryAfterMs');
    }
    const failing = h.sink.health();
    assert.equal(failing.state, 'failing');
    assert.equal(failing.lastError?.code, 'SB_SINK_RETRYABLE');
    h.breakTarget('none');
    assertDelivered(await outcomesOf(h.sink, batch), 'the retry');
    assert.equal(h.sink.health().state, 'ready');
    await assertHeldOnce(h, batch);
  },

  /** A target that refuses an event yields FinalSinkError for that event, not the others. */
  async permanentRejectionIsFinal(h: SinkHarness, code: FinalSinkCode = 'SB_SINK_REJECTED') {
    const batch = batchOf(h, 3);
    const bad = batch[batch.length > 1 ? 1 : 0]!;
    h.breakTarget('permanent', [bad.id]);
    const outcomes = await outcomesOf(h.sink, batch);
    const badOutcome = outcomes[batch.indexOf(bad)]!;
    assert.ok(
      badOutcome.status === 'failed' && badOutcome.error instanceof FinalSinkError,
      'the refused event is a FinalSinkError',
    );
    assert.equal(badOutcome.error.code, code);
    const good = batch.filter((e) => e !== bad);
    if (outcomes.every((o) => o.status === 'failed')) {
      // Rejected whole: the router bisects, so each good event alone must go through.
      for (const e of good) assertDelivered(await outcomesOf(h.sink, [e]), 'a good event alone');
    } else {
      assertDelivered(
        outcomes.filter((_, i) => batch[i] !== bad),
        'the other events of the batch',
      );
    }
    await assertHeldOnce(h, good);
    assert.equal(h.sink.health().state, 'ready', 'a refused event does not make the sink fail');
  },

  /** `maxConcurrency` deliveries at once all land. */
  async concurrentDeliveries(h: SinkHarness) {
    const n = Math.min(h.sink.limits.maxConcurrency, 8);
    const batches = Array.from({ length: n }, () => batchOf(h, 3));
    const results = await Promise.all(batches.map((b) => outcomesOf(h.sink, b)));
    results.forEach((r, i) => assertDelivered(r, `batch ${i}`));
    await assertHeldOnce(h, batches.flat());
  },

  /** `close` waits for in-flight deliveries, then refuses new ones with SB_SINK_CLOSED. */
  async closeWaitsForInFlight(h: SinkHarness) {
    const batch = batchOf(h, 2);
    const hold = h.holdTarget();
    const order: string[] = [];
    const delivering = outcomesOf(h.sink, batch).then((outcomes) => {
      order.push('delivered');
      return outcomes;
    });
    await waitFor(() => hold.arrived() > 0, { what: 'the delivery to reach the target' });
    assert.equal(h.sink.health().inFlight, 1);
    const closing = h.sink.close().then(() => order.push('closed'));
    // A close that does not wait resolves within a few turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    order.push('released');
    hold.release();
    await closing;
    assert.deepEqual(order, ['released', 'delivered', 'closed']);
    assertDelivered(await delivering, 'the in-flight delivery');
    await assertHeldOnce(h, batch);
    assert.equal(h.sink.health().state, 'closed');
    assert.equal(h.sink.health().inFlight, 0);
    await assert.rejects(
      h.sink.deliver(batchOf(h, 1)),
      (err: unknown) => err instanceof RetryableSinkError && err.code === 'SB_SINK_CLOSED',
    );
    await h.sink.close(); // idempotent
  },
} satisfies Record<string, (h: SinkHarness, extra?: never) => Promise<void>>;

export function runSinkSuite(name: string, factory: SinkFactory): void {
  async function started(t: TestContext): Promise<SinkHarness> {
    const h = await factory.open(t);
    await h.sink.start();
    return h;
  }

  describe(`Sink conformance: ${name}`, () => {
    test('declares its limits and reports its lifecycle in health()', async (t) => {
      const h = await factory.open(t);
      for (const [limit, value] of Object.entries(h.sink.limits))
        assert.ok(Number.isSafeInteger(value) && value > 0, `${limit} = ${value}`);
      assert.deepEqual(h.sink.health(), { state: 'idle', inFlight: 0 });
      await h.sink.start();
      assert.equal(h.sink.health().state, 'ready');
      await h.sink.close();
      assert.equal(h.sink.health().state, 'closed');
    });
    test('delivers every event of a batch once, byte-exact', async (t) =>
      checks.deliversByteExact(await started(t)));
    test('a redelivered batch is absorbed by the target (the event id is the key)', async (t) =>
      checks.idempotentRedelivery(await started(t)));
    test('an event over maxEventBytes is a FinalSinkError and the rest of the batch lands', async (t) =>
      checks.oversizedEventIsFinal(await started(t), t));
    test('a batch over maxBatchEvents / maxBatchBytes is refused before any I/O', async (t) =>
      checks.oversizedBatchIsRefused(await started(t)));
    test('a transient target failure is a RetryableSinkError; the retry lands once', async (t) =>
      checks.transientFailureIsRetryable(await started(t)));
    test('a permanent refusal is a FinalSinkError for that event only', async (t) => {
      const reason = factory.cannot?.permanentRejection;
      if (reason !== undefined) return t.skip(reason);
      await checks.permanentRejectionIsFinal(await started(t), factory.permanentCode);
    });
    test('maxConcurrency deliveries in flight at once all land', async (t) =>
      checks.concurrentDeliveries(await started(t)));
    test('close() waits for in-flight deliveries, then refuses new ones', async (t) =>
      checks.closeWaitsForInFlight(await started(t)));
  });
}
