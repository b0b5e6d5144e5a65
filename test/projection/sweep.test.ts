/**
 * States that cannot be true are swept with a reason (issue 12, point 3): a ring older than any
 * alerting timeout goes back to waiting in its queue, a conversation silent longer than the
 * org's idle limits is dropped uncounted, each by a `reconcile.sweep` event in the log, so a
 * replay ends them at the same point. A sweep that is behind what live state has heard since
 * changes nothing. The conversation bodies are the Notification API's queue conversation topic
 * (`QueueConversationEventTopicConversation`, participants with `purpose`, `queueId`, `userId`
 * and `calls[].state`: platform-client-sdk-javascript build/index.d.ts), as the emulator's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoredEvent } from '../../src/log/event-log.js';
import { LiveState } from '../../src/projection/live-state.js';
import { sweepEvent, type ImpossibleState } from '../../src/projection/sweep.js';
import { startTestEmulator } from '../support/emulator.js';
import { eventInput } from '../support/events.js';
import { nextOffset, notificationEvent } from '../support/notifications.js';
import { startTestGateway, waitFor } from '../support/helpers.js';

const Q = 'a1b2c3d4-0000-4000-8000-00000000000q';
const A = 'a1b2c3d4-0000-4000-8000-00000000000a';
const T0 = Date.parse('2026-11-30T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
function stored(e: ReturnType<typeof eventInput>): StoredEvent {
  return { ...e, offset: nextOffset() };
}

/** A queue conversation topic body: the customer, the queue, and the agent leg in `agent`. */
function conversation(id: string, agent: 'alerting' | 'connected' | undefined, at: number) {
  const leg = (purpose: string, state: string, more: Record<string, unknown> = {}) => ({
    id: `${id}-${purpose}`,
    purpose,
    ...more,
    calls: [{ state, ...(purpose === 'customer' ? { direction: 'inbound' } : {}) }],
  });
  return notificationEvent(
    `v2.routing.queues.${Q}.conversations`,
    {
      id,
      participants: [
        leg('customer', 'connected'),
        leg('acd', agent === undefined ? 'connected' : 'disconnected', { queueId: Q }),
        ...(agent ? [leg('agent', agent, { userId: A, queueId: Q })] : []),
      ],
    },
    iso(at),
  );
}

/** Anything newer: moves the events' clock to `at`. */
function tick(at: number) {
  return stored(
    eventInput('user.routing', {
      topic: `v2.users.${A}.routingStatus`,
      subject: { userId: A },
      occurredAt: iso(at),
      body: { routingStatus: { status: 'INTERACTING', startTime: iso(at) } },
    }),
  );
}

const figures = (s: LiveState) => {
  const q = s.queue(Q)!;
  return { waiting: q.waiting, alerting: q.alerting, interacting: q.interacting };
};

function sweep(s: LiveState, states: ImpossibleState[]) {
  for (const st of states) s.apply(stored(sweepEvent(st, s.clock, iso(s.clock))));
}

describe('sweeping states that cannot be true', () => {
  test('a ring past the ring limit: found with its reason, swept back to waiting, once', () => {
    const s = new LiveState();
    s.apply(conversation('ring-1', 'alerting', T0));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 1, interacting: 0 });
    assert.deepEqual(s.impossible(T0 + 60_000, 120_000, 4 * 3600_000), [], 'not yet');
    s.apply(tick(T0 + 600_000));
    const found = s.impossible(s.clock, 120_000, 4 * 3600_000);
    assert.deepEqual(found, [
      {
        reason: 'ring-timeout',
        conversationId: 'ring-1',
        userId: A,
        lastAt: iso(T0),
        limitMs: 120_000,
      },
    ]);
    sweep(s, found);
    assert.deepEqual(s.toasts(), [], 'the toast is gone');
    assert.deepEqual(s.agent(A)!.conversations, [], 'the agent no longer rings');
    assert.deepEqual(figures(s), { waiting: 1, alerting: 0, interacting: 0 });
    assert.deepEqual(s.impossible(s.clock, 120_000, 4 * 3600_000), []);
    sweep(s, found);
    assert.deepEqual(figures(s), { waiting: 1, alerting: 0, interacting: 0 }, 'a replay: same');
  });

  test('a sweep behind what live state heard since changes nothing', () => {
    const s = new LiveState();
    s.apply(conversation('ring-2', 'alerting', T0));
    s.apply(tick(T0 + 600_000));
    const found = s.impossible(s.clock, 120_000, 4 * 3600_000);
    assert.equal(found.length, 1);
    // The agent answered (the event arrived late, after the sweep was decided).
    s.apply(conversation('ring-2', 'connected', T0 + 600_500));
    sweep(s, found);
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 1 });
    assert.deepEqual(
      s.agent(A)!.conversations.map((c) => c.state),
      ['connected'],
    );
  });

  test('a conversation silent past the idle limit is dropped, uncounted', () => {
    const s = new LiveState();
    s.apply(conversation('talk-1', 'connected', T0));
    s.apply(tick(T0 + 5 * 3600_000));
    // Read after the clock moved: the rolling window has its own say about old answers.
    const answered = s.queue(Q)!.answered;
    const found = s.impossible(s.clock, 120_000, 4 * 3600_000);
    assert.deepEqual(
      found.map((f) => [f.reason, f.conversationId, f.limitMs]),
      [['silent-conversation', 'talk-1', 4 * 3600_000]],
    );
    sweep(s, found);
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 0 });
    assert.deepEqual(s.agent(A)!.conversations, []);
    assert.equal(s.queue(Q)!.answered, answered, 'no answer counted again');
    assert.equal(s.queue(Q)!.abandoned, 0, 'and no abandon made up');
  });
});

describe('a push-only gateway (no reconciler) sweeps a lost ring by itself', () => {
  test('the ring is gone, with a reconcile.sweep event and a metric', async (t) => {
    const emu = await startTestEmulator(t, { agents: 4, queues: 1, seed: 9 });
    const gw = await startTestGateway(t, {
      source: { demo: false, mode: 'push' },
      reconcile: { maxRingMs: 60_000 },
    });
    assert.equal(
      gw.sources.some((s) => s.name === 'reconcile'),
      false,
      'no credentials: no reconciler',
    );
    void emu;
    const now = Date.now();
    const ring = conversation('lost-ring', 'alerting', now - 600_000);
    await gw.log.append([ring, tick(now)].map(({ offset: _o, ...e }) => e));
    await waitFor(() => gw.projector.state.toasts().length === 1, { what: 'the ring in state' });
    await waitFor(() => gw.projector.state.toasts().length === 0, {
      timeoutMs: 15_000,
      what: 'the sweep to end the ring',
    });
    const sweeps = (await gw.log.read(0, 1000)).filter((e) => e.kind === 'reconcile.sweep');
    assert.equal(sweeps.length, 1);
    const body = JSON.parse(Buffer.from(sweeps[0]!.body).toString('utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(body.reason, 'ring-timeout');
    assert.equal(body.conversationId, 'lost-ring');
    assert.equal(body.limitMs, 60_000);
    assert.equal(sweeps[0]!.source, 'reconcile');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /switchboard_projection_sweeps_total\{reason="ring-timeout"\} 1/);
    assert.deepEqual(figures(gw.projector.state), { waiting: 1, alerting: 0, interacting: 0 });
  });
});
