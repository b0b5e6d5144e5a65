/**
 * The Source conformance suite (the contract: src/sources/source.ts). Every source runs it
 * through a tiny spec that passes a factory; nothing here knows which source it has. The log is
 * a real SqliteEventLog; the suite owns the appender between them, so it can hold appends (to
 * see what a source does while one is in flight) or fail them (to see gaps).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { LogUnavailableError } from '../../src/errors.js';
import type { EventLog } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import {
  appenderFor,
  type Appender,
  type Gap,
  type Source,
  type SourceContext,
} from '../../src/sources/source.js';
import { tempDir, waitFor } from '../support/helpers.js';
import { logIds } from '../support/events.js';

/**
 * What a sender saw: acknowledged (with the ids of the events it sent), refused with a code, or
 * unheard. A source that pulls (the Notification API stream) answers no sender: before `start`
 * and after `stop` it has no socket open, so Genesys has nowhere to send and nothing is delivered
 * at all. That is its form of the lifecycle refusal (SB_NOT_READY, SB_SHUTTING_DOWN), and only
 * of that one: an append failure is still seen as a refusal with the log's code. The rest of
 * those tests (nothing appended) holds it to the same account as a push source.
 */
export type Delivery =
  | { acked: true; ids: string[] }
  | { acked: false; code: string | undefined }
  | { acked: false; unheard: true };

export interface SourceHarness {
  readonly source: Source;
  /** Sends one delivery the way the source's sender does (fresh events every call). */
  deliver(): Promise<Delivery>;
}

export interface SourceFactory {
  /** A fresh, unstarted source and whatever feeds it, torn down when the test ends. */
  create(t: TestContext): Promise<SourceHarness>;
  /**
   * Whether a failed append opens a gap: true for push and stream sources (their senders may
   * give up, or never resend); false for the reconciler, which receives gaps.
   */
  gapOnAppendFailure: boolean;
  /** Makes the source miss events in a way it notices itself (a stream's disconnect). */
  induceGap?: (harness: SourceHarness) => Promise<void>;
}

/** The log's appender, as the suite controls it. */
class ControlledAppender implements Appender {
  readonly #inner: Appender;
  calls = 0;
  failing = false;
  #gate: Promise<void> | undefined;

  constructor(inner: Appender) {
    this.#inner = inner;
  }

  /** Holds every append and quarantine until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.#gate = new Promise<void>((resolve) => (release = resolve));
    this.release = () => {
      this.#gate = undefined;
      release();
    };
    return this.release;
  }

  /** Lets held appends go (teardown: a test that failed while holding must not hang stop). */
  release: () => void = () => {};

  async append(events: Parameters<Appender['append']>[0]) {
    this.calls++;
    await this.#gate;
    if (this.failing) throw new LogUnavailableError('suite: the log refuses appends');
    return this.#inner.append(events);
  }

  async quarantine(entry: Parameters<Appender['quarantine']>[0]) {
    this.calls++;
    await this.#gate;
    if (this.failing) throw new LogUnavailableError('suite: the log refuses appends');
    return this.#inner.quarantine(entry);
  }

  pendingEvents(): number {
    return this.#inner.pendingEvents();
  }
}

interface Rig {
  harness: SourceHarness;
  source: Source;
  log: EventLog;
  appender: ControlledAppender;
  gaps: Gap[];
  ctx: SourceContext;
  eventCount(): Promise<number>;
  /** Whether every id is in the log (read through the log's own read path). */
  stored(ids: readonly string[]): Promise<boolean>;
}

const logger = createLogger('silent');

/** The refusals that a pull source's not listening stands for (see `Delivery`). */
const LIFECYCLE_REFUSALS = new Set(['SB_NOT_READY', 'SB_SHUTTING_DOWN']);

