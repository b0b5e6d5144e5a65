/**
 * Issue 13 point 2: the router. Each target is a log consumer with its own committed offset;
 * retries with backoff behind a circuit breaker; a dead-letter queue after `maxAttempts` or a
 * final error (a batch rejected whole is bisected); offsets committed only after delivery, so a
 * restart re-delivers and never skips; a slow target holds up only itself. A scripted sink
 * (test/router/script-sink.ts) plays the target; the log and the DLQ are the real SQLite ones.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { EventLog } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { Router, type RouteSpec } from '../../src/router/router.js';
import type { TargetOptions } from '../../src/router/target-consumer.js';
import { FinalSinkError, RetryableSinkError } from '../../src/sinks/sink.js';
import { eventInput } from '../support/events.js';
import { tempDir, waitFor } from '../support/helpers.js';
import { ScriptSink } from './script-sink.js';

const logger = createLogger('silent');

const FAST: TargetOptions = {
  maxAttempts: 4,
  backoff: { initialMs: 5, maxMs: 20 },
  circuit: { failureThreshold: 3, cooldownMs: 150 },
  startAt: 'earliest',
  readBatch: 100,
};

const everything: RouteSpec = { name: 'all', matches: () => true, targets: [] };

async function openLog(t: TestContext, dir: string): Promise<EventLog> {
  const log = await SqliteEventLog.open({
    path: join(dir, 'switchboard.db'),
    retention: { intervalMs: 3_600_000 },
  });
  t.after(() => log.close());
  return log;
}

async function append(log: EventLog, n: number, prefix = 'e') {
  const events = Array.from({ length: n }, (_, i) =>
    eventInput('user.presence', { id: `${prefix}-${i}`, body: { i } }),
  );
  await log.append(events);
  return events.map((e) => e.id);
}

function router(
  t: TestContext,
  log: EventLog,
  dir: string,
  sinks: ScriptSink[],
  options: Partial<TargetOptions> = {},
  routes: RouteSpec[] = [{ ...everything, targets: sinks.map((s) => s.name) }],
): Router {
  const r = new Router({
    log,
    targets: sinks.map((sink) => ({ sink, options: { ...FAST, ...options } })),
    routes,
    deadLetterPath: join(dir, 'dlq.db'),
    logger,
  });
  t.after(() => r.stop());
  return r;
}

const statsOf = async (r: Router, name: string) => (await r.stats()).find((s) => s.name === name)!;

describe('router', () => {
  test('delivers what its routes select, once, and commits the offset after', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const sink = new ScriptSink('crm');
    const evenOnly: RouteSpec = {
      name: 'even',
      matches: (doc) => (doc as { body: { i: number } }).body.i % 2 === 0,
      targets: ['crm'],
    };
    const r = router(t, log, dir, [sink], {}, [evenOnly]);
    await r.start();
    const ids = await append(log, 40);
    await waitFor(async () => (await statsOf(r, 'crm')).lag === 0, {
      what: 'the target caught up',
    });
    assert.deepEqual([...sink.received.keys()].sort(), ids.filter((_, i) => i % 2 === 0).sort());
    assert.ok(
      [...sink.received.values()].every((n) => n === 1),
      'each once',
    );
    const s = await statsOf(r, 'crm');
    assert.equal(s.delivered, 20);
    assert.equal(s.offset, (await log.stats()).lastOffset);
    const consumers = await log.consumers();
    assert.equal(consumers.find((c) => c.name === 'target:crm')?.committedOffset, s.offset);
  });

  test('a target that cannot start is tried again until it starts, its error in its stats', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const sink = new ScriptSink('warehouse');
    sink.onStart = () => {
      if (sink.starts <= 2)
        throw new RetryableSinkError('connect ECONNREFUSED 127.0.0.1:5432', {
          code: 'SB_SINK_UNREACHABLE',
        });
    };
    const r = router(t, log, dir, [sink]);
    const ids = await append(log, 5);
    await r.start();
    const down = await statsOf(r, 'warehouse');
    assert.equal(down.lastError?.code, 'SB_SINK_UNREACHABLE');
    assert.match(down.lastError?.message ?? '', /^could not start: connect ECONNREFUSED/);
    await waitFor(async () => (await statsOf(r, 'warehouse')).lag === 0, {
      what: 'the target to start on its third try and catch up',
      timeoutMs: 15_000,
    });
    assert.equal(sink.starts, 3);
    assert.deepEqual([...sink.received.keys()].sort(), [...ids].sort());
    assert.equal((await statsOf(r, 'warehouse')).lastError, undefined);
  });

  test('retryable failures are retried with backoff; Retry-After is honoured', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const sink = new ScriptSink('crm');
    let calls = 0;
    const at: number[] = [];
    sink.script = (batch) => {
      at.push(Date.now());
      if (++calls <= 2)
        throw new RetryableSinkError('throttled', { code: 'SB_SINK_RETRYABLE', retryAfterMs: 200 });
      return batch.map(() => ({ status: 'delivered' }) as const);
    };
    const r = router(t, log, dir, [sink]);
    await r.start();
    await append(log, 5);
    await waitFor(async () => (await statsOf(r, 'crm')).delivered === 5, { what: 'delivered' });
    assert.ok(at[1]! - at[0]! >= 195 && at[2]! - at[1]! >= 195, `waited ${at[1]! - at[0]!} ms`);
    const s = await statsOf(r, 'crm');
    assert.equal(s.retried, 10, 'two more tries of five events');
    assert.equal(s.failed, 10);
    assert.equal(s.dlqDepth, 0);
  });

  test('a final error dead-letters that event alone; a batch rejected whole is bisected', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const perEvent = new ScriptSink('per-event');
    perEvent.script = (batch) =>
      batch.map((e) =>
        e.id === 'e-3'
          ? ({ status: 'failed', error: new FinalSinkError('400 bad request') } as const)
          : ({ status: 'delivered' } as const),
      );
    const whole = new ScriptSink('whole');
    whole.script = (batch) => {
      if (batch.some((e) => e.id === 'e-6')) throw new FinalSinkError('rejected: one is invalid');
      return batch.map(() => ({ status: 'delivered' }) as const);
    };
    const r = router(t, log, dir, [perEvent, whole]);
    await r.start();
    const ids = await append(log, 10);
    await waitFor(async () => (await r.stats()).every((s) => s.lag === 0), { what: 'both done' });
    assert.deepEqual(
      r.listDeadLetters({}, 10).map((d) => [d.target, d.id, d.attempts, d.code]),
      [
        ['per-event', 'e-3', 1, 'SB_SINK_REJECTED'],
        // In the batch of ten, then halves of it: 5–9, 5–7, 5–6, and alone.
        ['whole', 'e-6', 5, 'SB_SINK_REJECTED'],
      ],
    );
    assert.deepEqual([...whole.received.keys()].sort(), ids.filter((id) => id !== 'e-6').sort());
    assert.equal((await statsOf(r, 'whole')).dlqDepth, 1);
  });

  test('out of attempts: dead-lettered with its attempts; replay drains the DLQ once the target is back', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const sink = new ScriptSink('crm');
    let down = true;
    sink.script = (batch) => {
      if (down) throw new RetryableSinkError('connection refused');
      return batch.map(() => ({ status: 'delivered' }) as const);
    };
    const r = router(t, log, dir, [sink], { circuit: { failureThreshold: 100, cooldownMs: 10 } });
    await r.start();
    const ids = await append(log, 3);
    await waitFor(async () => (await statsOf(r, 'crm')).lag === 0, { what: 'given up' });
    const letters = r.listDeadLetters({ target: 'crm' }, 10);
    assert.deepEqual(
      letters.map((d) => [d.id, d.attempts]),
      ids.map((id) => [id, FAST.maxAttempts]),
    );
    assert.match(letters[0]!.lastError, /^SB_SINK_RETRYABLE: connection refused/);
    assert.equal(sink.received.size, 0);

    const failedAgain = await r.replay({ target: 'crm' });
    assert.deepEqual(failedAgain, { tried: 3, delivered: 0, failed: 3 });
    assert.equal(r.listDeadLetters({}, 10)[0]!.attempts, FAST.maxAttempts + 1);
    down = false;
    assert.deepEqual(await r.replay({ id: 'e-1' }), { tried: 1, delivered: 1, failed: 0 });
    assert.deepEqual(await r.replay({}), { tried: 2, delivered: 2, failed: 0 });
    assert.equal(r.listDeadLetters({}, 10).length, 0);
    assert.deepEqual([...sink.received.keys()].sort(), ids.sort());
  });

  test('the circuit opens after repeated failures: no deliveries while open, then one probe', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const sink = new ScriptSink('crm', { maxBatchEvents: 1, maxConcurrency: 4 });
    let down = true;
    const calls: number[] = [];
    sink.script = (batch) => {
      calls.push(Date.now());
      if (down) throw new RetryableSinkError('503');
      return batch.map(() => ({ status: 'delivered' }) as const);
    };
    const r = router(t, log, dir, [sink], {
      maxAttempts: 1000,
      circuit: { failureThreshold: 3, cooldownMs: 400 },
    });
    await r.start();
    await append(log, 8);
    await waitFor(async () => (await statsOf(r, 'crm')).circuit === 'open', { what: 'open' });
    const opened = Date.now();
    const before = calls.length;
    await waitFor(() => calls.length > before, { timeoutMs: 3000, what: 'the probe' });
    assert.ok(Date.now() - opened >= 300, 'nothing went while the circuit was open');
    assert.equal(calls.length, before + 1, 'one probe');
    down = false;
    await waitFor(async () => (await statsOf(r, 'crm')).delivered === 8, { what: 'recovered' });
    const s = await statsOf(r, 'crm');
    assert.equal(s.circuit, 'closed');
    assert.ok(s.circuitOpened >= 1);
    assert.equal(s.dlqDepth, 0);
  });

  test('a restart re-delivers what was not committed and skips nothing', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const first = new ScriptSink('crm');
    first.script = (batch) => {
      if (batch.some((e) => e.id === 'e-25')) throw new RetryableSinkError('down');
      return batch.map(() => ({ status: 'delivered' }) as const);
    };
    const r1 = new Router({
      log,
      targets: [{ sink: first, options: { ...FAST, readBatch: 10, maxAttempts: 1000 } }],
      routes: [{ ...everything, targets: ['crm'] }],
      deadLetterPath: join(dir, 'dlq.db'),
      logger,
    });
    await r1.start();
    const ids = await append(log, 50);
    await waitFor(() => first.calls > 10, { what: 'retrying the batch with e-25' });
    await r1.stop();
    const committed = (await log.consumers()).find((c) => c.name === 'target:crm')!;
    assert.equal(committed.committedOffset, 20, 'two batches of ten committed, not the third');

    const second = new ScriptSink('crm');
    const r2 = router(t, log, dir, [second], { readBatch: 10 });
    await r2.start();
    await waitFor(async () => (await statsOf(r2, 'crm')).lag === 0, { what: 'caught up' });
    const all = new Set([...first.received.keys(), ...second.received.keys()]);
    assert.deepEqual([...all].sort(), ids.sort(), 'nothing skipped');
    assert.ok(second.received.has('e-20'), 'the uncommitted batch came again');
    assert.ok(!second.received.has('e-19'), 'committed ones did not');
  });

  test('a new target starts from the oldest retained event; a slow target holds up only itself', async (t) => {
    const dir = tempDir(t);
    const log = await openLog(t, dir);
    const ids = await append(log, 30, 'old');
    const slow = new ScriptSink('slow');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    slow.script = async (batch) => {
      await gate;
      return batch.map(() => ({ status: 'delivered' }) as const);
    };
    const fresh = new ScriptSink('fresh');
    const r = router(t, log, dir, [slow, fresh]);
    await r.start();
    const more = await append(log, 20, 'new');
    await waitFor(async () => (await statsOf(r, 'fresh')).lag === 0, { what: 'fresh caught up' });
    assert.deepEqual([...fresh.received.keys()].sort(), [...ids, ...more].sort());
    const s = await statsOf(r, 'slow');
    assert.equal(s.delivered, 0);
    assert.equal(s.lag, 50);
    release();
    await waitFor(async () => (await statsOf(r, 'slow')).lag === 0, { what: 'slow caught up' });
  });
});