export function runSourceSuite(name: string, factory: SourceFactory): void {
  async function rig(t: TestContext): Promise<Rig> {
    const log = await SqliteEventLog.open({
      path: join(tempDir(t, 'sb-source-'), 'switchboard.db'),
      retention: { intervalMs: 3_600_000 },
    });
    const harness = await factory.create(t);
    const appender = new ControlledAppender(appenderFor(log));
    // One hook, so the source stops before the log closes whatever order hooks run in.
    t.after(async () => {
      appender.release();
      await harness.source.stop();
      await log.close();
    });
    const gaps: Gap[] = [];
    const ctx: SourceContext = { append: appender, reportGap: (gap) => gaps.push(gap), logger };
    return {
      harness,
      source: harness.source,
      log,
      appender,
      gaps,
      ctx,
      eventCount: async () => (await log.stats()).eventCount,
      stored: async (ids) => {
        const have = await logIds(log);
        return ids.every((id) => have.has(id));
      },
    };
  }

  function assertRefused(d: Delivery, code: string): void {
    assert.equal(d.acked, false, `expected a refusal ${code}, got an ack`);
    if (d.acked) return;
    if ('unheard' in d) {
      assert.ok(
        LIFECYCLE_REFUSALS.has(code),
        `expected a refusal ${code}; the source was not listening`,
      );
      return;
    }
    assert.equal(d.code, code);
  }

  async function assertAcked(r: Rig, d: Delivery): Promise<string[]> {
    assert.ok(d.acked, `expected an ack, got ${'code' in d ? String(d.code) : 'unheard'}`);
    assert.ok(d.ids.length > 0, 'an ack names the events it acknowledged');
    assert.ok(await r.stored(d.ids), 'acknowledged events are in the log');
    return d.ids;
  }

  describe(`Source conformance: ${name}`, () => {
    test('before start: health is starting, a delivery is refused SB_NOT_READY, nothing appended', async (t) => {
      const r = await rig(t);
      assert.equal(r.source.health().state, 'starting');
      assert.equal(r.source.health().lastEventAt, null);
      assertRefused(await r.harness.deliver(), 'SB_NOT_READY');
      assert.equal(r.appender.calls, 0);
      assert.equal(await r.eventCount(), 0);
    });

    test('start is idempotent; stop is idempotent and final', async (t) => {
      const r = await rig(t);
      await Promise.all([r.source.start(r.ctx), r.source.start(r.ctx)]);
      await r.source.start(r.ctx);
      assert.equal(r.source.health().state, 'running');
      const ids = await assertAcked(r, await r.harness.deliver());
      const count = await r.eventCount();
      assert.ok(count >= ids.length, `${count} events for ${ids.length} ids`);

      await Promise.all([r.source.stop(), r.source.stop()]);
      await r.source.stop();
      assert.equal(r.source.health().state, 'stopped');
      await assert.rejects(r.source.start(r.ctx), { code: 'SB_SHUTTING_DOWN' });
      assert.equal(r.source.health().state, 'stopped');
      assertRefused(await r.harness.deliver(), 'SB_SHUTTING_DOWN');
      assert.equal(await r.eventCount(), count);
    });

    test('after stop a delivery is refused SB_SHUTTING_DOWN and nothing is appended', async (t) => {
      const r = await rig(t);
      await r.source.start(r.ctx);
      await r.source.stop();
      assertRefused(await r.harness.deliver(), 'SB_SHUTTING_DOWN');
      assert.equal(r.appender.calls, 0);
      assert.equal(await r.eventCount(), 0);
    });

    test('a delivery is acknowledged only after its events are durable', async (t) => {
      const r = await rig(t);
      await r.source.start(r.ctx);
      const release = r.appender.hold();
      let released = false;
      let releasedAtAck: boolean | undefined;
      const delivering = r.harness.deliver().then((d) => {
        releasedAtAck = released;
        return d;
      });
      await waitFor(() => r.appender.calls > 0, { what: 'the source to append' });
      // A source that acknowledged before its append resolved would answer while held.
      setTimeout(() => {
        released = true;
        release();
      }, 50);
      const d = await delivering;
      assert.equal(releasedAtAck, true, 'acknowledged while its append was still held');
      await assertAcked(r, d);
    });

    test('health moves starting → running → stopped; lastEventAt follows deliveries', async (t) => {
      const r = await rig(t);
      assert.equal(r.source.health().state, 'starting');
      await r.source.start(r.ctx);
      assert.equal(r.source.health().state, 'running');
      assert.equal(r.source.health().lastEventAt, null);

      const t0 = Date.now();
      await assertAcked(r, await r.harness.deliver());
      const t1 = Date.now();
      const first = r.source.health().lastEventAt;
      assert.ok(first !== null, 'lastEventAt set by a delivery');
      const firstMs = Date.parse(first);
      assert.ok(firstMs >= t0 && firstMs <= t1, `${first} within the delivery`);

      await waitFor(() => Date.now() > firstMs, { what: 'the clock to move' });
      await assertAcked(r, await r.harness.deliver());
      const second = r.source.health().lastEventAt;
      assert.ok(second !== null && Date.parse(second) > firstMs, `${second} after ${first}`);

      await r.source.stop();
      assert.equal(r.source.health().state, 'stopped');
      assert.equal(r.source.health().lastEventAt, second);
    });

    test('stop waits for in-flight appends; nothing is appended after it resolves', async (t) => {
      const r = await rig(t);
      await r.source.start(r.ctx);
      const release = r.appender.hold();
      const delivering = r.harness.deliver();
      await waitFor(() => r.appender.calls > 0, { what: 'the source to append' });
      const order: string[] = [];
      const stopping = Promise.all([r.source.stop(), r.source.stop()]).then(() =>
        order.push('stopped'),
      );
      assert.equal(r.source.health().state, 'stopped', 'stop refuses at once');
      setTimeout(() => {
        order.push('released');
        release();
      }, 50);
      await stopping;
      assert.deepEqual(order, ['released', 'stopped']);
      await assertAcked(r, await delivering);

      const calls = r.appender.calls;
      const count = await r.eventCount();
      assertRefused(await r.harness.deliver(), 'SB_SHUTTING_DOWN');
      assert.equal(r.appender.calls, calls);
      assert.equal(await r.eventCount(), count);
    });

    if (factory.gapOnAppendFailure) {
      test('a failed append is not acknowledged; its window is reported as a gap once appends succeed', async (t) => {
        const r = await rig(t);
        await r.source.start(r.ctx);
        r.appender.failing = true;
        const before = Date.now();
        assertRefused(await r.harness.deliver(), 'SB_LOG_UNAVAILABLE');
        const health = r.source.health();
        assert.equal(health.state, 'degraded');
        assert.match(health.detail ?? '', /refuses appends/);
        assert.equal(r.gaps.length, 0, 'the window is still open');

        r.appender.failing = false;
        await assertAcked(r, await r.harness.deliver());
        const after = Date.now();
        assert.equal(r.gaps.length, 1);
        assertGap(r.gaps[0]!, r.source, before, after);
        assert.equal(r.source.health().state, 'running');
      });

      test('a gap still open at stop is reported by stop', async (t) => {
        const r = await rig(t);
        await r.source.start(r.ctx);
        r.appender.failing = true;
        const before = Date.now();
        assertRefused(await r.harness.deliver(), 'SB_LOG_UNAVAILABLE');
        assert.equal(r.gaps.length, 0);
        await r.source.stop();
        assert.equal(r.gaps.length, 1);
        assertGap(r.gaps[0]!, r.source, before, Date.now());
      });
    } else {
      test('a failed append is not acknowledged, degrades health, and is not a gap', async (t) => {
        const r = await rig(t);
        await r.source.start(r.ctx);
        r.appender.failing = true;
        assertRefused(await r.harness.deliver(), 'SB_LOG_UNAVAILABLE');
        assert.equal(r.source.health().state, 'degraded');
        r.appender.failing = false;
        await assertAcked(r, await r.harness.deliver());
        assert.equal(r.source.health().state, 'running');
        await r.source.stop();
        assert.deepEqual(r.gaps, []);
      });
    }

    const induceGap = factory.induceGap;
    if (induceGap) {
      test('a gap the source notices is reported through its context', async (t) => {
        const r = await rig(t);
        await r.source.start(r.ctx);
        const before = Date.now();
        await induceGap(r.harness);
        await waitFor(() => r.gaps.length > 0, { what: 'a gap' });
        assertGap(r.gaps[0]!, r.source, before, Date.now());
      });
    }
  });
}

function assertGap(gap: Gap, source: Source, notBefore: number, notAfter: number): void {
  assert.equal(gap.source, source.kind);
  assert.ok(gap.reason.length > 0, 'a gap says why');
  assert.ok(gap.from !== undefined, 'the source knows when it began missing events');
  const from = Date.parse(gap.from);
  const to = Date.parse(gap.to);
  assert.ok(from >= notBefore && from <= to && to <= notAfter, JSON.stringify(gap));
}
